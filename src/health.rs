//! The SES account's health (`sesinfra status`): what AWS reports, judged against
//! AWS's own levels, rendered as text, JSON or markdown. Pure: `aws::account` and
//! `aws::cloudwatch` fill in the facts.

use std::fmt::Write as _;

use serde::Serialize;

use crate::cli::OutputFormat;

/// AWS reviews an account whose bounce rate reaches 5 % ...
pub const BOUNCE_REVIEW: f64 = 0.05;
/// ... and may pause its sending at 10 %.
pub const BOUNCE_PAUSE: f64 = 0.10;
/// AWS reviews an account whose complaint rate reaches 0.1 % ...
pub const COMPLAINT_REVIEW: f64 = 0.001;
/// ... and may pause its sending at 0.5 %.
pub const COMPLAINT_PAUSE: f64 = 0.005;

/// SES v2 `GetAccount`, the health fields.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountHealth {
    /// `HEALTHY`, `PROBATION` or `SHUTDOWN` (None when AWS did not say).
    pub enforcement_status: Option<String>,
    /// false: the account is in the sandbox.
    pub production_access: bool,
    pub sending_enabled: bool,
    pub quota: Option<SendQuota>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SendQuota {
    pub max_24_hour_send: f64,
    pub max_send_rate: f64,
    pub sent_last_24_hours: f64,
}

/// The newest datapoint of a reputation metric.
#[derive(Debug, Clone, PartialEq)]
pub struct RateSample {
    /// A fraction: 0.05 = 5 %.
    pub value: f64,
    /// When, RFC 3339 UTC.
    pub at: String,
}

/// The latest reputation rates; None = no datapoint in the window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reputation {
    pub bounce: Option<RateSample>,
    pub complaint: Option<RateSample>,
}

/// Everything `status` shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub region: String,
    pub account: AccountHealth,
    pub reputation: Reputation,
    /// How far back the rates were looked for.
    pub window_hours: u32,
}

/// Where a rate stands against AWS's levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    NoData,
    Ok,
    /// At or above the review level.
    Review,
    /// At or above the level at which AWS may pause sending.
    Pause,
}

impl Level {
    fn of(sample: Option<&RateSample>, review: f64, pause: f64) -> Level {
        match sample {
            None => Level::NoData,
            Some(s) if s.value >= pause => Level::Pause,
            Some(s) if s.value >= review => Level::Review,
            Some(_) => Level::Ok,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Level::NoData => "no_data",
            Level::Ok => "ok",
            Level::Review => "review",
            Level::Pause => "pause",
        }
    }
}

/// One reason the account is at risk, or a note.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// true: at risk (exit 2); false: for information.
    pub at_risk: bool,
    /// A short snake_case name.
    pub rule: &'static str,
    pub message: String,
}

struct Rate<'a> {
    key: &'static str,
    title: &'static str,
    sample: Option<&'a RateSample>,
    review: f64,
    pause: f64,
    decimals: usize,
}

impl Rate<'_> {
    fn level(&self) -> Level {
        Level::of(self.sample, self.review, self.pause)
    }
}

impl Status {
    fn rates(&self) -> [Rate<'_>; 2] {
        [
            Rate {
                key: "bounce_rate",
                title: "Bounce rate",
                sample: self.reputation.bounce.as_ref(),
                review: BOUNCE_REVIEW,
                pause: BOUNCE_PAUSE,
                decimals: 2,
            },
            Rate {
                key: "complaint_rate",
                title: "Complaint rate",
                sample: self.reputation.complaint.as_ref(),
                review: COMPLAINT_REVIEW,
                pause: COMPLAINT_PAUSE,
                decimals: 3,
            },
        ]
    }

