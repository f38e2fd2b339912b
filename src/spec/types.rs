//! The spec file as written: typed Rust structures for every key of the contract's
//! spec format (v1). Strings here are raw — `${...}` is not yet interpolated and
//! nothing is checked beyond YAML types; `crate::validate` turns this into the model.
//!
//! Doc comments on these types become the descriptions in the JSON Schema
//! (`sesinfra schema`), which editors show on hover. A description that states a
//! default or a limit is written as `#[schemars(description = ...)]` from the constants
//! in `limits`, which the checks in `crate::validate` use too.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::limits::{self, span, spelled};

/// A sesinfra spec: the whole SES sending-event pipeline of one stack.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "sesinfra spec (version 1)")]
pub struct Spec {
    #[schemars(
        range(min = limits::SPEC_VERSION, max = limits::SPEC_VERSION),
        description = format!("Spec format version. Only {} exists.", limits::SPEC_VERSION)
    )]
    pub version: u32,
    #[schemars(
        regex(pattern = limits::STACK_NAME.pattern()),
        description = format!(
            "Stack name, {}. Tags and generated names use it.",
            limits::STACK_NAME.describe()
        )
    )]
    pub stack: String,
    /// AWS region, e.g. eu-west-1. Else --region, else the AWS config/env chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Tags added to every taggable resource sesinfra creates.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// User variables, used as ${var.NAME}; `--var NAME=VALUE` overrides them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    /// S3 buckets that receive Firehose output, by logical name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub buckets: BTreeMap<String, Bucket>,
    /// Firehose streams (Direct PUT into S3), by logical name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub firehose_streams: BTreeMap<String, FirehoseStream>,
    /// SES configuration sets; the key is the configuration set name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": limits::SES_NAME.pattern()}))]
    pub configuration_sets: BTreeMap<String, ConfigurationSet>,
    /// Existing SES identities (domains or email addresses) whose settings sesinfra manages.
    /// Identities are never created or deleted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identities: BTreeMap<String, Identity>,
    /// SNS topics sesinfra creates and owns, by logical name: for event destinations,
    /// identity notifications and alarms.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": limits::LOGICAL_NAME.pattern()}))]
    pub sns_topics: BTreeMap<String, SnsTopic>,
    /// CloudWatch alarms on the account's SES reputation metrics (`AWS/SES`
    /// `Reputation.BounceRate` and `Reputation.ComplaintRate`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alarms: Option<Alarms>,
    /// The region's SES account settings (suppression list, VDM). Managed only when
    /// present; removing it leaves AWS's account settings as they are. One stack per
    /// region may manage them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
    /// Query the archive at scale: a Glue table for Amazon Athena over a stream's S3
    /// output (`sesinfra history --engine athena`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics: Option<Analytics>,
}

/// Analytics over the event archive.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Analytics {
    /// A Glue database and table for Athena over a Firehose stream's S3 output, with
    /// partition projection matching the stream's prefix (no crawler, no MSCK REPAIR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub athena: Option<Athena>,
}

/// The Glue database and table Athena queries the archive through.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Athena {
    /// Logical name of the stream in `firehose_streams:` whose S3 output the table reads.
    pub stream: String,
    #[schemars(
        regex(pattern = limits::glue_name_pattern()),
        description = format!(
            "Glue database, {} (Athena reads lower-case names only). sesinfra creates and owns it.",
            limits::glue_name_describe()
        )
    )]
    pub database: String,
    #[schemars(
        regex(pattern = limits::glue_name_pattern()),
        description = format!(
            "Glue table in that database, {}.",
            limits::glue_name_describe()
        )
    )]
    pub table: String,
    /// Where Athena writes query results: `{bucket: <logical>, prefix: "athena-results/"}`
    /// or `{s3_uri: "s3://bucket/prefix/"}`. Default: the workgroup's result location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub results: Option<AthenaResults>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Athena workgroup the queries run in. Default `{}`.",
        limits::DEFAULT_ATHENA_WORKGROUP
    ))]
    pub workgroup: Option<String>,
}

/// Athena's query result location: exactly one of `bucket` (with `prefix`) or `s3_uri`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AthenaResults {
    /// Logical name of a bucket in `buckets:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    /// Key prefix in that bucket, e.g. `athena-results/`. Default: the bucket's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// An S3 location outside the spec, `s3://bucket/prefix/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_uri: Option<String>,
}

