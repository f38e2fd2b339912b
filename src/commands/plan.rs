//! `sesinfra plan`: what apply would change, optionally saved for `apply PLANFILE`.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Outcome, Style, load_spec, online};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::engine::{self, planfile::PlanFile};
use crate::error::Error;
use crate::render;

/// What `plan` was asked for.
pub struct PlanRequest<'a> {
    pub spec: PathBuf,
    pub out: Option<&'a Path>,
    pub detailed_exitcode: bool,
    pub output: OutputFormat,
    pub adopt: bool,
}

pub fn plan(
    req: PlanRequest<'_>,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let (offline, source) = load_spec(&req.spec, global, style, stderr)?;
    let settings = global.aws_settings()?;
    online::runtime()?.block_on(async {
        let online = online::prepare(&source, &offline, &settings, style, stderr).await?;
        let prepared = &online.prepared;
        engine::refuse_clashes(prepared, &prepared.plan.stack, req.adopt)?;
        engine::require_identities(prepared)?;
        render::plan(&prepared.plan, req.output, style.stdout_color, stdout)?;
        if let Some(out) = req.out {
            PlanFile::new(
                &source,
                &online.online.env_used,
                &online.session.env,
                req.adopt,
                prepared,
            )
            .write(out)?;
            if !style.quiet {
                writeln!(
                    stderr,
                    "Saved the plan to {}; apply it with `sesinfra apply {}`.",
                    out.display(),
                    out.display()
                )?;
            }
        }
        Ok(if req.detailed_exitcode && !prepared.plan.is_empty() {
            Outcome::ChangesPending
        } else {
            Outcome::Success
        })
    })
}
