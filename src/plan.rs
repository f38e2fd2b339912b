//! The plan: what apply would change, as plain data (contract §4), and the diff that
//! produces it — a pure function of desired and observed resources, no network.
//!
//! Each resource is flattened into `field path → JSON value`; two resources differ
//! exactly where those maps differ. Sets are sorted and policies normalised before
//! flattening, so order, encoding and string-vs-list never show up as changes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::desired::Desired;
use crate::resources::{
    AccountSettings, Bucket, BucketEncryption, ConfigurationSet, DeliveryStream, EventDestination,
    IdentityAttributes, Role, Target,
};

pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

impl Action {
    /// The verb as the JSON document and the reports spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub action: Action,
    pub fields: Vec<FieldChange>,
    /// For `replace`: the field that cannot be changed in place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub stack: String,
    pub changes: Vec<Change>,
    pub summary: Summary,
    /// Contract §7: things the reader should know that are not changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<PlanDiagnostic>,
}

/// One entry of the plan's `diagnostics` (contract §7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDiagnostic {
    /// `error`, `warning` or `security`.
    pub severity: String,
    pub address: String,
    pub message: String,
}

/// The plan's note when `account:` left the spec of the stack that managed it.
pub const ACCOUNT_RELEASED: &str =
    "account: no longer in the spec; AWS's account settings are left as they are";

impl Plan {
    pub fn new(stack: &str, changes: Vec<Change>) -> Plan {
        let mut summary = Summary::default();
        for c in &changes {
            match c.action {
                Action::Create => summary.create += 1,
                Action::Update => summary.update += 1,
                Action::Replace => summary.replace += 1,
                Action::Delete => summary.delete += 1,
            }
        }
        Plan {
            format_version: FORMAT_VERSION,
            stack: stack.to_owned(),
            changes,
            summary,
            diagnostics: Vec::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// A resource kind the diff knows: its address prefix and its flattened fields.
trait Diffable {
    const KIND: &'static str;
    fn fields(&self) -> BTreeMap<String, Value>;
    /// Fields whose change AWS cannot apply in place (the resource is replaced).
    fn replace_fields() -> &'static [&'static str] {
        &[]
    }
    /// Why the resource as observed must be replaced whatever the spec says (e.g. a
    /// stream Firehose failed to create); `None` when it can be updated.
    fn forced_replace(&self) -> Option<&'static str> {
        None
    }
}

/// The changes that turn `observed` into `desired`, creates and updates in dependency
/// order, deletes after them in reverse order. Resources only in `observed` are
/// deleted, except buckets (never deleted by a plan: that takes `destroy` with
/// `deletion_policy: delete`) and identities (never created or deleted).
pub fn diff(stack: &str, desired: &Desired, observed: &Desired) -> Plan {
    let mut changes = Vec::new();
    let mut deletes = Vec::new();
    diff_map(
        &desired.buckets,
        &observed.buckets,
        &mut changes,
        &mut Vec::new(),
    );
    diff_map(&desired.roles, &observed.roles, &mut changes, &mut deletes);
    diff_map(
        &desired.streams,
        &observed.streams,
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.configuration_sets,
        &observed.configuration_sets,
        &mut changes,
        &mut deletes,
    );
    let dest =
        |m: &BTreeMap<(String, String), EventDestination>| -> BTreeMap<String, EventDestination> {
            m.iter()
                .map(|((s, d), v)| (format!("{s}.{d}"), v.clone()))
                .collect()
        };
    diff_map(
        &dest(&desired.event_destinations),
        &dest(&observed.event_destinations),
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.identities,
        &observed.identities,
        &mut changes,
        &mut Vec::new(),
    );
    // The account is a singleton, never created or deleted: only its managed groups
    // are compared (an unmanaged group is not in `desired`'s fields).
    if let (Some(want), Some(have)) = (&desired.account, &observed.account) {
        let fields = field_changes(&have.managed_like(want).fields(), &want.fields());
        if !fields.is_empty() {
            changes.push(Change {
                address: AccountSettings::KIND.to_owned(),
                kind: AccountSettings::KIND.to_owned(),
                name: AccountSettings::KIND.to_owned(),
                action: Action::Update,
                fields,
                reason: None,
            });
        }
    }
    deletes.reverse();
    changes.extend(deletes);
    Plan::new(stack, changes)
}

/// Every resource of `state` flattened as the diff sees it, by address: the canonical
/// form a fingerprint of observed state is computed from.
pub fn state_fields(state: &Desired) -> BTreeMap<String, BTreeMap<String, Value>> {
    fn add<T: Diffable>(
        out: &mut BTreeMap<String, BTreeMap<String, Value>>,
        map: &BTreeMap<String, T>,
    ) {
        for (key, value) in map {
            out.insert(format!("{}.{key}", T::KIND), value.fields());
        }
    }
    let mut out = BTreeMap::new();
    add(&mut out, &state.buckets);
    add(&mut out, &state.roles);
    add(&mut out, &state.streams);
    add(&mut out, &state.configuration_sets);
    add(&mut out, &state.identities);
    if let Some(account) = &state.account {
        out.insert(AccountSettings::KIND.to_owned(), account.fields());
    }
    for ((set, name), d) in &state.event_destinations {
        out.insert(
            format!("{}.{set}.{name}", EventDestination::KIND),
            d.fields(),
        );
    }
    out
}

fn diff_map<T: Diffable>(
    desired: &BTreeMap<String, T>,
    observed: &BTreeMap<String, T>,
    changes: &mut Vec<Change>,
    deletes: &mut Vec<Change>,
) {
    for (key, want) in desired {
        match observed.get(key) {
            None => changes.push(change::<T>(
                key,
                Action::Create,
                field_changes(&BTreeMap::new(), &want.fields()),
                None,
            )),
            Some(have) => {
                let fields = field_changes(&have.fields(), &want.fields());
                let broken = have.forced_replace();
                if fields.is_empty() && broken.is_none() {
                    continue;
                }
                let forced = broken.map(str::to_owned).or_else(|| {
                    fields
                        .iter()
                        .find(|f| T::replace_fields().contains(&f.path.as_str()))
                        .map(|f| format!("{} cannot be changed in place", f.path))
                });
                let action = if forced.is_some() {
                    Action::Replace
                } else {
                    Action::Update
                };
                changes.push(change::<T>(key, action, fields, forced));
            }
        }
    }
    for (key, have) in observed {
        if !desired.contains_key(key) {
            deletes.push(change::<T>(
                key,
                Action::Delete,
                field_changes(&have.fields(), &BTreeMap::new()),
                None,
            ));
        }
    }
}

fn change<T: Diffable>(
    key: &str,
    action: Action,
    fields: Vec<FieldChange>,
    reason: Option<String>,
) -> Change {
    Change {
        address: format!("{}.{key}", T::KIND),
        kind: T::KIND.to_owned(),
        name: key.to_owned(),
        action,
        fields,
        reason,
    }
}

fn field_changes(
    before: &BTreeMap<String, Value>,
    after: &BTreeMap<String, Value>,
) -> Vec<FieldChange> {
    let mut paths: Vec<&String> = before.keys().chain(after.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter_map(|path| {
            let b = before.get(path).cloned().unwrap_or(Value::Null);
            let a = after.get(path).cloned().unwrap_or(Value::Null);
            (b != a).then(|| FieldChange {
                path: path.clone(),
                before: b,
                after: a,
            })
        })
        .collect()
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
    const KIND: &'static str = "bucket";
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
    fn replace_fields() -> &'static [&'static str] {
        &["name"]
    }
}

impl Diffable for Role {
    const KIND: &'static str = "iam_role";
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
    fn replace_fields() -> &'static [&'static str] {
        &["path"]
    }
}

