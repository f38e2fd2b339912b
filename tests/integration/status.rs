//! `sesinfra status` through the binary against the emulator: one test per health
//! state (exit code and output), exact text and markdown renderings, the JSON document,
//! and the calls made (one GetAccount, exactly one GetMetricData for both rates).

use serde_json::{Value, json};

use crate::support::{Emulator, Service};

/// Stages the account's health fields (GetAccount members) in eu-west-1.
fn account(emulator: &Emulator, fields: Value) {
    let mut body = fields;
    body["region"] = json!("eu-west-1");
    emulator.control("POST", "account", Some(&body));
}

/// Records SES's reputation datapoints a minute ago.
fn reputation(emulator: &Emulator, rates: Value) {
    let mut body = rates;
    body["region"] = json!("eu-west-1");
    emulator.control("POST", "account/reputation", Some(&body));
}

/// A production account in good standing.
fn healthy_production(emulator: &Emulator) {
    account(
        emulator,
        json!({
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": true,
            "SendingEnabled": true,
            "SendQuota": {"Max24HourSend": 50000, "MaxSendRate": 14, "SentLast24Hours": 1234},
        }),
    );
}

/// Runs `status` with `args`; returns (exit code, stdout, stderr).
fn status(emulator: &Emulator, args: &[&str]) -> (i32, String, String) {
    let out = emulator
        .sesinfra()
        .arg("status")
        .args(args)
        .output()
        .expect("run sesinfra");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The output with every RFC 3339 timestamp (`2026-11-01T10:05:00Z`) replaced by
/// `<TIME>`: datapoints carry the time the test ran.
fn without_times(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let shape = "dddd-dd-ddTdd:dd:ddZ";
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let matches = i + shape.len() <= chars.len()
            && shape.chars().zip(&chars[i..]).all(|(p, c)| match p {
                'd' => c.is_ascii_digit(),
                p => p == *c,
            });
        if matches {
            out.push_str("<TIME>");
            i += shape.len();
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

#[test]
fn a_healthy_account_exits_0_and_says_so_exactly() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    reputation(
        &emulator,
        json!({"bounce_rate": 0.0123, "complaint_rate": 0.0004}),
    );
    let (code, stdout, stderr) = status(&emulator, &[]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        without_times(&stdout),
        "\
SES account in eu-west-1: HEALTHY

  Enforcement status  HEALTHY                         ok
  Production access   yes
  Sending             enabled                         ok
  Sent in 24 hours    1,234 of 50,000 (2.5%)
  Maximum send rate   14 per second
  Bounce rate         1.23% at <TIME>   review level 5%, pause level 10%
  Complaint rate      0.040% at <TIME>  review level 0.1%, pause level 0.5%
"
    );
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn probation_with_a_high_bounce_rate_renders_exactly_as_text_and_markdown() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    account(&emulator, json!({"EnforcementStatus": "PROBATION"}));
    reputation(
        &emulator,
        json!({"bounce_rate": 0.0612, "complaint_rate": 0.0004}),
    );

    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        without_times(&stdout),
        "\
SES account in eu-west-1: AT RISK

  Enforcement status  PROBATION                       AT RISK
  Production access   yes
  Sending             enabled                         ok
  Sent in 24 hours    1,234 of 50,000 (2.5%)
  Maximum send rate   14 per second
  Bounce rate         6.12% at <TIME>   AT RISK: at or above the review level 5%
  Complaint rate      0.040% at <TIME>  review level 0.1%, pause level 0.5%

At risk:
  - the account is on probation: AWS is reviewing it; fix the cause (see the AWS console's reputation page) before it is shut down
  - bounce rate 6.12% is at or above AWS's review level of 5% (sending may be paused at 10%)
"
    );

    let (code, stdout, _) = status(&emulator, &["--output", "markdown"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        without_times(&stdout),
        "\
### SES account in eu-west-1: **at risk**

| | | |
|---|---|---|
| Enforcement status | PROBATION | **at risk** |
| Production access | yes |  |
| Sending | enabled | ok |
| Sent in 24 hours | 1,234 of 50,000 (2.5%) |  |
| Maximum send rate | 14 per second |  |
| Bounce rate | 6.12% at <TIME> | **at risk**: at or above the review level 5% |
| Complaint rate | 0.040% at <TIME> | review level 0.1%, pause level 0.5% |

**At risk:**

- the account is on probation: AWS is reviewing it; fix the cause (see the AWS console's reputation page) before it is shut down
- bounce rate 6.12% is at or above AWS's review level of 5% (sending may be paused at 10%)
"
    );
}

#[test]
fn shutdown_is_at_risk() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    account(&emulator, json!({"EnforcementStatus": "SHUTDOWN"}));
    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.starts_with("SES account in eu-west-1: AT RISK\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  - the account is shut down: AWS has paused its sending"),
        "{stdout}"
    );
}

#[test]
fn paused_sending_is_at_risk() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    account(&emulator, json!({"SendingEnabled": false}));
    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(stdout.contains("  Sending             paused"), "{stdout}");
    assert!(
        stdout.contains("sending is paused for the account in eu-west-1 (SendingEnabled is false)"),
        "{stdout}"
    );
}

#[test]
fn the_sandbox_is_a_note_not_a_risk() {
    let emulator = Emulator::start();
    // A new account: a healthy sandbox (200 a day, 1 per second).
    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("  Production access   no (sandbox)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  Sent in 24 hours    0 of 200 (0%)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Notes:\n  - the account is in the sandbox"),
        "{stdout}"
    );
    assert!(!stdout.contains("At risk:"), "{stdout}");
}

