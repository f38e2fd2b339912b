//! The commands that talk to AWS: `plan`, `apply` (from the spec or a saved plan) and
//! `destroy`. Each validates offline first, so no AWS call is made for a broken spec.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use crate::cli::{GlobalArgs, OutputFormat};
use crate::engine::planfile::{self, PlanFile};
use crate::engine::{self, Prepared, Session, execute};
use crate::error::Error;
use crate::model::Model;
use crate::render;
use crate::spec;
use crate::validate::{self, Inputs};

use super::{Outcome, Style, load_model};

/// What `plan` was asked for.
pub struct PlanRequest<'a> {
    pub spec: PathBuf,
    pub out: Option<&'a Path>,
    pub detailed_exitcode: bool,
    pub output: OutputFormat,
    pub adopt: bool,
}

pub(super) fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)
}

/// The model, validated again now that the account id is known; the `${env.NAME}`
/// values it used are recorded for a saved plan.
fn online_model(
    spec_file: &str,
    spec_text: &str,
    vars: &BTreeMap<String, String>,
    env: &dyn Fn(&str) -> Option<String>,
    session: &Session,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<(Model, BTreeMap<String, String>), Error> {
    let used = RefCell::new(BTreeMap::new());
    let recording = |name: &str| {
        let value = env(name);
        if let Some(v) = &value {
            used.borrow_mut().insert(name.to_owned(), v.clone());
        }
        value
    };
    let file = spec::parse(spec_file.to_owned(), spec_text.to_owned())?;
    let validated = validate::validate(
        file,
        &Inputs {
            region: Some(session.env.region.clone()),
            account_id: Some(session.env.account_id.clone()),
            vars: vars.clone(),
            env: &recording,
        },
    );
    if validated.diagnostics.has_errors() {
        stderr.write_all(
            validated
                .diagnostics
                .render(style.color, !style.quiet)
                .as_bytes(),
        )?;
    }
    let errors = validated
        .diagnostics
        .count(crate::diagnostics::Severity::Error);
    let model = validated.model.ok_or_else(|| Error::InvalidSpec {
        file: spec_file.to_owned(),
        errors,
    })?;
    Ok((model, used.into_inner()))
}

/// Refuses to go on when resources the spec would manage belong to someone else.
fn check_clashes(prepared: &Prepared, stack: &str, adopt: bool) -> Result<(), Error> {
    let clashes = &prepared.observed.clashes;
    if clashes.is_empty() || adopt {
        return Ok(());
    }
    let mut message = String::from("these resources exist but are not managed by this stack:\n");
    for c in clashes {
        match &c.owner {
            Some(owner) => message.push_str(&format!("  {} (owned by stack {owner})\n", c.address)),
            None => message.push_str(&format!("  {} (no sesinfra:stack tag)\n", c.address)),
        }
    }
    message.push_str(&format!(
        "sesinfra never changes resources it does not own. To take them over into stack {stack}, \
         run `sesinfra apply --adopt` (preview with `sesinfra plan --adopt`); otherwise rename them in the spec."
    ));
    Err(Error::Clashes(message))
}

fn missing_identities(prepared: &Prepared) -> Result<(), Error> {
    let missing = engine::observe::missing_identities(&prepared.desired, &prepared.observed);
    if missing.is_empty() {
        return Ok(());
    }
    Err(Error::Refused(format!(
        "these identities do not exist in SES: {}. sesinfra manages settings of existing identities; \
         create and verify them first (SES console or `aws sesv2 create-email-identity`).",
        missing.join(", ")
    )))
}

fn render_plan(
    plan: &crate::plan::Plan,
    format: OutputFormat,
    color: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match format {
        OutputFormat::Text => render::text(plan, color, out)?,
        OutputFormat::Json => render::json(plan, out)?,
        OutputFormat::Markdown => render::markdown(plan, out)?,
    }
    Ok(())
}

fn stdout_color(style: Style) -> bool {
    style.color && std::io::stdout().is_terminal()
}

/// A spec read from disk and validated offline (before any AWS call).
struct LocalSpec {
    file: String,
    text: String,
    vars: BTreeMap<String, String>,
    region: Option<String>,
}

fn read_spec(
    path: &Path,
    global: &GlobalArgs,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<LocalSpec, Error> {
    let offline = load_model(path, global, style, stderr)?;
    let text = std::fs::read_to_string(path).map_err(|source| spec::LoadError::Io {
        file: path.display().to_string(),
        source,
    })?;
    Ok(LocalSpec {
        file: path.display().to_string(),
        text,
        vars: global.vars.iter().cloned().collect(),
        region: offline.region,
    })
}

/// Observes and diffs, showing what is being read on a terminal.
async fn read_aws(
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

/// Connects, validates again with the account id, and prepares the plan.
async fn prepare_online(
    local: &LocalSpec,
    global: &GlobalArgs,
    style: Style,
    stderr: &mut dyn Write,
) -> Result<(Session, Prepared, BTreeMap<String, String>), Error> {
    let reading = Reading::start(style);
    let session = engine::open(
        &global.aws_settings().map_err(Error::Usage)?,
        local.region.as_deref(),
    )
    .await?;
    let (model, env_used) = online_model(
        &local.file,
        &local.text,
        &local.vars,
        &|n| std::env::var(n).ok(),
        &session,
        style,
        stderr,
    )?;
    let prepared = read_aws(&session, &model, false, &reading).await?;
    Ok((session, prepared, env_used))
}

pub fn plan(
    req: PlanRequest<'_>,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let local = read_spec(&req.spec, global, style, stderr)?;
    let rt = runtime()?;
    rt.block_on(async {
        let (session, prepared, env_used) = prepare_online(&local, global, style, stderr).await?;
        check_clashes(&prepared, &prepared.plan.stack, req.adopt)?;
        missing_identities(&prepared)?;
        render_plan(&prepared.plan, req.output, stdout_color(style), stdout)?;
        if let Some(out) = req.out {
            PlanFile {
                format_version: planfile::FORMAT_VERSION,
                sesinfra_version: env!("CARGO_PKG_VERSION").to_owned(),
                spec_file: local.file.clone(),
                spec_text: local.text.clone(),
                vars: local.vars.clone(),
                env: env_used,
                account_id: session.env.account_id.clone(),
                region: session.env.region.clone(),
                destroy: false,
                adopt: req.adopt,
                observed_fingerprint: planfile::fingerprint(&prepared.observed.state),
                plan: prepared.plan.clone(),
            }
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
    // With a saved plan, everything comes from the file (its region is set below).
    let (spec_file, spec_text, vars, adopt, destroy, spec_region) = match &saved {
        Some(p) => (
            p.spec_file.clone(),
            p.spec_text.clone(),
            p.vars.clone(),
            p.adopt,
            p.destroy,
            None,
        ),
        None => {
            let local = read_spec(&req.spec, global, style, stderr)?;
            (
                local.file,
                local.text,
                local.vars,
                req.adopt,
                req.destroy,
                local.region,
            )
        }
    };
    let rt = runtime()?;
    rt.block_on(async {
        let mut settings = global.aws_settings().map_err(Error::Usage)?;
        if let Some(p) = &saved {
            settings.region = Some(p.region.clone());
        }
        let reading = Reading::start(style);
        let session = engine::open(&settings, spec_region.as_deref()).await?;
        let env_lookup = |name: &str| match &saved {
            Some(p) => p.env.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        let (model, _) = online_model(&spec_file, &spec_text, &vars, &env_lookup, &session, style, stderr)?;
        let prepared = read_aws(&session, &model, destroy, &reading).await?;
        if let Some(p) = &saved {
            if p.account_id != session.env.account_id {
                return Err(Error::Refused(format!(
                    "the plan was made for account {}, but the credentials are for account {}",
                    p.account_id, session.env.account_id
                )));
            }
            if planfile::fingerprint(&prepared.observed.state) != p.observed_fingerprint || prepared.plan != p.plan {
                return Err(Error::Refused(
                    "AWS changed since this plan was made, so it is stale: run `sesinfra plan --out PLANFILE` again and review the new plan".to_owned(),
                ));
            }
        }
        check_clashes(&prepared, &model.stack, adopt)?;
        if !destroy {
            missing_identities(&prepared)?;
        }
        let color = stdout_color(style);
        render::text(&prepared.plan, color, stdout)?;
        if prepared.plan.is_empty() {
            return Ok(Outcome::Success);
        }
        if saved.is_none() && !req.yes {
            confirm(if destroy { "destroy" } else { "apply" }, stderr)?;
        }
        let progress = Progress::new(prepared.plan.changes.len(), style);
        let report = execute::apply(
            &session.clients,
            &prepared.plan,
            &prepared.desired,
            &prepared.observed.state,
            &session.env,
            |label, ok| progress.event(label, ok),
        )
        .await?;
        progress.finish();
        writeln!(stdout)?;
        for label in &report.done {
            writeln!(stdout, "done:    {label}")?;
        }
        for (label, error) in &report.failed {
            writeln!(stdout, "FAILED:  {label}: {error}")?;
        }
        for label in &report.skipped {
            writeln!(stdout, "skipped: {label}")?;
        }
        if report.succeeded() {
            writeln!(stdout, "\nApply complete: {}.", summary(&prepared.plan))?;
            Ok(Outcome::Success)
        } else {
            Err(Error::ApplyFailed {
                failed: report.failed.len(),
                skipped: report.skipped.len(),
            })
        }
    })
}

fn summary(plan: &crate::plan::Plan) -> String {
    let s = &plan.summary;
    format!(
        "{} created, {} updated, {} replaced, {} deleted",
        s.create, s.update, s.replace, s.delete
    )
}

/// Asks on a terminal; refuses when stdin is not one (CI must say --yes).
fn confirm(what: &str, stderr: &mut dyn Write) -> Result<(), Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Refused(format!(
            "refusing to {what} without confirmation: stdin is not a terminal; pass --yes"
        )));
    }
    write!(
        stderr,
        "\nDo you want to {what} these changes? Only 'yes' is accepted: "
    )?;
    stderr.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "{what} cancelled; nothing was changed"
        )))
    }
}

