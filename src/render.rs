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
            write!(out, " ({})", reason_text(reason))?;
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

/// A reason code of the plan in words, for people; codes without words as they are.
fn reason_text(reason: &str) -> String {
    match reason {
        "creating_failed" => "creating_failed: Firehose failed to create it (CREATING_FAILED); \
                              it is deleted and created again"
            .to_owned(),
        "deleting_failed" => "deleting_failed: a deletion failed (DELETING_FAILED); it is \
                              deleted by force and created again"
            .to_owned(),
        other => other.to_owned(),
    }
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
            Some(reason) => format!("{} ({})", change.action.as_str(), reason_text(reason)),
            None => change.action.as_str().to_owned(),
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

/// A warning about a drifted resource beyond its field values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    pub address: String,
    pub message: String,
}

/// Alerts for drift that weakens security: a role's trust policy that lost conditions
/// (anyone the principal serves could assume it), or permissions edited by hand.
pub fn security_alerts(plan: &Plan) -> Vec<Alert> {
    let mut alerts = Vec::new();
    for change in plan.changes.iter().filter(|c| c.kind == "iam_role") {
        for f in &change.fields {
            if f.path == "trust_policy" {
                let expected = condition_keys(&f.after);
                let found = condition_keys(&f.before);
                let missing: Vec<&String> =
                    expected.iter().filter(|k| !found.contains(*k)).collect();
                if !missing.is_empty() {
                    alerts.push(Alert {
                        address: change.address.clone(),
                        message: format!(
                            "SECURITY REGRESSION: the trust policy lost its condition(s) on {}; \
                             the role can be assumed beyond the configuration sets/account it is meant for",
                            missing.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            } else if f.path == "attached_policies" {
                let after: Vec<&Value> = f.after.as_array().into_iter().flatten().collect();
                let added: Vec<&str> = f
                    .before
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| !after.contains(p))
                    .filter_map(Value::as_str)
                    .collect();
                if !added.is_empty() {
                    alerts.push(Alert {
                        address: change.address.clone(),
                        message: format!(
                            "SECURITY REGRESSION: managed policy {} attached outside sesinfra; \
                             it may grant more than least privilege (apply detaches it)",
                            added.join(", ")
                        ),
                    });
                }
            } else if f.path.starts_with("inline_policies.") && f.before != Value::Null {
                alerts.push(Alert {
                    address: change.address.clone(),
                    message: format!("the permission policy {} was edited outside sesinfra; it may grant more than least privilege", &f.path["inline_policies.".len()..]),
                });
            }
        }
    }
    alerts
}

/// Every condition key (lower-case) in a normalised policy document.
fn condition_keys(policy: &Value) -> std::collections::BTreeSet<String> {
    let mut keys = std::collections::BTreeSet::new();
    for statement in policy["Statement"].as_array().into_iter().flatten() {
        if let Some(ops) = statement["Condition"].as_object() {
            for kv in ops.values() {
                if let Some(kv) = kv.as_object() {
                    keys.extend(kv.keys().map(|k| k.to_ascii_lowercase()));
                }
            }
        }
    }
    keys
}

fn drift_line(change: &Change) -> String {
    match change.action {
        Action::Create => "missing in AWS (deleted outside sesinfra)".to_owned(),
        Action::Delete => "in AWS but not in the spec (added outside sesinfra)".to_owned(),
        Action::Update | Action::Replace => "changed outside sesinfra".to_owned(),
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
        return Ok(());
    }
    writeln!(
        out,
        "Drift in stack {}: {} resource(s) differ from the spec.\n",
        plan.stack,
        plan.changes.len()
    )?;
    let alerts = security_alerts(plan);
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
                writeln!(
                    out,
                    "      {}: expected {}, found {}",
                    f.path,
                    show(&f.after),
                    show(&f.before)
                )?;
            }
        }
        for alert in alerts.iter().filter(|a| a.address == change.address) {
            let (on, off) = if color {
                ("\x1b[1;31m", RESET)
            } else {
                ("", "")
            };
            writeln!(out, "      {on}! {}{off}", alert.message)?;
        }
    }
    writeln!(out, "\n{DRIFT_FIX}")
}

pub fn drift_markdown(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "### sesinfra drift for `{}`\n", plan.stack)?;
    if plan.is_empty() {
        writeln!(out, "No drift: AWS matches the spec.")?;
        return Ok(());
    }
    let alerts = security_alerts(plan);
    for alert in &alerts {
        writeln!(out, "> **{}**: {}\n", alert.address, alert.message)?;
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
            writeln!(
                out,
                "| `{}` | {} | `{}` | `{}` | `{}` |",
                change.address,
                drift_line(change),
                f.path,
                escape_cell(&show(&f.after)),
                escape_cell(&show(&f.before))
            )?;
        }
    }
    writeln!(out, "\n{DRIFT_FIX}")
}

#[cfg(test)]
mod drift_tests {
    use super::*;
    use crate::plan::FieldChange;
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
                address: "iam_role.s-ses-h".into(),
                kind: "iam_role".into(),
                name: "s-ses-h".into(),
                action: Action::Update,
                fields: vec![FieldChange {
                    path: "trust_policy".into(),
                    before: trust(false),
                    after: trust(true),
                }],
                reason: None,
            }],
        )
    }

    #[test]
    fn removed_trust_conditions_are_a_security_regression() {
        let alerts = security_alerts(&drifted_role());
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].message.starts_with("SECURITY REGRESSION"));
        assert!(
            alerts[0]
                .message
                .contains("aws:sourceaccount, aws:sourcearn")
        );
        let mut text = Vec::new();
        drift_text(&drifted_role(), false, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("! SECURITY REGRESSION"), "{text}");
        assert!(text.contains("sesinfra apply"), "{text}");
    }

    #[test]
    fn a_tightened_trust_policy_is_not_an_alert() {
        let mut plan = drifted_role();
        let f = &mut plan.changes[0].fields[0];
        std::mem::swap(&mut f.before, &mut f.after);
        assert!(security_alerts(&plan).is_empty());
    }

    #[test]
    fn drift_says_expected_and_found() {
        let plan = Plan::new(
            "s",
            vec![Change {
                address: "configuration_set.Main".into(),
                kind: "configuration_set".into(),
                name: "Main".into(),
                action: Action::Update,
                fields: vec![FieldChange {
                    path: "sending_enabled".into(),
                    before: json!(false),
                    after: json!(true),
                }],
                reason: None,
            }],
        );
        let mut text = Vec::new();
        drift_text(&plan, false, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(text.contains("~ configuration_set.Main: changed outside sesinfra\n      sending_enabled: expected true, found false\n"), "{text}");
        let mut md = Vec::new();
        drift_markdown(&plan, &mut md).unwrap();
        assert!(String::from_utf8(md).unwrap().contains("| `configuration_set.Main` | changed outside sesinfra | `sending_enabled` | `true` | `false` |"));
    }
}