#[test]
fn a_bounce_rate_at_the_review_level_is_at_risk_and_below_it_is_not() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    // Ten minutes apart, as SES publishes them: separate datapoints.
    reputation(
        &emulator,
        json!({"bounce_rate": 0.0499, "age_seconds": 900}),
    );
    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 0, "{stdout}");

    reputation(&emulator, json!({"bounce_rate": 0.05, "age_seconds": 600}));
    let (code, stdout, _) = status(&emulator, &["--output", "json"]);
    assert_eq!(code, 2, "{stdout}");
    let doc = json_of(&stdout);
    assert_eq!(doc["reputation"]["bounce_rate"]["value"], json!(0.05));
    assert_eq!(doc["reputation"]["bounce_rate"]["level"], "review");
    assert_eq!(doc["findings"][0]["rule"], "bounce_rate");

    reputation(&emulator, json!({"bounce_rate": 0.11}));
    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout
            .contains("bounce rate 11.00% is at or above 10%: AWS may pause the account's sending"),
        "{stdout}"
    );
}

#[test]
fn a_complaint_rate_at_the_review_level_is_at_risk() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    reputation(
        &emulator,
        json!({"bounce_rate": 0.01, "complaint_rate": 0.001}),
    );
    let (code, stdout, _) = status(&emulator, &[]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stdout.contains("complaint rate 0.100% is at or above AWS's review level of 0.1% (sending may be paused at 0.5%)"),
        "{stdout}"
    );
}

#[test]
fn no_metric_data_is_reported_not_an_error_and_the_json_document_is_complete() {
    let emulator = Emulator::start();
    healthy_production(&emulator);
    emulator.clear_requests();
    let (code, stdout, stderr) = status(&emulator, &["--output", "json"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        json_of(&stdout),
        json!({
            "format_version": 1,
            "region": "eu-west-1",
            "status": "healthy",
            "account": {
                "enforcement_status": "HEALTHY",
                "production_access": true,
                "sending_enabled": true,
                "quota": {"max_24_hour_send": 50000.0, "sent_last_24_hours": 1234.0, "max_send_rate": 14.0}
            },
            "reputation": {
                "window_hours": 24,
                "bounce_rate": {"value": null, "at": null, "level": "no_data", "review_level": 0.05, "pause_level": 0.1},
                "complaint_rate": {"value": null, "at": null, "level": "no_data", "review_level": 0.001, "pause_level": 0.005}
            },
            "findings": []
        })
    );
    assert!(
        stdout.starts_with("{\n  \"format_version\": 1,"),
        "{stdout}"
    );
    // One GetAccount, and both rates from exactly one GetMetricData.
    let mut calls = emulator.requests();
    calls.sort();
    assert_eq!(
        calls,
        [
            ("cloudwatch".to_owned(), "GetMetricData".to_owned()),
            ("sesv2".to_owned(), "GetAccount".to_owned()),
        ]
    );
    let (_, text, _) = status(&emulator, &[]);
    assert!(
        text.contains("  Bounce rate         no data in the last 24 hours"),
        "{text}"
    );
}

#[test]
fn a_cloudwatch_error_exits_1_with_the_reason() {
    let emulator = Emulator::start();
    emulator
        .faults()
        .call(Service::CloudWatch, "GetMetricData")
        .error("AccessDenied")
        .queue();
    let (code, stdout, stderr) = status(&emulator, &[]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert!(stderr.contains("GetMetricData"), "{stderr}");
    assert!(
        stderr.contains("AccessDenied") || stderr.contains("not authorized"),
        "{stderr}"
    );
    assert_eq!(emulator.faults().queued(), 0);
}