/// Whether progress is drawn: only on a terminal (stderr), never with --quiet. On a
/// pipe nothing decorative is written; apply still logs each finished step.
fn progress_on_terminal(style: Style) -> bool {
    std::io::stderr().is_terminal() && !style.quiet
}

/// Apply's progress: a bar with the elapsed time and steps done out of all on a
/// terminal, one line per finished step otherwise (none with --quiet).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    quiet: bool,
}

impl Progress {
    fn new(steps: usize, style: Style) -> Progress {
        let bar = progress_on_terminal(style).then(|| {
            let bar = indicatif::ProgressBar::new(steps as u64);
            if let Ok(s) = indicatif::ProgressStyle::with_template(
                "[{elapsed_precise}] {bar:30} {pos}/{len} steps {msg}",
            ) {
                bar.set_style(s);
            }
            bar.tick();
            bar
        });
        Progress {
            bar,
            quiet: style.quiet,
        }
    }

    fn event(&self, label: &str, ok: Option<bool>) {
        match (&self.bar, ok) {
            (Some(bar), None) => bar.set_message(label.to_owned()),
            (Some(bar), Some(_)) => bar.inc(1),
            (None, Some(ok)) if !self.quiet => {
                eprintln!("{} {label}", if ok { "ok:    " } else { "failed:" });
            }
            _ => {}
        }
    }

