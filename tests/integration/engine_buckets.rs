//! Buckets through the binary against the emulator: KMS aliases resolved to the key the
//! policies name, and an apply interrupted right after CreateBucket.

use predicates::prelude::*;

use crate::engine::{apply, assert_no_changes, plan_json, spec_dir};
use crate::support::Emulator;

fn kms_spec(kms_key_arn: &str) -> String {
    format!(
        "version: 1\nstack: kms\nbuckets:\n  h:\n    name: sesinfra-kms-history\n    encryption: {{kms_key_arn: \"{kms_key_arn}\"}}\nfirehose_streams:\n  h: {{bucket: h, prefix: \"ses/\"}}\n"
    )
}

#[tokio::test]
async fn a_kms_alias_is_resolved_to_its_key_for_policy_and_bucket() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let key = clients.kms.create_key().send().await.unwrap();
    let key_arn = key.key_metadata().unwrap().arn().unwrap().to_owned();
    clients
        .kms
        .create_alias()
        .alias_name("alias/ses-history")
        .target_key_id(&key_arn)
        .send()
        .await
        .unwrap();
    let alias_arn = "arn:aws:kms:eu-west-1:123456789012:alias/ses-history";
    let dir = spec_dir(&kms_spec(alias_arn));

    let plan = plan_json(&emulator, dir.path());
    let text = plan.to_string();
    assert!(
        !text.contains(":alias/"),
        "no alias left in the plan: {text}"
    );
    let role = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "iam_role.kms-firehose-h")
        .expect("the generated Firehose role");
    let policy = role["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "inline_policies.sesinfra")
        .expect("its permissions")["after"]
        .to_string();
    assert!(
        policy.contains(&format!("\"{key_arn}\"")),
        "the KMS statement names the key: {policy}"
    );
    assert!(
        policy.contains("\"arn:aws:s3:::sesinfra-kms-history\""),
        "bucket key on: the bucket ARN is the encryption context: {policy}"
    );

    apply(&emulator, dir.path());
    // S3 reads back what was written: the key ARN, and no diff against the alias.
    let encryption = clients
        .s3
        .get_bucket_encryption()
        .bucket("sesinfra-kms-history")
        .send()
        .await
        .unwrap();
    let rule = &encryption
        .server_side_encryption_configuration()
        .unwrap()
        .rules()[0];
    assert_eq!(
        rule.apply_server_side_encryption_by_default()
            .unwrap()
            .kms_master_key_id(),
        Some(key_arn.as_str())
    );
    assert_eq!(rule.bucket_key_enabled(), Some(true));
    assert_no_changes(&emulator, dir.path());

    // Turning the bucket key off is one bucket update and one role update.
    std::fs::write(
        dir.path().join("sesinfra.yaml"),
        kms_spec(alias_arn).replace(
            &format!("kms_key_arn: \"{alias_arn}\""),
            &format!("kms_key_arn: \"{alias_arn}\", bucket_key: false"),
        ),
    )
    .unwrap();
    let plan = plan_json(&emulator, dir.path());
    let addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, ["bucket.h", "iam_role.kms-firehose-h"], "{plan}");
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn an_alias_that_does_not_resolve_is_a_plan_error() {
    let emulator = Emulator::start();
    let alias_arn = "arn:aws:kms:eu-west-1:123456789012:alias/nobody-made-this";
    let dir = spec_dir(&kms_spec(alias_arn));
    for command in [&["plan"][..], &["apply", "--yes"][..]] {
        emulator
            .sesinfra()
            .current_dir(dir.path())
            .args(command)
            .assert()
            .code(1)
            .stdout("")
            .stderr(
                predicate::str::contains("buckets.h.encryption.kms_key_arn")
                    .and(predicate::str::contains(alias_arn))
                    .and(predicate::str::contains("does not exist")),
            );
    }
    let clients = emulator.clients().await;
    assert!(
        clients
            .s3
            .head_bucket()
            .bucket("sesinfra-kms-history")
            .send()
            .await
            .is_err(),
        "nothing was created"
    );
}

#[tokio::test]
async fn an_apply_interrupted_after_create_bucket_leaves_an_owned_bucket() {
    let emulator = Emulator::start();
    let dir = spec_dir(
        "version: 1\nstack: cut\nbuckets:\n  h:\n    name: sesinfra-cut-short\n    versioning: true\n    lifecycle: {expire_after_days: 30}\n",
    );
    // The first call after CreateBucket is refused: the apply stops there.
    emulator
        .faults()
        .bucket("sesinfra-cut-short")
        .error("AccessDenied")
        .queue();
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .assert()
        .code(1);
    assert_eq!(emulator.faults().queued(), 0);

    // The next plan sees the stack's own bucket, not a clash, and finishes the job.
    let plan = plan_json(&emulator, dir.path());
    let changes = plan["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{plan}");
    assert_eq!(changes[0]["address"], "bucket.h");
    assert_eq!(changes[0]["action"], "update");
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());
}

/// `destroy` deletes a `deletion_policy: delete` bucket only when it is empty; one
/// that holds objects is kept, and the plan says so as a warning diagnostic.
#[tokio::test]
async fn destroy_keeps_a_non_empty_bucket_and_says_so() {
    let emulator = Emulator::start();
    let spec = "version: 1\nstack: keep\nbuckets:\n  full: {name: sesinfra-keep-full, deletion_policy: delete}\n  empty: {name: sesinfra-keep-empty, deletion_policy: delete}\n";
    let dir = spec_dir(spec);
    apply(&emulator, dir.path());
    let clients = emulator.clients().await;
    clients
        .s3
        .put_object()
        .bucket("sesinfra-keep-full")
        .key("event.json")
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["destroy", "--yes", "--no-color"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("  - bucket.empty\n"), "{stdout}");
    assert!(!stdout.contains("- bucket.full"), "{stdout}");
    assert!(
        stdout.contains(
            "\nWarning (bucket.full): kept: bucket sesinfra-keep-full is not empty, and sesinfra \
             deletes only empty buckets; empty it and run destroy again to delete it\n"
        ),
        "{stdout}"
    );
    let exists = |name: &'static str| {
        let c = clients.clone();
        async move {
            sesinfra::aws::s3::get_bucket(&c, name)
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(exists("sesinfra-keep-full").await);
    assert!(!exists("sesinfra-keep-empty").await);
}