/// SES account-level settings of the region. A group left out is not managed.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// The account-level suppression list: the reasons an address is added to it.
    /// `{reasons: []}` adds no address. Configuration sets without `suppression` use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Virtual Deliverability Manager for the account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vdm: Option<AccountVdm>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountVdm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Virtual Deliverability Manager on or off. Default {} (AWS's default).",
        limits::DEFAULT_VDM_ENABLED
    ))]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Engagement tracking (opens and clicks) in the VDM dashboard. Default {}.",
        limits::DEFAULT_VDM_ENGAGEMENT_METRICS
    ))]
    pub engagement_metrics: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Optimized shared delivery (VDM's delivery optimisation). Default {}.",
        limits::DEFAULT_VDM_OPTIMIZED_SHARED_DELIVERY
    ))]
    pub optimized_shared_delivery: Option<bool>,
}

/// An S3 bucket that receives Firehose output.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Physical bucket name, e.g. ses-history-${account_id}-${region}.
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "true: the bucket exists already; sesinfra only references it and manages none of it. Default {}.",
        limits::DEFAULT_BUCKET_EXISTING
    ))]
    pub existing: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Object versioning. Default {} (AWS's default).",
        limits::DEFAULT_VERSIONING
    ))]
    pub versioning: Option<bool>,
    /// Default encryption: `sse-s3` (AWS's default) or `{kms_key_arn: ARN, bucket_key: true}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Block all public access. Default {}.",
        limits::DEFAULT_BLOCK_PUBLIC_ACCESS
    ))]
    pub block_public_access: Option<bool>,
    /// Lifecycle rule for the whole bucket. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "`retain`: sesinfra never deletes the bucket. `delete`: deleted when removed from the \
         spec or on destroy, but only if empty. Default `{}`.",
        spelled(&limits::DEFAULT_DELETION_POLICY)
    ))]
    pub deletion_policy: Option<DeletionPolicy>,
}

/// Bucket default encryption: `sse-s3` or `{kms_key_arn: ARN, bucket_key: BOOL}`.
/// Deserialised by hand (`two_shapes.rs`) so errors say what is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encryption {
    /// Amazon S3 managed keys (SSE-S3).
    SseS3,
    /// A KMS key (SSE-KMS).
    Kms(KmsEncryption),
}

/// SSE-KMS with a customer managed key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KmsEncryption {
    /// The KMS key: a key ARN, or an alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME),
    /// which sesinfra resolves to its key ARN when it plans.
    pub kms_key_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Use an S3 Bucket Key (fewer KMS requests; S3 then uses the bucket ARN as the KMS \
         encryption context). Default {}.",
        limits::DEFAULT_BUCKET_KEY
    ))]
    pub bucket_key: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    #[schemars(
        range(min = limits::MIN_EXPIRE_DAYS),
        description = format!(
            "Objects expire this many days after creation ({} or more).",
            limits::MIN_EXPIRE_DAYS
        )
    )]
    pub expire_after_days: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(min = limits::MIN_EXPIRE_DAYS),
        description = format!(
            "Noncurrent object versions are deleted this many days after they become \
             noncurrent ({} or more). Default: `expire_after_days` on a versioned bucket, none \
             on an unversioned one (set it there to clean up after suspending versioning).",
            limits::MIN_EXPIRE_DAYS
        )
    )]
    pub noncurrent_expire_after_days: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeletionPolicy {
    Retain,
    Delete,
}

/// A Firehose stream (Direct PUT) delivering into S3.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirehoseStream {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Stream name. Default {:?}.",
        limits::default_stream_name("${stack}", "<logical name>")
    ))]
    pub name: Option<String>,
    /// Logical bucket name from `buckets:`, or `{arn: arn:aws:s3:::bucket}`.
    pub bucket: BucketRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "S3 key prefix. Default {:?}. Firehose `!{{...}}` expressions are allowed.",
        limits::DEFAULT_PREFIX
    ))]
    pub prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "S3 key prefix for failed records. Default {:?}.",
        limits::DEFAULT_ERROR_OUTPUT_PREFIX
    ))]
    pub error_output_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Buffering hints. Default {} MiB / {} seconds.",
        limits::DEFAULT_BUFFER_SIZE_MB,
        limits::DEFAULT_BUFFER_INTERVAL_SECONDS
    ))]
    pub buffering: Option<Buffering>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Compression of delivered objects. Default {}.",
        spelled(&limits::DEFAULT_COMPRESSION)
    ))]
    pub compression: Option<Compression>,
    /// IAM role Firehose uses to write to S3: `auto` (default; a generated least-privilege
    /// role) or `{arn: ARN}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleRef>,
}

