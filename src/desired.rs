//! Model → desired resources: every AWS resource the stack should have, in the
//! project's resource types, including the IAM roles sesinfra generates (contract §2).
//! Pure: the account id, region and partition come in as data.
//!
//! Generated names are deterministic and within IAM's limits (64 characters); a name
//! that would be longer is cut and suffixed with a stable hash of the full name.
//!
//! Trust policies stay within IAM's default 2,048-character quota however many
//! configuration sets share a stream: the sets are spread over several roles by a
//! stable hash of their names. The number of roles doubles only when one overflows,
//! so adding a set changes at most one role until then.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use crate::model::{self, Model, Role as ModelRole, StreamBucket, StreamRef, TopicRef};
use crate::policy::PolicyDocument;
use crate::resources::{
    self, ACCOUNT_OWNER_TAG, AccountSettings, Alarm, Bucket, BucketEncryption, ConfigurationSet,
    DeliveryStream, EventDestination, GlueDatabase, GlueTable, IdentityAttributes,
    IdentityNotifications, LOGICAL_TAG, NotificationTopics, Role, STACK_TAG, SnsTopic,
    Subscription, Tags, Target, arn,
};
use crate::spec::limits;

/// IAM's limits on role names and (by default) on trust policy size.
pub const MAX_ROLE_NAME: usize = 64;
pub const MAX_TRUST_POLICY_CHARS: usize = 2048;

/// Where the stack is deployed.
#[derive(Debug, Clone)]
pub struct Environment {
    pub partition: String,
    pub region: String,
    pub account_id: String,
}

/// Every resource the stack should have, keyed as the plan addresses them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Desired {
    /// Managed buckets by logical name (`existing: true` buckets are not here).
    pub buckets: BTreeMap<String, Bucket>,
    /// Generated roles by role name.
    pub roles: BTreeMap<String, Role>,
    /// Streams by logical name.
    pub streams: BTreeMap<String, DeliveryStream>,
    pub configuration_sets: BTreeMap<String, ConfigurationSet>,
    /// By (configuration set, destination name).
    pub event_destinations: BTreeMap<(String, String), EventDestination>,
    pub identities: BTreeMap<String, IdentityAttributes>,
    /// The account settings (address `account`): `Some` when the spec has `account:`.
    pub account: Option<AccountSettings>,
    /// SNS topics by logical name.
    pub sns_topics: BTreeMap<String, SnsTopic>,
    /// Each identity's SNS notification settings, by identity.
    pub identity_notifications: BTreeMap<String, IdentityNotifications>,
    /// Reputation alarms by alarm name.
    pub alarms: BTreeMap<String, Alarm>,
    /// Glue databases by name (`analytics.athena`).
    pub glue_databases: BTreeMap<String, GlueDatabase>,
    /// Glue tables by (database, table).
    pub glue_tables: BTreeMap<(String, String), GlueTable>,
}

