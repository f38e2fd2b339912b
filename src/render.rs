//! Plans for people and machines: `text` (like `terraform plan`, colours only on a
//! terminal), `markdown` (for a pull-request comment or a CI step summary) and `json`
//! (contract §4); the same plan worded as drift (`drift_text`, `drift_markdown`); and
//! apply's report (`apply_report`). Each writes into any `io::Write`, so tests compare
//! whole outputs. Reasons and diagnostics are data of the plan; only their human
//! wording of reasons lives here.

use std::io::{self, Write};

use serde_json::Value;

use crate::aws::AwsError;
use crate::cli::OutputFormat;
use crate::plan::{Action, Change, FieldChange, Plan, Reason, ResourceKind, Severity};
use crate::schedule::Report;

use crate::textdiff::{self, Shown, Tag};

const RESET: &str = "\x1b[0m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";

/// Values with more lines than this go into a `<details>` block in markdown.
const DETAILS_LINES: usize = 10;
/// Unchanged lines kept around each changed line of a structured value.
const CONTEXT_LINES: usize = 3;
/// A flat list or object whose one-line form is at most this long stays on one line.
const INLINE_WIDTH: usize = 60;

fn symbol(action: Action) -> (&'static str, &'static str) {
    // (symbol, ANSI colour)
    match action {
        Action::Create => ("+", GREEN),
        Action::Update => ("~", YELLOW),
        Action::Replace => ("-/+", "\x1b[35m"),
        Action::Delete => ("-", RED),
    }
}

/// Compact one-line rendering of a field value. Nothing is ever cut: a long ARN stays
/// whole (terminals wrap it), so it can be copied and compared.
fn show(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
}

/// `show` for a field at `path`: a configuration set's option that follows the
/// account's setting when unset reads "(account default)" rather than "(none)".
fn show_at(path: &str, value: &Value) -> String {
    if value.is_null() && crate::plan::ACCOUNT_DEFAULT_FIELDS.contains(&path) {
        "(account default)".to_owned()
    } else {
        show(value)
    }
}

/// The fields to show for a change. A configuration set being created also lists
/// the options it leaves to the account (absent from the JSON, where unset is
/// simply not a change), so a reader sees that they follow the account's settings.
fn shown_fields(change: &Change) -> Vec<FieldChange> {
    let mut fields = change.fields.clone();
    if change.action == Action::Create && change.address.kind() == ResourceKind::ConfigurationSet {
        for path in crate::plan::ACCOUNT_DEFAULT_FIELDS {
            if !fields.iter().any(|f| f.path == path) {
                fields.push(FieldChange {
                    path: path.to_owned(),
                    before: Value::Null,
                    after: Value::Null,
                });
            }
        }
        fields.sort_by(|a, b| a.path.cmp(&b.path));
    }
    fields
}

/// How a diagnostic's severity is labelled for people, and its colour on a terminal.
fn severity_label(severity: Severity) -> (&'static str, &'static str) {
    match severity {
        Severity::Warning => ("Warning", YELLOW),
        Severity::Security => ("Security", "\x1b[1;31m"),
    }
}

/// The plan's diagnostics (contract §7) after the changes, one paragraph each, with
/// the same message the JSON document carries.
fn write_diagnostics(plan: &Plan, out: &mut dyn Write, format: Human) -> io::Result<()> {
    for d in &plan.diagnostics {
        let (label, ansi) = severity_label(d.severity);
        match format {
            Human::Markdown => writeln!(out, "\n> **{label}** (`{}`): {}", d.address, d.message)?,
            Human::Text { color: true } => {
                writeln!(out, "\n{ansi}{label}{RESET} ({}): {}", d.address, d.message)?
            }
            Human::Text { color: false } => {
                writeln!(out, "\n{label} ({}): {}", d.address, d.message)?
            }
        }
    }
    Ok(())
}

/// A human rendering.
#[derive(Clone, Copy)]
enum Human {
    Text { color: bool },
    Markdown,
}

