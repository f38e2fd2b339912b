//! The plan/apply engine end to end: the real binary, through the real AWS SDK, against
//! the emulator. Each test has its own emulator.

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{Emulator, Service, repo, yaml_files};

/// SES identities must exist before sesinfra manages their settings.
pub async fn create_identities(emulator: &Emulator, region: &str, names: &[&str]) {
    let clients = emulator.clients_in(region).await;
    for name in names {
        clients
            .sesv2
            .create_email_identity()
            .email_identity(*name)
            .send()
            .await
            .expect("create identity");
    }
}

pub fn spec_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sesinfra.yaml"), text).unwrap();
    dir
}

pub fn plan_json(emulator: &Emulator, dir: &std::path::Path) -> Value {
    let out = emulator
        .sesinfra()
        .current_dir(dir)
        .args(["plan", "--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("plan JSON")
}

pub fn apply(emulator: &Emulator, dir: &std::path::Path) {
    let out = emulator
        .sesinfra()
        .current_dir(dir)
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "apply failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub fn assert_no_changes(emulator: &Emulator, dir: &std::path::Path) {
    emulator
        .sesinfra()
        .current_dir(dir)
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes"));
}

#[tokio::test]
async fn every_example_applies_from_empty_and_then_has_no_changes() {
    for example in yaml_files("examples") {
        let emulator = Emulator::start();
        let file = sesinfra::spec::load(&example).unwrap();
        let region = file
            .spec
            .region
            .clone()
            .unwrap_or_else(|| "eu-west-1".into());
        let identities: Vec<&str> = file.spec.identities.keys().map(String::as_str).collect();
        create_identities(&emulator, &region, &identities).await;
        let path = example.strip_prefix(repo()).unwrap().display().to_string();
        let out = emulator
            .sesinfra()
            .args(["apply", "--yes", "-f", &path])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{path}: apply failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        emulator
            .sesinfra()
            .args(["plan", "--detailed-exitcode", "-f", &path])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("No changes"));
    }
}

pub const BASE: &str = r#"version: 1
stack: e2e
region: eu-west-1
buckets:
  history: {name: "e2e-history-${account_id}", versioning: true, lifecycle: {expire_after_days: 30}, deletion_policy: retain}
firehose_streams:
  history: {bucket: history, prefix: "ses/", compression: GZIP}
configuration_sets:
  Main:
    reputation_metrics: true
    event_destinations:
      history: {events: all, firehose: {stream: history}}
      alerts: {events: [BOUNCE, COMPLAINT], sns: {topic_arn: "arn:aws:sns:eu-west-1:${account_id}:alerts"}}
  Other:
    event_destinations:
      metrics: {events: [SEND], cloudwatch: {dimensions: [{name: campaign, source: MESSAGE_TAG, default: none}]}}
identities:
  example.com: {default_configuration_set: Main, feedback_forwarding: false}
"#;

pub async fn applied_base() -> (Emulator, tempfile::TempDir) {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let dir = spec_dir(BASE);
    // The first plan creates everything: the bucket, two generated roles, the stream,
    // two sets and three destinations; and updates the identity's settings.
    let plan = plan_json(&emulator, dir.path());
    assert_eq!(plan["summary"]["create"], 9, "{plan:#}");
    assert_eq!(plan["summary"]["update"], 1, "the identity's settings");
    assert_reasons(
        &plan,
        &[("create", "missing_in_aws"), ("update", "differs")],
    );
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());
    (emulator, dir)
}

/// Every change of `plan` carries a `reason` (contract §7), the one `expected` pairs
/// with its action.
fn assert_reasons(plan: &Value, expected: &[(&str, &str)]) {
    let changes = plan["changes"].as_array().unwrap();
    assert!(!changes.is_empty(), "{plan:#}");
    for change in changes {
        let action = change["action"].as_str().unwrap();
        let reason = change["reason"].as_str();
        let want = expected.iter().find(|(a, _)| *a == action).map(|(_, r)| *r);
        assert!(
            reason.is_some() && reason == want,
            "{} {action}: reason {reason:?}, expected {want:?}",
            change["address"]
        );
    }
}

fn changes(plan: &Value) -> Vec<(String, String, Vec<String>)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
                c["fields"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["path"].as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// A spec edit (from, to) and the one change it must plan: (address, action, fields).
type EditCase = (
    &'static str,
    &'static str,
    (&'static str, &'static str, &'static [&'static str]),
);