impl Diffable for DeliveryStream {
    const KIND: &'static str = "firehose_stream";
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
    fn replace_fields() -> &'static [&'static str] {
        &["name"]
    }
    fn forced_replace(&self) -> Option<&'static str> {
        self.failed.map(|s| s.reason())
    }
}

impl Diffable for ConfigurationSet {
    const KIND: &'static str = "configuration_set";
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
    fn managed_like(&self, desired: &AccountSettings) -> AccountSettings {
        AccountSettings {
            suppression: desired.suppression.as_ref().and(self.suppression.clone()),
            vdm: desired.vdm.and(self.vdm),
        }
    }
}

impl Diffable for AccountSettings {
    const KIND: &'static str = "account";
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
    const KIND: &'static str = "event_destination";
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
    const KIND: &'static str = "identity";
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;
    use crate::resources::{EventType, StreamFailure, TlsPolicy};
    use std::collections::BTreeSet;

    fn set(name: &str) -> ConfigurationSet {
        ConfigurationSet::with_defaults(name)
    }

    fn state_with_set(s: ConfigurationSet) -> Desired {
        let mut d = Desired::default();
        d.configuration_sets.insert(s.name.clone(), s);
        d
    }

    #[test]
    fn aws_tags_are_not_compared() {
        let mut have = set("Main");
        have.tags
            .insert("aws:cloudformation:stack-name".into(), "cf".into());
        let plan = diff(
            "s",
            &state_with_set(set("Main")),
            &state_with_set(have.clone()),
        );
        assert!(plan.is_empty(), "{plan:?}");
        // Other tags still are.
        have.tags.insert("team".into(), "x".into());
        let plan = diff("s", &state_with_set(set("Main")), &state_with_set(have));
        assert_eq!(plan.changes[0].fields[0].path, "tags.team");
    }

