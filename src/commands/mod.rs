//! What each subcommand does, given parsed arguments: one file per command, each a
//! thin layer over `engine` and `render`. Results go to `stdout`, diagnostics and
//! progress to `stderr`; both are parameters, and nothing below writes to the process's
//! own streams (except the terminal spinner and bar of `progress.rs`, which draw on the
//! terminal only). Whether a stream is a terminal is decided once, in `main` (`Style`).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{Cli, Command, DEFAULT_SPEC_FILE, GlobalArgs};
use crate::diagnostics::{Diagnostics, Severity};
use crate::engine::SpecSource;
use crate::error::Error;
use crate::model::Model;
use crate::spec::{self, LoadError};
use crate::validate::{self as validator, Inputs};

mod apply;
mod audit;
mod drift;
mod export;
mod history;
mod history_athena;
mod online;
mod plan;
mod progress;
mod status;
mod validate;
mod verify;

/// A successful run's result, mapped to an exit code by `error::exit_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 2: `plan --detailed-exitcode` has changes, or `drift` found drift.
    ChangesPending,
    /// Exit 2: `status` found the account at risk.
    AtRisk,
    /// Exit 2: `audit` reported findings.
    Findings,
    /// Exit 2: `verify` found some expected event records missing.
    EventsMissing,
}

/// How output should look, decided once from the flags and the process's streams.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Colours on stderr (a terminal, and neither --no-color nor NO_COLOR).
    pub color: bool,
    /// Colours on stdout: `color`, and stdout is a terminal too.
    pub stdout_color: bool,
    pub quiet: bool,
    /// Spinner and progress bar: stderr is a terminal and not --quiet.
    pub progress: bool,
    /// stdin is a terminal, so apply may ask for confirmation.
    pub interactive: bool,
}

pub fn run(
    cli: Cli,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let global = &cli.global;
    match &cli.command {
        Command::Validate { file, files } => {
            let paths = match (file, files.is_empty()) {
                (Some(f), _) => vec![f.clone()],
                (None, false) => files.clone(),
                (None, true) => vec![PathBuf::from(DEFAULT_SPEC_FILE)],
            };
            validate::validate_files(&paths, global, style, stdout, stderr)
        }
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "sesinfra", stdout);
            Ok(Outcome::Success)
        }
        Command::Man { dir: None } => {
            clap_mangen::Man::new(Cli::command()).render(stdout)?;
            Ok(Outcome::Success)
        }
        Command::Man { dir: Some(dir) } => {
            clap_mangen::generate_to(Cli::command(), dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            Ok(Outcome::Success)
        }
        Command::Schema => {
            stdout.write_all(crate::schema::spec_schema_json().as_bytes())?;
            Ok(Outcome::Success)
        }
        Command::Plan {
            spec,
            out,
            detailed_exitcode,
            output,
            adopt,
        } => plan::plan(
            plan::PlanRequest {
                spec: spec.path(),
                out: out.as_deref(),
                detailed_exitcode: *detailed_exitcode,
                output: *output,
                adopt: *adopt,
            },
            global,
            style,
            stdout,
            stderr,
        ),
        Command::Apply {
            spec,
            planfile,
            yes,
            adopt,
        } => apply::apply(
            apply::ApplyRequest {
                spec: spec.path(),
                planfile: planfile.clone(),
                yes: *yes,
                adopt: *adopt,
                destroy: false,
            },
            global,
            style,
            stdout,
            stderr,
        ),
        Command::Destroy { spec, yes } => apply::apply(
            apply::ApplyRequest {
                spec: spec.path(),
                planfile: None,
                yes: *yes,
                adopt: false,
                destroy: true,
            },
            global,
            style,
            stdout,
            stderr,
        ),
        Command::Verify {
            spec,
            configuration_sets,
            timeout,
            output,
        } => verify::verify(
            verify::VerifyRequest {
                spec: &spec.path(),
                configuration_sets,
                timeout_seconds: *timeout,
                output: *output,
            },
            global,
            style,
            stdout,
            stderr,
        ),
        Command::Status { output } => status::status(*output, global, stdout),
        Command::Audit { output } => audit::audit(*output, global, stdout),
        Command::Export {
            stack,
            configuration_sets,
            identities,
            new_stack,
        } => export::export(
            &crate::inventory::Scope {
                stack: stack.clone(),
                configuration_sets: configuration_sets.clone(),
                identities: identities.clone(),
            },
            new_stack.as_deref(),
            global,
            stdout,
            stderr,
        ),
        Command::History(args) => history::history(args, global, style, stdout, stderr),
        Command::Drift { spec, output } => {
            drift::drift(&spec.path(), *output, global, style, stdout, stderr)
        }
    }
}

fn env_lookup(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

fn inputs(global: &GlobalArgs) -> Inputs<'static> {
    // The AWS SDK's own order: the flag, then AWS_REGION, then AWS_DEFAULT_REGION.
    let region = global
        .region
        .clone()
        .or_else(|| env_lookup("AWS_REGION"))
        .or_else(|| env_lookup("AWS_DEFAULT_REGION"))
        .filter(|r| !r.is_empty());
    Inputs {
        region,
        account_id: None,
        vars: global.vars.iter().cloned().collect::<BTreeMap<_, _>>(),
        env: &env_lookup,
    }
}

/// One spec file read and validated offline.
struct Checked {
    /// The model, when there are no errors.
    model: Option<Model>,
    /// The text as read, for the online validation and a saved plan.
    text: String,
    errors: usize,
    warnings: usize,
}

/// Reads and validates one spec offline, printing its diagnostics.
fn check_file(
    path: &Path,
    global: &GlobalArgs,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<Checked, Error> {
    let file = match spec::load(path) {
        Ok(file) => file,
        Err(LoadError::Invalid(diagnostics)) => {
            print_diagnostics(&diagnostics, style, stderr)?;
            return Ok(Checked {
                model: None,
                text: diagnostics.text.clone(),
                errors: diagnostics.count(Severity::Error),
                warnings: 0,
            });
        }
        Err(other) => return Err(other.into()),
    };
    let text = file.text.clone();
    let validated = validator::validate(file, &inputs(global));
    let d = &validated.diagnostics;
    tracing::debug!(file = %d.file, items = d.items.len(), "validated");
    print_diagnostics(d, style, stderr)?;
    Ok(Checked {
        errors: d.count(Severity::Error),
        warnings: d.count(Severity::Warning),
        model: validated.model,
        text,
    })
}

fn print_diagnostics(d: &Diagnostics, style: Style, stderr: &mut dyn Write) -> Result<(), Error> {
    // Quiet hides warnings; errors always show.
    stderr.write_all(d.render(style.color, !style.quiet).as_bytes())?;
    Ok(())
}

/// The spec at `path`, read once and validated offline (before any AWS call): its
/// model and its source for the online steps.
fn load_spec(
    path: &Path,
    global: &GlobalArgs,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<(Model, SpecSource), Error> {
    let checked = check_file(path, global, style, stderr)?;
    let file = path.display().to_string();
    let model = checked.model.ok_or_else(|| Error::InvalidSpec {
        file: file.clone(),
        errors: checked.errors,
    })?;
    let source = SpecSource {
        file,
        text: checked.text,
        vars: global.vars.iter().cloned().collect(),
    };
    Ok((model, source))
}
