//! Drift detection end to end: apply, change AWS behind sesinfra's back through the
//! SDK, and `drift` must report exactly that (exit 2); `apply` restores the spec and
//! `drift` is quiet again (exit 0).

use aws_sdk_sesv2::types::{
    EventDestinationDefinition, EventType, SnsDestination, SuppressionListReason, TlsPolicy,
};
use serde_json::{Value, json};

use crate::engine::{applied_base, apply};
use crate::support::Emulator;

fn drift(emulator: &Emulator, dir: &std::path::Path, format: &str) -> (i32, String) {
    let out = emulator
        .sesinfra()
        .current_dir(dir)
        .args(["drift", "--output", format])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 2,
        "drift failed ({code}):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (code, stdout)
}

fn drift_changes(emulator: &Emulator, dir: &std::path::Path) -> Value {
    let (code, stdout) = drift(emulator, dir, "json");
    assert_eq!(code, 2, "no drift found:\n{stdout}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    doc["changes"].clone()
}

/// After the drift is reported: apply repairs it and drift is quiet.
fn repaired(emulator: &Emulator, dir: &std::path::Path) {
    apply(emulator, dir);
    let (code, stdout) = drift(emulator, dir, "text");
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("No drift"), "{stdout}");
}

#[tokio::test]
async fn no_drift_right_after_apply() {
    let (emulator, dir) = applied_base().await;
    let (code, stdout) = drift(&emulator, dir.path(), "json");
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["changes"], json!([]));
    assert_eq!(
        doc["summary"],
        json!({"create": 0, "update": 0, "replace": 0, "delete": 0})
    );
}

