//! Each resource kind flattened into `field path → JSON value`, the form the diff
//! compares. Sets are sorted and policies normalised here, so order, encoding and
//! string-vs-list never show up as changes.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Address, Reason, ResourceKind};
use crate::resources::{
    AccountSettings, Alarm, Bucket, BucketEncryption, ConfigurationSet, DeliveryStream,
    EventDestination, GlueColumn, GlueDatabase, GlueTable, IdentityAttributes,
    IdentityNotifications, NotificationType, Role, SnsTopic, StreamFailure, Target,
};

/// A resource kind the diff knows: how its key becomes an address, its flattened
/// fields, and the reasons for replacing or updating it that only it can tell.
pub(super) trait Diffable {
    const KIND: ResourceKind;
    /// How `Desired` keys this kind (a logical name, or set and destination names).
    type Key: Ord + Clone;
    fn address(key: &Self::Key) -> Address;
    fn fields(&self) -> BTreeMap<String, Value>;
    /// Why the resource as observed (`self`) must be replaced rather than updated, given
    /// the paths of the fields that differ; `None` when it can be updated in place.
    fn replace_reason(&self, changed: &[&str]) -> Option<Reason> {
        cannot_update_in_place(Self::KIND, changed)
    }
    /// Why the resource is updated to `desired` (`self`).
    fn update_reason(&self) -> Reason {
        Reason::Differs
    }
}

/// `CannotUpdateInPlace` when one of `changed` is a field of `kind` AWS cannot change.
fn cannot_update_in_place(kind: ResourceKind, changed: &[&str]) -> Option<Reason> {
    changed
        .iter()
        .any(|f| kind.replace_fields().contains(f))
        .then_some(Reason::CannotUpdateInPlace)
}

fn enum_value<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or(Value::Null)
}

/// Tags as fields; AWS's own (`aws:...`) are not sesinfra's to compare.
fn tag_fields(fields: &mut BTreeMap<String, Value>, tags: &BTreeMap<String, String>) {
    for (k, v) in tags
        .iter()
        .filter(|(k, _)| !crate::resources::is_aws_tag(k))
    {
        fields.insert(format!("tags.{k}"), json!(v));
    }
}

impl Diffable for Bucket {
    const KIND: ResourceKind = ResourceKind::Bucket;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::Bucket(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("name".to_owned(), json!(self.name)),
            ("versioning".to_owned(), json!(self.versioning)),
            (
                "encryption".to_owned(),
                match &self.encryption {
                    BucketEncryption::SseS3 => json!("sse-s3"),
                    BucketEncryption::Kms {
                        key_arn,
                        bucket_key,
                    } => json!({"kms_key_arn": key_arn, "bucket_key": bucket_key}),
                },
            ),
            (
                "block_public_access".to_owned(),
                json!(self.block_public_access),
            ),
            (
                "lifecycle.expire_after_days".to_owned(),
                json!(self.expire_after_days),
            ),
            (
                "lifecycle.noncurrent_expire_after_days".to_owned(),
                json!(self.noncurrent_expire_after_days),
            ),
        ]);
        tag_fields(&mut f, &self.tags);
        f
    }
}

impl Diffable for Role {
    const KIND: ResourceKind = ResourceKind::IamRole;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::IamRole(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("path".to_owned(), json!(self.path)),
            ("description".to_owned(), json!(self.description)),
            (
                "trust_policy".to_owned(),
                self.trust_policy.normalized().clone(),
            ),
        ]);
        for (name, doc) in &self.inline_policies {
            f.insert(format!("inline_policies.{name}"), doc.normalized().clone());
        }
        // Only when some are attached: sesinfra attaches none, so this shows up only as
        // drift (a BTreeSet serialises sorted).
        if !self.attached_policies.is_empty() {
            f.insert(
                "attached_policies".to_owned(),
                json!(self.attached_policies),
            );
        }
        tag_fields(&mut f, &self.tags);
        f
    }
    /// Generated roles live under the stack's IAM path (`arn::role_path`); IAM cannot
    /// move a role, so one elsewhere (made by an older sesinfra) is replaced.
    fn replace_reason(&self, changed: &[&str]) -> Option<Reason> {
        changed
            .contains(&"path")
            .then_some(Reason::OutsideStackPath)
    }
}

impl Diffable for DeliveryStream {
    const KIND: ResourceKind = ResourceKind::FirehoseStream;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::FirehoseStream(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("name".to_owned(), json!(self.name)),
            (
                "status".to_owned(),
                json!(self.failed.map_or("ACTIVE", |s| s.status())),
            ),
            ("bucket_arn".to_owned(), json!(self.bucket_arn)),
            ("role_arn".to_owned(), json!(self.role_arn)),
            ("prefix".to_owned(), json!(self.prefix)),
            (
                "error_output_prefix".to_owned(),
                json!(self.error_output_prefix),
            ),
            ("buffering.size_mb".to_owned(), json!(self.buffer_size_mb)),
            (
                "buffering.interval_seconds".to_owned(),
                json!(self.buffer_interval_seconds),
            ),
            ("compression".to_owned(), enum_value(&self.compression)),
        ]);
        tag_fields(&mut f, &self.tags);
        f
    }
    /// A stream Firehose failed to create or delete is replaced even when every
    /// setting matches.
    fn replace_reason(&self, changed: &[&str]) -> Option<Reason> {
        match self.failed {
            Some(StreamFailure::CreatingFailed) => Some(Reason::CreatingFailed),
            Some(StreamFailure::DeletingFailed) => Some(Reason::DeletingFailed),
            None => cannot_update_in_place(Self::KIND, changed),
        }
    }
}