pub fn derive(model: &Model, env: &Environment) -> Desired {
    let mut desired = Desired {
        account: model.account.as_ref().map(|a| AccountSettings {
            suppression: a.suppression.clone(),
            vdm: a.vdm,
        }),
        ..Desired::default()
    };
    let tags = stack_tags(&model.stack, &model.tags);

    for (logical, b) in &model.buckets {
        if b.existing {
            continue;
        }
        desired.buckets.insert(
            logical.clone(),
            Bucket {
                name: b.name.clone(),
                versioning: b.versioning,
                encryption: match &b.encryption {
                    model::Encryption::SseS3 => BucketEncryption::SseS3,
                    model::Encryption::Kms {
                        key_arn,
                        bucket_key,
                    } => BucketEncryption::Kms {
                        key_arn: key_arn.clone(),
                        bucket_key: *bucket_key,
                    },
                },
                block_public_access: b.block_public_access,
                expire_after_days: b.expire_after_days,
                noncurrent_expire_after_days: b.noncurrent_expire_after_days,
                tags: with_logical(&tags, logical),
            },
        );
    }

    for (logical, s) in &model.streams {
        let (bucket_arn, kms_key) = match &s.bucket {
            StreamBucket::Spec(l) => match model.buckets.get(l) {
                Some(b) => (
                    arn::bucket(&env.partition, &b.name),
                    match &b.encryption {
                        model::Encryption::Kms {
                            key_arn,
                            bucket_key,
                        } => Some(BucketKms {
                            key_arn: key_arn.clone(),
                            bucket_key: *bucket_key,
                        }),
                        model::Encryption::SseS3 => None,
                    },
                ),
                // Validation guarantees the reference; keep going without a panic.
                None => (arn::bucket(&env.partition, l), None),
            },
            StreamBucket::External { arn } => (arn.clone(), None),
        };
        let role_arn = match &s.role {
            ModelRole::Existing { arn } => arn.clone(),
            ModelRole::Auto => {
                let name = role_name(&model.stack, "firehose", logical);
                let role = firehose_role(
                    &name,
                    &model.stack,
                    env,
                    &FirehoseWrites {
                        bucket_arn: &bucket_arn,
                        prefixes: [&s.prefix, &s.error_output_prefix],
                        kms: kms_key.as_ref(),
                    },
                    &tags,
                );
                let role_arn = arn::role(&env.partition, &env.account_id, &role.path, &name);
                desired.roles.insert(name.clone(), role);
                role_arn
            }
        };
        desired.streams.insert(
            logical.clone(),
            DeliveryStream {
                name: s.name.clone(),
                failed: None,
                bucket_arn,
                role_arn,
                prefix: s.prefix.clone(),
                error_output_prefix: s.error_output_prefix.clone(),
                buffer_size_mb: s.buffer_size_mb,
                buffer_interval_seconds: s.buffer_interval_seconds,
                compression: s.compression,
                tags: with_logical(&tags, logical),
            },
        );
    }

    // Configuration sets that publish to each stream through a generated role.
    let mut ses_role_users: BTreeMap<StreamKey, BTreeSet<String>> = BTreeMap::new();
    for set in model.configuration_sets.values() {
        for d in set.event_destinations.values() {
            if let model::Target::Firehose {
                stream,
                role: ModelRole::Auto,
            } = &d.target
            {
                ses_role_users
                    .entry(stream_key(stream, model, env))
                    .or_default()
                    .insert(set.name.clone());
            }
        }
    }
    // Role name for each (stream, configuration set).
    let mut ses_role_of: BTreeMap<(StreamKey, String), String> = BTreeMap::new();
    for (key, sets) in &ses_role_users {
        let base = role_name(&model.stack, "ses", &key.label);
        for (name, members) in split_by_trust_size(&base, sets, env) {
            let role = ses_role(&name, &model.stack, env, &key.arn, &members, &tags);
            for set in &members {
                ses_role_of.insert((key.clone(), set.clone()), name.clone());
            }
            desired.roles.insert(name, role);
        }
    }

    for set in model.configuration_sets.values() {
        let mut set_tags = stack_tags(&model.stack, &set.tags);
        set_tags.insert(STACK_TAG.to_owned(), model.stack.clone());
        if model.account.is_some() {
            set_tags.insert(ACCOUNT_OWNER_TAG.to_owned(), model.stack.clone());
        }
        desired.configuration_sets.insert(
            set.name.clone(),
            ConfigurationSet {
                name: set.name.clone(),
                sending_enabled: set.sending_enabled,
                reputation_metrics_enabled: set.reputation_metrics,
                tls_policy: set.tls_policy,
                sending_pool: set.sending_pool.clone(),
                max_delivery_seconds: set.max_delivery_seconds,
                tracking: set.tracking.as_ref().map(|t| resources::Tracking {
                    custom_redirect_domain: t.custom_redirect_domain.clone(),
                    https_policy: t.https_policy,
                }),
                suppression: set.suppression.clone(),
                vdm_engagement_metrics: set.vdm.engagement_metrics,
                vdm_optimized_shared_delivery: set.vdm.optimized_shared_delivery,
                archive_arn: set.archive_arn.clone(),
                signing: set.signing,
                tags: set_tags,
            },
        );
        for d in set.event_destinations.values() {
            let target = match &d.target {
                model::Target::Firehose { stream, role } => {
                    let key = stream_key(stream, model, env);
                    let iam_role_arn = match role {
                        ModelRole::Existing { arn } => arn.clone(),
                        ModelRole::Auto => {
                            let name = ses_role_of
                                .get(&(key.clone(), set.name.clone()))
                                .cloned()
                                .unwrap_or_default();
                            arn::role(
                                &env.partition,
                                &env.account_id,
                                &arn::role_path(&model.stack),
                                &name,
                            )
                        }
                    };
                    Target::Firehose {
                        delivery_stream_arn: key.arn,
                        iam_role_arn,
                    }
                }
                model::Target::Sns { topic } => Target::Sns {
                    topic_arn: topic_arn(topic, model, env),
                },
                model::Target::CloudWatch { dimensions } => Target::CloudWatch {
                    dimensions: dimensions
                        .iter()
                        .map(|dim| resources::Dimension {
                            name: dim.name.clone(),
                            source: dim.source,
                            default_value: dim.default.clone(),
                        })
                        .collect(),
                },
                model::Target::EventBridge { event_bus_arn } => Target::EventBridge {
                    event_bus_arn: event_bus_arn.clone(),
                },
            };
            desired.event_destinations.insert(
                (set.name.clone(), d.name.clone()),
                EventDestination {
                    configuration_set: set.name.clone(),
                    name: d.name.clone(),
                    enabled: d.enabled,
                    events: d.events.clone(),
                    target,
                },
            );
        }
    }

    if let Some(a) = &model.athena {
        desired.glue_databases.insert(
            a.database.clone(),
            GlueDatabase {
                name: a.database.clone(),
                arn: arn::glue_database(&env.partition, &env.region, &env.account_id, &a.database),
                description: format!(
                    "SES event history of sesinfra stack {} (Athena)",
                    model.stack
                ),
                tags: tags.clone(),
            },
        );
        desired.glue_tables.insert(
            (a.database.clone(), a.table.clone()),
            crate::athena::table(&crate::athena::TableSpec {
                stack: &model.stack,
                database: &a.database,
                table: &a.table,
                bucket: &a.bucket,
                layout: &a.layout,
                projection_days: a.projection_days,
            }),
        );
    }

    for identity in model.identities.values() {
        desired.identities.insert(
            identity.name.clone(),
            IdentityAttributes {
                identity: identity.name.clone(),
                feedback_forwarding: identity.feedback_forwarding,
                default_configuration_set: identity.default_configuration_set.clone(),
                managed_by: Some(model.stack.clone()),
            },
        );
        let n = &identity.notifications;
        let arn_of = |t: &Option<model::NotificationTopic>| {
            t.as_ref().map(|t| topic_arn(&t.topic, model, env))
        };
        let headers =
            |t: &Option<model::NotificationTopic>| t.as_ref().is_some_and(|t| t.include_headers);
        desired.identity_notifications.insert(
            identity.name.clone(),
            IdentityNotifications {
                identity: identity.name.clone(),
                in_spec: true,
                topics: NotificationTopics {
                    bounce: arn_of(&n.bounce),
                    complaint: arn_of(&n.complaint),
                    delivery: arn_of(&n.delivery),
                },
                headers_in_bounce: headers(&n.bounce),
                headers_in_complaint: headers(&n.complaint),
                headers_in_delivery: headers(&n.delivery),
            },
        );
    }

    for alarm in model.alarms.values() {
        let topic = topic_arn(&alarm.topic, model, env);
        let mut add = |set: Option<&str>| {
            let a = reputation_alarm(&model.stack, alarm, set, &topic, &tags);
            desired.alarms.insert(a.name.clone(), a);
        };
        add(None);
        if alarm.per_configuration_set {
            for set in model
                .configuration_sets
                .values()
                .filter(|s| s.reputation_metrics)
            {
                add(Some(&set.name));
            }
        }
    }

    for (logical, t) in &model.sns_topics {
        let topic_arn = arn::sns_topic(&env.partition, &env.region, &env.account_id, &t.name);
        desired.sns_topics.insert(
            logical.clone(),
            SnsTopic {
                name: t.name.clone(),
                kms_key_arn: t.kms_key_arn.clone(),
                policy: topic_policy(&topic_arn, &publishers(&topic_arn, &desired, env)),
                subscriptions: t
                    .subscriptions
                    .iter()
                    .map(|s| Subscription {
                        protocol: s.protocol.as_str().to_owned(),
                        endpoint: s.endpoint.clone(),
                    })
                    .collect(),
                pending: BTreeSet::new(),
                subscription_arns: BTreeMap::new(),
                tags: with_logical(&tags, logical),
            },
        );
    }
    desired
}