#[tokio::test]
async fn configuration_set_options_changed_by_hand() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    let set = "Main";
    c.sesv2
        .put_configuration_set_sending_options()
        .configuration_set_name(set)
        .sending_enabled(false)
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_delivery_options()
        .configuration_set_name(set)
        .tls_policy(TlsPolicy::Require)
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_reputation_options()
        .configuration_set_name(set)
        .reputation_metrics_enabled(false)
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_tracking_options()
        .configuration_set_name(set)
        .custom_redirect_domain("click.evil.example")
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_suppression_options()
        .configuration_set_name(set)
        .suppressed_reasons(SuppressionListReason::Bounce)
        .send()
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([{
            "address": "configuration_set.Main",
            "type": "configuration_set",
            "name": "Main",
            "action": "update",
            "reason": "differs",
            "fields": [
                {"path": "delivery.tls_policy", "before": "REQUIRE", "after": "OPTIONAL"},
                {"path": "reputation_metrics", "before": false, "after": true},
                {"path": "sending_enabled", "before": false, "after": true},
                {"path": "suppression.reasons", "before": ["BOUNCE"], "after": null},
                {"path": "tracking.custom_redirect_domain", "before": "click.evil.example", "after": null},
                {"path": "tracking.https_policy", "before": "OPTIONAL", "after": null}
            ]
        }])
    );
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn event_destination_disabled_retargeted_and_trimmed_by_hand() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    let account = sesinfra::aws::sts::account_id(&c).await.unwrap();
    let definition = EventDestinationDefinition::builder()
        .enabled(false)
        .matching_event_types(EventType::Bounce)
        .sns_destination(
            SnsDestination::builder()
                .topic_arn(format!("arn:aws:sns:eu-west-1:{account}:elsewhere"))
                .build()
                .unwrap(),
        )
        .build();
    c.sesv2
        .update_configuration_set_event_destination()
        .configuration_set_name("Main")
        .event_destination_name("alerts")
        .event_destination(definition)
        .send()
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([{
            "address": "event_destination.Main.alerts",
            "type": "event_destination",
            "name": "Main.alerts",
            "action": "update",
            "reason": "differs",
            "fields": [
                {"path": "enabled", "before": false, "after": true},
                {"path": "events", "before": ["BOUNCE"], "after": ["BOUNCE", "COMPLAINT"]},
                {"path": "target.sns",
                 "before": {"topic_arn": format!("arn:aws:sns:eu-west-1:{account}:elsewhere")},
                 "after": {"topic_arn": format!("arn:aws:sns:eu-west-1:{account}:alerts")}}
            ]
        }])
    );
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn delivery_delay_dropped_by_hand() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    // The history destination publishes every type; keep all but DELIVERY_DELAY.
    let current = sesinfra::aws::sesv2::get_event_destinations(&c, "Main")
        .await
        .unwrap();
    let history = current
        .iter()
        .find(|d| d.name == "history")
        .unwrap()
        .clone();
    let mut trimmed = history.clone();
    trimmed
        .events
        .remove(&sesinfra::resources::EventType::DeliveryDelay);
    sesinfra::aws::sesv2::update_event_destination(&c, &history, &trimmed)
        .await
        .unwrap();
    let changes = drift_changes(&emulator, dir.path());
    assert_eq!(changes.as_array().unwrap().len(), 1);
    assert_eq!(changes[0]["address"], "event_destination.Main.history");
    assert_eq!(changes[0]["fields"][0]["path"], "events");
    let after = changes[0]["fields"][0]["after"].as_array().unwrap();
    let before = changes[0]["fields"][0]["before"].as_array().unwrap();
    assert!(after.contains(&json!("DELIVERY_DELAY")) && !before.contains(&json!("DELIVERY_DELAY")));
    assert_eq!(after.len(), 10);
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn an_extra_destination_added_by_hand_is_drift() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    let account = sesinfra::aws::sts::account_id(&c).await.unwrap();
    c.sesv2
        .create_configuration_set_event_destination()
        .configuration_set_name("Main")
        .event_destination_name("sneaky")
        .event_destination(
            EventDestinationDefinition::builder()
                .enabled(true)
                .matching_event_types(EventType::Send)
                .sns_destination(
                    SnsDestination::builder()
                        .topic_arn(format!("arn:aws:sns:eu-west-1:{account}:copy"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let changes = drift_changes(&emulator, dir.path());
    assert_eq!(changes.as_array().unwrap().len(), 1);
    assert_eq!(changes[0]["address"], "event_destination.Main.sneaky");
    assert_eq!(changes[0]["action"], "delete");
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn a_managed_resource_deleted_by_hand_is_drift() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    c.sesv2
        .delete_configuration_set()
        .configuration_set_name("Other")
        .send()
        .await
        .unwrap();
    let changes = drift_changes(&emulator, dir.path());
    let items: Vec<(&str, &str)> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap(),
                c["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("configuration_set.Other", "create"),
            ("event_destination.Other.metrics", "create")
        ]
    );
    let (_, text) = drift(&emulator, dir.path(), "text");
    assert!(
        text.contains("configuration_set.Other: missing in AWS\n"),
        "{text}"
    );
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn a_generated_role_whose_trust_conditions_were_removed_is_a_security_regression() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    let open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ses.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    c.iam
        .update_assume_role_policy()
        .role_name("e2e-ses-history")
        .policy_document(open)
        .send()
        .await
        .unwrap();
    let (code, json) = drift(&emulator, dir.path(), "json");
    assert_eq!(code, 2, "{json}");
    let doc: Value = serde_json::from_str(&json).unwrap();
    let changes = &doc["changes"];
    assert_eq!(changes.as_array().unwrap().len(), 1);
    assert_eq!(changes[0]["address"], "iam_role.e2e-ses-history");
    assert_eq!(changes[0]["reason"], "differs");
    assert_eq!(changes[0]["fields"][0]["path"], "trust_policy");
    // The JSON document carries the regression as a `security` diagnostic (contract
    // §7), and text and markdown print the same message.
    let diagnostics = doc["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(diagnostics.len(), 1, "{doc:#}");
    assert_eq!(diagnostics[0]["severity"], "security");
    assert_eq!(diagnostics[0]["address"], "iam_role.e2e-ses-history");
    let message = diagnostics[0]["message"].as_str().unwrap();
    assert!(
        message.contains("aws:sourceaccount, aws:sourcearn"),
        "{message}"
    );
    let (_, text) = drift(&emulator, dir.path(), "text");
    assert!(
        text.contains(&format!(
            "\nSecurity (iam_role.e2e-ses-history): {message}\n"
        )),
        "{text}"
    );
    let (_, markdown) = drift(&emulator, dir.path(), "markdown");
    assert!(
        markdown.contains(&format!(
            "> **Security** (`iam_role.e2e-ses-history`): {message}\n"
        )),
        "{markdown}"
    );
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn a_managed_policy_attached_by_hand_is_a_security_regression_and_detached() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    // A customer managed policy: the emulator does not load AWS's own.
    let wide = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"firehose:*","Resource":"*"}]}"#;
    let admin = c
        .iam
        .create_policy()
        .policy_name("firehose-everything")
        .policy_document(wide)
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    let admin = admin.as_str();
    c.iam
        .attach_role_policy()
        .role_name("e2e-firehose-history")
        .policy_arn(admin)
        .send()
        .await
        .unwrap();
    let changes = drift_changes(&emulator, dir.path());
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes:#}");
    assert_eq!(changes[0]["address"], "iam_role.e2e-firehose-history");
    assert_eq!(changes[0]["action"], "update");
    assert_eq!(
        changes[0]["fields"],
        json!([{"path": "attached_policies", "before": [admin], "after": null}])
    );
    for format in ["text", "markdown", "json"] {
        let (_, out) = drift(&emulator, dir.path(), format);
        assert!(
            out.contains(&format!("managed policy {admin} attached outside sesinfra")),
            "{out}"
        );
        assert!(
            out.contains("Security") || out.contains("\"security\""),
            "{out}"
        );
    }
    repaired(&emulator, dir.path());
    let attached = c
        .iam
        .list_attached_role_policies()
        .role_name("e2e-firehose-history")
        .send()
        .await
        .unwrap();
    assert!(attached.attached_policies().is_empty());
}

#[tokio::test]
async fn stream_buffering_prefix_and_compression_changed_by_hand() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    let name = "e2e-history";
    let current = sesinfra::aws::firehose::get_delivery_stream(&c, name)
        .await
        .unwrap()
        .unwrap();
    let mut changed = current.clone();
    changed.buffer_size_mb = 64;
    changed.prefix = "other/".into();
    changed.compression = sesinfra::resources::Compression::Uncompressed;
    sesinfra::aws::firehose::update_delivery_stream(&c, &current, &changed)
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([{
            "address": "firehose_stream.history",
            "type": "firehose_stream",
            "name": "history",
            "action": "update",
            "reason": "differs",
            "fields": [
                {"path": "buffering.size_mb", "before": 64, "after": 5},
                {"path": "compression", "before": "UNCOMPRESSED", "after": "GZIP"},
                {"path": "prefix", "before": "other/", "after": "ses/"}
            ]
        }])
    );
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn identity_settings_changed_by_hand() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    c.sesv2
        .put_email_identity_feedback_attributes()
        .email_identity("example.com")
        .email_forwarding_enabled(true)
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_email_identity_configuration_set_attributes()
        .email_identity("example.com")
        .configuration_set_name("Other")
        .send()
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([{
            "address": "identity.example.com",
            "type": "identity",
            "name": "example.com",
            "action": "update",
            "reason": "differs",
            "fields": [
                {"path": "default_configuration_set", "before": "Other", "after": "Main"},
                {"path": "feedback_forwarding", "before": true, "after": false}
            ]
        }])
    );
    repaired(&emulator, dir.path());
}

#[tokio::test]
async fn a_removed_stack_tag_is_drift() {
    let (emulator, dir) = applied_base().await;
    let c = emulator.clients().await;
    let account = sesinfra::aws::sts::account_id(&c).await.unwrap();
    c.sesv2
        .untag_resource()
        .resource_arn(format!(
            "arn:aws:ses:eu-west-1:{account}:configuration-set/Main"
        ))
        .tag_keys("sesinfra:stack")
        .send()
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([{
            "address": "configuration_set.Main",
            "type": "configuration_set",
            "name": "Main",
            "action": "update",
            "reason": "differs",
            "fields": [{"path": "tags.sesinfra:stack", "before": null, "after": "e2e"}]
        }])
    );
    // The resource no longer proves it is ours: taking it back needs --adopt.
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes", "--adopt"])
        .assert()
        .code(0);
    let (code, _) = drift(&emulator, dir.path(), "text");
    assert_eq!(code, 0);
}
