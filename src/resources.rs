//! The project's own resource types: one struct per kind of AWS resource sesinfra
//! manages, in the shape both the desired state (derived from the model) and the
//! observed state (read by `crate::aws`) take. The diff compares values of these types;
//! no AWS SDK type appears here.
//!
//! Fields hold what AWS stores, with AWS's defaults filled in on read, so a resource
//! read back right after it was created equals what was written.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::model::{
    Compression, DimensionSource, EventType, HttpsPolicy, Signing, SuppressionReason, TlsPolicy,
};
use crate::policy::PolicyDocument;

/// Tags of a resource, key → value.
pub type Tags = BTreeMap<String, String>;

/// Whether a tag key is reserved to AWS (`aws:cloudformation:stack-name`, ...). Only
/// AWS writes such tags, so sesinfra neither compares nor removes them.
pub fn is_aws_tag(key: &str) -> bool {
    key.starts_with("aws:")
}

/// What to write to turn `current` tags into `desired`: keys to remove and tags to
/// add or change. AWS's own tags are left alone.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct TagChanges {
    pub removed: Vec<String>,
    pub changed: Tags,
}

pub fn tag_changes(current: &Tags, desired: &Tags) -> TagChanges {
    TagChanges {
        removed: current
            .keys()
            .filter(|k| !is_aws_tag(k) && !desired.contains_key(*k))
            .cloned()
            .collect(),
        changed: desired
            .iter()
            .filter(|(k, v)| !is_aws_tag(k) && current.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    }
}

/// The tag that marks a resource as owned by a stack.
pub const STACK_TAG: &str = "sesinfra:stack";
/// The logical name of a stream or bucket, so one removed from the spec (or renamed)
/// is still addressed by its logical name in a plan.
pub const LOGICAL_TAG: &str = "sesinfra:logical";
/// The tag that marks the stack managing the region's SES account settings
/// (`account:`), value the stack. It rides on the stack's configuration sets: the
/// account itself cannot be tagged. See ARCHITECTURE.md, "Account settings".
pub const ACCOUNT_OWNER_TAG: &str = "sesinfra:account-owner";

/// An SES v2 configuration set and all its options (event destinations are separate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigurationSet {
    pub name: String,
    pub sending_enabled: bool,
    pub reputation_metrics_enabled: bool,
    pub tls_policy: TlsPolicy,
    pub sending_pool: Option<String>,
    pub max_delivery_seconds: Option<u32>,
    pub tracking: Option<Tracking>,
    /// `None`: the account-level suppression list applies. `Some(empty)`: suppress nothing.
    pub suppression: Option<BTreeSet<SuppressionReason>>,
    /// VDM `DashboardOptions.EngagementMetrics`; `None`: the account's setting applies.
    pub vdm_engagement_metrics: Option<bool>,
    /// VDM `GuardianOptions.OptimizedSharedDelivery`; `None`: the account's setting.
    pub vdm_optimized_shared_delivery: Option<bool>,
    /// `ArchivingOptions.ArchiveArn`; `None`: no archiving.
    pub archive_arn: Option<String>,
    /// `MessageSecurityOptions.SigningScheme`; AWS's default is no S/MIME signature.
    pub signing: Signing,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tracking {
    pub custom_redirect_domain: String,
    pub https_policy: HttpsPolicy,
}

impl ConfigurationSet {
    /// A set with AWS's defaults for every option.
    pub fn with_defaults(name: impl Into<String>) -> ConfigurationSet {
        ConfigurationSet {
            name: name.into(),
            sending_enabled: true,
            reputation_metrics_enabled: false,
            tls_policy: TlsPolicy::Optional,
            sending_pool: None,
            max_delivery_seconds: None,
            tracking: None,
            suppression: None,
            vdm_engagement_metrics: None,
            vdm_optimized_shared_delivery: None,
            archive_arn: None,
            signing: Signing::Default,
            tags: Tags::new(),
        }
    }
}

/// One event destination of a configuration set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDestination {
    pub configuration_set: String,
    pub name: String,
    pub enabled: bool,
    /// A set: the order AWS returns them in never matters.
    pub events: BTreeSet<EventType>,
    pub target: Target,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Firehose {
        delivery_stream_arn: String,
        iam_role_arn: String,
    },
    Sns {
        topic_arn: String,
    },
    CloudWatch {
        dimensions: Vec<Dimension>,
    },
    EventBridge {
        event_bus_arn: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dimension {
    pub name: String,
    pub source: DimensionSource,
    pub default_value: String,
}

/// The attributes sesinfra manages on an existing SES identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityAttributes {
    pub identity: String,
    /// AWS's default is true.
    pub feedback_forwarding: bool,
    pub default_configuration_set: Option<String>,
    /// The stack whose spec sets these attributes: the identity's `sesinfra:stack`
    /// tag. Identities are not sesinfra's to create, but the tag records that a stack
    /// manages them, so one dropped from the spec is found and gets AWS's defaults back.
    pub managed_by: Option<String>,
}

impl IdentityAttributes {
    /// AWS's defaults, managed by no stack: what an identity returns to when it leaves
    /// the spec or the stack is destroyed.
    pub fn aws_defaults(identity: impl Into<String>) -> IdentityAttributes {
        IdentityAttributes {
            identity: identity.into(),
            feedback_forwarding: true,
            default_configuration_set: None,
            managed_by: None,
        }
    }
}

/// An identity's SNS notification topics, set through the SES v1 API
/// (`SetIdentityNotificationTopic`): besides email forwarding and event destinations,
/// the third way SES delivers its bounces and complaints. `None` where unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationTopics {
    pub bounce: Option<String>,
    pub complaint: Option<String>,
    pub delivery: Option<String>,
}