/// The ARN of a referenced topic: a topic of the spec by its name, or the ARN given.
fn topic_arn(topic: &TopicRef, model: &Model, env: &Environment) -> String {
    match topic {
        TopicRef::Spec(logical) => {
            let name = model
                .sns_topics
                .get(logical)
                .map_or_else(|| logical.clone(), |t| t.name.clone());
            arn::sns_topic(&env.partition, &env.region, &env.account_id, &name)
        }
        TopicRef::External { arn } => arn.clone(),
    }
}

/// The name of the reputation alarm of `metric` (for one configuration set, or the
/// account's rate).
pub fn alarm_name(stack: &str, metric: model::ReputationMetric, set: Option<&str>) -> String {
    let metric = metric.key().replace('_', "-");
    match set {
        None => format!("{stack}-ses-{metric}"),
        Some(set) => format!("{stack}-ses-{metric}-{set}"),
    }
}

fn reputation_alarm(
    stack: &str,
    alarm: &model::Alarm,
    set: Option<&str>,
    topic_arn: &str,
    tags: &Tags,
) -> Alarm {
    let (what, review) = match alarm.metric {
        model::ReputationMetric::BounceRate => ("bounce", limits::BOUNCE_REVIEW_RATE),
        model::ReputationMetric::ComplaintRate => ("complaint", limits::COMPLAINT_REVIEW_RATE),
    };
    let scope = match set {
        None => "the account's".to_owned(),
        Some(set) => format!("configuration set {set}'s"),
    };
    Alarm {
        name: alarm_name(stack, alarm.metric, set),
        description: format!(
            "sesinfra stack {stack}: {scope} SES {what} rate is at or above {} (AWS reviews an account at {})",
            limits::percent(alarm.threshold),
            limits::percent(review)
        ),
        metric_name: alarm.metric.metric_name().to_owned(),
        configuration_set: set.map(str::to_owned),
        statistic: ALARM_STATISTIC.to_owned(),
        period_seconds: limits::ALARM_PERIOD_SECONDS,
        evaluation_periods: limits::ALARM_EVALUATION_PERIODS,
        threshold: alarm.threshold,
        comparison: ALARM_COMPARISON.to_owned(),
        treat_missing_data: ALARM_MISSING_DATA.to_owned(),
        actions_enabled: true,
        alarm_actions: BTreeSet::from([topic_arn.to_owned()]),
        ok_actions: BTreeSet::from([topic_arn.to_owned()]),
        tags: tags.clone(),
    }
}

pub const ALARM_STATISTIC: &str = "Average";
pub const ALARM_COMPARISON: &str = "GreaterThanOrEqualToThreshold";
/// No datapoint means nothing was sent: not a breach.
pub const ALARM_MISSING_DATA: &str = "notBreaching";

/// More SES publishers than this on one topic are granted by wildcard (the account's
/// configuration sets or identities), so the policy stays far within SNS's 30 KB.
const MAX_LISTED_PUBLISHERS: usize = 100;

/// Who publishes to a topic: the SES resources (configuration sets of its event
/// destinations, identities of its notifications) and the alarms, by ARN.
#[derive(Debug, Default)]
struct Publishers {
    ses: BTreeSet<String>,
    alarms: BTreeSet<String>,
    /// Wildcards standing for SES resources when there are too many to list.
    ses_wildcards: BTreeSet<String>,
}

