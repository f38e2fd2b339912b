//! Entry point: parse arguments, set up logging, run the command, map the result to an
//! exit code (0 success, 1 error, 2 changes pending / drift found). Nothing else.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use sesinfra::cli::Cli;
use sesinfra::commands::{self, Style};
use sesinfra::error;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(error::usage_exit_code(&e));
        }
    };
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let stderr_terminal = std::io::stderr().is_terminal();
    let color = !cli.global.no_color && !no_color_env && stderr_terminal;
    let style = Style {
        color,
        stdout_color: color && std::io::stdout().is_terminal(),
        quiet: cli.global.quiet,
        progress: stderr_terminal && !cli.global.quiet,
        interactive: std::io::stdin().is_terminal(),
    };
    init_logging(cli.global.verbose, cli.global.quiet, style.color);

    let result = commands::run(cli, style, &mut std::io::stdout(), &mut std::io::stderr());
    if let Err(e) = &result
        && !e.is_broken_pipe()
    {
        eprintln!("error: {e}");
    }
    ExitCode::from(error::exit_code(&result))
}

fn init_logging(verbose: u8, quiet: bool, color: bool) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    // sesinfra's own logs at the chosen level; the AWS SDK's only when asked for (-vv),
    // since its warnings (e.g. about an absent ~/.aws/config) are noise by default.
    let (ours, sdk) = match (quiet, verbose) {
        (true, _) => (LevelFilter::ERROR, LevelFilter::ERROR),
        (false, 0) => (LevelFilter::WARN, LevelFilter::ERROR),
        (false, 1) => (LevelFilter::INFO, LevelFilter::ERROR),
        (false, 2) => (LevelFilter::DEBUG, LevelFilter::INFO),
        (false, _) => (LevelFilter::TRACE, LevelFilter::TRACE),
    };
    let filter = Targets::new()
        .with_target("sesinfra", ours)
        .with_default(sdk);
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(color)
                .with_target(false),
        )
        .with(filter)
        .init();
}
