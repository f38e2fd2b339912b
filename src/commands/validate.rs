//! `sesinfra validate`: check spec files offline, every problem with file, line and fix.

use std::io::Write;
use std::path::PathBuf;

use super::{Outcome, Style, check_file};
use crate::cli::GlobalArgs;
use crate::error::Error;

pub fn validate_files(
    paths: &[PathBuf],
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let mut failed = Vec::new();
    let mut total_errors = 0;
    for path in paths {
        let (errors, warnings) = match check_file(path, global, style, stderr) {
            Ok(checked) => (checked.errors, checked.warnings),
            // An unreadable file is one error among the files, not the end of the run.
            Err(Error::Load(e)) => {
                writeln!(stderr, "error: {e}")?;
                (1, 0)
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
