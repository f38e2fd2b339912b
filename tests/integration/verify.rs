//! `sesinfra verify` end to end: the real binary sends through the real SDK to the
//! emulator, whose SES publishes the records to Firehose and S3 as AWS does
//! (`tests/emulator/sesinfra_moto/ses_events.py`). A working stack passes; a broken
//! trust condition, a disabled destination, objects under the error prefix are each
//! reported missing with their cause.

use serde_json::{Value, json};

use crate::engine::{create_identities, spec_dir};
use crate::support::Emulator;

const SPEC: &str = r#"version: 1
stack: v
region: eu-west-1
buckets:
  history: {name: "v-history-${account_id}"}
firehose_streams:
  history: {bucket: history, prefix: "ses/", compression: GZIP}
configuration_sets:
  Main:
    event_destinations:
      history: {events: all, firehose: {stream: history}}
identities:
  example.com: {default_configuration_set: Main, feedback_forwarding: false}
"#;
const BUCKET: &str = "v-history-123456789012";

/// The stack applied, its sender verified.
async fn applied(spec: &str) -> (Emulator, tempfile::TempDir) {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let dir = spec_dir(spec);
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    verified(&emulator, "example.com");
    (emulator, dir)
}

fn verified(emulator: &Emulator, identity: &str) {
    emulator.control(
        "POST",
        "ses/verified",
        Some(&json!({"identity": identity, "region": "eu-west-1"})),
    );
}

