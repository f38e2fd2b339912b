use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::desired::{self, Desired, Environment};
use crate::inventory::SetRecord;
use crate::resources::{
    Compression, DeliveryStream, Dimension, DimensionSource, IdentityAttributes, TlsPolicy,
};
use crate::validate::{self, Inputs};

const ACCOUNT: &str = "123456789012";
const STREAM_ARN: &str = "arn:aws:firehose:eu-west-1:123456789012:deliverystream/ses-history";
const SES_ROLE: &str = "arn:aws:iam::123456789012:role/ses-firehose-role";
const FIREHOSE_ROLE: &str = "arn:aws:iam::123456789012:role/service-role/firehose-s3";

fn env() -> Environment {
    Environment {
        partition: "aws".into(),
        region: "eu-west-1".into(),
        account_id: ACCOUNT.into(),
    }
}

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The seed blog post's pipeline (hand-made, untagged) plus a CloudWatch set.
fn seed() -> Inventory {
    let mut set = ConfigurationSet::with_defaults("ses-history");
    set.reputation_metrics_enabled = true;
    set.tls_policy = TlsPolicy::Require;
    set.tags = tags(&[("team", "mail"), ("cost", "${ses}")]);
    let mut metrics = ConfigurationSet::with_defaults("metrics");
    metrics.tags = tags(&[("team", "mail")]);
    metrics.suppression = Some(BTreeSet::new());
    let events: BTreeSet<EventType> = EventType::ALL
        .into_iter()
        .filter(|e| *e != EventType::DeliveryDelay)
        .collect();
    Inventory {
        env: env(),
        configuration_sets: BTreeMap::from([
            (
                "ses-history".to_owned(),
                SetRecord {
                    options: Some(set),
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
            ),
            (
                "metrics".to_owned(),
                SetRecord {
                    options: Some(metrics),
                    destinations: vec![EventDestination {
                        configuration_set: "metrics".into(),
                        name: "cw".into(),
                        enabled: false,
                        events: BTreeSet::from([EventType::Send, EventType::Bounce]),
                        target: Target::CloudWatch {
                            dimensions: vec![Dimension {
                                name: "ses:configuration-set".into(),
                                source: DimensionSource::MessageTag,
                                default_value: "none".into(),
                            }],
                        },
                    }],
                },
            ),
        ]),
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
                bucket_arn: "arn:aws:s3:::ses-history-123456789012-eu-west-1".into(),
                role_arn: FIREHOSE_ROLE.into(),
                prefix: String::new(),
                error_output_prefix: "error/{firehose:error-output-type}/".into(),
                buffer_size_mb: 5,
                buffer_interval_seconds: 300,
                compression: Compression::Uncompressed,
                tags: tags(&[("team", "mail")]),
            }),
        )]),
        buckets: BTreeMap::from([(
            "ses-history-123456789012-eu-west-1".to_owned(),
            BucketRecord::Settings(Bucket {
                name: "ses-history-123456789012-eu-west-1".into(),
                versioning: false,
                encryption: BucketEncryption::SseS3,
                block_public_access: false,
                expire_after_days: None,
                noncurrent_expire_after_days: None,
                tags: tags(&[("team", "mail")]),
            }),
        )]),
        roles: BTreeMap::new(),
        managed_policies: BTreeMap::new(),
        set_owners: BTreeMap::new(),
        stream_owners: BTreeMap::new(),
    }
}

/// The exported text, validated as `sesinfra plan` would (account known) and derived.
fn derive(text: &str) -> Desired {
    let file = crate::spec::parse("exported.yaml".into(), text.into()).expect("parses");
    let validated = validate::validate(
        file,
        &Inputs {
            region: None,
            account_id: Some(ACCOUNT.into()),
            vars: BTreeMap::new(),
            env: &|_| None,
        },
    );
    let errors: Vec<String> = validated
        .diagnostics
        .items
        .iter()
        .filter(|d| d.severity == crate::diagnostics::Severity::Error)
        .map(|d| d.message.clone())
        .collect();
    let model = validated
        .model
        .unwrap_or_else(|| panic!("invalid export: {errors:?}\n{text}"));
    desired::derive(&model, &env())
}