    #[test]
    fn equal_states_give_an_empty_plan() {
        let s = state_with_set(set("Main"));
        let plan = diff("st", &s, &s.clone());
        assert!(plan.is_empty());
        assert_eq!(plan.summary, Summary::default());
    }

    #[test]
    fn a_changed_option_is_one_field_level_update_in_contract_shape() {
        let observed = state_with_set(set("ConfigSet"));
        let mut want = set("ConfigSet");
        want.tls_policy = TlsPolicy::Require;
        let plan = diff("mail-prod", &state_with_set(want), &observed);
        assert_eq!(
            serde_json::to_value(&plan).unwrap(),
            json!({
                "format_version": 1,
                "stack": "mail-prod",
                "changes": [{
                    "address": "configuration_set.ConfigSet",
                    "type": "configuration_set",
                    "name": "ConfigSet",
                    "action": "update",
                    "fields": [{"path": "delivery.tls_policy", "before": "OPTIONAL", "after": "REQUIRE"}]
                }],
                "summary": {"create": 0, "update": 1, "replace": 0, "delete": 0}
            })
        );
    }

    #[test]
    fn event_type_order_never_causes_a_diff() {
        let dest = |events: &[EventType]| EventDestination {
            configuration_set: "S".into(),
            name: "d".into(),
            enabled: true,
            events: events.iter().copied().collect::<BTreeSet<_>>(),
            target: Target::Sns {
                topic_arn: "arn:aws:sns:eu-west-1:1:t".into(),
            },
        };
        let mut a = Desired::default();
        let mut b = Desired::default();
        a.event_destinations.insert(
            ("S".into(), "d".into()),
            dest(&[EventType::Bounce, EventType::Send, EventType::DeliveryDelay]),
        );
        b.event_destinations.insert(
            ("S".into(), "d".into()),
            dest(&[EventType::DeliveryDelay, EventType::Bounce, EventType::Send]),
        );
        assert!(diff("st", &a, &b).is_empty());
        // Dropping DELIVERY_DELAY is a change.
        b.event_destinations.insert(
            ("S".into(), "d".into()),
            dest(&[EventType::Bounce, EventType::Send]),
        );
        let plan = diff("st", &a, &b);
        assert_eq!(plan.changes[0].fields[0].path, "events");
    }

