//! What plan, apply and drift share once the spec is valid offline: the async
//! runtime, connecting, validating again with the account's values, reading AWS.

use std::io::Write;

use super::Style;
use super::progress::Reading;
use crate::aws::AwsSettings;
use crate::engine::{self, OnlineModel, Prepared, Session, SpecSource};
use crate::error::Error;
use crate::model::Model;
use crate::spec::LoadError;

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// `engine::model_with_account`, its diagnostics printed when the spec has errors.
pub(super) fn model_with_account(
    source: &SpecSource,
    session: &Session,
    lookup: &dyn Fn(&str) -> Option<String>,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<OnlineModel, Error> {
    match engine::model_with_account(source, &session.env, lookup) {
        Ok(online) => Ok(online),
        Err(LoadError::Invalid(diagnostics)) => {
            stderr.write_all(diagnostics.render(style.color, !style.quiet).as_bytes())?;
            Err(Error::InvalidSpec {
                file: source.file.clone(),
                errors: diagnostics.count(crate::diagnostics::Severity::Error),
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Connects and validates the spec again with the account's values, variables looked up
/// in the process environment: the start of every command that reads AWS for a spec.
pub(super) async fn open_with_model(
    settings: &AwsSettings,
    source: &SpecSource,
    region: Option<&str>,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<(Session, OnlineModel), Error> {
    let session = engine::open(settings, region).await?;
    let online = model_with_account(source, &session, &|n| std::env::var(n).ok(), style, stderr)?;
    Ok((session, online))
}

/// Observes and diffs, showing what is being read on a terminal.
pub(super) async fn read_aws(
    session: &Session,
    model: &Model,
    destroy: bool,
    reading: &Reading,
) -> Result<Prepared, Error> {
    let resources = crate::plan::state_fields(&crate::desired::derive(model, &session.env)).len();
    reading.message(format!(
        "reading AWS: {resources} resource(s) in the spec of stack {}",
        model.stack
    ));
    let prepared = engine::prepare(session, model, destroy).await?;
    reading.finish(
        crate::plan::state_fields(&prepared.observed.state).len(),
        prepared.plan.changes.len(),
    );
    Ok(prepared)
}

/// Everything plan and drift read: the session, the model with the account's values,
/// and the plan with what it was computed from.
pub(super) struct Online {
    pub session: Session,
    pub online: OnlineModel,
    pub prepared: Prepared,
}

/// Connects (the spec's region wins), validates again with the account id, and
/// prepares the plan.
pub(super) async fn prepare(
    source: &SpecSource,
    offline: &Model,
    settings: &AwsSettings,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<Online, Error> {
    let reading = Reading::start(style);
    let session = engine::open(settings, offline.region.as_deref()).await?;
    let online = model_with_account(source, &session, &|n| std::env::var(n).ok(), style, stderr)?;
    let prepared = read_aws(&session, &online.model, false, &reading).await?;
    Ok(Online {
        session,
        online,
        prepared,
    })
}
