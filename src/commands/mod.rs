//! What each subcommand does, given parsed arguments. Results go to `stdout`,
//! diagnostics and progress to `stderr`; both are parameters so tests can capture them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::CommandFactory;

use crate::cli::{Cli, Command, DEFAULT_SPEC_FILE, GlobalArgs};
use crate::diagnostics::{Diagnostics, Severity};
use crate::error::Error;
use crate::model::Model;
use crate::spec::{self, LoadError};
use crate::validate::{self, Inputs};

mod audit;
mod export;
mod stack;
mod status;

/// A successful run's result, mapped to an exit code by `main`.
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
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Success => 0,
            Outcome::ChangesPending | Outcome::AtRisk | Outcome::Findings => 2,
        }
    }
}

/// How output should look.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub quiet: bool,
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
            validate_files(&paths, global, style, stdout, stderr)
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
        } => stack::plan(
            stack::PlanRequest {
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
        } => stack::apply(
            stack::ApplyRequest {
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
        Command::Destroy { spec, yes } => stack::apply(
            stack::ApplyRequest {
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
        Command::Drift { spec, output } => {
            stack::drift(&spec.path(), *output, global, style, stdout, stderr)
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

/// Loads and validates one spec, printing its diagnostics; a model only without errors.
fn check_file(
    path: &Path,
    global: &GlobalArgs,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<(Option<Model>, usize, usize), Error> {
    let validated = match spec::load(path) {
        Ok(file) => validate::validate(file, &inputs(global)),
        Err(LoadError::Invalid(diagnostics)) => {
            print_diagnostics(&diagnostics, style, stderr)?;
            return Ok((None, diagnostics.count(Severity::Error), 0));
        }
        Err(other) => return Err(other.into()),
    };
    let d = &validated.diagnostics;
    tracing::debug!(file = %d.file, items = d.items.len(), "validated");
    print_diagnostics(d, style, stderr)?;
    Ok((
        validated.model,
        d.count(Severity::Error),
        d.count(Severity::Warning),
    ))
}

fn print_diagnostics(d: &Diagnostics, style: Style, stderr: &mut dyn Write) -> Result<(), Error> {
    // Quiet hides warnings; errors always show.
    stderr.write_all(d.render(style.color, !style.quiet).as_bytes())?;
    Ok(())
}

fn validate_files(
    paths: &[PathBuf],
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut failed = Vec::new();
    let mut total_errors = 0;
    for path in paths {
        let (_, errors, warnings) = match check_file(path, global, style, stderr) {
            Ok(counts) => counts,
            Err(Error::Load(e)) => {
                writeln!(stderr, "error: {e}")?;
                (None, 1, 0)
            }
            Err(e) => return Err(e),
        };
        if errors > 0 {
            total_errors += errors;
            failed.push(path.display().to_string());
        } else {
            let note = match warnings {
                0 => String::new(),
                1 => " (1 warning)".to_owned(),
                n => format!(" ({n} warnings)"),
            };
            writeln!(stdout, "{}: valid{note}", path.display())?;
        }
    }
    if failed.is_empty() {
        Ok(Outcome::Success)
    } else {
        Err(Error::InvalidSpec {
            file: failed.join(", "),
            errors: total_errors,
        })
    }
}

/// The validated model of the spec at `path`, or the error that stops the command.
fn load_model(
    path: &Path,
    global: &GlobalArgs,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<Model, Error> {
    let (model, errors, _) = check_file(path, global, style, stderr)?;
    model.ok_or_else(|| Error::InvalidSpec {
        file: path.display().to_string(),
        errors,
    })
}