#[tokio::test]
async fn each_kind_of_field_change_is_exactly_one_update() {
    let (emulator, dir) = applied_base().await;
    let cases: [EditCase; 6] = [
        (
            "reputation_metrics: true",
            "reputation_metrics: false",
            ("configuration_set.Main", "update", &["reputation_metrics"]),
        ),
        (
            "compression: GZIP",
            "compression: ZIP",
            ("firehose_stream.history", "update", &["compression"]),
        ),
        (
            "versioning: true",
            "versioning: false",
            // The noncurrent-version expiry defaults to the expiry only while versioned.
            (
                "bucket.history",
                "update",
                &["lifecycle.noncurrent_expire_after_days", "versioning"],
            ),
        ),
        (
            "events: [BOUNCE, COMPLAINT]",
            "events: [BOUNCE, COMPLAINT, DELIVERY_DELAY]",
            ("event_destination.Main.alerts", "update", &["events"]),
        ),
        (
            "feedback_forwarding: false",
            "feedback_forwarding: true",
            ("identity.example.com", "update", &["feedback_forwarding"]),
        ),
        (
            "default: none",
            "default: unknown",
            (
                "event_destination.Other.metrics",
                "update",
                &["target.cloudwatch"],
            ),
        ),
    ];
    for (from, to, (address, action, fields)) in cases {
        let text = BASE.replace(from, to);
        assert_ne!(text, BASE, "{from}");
        std::fs::write(dir.path().join("sesinfra.yaml"), &text).unwrap();
        let got = changes(&plan_json(&emulator, dir.path()));
        let fields: Vec<String> = fields.iter().map(|f| f.to_string()).collect();
        assert_eq!(
            got,
            vec![(address.to_owned(), action.to_owned(), fields)],
            "{from} -> {to}"
        );
        apply(&emulator, dir.path());
        assert_no_changes(&emulator, dir.path());
        std::fs::write(dir.path().join("sesinfra.yaml"), BASE).unwrap();
        apply(&emulator, dir.path());
    }
}

#[tokio::test]
async fn removing_a_configuration_set_or_destination_deletes_it() {
    let (emulator, dir) = applied_base().await;
    let without_alerts = BASE.replace(
        "      alerts: {events: [BOUNCE, COMPLAINT], sns: {topic_arn: \"arn:aws:sns:eu-west-1:${account_id}:alerts\"}}\n",
        "",
    );
    let without_other = without_alerts.replace(
        "  Other:\n    event_destinations:\n      metrics: {events: [SEND], cloudwatch: {dimensions: [{name: campaign, source: MESSAGE_TAG, default: none}]}}\n",
        "",
    );
    std::fs::write(dir.path().join("sesinfra.yaml"), &without_other).unwrap();
    let plan = plan_json(&emulator, dir.path());
    assert_reasons(&plan, &[("delete", "not_in_spec")]);
    let got = changes(&plan);
    let actions: Vec<(String, String)> = got.into_iter().map(|(a, act, _)| (a, act)).collect();
    assert_eq!(
        actions,
        [
            (
                "event_destination.Other.metrics".to_owned(),
                "delete".to_owned()
            ),
            (
                "event_destination.Main.alerts".to_owned(),
                "delete".to_owned()
            ),
            ("configuration_set.Other".to_owned(), "delete".to_owned()),
        ]
    );
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());
    let clients = emulator.clients().await;
    assert!(
        sesinfra::aws::sesv2::get_configuration_set(&clients, "Other")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_clashing_unowned_resource_is_refused_then_adopted() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    clients
        .sesv2
        .create_configuration_set()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    let dir = spec_dir(
        "version: 1\nstack: e2e\nregion: eu-west-1\nconfiguration_sets:\n  Main: {reputation_metrics: true}\n",
    );
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .arg("plan")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "configuration_set.Main (no sesinfra:stack tag)",
        ))
        .stderr(predicate::str::contains("sesinfra apply --adopt"));
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .assert()
        .code(1);
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes", "--adopt"])
        .assert()
        .code(0);
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn a_stale_saved_plan_is_refused() {
    let emulator = Emulator::start();
    let dir = spec_dir(
        "version: 1\nstack: e2e\nregion: eu-west-1\nconfiguration_sets:\n  Main: {reputation_metrics: true}\n",
    );
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["plan", "--out", "plan.json"])
        .assert()
        .code(0);
    // Someone creates the set by hand in the meantime.
    let clients = emulator.clients().await;
    clients
        .sesv2
        .create_configuration_set()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("stale"));
    // A fresh plan applies exactly.
    clients
        .sesv2
        .delete_configuration_set()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["plan", "--out", "plan.json"])
        .assert()
        .code(0);
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "plan.json"])
        .assert()
        .code(0);
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn destroy_leaves_only_the_retained_bucket() {
    let (emulator, dir) = applied_base().await;
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["destroy", "--yes"])
        .assert()
        .code(0);
    let clients = emulator.clients().await;
    assert!(
        sesinfra::aws::sesv2::list_configuration_sets(&clients)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        sesinfra::aws::firehose::list_delivery_streams(&clients)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        sesinfra::aws::iam::list_role_names(&clients, "/sesinfra/e2e/")
            .await
            .unwrap()
            .is_empty()
    );
    let account = sesinfra::aws::sts::account_id(&clients).await.unwrap();
    assert!(
        sesinfra::aws::s3::get_bucket(&clients, &format!("e2e-history-{account}"))
            .await
            .unwrap()
            .is_some()
    );
    let identity = sesinfra::aws::sesv2::get_identity_attributes(&clients, "example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        identity.feedback_forwarding,
        "destroy restores AWS's default"
    );
    assert_eq!(identity.default_configuration_set, None);
}

