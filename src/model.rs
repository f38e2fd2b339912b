//! The validated model: what the spec means, with every default applied, every
//! `${...}` expanded, every reference checked, and sets as sets. Later steps (desired
//! resources, plan) start here and never look at the raw spec again.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::spec::types::{
    Compression, DeletionPolicy, DimensionSource, EventType, HttpsPolicy, Signing,
    SubscriptionProtocol, SuppressionReason, TlsPolicy,
};

/// Firehose buffering defaults, for reading a stream that reports no hints (defined with
/// every other default in `spec::limits`).
pub use crate::spec::limits::{DEFAULT_BUFFER_INTERVAL_SECONDS, DEFAULT_BUFFER_SIZE_MB};

#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    pub stack: String,
    /// The spec's `region:`, else `--region`/environment; `None` = the SDK's chain decides.
    pub region: Option<String>,
    pub tags: BTreeMap<String, String>,
    pub buckets: BTreeMap<String, Bucket>,
    pub streams: BTreeMap<String, Stream>,
    pub configuration_sets: BTreeMap<String, ConfigurationSet>,
    pub identities: BTreeMap<String, Identity>,
    /// `None`: the spec has no `account:`; sesinfra leaves the account settings alone.
    pub account: Option<Account>,
    /// Managed SNS topics by logical name.
    pub sns_topics: BTreeMap<String, SnsTopic>,
    /// Reputation alarms by the metric they watch.
    pub alarms: BTreeMap<ReputationMetric, Alarm>,
    /// `analytics.athena`: the Glue database and table over a stream's output.
    pub athena: Option<Athena>,
}

/// An SNS topic sesinfra creates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsTopic {
    pub logical: String,
    pub name: String,
    /// A key or alias ARN; `None`: not encrypted.
    pub kms_key_arn: Option<String>,
    pub subscriptions: BTreeSet<Subscription>,
}

/// One subscription of a topic: what SNS identifies it by besides the topic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subscription {
    pub protocol: SubscriptionProtocol,
    pub endpoint: String,
}

/// A reference to an SNS topic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum TopicRef {
    /// A topic of `sns_topics:`, by logical name.
    Spec(String),
    /// A topic outside the spec.
    External { arn: String },
}

/// An identity's notification topics (SES v1); `None` where the spec sets none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Notifications {
    pub bounce: Option<NotificationTopic>,
    pub complaint: Option<NotificationTopic>,
    pub delivery: Option<NotificationTopic>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationTopic {
    pub topic: TopicRef,
    pub include_headers: bool,
}

/// The SES reputation metric an alarm watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReputationMetric {
    BounceRate,
    ComplaintRate,
}

impl ReputationMetric {
    /// The CloudWatch metric name in namespace `AWS/SES`.
    pub fn metric_name(self) -> &'static str {
        match self {
            ReputationMetric::BounceRate => "Reputation.BounceRate",
            ReputationMetric::ComplaintRate => "Reputation.ComplaintRate",
        }
    }

    /// The spec's key (`bounce_rate`), also the part of the alarm's name.
    pub fn key(self) -> &'static str {
        match self {
            ReputationMetric::BounceRate => "bounce_rate",
            ReputationMetric::ComplaintRate => "complaint_rate",
        }
    }
}

/// A reputation alarm of the spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub metric: ReputationMetric,
    /// A fraction, 0 to 1.
    pub threshold: f64,
    pub topic: TopicRef,
    /// Also one alarm per configuration set with reputation metrics on.
    pub per_configuration_set: bool,
}

/// `analytics.athena`, references resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Athena {
    /// The stream's logical name.
    pub stream: String,
    pub database: String,
    pub table: String,
    /// The name of the bucket the stream writes to.
    pub bucket: String,
    /// The stream's objects in time (its prefix read as partition projection).
    pub layout: crate::athena::Layout,
    /// How far back partition projection reaches, in days.
    pub projection_days: u32,
    /// Where Athena writes results, `s3://bucket/prefix`; `None`: the workgroup's.
    pub results: Option<String>,
    pub workgroup: String,
}

/// The account settings the spec manages; a group left out (`None`) is not managed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub suppression: Option<BTreeSet<SuppressionReason>>,
    pub vdm: Option<AccountVdm>,
}

/// The account's VDM settings, AWS's defaults (all off) applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountVdm {
    pub enabled: bool,
    pub engagement_metrics: bool,
    pub optimized_shared_delivery: bool,
}

/// A configuration set's VDM options; `None` follows the account's setting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SetVdm {
    pub engagement_metrics: Option<bool>,
    pub optimized_shared_delivery: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bucket {
    pub logical: String,
    pub name: String,
    /// Referenced only; sesinfra manages nothing about it.
    pub existing: bool,
    pub versioning: bool,
    pub encryption: Encryption,
    pub block_public_access: bool,
    pub expire_after_days: Option<u32>,
    /// Versioned buckets only; defaults to `expire_after_days`.
    pub noncurrent_expire_after_days: Option<u32>,
    pub deletion_policy: DeletionPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    SseS3,
    Kms {
        /// A key ARN, or an alias ARN until the engine resolves it (`engine::prepare`).
        key_arn: String,
        /// S3 Bucket Key; default true.
        bucket_key: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    pub logical: String,
    pub name: String,
    pub bucket: StreamBucket,
    pub prefix: String,
    pub error_output_prefix: String,
    pub buffer_size_mb: u32,
    pub buffer_interval_seconds: u32,
    pub compression: Compression,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamBucket {
    /// A bucket of the spec, by logical name.
    Spec(String),
    /// A bucket outside the spec, by ARN.
    External { arn: String },
}

/// An IAM role used by a stream or an event destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Generated by sesinfra with least privilege.
    Auto,
    Existing {
        arn: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfigurationSet {
    pub name: String,
    pub sending_enabled: bool,
    pub reputation_metrics: bool,
    pub tls_policy: TlsPolicy,
    pub sending_pool: Option<String>,
    pub max_delivery_seconds: Option<u32>,
    pub tracking: Option<Tracking>,
    /// `None`: the account-level list applies. `Some(empty)`: suppress nothing.
    pub suppression: Option<BTreeSet<SuppressionReason>>,
    pub vdm: SetVdm,
    /// A Mail Manager archive ARN; `None`: no archiving.
    pub archive_arn: Option<String>,
    pub signing: Signing,
    /// Stack tags merged with the set's own tags (the set's win).
    pub tags: BTreeMap<String, String>,
    pub event_destinations: BTreeMap<String, EventDestination>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub custom_redirect_domain: String,
    pub https_policy: HttpsPolicy,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventDestination {
    pub name: String,
    pub enabled: bool,
    pub events: BTreeSet<EventType>,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Firehose { stream: StreamRef, role: Role },
    Sns { topic: TopicRef },
    CloudWatch { dimensions: Vec<Dimension> },
    EventBridge { event_bus_arn: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamRef {
    /// A stream of the spec, by logical name.
    Spec(String),
    External {
        arn: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    pub name: String,
    pub source: DimensionSource,
    pub default: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub default_configuration_set: Option<String>,
    /// AWS's default is true; the model keeps that default when the spec says nothing.
    pub feedback_forwarding: bool,
    pub notifications: Notifications,
}

impl ConfigurationSet {
    /// Event types published by the set's enabled destinations.
    pub fn covered_events(&self) -> BTreeSet<EventType> {
        self.event_destinations
            .values()
            .filter(|d| d.enabled)
            .flat_map(|d| d.events.iter().copied())
            .collect()
    }
}