    /// Why the account is at risk, then notes; empty when all is well.
    pub fn findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        match self.account.enforcement_status.as_deref() {
            None | Some("HEALTHY") => {}
            Some("PROBATION") => out.push(Finding {
                at_risk: true,
                rule: "probation",
                message: "the account is on probation: AWS is reviewing it; fix the cause (see the AWS console's reputation page) before it is shut down".into(),
            }),
            Some("SHUTDOWN") => out.push(Finding {
                at_risk: true,
                rule: "shutdown",
                message: "the account is shut down: AWS has paused its sending; fix the cause and ask AWS Support to resume it".into(),
            }),
            Some(other) => out.push(Finding {
                at_risk: true,
                rule: "enforcement_status",
                message: format!("the enforcement status is {other}, not HEALTHY"),
            }),
        }
        if !self.account.sending_enabled {
            out.push(Finding {
                at_risk: true,
                rule: "sending_paused",
                message: format!(
                    "sending is paused for the account in {} (SendingEnabled is false)",
                    self.region
                ),
            });
        }
        for rate in self.rates() {
            let Some(sample) = rate.sample else { continue };
            let value = percent(sample.value, rate.decimals);
            match rate.level() {
                Level::Pause => out.push(Finding {
                    at_risk: true,
                    rule: rate.key,
                    message: format!(
                        "{} {value} is at or above {}: AWS may pause the account's sending",
                        rate.title.to_lowercase(),
                        percent(rate.pause, 1)
                    ),
                }),
                Level::Review => out.push(Finding {
                    at_risk: true,
                    rule: rate.key,
                    message: format!(
                        "{} {value} is at or above AWS's review level of {} (sending may be paused at {})",
                        rate.title.to_lowercase(),
                        percent(rate.review, 1),
                        percent(rate.pause, 1)
                    ),
                }),
                Level::Ok | Level::NoData => {}
            }
        }
        if !self.account.production_access {
            out.push(Finding {
                at_risk: false,
                rule: "sandbox",
                message: "the account is in the sandbox: it sends only to verified identities; request production access to send to anyone".into(),
            });
        }
        out
    }

    /// True when anything puts the account at risk (exit 2).
    pub fn at_risk(&self) -> bool {
        self.findings().iter().any(|f| f.at_risk)
    }

    pub fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Text => self.text(),
            OutputFormat::Markdown => self.markdown(),
            OutputFormat::Json => {
                // Plain fields and finite numbers: this serialisation cannot fail.
                let mut s = serde_json::to_string_pretty(&self.json()).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }

    fn verdict(&self) -> &'static str {
        if self.at_risk() { "at risk" } else { "healthy" }
    }

    /// The rows both text and markdown show: (title, value, assessment).
    fn rows(&self) -> Vec<(&'static str, String, String)> {
        let a = &self.account;
        let mut rows = vec![
            (
                "Enforcement status",
                a.enforcement_status
                    .clone()
                    .unwrap_or_else(|| "unknown".into()),
                match a.enforcement_status.as_deref() {
                    None => String::new(),
                    Some("HEALTHY") => "ok".into(),
                    Some(_) => "AT RISK".into(),
                },
            ),
            (
                "Production access",
                if a.production_access {
                    "yes".into()
                } else {
                    "no (sandbox)".into()
                },
                String::new(),
            ),
            (
                "Sending",
                if a.sending_enabled {
                    "enabled".into()
                } else {
                    "paused".into()
                },
                if a.sending_enabled {
                    "ok".into()
                } else {
                    "AT RISK".into()
                },
            ),
        ];
        match &a.quota {
            Some(q) => {
                let used = if q.max_24_hour_send > 0.0 {
                    format!(
                        " ({})",
                        percent(q.sent_last_24_hours / q.max_24_hour_send, 1)
                    )
                } else {
                    String::new()
                };
                rows.push((
                    "Sent in 24 hours",
                    format!(
                        "{} of {}{used}",
                        count(q.sent_last_24_hours),
                        count(q.max_24_hour_send)
                    ),
                    String::new(),
                ));
                rows.push((
                    "Maximum send rate",
                    format!("{} per second", count(q.max_send_rate)),
                    String::new(),
                ));
            }
            None => rows.push(("Sending quota", "unknown".into(), String::new())),
        }
        for rate in self.rates() {
            let value = match rate.sample {
                Some(s) => format!("{} at {}", percent(s.value, rate.decimals), s.at),
                None => format!("no data in the last {} hours", self.window_hours),
            };
            let assessment = match rate.level() {
                Level::NoData | Level::Ok => format!(
                    "review level {}, pause level {}",
                    percent(rate.review, 1),
                    percent(rate.pause, 1)
                ),
                Level::Review => format!(
                    "AT RISK: at or above the review level {}",
                    percent(rate.review, 1)
                ),
                Level::Pause => format!(
                    "AT RISK: at or above the pause level {}",
                    percent(rate.pause, 1)
                ),
            };
            rows.push((rate.title, value, assessment));
        }
        rows
    }

    fn text(&self) -> String {
        let mut s = format!(
            "SES account in {}: {}\n\n",
            self.region,
            self.verdict().to_uppercase()
        );
        let rows = self.rows();
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let value_width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
        for (title, value, assessment) in &rows {
            let line = format!("  {title:width$}  {value:value_width$}  {assessment}");
            let _ = writeln!(s, "{}", line.trim_end());
        }
        self.text_findings(&mut s);
        s
    }

    fn text_findings(&self, s: &mut String) {
        let findings = self.findings();
        for (at_risk, heading) in [(true, "At risk:"), (false, "Notes:")] {
            let items: Vec<_> = findings.iter().filter(|f| f.at_risk == at_risk).collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n{heading}");
            for f in items {
                let _ = writeln!(s, "  - {}", f.message);
            }
        }
    }

    fn markdown(&self) -> String {
        let mut s = format!(
            "### SES account in {}: {}\n\n| | | |\n|---|---|---|\n",
            self.region,
            if self.at_risk() {
                "**at risk**"
            } else {
                "healthy"
            }
        );
        for (title, value, assessment) in self.rows() {
            let assessment = assessment.replace("AT RISK", "**at risk**");
            let _ = writeln!(
                s,
                "| {title} | {} | {} |",
                md_cell(&value),
                md_cell(&assessment)
            );
        }
        let findings = self.findings();
        for (at_risk, heading) in [(true, "At risk"), (false, "Notes")] {
            let items: Vec<_> = findings.iter().filter(|f| f.at_risk == at_risk).collect();
            if items.is_empty() {
                continue;
            }
            let _ = writeln!(s, "\n**{heading}:**\n");
            for f in items {
                let _ = writeln!(s, "- {}", md_cell(&f.message));
            }
        }
        s
    }

    /// The `--output json` document (README: "sesinfra status").
    fn json(&self) -> JsonStatus {
        let a = &self.account;
        let rate = |r: &Rate<'_>| JsonRate {
            value: r.sample.map(|s| s.value),
            at: r.sample.map(|s| s.at.clone()),
            level: r.level().as_str(),
            review_level: r.review,
            pause_level: r.pause,
        };
        let [bounce, complaint] = self.rates();
        JsonStatus {
            format_version: 1,
            region: self.region.clone(),
            status: if self.at_risk() { "at_risk" } else { "healthy" },
            account: JsonAccount {
                enforcement_status: a.enforcement_status.clone(),
                production_access: a.production_access,
                sending_enabled: a.sending_enabled,
                quota: a.quota.as_ref().map(|q| JsonQuota {
                    max_24_hour_send: q.max_24_hour_send,
                    sent_last_24_hours: q.sent_last_24_hours,
                    max_send_rate: q.max_send_rate,
                }),
            },
            reputation: JsonReputation {
                window_hours: self.window_hours,
                bounce_rate: rate(&bounce),
                complaint_rate: rate(&complaint),
            },
            findings: self
                .findings()
                .into_iter()
                .map(|f| JsonFinding {
                    severity: if f.at_risk { "at_risk" } else { "info" },
                    rule: f.rule,
                    message: f.message,
                })
                .collect(),
        }
    }
}

