//! The audit report as text, markdown (a table for pull requests and wikis) or JSON
//! (contract §7: `format_version`, `findings` with severity, rule, address, message,
//! fix; plus `region`, `checked` and `summary`).

use std::fmt::Write as _;

use serde_json::json;

use super::{Report, Severity};
use crate::cli::OutputFormat;

pub fn render(report: &Report, format: OutputFormat) -> String {
    match format {
        OutputFormat::Text => text(report),
        OutputFormat::Markdown => markdown(report),
        OutputFormat::Json => {
            let doc = json!({
                "format_version": 1,
                "region": report.region,
                "findings": report.findings,
                "checked": report.checked,
                "summary": summary_counts(report),
            });
            // Strings and counts only: this serialisation cannot fail.
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

fn summary_counts(report: &Report) -> serde_json::Value {
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    json!({
        "high": count(Severity::High),
        "medium": count(Severity::Medium),
        "low": count(Severity::Low),
    })
}

fn checked_line(report: &Report) -> String {
    let c = &report.checked;
    format!(
        "checked in {}: {} configuration sets, {} identities, {} Firehose streams, {} buckets, {} roles",
        report.region, c.configuration_sets, c.identities, c.streams, c.buckets, c.roles
    )
}

fn summary_line(report: &Report) -> String {
    let n = report.findings.len();
    if n == 0 {
        return "No findings.".to_owned();
    }
    let count = |s: Severity| report.findings.iter().filter(|f| f.severity == s).count();
    format!(
        "{n} {}: {} high, {} medium, {} low.",
        if n == 1 { "finding" } else { "findings" },
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    )
}

fn text(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{:<6}  {}  {}",
            f.severity.as_str().to_uppercase(),
            f.address,
            f.rule
        );
        let _ = writeln!(out, "        {}", f.message);
        let _ = writeln!(out, "        fix: {}", f.fix);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", summary_line(report));
    let _ = writeln!(out, "({})", checked_line(report));
    out
}

/// A table cell cannot hold `|` or a newline.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn markdown(report: &Report) -> String {
    let mut out = format!("### sesinfra audit: {}\n\n", report.region);
    let _ = writeln!(out, "{}\n", summary_line(report));
    if !report.findings.is_empty() {
        out.push_str("| Severity | Resource | Rule | Finding | Fix |\n");
        out.push_str("|---|---|---|---|---|\n");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                f.severity.as_str(),
                cell(&f.address),
                f.rule,
                cell(&f.message),
                cell(&f.fix)
            );
        }
        out.push('\n');
    }
    let _ = writeln!(out, "<sub>{}</sub>", cell(&checked_line(report)));
    out
}
