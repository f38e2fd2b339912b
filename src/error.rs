//! Every way a command can fail, with its wording. All of them exit 1 (contract §3);
//! exit 2 is not an error but an outcome (`Outcome::ChangesPending`).

use crate::engine::EngineError;
use crate::engine::planfile::PlanFileError;
use crate::spec::LoadError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Load(#[from] LoadError),
    /// Diagnostics were printed already; this is the one-line summary.
    #[error("{file}: {errors} {} — nothing was done", if *.errors == 1 { "error" } else { "errors" })]
    InvalidSpec { file: String, errors: usize },
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    PlanFile(#[from] PlanFileError),
    /// Resources the spec would manage exist without the stack's tag.
    #[error("{0}")]
    Clashes(String),
    /// Apply refused to start (no confirmation, stale plan, ...).
    #[error("{0}")]
    Refused(String),
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
}

impl Error {
    /// A closed stdout (e.g. `sesinfra schema | head`) is not worth an error message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
