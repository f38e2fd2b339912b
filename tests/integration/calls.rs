//! The fewest calls: the reference stack's plan reads each thing once (at most 16 read
//! calls, STS and orphan discovery included), and a no-change apply writes nothing.
//! Counted by the emulator's request journal.

use std::collections::BTreeMap;

use crate::engine::{apply, assert_no_changes, spec_dir};
use crate::support::{Emulator, Service};

/// The reference stack of issue #10: one configuration set with three destinations
/// (Firehose, SNS, CloudWatch), one stream, the two generated roles, one bucket and
/// one identity.
pub const REFERENCE: &str = r#"version: 1
stack: ref
region: eu-west-1
buckets:
  history: {name: "ref-history-${account_id}", versioning: true, lifecycle: {expire_after_days: 30}, deletion_policy: retain}
firehose_streams:
  history: {bucket: history, prefix: "ses/", compression: GZIP}
configuration_sets:
  Main:
    reputation_metrics: true
    event_destinations:
      history: {events: all, firehose: {stream: history}}
      alerts: {events: [BOUNCE, COMPLAINT], sns: {topic_arn: "arn:aws:sns:eu-west-1:${account_id}:alerts"}}
      metrics: {events: [SEND], cloudwatch: {dimensions: [{name: campaign, source: MESSAGE_TAG, default: none}]}}
identities:
  example.com: {default_configuration_set: Main, feedback_forwarding: false}
"#;

/// Calls per service.
fn per_service(requests: &[(String, String)]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (service, _) in requests {
        *out.entry(service.clone()).or_insert(0) += 1;
    }
    out
}

async fn applied_reference() -> (Emulator, tempfile::TempDir) {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    clients
        .sesv2
        .create_email_identity()
        .email_identity("example.com")
        .send()
        .await
        .expect("create identity");
    let dir = spec_dir(REFERENCE);
    apply(&emulator, dir.path());
    (emulator, dir)
}

/// Whether an operation only reads (drift of hand-attached managed policies through the
/// bulk IAM read is covered in `drift.rs`).
fn is_read(operation: &str) -> bool {
    ["Get", "List", "Describe", "Head"]
        .iter()
        .any(|verb| operation.starts_with(verb))
}

#[tokio::test]
async fn the_reference_plan_makes_at_most_16_reads_each_thing_read_once() {
    let (emulator, dir) = applied_reference().await;
    emulator.clear_requests();
    assert_no_changes(&emulator, dir.path());
    let requests = emulator.requests();
    assert!(requests.iter().all(|(_, op)| is_read(op)), "{requests:?}");
    let expected = BTreeMap::from(
        [
            // Who we are (account id, partition).
            ("sts", 1),
            // Orphan discovery: one GetResources page.
            ("resourcegroupstaggingapi", 1),
            // Both roles with policies and tags (one GetAccountAuthorizationDetails page)
            // and the stack's path (one ListRoles page: descriptions, orphans).
            ("iam", 2),
            // DescribeDeliveryStream, ListTagsForDeliveryStream.
            ("firehose", 2),
            // GetConfigurationSet, GetConfigurationSetEventDestinations, GetEmailIdentity.
            ("sesv2", 3),
            // The identity's notification topics: GetIdentityNotificationAttributes
            // (SES v1, 100 identities per call).
            ("ses", 1),
            // HeadBucket and one read per managed sub-resource (versioning, encryption,
            // public access block, lifecycle, tags).
            ("s3", 6),
        ]
        .map(|(s, n)| (s.to_owned(), n)),
    );
    assert_eq!(per_service(&requests), expected, "{requests:#?}");
    assert!(requests.len() <= 16);
    // Each thing is read once.
    let mut ops: Vec<&(String, String)> = requests.iter().collect();
    ops.sort();
    ops.dedup();
    assert_eq!(
        ops.len(),
        requests.len(),
        "an operation ran twice: {requests:#?}"
    );
}

#[tokio::test]
async fn a_no_change_apply_only_reads() {
    let (emulator, dir) = applied_reference().await;
    emulator.clear_requests();
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
    let requests = emulator.requests();
    let writes: Vec<_> = requests.iter().filter(|(_, op)| !is_read(op)).collect();
    assert!(writes.is_empty(), "writes: {writes:?}");
    assert!(requests.len() <= 16, "{requests:#?}");
}

#[tokio::test]
async fn without_get_account_authorization_details_each_role_is_read_on_its_own() {
    let (emulator, dir) = applied_reference().await;
    // A read role without iam:GetAccountAuthorizationDetails.
    emulator
        .faults()
        .call(Service::Iam, "GetAccountAuthorizationDetails")
        .error("AccessDenied")
        .count(1)
        .queue();
    emulator.clear_requests();
    assert_no_changes(&emulator, dir.path());
    assert_eq!(emulator.faults().queued(), 0);
    let requests = emulator.requests();
    let iam = |op: &str| {
        requests
            .iter()
            .filter(|(s, o)| s == "iam" && o == op)
            .count()
    };
    // Two roles, each with one inline policy, no attached policy.
    assert_eq!(iam("GetRole"), 2, "{requests:#?}");
    assert_eq!(iam("GetRolePolicy"), 2);
    assert_eq!(iam("ListAttachedRolePolicies"), 2);
}

#[tokio::test]
async fn throttling_in_an_xml_body_slows_the_services_limiter() {
    let (emulator, dir) = applied_reference().await;
    // IAM's query protocol throttles with a 400 and the code only in its XML body.
    emulator
        .faults()
        .call(Service::Iam, "GetAccountAuthorizationDetails")
        .error("Throttling")
        .message("Rate exceeded")
        .count(2)
        .queue();
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode", "-v"])
        .env("SESINFRA_RATE_IAM", "10")
        .assert()
        .code(0)
        .stderr(predicates::str::contains(
            "iam: throttled by AWS; slowing to 5.0 calls/s",
        ))
        .stderr(predicates::str::contains(
            "iam: throttled by AWS; slowing to 2.5 calls/s",
        ));
    assert_eq!(emulator.faults().queued(), 0);
}