impl Diffable for ConfigurationSet {
    const KIND: ResourceKind = ResourceKind::ConfigurationSet;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::ConfigurationSet(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("sending_enabled".to_owned(), json!(self.sending_enabled)),
            (
                "reputation_metrics".to_owned(),
                json!(self.reputation_metrics_enabled),
            ),
            (
                "delivery.tls_policy".to_owned(),
                enum_value(&self.tls_policy),
            ),
            ("delivery.sending_pool".to_owned(), json!(self.sending_pool)),
            (
                "delivery.max_delivery_seconds".to_owned(),
                json!(self.max_delivery_seconds),
            ),
            (
                "tracking.custom_redirect_domain".to_owned(),
                json!(self.tracking.as_ref().map(|t| &t.custom_redirect_domain)),
            ),
            (
                "tracking.https_policy".to_owned(),
                self.tracking
                    .as_ref()
                    .map_or(Value::Null, |t| enum_value(&t.https_policy)),
            ),
            (
                "suppression.reasons".to_owned(),
                self.suppression.as_ref().map_or(Value::Null, enum_value),
            ),
            (
                "vdm.engagement_metrics".to_owned(),
                json!(self.vdm_engagement_metrics),
            ),
            (
                "vdm.optimized_shared_delivery".to_owned(),
                json!(self.vdm_optimized_shared_delivery),
            ),
            ("archive_arn".to_owned(), json!(self.archive_arn)),
            (
                "message_security.signing".to_owned(),
                enum_value(&self.signing),
            ),
        ]);
        tag_fields(&mut f, &self.tags);
        f
    }
}

/// Fields of a configuration set whose `null` means "the account's setting applies";
/// the human renderings say so.
pub const ACCOUNT_DEFAULT_FIELDS: [&str; 3] = [
    "suppression.reasons",
    "vdm.engagement_metrics",
    "vdm.optimized_shared_delivery",
];

impl AccountSettings {
    /// `self` (as observed) restricted to the groups `desired` manages.
    pub(super) fn managed_like(&self, desired: &AccountSettings) -> AccountSettings {
        AccountSettings {
            suppression: desired.suppression.as_ref().and(self.suppression.clone()),
            vdm: desired.vdm.and(self.vdm),
        }
    }
}

impl Diffable for AccountSettings {
    const KIND: ResourceKind = ResourceKind::Account;
    type Key = ();
    fn address(_: &()) -> Address {
        Address::Account
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::new();
        if let Some(reasons) = &self.suppression {
            f.insert("suppression.reasons".to_owned(), enum_value(reasons));
        }
        if let Some(vdm) = &self.vdm {
            f.insert("vdm.enabled".to_owned(), json!(vdm.enabled));
            f.insert(
                "vdm.engagement_metrics".to_owned(),
                json!(vdm.engagement_metrics),
            );
            f.insert(
                "vdm.optimized_shared_delivery".to_owned(),
                json!(vdm.optimized_shared_delivery),
            );
        }
        f
    }
}

impl Diffable for EventDestination {
    const KIND: ResourceKind = ResourceKind::EventDestination;
    type Key = (String, String);
    fn address(key: &(String, String)) -> Address {
        Address::EventDestination {
            set: key.0.clone(),
            destination: key.1.clone(),
        }
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("enabled".to_owned(), json!(self.enabled)),
            // A BTreeSet serialises sorted: order never differs.
            ("events".to_owned(), enum_value(&self.events)),
        ]);
        let (kind, target) = match &self.target {
            Target::Firehose {
                delivery_stream_arn,
                iam_role_arn,
            } => (
                "firehose",
                json!({"stream_arn": delivery_stream_arn, "role_arn": iam_role_arn}),
            ),
            Target::Sns { topic_arn } => ("sns", json!({"topic_arn": topic_arn})),
            Target::CloudWatch { dimensions } => {
                let mut dims: Vec<Value> = dimensions
                    .iter()
                    .map(|d| json!({"name": d.name, "source": enum_value(&d.source), "default": d.default_value}))
                    .collect();
                dims.sort_by_key(|v| v.to_string());
                ("cloudwatch", json!({"dimensions": dims}))
            }
            Target::EventBridge { event_bus_arn } => {
                ("eventbridge", json!({"event_bus_arn": event_bus_arn}))
            }
        };
        f.insert(format!("target.{kind}"), target);
        f
    }
}