/// A bucket reference: a logical name from `buckets:`, or `{arn: ARN}` for a bucket
/// outside the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketRef {
    Logical(String),
    Arn(String),
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Buffering {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(min = *limits::BUFFER_SIZE_MB.start(), max = *limits::BUFFER_SIZE_MB.end()),
        description = format!(
            "Buffer size in MiB, {}. Default {}.",
            span(&limits::BUFFER_SIZE_MB),
            limits::DEFAULT_BUFFER_SIZE_MB
        )
    )]
    pub size_mb: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(
            min = *limits::BUFFER_INTERVAL_SECONDS.start(),
            max = *limits::BUFFER_INTERVAL_SECONDS.end()
        ),
        description = format!(
            "Buffer interval in seconds, {}. Default {}.",
            span(&limits::BUFFER_INTERVAL_SECONDS),
            limits::DEFAULT_BUFFER_INTERVAL_SECONDS
        )
    )]
    pub interval_seconds: Option<u32>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum Compression {
    #[serde(rename = "UNCOMPRESSED")]
    Uncompressed,
    #[serde(rename = "GZIP")]
    Gzip,
    #[serde(rename = "ZIP")]
    Zip,
    #[serde(rename = "Snappy")]
    Snappy,
    #[serde(rename = "HADOOP_SNAPPY")]
    HadoopSnappy,
}

/// An IAM role: `auto` for a generated least-privilege role, or `{arn: ARN}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum RoleRef {
    /// A role sesinfra generates and manages, with least privilege.
    #[serde(rename = "auto")]
    Auto,
    /// An existing role, by ARN.
    #[serde(rename = "arn")]
    Arn(String),
}

/// An SES configuration set.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigurationSet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Whether email can be sent with this configuration set. Default {}.",
        limits::DEFAULT_SENDING_ENABLED
    ))]
    pub sending_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Whether reputation metrics are collected. Default {}.",
        limits::DEFAULT_REPUTATION_METRICS
    ))]
    pub reputation_metrics: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Delivery options. Default: TLS {}, shared pool, no maximum delivery time.",
        spelled(&limits::DEFAULT_TLS_POLICY)
    ))]
    pub delivery: Option<Delivery>,
    /// Open/click tracking options. Default: SES's own tracking domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<Tracking>,
    /// Suppression list override. Omitted: the account-level suppression list applies.
    /// `{reasons: []}` suppresses nothing for this configuration set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppression: Option<Suppression>,
    /// Virtual Deliverability Manager options of this set. Omitted (or a key of it
    /// omitted): the account's VDM settings apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vdm: Option<SetVdm>,
    /// ARN of a Mail Manager archive that keeps a copy of every message sent with this
    /// set: arn:aws:ses:REGION:ACCOUNT:mailmanager-archive/a-ID. Default: no archiving.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = limits::archive_arn_pattern()))]
    pub archive_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Message-level security: whether SES signs messages with S/MIME. Default \
         `{{signing: {}}}` (no S/MIME signature).",
        spelled(&limits::DEFAULT_SIGNING)
    ))]
    pub message_security: Option<MessageSecurity>,
    /// Tags of the configuration set (added to the stack's `tags`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Event destinations; the key is the event destination name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": limits::SES_NAME.pattern()}))]
    pub event_destinations: BTreeMap<String, EventDestination>,
}

/// VDM options of a configuration set; a key left out follows the account.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetVdm {
    /// Engagement tracking in the VDM dashboard for this set (true: ENABLED, false:
    /// DISABLED). Omitted: the account's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement_metrics: Option<bool>,
    /// Optimized shared delivery for this set. Omitted: the account's setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimized_shared_delivery: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageSecurity {
    /// `default`: no S/MIME signature. `smime`: SES signs each message with S/MIME
    /// (a detached signature).
    pub signing: Signing,
}

