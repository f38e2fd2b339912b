//! `sesinfra export`: a spec for the SES pipeline the account has, on stdout.

use std::io::Write;

use super::Outcome;
use crate::cli::GlobalArgs;
use crate::engine::{self, EngineError};
use crate::error::Error;
use crate::inventory::{self, Purpose, Scope};

pub fn export(
    scope: &Scope,
    new_stack: Option<&str>,
    global: &GlobalArgs,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let stack = new_stack
        .or(scope.stack.as_deref())
        .unwrap_or(crate::export::DEFAULT_STACK);
    if let Err(rule) = crate::validate::names::stack(stack) {
        return Err(Error::InvalidStackName {
            name: stack.to_owned(),
            rule,
        });
    }
    let runtime = super::online::runtime()?;
    let exported = runtime.block_on(async {
        let session = engine::open(&global.aws_settings()?, None).await?;
        let inventory = inventory::read(&session.clients, &session.env, scope, Purpose::Export)
            .await
            .map_err(EngineError::from)?;
        Ok::<_, Error>(crate::export::export(
            &inventory,
            stack,
            scope.stack.is_some(),
        ))
    })?;
    for warning in &exported.warnings {
        writeln!(stderr, "warning: {warning}")?;
    }
    stdout.write_all(exported.yaml.as_bytes())?;
    Ok(Outcome::Success)
}
