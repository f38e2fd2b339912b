//! A real, shared account: other teams' resources of every kind never break or slow a
//! command, the stack's orphans are still found, and Firehose streams in every state
//! are handled. The binary against the emulator; call counts from its request journal.

use std::collections::BTreeMap;

use predicates::prelude::*;
use serde_json::{Value, json};

use crate::support::{Emulator, Service};

const SPEC: &str = r#"version: 1
stack: e2e
region: eu-west-1
buckets:
  history: {name: "e2e-history-${account_id}"}
firehose_streams:
  history: {bucket: history}
  archive: {bucket: history, prefix: "archive/"}
configuration_sets:
  Main:
    event_destinations:
      history: {events: all, firehose: {stream: history}}
  Old:
    event_destinations:
      archive: {events: [SEND], firehose: {stream: archive}}
"#;

/// SPEC without the `archive` stream and the `Old` set (and so their roles).
fn spec_without_archive() -> String {
    SPEC.replace("  archive: {bucket: history, prefix: \"archive/\"}\n", "")
        .replace(
            "  Old:\n    event_destinations:\n      archive: {events: [SEND], firehose: {stream: archive}}\n",
            "",
        )
}

fn dir_with(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_spec(&dir, text);
    dir
}

fn write_spec(dir: &tempfile::TempDir, text: &str) {
    std::fs::write(dir.path().join("sesinfra.yaml"), text).unwrap();
}

