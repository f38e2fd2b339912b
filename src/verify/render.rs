//! `verify`'s report as text, markdown or JSON (contract §7: `format_version`,
//! `stack`, `results` with `configuration_set`, `recipient`, `message_id`, `event`,
//! `found`, `object`, `latency_seconds`, and `summary` {expected, found}; sesinfra
//! adds `destination`, `stream` and, for missing records, `causes`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Expected, Report};
use crate::cli::OutputFormat;

pub fn render(report: &Report, format: OutputFormat) -> String {
    match format {
        OutputFormat::Json => json(report),
        OutputFormat::Text => text(report),
        OutputFormat::Markdown => markdown(report),
    }
}

/// The results by (configuration set, destination), in the order they were expected.
fn groups(report: &Report) -> Vec<((&str, &str), Vec<&Expected>)> {
    let mut order: Vec<(&str, &str)> = Vec::new();
    let mut by: BTreeMap<(&str, &str), Vec<&Expected>> = BTreeMap::new();
    for r in &report.results {
        let key = (r.configuration_set.as_str(), r.destination.as_str());
        if !by.contains_key(&key) {
            order.push(key);
        }
        by.entry(key).or_default().push(r);
    }
    order
        .into_iter()
        .map(|k| (k, by.remove(&k).unwrap_or_default()))
        .collect()
}

fn stream_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// Each distinct cause of a group's missing records, once, in order.
fn distinct_causes<'a>(results: &[&'a Expected]) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for cause in results.iter().flat_map(|r| &r.causes) {
        if !out.contains(&cause.message.as_str()) {
            out.push(&cause.message);
        }
    }
    out
}

fn summary_line(report: &Report) -> String {
    let (found, expected) = (report.found(), report.results.len());
    if report.all_found() {
        format!("All {expected} expected event records arrived.")
    } else {
        format!(
            "{found} of {expected} expected event records arrived within {} s; {} missing.",
            report.timeout_seconds,
            expected - found
        )
    }
}

fn text(report: &Report) -> String {
    let mut out = format!(
        "Verify of stack {}: test messages from {} to the SES mailbox simulator.\n",
        report.stack, report.sender
    );
    for ((set, destination), results) in groups(report) {
        out.push_str(&format!(
            "\n{set} → {destination} (stream {}):\n",
            stream_name(&results[0].stream_arn)
        ));
        for r in &results {
            let line = match &r.found {
                Some(f) => format!(
                    "  found    {:<10} {:<34} {:>6.1} s  {}\n",
                    r.event.as_str(),
                    r.recipient.address(),
                    f.latency_seconds,
                    f.object
                ),
                None => format!(
                    "  MISSING  {:<10} {:<34} message {}\n",
                    r.event.as_str(),
                    r.recipient.address(),
                    r.message_id
                ),
            };
            out.push_str(&line);
        }
        let causes = distinct_causes(&results);
        if !causes.is_empty() {
            out.push_str("  likely cause:\n");
            for cause in causes {
                out.push_str(&format!("    - {cause}\n"));
            }
        }
    }
    out.push('\n');
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

fn markdown(report: &Report) -> String {
    let mut out = format!(
        "### sesinfra verify: stack `{}`\n\nTest messages from `{}` to the SES mailbox simulator.\n\n\
         | configuration set | destination | event | recipient | result | latency | object |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
        report.stack, report.sender
    );
    for r in &report.results {
        let (result, latency, object) = match &r.found {
            Some(f) => (
                "found",
                format!("{:.1} s", f.latency_seconds),
                format!("`{}`", f.object),
            ),
            None => ("**missing**", String::new(), String::new()),
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {result} | {latency} | {object} |\n",
            r.configuration_set,
            r.destination,
            r.event.as_str(),
            r.recipient.address()
        ));
    }
    let all: Vec<&Expected> = report.results.iter().collect();
    let causes = distinct_causes(&all);
    if !causes.is_empty() {
        out.push_str("\n**Likely cause:**\n\n");
        for cause in causes {
            out.push_str(&format!("- {cause}\n"));
        }
    }
    out.push('\n');
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

fn json(report: &Report) -> String {
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let mut v = json!({
                "configuration_set": r.configuration_set,
                "destination": r.destination,
                "stream": stream_name(&r.stream_arn),
                "recipient": r.recipient.address(),
                "message_id": r.message_id,
                "event": r.event.as_str(),
                "found": r.found.is_some(),
                "object": r.found.as_ref().map(|f| f.object.clone()),
                "latency_seconds": r.found.as_ref().map(|f| f.latency_seconds),
            });
            if r.found.is_none() {
                v["causes"] = r
                    .causes
                    .iter()
                    .map(|c| json!({"cause": c.code, "message": c.message}))
                    .collect();
            }
            v
        })
        .collect();
    let document = json!({
        "format_version": 1,
        "stack": report.stack,
        "sender": report.sender,
        "results": results,
        "summary": {"expected": report.results.len(), "found": report.found()},
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::EventType;
    use crate::verify::{Cause, Found, Recipient};
    use time::macros::datetime;

    fn report() -> Report {
        let base = Expected {
            configuration_set: "Set".into(),
            destination: "history".into(),
            stream_arn: "arn:aws:firehose:eu-west-1:1:deliverystream/s".into(),
            recipient: Recipient::Bounce,
            message_id: "m-1".into(),
            event: EventType::Send,
            sent_at: datetime!(2026-11-24 03:00 UTC),
            found: Some(Found {
                object: "s3://b/ses/2026/11/24/03/s-1-x.gz".into(),
                latency_seconds: 42.0,
            }),
            causes: Vec::new(),
        };
        let missing = Expected {
            event: EventType::Bounce,
            found: None,
            causes: vec![Cause {
                code: "role_trust",
                message: "role r's trust policy ...".into(),
            }],
            ..base.clone()
        };
        Report {
            stack: "prod".into(),
            sender: "sesinfra-verify@example.com".into(),
            timeout_seconds: 420,
            results: vec![base, missing],
        }
    }

    #[test]
    fn json_has_the_contract_keys() {
        let v: Value = serde_json::from_str(&render(&report(), OutputFormat::Json)).unwrap();
        assert_eq!(v["format_version"], 1);
        assert_eq!(v["summary"], json!({"expected": 2, "found": 1}));
        assert_eq!(v["results"][0]["latency_seconds"], 42.0);
        assert_eq!(
            v["results"][0]["recipient"],
            "bounce@simulator.amazonses.com"
        );
        assert_eq!(v["results"][1]["found"], false);
        assert_eq!(v["results"][1]["object"], Value::Null);
        assert_eq!(v["results"][1]["causes"][0]["cause"], "role_trust");
    }

    #[test]
    fn text_lists_each_record_and_the_causes_once() {
        let text = render(&report(), OutputFormat::Text);
        assert!(text.contains("  found    SEND"), "{text}");
        assert!(text.contains("  MISSING  BOUNCE"), "{text}");
        assert_eq!(text.matches("trust policy").count(), 1, "{text}");
        assert!(text.ends_with("1 of 2 expected event records arrived within 420 s; 1 missing.\n"));
        let md = render(&report(), OutputFormat::Markdown);
        assert!(
            md.contains(
                "| Set | history | BOUNCE | bounce@simulator.amazonses.com | **missing** |"
            ),
            "{md}"
        );
    }
}
