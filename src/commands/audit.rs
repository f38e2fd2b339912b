//! `sesinfra audit`: findings about the region's SES pipeline, read-only, no spec.

use std::io::Write;

use super::Outcome;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::engine::{self, EngineError};
use crate::error::Error;
use crate::inventory::{self, Purpose, Scope};

pub fn audit(
    output: OutputFormat,
    global: &GlobalArgs,
    stdout: &mut dyn Write,
) -> Result<Outcome, Error> {
    let runtime = super::online::runtime()?;
    let report = runtime.block_on(async {
        let session = engine::open(&global.aws_settings()?, None).await?;
        let inventory = inventory::read(
            &session.clients,
            &session.env,
            &Scope::default(),
            Purpose::Audit,
        )
        .await
        .map_err(EngineError::from)?;
        Ok::<_, Error>(crate::audit::audit(&inventory))
    })?;
    stdout.write_all(crate::audit::render(&report, output).as_bytes())?;
    Ok(if report.findings.is_empty() {
        Outcome::Success
    } else {
        Outcome::Findings
    })
}
