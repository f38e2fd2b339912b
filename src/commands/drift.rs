//! `sesinfra drift`: how AWS differs from the spec, as the changes apply would make to
//! undo it. Resources that lost the stack's tag are drift too (not a refusal).

use std::io::Write;
use std::path::Path;

use super::{Outcome, Style, load_spec, online};
use crate::cli::{GlobalArgs, OutputFormat};
use crate::engine;
use crate::error::Error;
use crate::render;

pub fn drift(
    spec_path: &Path,
    output: OutputFormat,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let (offline, source) = load_spec(spec_path, global, style, stderr)?;
    let settings = global.aws_settings()?;
    online::runtime()?.block_on(async {
        let online = online::prepare(&source, &offline, &settings, style, stderr).await?;
        engine::require_identities(&online.prepared)?;
        let plan = &online.prepared.plan;
        render::drift(plan, output, style.stdout_color, stdout)?;
        Ok(if plan.is_empty() {
            Outcome::Success
        } else {
            Outcome::ChangesPending
        })
    })
}
