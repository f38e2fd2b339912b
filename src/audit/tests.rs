use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::*;
use crate::aws::s3::BucketPosture;
use crate::cli::OutputFormat;
use crate::desired::Environment;
use crate::inventory::SetRecord;
use crate::resources::{Compression, DeliveryStream, IdentityAttributes, NotificationTopics, Tags};

const ACCOUNT: &str = "123456789012";
const STREAM_ARN: &str = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/ses-history";
const SES_ROLE: &str = "arn:aws:iam::123456789012:role/ses-firehose-role";
const FIREHOSE_ROLE: &str = "arn:aws:iam::123456789012:role/firehose-s3-role";
const BUCKET_ARN: &str = "arn:aws:s3:::ses-history-bucket";

fn role(name: &str, trust: serde_json::Value, policy: serde_json::Value) -> Role {
    Role {
        name: name.into(),
        path: "/".into(),
        description: String::new(),
        trust_policy: PolicyDocument::new(trust),
        inline_policies: BTreeMap::from([("p".to_owned(), PolicyDocument::new(policy))]),
        attached_policies: BTreeSet::new(),
        tags: Tags::new(),
    }
}

/// The seed blog post's setup, by hand: the SES role with both conditions but
/// `firehose:*` (and ListDeliveryStreams on `*`), a Firehose role trusted without
/// sts:ExternalId, nine event types (the console cannot add DELIVERY_DELAY), the set as
/// the identity's default with forwarding still on, a bucket with neither default
/// encryption nor a public-access block.
fn seed() -> Inventory {
    let ses_role = role(
        "ses-firehose-role",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT,
                "AWS:SourceArn": "arn:aws:ses:eu-west-1:123456789012:configuration-set/ses-history"}}}]}),
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "firehose:ListDeliveryStreams", "Resource": "*"},
            {"Effect": "Allow", "Action": "firehose:*", "Resource": STREAM_ARN}]}),
    );
    let firehose_role = role(
        "firehose-s3-role",
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": ["s3:PutObject", "s3:GetBucketLocation", "s3:ListBucket"],
            "Resource": [BUCKET_ARN, format!("{BUCKET_ARN}/*")]}]}),
    );
    let events: BTreeSet<EventType> = EventType::ALL
        .into_iter()
        .filter(|e| *e != EventType::DeliveryDelay)
        .collect();
    Inventory {
        env: Environment {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account_id: ACCOUNT.into(),
        },
        configuration_sets: BTreeMap::from([(
            "ses-history".to_owned(),
            SetRecord {
                options: None,
                destinations: vec![EventDestination {
                    configuration_set: "ses-history".into(),
                    name: "firehose".into(),
                    enabled: true,
                    events,
                    target: Target::Firehose {
                        delivery_stream_arn: STREAM_ARN.into(),
                        iam_role_arn: SES_ROLE.into(),
                    },
                }],
            },
        )]),
        identities: BTreeMap::from([(
            "example.com".to_owned(),
            IdentityAttributes {
                identity: "example.com".into(),
                feedback_forwarding: true,
                default_configuration_set: Some("ses-history".into()),
                managed_by: None,
            },
        )]),
        notification_topics: BTreeMap::new(),
        notifications: BTreeMap::new(),
        sns_topics: BTreeMap::new(),
        alarms: Vec::new(),
        streams: BTreeMap::from([(
            STREAM_ARN.to_owned(),
            StreamRecord::Found(DeliveryStream {
                name: "ses-history".into(),
                failed: None,
                bucket_arn: BUCKET_ARN.into(),
                role_arn: FIREHOSE_ROLE.into(),
                prefix: String::new(),
                error_output_prefix: "error/{firehose:error-output-type}/".into(),
                buffer_size_mb: 5,
                buffer_interval_seconds: 300,
                compression: Compression::Uncompressed,
                tags: Tags::new(),
            }),
        )]),
        buckets: BTreeMap::from([(
            "ses-history-bucket".to_owned(),
            BucketRecord::Posture(BucketPosture {
                encryption: None,
                block_public_access: false,
                tags: Tags::new(),
            }),
        )]),
        roles: BTreeMap::from([
            (SES_ROLE.to_owned(), ses_role),
            (FIREHOSE_ROLE.to_owned(), firehose_role),
        ]),
        managed_policies: BTreeMap::new(),
        set_owners: BTreeMap::new(),
        stream_owners: BTreeMap::new(),
    }
}