/// A change's reason in words, when the action alone does not say it.
fn reason_words(change: &Change) -> Option<String> {
    if change.reason.is_implied_by(change.action) {
        return None;
    }
    Some(match change.reason {
        Reason::MissingInAws => "missing in AWS".to_owned(),
        Reason::Differs => "AWS differs from the spec".to_owned(),
        Reason::NotInSpec => "not in the spec: back to AWS's defaults".to_owned(),
        Reason::CannotUpdateInPlace => {
            format!(
                "{} cannot be changed in place",
                change.replace_fields().join(", ")
            )
        }
        Reason::OutsideStackPath => "not under the stack's IAM path, and IAM cannot move a role: \
                                     it is deleted and created again"
            .to_owned(),
        Reason::CreatingFailed => "Firehose failed to create it (CREATING_FAILED); it is \
                                   deleted and created again"
            .to_owned(),
        Reason::DeletingFailed => "a deletion failed (DELETING_FAILED); it is deleted by force \
                                   and created again"
            .to_owned(),
        Reason::Destroy => "destroy: back to AWS's defaults".to_owned(),
    })
}

/// Whether a field's values are shown as indented JSON over several lines (policy
/// documents, long or nested lists) rather than on one line.
fn is_structured(before: &Value, after: &Value) -> bool {
    let big = |v: &Value| match v {
        Value::Array(items) => {
            items.iter().any(|i| i.is_array() || i.is_object())
                || v.to_string().len() > INLINE_WIDTH
        }
        Value::Object(map) => {
            map.values().any(|i| i.is_array() || i.is_object())
                || v.to_string().len() > INLINE_WIDTH
        }
        _ => false,
    };
    big(before) || big(after)
}

/// Indented JSON; an absent value has no lines.
fn pretty(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        // Serialising a `Value` cannot fail; fall back to one line all the same.
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

/// The lines of the diff from `before` to `after`, pretty-printed, with long unchanged
/// runs hidden. Each line: a marker (' ', '-', '+') and the text.
fn value_diff(before: &Value, after: &Value) -> Vec<(char, String)> {
    let (b, a) = (pretty(before), pretty(after));
    let b: Vec<&str> = b.lines().collect();
    let a: Vec<&str> = a.lines().collect();
    textdiff::with_context(&textdiff::diff(&b, &a), CONTEXT_LINES)
        .into_iter()
        .map(|shown| match shown {
            Shown::Line(Tag::Same, l) => (' ', l.to_owned()),
            Shown::Line(Tag::Removed, l) => ('-', l.to_owned()),
            Shown::Line(Tag::Added, l) => ('+', l.to_owned()),
            Shown::Hidden { count, first } => {
                // Indented like the lines it stands for, so the nesting stays readable.
                let indent = &first[..first.len() - first.trim_start().len()];
                let s = if count == 1 { "" } else { "s" };
                (' ', format!("{indent}# ({count} unchanged line{s} hidden)"))
            }
        })
        .collect()
}

/// Writes a diff in the text format: the marker in the column under the field name's
/// indentation, coloured when asked.
fn write_text_diff(out: &mut dyn Write, lines: &[(char, String)], color: bool) -> io::Result<()> {
    for (mark, line) in lines {
        let ansi = match mark {
            '-' => RED,
            '+' => GREEN,
            _ => "",
        };
        if color && !ansi.is_empty() {
            writeln!(out, "        {ansi}{mark} {line}{RESET}")?;
        } else {
            writeln!(out, "        {mark} {line}")?;
        }
    }
    Ok(())
}

fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    format!(
        "{} to create, {} to update, {} to replace, {} to delete",
        s.create, s.update, s.replace, s.delete
    )
}

pub fn text(plan: &Plan, color: bool, out: &mut dyn Write) -> io::Result<()> {
    if plan.is_empty() {
        writeln!(
            out,
            "No changes: AWS matches the spec of stack {}.",
            plan.stack
        )?;
        return write_diagnostics(plan, out, Human::Text { color });
    }
    writeln!(
        out,
        "Stack {}: sesinfra will perform these actions:\n",
        plan.stack
    )?;
    for change in &plan.changes {
        let (sym, ansi) = symbol(change.action);
        let (on, off) = if color { (ansi, RESET) } else { ("", "") };
        write!(out, "  {on}{sym}{off} {}", change.address)?;
        if let Some(words) = reason_words(change) {
            write!(out, " ({words})")?;
        }
        writeln!(out)?;
        if change.action == Action::Delete {
            continue;
        }
        for field in &shown_fields(change) {
            if is_structured(&field.before, &field.after) {
                writeln!(out, "      {}:", field.path)?;
                if change.action == Action::Create {
                    for line in pretty(&field.after).lines() {
                        writeln!(out, "          {line}")?;
                    }
                } else {
                    write_text_diff(out, &value_diff(&field.before, &field.after), color)?;
                }
            } else if change.action == Action::Create {
                writeln!(
                    out,
                    "      {}: {}",
                    field.path,
                    show_at(&field.path, &field.after)
                )?;
            } else {
                writeln!(
                    out,
                    "      {}: {} -> {}",
                    field.path,
                    show_at(&field.path, &field.before),
                    show_at(&field.path, &field.after)
                )?;
            }
        }
    }
    writeln!(out, "\nPlan: {}.", summary_line(plan))?;
    write_diagnostics(plan, out, Human::Text { color })
}