/// An identity's SNS notification settings as sesinfra manages them (address
/// `identity_notifications.<identity>`): a topic per type and whether its
/// notifications include the original headers. AWS's defaults: no topics, no headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityNotifications {
    pub identity: String,
    /// False for the defaults given back to an identity the spec no longer names
    /// (only the plan's reason uses it).
    pub in_spec: bool,
    pub topics: NotificationTopics,
    pub headers_in_bounce: bool,
    pub headers_in_complaint: bool,
    pub headers_in_delivery: bool,
}

impl IdentityNotifications {
    /// AWS's defaults: what an identity returns to when its notifications leave the spec.
    pub fn aws_defaults(identity: impl Into<String>) -> IdentityNotifications {
        IdentityNotifications {
            identity: identity.into(),
            in_spec: false,
            topics: NotificationTopics::default(),
            headers_in_bounce: false,
            headers_in_complaint: false,
            headers_in_delivery: false,
        }
    }
}

/// The notification types of SES v1, as its API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NotificationType {
    Bounce,
    Complaint,
    Delivery,
}

impl NotificationType {
    pub const ALL: [NotificationType; 3] = [
        NotificationType::Bounce,
        NotificationType::Complaint,
        NotificationType::Delivery,
    ];

    /// SES v1's `NotificationType` value.
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationType::Bounce => "Bounce",
            NotificationType::Complaint => "Complaint",
            NotificationType::Delivery => "Delivery",
        }
    }

    /// The spec's key (`bounce`), also the diff's field prefix.
    pub fn key(self) -> &'static str {
        match self {
            NotificationType::Bounce => "bounce",
            NotificationType::Complaint => "complaint",
            NotificationType::Delivery => "delivery",
        }
    }
}

impl IdentityNotifications {
    pub fn topic(&self, kind: NotificationType) -> Option<&String> {
        match kind {
            NotificationType::Bounce => self.topics.bounce.as_ref(),
            NotificationType::Complaint => self.topics.complaint.as_ref(),
            NotificationType::Delivery => self.topics.delivery.as_ref(),
        }
    }

    pub fn headers(&self, kind: NotificationType) -> bool {
        match kind {
            NotificationType::Bounce => self.headers_in_bounce,
            NotificationType::Complaint => self.headers_in_complaint,
            NotificationType::Delivery => self.headers_in_delivery,
        }
    }
}

/// An SNS topic sesinfra owns, with its policy, encryption and subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnsTopic {
    pub name: String,
    /// `KmsMasterKeyId`; `None`: not encrypted.
    pub kms_key_arn: Option<String>,
    /// The topic's access policy.
    pub policy: PolicyDocument,
    /// Every subscription, confirmed or pending.
    pub subscriptions: BTreeSet<Subscription>,
    /// Observed only: those of `subscriptions` waiting for their owner's confirmation.
    pub pending: BTreeSet<Subscription>,
    /// Observed only: the ARN of each confirmed subscription (what `Unsubscribe` takes).
    pub subscription_arns: BTreeMap<Subscription, String>,
    pub tags: Tags,
}

