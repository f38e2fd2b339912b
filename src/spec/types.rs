//! The spec file as written: typed Rust structures for every key of the contract's
//! spec format (v1). Strings here are raw — `${...}` is not yet interpolated and
//! nothing is checked beyond YAML types; `crate::validate` turns this into the model.
//!
//! Doc comments on these types become the descriptions in the JSON Schema
//! (`sesinfra schema`), which editors show on hover.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A sesinfra spec: the whole SES sending-event pipeline of one stack.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "sesinfra spec (version 1)")]
pub struct Spec {
    /// Spec format version. Only 1 exists.
    #[schemars(range(min = 1, max = 1))]
    pub version: u32,
    /// Stack name, 1-32 of A-Z a-z 0-9 and '-'. Tags and generated names use it.
    #[schemars(regex(pattern = r"^[A-Za-z0-9-]{1,32}$"))]
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
    #[schemars(extend("propertyNames" = {"pattern": "^[A-Za-z0-9_-]{1,64}$"}))]
    pub configuration_sets: BTreeMap<String, ConfigurationSet>,
    /// Existing SES identities (domains or email addresses) whose settings sesinfra manages.
    /// Identities are never created or deleted.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub identities: BTreeMap<String, Identity>,
    /// The region's SES account settings (suppression list, VDM). Managed only when
    /// present; removing it leaves AWS's account settings as they are. One stack per
    /// region may manage them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
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
    /// Virtual Deliverability Manager on or off. Default false (AWS's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Engagement tracking (opens and clicks) in the VDM dashboard. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engagement_metrics: Option<bool>,
    /// Optimized shared delivery (VDM's delivery optimisation). Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimized_shared_delivery: Option<bool>,
}

/// An S3 bucket that receives Firehose output.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    /// Physical bucket name, e.g. ses-history-${account_id}-${region}.
    pub name: String,
    /// true: the bucket exists already; sesinfra only references it and manages none of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<bool>,
    /// Object versioning. Default false (AWS's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<bool>,
    /// Default encryption: `sse-s3` (AWS's default) or `{kms_key_arn: ARN, bucket_key: true}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// Block all public access. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_public_access: Option<bool>,
    /// Lifecycle rule for the whole bucket. Default: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<Lifecycle>,
    /// `retain` (default): sesinfra never deletes the bucket. `delete`: deleted when removed
    /// from the spec or on destroy, but only if empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Use an S3 Bucket Key (fewer KMS requests; S3 then uses the bucket ARN as the
    /// KMS encryption context). Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_key: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    /// Objects expire this many days after creation (1 or more).
    #[schemars(range(min = 1))]
    pub expire_after_days: u32,
    /// Noncurrent object versions are deleted this many days after they become
    /// noncurrent (1 or more). Default: `expire_after_days` on a versioned bucket, none
    /// on an unversioned one (set it there to clean up after suspending versioning).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
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
    /// Stream name. Default "${stack}-<logical name>".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Logical bucket name from `buckets:`, or `{arn: arn:aws:s3:::bucket}`.
    pub bucket: BucketRef,
    /// S3 key prefix. Default "". Firehose `!{...}` expressions are allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// S3 key prefix for failed records. Default "error/!{firehose:error-output-type}/".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_output_prefix: Option<String>,
    /// Buffering hints. Default 5 MB / 300 seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub buffering: Option<Buffering>,
    /// Compression of delivered objects. Default UNCOMPRESSED.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Buffer size in MiB, 1-128. Default 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 128))]
    pub size_mb: Option<u32>,
    /// Buffer interval in seconds, 0-900. Default 300.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0, max = 900))]
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
    /// Whether email can be sent with this configuration set. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending_enabled: Option<bool>,
    /// Whether reputation metrics are collected. Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reputation_metrics: Option<bool>,
    /// Delivery options. Default: TLS optional, shared pool, no maximum delivery time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[schemars(regex(
        pattern = r"^arn:(aws|aws-[a-z-]+):ses:[a-z]{2,4}-[a-z-]+-[0-9]:[0-9]{1,20}:mailmanager-archive/a-[a-z0-9]{24,62}$"
    ))]
    pub archive_arn: Option<String>,
    /// Message-level security: whether SES signs messages with S/MIME. Default
    /// `{signing: default}` (no S/MIME signature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_security: Option<MessageSecurity>,
    /// Tags of the configuration set (added to the stack's `tags`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Event destinations; the key is the event destination name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    #[schemars(extend("propertyNames" = {"pattern": "^[A-Za-z0-9_-]{1,64}$"}))]
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
    /// REQUIRE: only deliver over TLS. OPTIONAL (default): TLS when the receiver offers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_policy: Option<TlsPolicy>,
    /// Name of a dedicated IP pool. Default: the shared pool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending_pool: Option<String>,
    /// Maximum time SES retries delivery, 300-50400 seconds. Default: SES's own limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 300, max = 50400))]
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
    /// HTTPS for tracking links. Default OPTIONAL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Whether events are published. Default true.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SnsTarget {
    /// ARN of the SNS topic.
    pub topic_arn: String,
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
    /// Forward bounces and complaints by email. Default true (AWS's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_forwarding: Option<bool>,
}