fn publishers(topic_arn: &str, desired: &Desired, env: &Environment) -> Publishers {
    let mut p = Publishers::default();
    let (sets, identities): (BTreeSet<&String>, BTreeSet<&String>) = (
        desired
            .event_destinations
            .values()
            .filter(|d| matches!(&d.target, Target::Sns { topic_arn: t } if t == topic_arn))
            .map(|d| &d.configuration_set)
            .collect(),
        desired
            .identity_notifications
            .values()
            .filter(|n| {
                [&n.topics.bounce, &n.topics.complaint, &n.topics.delivery]
                    .iter()
                    .any(|t| t.as_deref() == Some(topic_arn))
            })
            .map(|n| &n.identity)
            .collect(),
    );
    let ses = |resource: &str| {
        format!(
            "arn:{}:ses:{}:{}:{resource}",
            env.partition, env.region, env.account_id
        )
    };
    if sets.len() > MAX_LISTED_PUBLISHERS {
        p.ses_wildcards.insert(ses("configuration-set/*"));
    } else {
        p.ses
            .extend(sets.iter().map(|s| ses(&format!("configuration-set/{s}"))));
    }
    if identities.len() > MAX_LISTED_PUBLISHERS {
        p.ses_wildcards.insert(ses("identity/*"));
    } else {
        p.ses
            .extend(identities.iter().map(|i| ses(&format!("identity/{i}"))));
    }
    p.alarms = desired
        .alarms
        .values()
        .filter(|a| a.alarm_actions.contains(topic_arn) || a.ok_actions.contains(topic_arn))
        .map(|a| arn::alarm(&env.partition, &env.region, &env.account_id, &a.name))
        .collect();
    p
}

/// A topic's policy: the account manages it (as in AWS's default policy), SES may
/// publish for the configuration sets and identities that use it, and CloudWatch for
/// the alarms that notify it, each under the confused-deputy conditions
/// `aws:SourceAccount` and `aws:SourceArn`.
fn topic_policy(topic_arn: &str, publishers: &Publishers) -> PolicyDocument {
    let account = topic_arn.split(':').nth(4).unwrap_or_default();
    let partition = topic_arn.split(':').nth(1).unwrap_or("aws");
    let mut statements = vec![json!({
        "Sid": "AccountManages",
        "Effect": "Allow",
        "Principal": {"AWS": format!("arn:{partition}:iam::{account}:root")},
        "Action": [
            "sns:AddPermission", "sns:DeleteTopic", "sns:GetTopicAttributes",
            "sns:ListSubscriptionsByTopic", "sns:Publish", "sns:RemovePermission",
            "sns:SetTopicAttributes", "sns:Subscribe"
        ],
        "Resource": topic_arn,
    })];
    let mut service = |sid: &str, principal: &str, sources: Vec<&String>| {
        if sources.is_empty() {
            return;
        }
        statements.push(json!({
            "Sid": sid,
            "Effect": "Allow",
            "Principal": {"Service": principal},
            "Action": "sns:Publish",
            "Resource": topic_arn,
            "Condition": {
                "StringEquals": {"aws:SourceAccount": account},
                "ArnLike": {"aws:SourceArn": sources},
            },
        }));
    };
    service(
        "SesPublishes",
        "ses.amazonaws.com",
        publishers
            .ses
            .iter()
            .chain(&publishers.ses_wildcards)
            .collect(),
    );
    service(
        "CloudWatchAlarmsPublish",
        "cloudwatch.amazonaws.com",
        publishers.alarms.iter().collect(),
    );
    PolicyDocument::new(json!({
        "Version": POLICY_VERSION,
        "Statement": statements,
    }))
}

fn with_logical(tags: &Tags, logical: &str) -> Tags {
    let mut out = tags.clone();
    out.insert(LOGICAL_TAG.to_owned(), logical.to_owned());
    out
}

fn stack_tags(stack: &str, tags: &BTreeMap<String, String>) -> Tags {
    let mut out = tags.clone();
    out.insert(STACK_TAG.to_owned(), stack.to_owned());
    out
}

/// A stream as an event destination sees it: its ARN, and a label for role names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct StreamKey {
    arn: String,
    label: String,
}

fn stream_key(stream: &StreamRef, model: &Model, env: &Environment) -> StreamKey {
    match stream {
        StreamRef::Spec(logical) => {
            let name = model
                .streams
                .get(logical)
                .map_or(logical.as_str(), |s| s.name.as_str());
            StreamKey {
                arn: arn::delivery_stream(&env.partition, &env.region, &env.account_id, name),
                label: logical.clone(),
            }
        }
        // A stream outside the spec: label it by a hash of its ARN.
        StreamRef::External { arn } => StreamKey {
            arn: arn.clone(),
            label: format!("ext-{:08x}", fnv1a(arn) as u32),
        },
    }
}

/// `<stack>-<purpose>-<label>`, cut to IAM's limit with a stable hash suffix.
pub fn role_name(stack: &str, purpose: &str, label: &str) -> String {
    let full: String = format!("{stack}-{purpose}-{label}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    shorten(&full, MAX_ROLE_NAME)
}

fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let hash = format!("{:08x}", fnv1a(name) as u32);
    format!("{}-{hash}", &name[..max - hash.len() - 1])
}

/// FNV-1a, 64 bit: a stable hash for names (std's hasher may change between releases,
/// and generated names must not).
pub(crate) fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

const POLICY_VERSION: &str = "2012-10-17";

/// The KMS key of a bucket a stream writes to.
#[derive(Debug, Clone)]
struct BucketKms {
    key_arn: String,
    bucket_key: bool,
}

/// Where a Firehose stream writes: what its role must be allowed.
struct FirehoseWrites<'a> {
    bucket_arn: &'a str,
    /// The stream's prefix and error output prefix.
    prefixes: [&'a str; 2],
    kms: Option<&'a BucketKms>,
}