#[tokio::test]
async fn an_apply_that_fails_midway_reports_precisely_and_a_rerun_converges() {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let dir = spec_dir(BASE);
    emulator
        .faults()
        .call(Service::SesV2, "CreateConfigurationSetEventDestination")
        .error("BadRequestException")
        .queue();
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("FAILED:  create event_destination."),
        "{stdout}"
    );
    assert!(stdout.contains("BadRequestException"), "{stdout}");
    assert!(
        stdout.contains("done:    create configuration_set.Main"),
        "{stdout}"
    );
    assert!(stderr.contains("run apply again"), "{stderr}");
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn an_identity_managed_by_another_stack_is_a_clash() {
    let (emulator, _dir) = applied_base().await;
    let c = emulator.clients().await;
    let tags = c
        .sesv2
        .get_email_identity()
        .email_identity("example.com")
        .send()
        .await
        .unwrap()
        .tags
        .unwrap_or_default();
    assert!(
        tags.iter()
            .any(|t| t.key == "sesinfra:stack" && t.value == "e2e"),
        "the identity records its stack: {tags:?}"
    );
    let other =
        spec_dir("version: 1\nstack: other\nregion: eu-west-1\nidentities:\n  example.com: {}\n");
    emulator
        .sesinfra()
        .current_dir(other.path())
        .args(["apply", "--yes"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "identity.example.com (owned by stack e2e)",
        ));
}

/// Position of the first request of `operation` in the journal.
fn first(requests: &[(String, String)], operation: &str) -> usize {
    requests
        .iter()
        .position(|(_, op)| op == operation)
        .unwrap_or_else(|| panic!("no {operation} in {requests:#?}"))
}