// The JSON document's shape, keys in the order people read them.
#[derive(Serialize)]
struct JsonStatus {
    format_version: u32,
    region: String,
    status: &'static str,
    account: JsonAccount,
    reputation: JsonReputation,
    findings: Vec<JsonFinding>,
}

#[derive(Serialize)]
struct JsonAccount {
    enforcement_status: Option<String>,
    production_access: bool,
    sending_enabled: bool,
    quota: Option<JsonQuota>,
}

#[derive(Serialize)]
struct JsonQuota {
    max_24_hour_send: f64,
    sent_last_24_hours: f64,
    max_send_rate: f64,
}

#[derive(Serialize)]
struct JsonReputation {
    window_hours: u32,
    bounce_rate: JsonRate,
    complaint_rate: JsonRate,
}

#[derive(Serialize)]
struct JsonRate {
    value: Option<f64>,
    at: Option<String>,
    level: &'static str,
    review_level: f64,
    pause_level: f64,
}

#[derive(Serialize)]
struct JsonFinding {
    severity: &'static str,
    rule: &'static str,
    message: String,
}

/// A fraction as a percentage: `percent(0.0612, 2)` = "6.12%"; whole levels without
/// trailing zeros (`percent(0.05, 1)` = "5%", `percent(0.001, 1)` = "0.1%").
fn percent(fraction: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, fraction * 100.0);
    let text = if text.contains('.') && decimals == 1 {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    format!("{text}%")
}