/// Each finding as `severity rule address`.
fn lines(inv: &Inventory) -> Vec<String> {
    audit(inv)
        .findings
        .iter()
        .map(|f| format!("{} {} {}", f.severity.as_str(), f.rule, f.address))
        .collect()
}

#[test]
fn the_seed_setup_raises_every_finding_it_should() {
    assert_eq!(
        lines(&seed()),
        [
            "high bucket_public_access bucket.ses-history-bucket",
            "high permissions_too_wide iam_role.ses-firehose-role",
            "high trust_without_condition iam_role.firehose-s3-role",
            "medium bucket_unencrypted bucket.ses-history-bucket",
            "medium permissions_too_wide iam_role.ses-firehose-role",
            "low delivery_delay_missing event_destination.ses-history.firehose",
            "low feedback_duplicated identity.example.com",
            "low feedback_duplicated identity.example.com",
        ]
    );
    let report = audit(&seed());
    let wide = &report.findings[1];
    assert!(wide.message.contains("firehose:*"), "{}", wide.message);
    assert!(wide.fix.contains("sesinfra export"), "{}", wide.fix);
    let trust = &report.findings[2];
    assert!(
        trust.fix.contains("sts:ExternalId = 123456789012"),
        "{}",
        trust.fix
    );
}

#[test]
fn a_sesinfra_stack_names_the_spec_change() {
    let mut inv = seed();
    inv.set_owners.insert("ses-history".into(), "mail".into());
    if let Some(BucketRecord::Posture(p)) = inv.buckets.get_mut("ses-history-bucket") {
        p.tags.insert(STACK_TAG.into(), "mail".into());
        p.tags.insert(LOGICAL_TAG.into(), "history".into());
    }
    inv.identities.get_mut("example.com").unwrap().managed_by = Some("mail".into());
    let report = audit(&inv);
    let fix = |rule: &str, address: &str| {
        report
            .findings
            .iter()
            .find(|f| f.rule == rule && f.address == address)
            .map(|f| f.fix.clone())
            .unwrap()
    };
    assert_eq!(
        fix(rule::BUCKET_PUBLIC_ACCESS, "bucket.ses-history-bucket"),
        "in stack mail's spec: buckets.history.block_public_access: true"
    );
    assert_eq!(
        fix(
            rule::DELIVERY_DELAY_MISSING,
            "event_destination.ses-history.firehose"
        ),
        "in stack mail's spec: configuration_sets.ses-history.event_destinations.firehose.events: all (or add DELIVERY_DELAY to the list)"
    );
    assert!(
        fix(rule::PERMISSIONS_TOO_WIDE, "iam_role.ses-firehose-role").contains(
            "stack mail: configuration_sets.ses-history.event_destinations.firehose.firehose.role: auto"
        )
    );
    assert_eq!(
        fix(rule::FEEDBACK_DUPLICATED, "identity.example.com"),
        "in stack mail's spec: identities.example.com.feedback_forwarding: false"
    );
}

#[test]
fn a_least_privilege_pipeline_has_no_findings() {
    let mut inv = seed();
    let ses = inv.roles.get_mut(SES_ROLE).unwrap();
    ses.inline_policies.insert(
        "p".into(),
        PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"], "Resource": STREAM_ARN}]})),
    );
    let firehose = inv.roles.get_mut(FIREHOSE_ROLE).unwrap();
    firehose.trust_policy = PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
        "Principal": {"Service": "firehose.amazonaws.com"}, "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"sts:ExternalId": ACCOUNT}}}]}));
    inv.buckets.insert(
        "ses-history-bucket".into(),
        BucketRecord::Posture(BucketPosture {
            encryption: Some(BucketEncryption::SseS3),
            block_public_access: true,
            tags: Tags::new(),
        }),
    );
    let record = inv.configuration_sets.get_mut("ses-history").unwrap();
    record.destinations[0].events = EventType::ALL.into_iter().collect();
    inv.identities
        .get_mut("example.com")
        .unwrap()
        .feedback_forwarding = false;
    assert_eq!(lines(&inv), Vec::<String>::new());
    let report = audit(&inv);
    assert!(render(&report, OutputFormat::Text).starts_with("No findings."));
    let doc: serde_json::Value =
        serde_json::from_str(&render(&report, OutputFormat::Json)).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["findings"], json!([]));
}

