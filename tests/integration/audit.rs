//! `sesinfra audit` end to end: the seed blog post's hand-made pipeline raises every
//! finding it should, in text, JSON and markdown; a pipeline sesinfra made has none.

use serde_json::Value;

use crate::seed::{self, run};
use crate::support::Emulator;

#[tokio::test]
async fn the_seed_setup_raises_every_finding_it_should() {
    let emulator = Emulator::start();
    seed::build(&emulator).await;
    let dir = tempfile::tempdir().unwrap();

    let (code, stdout, stderr) = run(&emulator, dir.path(), &["audit", "--output", "json"]);
    assert_eq!(code, 2, "findings exit 2:\n{stdout}\n{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("audit JSON");
    assert_eq!(doc["format_version"], 1);
    let findings: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}",
                f["severity"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["address"].as_str().unwrap()
            )
        })
        .collect();
    // S3 encrypts every bucket with SSE-S3 since January 2023 and says so (the
    // emulator as well), so the seed's bucket raises no `bucket_unencrypted`; the
    // rule's unit tests cover a bucket that states no encryption.
    assert_eq!(
        findings,
        [
            "high bucket_public_access bucket.ses-history-123456789012-eu-west-1",
            "high permissions_too_wide iam_role.ses-firehose-history",
            "high trust_without_condition iam_role.firehose-ses-history",
            "medium permissions_too_wide iam_role.ses-firehose-history",
            "low delivery_delay_missing event_destination.ses-history.firehose",
            "low feedback_duplicated identity.example.com",
            "low feedback_duplicated identity.example.com",
        ],
        "{stdout}"
    );
    for f in doc["findings"].as_array().unwrap() {
        assert!(!f["message"].as_str().unwrap().is_empty());
        assert!(!f["fix"].as_str().unwrap().is_empty());
    }
    let wide = &doc["findings"][1];
    assert!(
        wide["message"].as_str().unwrap().contains("firehose:*"),
        "{wide}"
    );

    let (code, text, _) = run(&emulator, dir.path(), &["audit"]);
    assert_eq!(code, 2);
    assert!(
        text.contains("7 findings: 3 high, 1 medium, 3 low."),
        "{text}"
    );
    assert!(text.contains("fix: "), "{text}");
    let (code, markdown, _) = run(&emulator, dir.path(), &["audit", "--output", "markdown"]);
    assert_eq!(code, 2);
    assert_eq!(
        markdown.lines().filter(|l| l.starts_with("| high")).count(),
        3,
        "{markdown}"
    );
}