/// A fenced code block whose fence no line of `body` can close.
fn fenced(lang: &str, body: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in body.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat((longest + 1).max(3));
    format!("{fence}{lang}\n{body}{fence}\n")
}

/// A markdown block for a big value: inline when short, folded into `<details>` when
/// it has more than `DETAILS_LINES` lines, so a pull-request comment stays short.
fn md_block(
    out: &mut dyn Write,
    title: &str,
    lang: &str,
    body: &str,
    lines: usize,
) -> io::Result<()> {
    if lines > DETAILS_LINES {
        writeln!(
            out,
            "<details><summary>{title} ({lines} lines)</summary>\n\n{}\n</details>\n",
            fenced(lang, body)
        )
    } else {
        writeln!(out, "{title}:\n\n{}", fenced(lang, body))
    }
}

fn md_value_diff(
    out: &mut dyn Write,
    title: &str,
    before: &Value,
    after: &Value,
) -> io::Result<()> {
    let lines = value_diff(before, after);
    let body: String = lines
        .iter()
        .map(|(mark, line)| format!("{mark} {line}\n"))
        .collect();
    md_block(out, title, "diff", &body, lines.len())
}

/// The code spans of a resource's address and a field path, HTML so they work inside
/// `<summary>`.
fn md_title(address: &str, path: &str) -> String {
    format!(
        "<code>{}</code> <code>{}</code>",
        html_escape(address),
        html_escape(path)
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A table of rows, folded into `<details>` when it has more than `DETAILS_LINES` rows.
fn md_table(out: &mut dyn Write, title: &str, header: &str, rows: &[String]) -> io::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns = header.matches('|').count() - 1;
    let rule = format!("|{}", "---|".repeat(columns));
    let folded = rows.len() > DETAILS_LINES;
    if folded {
        writeln!(
            out,
            "<details><summary>{title} ({} fields)</summary>\n",
            rows.len()
        )?;
    }
    writeln!(out, "{header}\n{rule}")?;
    for row in rows {
        writeln!(out, "{row}")?;
    }
    writeln!(out)?;
    if folded {
        writeln!(out, "</details>\n")?;
    }
    Ok(())
}

pub fn markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### sesinfra plan for `{}`\n", plan.stack)?;
    if plan.is_empty() {
        writeln!(out, "No changes: AWS matches the spec.")?;
        return write_diagnostics(plan, out, Human::Markdown);
    }
    writeln!(out, "**{}**\n", summary_line(plan))?;
    writeln!(out, "| action | resource | changed fields |")?;
    writeln!(out, "|---|---|---|")?;
    for change in &plan.changes {
        let fields = match change.action {
            Action::Delete => "".to_owned(),
            _ => change
                .fields
                .iter()
                .map(|f| format!("`{}`", f.path))
                .collect::<Vec<_>>()
                .join(", "),
        };
        writeln!(
            out,
            "| {} | `{}` | {fields} |",
            md_action(change),
            change.address
        )?;
    }
    writeln!(out)?;
    for change in plan.changes.iter().filter(|c| c.action != Action::Delete) {
        writeln!(
            out,
            "#### {} `{}`\n",
            symbol(change.action).0,
            change.address
        )?;
        let create = change.action == Action::Create;
        let shown = shown_fields(change);
        let (scalars, structured): (Vec<&FieldChange>, Vec<&FieldChange>) = shown
            .iter()
            .partition(|f| !is_structured(&f.before, &f.after));
        let rows: Vec<String> = scalars
            .iter()
            .map(|f| {
                if create {
                    format!(
                        "| `{}` | `{}` |",
                        f.path,
                        escape_cell(&show_at(&f.path, &f.after))
                    )
                } else {
                    format!(
                        "| `{}` | `{}` | `{}` |",
                        f.path,
                        escape_cell(&show_at(&f.path, &f.before)),
                        escape_cell(&show_at(&f.path, &f.after))
                    )
                }
            })
            .collect();
        let header = if create {
            "| field | value |"
        } else {
            "| field | before | after |"
        };
        md_table(
            out,
            &format!("<code>{}</code>", html_escape(&change.address.to_string())),
            header,
            &rows,
        )?;
        for f in structured {
            let title = md_title(&change.address.to_string(), &f.path);
            if create {
                let body = format!("{}\n", pretty(&f.after));
                md_block(out, &title, "json", &body, body.lines().count())?;
            } else {
                md_value_diff(out, &title, &f.before, &f.after)?;
            }
        }
    }
    write_diagnostics(plan, out, Human::Markdown)
}