/// The signing scheme of a configuration set (SES v2 `SigningScheme`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Signing {
    /// `DefaultScheme`: no S/MIME signature.
    #[default]
    Default,
    /// `SmimeScheme` with the `DETACHED` signature format.
    Smime,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Delivery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "REQUIRE: only deliver over TLS. OPTIONAL: TLS when the receiver offers it. Default {}.",
        spelled(&limits::DEFAULT_TLS_POLICY)
    ))]
    pub tls_policy: Option<TlsPolicy>,
    /// Name of a dedicated IP pool. Default: the shared pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending_pool: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(
            min = *limits::MAX_DELIVERY_SECONDS.start(),
            max = *limits::MAX_DELIVERY_SECONDS.end()
        ),
        description = format!(
            "Maximum time SES retries delivery, {} seconds. Default: SES's own limit.",
            span(&limits::MAX_DELIVERY_SECONDS)
        )
    )]
    pub max_delivery_seconds: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum TlsPolicy {
    Require,
    Optional,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tracking {
    /// Custom domain for open and click tracking links.
    pub custom_redirect_domain: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "HTTPS for tracking links. Default {}.",
        spelled(&limits::DEFAULT_HTTPS_POLICY)
    ))]
    pub https_policy: Option<HttpsPolicy>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum HttpsPolicy {
    #[serde(rename = "REQUIRE")]
    Require,
    #[serde(rename = "REQUIRE_OPEN_ONLY")]
    RequireOpenOnly,
    #[serde(rename = "OPTIONAL")]
    Optional,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Reasons an address is added to the suppression list. An empty list suppresses nothing.
    pub reasons: Vec<SuppressionReason>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum SuppressionReason {
    Bounce,
    Complaint,
}

/// One event destination of a configuration set. Exactly one of `firehose`, `sns`,
/// `cloudwatch`, `eventbridge`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventDestination {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Whether events are published. Default {}.",
        limits::DEFAULT_DESTINATION_ENABLED
    ))]
    pub enabled: Option<bool>,
    /// `all`, or a list of event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<EventSelection>,
    /// Publish to a Firehose stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firehose: Option<FirehoseTarget>,
    /// Publish to an SNS topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sns: Option<SnsTarget>,
    /// Publish as CloudWatch metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch: Option<CloudWatchTarget>,
    /// Publish to an EventBridge event bus.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eventbridge: Option<EventBridgeTarget>,
}

/// `all`, or a list of event types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSelection {
    All,
    List(Vec<EventType>),
}

/// An SES v2 event type.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventType {
    Send,
    Reject,
    Bounce,
    Complaint,
    Delivery,
    Open,
    Click,
    RenderingFailure,
    DeliveryDelay,
    Subscription,
}

impl EventType {
    /// Every event type, in the order SES documents them.
    pub const ALL: [EventType; 10] = [
        EventType::Send,
        EventType::Reject,
        EventType::Bounce,
        EventType::Complaint,
        EventType::Delivery,
        EventType::Open,
        EventType::Click,
        EventType::RenderingFailure,
        EventType::DeliveryDelay,
        EventType::Subscription,
    ];

    /// The name SES v2 uses, e.g. `DELIVERY_DELAY`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Send => "SEND",
            EventType::Reject => "REJECT",
            EventType::Bounce => "BOUNCE",
            EventType::Complaint => "COMPLAINT",
            EventType::Delivery => "DELIVERY",
            EventType::Open => "OPEN",
            EventType::Click => "CLICK",
            EventType::RenderingFailure => "RENDERING_FAILURE",
            EventType::DeliveryDelay => "DELIVERY_DELAY",
            EventType::Subscription => "SUBSCRIPTION",
        }
    }
}

/// Firehose target: `{stream: <logical name>, role: auto}` or
/// `{stream_arn: ARN, role_arn: ARN}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FirehoseTarget {
    /// Logical name of a stream in `firehose_streams:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
    /// ARN of a Firehose stream outside the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream_arn: Option<String>,
    /// Role SES uses to write to the stream: `auto` (default) or `{arn: ARN}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleRef>,
    /// ARN of an existing role SES uses to write to the stream (same as `role: {arn: ARN}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
}

/// An SNS topic: `{topic: <logical name>}` (a topic of `sns_topics:`) or
/// `{topic_arn: ARN}` (a topic outside the spec). Exactly one of the two.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnsTarget {
    /// Logical name of a topic in `sns_topics:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// ARN of an SNS topic outside the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
}

/// An SNS topic sesinfra creates and owns. Its policy lets SES (and CloudWatch, for
/// the spec's alarms) publish, under the confused-deputy conditions `aws:SourceAccount`
/// and `aws:SourceArn`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnsTopic {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Topic name, {}. Default {:?}.",
        limits::SNS_TOPIC_NAME.describe(),
        limits::default_topic_name("${stack}", "<logical name>")
    ))]
    pub name: Option<String>,
    /// KMS key that encrypts the topic (server-side encryption): a key or alias ARN.
    /// Default: not encrypted. The key's policy must allow `ses.amazonaws.com` (and
    /// `cloudwatch.amazonaws.com` for alarms) `kms:GenerateDataKey*` and `kms:Decrypt`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_arn: Option<String>,
    /// The topic's subscriptions, a managed set: one added by hand is drift, one
    /// removed here is unsubscribed. Email and HTTPS subscriptions wait for their
    /// owner's confirmation; the plan shows them as pending.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subscriptions: Vec<Subscription>,
}