#[test]
fn identities_that_lose_bounces_are_high() {
    let mut inv = seed();
    let identity = inv.identities.get_mut("example.com").unwrap();
    identity.feedback_forwarding = false;
    identity.default_configuration_set = None;
    inv.identities.insert(
        "other.example.com".into(),
        IdentityAttributes {
            identity: "other.example.com".into(),
            feedback_forwarding: false,
            default_configuration_set: Some("gone".into()),
            managed_by: None,
        },
    );
    let lost: Vec<Finding> = audit(&inv)
        .findings
        .into_iter()
        .filter(|f| f.rule == rule::FEEDBACK_LOST)
        .collect();
    assert_eq!(lost.len(), 2);
    assert_eq!(lost[0].severity, Severity::High);
    assert_eq!(
        lost[0].message,
        "loses its bounces and complaints: feedback forwarding is off and it has no default configuration set"
    );
    assert!(
        lost[1].message.contains("gone does not exist"),
        "{}",
        lost[1].message
    );
}

#[test]
fn a_destination_without_complaints_loses_them() {
    let mut inv = seed();
    inv.identities
        .get_mut("example.com")
        .unwrap()
        .feedback_forwarding = false;
    let record = inv.configuration_sets.get_mut("ses-history").unwrap();
    record.destinations[0].events.remove(&EventType::Complaint);
    let lost: Vec<String> = audit(&inv)
        .findings
        .into_iter()
        .filter(|f| f.rule == rule::FEEDBACK_LOST)
        .map(|f| f.message)
        .collect();
    assert_eq!(
        lost,
        [
            "loses its complaints: feedback forwarding is off and no enabled event destination of its default configuration set ses-history publishes COMPLAINT"
        ]
    );
}

#[test]
fn a_stream_role_without_the_kms_key_cannot_write() {
    let mut inv = seed();
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    inv.buckets.insert(
        "ses-history-bucket".into(),
        BucketRecord::Posture(BucketPosture {
            encryption: Some(BucketEncryption::Kms {
                key_arn: key.into(),
                bucket_key: true,
            }),
            block_public_access: true,
            tags: Tags::new(),
        }),
    );
    let cannot = |inv: &Inventory| {
        audit(inv)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule::STREAM_CANNOT_WRITE)
            .map(|f| f.message)
            .collect::<Vec<_>>()
    };
    let found = cannot(&inv);
    assert_eq!(found.len(), 1);
    assert!(found[0].contains("KMS key"), "{}", found[0]);
    // Allowed with S3's encryption context: no finding.
    inv.roles
        .get_mut(FIREHOSE_ROLE)
        .unwrap()
        .inline_policies
        .insert(
            "kms".into(),
            PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"], "Resource": key,
            "Condition": {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com",
                "kms:EncryptionContext:aws:s3:arn": BUCKET_ARN}}}]})),
        );
    assert_eq!(cannot(&inv), Vec::<String>::new());
}