/// A count with thousands separators; fractions (quotas are doubles) to one decimal.
fn count(value: f64) -> String {
    if value.fract() != 0.0 {
        return format!("{value:.1}");
    }
    let digits = format!("{value:.0}");
    let (sign, digits) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits.as_str()),
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

fn md_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status() -> Status {
        Status {
            region: "eu-west-1".into(),
            account: AccountHealth {
                enforcement_status: Some("HEALTHY".into()),
                production_access: true,
                sending_enabled: true,
                quota: Some(SendQuota {
                    max_24_hour_send: 50_000.0,
                    max_send_rate: 14.0,
                    sent_last_24_hours: 1_234.0,
                }),
            },
            reputation: Reputation::default(),
            window_hours: 24,
        }
    }

    fn sample(value: f64) -> Option<RateSample> {
        Some(RateSample {
            value,
            at: "2026-11-01T10:00:00Z".into(),
        })
    }

    #[test]
    fn levels_are_at_or_above() {
        for (value, level) in [
            (0.0499, Level::Ok),
            (0.05, Level::Review),
            (0.0999, Level::Review),
            (0.10, Level::Pause),
        ] {
            assert_eq!(
                Level::of(sample(value).as_ref(), BOUNCE_REVIEW, BOUNCE_PAUSE),
                level,
                "{value}"
            );
        }
        for (value, level) in [
            (0.0009, Level::Ok),
            (0.001, Level::Review),
            (0.005, Level::Pause),
        ] {
            assert_eq!(
                Level::of(sample(value).as_ref(), COMPLAINT_REVIEW, COMPLAINT_PAUSE),
                level,
                "{value}"
            );
        }
        assert_eq!(Level::of(None, 0.05, 0.1), Level::NoData);
    }

    #[test]
    fn what_puts_an_account_at_risk() {
        assert!(!status().at_risk());
        let mut s = status();
        s.account.production_access = false;
        assert!(!s.at_risk(), "the sandbox is a note, not a risk");
        assert_eq!(s.findings()[0].rule, "sandbox");
        for (status_name, rule) in [("PROBATION", "probation"), ("SHUTDOWN", "shutdown")] {
            let mut s = status();
            s.account.enforcement_status = Some(status_name.into());
            assert!(s.at_risk());
            assert_eq!(s.findings()[0].rule, rule);
        }
        let mut s = status();
        s.account.sending_enabled = false;
        assert_eq!(s.findings()[0].rule, "sending_paused");
        let mut s = status();
        s.reputation.complaint = sample(0.001);
        assert_eq!(s.findings()[0].rule, "complaint_rate");
        let mut s = status();
        s.reputation.bounce = sample(0.049);
        s.reputation.complaint = sample(0.0009);
        assert!(!s.at_risk());
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(percent(0.05, 1), "5%");
        assert_eq!(percent(0.001, 1), "0.1%");
        assert_eq!(percent(0.005, 1), "0.5%");
        assert_eq!(percent(0.0612, 2), "6.12%");
        assert_eq!(percent(0.0004, 3), "0.040%");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(200.0), "200");
        assert_eq!(count(0.5), "0.5");
    }
}
