//! IAM adapter against the emulator: roles, inline policies, tags, and semantic policy
//! comparison.

use std::collections::BTreeMap;

use serde_json::json;
use sesinfra::aws::{ErrorKind, iam};
use sesinfra::policy::PolicyDocument;
use sesinfra::resources::{Role, Tags};

use crate::support::Emulator;

fn trust() -> PolicyDocument {
    PolicyDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}
        }]
    }))
}

fn role(name: &str) -> Role {
    Role {
        name: name.to_owned(),
        description: "sesinfra test".to_owned(),
        trust_policy: trust(),
        inline_policies: BTreeMap::from([(
            "sesinfra".to_owned(),
            PolicyDocument::new(json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"], "Resource": "*"}]
            })),
        )]),
        tags: Tags::from([("sesinfra:stack".to_owned(), "t".to_owned())]),
    }
}

#[tokio::test]
async fn role_lifecycle_with_every_field() {
    let emulator = Emulator::start();
    let c = emulator.clients().await;
    assert_eq!(iam::get_role(&c, "t-ses-h").await.unwrap(), None);

    let created = role("t-ses-h");
    let arn = iam::create_role(&c, &created).await.unwrap();
    assert!(arn.ends_with(":role/t-ses-h"), "{arn}");
    assert_eq!(
        iam::get_role(&c, "t-ses-h").await.unwrap().as_ref(),
        Some(&created)
    );
    assert_eq!(iam::list_role_names(&c, "t-").await.unwrap(), ["t-ses-h"]);

    let mut updated = created.clone();
    updated.description = "changed".into();
    updated.trust_policy = PolicyDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    }));
    updated.inline_policies.insert(
        "extra".into(),
        PolicyDocument::new(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})),
    );
    updated.tags.insert("team".into(), "mail".into());
    iam::update_role(&c, &created, &updated).await.unwrap();
    assert_eq!(
        iam::get_role(&c, "t-ses-h").await.unwrap().as_ref(),
        Some(&updated)
    );

    // Remove a policy and a tag again.
    iam::update_role(&c, &updated, &created).await.unwrap();
    assert_eq!(
        iam::get_role(&c, "t-ses-h").await.unwrap().as_ref(),
        Some(&created)
    );

    iam::delete_role(&c, "t-ses-h").await.unwrap();
    assert_eq!(iam::get_role(&c, "t-ses-h").await.unwrap(), None);
}

#[tokio::test]
async fn a_policy_read_back_equals_the_same_policy_written_differently() {
    let emulator = Emulator::start();
    let c = emulator.clients().await;
    iam::create_role(&c, &role("t-policy")).await.unwrap();
    let read = iam::get_role(&c, "t-policy").await.unwrap().unwrap();
    // Same meaning: keys reordered, lists instead of strings, a condition key in
    // another case.
    let same = PolicyDocument::new(json!({
        "Statement": {
            "Condition": {"StringEquals": {"AWS:SourceAccount": ["123456789012"]}},
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": ["ses.amazonaws.com"]},
            "Effect": "Allow"
        },
        "Version": "2012-10-17"
    }));
    assert_eq!(read.trust_policy, same);
}

#[tokio::test]
async fn duplicate_and_missing_roles_are_classified() {
    let emulator = Emulator::start();
    let c = emulator.clients().await;
    iam::create_role(&c, &role("t-dup")).await.unwrap();
    let dup = iam::create_role(&c, &role("t-dup")).await.unwrap_err();
    assert_eq!(dup.kind, ErrorKind::AlreadyExists, "{dup}");
    let missing = iam::delete_role(&c, "t-missing").await.unwrap_err();
    assert_eq!(missing.kind, ErrorKind::NotFound, "{missing}");
}