#[tokio::test]
async fn bounces_and_complaints_stay_covered_while_apply_runs() {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    // Forwarding off relies on Main's destinations: they are written first.
    let dir = spec_dir(BASE);
    apply(&emulator, dir.path());
    let requests = emulator.requests();
    let forwarding_off = first(&requests, "PutEmailIdentityFeedbackAttributes");
    let destinations: Vec<usize> = requests
        .iter()
        .enumerate()
        .filter(|(_, (_, op))| op == "CreateConfigurationSetEventDestination")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(destinations.len(), 3, "{requests:#?}");
    assert!(
        destinations.iter().all(|&d| d < forwarding_off),
        "forwarding went off before the destinations existed: {requests:#?}"
    );
    assert!(first(&requests, "PutEmailIdentityConfigurationSetAttributes") > destinations[0]);

    // Removal: forwarding comes back on before the destinations covering bounces go.
    emulator.clear_requests();
    let without = BASE
        .replace(
            "      history: {events: all, firehose: {stream: history}}\n      alerts: {events: [BOUNCE, COMPLAINT], sns: {topic_arn: \"arn:aws:sns:eu-west-1:${account_id}:alerts\"}}\n",
            "      history: {events: [SEND], firehose: {stream: history}}\n",
        )
        .replace(
            "example.com: {default_configuration_set: Main, feedback_forwarding: false}",
            "example.com: {default_configuration_set: Main, feedback_forwarding: true}",
        );
    assert_ne!(without, BASE);
    std::fs::write(dir.path().join("sesinfra.yaml"), &without).unwrap();
    apply(&emulator, dir.path());
    let requests = emulator.requests();
    let forwarding_on = first(&requests, "PutEmailIdentityFeedbackAttributes");
    assert!(
        forwarding_on < first(&requests, "DeleteConfigurationSetEventDestination"),
        "{requests:#?}"
    );
    assert!(
        forwarding_on < first(&requests, "UpdateConfigurationSetEventDestination"),
        "{requests:#?}"
    );
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn an_identity_dropped_from_the_spec_gets_aws_defaults_back() {
    let (emulator, dir) = applied_base().await;
    let without = BASE
        .replace(
            "identities:\n  example.com: {default_configuration_set: Main, feedback_forwarding: false}\n",
            "",
        );
    assert_ne!(without, BASE);
    std::fs::write(dir.path().join("sesinfra.yaml"), &without).unwrap();
    let plan = plan_json(&emulator, dir.path());
    assert_eq!(plan["summary"]["update"], 1, "{plan:#}");
    let change = &plan["changes"][0];
    assert_eq!(change["address"], "identity.example.com");
    assert_eq!(change["reason"], "not_in_spec");
    assert_eq!(
        change["fields"],
        serde_json::json!([
            {"path": "default_configuration_set", "before": "Main", "after": null},
            {"path": "feedback_forwarding", "before": false, "after": true},
            {"path": "tags.sesinfra:stack", "before": "e2e", "after": null},
        ])
    );
    apply(&emulator, dir.path());
    let c = emulator.clients().await;
    let identity = c
        .sesv2
        .get_email_identity()
        .email_identity("example.com")
        .send()
        .await
        .unwrap();
    assert!(identity.feedback_forwarding_status);
    assert_eq!(identity.configuration_set_name, None);
    assert!(identity.tags.unwrap_or_default().is_empty());
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn access_denied_fails_at_once_naming_the_action_and_resource() {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let dir = spec_dir(BASE);
    // The same words Firehose uses while a new role propagates, but as an
    // AccessDeniedException: final. One fault only, so a retry would succeed.
    emulator
        .faults()
        .call(Service::Firehose, "CreateDeliveryStream")
        .error("AccessDeniedException")
        .message(
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: \
            firehose:CreateDeliveryStream on resource: arn:aws:firehose:eu-west-1:123456789012:\
            deliverystream/e2e-history because no identity-based policy allows the \
            firehose:CreateDeliveryStream action",
        )
        .queue();
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert_eq!(emulator.faults().queued(), 0);
    assert!(
        stdout.contains("FAILED:  create firehose_stream.history"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "may not call firehose:CreateDeliveryStream on \
             arn:aws:firehose:eu-west-1:123456789012:deliverystream/e2e-history"
        ),
        "{stdout}"
    );
}

#[tokio::test]
async fn a_no_change_apply_makes_no_write_call() {
    let (emulator, dir) = applied_base().await;
    // Every SES write sesinfra could make would consume one of these and fail.
    let writes = [
        "CreateConfigurationSet",
        "DeleteConfigurationSet",
        "PutConfigurationSetSendingOptions",
        "PutConfigurationSetReputationOptions",
        "PutConfigurationSetDeliveryOptions",
        "PutConfigurationSetTrackingOptions",
        "PutConfigurationSetSuppressionOptions",
        "TagResource",
        "UntagResource",
        "CreateConfigurationSetEventDestination",
        "UpdateConfigurationSetEventDestination",
        "DeleteConfigurationSetEventDestination",
        "PutEmailIdentityFeedbackAttributes",
        "PutEmailIdentityConfigurationSetAttributes",
    ];
    for operation in writes {
        emulator
            .faults()
            .call(Service::SesV2, operation)
            .error("BadRequestException")
            .queue();
    }
    assert_eq!(emulator.faults().queued(), writes.len());
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("No changes"));
    assert_eq!(
        emulator.faults().queued(),
        writes.len(),
        "apply made a write call"
    );
}

#[test]
fn apply_without_yes_refuses_when_stdin_is_not_a_terminal() {
    let emulator = Emulator::start();
    let dir =
        spec_dir("version: 1\nstack: e2e\nregion: eu-west-1\nconfiguration_sets:\n  Main: {}\n");
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .arg("apply")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pass --yes"));
    // Nothing was created.
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .assert()
        .code(2);
}
