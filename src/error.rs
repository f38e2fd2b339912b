//! Every way a command can fail, with its wording, and the one mapping from a command's
//! result to the process's exit code (contract §3). Failures of the engine
//! (`EngineError`), of saved plans (`PlanFileError`), of the spec file (`LoadError`) and
//! of AWS (`AwsError`, whose `advice` says what to do) keep their wording next to their
//! definition and pass through here unchanged.

use crate::aws::limit::RateError;
use crate::commands::Outcome;
use crate::engine::EngineError;
use crate::engine::planfile::PlanFileError;
use crate::spec::LoadError;

/// Exit code of success with nothing to change.
pub const EXIT_SUCCESS: u8 = 0;
/// Exit code of every error: invalid spec or flags, AWS error, refused apply.
pub const EXIT_ERROR: u8 = 1;
/// Exit code of `plan --detailed-exitcode` with changes, `drift` with drift, `status`
/// at risk, `audit` with findings. Never used for an error (so clap's usage errors exit 1, not 2).
pub const EXIT_PENDING: u8 = 2;

/// What `apply` or `destroy` was about to do, for the confirmation's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Apply,
    Destroy,
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verb::Apply => "apply",
            Verb::Destroy => "destroy",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Diagnostics were printed already; this is the one-line summary.
    #[error("{file}: {errors} {} — nothing was done", if *.errors == 1 { "error" } else { "errors" })]
    InvalidSpec { file: String, errors: usize },
    /// A `--rate` flag or `SESINFRA_RATE_*` variable sesinfra cannot use.
    #[error(transparent)]
    Rate(#[from] RateError),
    /// A `SESINFRA_WAIT_SCALE` (test hook) sesinfra cannot use.
    #[error(transparent)]
    WaitScale(#[from] crate::aws::wait::WaitScaleError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    PlanFile(#[from] PlanFileError),
    #[error("refusing to {0} without confirmation: stdin is not a terminal; pass --yes")]
    NotConfirmed(Verb),
    #[error("{0} cancelled; nothing was changed")]
    Cancelled(Verb),
    #[error(
        "apply failed: {failed} step(s) failed, {skipped} not started; the report above says what was done. Fix the cause and run apply again: it continues from where AWS is now."
    )]
    ApplyFailed { failed: usize, skipped: usize },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("cannot write into {}: {source}; does the directory exist and is it writable?", path.display())]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// `export --new-stack` (or `--stack`) names no valid stack.
    #[error("`{name}` cannot be the exported spec's stack: {rule}; pass --new-stack NAME")]
    InvalidStackName { name: String, rule: String },
}

impl Error {
    /// A closed stdout (e.g. `sesinfra schema | head`) is not worth an error message.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Output(e) | Error::History(crate::history::HistoryError::Output(e)) => {
                e.kind() == std::io::ErrorKind::BrokenPipe
            }
            _ => false,
        }
    }
}

/// The exit code of a command's result: 0 / 2 by outcome, 1 for every error except a
/// broken pipe on stdout (the reader went away; nothing failed).
pub fn exit_code(result: &Result<Outcome, Error>) -> u8 {
    match result {
        Ok(Outcome::Success) => EXIT_SUCCESS,
        Ok(Outcome::ChangesPending | Outcome::AtRisk | Outcome::Findings) => EXIT_PENDING,
        Err(e) if e.is_broken_pipe() => EXIT_SUCCESS,
        Err(_) => EXIT_ERROR,
    }
}

/// The exit code when the arguments do not parse: 1 for a usage error (2 means
/// "changes pending" here), 0 for `--help` and `--version`.
pub fn usage_exit_code(error: &clap::Error) -> u8 {
    if error.use_stderr() {
        EXIT_ERROR
    } else {
        EXIT_SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_result_has_its_exit_code() {
        assert_eq!(exit_code(&Ok(Outcome::Success)), 0);
        assert_eq!(exit_code(&Ok(Outcome::ChangesPending)), 2);
        assert_eq!(exit_code(&Ok(Outcome::AtRisk)), 2);
        assert_eq!(exit_code(&Ok(Outcome::Findings)), 2);
        assert_eq!(exit_code(&Err(Error::NotConfirmed(Verb::Apply))), 1);
        let pipe = std::io::Error::from(std::io::ErrorKind::BrokenPipe);
        assert_eq!(exit_code(&Err(Error::Output(pipe))), 0);
    }

    #[test]
    fn refusals_say_what_to_do() {
        assert_eq!(
            Error::NotConfirmed(Verb::Destroy).to_string(),
            "refusing to destroy without confirmation: stdin is not a terminal; pass --yes"
        );
        assert_eq!(
            Error::Cancelled(Verb::Apply).to_string(),
            "apply cancelled; nothing was changed"
        );
    }
}