/// The values S3 puts in `kms:EncryptionContext:aws:s3:arn` when Firehose writes.
/// With an S3 Bucket Key it is the bucket ARN (one data key per bucket); without, the
/// object ARN, which starts with the bucket ARN and the static part of the prefix (up
/// to its first `!{...}` expression). An empty static part (including Firehose's
/// default `yyyy/MM/dd/HH/` layout for an empty prefix) means anywhere in the bucket.
fn kms_encryption_contexts(writes: &FirehoseWrites<'_>, bucket_key: bool) -> Vec<String> {
    if bucket_key {
        return vec![writes.bucket_arn.to_owned()];
    }
    let statics: BTreeSet<&str> = writes
        .prefixes
        .iter()
        .map(|p| p.find("!{").map_or(*p, |i| &p[..i]))
        .collect();
    if statics.contains("") {
        return vec![format!("{}/*", writes.bucket_arn)];
    }
    statics
        .into_iter()
        .map(|s| format!("{}/{s}*", writes.bucket_arn))
        .collect()
}

fn firehose_role(
    name: &str,
    stack: &str,
    env: &Environment,
    writes: &FirehoseWrites<'_>,
    tags: &Tags,
) -> Role {
    let bucket_arn = writes.bucket_arn;
    let trust = json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "firehose.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": env.account_id}}
        }]
    });
    let mut statements = vec![json!({
        "Effect": "Allow",
        "Action": [
            "s3:AbortMultipartUpload",
            "s3:GetBucketLocation",
            "s3:GetObject",
            "s3:ListBucket",
            "s3:ListBucketMultipartUploads",
            "s3:PutObject"
        ],
        "Resource": [bucket_arn, format!("{bucket_arn}/*")]
    })];
    if let Some(kms) = writes.kms {
        let via_service = format!("s3.{}.amazonaws.com", env.region);
        let contexts = kms_encryption_contexts(writes, kms.bucket_key);
        // Exactly what S3 asks for: the bucket ARN with a bucket key (compared exactly),
        // else object ARNs under the stream's prefixes (wildcards).
        let condition = if kms.bucket_key {
            json!({"StringEquals": {
                "kms:ViaService": via_service,
                "kms:EncryptionContext:aws:s3:arn": contexts
            }})
        } else {
            json!({
                "StringEquals": {"kms:ViaService": via_service},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": contexts}
            })
        };
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
            "Resource": kms.key_arn,
            "Condition": condition
        }));
    }
    Role {
        name: name.to_owned(),
        path: arn::role_path(stack),
        description: format!("sesinfra stack {stack}: Firehose writes to S3"),
        trust_policy: PolicyDocument::new(trust),
        attached_policies: Default::default(),
        inline_policies: BTreeMap::from([(
            "sesinfra".to_owned(),
            PolicyDocument::new(json!({"Version": POLICY_VERSION, "Statement": statements})),
        )]),
        tags: tags.clone(),
    }
}

fn ses_trust_policy(env: &Environment, sets: &BTreeSet<String>) -> PolicyDocument {
    let source_arns: Vec<String> = sets
        .iter()
        .map(|s| arn::configuration_set(&env.partition, &env.region, &env.account_id, s))
        .collect();
    PolicyDocument::new(json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {
                "aws:SourceAccount": env.account_id,
                "aws:SourceArn": source_arns
            }}
        }]
    }))
}

fn ses_role(
    name: &str,
    stack: &str,
    env: &Environment,
    stream_arn: &str,
    sets: &BTreeSet<String>,
    tags: &Tags,
) -> Role {
    let permissions = json!({
        "Version": POLICY_VERSION,
        "Statement": [{
            "Effect": "Allow",
            "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
            "Resource": stream_arn
        }]
    });
    Role {
        name: name.to_owned(),
        path: arn::role_path(stack),
        description: "sesinfra: SES publishes events to Firehose".to_owned(),
        trust_policy: ses_trust_policy(env, sets),
        attached_policies: Default::default(),
        inline_policies: BTreeMap::from([(
            "sesinfra".to_owned(),
            PolicyDocument::new(permissions),
        )]),
        tags: tags.clone(),
    }
}