/// `tags` without sesinfra's own.
fn user_tags(tags: &Tags) -> Tags {
    own_tags(tags)
}

#[test]
fn the_seed_export_reads_back_as_what_aws_has() {
    let inv = seed();
    let out = export(&inv, "mail", false);
    let desired = derive(&out.yaml);

    // Every resource as AWS has it, but for ownership tags.
    let StreamRecord::Found(stream) = &inv.streams[STREAM_ARN] else {
        unreachable!()
    };
    let mut want_stream = stream.clone();
    want_stream.tags = desired.streams["ses-history"].tags.clone();
    assert_eq!(desired.streams["ses-history"], want_stream);
    assert_eq!(user_tags(&desired.streams["ses-history"].tags), stream.tags);
    for (name, record) in &inv.configuration_sets {
        let mut got = desired.configuration_sets[name].clone();
        let want = record.options.clone().unwrap();
        assert_eq!(user_tags(&got.tags), want.tags, "{name}");
        got.tags = want.tags.clone();
        assert_eq!(got, want, "{name}");
        for d in &record.destinations {
            assert_eq!(
                desired.event_destinations[&(name.clone(), d.name.clone())],
                *d
            );
        }
    }
    let BucketRecord::Settings(bucket) = &inv.buckets["ses-history-123456789012-eu-west-1"] else {
        unreachable!()
    };
    let mut got = desired.buckets["ses-history"].clone();
    assert_eq!(user_tags(&got.tags), bucket.tags);
    got.tags = bucket.tags.clone();
    assert_eq!(got, *bucket);
    assert_eq!(
        desired.identities["example.com"],
        IdentityAttributes {
            managed_by: Some("mail".into()),
            ..inv.identities["example.com"].clone()
        }
    );
    // Hand-made roles stay references: nothing generated.
    assert_eq!(desired.roles, BTreeMap::new());
}

#[test]
fn the_seed_export_is_portable_and_says_why_roles_are_references() {
    let out = export(&seed(), "mail", false);
    let yaml = &out.yaml;
    assert!(
        yaml.contains("name: \"ses-history-${account_id}-${region}\""),
        "{yaml}"
    );
    assert!(
        yaml.contains("arn: \"arn:aws:iam::${account_id}:role/ses-firehose-role\""),
        "{yaml}"
    );
    assert!(yaml.contains("`role: auto` would replace it"), "{yaml}");
    // Shared tags are the stack's; the rest stays on the set.
    assert!(yaml.contains("tags:\n  team: mail\n"), "{yaml}");
    // A literal `${` is escaped; Firehose's own expressions pass through.
    assert!(
        yaml.contains("    tags:\n      cost: \"$${ses}\"\n"),
        "{yaml}"
    );
    assert!(
        yaml.contains("error_output_prefix: \"error/{firehose:error-output-type}/\""),
        "{yaml}"
    );
    assert!(yaml.contains("events: [SEND, REJECT, BOUNCE, COMPLAINT, DELIVERY, OPEN, CLICK, RENDERING_FAILURE, SUBSCRIPTION]"), "{yaml}");
    assert_eq!(out.warnings, Vec::<String>::new());
}

