//! IAM role adapter against the emulator: trust policy, description, inline policies
//! and tags written, read back (URL-encoded, reordered) and changed; errors classified.

use std::collections::BTreeMap;

use serde_json::json;
use sesinfra::aws::iam::{create_role, delete_role, get_role, update_role};
use sesinfra::aws::{Clients, ErrorKind};
use sesinfra::policy::PolicyDocument;
use sesinfra::resources::{Role, Tags};

use crate::support::Emulator;

fn trust(service: &str) -> PolicyDocument {
    PolicyDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": service},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"}}
        }]
    }))
}

fn allow(actions: &[&str], resource: &str) -> PolicyDocument {
    PolicyDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]
    }))
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn role(name: &str) -> Role {
    Role {
        name: name.to_owned(),
        path: "/sesinfra/prod/".to_owned(),
        description: "SES writes sending events to Firehose".to_owned(),
        trust_policy: trust("ses.amazonaws.com"),
        attached_policies: Default::default(),
        inline_policies: BTreeMap::from([
            (
                "firehose".to_owned(),
                allow(
                    &["firehose:PutRecordBatch"],
                    "arn:aws:firehose:eu-west-1:123456789012:deliverystream/events",
                ),
            ),
            ("logs".to_owned(), allow(&["logs:PutLogEvents"], "*")),
        ]),
        tags: tags(&[("sesinfra:stack", "prod"), ("team", "mail")]),
    }
}

async fn read(clients: &Clients, name: &str) -> Role {
    get_role(clients, name)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("role {name} exists"))
}

#[tokio::test]
async fn role_create_read_update_delete() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let created = role("sesinfra-ses-to-firehose");
    assert_eq!(get_role(&clients, &created.name).await.unwrap(), None);
    let arn = create_role(&clients, &created).await.unwrap();
    assert!(
        arn.ends_with(":role/sesinfra/prod/sesinfra-ses-to-firehose"),
        "{arn}"
    );
    assert_eq!(read(&clients, &created.name).await, created);

    // Every field changes: trust policy, description, one inline policy changed, one
    // removed, one added; a tag changed, one removed, one added.
    let changed = Role {
        description: "Firehose writes to S3".to_owned(),
        trust_policy: trust("firehose.amazonaws.com"),
        attached_policies: Default::default(),
        inline_policies: BTreeMap::from([
            (
                "firehose".to_owned(),
                allow(
                    &["firehose:PutRecord", "firehose:PutRecordBatch"],
                    "arn:aws:firehose:eu-west-1:123456789012:deliverystream/events",
                ),
            ),
            (
                "s3".to_owned(),
                allow(&["s3:PutObject"], "arn:aws:s3:::sesinfra-events/*"),
            ),
        ]),
        tags: tags(&[("sesinfra:stack", "staging"), ("owner", "ops")]),
        ..created.clone()
    };
    update_role(&clients, &created, &changed).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, changed);

    // Everything optional removed: no description, no inline policies, no tags.
    let bare = Role {
        description: String::new(),
        attached_policies: Default::default(),
        inline_policies: BTreeMap::new(),
        tags: Tags::new(),
        ..changed.clone()
    };
    update_role(&clients, &changed, &bare).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, bare);

    // Nothing differs: succeeds and changes nothing.
    update_role(&clients, &bare, &bare).await.unwrap();
    assert_eq!(read(&clients, &created.name).await, bare);

    delete_role(&clients, &created.name).await.unwrap();
    assert_eq!(get_role(&clients, &created.name).await.unwrap(), None);
}

#[tokio::test]
async fn delete_removes_inline_and_managed_policies_first() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let created = role("sesinfra-with-managed");
    create_role(&clients, &created).await.unwrap();
    let policy = clients
        .iam
        .create_policy()
        .policy_name("sesinfra-managed")
        .policy_document(allow(&["s3:GetObject"], "*").to_json())
        .send()
        .await
        .unwrap();
    let policy_arn = policy.policy.and_then(|p| p.arn).unwrap();
    clients
        .iam
        .attach_role_policy()
        .role_name(&created.name)
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    delete_role(&clients, &created.name).await.unwrap();
    assert_eq!(get_role(&clients, &created.name).await.unwrap(), None);
}

#[tokio::test]
async fn trust_policy_compares_by_meaning() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let created = role("sesinfra-semantics");
    create_role(&clients, &created).await.unwrap();
    // The same document with keys reordered, lists for single strings and a Statement
    // object instead of a list.
    let same = PolicyDocument::new(json!({
        "Statement": {
            "Condition": {"StringEquals": {"aws:SourceAccount": ["123456789012"]}},
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": ["ses.amazonaws.com"]},
            "Effect": "Allow"
        },
        "Version": "2012-10-17"
    }));
    let read_back = read(&clients, &created.name).await;
    assert_eq!(read_back.trust_policy, same);
    assert_ne!(read_back.trust_policy, trust("firehose.amazonaws.com"));
}

#[tokio::test]
async fn creating_a_role_twice_is_already_exists() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let created = role("sesinfra-twice");
    create_role(&clients, &created).await.unwrap();
    let err = create_role(&clients, &created).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
}

#[tokio::test]
async fn deleting_a_missing_role_is_not_found() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let err = delete_role(&clients, "sesinfra-missing").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn roles_are_listed_by_path_prefix() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    for (name, path) in [
        ("stack-a-ses-h", "/sesinfra/stack-a/"),
        ("stack-a-firehose-h", "/sesinfra/stack-a/"),
        ("stack-ab-ses-h", "/sesinfra/stack-ab/"),
        ("stack-a-legacy", "/"),
        ("other-role", "/"),
    ] {
        let role = Role {
            name: name.to_owned(),
            path: path.to_owned(),
            description: String::new(),
            trust_policy: trust("ses.amazonaws.com"),
            attached_policies: Default::default(),
            inline_policies: BTreeMap::new(),
            tags: Tags::new(),
        };
        create_role(&clients, &role).await.unwrap();
    }
    let mut names = sesinfra::aws::iam::list_role_names(&clients, "/sesinfra/stack-a/")
        .await
        .unwrap();
    names.sort();
    assert_eq!(names, ["stack-a-firehose-h", "stack-a-ses-h"]);
}