impl SnsTopic {
    /// The AWS services its policy lets publish (`ses.amazonaws.com`, ...).
    pub fn publishing_services(&self) -> BTreeSet<String> {
        let statements = self.policy.value()["Statement"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        statements
            .iter()
            .flat_map(|s| match &s["Principal"]["Service"] {
                serde_json::Value::String(one) => vec![one.clone()],
                serde_json::Value::Array(many) => many
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            })
            .collect()
    }
}

/// A subscription as SNS identifies it within a topic. The protocol is SNS's word
/// (`email`, `sqs`, ...): one added by hand may be of any protocol.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subscription {
    pub protocol: String,
    pub endpoint: String,
}

impl std::fmt::Display for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.protocol, self.endpoint)
    }
}

/// A CloudWatch alarm on an SES reputation metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Alarm {
    pub name: String,
    pub description: String,
    /// `AWS/SES` metric name, e.g. `Reputation.BounceRate`.
    pub metric_name: String,
    /// `Some(set)`: the `ses:configuration-set` dimension (that set's own rate).
    pub configuration_set: Option<String>,
    pub statistic: String,
    pub period_seconds: u32,
    pub evaluation_periods: u32,
    pub threshold: f64,
    pub comparison: String,
    pub treat_missing_data: String,
    pub actions_enabled: bool,
    /// SNS topic ARNs notified when the alarm fires.
    pub alarm_actions: BTreeSet<String>,
    /// SNS topic ARNs notified when it recovers.
    pub ok_actions: BTreeSet<String>,
    pub tags: Tags,
}

// Thresholds are finite fractions (validation refuses anything else), so equality is
// reflexive.
impl Eq for Alarm {}

/// The region's SES account settings sesinfra manages (address `account`). A group
/// that is `None` in the desired state is not managed; the observed state has both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSettings {
    /// The account-level suppression list's reasons.
    pub suppression: Option<BTreeSet<SuppressionReason>>,
    pub vdm: Option<AccountVdm>,
}

pub use crate::model::AccountVdm;

/// A Firehose stream (Direct PUT) with an extended S3 destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStream {
    pub name: String,
    /// Set when Firehose could not create or delete the stream: it can only be deleted
    /// (and created again). Always `None` in the desired state.
    pub failed: Option<StreamFailure>,
    pub bucket_arn: String,
    pub role_arn: String,
    pub prefix: String,
    pub error_output_prefix: String,
    pub buffer_size_mb: u32,
    pub buffer_interval_seconds: u32,
    pub compression: Compression,
    pub tags: Tags,
}

/// Why a stream is unusable until it is deleted and created again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFailure {
    /// `CREATING_FAILED`: Firehose never finished creating it.
    CreatingFailed,
    /// `DELETING_FAILED`: a deletion failed; only a forced deletion removes it.
    DeletingFailed,
}

impl StreamFailure {
    /// The stream's status as Firehose names it.
    pub fn status(self) -> &'static str {
        match self {
            StreamFailure::CreatingFailed => "CREATING_FAILED",
            StreamFailure::DeletingFailed => "DELETING_FAILED",
        }
    }
}

/// An IAM role with its trust policy and inline policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    /// The IAM path, `/` or `/a/b/`. Generated roles live under `arn::role_path(stack)`,
    /// so the stack's roles can be listed without reading anyone else's. IAM cannot
    /// change a role's path: a different path means delete and create.
    pub path: String,
    pub description: String,
    pub trust_policy: PolicyDocument,
    /// Inline policies by name.
    pub inline_policies: BTreeMap<String, PolicyDocument>,
    /// ARNs of the managed policies attached to the role. sesinfra attaches none, so
    /// any found here was attached by hand: drift, and a security regression.
    pub attached_policies: BTreeSet<String>,
    pub tags: Tags,
}

/// An S3 bucket with the settings sesinfra manages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub name: String,
    pub versioning: bool,
    pub encryption: BucketEncryption,
    pub block_public_access: bool,
    /// Current versions expire after this many days (sesinfra's lifecycle rule).
    pub expire_after_days: Option<u32>,
    /// Noncurrent versions expire this many days after becoming noncurrent (same rule).
    pub noncurrent_expire_after_days: Option<u32>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketEncryption {
    /// SSE-S3, AWS's default for every bucket since 2023.
    SseS3,
    Kms {
        /// A key ARN (the engine resolves aliases before anything is written).
        key_arn: String,
        /// S3 Bucket Key (`BucketKeyEnabled`).
        bucket_key: bool,
    },
}

