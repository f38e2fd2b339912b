//! `sesinfra status`: the health of the region's SES account, read-only, no spec.

use std::io::Write;
use std::time::SystemTime;

use super::Outcome;
use crate::aws;
use crate::cli::{GlobalArgs, OutputFormat};
use crate::engine::EngineError;
use crate::error::Error;
use crate::health::Status;

/// How far back the latest reputation datapoint is looked for.
const WINDOW_HOURS: u32 = 24;

pub fn status(
    output: OutputFormat,
    global: &GlobalArgs,
    stdout: &mut dyn Write,
) -> Result<Outcome, Error> {
    let runtime = super::online::runtime()?;
    let status = runtime.block_on(async {
        let clients = aws::connect(&global.aws_settings()?)
            .await
            .map_err(EngineError::from)?;
        // Two independent reads: GetAccount and one GetMetricData for both rates.
        let (account, reputation) = tokio::try_join!(
            aws::account::health(&clients),
            aws::cloudwatch::reputation(&clients, SystemTime::now(), WINDOW_HOURS),
        )
        .map_err(EngineError::from)?;
        Ok::<_, Error>(Status {
            region: clients.region.clone(),
            account,
            reputation,
            window_hours: WINDOW_HOURS,
        })
    })?;
    stdout.write_all(status.render(output).as_bytes())?;
    Ok(if status.at_risk() {
        Outcome::AtRisk
    } else {
        Outcome::Success
    })
}
