//! Plans for people and machines: `text` (like `terraform plan`, colours only on a
//! terminal), `markdown` (for a pull-request comment or a CI step summary) and `json`
//! (contract §4). Each writes into any `io::Write`, so tests compare whole outputs.

use std::io::{self, Write};

use serde_json::Value;

use crate::plan::{Action, Change, Plan};

const RESET: &str = "\x1b[0m";

fn symbol(action: Action) -> (&'static str, &'static str) {
    // (symbol, ANSI colour)
    match action {
        Action::Create => ("+", "\x1b[32m"),
        Action::Update => ("~", "\x1b[33m"),
        Action::Replace => ("-/+", "\x1b[35m"),
        Action::Delete => ("-", "\x1b[31m"),
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "create",
        Action::Update => "update",
        Action::Replace => "replace",
        Action::Delete => "delete",
    }
}

/// Compact one-line rendering of a field value.
fn show(value: &Value) -> String {
    match value {
        Value::Null => "(none)".to_owned(),
        other => other.to_string(),
    }
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
        return Ok(());
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
        if let Some(reason) = &change.reason {
            write!(out, " ({reason})")?;
        }
        writeln!(out)?;
        for field in &change.fields {
            match change.action {
                Action::Create => writeln!(out, "      {}: {}", field.path, show(&field.after))?,
                Action::Delete => {}
                Action::Update | Action::Replace => writeln!(
                    out,
                    "      {}: {} -> {}",
                    field.path,
                    show(&field.before),
                    show(&field.after)
                )?,
            }
        }
    }
    writeln!(out, "\nPlan: {}.", summary_line(plan))
}

pub fn markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### sesinfra plan for `{}`\n", plan.stack)?;
    if plan.is_empty() {
        writeln!(out, "No changes: AWS matches the spec.")?;
        return Ok(());
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
        let action = match &change.reason {
            Some(reason) => format!("{} ({reason})", verb(change.action)),
            None => verb(change.action).to_owned(),
        };
        writeln!(out, "| {action} | `{}` | {fields} |", change.address)?;
    }
    let updates: Vec<&Change> = plan
        .changes
        .iter()
        .filter(|c| matches!(c.action, Action::Update | Action::Replace))
        .collect();
    if !updates.is_empty() {
        writeln!(out, "\n<details><summary>Field changes</summary>\n")?;
        writeln!(out, "| resource | field | before | after |")?;
        writeln!(out, "|---|---|---|---|")?;
        for change in updates {
            for f in &change.fields {
                writeln!(
                    out,
                    "| `{}` | `{}` | `{}` | `{}` |",
                    change.address,
                    f.path,
                    escape_cell(&show(&f.before)),
                    escape_cell(&show(&f.after))
                )?;
            }
        }
        writeln!(out, "\n</details>")?;
    }
    Ok(())
}

/// A table cell cannot hold `|` or a newline.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn json(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, plan)?;
    writeln!(out)
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
                    address: "configuration_set.New".into(),
                    kind: "configuration_set".into(),
                    name: "New".into(),
                    action: Action::Create,
                    fields: vec![FieldChange {
                        path: "sending_enabled".into(),
                        before: Value::Null,
                        after: json!(true),
                    }],
                    reason: None,
                },
                Change {
                    address: "configuration_set.ConfigSet".into(),
                    kind: "configuration_set".into(),
                    name: "ConfigSet".into(),
                    action: Action::Update,
                    fields: vec![FieldChange {
                        path: "delivery.tls_policy".into(),
                        before: json!("OPTIONAL"),
                        after: json!("REQUIRE"),
                    }],
                    reason: None,
                },
                Change {
                    address: "event_destination.Old.d".into(),
                    kind: "event_destination".into(),
                    name: "Old.d".into(),
                    action: Action::Delete,
                    fields: vec![FieldChange {
                        path: "enabled".into(),
                        before: json!(true),
                        after: Value::Null,
                    }],
                    reason: None,
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
             + configuration_set.New\n      sending_enabled: true\n  \
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
        assert!(got.contains("| `configuration_set.ConfigSet` | `delivery.tls_policy` | `\"OPTIONAL\"` | `\"REQUIRE\"` |\n"));
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