fn run(emulator: &Emulator, dir: &tempfile::TempDir, args: &[&str]) -> (i32, String, String) {
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn plan(emulator: &Emulator, dir: &tempfile::TempDir) -> Value {
    let (code, stdout, stderr) = run(emulator, dir, &["plan", "--output", "json"]);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("plan JSON")
}

fn apply(emulator: &Emulator, dir: &tempfile::TempDir) {
    let (code, stdout, stderr) = run(emulator, dir, &["apply", "--yes"]);
    assert_eq!(code, 0, "apply failed:\n{stdout}\n{stderr}");
}

fn assert_no_changes(emulator: &Emulator, dir: &tempfile::TempDir) {
    let (code, stdout, stderr) = run(emulator, dir, &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(stdout.contains("No changes"), "{stdout}");
}

/// (address, action, reason) of each change.
fn actions(plan: &Value) -> Vec<(String, String, Option<String>)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
                c["reason"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Calls per (service, operation): the journal without its order, which concurrent
/// reads do not fix.
fn counts(requests: &[(String, String)]) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for r in requests {
        *out.entry(r.clone()).or_insert(0) += 1;
    }
    out
}

/// Other teams' resources: streams of every destination kind (and two that are not
/// Direct PUT), untagged configuration sets, roles, and another stack's resources.
fn populate(emulator: &Emulator, streams: usize, sets: usize, roles: usize) {
    let out = emulator.control(
        "POST",
        "population",
        Some(&json!({"region": "eu-west-1", "streams": streams, "configuration_sets": sets, "roles": roles})),
    );
    assert_eq!(out["roles"].as_array().unwrap().len(), roles);
    emulator.control(
        "POST",
        "population",
        Some(
            &json!({"region": "eu-west-1", "prefix": "other-stack", "streams": 8,
                      "configuration_sets": 3, "roles": 3, "tags": {"sesinfra:stack": "other"}}),
        ),
    );
    for (name, source) in [("foreign-kinesis", "kinesis"), ("foreign-msk", "msk")] {
        emulator.control(
            "POST",
            "firehose/streams",
            Some(&json!({"region": "eu-west-1", "name": name, "destination": "http_endpoint", "source": source})),
        );
    }
}

/// GetAccountAuthorizationDetails pages (1,000 roles each) for `roles` roles.
fn details_pages(roles: usize) -> usize {
    roles.div_ceil(1000).max(1)
}

#[tokio::test]
async fn plan_costs_the_same_calls_with_thousands_of_foreign_resources() {
    let emulator = Emulator::start();
    let dir = dir_with(SPEC);
    apply(&emulator, &dir);

    emulator.clear_requests();
    assert_no_changes(&emulator, &dir);
    let alone = emulator.requests();

    populate(&emulator, 200, 200, 2000);
    emulator.clear_requests();
    assert_no_changes(&emulator, &dir);
    let shared = emulator.requests();

    // The one call that grows with the account: IAM's bulk read of every role's
    // policies, one page per 1,000 roles (IAM's quota: 1,000 roles by default, 5,000 at
    // most, so at most five pages). The stack has 4 roles; the population adds 2,000
    // foreign ones and 3 of another stack.
    let details = (
        "iam".to_owned(),
        "GetAccountAuthorizationDetails".to_owned(),
    );
    let (mut alone, mut shared) = (counts(&alone), counts(&shared));
    assert_eq!(alone.remove(&details), Some(details_pages(4)));
    assert_eq!(shared.remove(&details), Some(details_pages(4 + 2000 + 3)));
    assert_eq!(details_pages(4 + 2000 + 3), 3);
    // Everything else costs the same, however many foreign resources there are.
    assert_eq!(alone, shared);
    // Discovery is one GetResources page and one ListRoles page; nothing lists the
    // account's streams or sets.
    let by_op = shared;
    let n = |s: &str, o: &str| by_op.get(&(s.to_owned(), o.to_owned())).copied();
    assert_eq!(n("resourcegroupstaggingapi", "GetResources"), Some(1));
    assert_eq!(n("iam", "ListRoles"), Some(1));
    assert_eq!(n("iam", "GetRole"), None);
    assert_eq!(n("firehose", "ListDeliveryStreams"), None);
    assert_eq!(n("sesv2", "ListConfigurationSets"), None);
    assert_eq!(
        n("firehose", "DescribeDeliveryStream"),
        Some(2),
        "{by_op:?}"
    );
}

#[tokio::test]
async fn orphans_of_the_stack_are_found_among_foreign_resources() {
    let emulator = Emulator::start();
    let dir = dir_with(SPEC);
    apply(&emulator, &dir);
    populate(&emulator, 16, 20, 50);

    write_spec(&dir, &spec_without_archive());
    let got = actions(&plan(&emulator, &dir));
    let deletes: Vec<&str> = got
        .iter()
        .filter(|(_, action, _)| action == "delete")
        .map(|(address, _, _)| address.as_str())
        .collect();
    assert_eq!(
        deletes,
        [
            "event_destination.Old.archive",
            "configuration_set.Old",
            "firehose_stream.archive",
            "iam_role.e2e-ses-archive",
            "iam_role.e2e-firehose-archive",
        ],
        "{got:?}"
    );
    assert_eq!(got.len(), deletes.len(), "{got:?}");
    apply(&emulator, &dir);
    assert_no_changes(&emulator, &dir);

    // Foreign resources are untouched.
    let clients = emulator.clients().await;
    let streams = sesinfra::aws::firehose::list_delivery_streams(&clients)
        .await
        .unwrap();
    assert_eq!(streams.len(), 16 + 8 + 2 + 1, "{streams:?}");
    assert!(
        sesinfra::aws::iam::get_role(&clients, "foreign-role-00049")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_generated_role_at_the_root_path_is_replaced_under_the_stack_path() {
    let emulator = Emulator::start();
    let dir = dir_with(&spec_without_archive());
    apply(&emulator, &dir);
    // What an older sesinfra made: the stream's role at path "/".
    let clients = emulator.clients().await;
    let name = "e2e-firehose-history";
    let mut legacy = sesinfra::aws::iam::get_role(&clients, name)
        .await
        .unwrap()
        .unwrap();
    sesinfra::aws::iam::delete_role(&clients, name)
        .await
        .unwrap();
    legacy.path = "/".to_owned();
    let legacy_arn = sesinfra::aws::iam::create_role(&clients, &legacy)
        .await
        .unwrap();
    let stream = sesinfra::aws::firehose::get_delivery_stream(&clients, "e2e-history")
        .await
        .unwrap()
        .unwrap();
    let mut pointed = stream.clone();
    pointed.role_arn = legacy_arn;
    sesinfra::aws::firehose::update_delivery_stream(&clients, &stream, &pointed)
        .await
        .unwrap();

    let plan = plan(&emulator, &dir);
    assert_eq!(
        actions(&plan),
        [
            (
                format!("iam_role.{name}"),
                "replace".to_owned(),
                Some("outside_stack_path".to_owned())
            ),
            (
                "firehose_stream.history".to_owned(),
                "update".to_owned(),
                Some("differs".to_owned())
            ),
        ]
    );
    assert_eq!(plan["changes"][0]["fields"][0]["path"], "path");
    apply(&emulator, &dir);
    assert_no_changes(&emulator, &dir);
    let role = sesinfra::aws::iam::get_role(&clients, name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(role.path, "/sesinfra/e2e/");
}

/// A spec with one stream and nothing else (its role and bucket).
const ONE_STREAM: &str = r#"version: 1
stack: e2e
region: eu-west-1
buckets:
  history: {name: "e2e-history-${account_id}"}
firehose_streams:
  history: {bucket: history}
"#;

fn set_status(emulator: &Emulator, status: &str) {
    emulator.control(
        "POST",
        "firehose/status",
        Some(&json!({"region": "eu-west-1", "name": "e2e-history", "status": status})),
    );
}

#[tokio::test]
async fn failed_streams_are_replaced_with_the_state_as_the_reason() {
    let emulator = Emulator::start();
    let dir = dir_with(ONE_STREAM);
    apply(&emulator, &dir);
    for (status, reason, words) in [
        (
            "CREATING_FAILED",
            "creating_failed",
            "Firehose failed to create it",
        ),
        ("DELETING_FAILED", "deleting_failed", "a deletion failed"),
    ] {
        set_status(&emulator, status);
        let got = actions(&plan(&emulator, &dir));
        assert_eq!(
            got,
            [(
                "firehose_stream.history".to_owned(),
                "replace".to_owned(),
                Some(reason.to_owned())
            )]
        );
        let (code, text, _) = run(&emulator, &dir, &["plan", "--no-color"]);
        assert_eq!(code, 0);
        assert!(text.contains(words), "{text}");
        // DELETING_FAILED goes only with a forced delete (the emulator enforces it).
        apply(&emulator, &dir);
        assert_no_changes(&emulator, &dir);
        let deletes = emulator
            .requests()
            .iter()
            .filter(|r| r.1 == "DeleteDeliveryStream")
            .count();
        assert!(deletes >= 1);
        emulator.clear_requests();
    }
}

#[tokio::test]
async fn a_stream_still_creating_is_waited_for_before_it_is_read() {
    let emulator = Emulator::start();
    let dir = dir_with(ONE_STREAM);
    apply(&emulator, &dir);
    // CREATING for one more describe, then ACTIVE.
    emulator.control(
        "POST",
        "firehose/status",
        Some(&json!({"region": "eu-west-1", "name": "e2e-history", "status": "CREATING", "describes": 1})),
    );
    emulator.clear_requests();
    assert_no_changes(&emulator, &dir);
    let describes = emulator
        .requests()
        .iter()
        .filter(|r| r.1 == "DescribeDeliveryStream")
        .count();
    // The first sees CREATING, the wait's poll sees ACTIVE, the read after it reads.
    assert_eq!(describes, 3);
}

#[tokio::test]
async fn streams_sesinfra_cannot_manage_are_refused_with_what_to_do() {
    for (destination, source, says) in [
        (
            "http_endpoint",
            "direct_put",
            "delivers to an HTTP endpoint",
        ),
        ("splunk", "direct_put", "delivers to Splunk"),
        ("extended_s3", "kinesis", "reads from a Kinesis data stream"),
        ("extended_s3", "msk", "reads from an Amazon MSK topic"),
    ] {
        let emulator = Emulator::start();
        emulator.control(
            "POST",
            "firehose/streams",
            Some(&json!({"region": "eu-west-1", "name": "e2e-history",
                          "destination": destination, "source": source})),
        );
        let dir = dir_with(ONE_STREAM);
        emulator
            .sesinfra()
            .current_dir(dir.path())
            .arg("plan")
            .assert()
            .code(1)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("another `name:`"));
    }
}

#[tokio::test]
async fn throttling_while_waiting_for_active_never_sends_the_create_again() {
    let emulator = Emulator::start();
    let dir = dir_with(ONE_STREAM);
    // Once the create was sent, five throttled describes in a row: more than the SDK
    // retries by itself, so sesinfra's own code sees the throttling.
    emulator
        .faults()
        .call(Service::Firehose, "DescribeDeliveryStream")
        .error("ThrottlingException")
        .count(5)
        .after("CreateDeliveryStream")
        .queue();
    apply(&emulator, &dir);
    let creates = emulator
        .requests()
        .iter()
        .filter(|r| r.1 == "CreateDeliveryStream")
        .count();
    assert_eq!(creates, 1);
    assert_eq!(emulator.faults().queued(), 0);
    assert_no_changes(&emulator, &dir);
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_not_an_error() {
    // The service acts on the create, but its answer never arrives: the SDK sends the
    // create again and hears that the resource exists.
    // (service, operation, error, calls: one per resource of the kind, plus the retry)
    for (service, operation, error, calls) in [
        (
            Service::Firehose,
            "CreateDeliveryStream",
            "InternalFailure",
            2,
        ),
        (Service::Iam, "CreateRole", "ServiceFailure", 3),
        (
            Service::SesV2,
            "CreateConfigurationSet",
            "InternalServiceErrorException",
            2,
        ),
        (
            Service::SesV2,
            "CreateConfigurationSetEventDestination",
            "InternalServiceErrorException",
            2,
        ),
    ] {
        let emulator = Emulator::start();
        let dir = dir_with(&spec_without_archive());
        emulator
            .faults()
            .call(service, operation)
            .error(error)
            .status(500)
            .lost()
            .queue();
        apply(&emulator, &dir);
        let creates = emulator
            .requests()
            .iter()
            .filter(|r| r.1 == operation)
            .count();
        assert_eq!(creates, calls, "{operation}");
        assert_eq!(emulator.faults().queued(), 0, "{operation}");
        assert_no_changes(&emulator, &dir);
    }
}