    #[test]
    fn policies_compare_by_meaning() {
        let role = |doc: Value| Role {
            name: "r".into(),
            path: "/".into(),
            description: String::new(),
            trust_policy: PolicyDocument::new(doc),
            attached_policies: Default::default(),
            inline_policies: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        let mut a = Desired::default();
        let mut b = Desired::default();
        a.roles.insert("r".into(), role(json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "ses.amazonaws.com"}}]})));
        let encoded = "%7B%22Statement%22%3A%7B%22Principal%22%3A%7B%22Service%22%3A%5B%22ses.amazonaws.com%22%5D%7D%2C%22Action%22%3A%5B%22sts%3AAssumeRole%22%5D%2C%22Effect%22%3A%22Allow%22%7D%2C%22Version%22%3A%222012-10-17%22%7D";
        b.roles.insert(
            "r".into(),
            role(PolicyDocument::from_iam(encoded).unwrap().value().clone()),
        );
        assert!(diff("st", &a, &b).is_empty());
    }

    #[test]
    fn suppression_unset_differs_from_empty() {
        let observed = state_with_set(set("S"));
        let mut want = set("S");
        want.suppression = Some(BTreeSet::new());
        let plan = diff("st", &state_with_set(want), &observed);
        assert_eq!(
            plan.changes[0].fields[0],
            FieldChange {
                path: "suppression.reasons".into(),
                before: Value::Null,
                after: json!([])
            }
        );
    }

    #[test]
    fn creates_first_deletes_last_in_reverse_order_and_buckets_are_never_deleted() {
        let mut observed = state_with_set(set("Old"));
        observed.roles.insert(
            "old-role".into(),
            Role {
                name: "old-role".into(),
                path: "/".into(),
                description: String::new(),
                trust_policy: PolicyDocument::new(json!({})),
                attached_policies: Default::default(),
                inline_policies: BTreeMap::new(),
                tags: BTreeMap::new(),
            },
        );
        observed.buckets.insert(
            "b".into(),
            Bucket {
                name: "b".into(),
                versioning: false,
                encryption: BucketEncryption::SseS3,
                block_public_access: true,
                expire_after_days: None,
                noncurrent_expire_after_days: None,
                tags: BTreeMap::new(),
            },
        );
        let plan = diff("st", &state_with_set(set("New")), &observed);
        let order: Vec<(&str, Action)> = plan
            .changes
            .iter()
            .map(|c| (c.address.as_str(), c.action))
            .collect();
        assert_eq!(
            order,
            [
                ("configuration_set.New", Action::Create),
                ("configuration_set.Old", Action::Delete),
                ("iam_role.old-role", Action::Delete),
            ]
        );
    }

    #[test]
    fn renaming_a_stream_is_a_replace_that_says_why() {
        let stream = |name: &str| DeliveryStream {
            name: name.into(),
            failed: None,
            bucket_arn: "arn:aws:s3:::b".into(),
            role_arn: "arn:aws:iam::1:role/r".into(),
            prefix: String::new(),
            error_output_prefix: String::new(),
            buffer_size_mb: 5,
            buffer_interval_seconds: 300,
            compression: crate::resources::Compression::Gzip,
            tags: BTreeMap::new(),
        };
        let mut a = Desired::default();
        let mut b = Desired::default();
        a.streams.insert("h".into(), stream("new-name"));
        b.streams.insert("h".into(), stream("old-name"));
        let plan = diff("st", &a, &b);
        assert_eq!(plan.changes[0].action, Action::Replace);
        assert_eq!(
            plan.changes[0].reason.as_deref(),
            Some("name cannot be changed in place")
        );
        // A stream Firehose failed to create or delete is replaced, even when every
        // setting matches, and the plan says why.
        for (failure, reason) in [
            (StreamFailure::CreatingFailed, "creating_failed"),
            (StreamFailure::DeletingFailed, "deleting_failed"),
        ] {
            let mut broken = b.clone();
            broken.streams.insert("h".into(), stream("new-name"));
            if let Some(s) = broken.streams.get_mut("h") {
                s.failed = Some(failure);
            }
            let plan = diff("st", &a, &broken);
            assert_eq!(plan.changes[0].action, Action::Replace);
            assert_eq!(plan.changes[0].reason.as_deref(), Some(reason));
            assert_eq!(plan.changes[0].fields[0].path, "status");
        }
    }

    #[test]
    fn a_role_at_another_path_is_replaced() {
        let role = |path: &str| Role {
            name: "r".into(),
            path: path.into(),
            description: String::new(),
            trust_policy: PolicyDocument::new(json!({})),
            attached_policies: Default::default(),
            inline_policies: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        let mut want = Desired::default();
        let mut have = Desired::default();
        want.roles.insert("r".into(), role("/sesinfra/st/"));
        have.roles.insert("r".into(), role("/"));
        let plan = diff("st", &want, &have);
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].action, Action::Replace);
        assert_eq!(plan.changes[0].fields[0].path, "path");
    }

    #[test]
    fn set_options_unset_differ_from_set() {
        let mut want = set("Main");
        want.vdm_engagement_metrics = Some(false);
        want.archive_arn = Some("arn:aws:ses:eu-west-1:1:mailmanager-archive/a-x".into());
        want.signing = crate::resources::Signing::Smime;
        let plan = diff("s", &state_with_set(want), &state_with_set(set("Main")));
        let paths: Vec<_> = plan.changes[0]
            .fields
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        assert_eq!(
            paths,
            [
                "archive_arn",
                "message_security.signing",
                "vdm.engagement_metrics"
            ]
        );
        assert_eq!(plan.changes[0].fields[1].before, json!("default"));
        assert_eq!(plan.changes[0].fields[2].before, Value::Null);
    }

    #[test]
    fn account_compares_only_managed_groups() {
        use crate::resources::{AccountSettings, AccountVdm, SuppressionReason};
        let vdm = AccountVdm {
            enabled: true,
            engagement_metrics: false,
            optimized_shared_delivery: false,
        };
        let have = AccountSettings {
            suppression: Some(BTreeSet::from([SuppressionReason::Bounce])),
            vdm: Some(vdm),
        };
        let state = |a: Option<AccountSettings>| Desired {
            account: a,
            ..Desired::default()
        };
        // Only suppression managed, and equal: no change whatever VDM is.
        let want = AccountSettings {
            suppression: Some(BTreeSet::from([SuppressionReason::Bounce])),
            vdm: None,
        };
        assert!(diff("s", &state(Some(want)), &state(Some(have.clone()))).is_empty());
        // VDM managed and different: one update of the singleton `account`.
        let want = AccountSettings {
            suppression: None,
            vdm: Some(AccountVdm {
                enabled: false,
                ..vdm
            }),
        };
        let plan = diff("s", &state(Some(want)), &state(Some(have.clone())));
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].address, "account");
        assert_eq!(plan.changes[0].action, Action::Update);
        assert_eq!(plan.changes[0].fields[0].path, "vdm.enabled");
        // Not in the spec: never a change (and never a delete).
        assert!(diff("s", &state(None), &state(Some(have))).is_empty());
    }
}