/// Spreads `sets` over 2^k roles by a stable hash of each set's name, with the
/// smallest k for which every role's trust policy fits. Role names get a `-<i>` suffix
/// only once there is more than one.
fn split_by_trust_size(
    base: &str,
    sets: &BTreeSet<String>,
    env: &Environment,
) -> Vec<(String, BTreeSet<String>)> {
    for bits in 0..16u32 {
        let buckets = 1usize << bits;
        let mut groups: Vec<BTreeSet<String>> = vec![BTreeSet::new(); buckets];
        for set in sets {
            groups[(fnv1a(set) as usize) & (buckets - 1)].insert(set.clone());
        }
        if groups
            .iter()
            .all(|g| ses_trust_policy(env, g).compact_len() <= MAX_TRUST_POLICY_CHARS)
        {
            return groups
                .into_iter()
                .enumerate()
                .filter(|(_, g)| !g.is_empty())
                .map(|(i, g)| {
                    let name = if buckets == 1 {
                        base.to_owned()
                    } else {
                        // Cut the base so the suffix always fits.
                        let suffix = format!("-{i}");
                        format!("{}{suffix}", shorten(base, MAX_ROLE_NAME - suffix.len()))
                    };
                    (name, g)
                })
                .collect();
        }
    }
    // 2^15 roles cannot be needed: 10,000 sets is AWS's quota. Keep one role per set.
    sets.iter()
        .map(|s| {
            (
                shorten(&format!("{base}-{s}"), MAX_ROLE_NAME),
                BTreeSet::from([s.clone()]),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Decision, Request};
    use crate::spec;
    use crate::validate::{self, Inputs};

    fn env() -> Environment {
        Environment {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account_id: "111122223333".into(),
        }
    }

    fn model(text: &str) -> Model {
        let file = spec::parse("test.yaml".into(), text.into()).expect("parses");
        let inputs = Inputs {
            region: None,
            account_id: Some("111122223333".into()),
            vars: BTreeMap::new(),
            env: &|_| None,
        };
        let validated = validate::validate(file, &inputs);
        validated
            .model
            .unwrap_or_else(|| panic!("{}", validated.diagnostics.render(false, true)))
    }

    fn history(sets: usize) -> String {
        let mut text = String::from(
            "version: 1\nstack: mail\nregion: eu-west-1\nbuckets: {h: {name: \"ses-${account_id}\", encryption: {kms_key_arn: \"arn:aws:kms:eu-west-1:111122223333:key/k\"}}}\nfirehose_streams: {h: {bucket: h}}\nconfiguration_sets:\n",
        );
        for i in 0..sets {
            text.push_str(&format!("  tenant-number-{i:05}:\n    event_destinations: {{d: {{events: all, firehose: {{stream: h}}}}}}\n"));
        }
        text
    }

    const ALERTS: &str = "version: 1\nstack: mail\nregion: eu-west-1\n\
        sns_topics: {alerts: {subscriptions: [{protocol: email, endpoint: ops@example.com}]}}\n\
        configuration_sets: {Main: {reputation_metrics: true, event_destinations: {d: {events: [BOUNCE, COMPLAINT], sns: {topic: alerts}}}}, Quiet: {}}\n\
        identities: {example.com: {default_configuration_set: Main, feedback_forwarding: false, notifications: {delivery: {topic: alerts, include_headers: true}}}}\n\
        alarms: {bounce_rate: {topic: alerts, per_configuration_set: true}}\n";

    #[test]
    fn a_topic_s_policy_lets_exactly_its_publishers_publish_from_this_account() {
        let d = derive(&model(ALERTS), &env());
        let topic = &d.sns_topics["alerts"];
        assert_eq!(topic.name, "mail-alerts");
        let topic_arn = "arn:aws:sns:eu-west-1:111122223333:mail-alerts";
        let decide = |principal: &str, source: &str, account: &str| {
            // The evaluator reads identity policies: take each service's own statement
            // without its principal, and ArnLike as StringLike (the same matching on
            // these whole ARNs).
            let mut statement = topic.policy.value()["Statement"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["Principal"]["Service"] == principal)
                .cloned()
                .unwrap_or_else(|| panic!("no statement for {principal}"));
            let object = statement.as_object_mut().unwrap();
            object.remove("Principal");
            let condition = object["Condition"].as_object_mut().unwrap();
            let arn_like = condition.remove("ArnLike").unwrap();
            condition.insert("StringLike".into(), arn_like);
            PolicyDocument::new(json!({"Statement": [statement]}))
                .evaluate(&Request {
                    action: "sns:Publish",
                    resource: topic_arn,
                    context: &[("aws:SourceArn", source), ("aws:SourceAccount", account)],
                })
                .unwrap()
        };
        let set = "arn:aws:ses:eu-west-1:111122223333:configuration-set/Main";
        let identity = "arn:aws:ses:eu-west-1:111122223333:identity/example.com";
        let alarm = "arn:aws:cloudwatch:eu-west-1:111122223333:alarm:mail-ses-bounce-rate-Main";
        assert_eq!(
            decide("ses.amazonaws.com", set, "111122223333"),
            Decision::Allow
        );
        assert_eq!(
            decide("ses.amazonaws.com", identity, "111122223333"),
            Decision::Allow
        );
        assert_eq!(
            decide("cloudwatch.amazonaws.com", alarm, "111122223333"),
            Decision::Allow
        );
        // Another set, another account: the confused deputy is refused.
        let other = "arn:aws:ses:eu-west-1:111122223333:configuration-set/Quiet";
        assert_eq!(
            decide("ses.amazonaws.com", other, "111122223333"),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide("ses.amazonaws.com", set, "999999999999"),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn alarms_watch_the_account_and_each_set_with_reputation_metrics() {
        let d = derive(&model(ALERTS), &env());
        assert_eq!(
            d.alarms.keys().collect::<Vec<_>>(),
            ["mail-ses-bounce-rate", "mail-ses-bounce-rate-Main"]
        );
        let set_alarm = &d.alarms["mail-ses-bounce-rate-Main"];
        assert_eq!(set_alarm.configuration_set.as_deref(), Some("Main"));
        assert_eq!(set_alarm.threshold, limits::DEFAULT_BOUNCE_ALARM_THRESHOLD);
        assert_eq!(set_alarm.tags[STACK_TAG], "mail");
        assert!(
            set_alarm
                .description
                .contains("at or above 4% (AWS reviews an account at 5%)")
        );
        let n = &d.identity_notifications["example.com"];
        assert_eq!(
            n.topics.delivery.as_deref(),
            Some("arn:aws:sns:eu-west-1:111122223333:mail-alerts")
        );
        assert!(n.headers_in_delivery && !n.headers_in_bounce);
        assert_eq!(n.topics.bounce, None);
    }

    #[test]
    fn send_history_derives_two_least_privilege_roles() {
        let d = derive(&model(&history(1)), &env());
        assert_eq!(
            d.roles.keys().collect::<Vec<_>>(),
            ["mail-firehose-h", "mail-ses-h"]
        );
        let fh = &d.roles["mail-firehose-h"];
        assert_eq!(
            fh.trust_policy.value()["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
            "111122223333"
        );
        let perms = fh.inline_policies["sesinfra"].value();
        assert_eq!(
            perms["Statement"][0]["Resource"],
            json!([
                "arn:aws:s3:::ses-111122223333",
                "arn:aws:s3:::ses-111122223333/*"
            ])
        );
        assert_eq!(
            perms["Statement"][1]["Resource"],
            "arn:aws:kms:eu-west-1:111122223333:key/k"
        );
        let ses = &d.roles["mail-ses-h"];
        let condition = &ses.trust_policy.value()["Statement"][0]["Condition"]["StringEquals"];
        assert_eq!(condition["aws:SourceAccount"], "111122223333");
        assert_eq!(
            condition["aws:SourceArn"],
            json!(["arn:aws:ses:eu-west-1:111122223333:configuration-set/tenant-number-00000"])
        );
        assert_eq!(
            ses.inline_policies["sesinfra"].value()["Statement"][0]["Action"],
            json!(["firehose:PutRecord", "firehose:PutRecordBatch"])
        );
        let dest = &d.event_destinations[&("tenant-number-00000".to_owned(), "d".to_owned())];
        assert_eq!(
            dest.target,
            Target::Firehose {
                delivery_stream_arn:
                    "arn:aws:firehose:eu-west-1:111122223333:deliverystream/mail-h".into(),
                iam_role_arn: "arn:aws:iam::111122223333:role/sesinfra/mail/mail-ses-h".into(),
            }
        );
        assert!(
            d.configuration_sets
                .values()
                .all(|s| s.tags[STACK_TAG] == "mail")
        );
    }

    /// The Firehose role's permissions for a stream writing under `ses/` (and the
    /// default error prefix) to a bucket encrypted with key `k`.
    fn kms_role_permissions(bucket_key: Option<bool>) -> PolicyDocument {
        let bucket_key = bucket_key.map_or(String::new(), |b| format!(", bucket_key: {b}"));
        let text = format!(
            "version: 1\nstack: mail\nregion: eu-west-1\nbuckets: {{h: {{name: ses-111122223333, encryption: {{kms_key_arn: \"{KEY}\"{bucket_key}}}}}}}\nfirehose_streams: {{h: {{bucket: h, prefix: \"ses/!{{timestamp:yyyy/MM/dd}}/\"}}}}\n"
        );
        derive(&model(&text), &env()).roles["mail-firehose-h"].inline_policies["sesinfra"].clone()
    }

    const KEY: &str = "arn:aws:kms:eu-west-1:111122223333:key/k";
    const BUCKET_ARN: &str = "arn:aws:s3:::ses-111122223333";
    const VIA_S3: (&str, &str) = ("kms:ViaService", "s3.eu-west-1.amazonaws.com");
    const CONTEXT_KEY: &str = "kms:EncryptionContext:aws:s3:arn";

    /// What S3 asks KMS for when Firehose writes an object: GenerateDataKey (and
    /// Decrypt for multipart uploads) on the key, via S3, with the encryption context.
    fn kms_decision(
        policy: &PolicyDocument,
        action: &str,
        key: &str,
        context: &[(&str, &str)],
    ) -> Decision {
        policy
            .evaluate(&Request {
                action,
                resource: key,
                context,
            })
            .expect("the evaluator understands the generated policy")
    }

    #[test]
    fn kms_grant_with_a_bucket_key_allows_the_bucket_arn_context_only() {
        for policy in [kms_role_permissions(None), kms_role_permissions(Some(true))] {
            for action in ["kms:GenerateDataKey", "kms:Decrypt"] {
                let ok = [VIA_S3, (CONTEXT_KEY, BUCKET_ARN)];
                assert_eq!(kms_decision(&policy, action, KEY, &ok), Decision::Allow);
                let denied: [&[(&str, &str)]; 5] = [
                    // The object ARN: S3 does not send it when a bucket key is used.
                    &[
                        VIA_S3,
                        (CONTEXT_KEY, "arn:aws:s3:::ses-111122223333/ses/2024/x"),
                    ],
                    &[VIA_S3, (CONTEXT_KEY, "arn:aws:s3:::other-bucket")],
                    &[VIA_S3, (CONTEXT_KEY, "arn:aws:s3:::ses-111122223333-other")],
                    &[(CONTEXT_KEY, BUCKET_ARN)],
                    &[
                        ("kms:ViaService", "s3.us-east-1.amazonaws.com"),
                        (CONTEXT_KEY, BUCKET_ARN),
                    ],
                ];
                for context in denied {
                    assert_eq!(
                        kms_decision(&policy, action, KEY, context),
                        Decision::ImplicitDeny,
                        "{context:?}"
                    );
                }
                let other_key = "arn:aws:kms:eu-west-1:111122223333:key/other";
                assert_eq!(
                    kms_decision(&policy, action, other_key, &ok),
                    Decision::ImplicitDeny
                );
            }
            assert_eq!(
                kms_decision(
                    &policy,
                    "kms:Encrypt",
                    KEY,
                    &[VIA_S3, (CONTEXT_KEY, BUCKET_ARN)]
                ),
                Decision::ImplicitDeny
            );
        }
    }

    #[test]
    fn kms_grant_without_a_bucket_key_allows_object_arns_under_the_prefixes() {
        let policy = kms_role_permissions(Some(false));
        for action in ["kms:GenerateDataKey", "kms:Decrypt"] {
            for object in [
                "arn:aws:s3:::ses-111122223333/ses/2024/01/02/h-1-2024-01-02-03-04-05-uuid.gz",
                "arn:aws:s3:::ses-111122223333/error/processing-failed/2024/x",
            ] {
                assert_eq!(
                    kms_decision(&policy, action, KEY, &[VIA_S3, (CONTEXT_KEY, object)]),
                    Decision::Allow,
                    "{object}"
                );
            }
            let denied: [&[(&str, &str)]; 5] = [
                // The bucket ARN: S3 sends it only with a bucket key.
                &[VIA_S3, (CONTEXT_KEY, BUCKET_ARN)],
                &[
                    VIA_S3,
                    (CONTEXT_KEY, "arn:aws:s3:::ses-111122223333/elsewhere/x"),
                ],
                &[VIA_S3, (CONTEXT_KEY, "arn:aws:s3:::other-bucket/ses/x")],
                &[
                    VIA_S3,
                    (CONTEXT_KEY, "arn:aws:s3:::ses-111122223333-other/ses/x"),
                ],
                &[(CONTEXT_KEY, "arn:aws:s3:::ses-111122223333/ses/x")],
            ];
            for context in denied {
                assert_eq!(
                    kms_decision(&policy, action, KEY, context),
                    Decision::ImplicitDeny,
                    "{context:?}"
                );
            }
            assert_eq!(
                kms_decision(
                    &policy,
                    action,
                    "arn:aws:kms:eu-west-1:111122223333:key/other",
                    &[VIA_S3, (CONTEXT_KEY, "arn:aws:s3:::ses-111122223333/ses/x")]
                ),
                Decision::ImplicitDeny
            );
        }
    }

    #[test]
    fn s3_grant_covers_the_bucket_and_its_objects_only() {
        let policy = kms_role_permissions(None);
        let put = |resource| {
            policy
                .evaluate(&Request {
                    action: "s3:PutObject",
                    resource,
                    context: &[],
                })
                .unwrap()
        };
        assert_eq!(put("arn:aws:s3:::ses-111122223333/ses/x"), Decision::Allow);
        assert_eq!(put("arn:aws:s3:::other/ses/x"), Decision::ImplicitDeny);
    }

    #[test]
    fn noncurrent_expiry_defaults_to_the_expiry_on_versioned_buckets_only() {
        let noncurrent = |bucket: &str| {
            let text = format!(
                "version: 1\nstack: mail\nbuckets: {{h: {{name: ses-bucket-1, {bucket}}}}}\n"
            );
            derive(&model(&text), &env()).buckets["h"].noncurrent_expire_after_days
        };
        assert_eq!(
            noncurrent("versioning: true, lifecycle: {expire_after_days: 9}"),
            Some(9)
        );
        assert_eq!(noncurrent("lifecycle: {expire_after_days: 9}"), None);
        assert_eq!(
            noncurrent(
                "versioning: true, lifecycle: {expire_after_days: 9, noncurrent_expire_after_days: 2}"
            ),
            Some(2)
        );
        // After versioning is suspended the rule still cleans up the old versions.
        assert_eq!(
            noncurrent("lifecycle: {expire_after_days: 9, noncurrent_expire_after_days: 2}"),
            Some(2)
        );
        assert_eq!(noncurrent("versioning: true"), None);
    }

    #[test]
    fn hundreds_of_sets_fit_iam_trust_policy_limits() {
        let d = derive(&model(&history(500)), &env());
        let ses_roles: Vec<&Role> = d
            .roles
            .values()
            .filter(|r| r.name.starts_with("mail-ses-h"))
            .collect();
        assert!(ses_roles.len() > 1);
        let mut covered = BTreeSet::new();
        for role in &ses_roles {
            assert!(
                role.trust_policy.compact_len() <= MAX_TRUST_POLICY_CHARS,
                "{}",
                role.name
            );
            assert!(role.name.len() <= MAX_ROLE_NAME);
            for arn in role.trust_policy.value()["Statement"][0]["Condition"]["StringEquals"]["aws:SourceArn"].as_array().unwrap() {
                assert!(covered.insert(arn.as_str().unwrap().to_owned()), "{arn} in two roles");
            }
        }
        assert_eq!(covered.len(), 500);
        // Each destination uses the role whose trust policy names its set.
        for ((set, _), dest) in &d.event_destinations {
            let Target::Firehose { iam_role_arn, .. } = &dest.target else {
                panic!()
            };
            let role = &d.roles[iam_role_arn.rsplit('/').next().unwrap()];
            let arns = role.trust_policy.value().to_string();
            assert!(
                arns.contains(&format!("configuration-set/{set}\"")),
                "{set} not trusted by {iam_role_arn}"
            );
        }
    }

    #[test]
    fn adding_a_set_changes_at_most_one_role_when_no_split_happens() {
        let before = derive(&model(&history(60)), &env());
        let after = derive(&model(&history(61)), &env());
        // The sizes are chosen so no split happens; otherwise this tests nothing.
        assert_eq!(before.roles.len(), after.roles.len());
        let changed = before
            .roles
            .iter()
            .filter(|(name, role)| after.roles.get(*name) != Some(*role))
            .count();
        assert_eq!(changed, 1, "exactly the role trusting the new set changes");
    }

    #[test]
    fn names_are_deterministic_and_within_limits() {
        let long = "x".repeat(64);
        let a = role_name("a-very-long-stack-name-of-32-chr", "firehose", &long);
        assert_eq!(
            a,
            role_name("a-very-long-stack-name-of-32-chr", "firehose", &long)
        );
        assert_eq!(a.len(), MAX_ROLE_NAME);
        assert_ne!(
            a,
            role_name(
                "a-very-long-stack-name-of-32-chr",
                "firehose",
                &format!("{long}y")
            )
        );
        assert_eq!(role_name("s", "ses", "h"), "s-ses-h");
    }

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        // Generated names depend on it: it must never change.
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a("foobar"), 0x8594_4171_f739_67e8);
    }
}