/// One subscription of a topic.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subscription {
    pub protocol: SubscriptionProtocol,
    /// An email address (`email`), an SQS queue ARN (`sqs`), a Lambda function ARN
    /// (`lambda`) or an `https://` URL (`https`).
    pub endpoint: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionProtocol {
    Email,
    Sqs,
    Lambda,
    Https,
}

impl SubscriptionProtocol {
    /// The protocol as SNS names it.
    pub fn as_str(self) -> &'static str {
        match self {
            SubscriptionProtocol::Email => "email",
            SubscriptionProtocol::Sqs => "sqs",
            SubscriptionProtocol::Lambda => "lambda",
            SubscriptionProtocol::Https => "https",
        }
    }
}

/// An identity's SNS notifications (the SES v1 API): where SES publishes its bounces,
/// complaints and deliveries. A type left out has no topic (AWS's default).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Notifications {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounce: Option<NotificationTopic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complaint: Option<NotificationTopic>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<NotificationTopic>,
}

/// One notification type's topic: `{topic: <logical name>}` or `{topic_arn: ARN}`,
/// and whether the notifications carry the original message's headers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationTopic {
    /// Logical name of a topic in `sns_topics:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// ARN of an SNS topic outside the spec.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Include the original message's headers in the notifications. Default {} (AWS's default).",
        limits::DEFAULT_INCLUDE_HEADERS
    ))]
    pub include_headers: Option<bool>,
}

/// CloudWatch alarms on the SES reputation metrics, each notifying an SNS topic.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alarms {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Alarm on `AWS/SES` `Reputation.BounceRate`. Default threshold {} ({}); AWS reviews \
         an account at {} bounces and may pause its sending at {}.",
        limits::DEFAULT_BOUNCE_ALARM_THRESHOLD,
        limits::percent(limits::DEFAULT_BOUNCE_ALARM_THRESHOLD),
        limits::percent(limits::BOUNCE_REVIEW_RATE),
        limits::percent(limits::BOUNCE_PAUSE_RATE)
    ))]
    pub bounce_rate: Option<Alarm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Alarm on `AWS/SES` `Reputation.ComplaintRate`. Default threshold {} ({}); AWS \
         reviews an account at {} complaints and may pause its sending at {}.",
        limits::DEFAULT_COMPLAINT_ALARM_THRESHOLD,
        limits::percent(limits::DEFAULT_COMPLAINT_ALARM_THRESHOLD),
        limits::percent(limits::COMPLAINT_REVIEW_RATE),
        limits::percent(limits::COMPLAINT_PAUSE_RATE)
    ))]
    pub complaint_rate: Option<Alarm>,
}

/// One reputation alarm. Exactly one of `topic` and `topic_arn`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alarm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(
        range(min = 0.0, max = 1.0),
        description = "The rate, as a fraction (0.05 = 5%), at or above which the alarm \
                       fires. Default: below AWS's review level (see the alarm's description)."
    )]
    pub threshold: Option<f64>,
    /// Logical name of a topic in `sns_topics:` the alarm notifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// ARN of an SNS topic outside the spec the alarm notifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Also one alarm per configuration set with `reputation_metrics: true`, on that \
         set's own rate (dimension `ses:configuration-set`). Default {}.",
        limits::DEFAULT_ALARM_PER_CONFIGURATION_SET
    ))]
    pub per_configuration_set: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CloudWatchTarget {
    /// Metric dimensions (at least one).
    pub dimensions: Vec<Dimension>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Dimension name, e.g. ses:configuration-set.
    pub name: String,
    /// Where the dimension value comes from.
    pub source: DimensionSource,
    /// Value used when the message has none.
    pub default: String,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DimensionSource {
    MessageTag,
    EmailHeader,
    LinkTag,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBridgeTarget {
    /// ARN of the event bus (SES publishes to the account's default bus only).
    pub event_bus_arn: String,
}

/// Settings of an existing SES identity (never created or deleted by sesinfra).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Configuration set applied to every email sent from this identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_configuration_set: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(description = format!(
        "Forward bounces and complaints by email. Default {} (AWS's default).",
        limits::DEFAULT_FEEDBACK_FORWARDING
    ))]
    pub feedback_forwarding: Option<bool>,
    /// SNS topics SES publishes the identity's bounces, complaints and deliveries to
    /// (the SES v1 API). Omitted: none (AWS's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
}
