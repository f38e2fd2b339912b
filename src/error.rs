//! Every way a command can fail, with its wording. All of them exit 1 (contract §3);
//! exit 2 is not an error but an outcome (`Outcome::ChangesPending`).

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
    #[error("`sesinfra {0}` is not implemented yet; `sesinfra validate` checks a spec offline")]
    NotImplemented(&'static str),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

impl Error {
    /// A closed stdout (e.g. `sesinfra schema | head`) is not worth an error message.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }
}