/// Runs verify with `args`; (exit code, stdout, stderr).
fn verify(emulator: &Emulator, dir: &tempfile::TempDir, args: &[&str]) -> (i32, String, String) {
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .arg("verify")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn verify_json(emulator: &Emulator, dir: &tempfile::TempDir, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--output", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = verify(emulator, dir, &all);
    let document = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\nstderr: {stderr}"));
    (code, document)
}

/// (event, recipient) of each result, in order.
fn pairs(document: &Value) -> Vec<(String, String)> {
    document["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["event"].as_str().unwrap().to_owned(),
                r["recipient"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Every cause code of the missing results.
fn causes(document: &Value) -> std::collections::BTreeSet<String> {
    document["results"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["causes"].as_array().cloned().unwrap_or_default())
        .map(|c| c["cause"].as_str().unwrap().to_owned())
        .collect()
}

const EXPECTED: [(&str, &str); 7] = [
    ("SEND", "success@simulator.amazonses.com"),
    ("DELIVERY", "success@simulator.amazonses.com"),
    ("SEND", "bounce@simulator.amazonses.com"),
    ("BOUNCE", "bounce@simulator.amazonses.com"),
    ("SEND", "complaint@simulator.amazonses.com"),
    ("DELIVERY", "complaint@simulator.amazonses.com"),
    ("COMPLAINT", "complaint@simulator.amazonses.com"),
];

fn expected_pairs() -> Vec<(String, String)> {
    EXPECTED
        .iter()
        .map(|(e, r)| ((*e).to_owned(), (*r).to_owned()))
        .collect()
}

#[tokio::test]
async fn a_working_stack_passes_with_every_record_found() {
    let (emulator, dir) = applied(SPEC).await;
    // The default timeout (300 s buffering + 120 s): every record is there at the
    // first look, so it returns at once.
    let (code, document) = verify_json(&emulator, &dir, &[]);
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["stack"], "v");
    assert_eq!(document["summary"], json!({"expected": 7, "found": 7}));
    assert_eq!(pairs(&document), expected_pairs());
    let object_prefix = format!("s3://{BUCKET}/ses/");
    for r in document["results"].as_array().unwrap() {
        assert_eq!(r["configuration_set"], "Main");
        assert_eq!(r["found"], true);
        let object = r["object"].as_str().unwrap();
        // Firehose's layout: PREFIX + yyyy/MM/dd/HH/ + STREAM-VERSION-...-UUID.gz
        let name = object
            .strip_prefix(&object_prefix)
            .unwrap_or_else(|| panic!("{object}"));
        let parts: Vec<&str> = name.split('/').collect();
        assert_eq!(parts.len(), 5, "{object}");
        assert!(
            parts[4].starts_with("v-history-1-") && parts[4].ends_with(".gz"),
            "{object}"
        );
        assert!(r["latency_seconds"].as_f64().unwrap() >= 0.0);
        assert!(!r["message_id"].as_str().unwrap().is_empty());
        assert!(r.get("causes").is_none());
    }
    // Three messages, each in its own object of SEND with its outcome records.
    let messages: std::collections::BTreeSet<&str> = document["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 3);

    // On a pipe nothing decorative: no progress bar.
    let (code, text, stderr) = verify(&emulator, &dir, &[]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert!(text.starts_with(
        "Verify of stack v: test messages from sesinfra-verify@example.com to the SES mailbox simulator.\n\nMain → history (stream v-history):\n"
    ), "{text}");
    assert_eq!(text.matches("\n  found    ").count(), 7, "{text}");
    assert!(
        text.ends_with("\nAll 7 expected event records arrived.\n"),
        "{text}"
    );
}

#[tokio::test]
async fn on_a_terminal_a_bar_counts_the_records_found() {
    let (emulator, dir) = applied(SPEC).await;
    let (code, out) = crate::terminal::under_pty(&emulator, dir.path(), "", &["verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("7/7 event records"), "{out}");
    assert!(
        out.contains("All 7 expected event records arrived."),
        "{out}"
    );
}

/// The role SES assumes for the destination, as SES has it.
async fn destination_role(emulator: &Emulator) -> String {
    let clients = emulator.clients().await;
    let out = clients
        .sesv2
        .get_configuration_set_event_destinations()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    let destination = &out.event_destinations()[0];
    let arn = destination
        .kinesis_firehose_destination()
        .unwrap()
        .iam_role_arn();
    arn.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_broken_trust_condition_fails_naming_role_trust() {
    let (emulator, dir) = applied(SPEC).await;
    let role = destination_role(&emulator).await;
    // By hand: the trust names another configuration set.
    let trust = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {
            "aws:SourceAccount": "123456789012",
            "aws:SourceArn": "arn:aws:ses:eu-west-1:123456789012:configuration-set/Other"}}}]});
    emulator
        .clients()
        .await
        .iam
        .update_assume_role_policy()
        .role_name(&role)
        .policy_document(trust.to_string())
        .send()
        .await
        .unwrap();
    let (code, document) = verify_json(&emulator, &dir, &["--timeout", "0"]);
    assert_eq!(code, 2, "{document:#}");
    assert_eq!(document["summary"], json!({"expected": 7, "found": 0}));
    assert_eq!(causes(&document), ["role_trust".to_owned()].into());
    let message = document["results"][0]["causes"][0]["message"]
        .as_str()
        .unwrap();
    assert!(
        message.contains(&role)
            && message.contains("arn:aws:ses:eu-west-1:123456789012:configuration-set/Main"),
        "{message}"
    );

    let (code, text, _) = verify(&emulator, &dir, &["--timeout", "0"]);
    assert_eq!(code, 2);
    assert_eq!(text.matches("\n  MISSING  ").count(), 7, "{text}");
    assert!(text.contains("  likely cause:\n    - role "), "{text}");
    assert!(
        text.ends_with("0 of 7 expected event records arrived within 0 s; 7 missing.\n"),
        "{text}"
    );
}

#[tokio::test]
async fn a_disabled_destination_fails_naming_it_and_error_output_is_reported() {
    let (emulator, dir) = applied(SPEC).await;
    let clients = emulator.clients().await;
    let out = clients
        .sesv2
        .get_configuration_set_event_destinations()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    let current = out.event_destinations()[0].clone();
    let definition = aws_sdk_sesv2::types::EventDestinationDefinition::builder()
        .enabled(false)
        .set_matching_event_types(Some(current.matching_event_types().to_vec()))
        .set_kinesis_firehose_destination(current.kinesis_firehose_destination().cloned())
        .build();
    clients
        .sesv2
        .update_configuration_set_event_destination()
        .configuration_set_name("Main")
        .event_destination_name("history")
        .event_destination(definition)
        .send()
        .await
        .unwrap();
    // And Firehose has written failed records under the error prefix this hour.
    let now = time::OffsetDateTime::now_utc();
    let key = format!(
        "error/processing-failed/{:04}/{:02}/{:02}/{:02}/v-history-1-failed",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour()
    );
    clients
        .s3
        .put_object()
        .bucket(BUCKET)
        .key(&key)
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();

    let (code, document) = verify_json(&emulator, &dir, &["--timeout", "0"]);
    assert_eq!(code, 2, "{document:#}");
    assert_eq!(document["summary"]["found"], 0);
    assert_eq!(
        causes(&document),
        [
            "destination_disabled".to_owned(),
            "stream_error_output".to_owned()
        ]
        .into()
    );
    let messages: Vec<&str> = document["results"][0]["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].starts_with("event destination Main.history is disabled in SES"),
        "{messages:?}"
    );
    assert!(
        messages[1].contains(&format!("s3://{BUCKET}/{key}")),
        "{messages:?}"
    );
}

#[tokio::test]
async fn only_selected_events_are_expected_and_sets_can_be_named() {
    let spec = SPEC.replace("{events: all,", "{events: [SEND, BOUNCE, COMPLAINT],");
    let (emulator, dir) = applied(&spec).await;
    let (code, document) = verify_json(&emulator, &dir, &["--configuration-set", "Main"]);
    assert_eq!(code, 0, "{document:#}");
    assert_eq!(
        pairs(&document),
        [
            ("SEND", "success@simulator.amazonses.com"),
            ("SEND", "bounce@simulator.amazonses.com"),
            ("BOUNCE", "bounce@simulator.amazonses.com"),
            ("SEND", "complaint@simulator.amazonses.com"),
            ("COMPLAINT", "complaint@simulator.amazonses.com"),
        ]
        .map(|(e, r)| (e.to_owned(), r.to_owned()))
    );
    let (code, stdout, stderr) = verify(&emulator, &dir, &["--configuration-set", "Nope"]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("configuration set Nope is not in the spec"),
        "{stderr}"
    );
}

#[tokio::test]
async fn without_a_verified_sender_nothing_is_sent() {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let dir = spec_dir(SPEC);
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success());
    emulator.clear_requests();
    let (code, stdout, stderr) = verify(&emulator, &dir, &[]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert!(
        stderr.contains("none of the spec's identities is verified for sending in SES (example.com: not verified)"),
        "{stderr}"
    );
    assert!(
        !emulator
            .requests()
            .iter()
            .any(|(_, operation)| operation == "SendEmail"),
        "sent without a verified sender"
    );
}
