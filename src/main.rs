//! Entry point: parse arguments, set up logging, run the command, map the result to an
//! exit code (0 success, 1 error, 2 changes pending / drift found). Nothing else.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use sesinfra::cli::Cli;
use sesinfra::commands::{self, Style};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors exit 1, not clap's 2: 2 means "changes pending" here.
            return ExitCode::from(if e.use_stderr() { 1 } else { 0 });
        }
    };
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let style = Style {
        color: !cli.global.no_color && !no_color_env && std::io::stderr().is_terminal(),
        quiet: cli.global.quiet,
    };
    init_logging(cli.global.verbose, cli.global.quiet, style.color);

    let result = commands::run(cli, style, &mut std::io::stdout(), &mut std::io::stderr());
    match result {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

fn init_logging(verbose: u8, quiet: bool, color: bool) {
    let level = match (quiet, verbose) {
        (true, _) => tracing::Level::ERROR,
        (false, 0) => tracing::Level::WARN,
        (false, 1) => tracing::Level::INFO,
        (false, 2) => tracing::Level::DEBUG,
        (false, _) => tracing::Level::TRACE,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(false)
        .init();
}