#[test]
fn a_stack_export_uses_generated_roles_and_leaves_other_stacks_out() {
    let mut inv = seed();
    let generated = "arn:aws:iam::123456789012:role/sesinfra/mail/mail-ses-history";
    for record in inv.configuration_sets.values_mut() {
        let options = record.options.as_mut().unwrap();
        options.tags.insert(STACK_TAG.into(), "mail".into());
        for d in &mut record.destinations {
            if let Target::Firehose { iam_role_arn, .. } = &mut d.target {
                *iam_role_arn = generated.into();
            }
        }
    }
    inv.configuration_sets
        .get_mut("metrics")
        .unwrap()
        .options
        .as_mut()
        .unwrap()
        .tags
        .insert(STACK_TAG.into(), "other".into());
    if let Some(StreamRecord::Found(s)) = inv.streams.get_mut(STREAM_ARN) {
        s.tags.insert(STACK_TAG.into(), "mail".into());
        s.tags.insert(LOGICAL_TAG.into(), "history".into());
    }
    let out = export(&inv, "mail", true);
    assert!(!out.yaml.contains("  metrics:"), "{}", out.yaml);
    assert!(
        out.yaml.contains("configuration set metrics (stack other)"),
        "{}",
        out.yaml
    );
    assert!(
        out.yaml.contains("firehose: {}")
            || out.yaml.contains("firehose:\n          stream: history\n"),
        "{}",
        out.yaml
    );
    // The bucket was not the stack's: referenced, not adopted.
    assert!(out.yaml.contains("existing: true"), "{}", out.yaml);
    let desired = derive(&out.yaml);
    assert_eq!(desired.streams["history"].name, "ses-history");
    assert!(
        desired.roles.keys().any(|r| r.starts_with("mail-ses-")),
        "{:?}",
        desired.roles.keys()
    );
}

#[test]
fn tokens_are_replaced_only_where_they_stand_alone() {
    assert_eq!(
        replace_token("a-123-b-91234", "123", "X", |c| c.is_ascii_digit()),
        "a-X-b-91234"
    );
    assert_eq!(
        replace_token("eu-west-1 eu-west-10", "eu-west-1", "R", |c| c
            .is_ascii_alphanumeric()),
        "R eu-west-10"
    );
    let mut taken = BTreeSet::new();
    assert_eq!(unique("a", &mut taken), "a");
    assert_eq!(unique("a", &mut taken), "a-2");
    assert_eq!(logical("my.stream"), "my-stream");
}

#[test]
fn a_stack_s_topics_notifications_and_alarms_read_back_as_what_aws_has() {
    // What `sesinfra apply` of an alerts spec leaves in AWS, derived from that spec.
    let original = derive(
        "version: 1\nstack: mail\nregion: eu-west-1\n\
         sns_topics: {alerts: {subscriptions: [{protocol: email, endpoint: ops@example.com}]}}\n\
         configuration_sets: {Main: {reputation_metrics: true, event_destinations: {d: {events: [DELIVERY], sns: {topic: alerts}}}}}\n\
         identities: {example.com: {default_configuration_set: Main, feedback_forwarding: false, notifications: {bounce: {topic: alerts, include_headers: true}, complaint: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:other\"}}}}\n\
         alarms: {bounce_rate: {threshold: 0.03, topic: alerts, per_configuration_set: true}}\n",
    );
    let mut inv = seed();
    inv.configuration_sets = BTreeMap::from([(
        "Main".to_owned(),
        SetRecord {
            options: Some(original.configuration_sets["Main"].clone()),
            destinations: original.event_destinations.values().cloned().collect(),
        },
    )]);
    inv.streams = BTreeMap::new();
    inv.buckets = BTreeMap::new();
    inv.identities = BTreeMap::from([(
        "example.com".to_owned(),
        original.identities["example.com"].clone(),
    )]);
    inv.notifications = original.identity_notifications.clone();
    let mut topic = original.sns_topics["alerts"].clone();
    // A subscription the spec cannot hold (sms) is left out, with a warning.
    topic.subscriptions.insert(crate::resources::Subscription {
        protocol: "sms".into(),
        endpoint: "+15555550100".into(),
    });
    inv.sns_topics = BTreeMap::from([(topic.name.clone(), topic)]);
    inv.alarms = original.alarms.values().cloned().collect();

    let out = export(&inv, "mail", true);
    assert!(out.yaml.contains("topic: alerts"), "{}", out.yaml);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(out.warnings[0].contains("sms subscription +15555550100 is left out"));
    let exported = derive(&out.yaml);
    assert_eq!(
        exported.sns_topics["alerts"].subscriptions,
        original.sns_topics["alerts"].subscriptions
    );
    assert_eq!(
        exported.sns_topics["alerts"].policy,
        original.sns_topics["alerts"].policy
    );
    assert_eq!(
        exported.identity_notifications,
        original.identity_notifications
    );
    assert_eq!(exported.alarms, original.alarms);
    assert_eq!(exported.event_destinations, original.event_destinations);
}