#[tokio::test]
async fn audit_reads_only_and_findings_name_the_spec_change_after_adoption() {
    let emulator = Emulator::start();
    seed::build(&emulator).await;
    let dir = tempfile::tempdir().unwrap();
    emulator.clear_requests();
    let (code, _, stderr) = run(&emulator, dir.path(), &["audit"]);
    assert_eq!(code, 2, "{stderr}");
    // Read-only: no call that writes.
    let writes: Vec<(String, String)> = emulator
        .requests()
        .into_iter()
        .filter(|(_, op)| {
            [
                "Create", "Put", "Update", "Delete", "Tag", "Untag", "Attach",
            ]
            .iter()
            .any(|w| op.starts_with(w))
        })
        .collect();
    assert_eq!(writes, Vec::<(String, String)>::new());

    // Adopted into a stack: the fixes name that stack's spec.
    let (code, spec, stderr) = run(&emulator, dir.path(), &["export", "--new-stack", "blog"]);
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(dir.path().join("sesinfra.yaml"), spec).unwrap();
    let (code, out, err) = run(&emulator, dir.path(), &["apply", "--adopt", "--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, stdout, _) = run(&emulator, dir.path(), &["audit", "--output", "json"]);
    assert_eq!(code, 2);
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    let fix = |rule: &str| -> String {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["fix"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("no {rule} in {stdout}"))
    };
    assert_eq!(
        fix("delivery_delay_missing"),
        "in stack blog's spec: configuration_sets.ses-history.event_destinations.firehose.events: all (or add DELIVERY_DELAY to the list)"
    );
    assert!(
        fix("permissions_too_wide").contains(
            "stack blog: configuration_sets.ses-history.event_destinations.firehose.firehose.role: auto"
        ),
        "{stdout}"
    );
    assert_eq!(
        fix("bucket_public_access"),
        "in stack blog's spec: buckets.ses-history.block_public_access: true"
    );
}

#[tokio::test]
async fn a_pipeline_sesinfra_made_has_no_findings() {
    let emulator = Emulator::start();
    let clients = emulator.clients_in("eu-west-1").await;
    clients
        .sesv2
        .create_email_identity()
        .email_identity("example.com")
        .send()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spec = crate::support::repo().join("examples/send-history.yaml");
    let spec = spec.display().to_string();
    let (code, out, err) = run(&emulator, dir.path(), &["apply", "--yes", "-f", &spec]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, stdout, stderr) = run(&emulator, dir.path(), &["audit"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.starts_with("No findings."), "{stdout}");
}

/// The third way SES delivers bounces and complaints: an identity's SNS topics, set
/// through the SES v1 API on identities made through SES v2.
#[tokio::test]
async fn sns_topics_set_through_ses_v1_count_as_receiving_feedback() {
    use aws_sdk_ses::types::NotificationType;

    let emulator = Emulator::start();
    let clients = emulator.clients_in(seed::REGION).await;
    let topic = |name: &str| format!("arn:aws:sns:{}:{}:{name}", seed::REGION, seed::ACCOUNT);
    let set_topic = |identity: &'static str, kind: NotificationType, arn: String| {
        clients
            .ses_v1
            .set_identity_notification_topic()
            .identity(identity)
            .notification_type(kind)
            .sns_topic(arn)
            .send()
    };
    for identity in ["by-sns.example.com", "twice.example.com"] {
        clients
            .sesv2
            .create_email_identity()
            .email_identity(identity)
            .send()
            .await
            .unwrap();
    }
    // Forwarding off, no default configuration set, no event destination: only the
    // SNS topics deliver its bounces and complaints.
    set_topic(
        "by-sns.example.com",
        NotificationType::Bounce,
        topic("bounces"),
    )
    .await
    .unwrap();
    set_topic(
        "by-sns.example.com",
        NotificationType::Complaint,
        topic("complaints"),
    )
    .await
    .unwrap();
    clients
        .sesv2
        .put_email_identity_feedback_attributes()
        .email_identity("by-sns.example.com")
        .email_forwarding_enabled(false)
        .send()
        .await
        .unwrap();
    // Forwarding on (AWS's default) and a bounce topic: every bounce arrives twice.
    set_topic(
        "twice.example.com",
        NotificationType::Bounce,
        topic("bounces"),
    )
    .await
    .unwrap();

    let dir = tempfile::tempdir().unwrap();
    emulator.clear_requests();
    let (code, stdout, stderr) = run(&emulator, dir.path(), &["audit", "--output", "json"]);
    assert_eq!(code, 2, "findings exit 2:\n{stdout}\n{stderr}");
    let doc: Value = serde_json::from_str(&stdout).expect("audit JSON");
    let findings: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {} {}", f["rule"], f["address"], f["message"]))
        .collect();
    assert_eq!(
        findings,
        [format!(
            "\"feedback_duplicated\" \"identity.twice.example.com\" \"receives every one of its \
             bounces 2 times: through email feedback forwarding and SNS topic {}\"",
            topic("bounces")
        )],
        "{stdout}"
    );
    // Both identities' topics in one call.
    let reads = emulator
        .requests()
        .into_iter()
        .filter(|(_, op)| op == "GetIdentityNotificationAttributes")
        .count();
    assert_eq!(reads, 1);
}