fn md_action(change: &Change) -> String {
    match reason_words(change) {
        Some(words) => format!("{} ({words})", change.action.as_str()),
        None => change.action.as_str().to_owned(),
    }
}

/// A table cell cannot hold `|` or a newline.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    writeln!(out)
}

/// The plan in `format`.
pub fn plan(plan: &Plan, format: OutputFormat, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Text => text(plan, color, out),
        OutputFormat::Json => json(plan, out),
        OutputFormat::Markdown => markdown(plan, out),
    }
}

/// The plan worded as drift in `format` (JSON: the same document as `plan`).
pub fn drift(
    plan: &Plan,
    format: OutputFormat,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => drift_text(plan, color, out),
        OutputFormat::Json => json(plan, out),
        OutputFormat::Markdown => drift_markdown(plan, out),
    }
}

/// What apply did: each step done, failed (with AWS's error and what to do about it)
/// or not started, then the totals when everything succeeded.
pub fn apply_report(report: &Report<AwsError>, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    for label in &report.done {
        writeln!(out, "done:    {label}")?;
    }
    for (label, error) in &report.failed {
        writeln!(out, "FAILED:  {label}: {error}")?;
    }
    for label in &report.skipped {
        writeln!(out, "skipped: {label}")?;
    }
    if report.succeeded() {
        let s = &plan.summary;
        writeln!(
            out,
            "\nApply complete: {} created, {} updated, {} replaced, {} deleted.",
            s.create, s.update, s.replace, s.delete
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::FieldChange;
    use serde_json::json;

    fn sample() -> Plan {
        Plan::new(
            "mail-prod",
            vec![
                Change {
                    address: crate::plan::Address::parse("configuration_set.New").unwrap(),
                    action: Action::Create,
                    fields: vec![FieldChange {
                        path: "sending_enabled".into(),
                        before: Value::Null,
                        after: json!(true),
                    }],
                    reason: Reason::MissingInAws,
                },
                Change {
                    address: crate::plan::Address::parse("configuration_set.ConfigSet").unwrap(),
                    action: Action::Update,
                    fields: vec![FieldChange {
                        path: "delivery.tls_policy".into(),
                        before: json!("OPTIONAL"),
                        after: json!("REQUIRE"),
                    }],
                    reason: Reason::Differs,
                },
                Change {
                    address: crate::plan::Address::parse("event_destination.Old.d").unwrap(),
                    action: Action::Delete,
                    fields: vec![FieldChange {
                        path: "enabled".into(),
                        before: json!(true),
                        after: Value::Null,
                    }],
                    reason: Reason::NotInSpec,
                },
            ],
        )
    }

    fn render(f: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn text_reads_like_terraform() {
        let got = render(|o| text(&sample(), false, o));
        assert_eq!(
            got,
            "Stack mail-prod: sesinfra will perform these actions:\n\n  \
             + configuration_set.New\n      sending_enabled: true\n      \
             suppression.reasons: (account default)\n      \
             vdm.engagement_metrics: (account default)\n      \
             vdm.optimized_shared_delivery: (account default)\n  \
             ~ configuration_set.ConfigSet\n      delivery.tls_policy: \"OPTIONAL\" -> \"REQUIRE\"\n  \
             - event_destination.Old.d\n\n\
             Plan: 1 to create, 1 to update, 0 to replace, 1 to delete.\n"
        );
    }

    #[test]
    fn text_has_colour_only_when_asked() {
        assert!(!render(|o| text(&sample(), false, o)).contains('\x1b'));
        assert!(render(|o| text(&sample(), true, o)).contains("\x1b[32m+\x1b[0m"));
    }

    #[test]
    fn unset_account_level_options_and_notes_are_worded() {
        let mut plan = Plan::new(
            "s",
            vec![Change {
                address: crate::plan::Address::parse("configuration_set.Main").unwrap(),
                action: Action::Update,
                fields: vec![FieldChange {
                    path: "suppression.reasons".into(),
                    before: serde_json::json!(["BOUNCE"]),
                    after: Value::Null,
                }],
                reason: Reason::Differs,
            }],
        );
        plan.diagnostics
            .push(crate::plan::PlanDiagnostic::account_released());
        let out = render(|o| text(&plan, false, o));
        assert!(
            out.contains("suppression.reasons: [\"BOUNCE\"] -> (account default)"),
            "{out}"
        );
        let released = crate::plan::PlanDiagnostic::account_released().message;
        assert!(
            out.contains(&format!("\nWarning (account): {released}\n")),
            "{out}"
        );
        let md = render(|o| markdown(&plan, o));
        assert!(md.contains("`(account default)`"), "{md}");
        assert!(
            md.contains(&format!("\n> **Warning** (`account`): {released}\n")),
            "{md}"
        );
        let drift = render(|o| drift_text(&plan, false, o));
        assert!(drift.contains("expected (account default)"), "{drift}");
        let doc: Value = serde_json::from_str(&render(|o| json(&plan, o))).unwrap();
        assert_eq!(doc["changes"][0]["fields"][0]["after"], Value::Null);
        assert_eq!(doc["diagnostics"][0]["address"], "account");
        assert_eq!(doc["diagnostics"][0]["message"], released.as_str());
    }

    #[test]
    fn empty_plan_says_no_changes() {
        let plan = Plan::new("s", vec![]);
        assert_eq!(
            render(|o| text(&plan, true, o)),
            "No changes: AWS matches the spec of stack s.\n"
        );
        assert!(render(|o| markdown(&plan, o)).contains("No changes"));
    }

    #[test]
    fn markdown_has_a_summary_table_and_field_details() {
        let got = render(|o| markdown(&sample(), o));
        assert!(got.starts_with("### sesinfra plan for `mail-prod`\n\n**1 to create, 1 to update, 0 to replace, 1 to delete**\n"));
        assert!(
            got.contains("| update | `configuration_set.ConfigSet` | `delivery.tls_policy` |\n")
        );
        assert!(got.contains("\n\n#### ~ `configuration_set.ConfigSet`\n\n| field | before | after |\n|---|---|---|\n| `delivery.tls_policy` | `\"OPTIONAL\"` | `\"REQUIRE\"` |\n"), "{got}");
    }

    #[test]
    fn json_is_the_contract_document() {
        let got: Value = serde_json::from_str(&render(|o| json(&sample(), o))).unwrap();
        assert_eq!(got["format_version"], 1);
        assert_eq!(
            got["summary"],
            json!({"create": 1, "update": 1, "replace": 0, "delete": 1})
        );
        assert_eq!(
            got["changes"][1]["fields"][0],
            json!({"path": "delivery.tls_policy", "before": "OPTIONAL", "after": "REQUIRE"})
        );
    }
}

/// What a drifted resource's difference is. sesinfra keeps no history, so it cannot
/// tell who changed what: it says how AWS differs from the spec, not who did it.
fn drift_line(change: &Change) -> String {
    let base = match change.action {
        Action::Create => "missing in AWS",
        Action::Delete => "in AWS but not in the spec",
        Action::Update | Action::Replace => "AWS differs from the spec",
    };
    match reason_words(change) {
        Some(words) if !matches!(change.reason, Reason::MissingInAws | Reason::Differs) => {
            format!("{base} ({words})")
        }
        _ => base.to_owned(),
    }
}

const DRIFT_FIX: &str = "Fix: run `sesinfra apply` to restore the spec (review it first with `sesinfra plan`), or change the spec to accept what AWS has.";

pub fn drift_text(plan: &Plan, color: bool, out: &mut dyn Write) -> io::Result<()> {
    if plan.is_empty() {
        writeln!(
            out,
            "No drift: AWS matches the spec of stack {}.",
            plan.stack
        )?;
        return write_diagnostics(plan, out, Human::Text { color });
    }
    writeln!(
        out,
        "Drift in stack {}: {} resource(s) differ from the spec.\n",
        plan.stack,
        plan.changes.len()
    )?;
    for change in &plan.changes {
        let (sym, ansi) = symbol(change.action);
        let (on, off) = if color { (ansi, RESET) } else { ("", "") };
        writeln!(
            out,
            "  {on}{sym}{off} {}: {}",
            change.address,
            drift_line(change)
        )?;
        if matches!(change.action, Action::Update | Action::Replace) {
            for f in &change.fields {
                if is_structured(&f.before, &f.after) {
                    writeln!(
                        out,
                        "      {}: differs (- found in AWS, + expected by the spec):",
                        f.path
                    )?;
                    write_text_diff(out, &value_diff(&f.before, &f.after), color)?;
                } else {
                    writeln!(
                        out,
                        "      {}: expected {}, found {}",
                        f.path,
                        show_at(&f.path, &f.after),
                        show_at(&f.path, &f.before)
                    )?;
                }
            }
        }
    }
    writeln!(out, "\n{DRIFT_FIX}")?;
    write_diagnostics(plan, out, Human::Text { color })
}

pub fn drift_markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### sesinfra drift for `{}`\n", plan.stack)?;
    if plan.is_empty() {
        writeln!(out, "No drift: AWS matches the spec.")?;
        return write_diagnostics(plan, out, Human::Markdown);
    }
    writeln!(out, "| resource | drift | field | expected | found |")?;
    writeln!(out, "|---|---|---|---|---|")?;
    for change in &plan.changes {
        let fields: Vec<&crate::plan::FieldChange> = match change.action {
            Action::Update | Action::Replace => change.fields.iter().collect(),
            _ => Vec::new(),
        };
        if fields.is_empty() {
            writeln!(
                out,
                "| `{}` | {} | | | |",
                change.address,
                drift_line(change)
            )?;
        }
        for f in fields {
            if is_structured(&f.before, &f.after) {
                writeln!(
                    out,
                    "| `{}` | {} | `{}` | see the diff below | |",
                    change.address,
                    drift_line(change),
                    f.path,
                )?;
            } else {
                writeln!(
                    out,
                    "| `{}` | {} | `{}` | `{}` | `{}` |",
                    change.address,
                    drift_line(change),
                    f.path,
                    escape_cell(&show_at(&f.path, &f.after)),
                    escape_cell(&show_at(&f.path, &f.before))
                )?;
            }
        }
    }
    let structured: Vec<(&Change, &FieldChange)> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Update | Action::Replace))
        .flat_map(|c| c.fields.iter().map(move |f| (c, f)))
        .filter(|(_, f)| is_structured(&f.before, &f.after))
        .collect();
    if !structured.is_empty() {
        writeln!(out, "\n`-` found in AWS, `+` expected by the spec:\n")?;
    }
    for (change, f) in structured {
        md_value_diff(
            out,
            &md_title(&change.address.to_string(), &f.path),
            &f.before,
            &f.after,
        )?;
    }
    writeln!(out, "\n{DRIFT_FIX}")?;
    write_diagnostics(plan, out, Human::Markdown)
}

