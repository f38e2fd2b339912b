//! `sesinfra apply` (from the spec or a saved plan) and `sesinfra destroy`: show the
//! plan, confirm, carry it out, report what was done.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use super::progress::{Progress, Reading};
use super::{Outcome, Style, load_spec, online};
use crate::cli::GlobalArgs;
use crate::engine::planfile::PlanFile;
use crate::engine::{self, execute};
use crate::error::{Error, Verb};
use crate::render;

/// What `apply` or `destroy` was asked for.
pub struct ApplyRequest {
    pub spec: PathBuf,
    pub planfile: Option<PathBuf>,
    pub yes: bool,
    pub adopt: bool,
    pub destroy: bool,
}

pub fn apply(
    req: ApplyRequest,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let saved = req.planfile.as_deref().map(PlanFile::read).transpose()?;
    let mut settings = global.aws_settings()?;
    // With a saved plan, everything comes from the file, its region included.
    let (source, adopt, destroy, spec_region) = match &saved {
        Some(p) => {
            settings.region = Some(p.region.clone());
            (p.source(), p.adopt, p.destroy, None)
        }
        None => {
            let (offline, source) = load_spec(&req.spec, global, style, stderr)?;
            (source, req.adopt, req.destroy, offline.region)
        }
    };
    let verb = if destroy { Verb::Destroy } else { Verb::Apply };
    online::runtime()?.block_on(async {
        let reading = Reading::start(style);
        let session = engine::open(&settings, spec_region.as_deref()).await?;
        let lookup = |name: &str| match &saved {
            Some(p) => p.env.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        let online = online::model_with_account(&source, &session, &lookup, style, stderr)?;
        let model = &online.model;
        let prepared = online::read_aws(&session, model, destroy, &reading).await?;
        if let Some(p) = &saved {
            p.verify(&session.env, &prepared)?;
        }
        engine::refuse_clashes(&prepared, &model.stack, adopt)?;
        if !destroy {
            engine::require_identities(&prepared)?;
        }
        render::text(&prepared.plan, style.stdout_color, stdout)?;
        if prepared.plan.is_empty() {
            return Ok(Outcome::Success);
        }
        if saved.is_none() && !req.yes {
            confirm(verb, style, stderr)?;
        }
        let progress = Progress::new(prepared.plan.changes.len(), style);
        let report = execute::apply(
            &session.clients,
            &prepared.plan,
            &prepared.desired,
            &prepared.observed.state,
            &session.env,
            |label, ok| progress.event(label, ok, &mut *stderr),
        )
        .await?;
        progress.finish();
        render::apply_report(&report, &prepared.plan, stdout)?;
        if report.succeeded() {
            Ok(Outcome::Success)
        } else {
            Err(Error::ApplyFailed {
                failed: report.failed.len(),
                skipped: report.skipped.len(),
            })
        }
    })
}

/// Asks on a terminal; refuses when stdin is not one (CI must say --yes).
fn confirm(verb: Verb, style: Style, stderr: &mut dyn Write) -> Result<(), Error> {
    if !style.interactive {
        return Err(Error::NotConfirmed(verb));
    }
    write!(
        stderr,
        "\nDo you want to {verb} these changes? Only 'yes' is accepted: "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Cancelled(verb))
    }
}