/// A Glue Data Catalog database (`analytics.athena.database`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueDatabase {
    pub name: String,
    /// `arn:PARTITION:glue:REGION:ACCOUNT:database/NAME`: Glue tags a database by its
    /// ARN. Identifies the database; not compared.
    pub arn: String,
    pub description: String,
    pub tags: Tags,
}

/// A Glue table over S3 data (`analytics.athena.table`). Glue cannot tag tables: the
/// owning stack is the table parameter `sesinfra:stack` (`STACK_TAG`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueTable {
    pub database: String,
    pub name: String,
    pub description: String,
    /// `EXTERNAL_TABLE` for data in S3.
    pub table_type: String,
    /// `StorageDescriptor.Location`, `s3://bucket/prefix/`.
    pub location: String,
    pub input_format: String,
    pub output_format: String,
    /// `SerdeInfo.SerializationLibrary` and its parameters.
    pub serde_library: String,
    pub serde_parameters: BTreeMap<String, String>,
    pub columns: Vec<GlueColumn>,
    pub partition_keys: Vec<GlueColumn>,
    /// Table parameters (partition projection, the owner), without the ones AWS writes
    /// itself (`athena::AWS_WRITTEN_PARAMETERS`).
    pub parameters: BTreeMap<String, String>,
}

impl GlueTable {
    /// The stack the table's `sesinfra:stack` parameter names.
    pub fn owner(&self) -> Option<&str> {
        self.parameters.get(STACK_TAG).map(String::as_str)
    }
}

/// A Glue column: its name and Hive type (`struct<reason:string>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlueColumn {
    pub name: String,
    pub type_name: String,
}

/// ARN builders, so every module spells them the same way.
pub mod arn {
    pub fn configuration_set(partition: &str, region: &str, account: &str, name: &str) -> String {
        format!("arn:{partition}:ses:{region}:{account}:configuration-set/{name}")
    }

    pub fn delivery_stream(partition: &str, region: &str, account: &str, name: &str) -> String {
        format!("arn:{partition}:firehose:{region}:{account}:deliverystream/{name}")
    }

    /// `path` is an IAM path, starting and ending with `/`.
    pub fn role(partition: &str, account: &str, path: &str, name: &str) -> String {
        format!("arn:{partition}:iam::{account}:role{path}{name}")
    }

    /// The IAM path of the roles sesinfra generates for `stack`.
    pub fn role_path(stack: &str) -> String {
        format!("/sesinfra/{stack}/")
    }

    pub fn bucket(partition: &str, name: &str) -> String {
        format!("arn:{partition}:s3:::{name}")
    }

    pub fn sns_topic(partition: &str, region: &str, account: &str, name: &str) -> String {
        format!("arn:{partition}:sns:{region}:{account}:{name}")
    }

    pub fn alarm(partition: &str, region: &str, account: &str, name: &str) -> String {
        format!("arn:{partition}:cloudwatch:{region}:{account}:alarm:{name}")
    }

    pub fn glue_database(partition: &str, region: &str, account: &str, name: &str) -> String {
        format!("arn:{partition}:glue:{region}:{account}:database/{name}")
    }

    /// An SES identity's ARN.
    pub fn identity(partition: &str, region: &str, account: &str, identity: &str) -> String {
        format!("arn:{partition}:ses:{region}:{account}:identity/{identity}")
    }

    /// The bucket name of an S3 bucket ARN.
    pub fn bucket_name(arn: &str) -> Option<&str> {
        arn.split(":::").nth(1).filter(|n| !n.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_changes_leave_aws_tags_alone() {
        let current = Tags::from([
            ("aws:cloudformation:stack-name".into(), "cf".into()),
            ("gone".into(), "1".into()),
            ("same".into(), "1".into()),
            ("moved".into(), "1".into()),
        ]);
        let desired = Tags::from([
            ("same".into(), "1".into()),
            ("moved".into(), "2".into()),
            ("new".into(), "1".into()),
        ]);
        assert_eq!(
            tag_changes(&current, &desired),
            TagChanges {
                removed: vec!["gone".into()],
                changed: Tags::from([("moved".into(), "2".into()), ("new".into(), "1".into())]),
            }
        );
    }
}