#[cfg(test)]
mod drift_tests {
    use super::*;
    use crate::plan::{Address, FieldChange};
    use serde_json::json;

    fn trust(conditions: bool) -> Value {
        let mut statement = json!({"Effect": "Allow", "Principal": {"Service": ["ses.amazonaws.com"]}, "Action": ["sts:AssumeRole"]});
        if conditions {
            statement["Condition"] =
                json!({"StringEquals": {"aws:sourceaccount": ["1"], "aws:sourcearn": ["arn"]}});
        }
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    fn drifted_role() -> Plan {
        Plan::new(
            "s",
            vec![Change {
                address: Address::IamRole("s-ses-h".into()),
                action: Action::Update,
                fields: vec![FieldChange {
                    path: "trust_policy".into(),
                    before: trust(false),
                    after: trust(true),
                }],
                reason: Reason::Differs,
            }],
        )
    }

    fn render(f: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_security_diagnostic_reads_the_same_in_every_format() {
        let plan = drifted_role();
        let message = &plan.diagnostics[0].message;
        let drift = render(|o| drift_text(&plan, false, o));
        assert!(
            drift.ends_with(&format!("\nSecurity (iam_role.s-ses-h): {message}\n")),
            "{drift}"
        );
        assert!(drift.contains("sesinfra apply"), "{drift}");
        let md = render(|o| drift_markdown(&plan, o));
        assert!(
            md.contains(&format!(
                "\n> **Security** (`iam_role.s-ses-h`): {message}\n"
            )),
            "{md}"
        );
        let doc: Value = serde_json::from_str(&render(|o| json(&plan, o))).unwrap();
        assert_eq!(
            doc["diagnostics"],
            json!([{"severity": "security", "address": "iam_role.s-ses-h", "message": message}])
        );
        // The plan renderings print it too.
        assert!(render(|o| text(&plan, false, o)).contains(message.as_str()));
        assert!(render(|o| markdown(&plan, o)).contains(message.as_str()));
    }

    #[test]
    fn drift_says_how_aws_differs_not_who_changed_it() {
        let plan = Plan::new(
            "s",
            vec![
                Change {
                    address: Address::ConfigurationSet("Main".into()),
                    action: Action::Update,
                    fields: vec![FieldChange {
                        path: "sending_enabled".into(),
                        before: json!(false),
                        after: json!(true),
                    }],
                    reason: Reason::Differs,
                },
                Change {
                    address: Address::ConfigurationSet("Gone".into()),
                    action: Action::Create,
                    fields: Vec::new(),
                    reason: Reason::MissingInAws,
                },
                Change {
                    address: Address::ConfigurationSet("Extra".into()),
                    action: Action::Delete,
                    fields: Vec::new(),
                    reason: Reason::NotInSpec,
                },
            ],
        );
        let text = render(|o| drift_text(&plan, false, o));
        assert!(text.contains("~ configuration_set.Main: AWS differs from the spec\n      sending_enabled: expected true, found false\n"), "{text}");
        assert!(
            text.contains("+ configuration_set.Gone: missing in AWS\n"),
            "{text}"
        );
        assert!(
            text.contains("- configuration_set.Extra: in AWS but not in the spec\n"),
            "{text}"
        );
        assert!(!text.contains("outside sesinfra"), "{text}");
        let md = render(|o| drift_markdown(&plan, o));
        assert!(md.contains("| `configuration_set.Main` | AWS differs from the spec | `sending_enabled` | `true` | `false` |"), "{md}");
    }

    #[test]
    fn replace_reasons_are_worded_and_implied_ones_are_not() {
        let mut change = Change {
            address: Address::FirehoseStream("h".into()),
            action: Action::Replace,
            fields: vec![FieldChange {
                path: "name".into(),
                before: json!("a"),
                after: json!("b"),
            }],
            reason: Reason::CannotUpdateInPlace,
        };
        assert_eq!(
            reason_words(&change).as_deref(),
            Some("name cannot be changed in place")
        );
        change.reason = Reason::CreatingFailed;
        assert!(
            reason_words(&change)
                .unwrap()
                .starts_with("Firehose failed to create it (CREATING_FAILED)")
        );
        change.reason = Reason::DeletingFailed;
        assert!(reason_words(&change).unwrap().contains("deleted by force"));
        change.action = Action::Delete;
        change.reason = Reason::Destroy;
        assert_eq!(reason_words(&change), None);
        change.action = Action::Create;
        change.reason = Reason::MissingInAws;
        assert_eq!(reason_words(&change), None);
        let role = Change {
            address: Address::IamRole("r".into()),
            action: Action::Replace,
            fields: Vec::new(),
            reason: Reason::OutsideStackPath,
        };
        assert!(
            reason_words(&role)
                .unwrap()
                .contains("not under the stack's IAM path")
        );
    }
}

/// Whole renderings of a realistic plan, pinned in `tests/snapshots/render/`. After an
/// intended change, `SESINFRA_UPDATE_SNAPSHOTS=1 cargo test --lib render` rewrites
/// them; review the diff like any other.
#[cfg(test)]
mod snapshots {
    use super::*;
    use crate::plan::FieldChange;
    use serde_json::json;

    const ACCOUNT: &str = "123456789012";

    fn arn_of_set(name: &str) -> String {
        format!("arn:aws:ses:eu-west-1:{ACCOUNT}:configuration-set/{name}")
    }

    fn trust(sets: &[&str], with_account: bool) -> Value {
        let mut condition = json!({
            "StringEquals": {"aws:SourceArn": sets.iter().map(|s| arn_of_set(s)).collect::<Vec<_>>()}
        });
        if with_account {
            condition["StringEquals"]["aws:SourceAccount"] = json!([ACCOUNT]);
        }
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": ["ses.amazonaws.com"]},
                "Action": ["sts:AssumeRole"],
                "Condition": condition
            }]
        })
    }

    fn put_records(actions: &[&str]) -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Action": actions,
                "Resource": [format!("arn:aws:firehose:eu-west-1:{ACCOUNT}:deliverystream/mail-prod-history")]
            }]
        })
    }

    fn field(path: &str, before: Value, after: Value) -> FieldChange {
        FieldChange {
            path: path.into(),
            before,
            after,
        }
    }

    fn change(address: &str, action: Action, fields: Vec<FieldChange>) -> Change {
        Change {
            address: crate::plan::Address::parse(address).unwrap(),
            action,
            reason: match action {
                Action::Create => Reason::MissingInAws,
                Action::Update => Reason::Differs,
                Action::Replace => Reason::CannotUpdateInPlace,
                Action::Delete => Reason::NotInSpec,
            },
            fields,
        }
    }

    /// A new tenant's configuration set joins a shared stream: its role's trust policy
    /// gains the set's ARN (and, here, had lost its account condition); a permission
    /// policy was widened by hand; a long ARN changes; an old destination goes.
    fn realistic() -> Plan {
        let long_bucket =
            "arn:aws:s3:::ses-history-archive-for-the-messaging-platform-123456789012-eu-west-1";
        let replace = change(
            "firehose_stream.history",
            Action::Replace,
            vec![field(
                "name",
                json!("mail-prod-history"),
                json!("mail-prod-history-v2"),
            )],
        );
        Plan::new(
            "mail-prod",
            vec![
                change(
                    "configuration_set.TenantB",
                    Action::Create,
                    vec![
                        field("reputation_metrics", Value::Null, json!(true)),
                        field("sending_enabled", Value::Null, json!(true)),
                        field(
                            "suppression.reasons",
                            Value::Null,
                            json!(["BOUNCE", "COMPLAINT"]),
                        ),
                    ],
                ),
                change(
                    "iam_role.mail-prod-ses-history",
                    Action::Update,
                    vec![
                        field(
                            "inline_policies.firehose-put",
                            put_records(&["firehose:*"]),
                            put_records(&["firehose:PutRecord", "firehose:PutRecordBatch"]),
                        ),
                        field(
                            "trust_policy",
                            trust(&["TenantA"], false),
                            trust(&["TenantA", "TenantB"], true),
                        ),
                    ],
                ),
                change(
                    "event_destination.TenantB.history",
                    Action::Create,
                    vec![
                        field("enabled", Value::Null, json!(true)),
                        field(
                            "events",
                            Value::Null,
                            json!(["BOUNCE", "COMPLAINT", "DELIVERY"]),
                        ),
                        field(
                            "firehose",
                            Value::Null,
                            json!({
                                "stream_arn": format!("arn:aws:firehose:eu-west-1:{ACCOUNT}:deliverystream/mail-prod-history"),
                                "role_arn": format!("arn:aws:iam::{ACCOUNT}:role/mail-prod-ses-history")
                            }),
                        ),
                    ],
                ),
                change(
                    "firehose_stream.archive",
                    Action::Update,
                    vec![
                        field(
                            "bucket_arn",
                            json!("arn:aws:s3:::ses-history-archive-123456789012-eu-west-1"),
                            json!(long_bucket),
                        ),
                        field("compression", json!("UNCOMPRESSED"), json!("GZIP")),
                    ],
                ),
                replace,
                change(
                    "event_destination.Old.history",
                    Action::Delete,
                    vec![field("enabled", json!(true), Value::Null)],
                ),
            ],
        )
    }

    fn check(name: &str, got: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots/render")
            .join(name);
        if std::env::var_os("SESINFRA_UPDATE_SNAPSHOTS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, got).unwrap();
            return;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; create it with SESINFRA_UPDATE_SNAPSHOTS=1",
                path.display()
            )
        });
        assert!(
            got == want,
            "{name} differs from {}:\n--- want\n{want}\n--- got\n{got}",
            path.display()
        );
    }

    fn render(f: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plan_text() {
        check("plan.txt", &render(|o| text(&realistic(), false, o)));
    }

    #[test]
    fn plan_text_in_colour() {
        check("plan.color.txt", &render(|o| text(&realistic(), true, o)));
    }

    #[test]
    fn plan_markdown() {
        check("plan.md", &render(|o| markdown(&realistic(), o)));
    }

    #[test]
    fn drift_text_snapshot() {
        check("drift.txt", &render(|o| drift_text(&realistic(), false, o)));
    }

    #[test]
    fn drift_markdown_snapshot() {
        check("drift.md", &render(|o| drift_markdown(&realistic(), o)));
    }

    #[test]
    fn plan_json_is_unchanged_by_the_human_formats() {
        check("plan.json", &render(|o| json(&realistic(), o)));
    }

    #[test]
    fn long_arns_are_never_cut() {
        let long =
            "arn:aws:s3:::ses-history-archive-for-the-messaging-platform-123456789012-eu-west-1";
        for got in [
            render(|o| text(&realistic(), false, o)),
            render(|o| markdown(&realistic(), o)),
        ] {
            assert!(got.contains(long), "{got}");
        }
    }
}