    /// Leaves the final count and time on the terminal.
    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_with_message("done");
        }
    }
}

impl Drop for Reading {
    /// On an error the spinner goes away, so the message is not printed after it.
    fn drop(&mut self) {
        if let Some(s) = self.spinner.as_ref().filter(|s| !s.is_finished()) {
            s.finish_and_clear();
        }
    }
}

/// A spinner with the elapsed time while plan, apply and drift read AWS (on a
/// terminal only); it ends with a line saying how much was read and how long it took.
struct Reading {
    spinner: Option<indicatif::ProgressBar>,
}

impl Reading {
    fn start(style: Style) -> Reading {
        let spinner = progress_on_terminal(style).then(|| {
            let spinner = indicatif::ProgressBar::new_spinner();
            if let Ok(s) = indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {msg}") {
                spinner.set_style(s);
            }
            spinner.set_message("connecting to AWS");
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            spinner
        });
        Reading { spinner }
    }

    fn message(&self, message: String) {
        if let Some(s) = &self.spinner {
            s.set_message(message);
        }
    }

    fn finish(&self, resources: usize, changes: usize) {
        if let Some(s) = &self.spinner {
            s.set_style(indicatif::ProgressStyle::default_spinner());
            s.finish_with_message(format!(
                "Read {resources} resource(s) from AWS in {:.1}s: {changes} change(s).",
                s.elapsed().as_secs_f64()
            ));
        }
    }
}

/// `drift`: what changed in AWS outside sesinfra, as the changes apply would make to
/// undo it. Resources that lost the stack's tag are drift too (not a refusal).
pub fn drift(
    spec_path: &Path,
    output: OutputFormat,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let local = read_spec(spec_path, global, style, stderr)?;
    let rt = runtime()?;
    rt.block_on(async {
        let (_, prepared, _) = prepare_online(&local, global, style, stderr).await?;
        missing_identities(&prepared)?;
        let plan = &prepared.plan;
        match output {
            OutputFormat::Text => render::drift_text(plan, stdout_color(style), stdout)?,
            OutputFormat::Json => render::json(plan, stdout)?,
            OutputFormat::Markdown => render::drift_markdown(plan, stdout)?,
        }
        Ok(if plan.is_empty() {
            Outcome::Success
        } else {
            Outcome::ChangesPending
        })
    })
}
