//! "No change makes no call" beyond reads, for every service, proved at the SDK level:
//! the engine plans and applies an up-to-date stack through sesinfra's real SDK clients
//! (`aws::connect`), whose HTTP client replays exchanges recorded from the emulator
//! (`support::replay`). Unlike the emulator's journal, this sees every call of every
//! service, IAM, S3 and Firehose included. Every call made must be one of the recorded reads, each once,
//! and the recordings must all be used: a write, or any other call, fails the test.
//!
//! After an intended change of the calls, `SESINFRA_UPDATE_SNAPSHOTS=1 cargo test
//! replay` records them again against the emulator (review the diff of
//! `tests/replay/`).

use std::collections::BTreeSet;
use std::path::PathBuf;

use sesinfra::aws::{AwsSettings, StaticCredentials};
use sesinfra::engine;

use crate::engine::{BASE, apply, create_identities, spec_dir};
use crate::support::replay::{Exchange, REPLAY_ENDPOINT, Recorder, Replay};
use crate::support::{Emulator, repo};

/// BASE with its bucket encrypted by a KMS alias, so KMS is read too.
fn spec() -> String {
    BASE.replace(
        "versioning: true,",
        "versioning: true, encryption: {kms_key_arn: \"arn:aws:kms:eu-west-1:${account_id}:alias/ses-history\"},",
    )
}

fn recording() -> PathBuf {
    repo().join("tests/replay/up-to-date-stack.json")
}

fn settings(
    endpoint: &str,
    http_client: aws_smithy_runtime_api::client::http::SharedHttpClient,
) -> AwsSettings {
    let (rates, waits) = crate::support::test_rates_and_waits();
    AwsSettings {
        region: Some("eu-west-1".to_owned()),
        profile: None,
        endpoint_url: Some(endpoint.to_owned()),
        static_credentials: Some(StaticCredentials {
            access_key_id: "testing".to_owned(),
            secret_access_key: "testing".to_owned(),
        }),
        rates,
        waits,
        http_client: Some(http_client),
    }
}

/// What `sesinfra plan` and then `sesinfra apply` do with an up-to-date stack, through
/// the library: connect, validate with the account, observe and diff, apply the plan.
async fn plan_and_apply(settings: &AwsSettings) {
    let session = engine::open(settings, Some("eu-west-1"))
        .await
        .expect("connect");
    let file = sesinfra::spec::parse("sesinfra.yaml".to_owned(), spec()).expect("parse");
    let validated = sesinfra::validate::validate(
        file,
        &sesinfra::validate::Inputs {
            region: Some(session.env.region.clone()),
            account_id: Some(session.env.account_id.clone()),
            vars: Default::default(),
            env: &|_| None,
        },
    );
    let model = validated.model.expect("a valid spec");
    let prepared = engine::prepare(&session, &model, false)
        .await
        .expect("plan");
    assert!(prepared.plan.is_empty(), "{:#?}", prepared.plan.changes);
    let report = engine::execute::apply(
        &session.clients,
        &prepared.plan,
        &prepared.desired,
        &prepared.observed.state,
        &session.env,
        |_, _| {},
    )
    .await
    .expect("an empty plan applies");
    assert!(
        report.done.is_empty() && report.failed.is_empty() && report.skipped.is_empty(),
        "apply of an empty plan did something"
    );
}

/// Applies the stack on a fresh emulator and records what plan-and-apply then calls.
async fn record() {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let clients = emulator.clients().await;
    let key = clients.kms.create_key().send().await.unwrap();
    clients
        .kms
        .create_alias()
        .alias_name("alias/ses-history")
        .target_key_id(key.key_metadata().unwrap().key_id())
        .send()
        .await
        .unwrap();
    let dir = spec_dir(&spec());
    apply(&emulator, dir.path());
    let recorder = Recorder::new(&emulator.endpoint);
    plan_and_apply(&settings(&emulator.endpoint, recorder.http_client())).await;
    recorder.save(&recording());
}

#[tokio::test]
async fn an_up_to_date_stack_makes_only_reads_in_every_service() {
    if crate::support::bless() {
        record().await;
    }
    let text = std::fs::read_to_string(recording()).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; record it with SESINFRA_UPDATE_SNAPSHOTS=1",
            recording().display()
        )
    });
    let exchanges: Vec<Exchange> = serde_json::from_str(&text).expect("recorded exchanges");
    let replay = Replay::new(&exchanges);
    plan_and_apply(&settings(REPLAY_ENDPOINT, replay.http_client())).await;
    let calls = replay.verify();

    let writes: Vec<String> = calls
        .iter()
        .filter(|c| !c.is_read())
        .map(ToString::to_string)
        .collect();
    assert!(writes.is_empty(), "calls that are not reads: {writes:?}");
    let services: BTreeSet<&str> = calls.iter().map(|c| c.service.as_str()).collect();
    assert_eq!(
        services,
        BTreeSet::from(["firehose", "iam", "kms", "s3", "ses", "sts", "tagging"]),
        "every service sesinfra uses for a stack is read (SES v2 signs as `ses`)"
    );
}

#[tokio::test]
#[should_panic(expected = "requests without a recording:\n  sts GetCallerIdentity")]
async fn a_call_without_a_recording_fails_the_check() {
    let replay = Replay::new(&[]);
    let clients = sesinfra::aws::connect(&settings(REPLAY_ENDPOINT, replay.http_client()))
        .await
        .unwrap();
    assert!(sesinfra::aws::sts::caller(&clients).await.is_err());
    replay.verify();
}