impl Diffable for IdentityAttributes {
    const KIND: ResourceKind = ResourceKind::Identity;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::Identity(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            (
                "feedback_forwarding".to_owned(),
                json!(self.feedback_forwarding),
            ),
            (
                "default_configuration_set".to_owned(),
                json!(self.default_configuration_set),
            ),
        ]);
        if let Some(stack) = &self.managed_by {
            f.insert(
                format!("tags.{}", crate::resources::STACK_TAG),
                json!(stack),
            );
        }
        f
    }
    /// Desired settings without the stack's marker are AWS's defaults, given back to
    /// an identity the spec no longer names.
    fn update_reason(&self) -> Reason {
        if self.managed_by.is_none() {
            Reason::NotInSpec
        } else {
            Reason::Differs
        }
    }
}

impl Diffable for SnsTopic {
    const KIND: ResourceKind = ResourceKind::SnsTopic;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::SnsTopic(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        // A BTreeSet iterates sorted: order never differs.
        let subscriptions: Vec<Value> = self
            .subscriptions
            .iter()
            .map(|s| json!({"protocol": s.protocol, "endpoint": s.endpoint}))
            .collect();
        let mut f = BTreeMap::from([
            ("name".to_owned(), json!(self.name)),
            ("kms_key_arn".to_owned(), json!(self.kms_key_arn)),
            ("policy".to_owned(), self.policy.normalized().clone()),
            ("subscriptions".to_owned(), json!(subscriptions)),
        ]);
        tag_fields(&mut f, &self.tags);
        f
    }
}

impl Diffable for IdentityNotifications {
    const KIND: ResourceKind = ResourceKind::IdentityNotifications;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::IdentityNotifications(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::new();
        for kind in NotificationType::ALL {
            f.insert(format!("{}.topic_arn", kind.key()), json!(self.topic(kind)));
            f.insert(
                format!("{}.include_headers", kind.key()),
                json!(self.headers(kind)),
            );
        }
        f
    }
    /// AWS's defaults given back to an identity the spec no longer names.
    fn update_reason(&self) -> Reason {
        if self.in_spec {
            Reason::Differs
        } else {
            Reason::NotInSpec
        }
    }
}

impl Diffable for Alarm {
    const KIND: ResourceKind = ResourceKind::Alarm;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::Alarm(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("description".to_owned(), json!(self.description)),
            ("metric_name".to_owned(), json!(self.metric_name)),
            (
                "configuration_set".to_owned(),
                json!(self.configuration_set),
            ),
            ("statistic".to_owned(), json!(self.statistic)),
            ("period_seconds".to_owned(), json!(self.period_seconds)),
            (
                "evaluation_periods".to_owned(),
                json!(self.evaluation_periods),
            ),
            ("threshold".to_owned(), json!(self.threshold)),
            ("comparison".to_owned(), json!(self.comparison)),
            (
                "treat_missing_data".to_owned(),
                json!(self.treat_missing_data),
            ),
            ("actions_enabled".to_owned(), json!(self.actions_enabled)),
            ("alarm_actions".to_owned(), json!(self.alarm_actions)),
            ("ok_actions".to_owned(), json!(self.ok_actions)),
        ]);
        tag_fields(&mut f, &self.tags);
        f
    }
}

impl Diffable for GlueDatabase {
    const KIND: ResourceKind = ResourceKind::GlueDatabase;
    type Key = String;
    fn address(key: &String) -> Address {
        Address::GlueDatabase(key.clone())
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([("description".to_owned(), json!(self.description))]);
        tag_fields(&mut f, &self.tags);
        f
    }
}

/// Columns as `name type` lines: a changed type shows as a one-line diff.
fn column_list(columns: &[GlueColumn]) -> Value {
    json!(
        columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.type_name))
            .collect::<Vec<_>>()
    )
}

impl Diffable for GlueTable {
    const KIND: ResourceKind = ResourceKind::GlueTable;
    type Key = (String, String);
    fn address(key: &(String, String)) -> Address {
        Address::GlueTable {
            database: key.0.clone(),
            table: key.1.clone(),
        }
    }
    fn fields(&self) -> BTreeMap<String, Value> {
        let mut f = BTreeMap::from([
            ("description".to_owned(), json!(self.description)),
            ("table_type".to_owned(), json!(self.table_type)),
            ("location".to_owned(), json!(self.location)),
            ("input_format".to_owned(), json!(self.input_format)),
            ("output_format".to_owned(), json!(self.output_format)),
            ("serde.library".to_owned(), json!(self.serde_library)),
            ("columns".to_owned(), column_list(&self.columns)),
            (
                "partition_keys".to_owned(),
                column_list(&self.partition_keys),
            ),
        ]);
        for (k, v) in &self.serde_parameters {
            f.insert(format!("serde.parameters.{k}"), json!(v));
        }
        // The owner marker (`sesinfra:stack`) is one of them: Glue cannot tag tables.
        for (k, v) in &self.parameters {
            f.insert(format!("parameters.{k}"), json!(v));
        }
        f
    }
}