#[test]
fn a_stream_role_without_put_object_or_gone_cannot_write() {
    let mut inv = seed();
    inv.roles
        .get_mut(FIREHOSE_ROLE)
        .unwrap()
        .inline_policies
        .insert(
            "p".into(),
            PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Action": "s3:PutObject", "Resource": "arn:aws:s3:::another-bucket/*"}]})),
        );
    let messages = |inv: &Inventory, rule: &str| {
        audit(inv)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule)
            .map(|f| f.message)
            .collect::<Vec<_>>()
    };
    let found = messages(&inv, rule::STREAM_CANNOT_WRITE);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].contains("do not allow s3:PutObject"),
        "{}",
        found[0]
    );
    inv.roles.remove(FIREHOSE_ROLE);
    inv.roles.remove(SES_ROLE);
    assert!(messages(&inv, rule::STREAM_CANNOT_WRITE)[0].contains("does not exist"));
    assert!(messages(&inv, rule::DESTINATION_CANNOT_PUBLISH)[0].contains("does not exist"));
}

#[test]
fn trust_without_source_arn_is_low_and_without_both_is_high() {
    let mut inv = seed();
    let trust = |condition: serde_json::Value| {
        PolicyDocument::new(json!({"Statement": [{"Effect": "Allow",
            "Principal": {"Service": ["ses.amazonaws.com"]}, "Action": "sts:AssumeRole",
            "Condition": condition}]}))
    };
    let severity = |inv: &Inventory| {
        audit(inv)
            .findings
            .into_iter()
            .filter(|f| {
                f.rule == rule::TRUST_WITHOUT_CONDITION && f.address == "iam_role.ses-firehose-role"
            })
            .map(|f| f.severity)
            .collect::<Vec<_>>()
    };
    inv.roles.get_mut(SES_ROLE).unwrap().trust_policy =
        trust(json!({"StringEquals": {"aws:SourceAccount": ACCOUNT}}));
    assert_eq!(severity(&inv), [Severity::Low]);
    inv.roles.get_mut(SES_ROLE).unwrap().trust_policy = trust(json!({}));
    assert_eq!(severity(&inv), [Severity::High]);
}

#[test]
fn markdown_is_one_table_row_per_finding() {
    let md = render(&audit(&seed()), OutputFormat::Markdown);
    assert!(
        md.contains("| Severity | Resource | Rule | Finding | Fix |"),
        "{md}"
    );
    assert_eq!(
        md.lines().filter(|l| l.starts_with("| high")).count(),
        3,
        "{md}"
    );
}

#[test]
fn sns_topics_count_as_a_way_to_receive_feedback() {
    let bounces = "arn:aws:sns:eu-west-1:123456789012:bounces";
    let complaints = "arn:aws:sns:eu-west-1:123456789012:complaints";
    let mut inv = seed();
    let identity = inv.identities.get_mut("example.com").unwrap();
    identity.feedback_forwarding = false;
    identity.default_configuration_set = None;
    inv.notification_topics.insert(
        "example.com".into(),
        NotificationTopics {
            bounce: Some(bounces.into()),
            complaint: Some(complaints.into()),
            delivery: None,
        },
    );
    let feedback = |inv: &Inventory| -> Vec<String> {
        audit(inv)
            .findings
            .into_iter()
            .filter(|f| f.rule == rule::FEEDBACK_LOST || f.rule == rule::FEEDBACK_DUPLICATED)
            .map(|f| format!("{} {}", f.rule, f.message))
            .collect()
    };
    // Topics alone cover both: nothing is lost.
    assert_eq!(feedback(&inv), Vec::<String>::new());

    // Only a complaint topic: bounces are lost, complaints are not.
    inv.notification_topics
        .get_mut("example.com")
        .unwrap()
        .bounce = None;
    assert_eq!(
        feedback(&inv),
        [
            "feedback_lost loses its bounces: feedback forwarding is off and it has no default configuration set"
        ]
    );

    // Forwarding on as well as a bounce topic: bounces twice, and the message names both.
    inv.notification_topics
        .get_mut("example.com")
        .unwrap()
        .bounce = Some(bounces.into());
    inv.notification_topics
        .get_mut("example.com")
        .unwrap()
        .complaint = None;
    inv.identities
        .get_mut("example.com")
        .unwrap()
        .feedback_forwarding = true;
    let found = audit(&inv);
    let duplicated: Vec<&Finding> = found
        .findings
        .iter()
        .filter(|f| f.rule == rule::FEEDBACK_DUPLICATED)
        .collect();
    assert_eq!(duplicated.len(), 1, "{duplicated:?}");
    assert_eq!(
        duplicated[0].message,
        format!(
            "receives every one of its bounces 2 times: through email feedback forwarding and SNS topic {bounces}"
        )
    );
    assert!(duplicated[0].fix.contains("SetIdentityNotificationTopic"));
    assert!(found.findings.iter().all(|f| f.rule != rule::FEEDBACK_LOST));
}
