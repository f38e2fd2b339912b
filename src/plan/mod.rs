//! The plan: what apply would change, as typed data (contract §4 and §7), and the diff
//! that produces it — a pure function of desired and observed resources, no network.
//!
//! A change names its resource by a typed `Address`, says what happens (`Action`) and
//! why (`Reason`), and lists its differing fields. Each resource is flattened into
//! `field path → JSON value` (`fields.rs`); two resources differ exactly where those
//! maps differ. A plan also carries its `diagnostics` (`diagnostics.rs`).

mod address;
mod diagnostics;
mod fields;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::desired::Desired;
use fields::Diffable;

pub use address::{Address, ResourceKind};
pub use diagnostics::{PlanDiagnostic, Severity};
pub use fields::ACCOUNT_DEFAULT_FIELDS;

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

/// Why a change is in the plan (contract §7 `reason`), as a snake_case code. The
/// human renderings word it (`render.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Create: the spec has it, AWS does not.
    MissingInAws,
    /// Update: AWS's settings differ from the spec's.
    Differs,
    /// Delete: AWS has it with the stack's tag, the spec does not. Update of an
    /// identity: the spec no longer names it, so its settings go back to AWS's defaults.
    NotInSpec,
    /// Replace: a field AWS cannot change in place differs (`ResourceKind::replace_fields`).
    CannotUpdateInPlace,
    /// Replace: a role outside the stack's IAM path; IAM cannot move a role.
    OutsideStackPath,
    /// Replace: Firehose failed to create the stream (`CREATING_FAILED`).
    CreatingFailed,
    /// Replace: a deletion of the stream failed (`DELETING_FAILED`); it is deleted by force.
    DeletingFailed,
    /// Delete, or an identity's reset: `destroy` removes the stack.
    Destroy,
}

impl Reason {
    /// Whether the action alone says it (a create because AWS lacks it, ...), so a
    /// human rendering need not repeat it.
    pub fn is_implied_by(self, action: Action) -> bool {
        matches!(
            (action, self),
            (Action::Create, Reason::MissingInAws)
                | (Action::Update, Reason::Differs)
                | (Action::Delete, Reason::NotInSpec | Reason::Destroy)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub path: String,
    pub before: Value,
    pub after: Value,
}

/// One change. In JSON (contract §4), `type` and `name` are the address's parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "ChangeDocument", try_from = "ChangeDocument")]
pub struct Change {
    pub address: Address,
    pub action: Action,
    pub reason: Reason,
    pub fields: Vec<FieldChange>,
}

/// A change as the JSON document spells it.
#[derive(Serialize, Deserialize)]
struct ChangeDocument {
    address: Address,
    #[serde(rename = "type")]
    kind: ResourceKind,
    name: String,
    action: Action,
    fields: Vec<FieldChange>,
    reason: Reason,
}

impl From<Change> for ChangeDocument {
    fn from(c: Change) -> ChangeDocument {
        ChangeDocument {
            kind: c.address.kind(),
            name: c.address.name(),
            address: c.address,
            action: c.action,
            fields: c.fields,
            reason: c.reason,
        }
    }
}

impl TryFrom<ChangeDocument> for Change {
    type Error = String;
    fn try_from(d: ChangeDocument) -> Result<Change, String> {
        if d.kind != d.address.kind() || d.name != d.address.name() {
            return Err(format!(
                "change {}: type {} and name {} do not match the address",
                d.address, d.kind, d.name
            ));
        }
        Ok(Change {
            address: d.address,
            action: d.action,
            reason: d.reason,
            fields: d.fields,
        })
    }
}

impl Change {
    /// The fields whose difference made this change a replace because AWS cannot
    /// change them in place.
    pub fn replace_fields(&self) -> Vec<&str> {
        let kind = self.address.kind();
        self.fields
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| kind.replace_fields().contains(p))
            .collect()
    }
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
    /// Contract §7: what the reader should know beyond the changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<PlanDiagnostic>,
}

impl Plan {
    /// A plan of `changes`, with their summary and the security diagnostics they show.
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
            diagnostics: diagnostics::security(&changes),
            changes,
            summary,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Every change becomes one of `destroy`, and `extra` changes (buckets that
    /// `destroy` deletes) are added; the diagnostics are kept.
    pub fn into_destroy(self, extra: Vec<Change>) -> Plan {
        let diagnostics = self.diagnostics;
        let mut changes = self.changes;
        changes.extend(extra);
        for c in &mut changes {
            c.reason = Reason::Destroy;
        }
        let mut plan = Plan::new(&self.stack, changes);
        for d in diagnostics {
            if !plan.diagnostics.contains(&d) {
                plan.diagnostics.push(d);
            }
        }
        plan
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
    // Subscriptions waiting for confirmation that the spec does not have cannot be
    // removed (SNS gives them no ARN until confirmed, and deletes them unconfirmed after
    // a few days): they are shown as diagnostics, not compared.
    let observed_topics = diagnostics::comparable_topics(&desired.sns_topics, &observed.sns_topics);
    diff_map(
        &desired.sns_topics,
        &observed_topics,
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.configuration_sets,
        &observed.configuration_sets,
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.event_destinations,
        &observed.event_destinations,
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.identities,
        &observed.identities,
        &mut changes,
        &mut Vec::new(),
    );
    // Identities are never deleted, nor their notification settings: those of an
    // identity the spec no longer names are reset to AWS's defaults with an update.
    diff_map(
        &desired.identity_notifications,
        &observed.identity_notifications,
        &mut changes,
        &mut Vec::new(),
    );
    diff_map(
        &desired.alarms,
        &observed.alarms,
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.glue_databases,
        &observed.glue_databases,
        &mut changes,
        &mut deletes,
    );
    diff_map(
        &desired.glue_tables,
        &observed.glue_tables,
        &mut changes,
        &mut deletes,
    );
    // The account is a singleton, never created or deleted: only its managed groups
    // are compared (an unmanaged group is not in `desired`'s fields).
    if let (Some(want), Some(have)) = (&desired.account, &observed.account) {
        let fields = field_changes(&have.managed_like(want).fields(), &want.fields());
        if !fields.is_empty() {
            changes.push(Change {
                address: Address::Account,
                action: Action::Update,
                reason: Reason::Differs,
                fields,
            });
        }
    }
    deletes.reverse();
    changes.extend(deletes);
    let mut plan = Plan::new(stack, changes);
    plan.diagnostics.extend(diagnostics::pending_subscriptions(
        &desired.sns_topics,
        &observed.sns_topics,
    ));
    plan
}

/// Every resource of `state` flattened as the diff sees it, by address: the canonical
/// form a fingerprint of observed state is computed from.
pub fn state_fields(state: &Desired) -> BTreeMap<String, BTreeMap<String, Value>> {
    fn add<T: Diffable>(
        out: &mut BTreeMap<String, BTreeMap<String, Value>>,
        map: &BTreeMap<T::Key, T>,
    ) {
        for (key, value) in map {
            out.insert(T::address(key).to_string(), value.fields());
        }
    }
    let mut out = BTreeMap::new();
    add(&mut out, &state.buckets);
    add(&mut out, &state.roles);
    add(&mut out, &state.streams);
    add(&mut out, &state.configuration_sets);
    add(&mut out, &state.identities);
    add(&mut out, &state.event_destinations);
    add(&mut out, &state.sns_topics);
    add(&mut out, &state.identity_notifications);
    add(&mut out, &state.alarms);
    add(&mut out, &state.glue_databases);
    add(&mut out, &state.glue_tables);
    if let Some(account) = &state.account {
        out.insert(Address::Account.to_string(), account.fields());
    }
    out
}

fn diff_map<T: Diffable>(
    desired: &BTreeMap<T::Key, T>,
    observed: &BTreeMap<T::Key, T>,
    changes: &mut Vec<Change>,
    deletes: &mut Vec<Change>,
) {
    for (key, want) in desired {
        match observed.get(key) {
            None => changes.push(Change {
                address: T::address(key),
                action: Action::Create,
                reason: Reason::MissingInAws,
                fields: field_changes(&BTreeMap::new(), &want.fields()),
            }),
            Some(have) => {
                let fields = field_changes(&have.fields(), &want.fields());
                let changed: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
                let replace = have.replace_reason(&changed);
                if fields.is_empty() && replace.is_none() {
                    continue;
                }
                let (action, reason) = match replace {
                    Some(reason) => (Action::Replace, reason),
                    None => (Action::Update, want.update_reason()),
                };
                changes.push(Change {
                    address: T::address(key),
                    action,
                    reason,
                    fields,
                });
            }
        }
    }
    for (key, have) in observed {
        if !desired.contains_key(key) {
            deletes.push(Change {
                address: T::address(key),
                action: Action::Delete,
                reason: Reason::NotInSpec,
                fields: field_changes(&have.fields(), &BTreeMap::new()),
            });
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyDocument;
    use crate::resources::{
        Bucket, BucketEncryption, ConfigurationSet, DeliveryStream, EventDestination,
        IdentityAttributes, Role, Target,
    };
    use crate::resources::{EventType, StreamFailure, TlsPolicy};
    use serde_json::json;
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
                    "fields": [{"path": "delivery.tls_policy", "before": "OPTIONAL", "after": "REQUIRE"}],
                    "reason": "differs"
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
        let order: Vec<(String, Action, Reason)> = plan
            .changes
            .iter()
            .map(|c| (c.address.to_string(), c.action, c.reason))
            .collect();
        assert_eq!(
            order,
            [
                (
                    "configuration_set.New".to_owned(),
                    Action::Create,
                    Reason::MissingInAws
                ),
                (
                    "configuration_set.Old".to_owned(),
                    Action::Delete,
                    Reason::NotInSpec
                ),
                (
                    "iam_role.old-role".to_owned(),
                    Action::Delete,
                    Reason::NotInSpec
                ),
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
        assert_eq!(plan.changes[0].reason, Reason::CannotUpdateInPlace);
        assert_eq!(plan.changes[0].replace_fields(), ["name"]);
        // A stream Firehose failed to create or delete is replaced, even when every
        // setting matches, and the plan says why.
        for (failure, reason) in [
            (StreamFailure::CreatingFailed, Reason::CreatingFailed),
            (StreamFailure::DeletingFailed, Reason::DeletingFailed),
        ] {
            let mut broken = b.clone();
            broken.streams.insert("h".into(), stream("new-name"));
            if let Some(s) = broken.streams.get_mut("h") {
                s.failed = Some(failure);
            }
            let plan = diff("st", &a, &broken);
            assert_eq!(plan.changes[0].action, Action::Replace);
            assert_eq!(plan.changes[0].reason, reason);
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
        assert_eq!(plan.changes[0].reason, Reason::OutsideStackPath);
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
        assert_eq!(plan.changes[0].address, Address::Account);
        assert_eq!(plan.changes[0].reason, Reason::Differs);
        assert_eq!(plan.changes[0].action, Action::Update);
        assert_eq!(plan.changes[0].fields[0].path, "vdm.enabled");
        // Not in the spec: never a change (and never a delete).
        assert!(diff("s", &state(None), &state(Some(have))).is_empty());
    }

    #[test]
    fn an_identity_left_out_of_the_spec_is_reset_for_that_reason() {
        let managed = IdentityAttributes {
            identity: "example.com".into(),
            feedback_forwarding: false,
            default_configuration_set: Some("Main".into()),
            managed_by: Some("s".into()),
        };
        let state = |i: IdentityAttributes| {
            let mut d = Desired::default();
            d.identities.insert("example.com".into(), i);
            d
        };
        let plan = diff(
            "s",
            &state(IdentityAttributes::aws_defaults("example.com")),
            &state(managed.clone()),
        );
        assert_eq!(plan.changes[0].action, Action::Update);
        assert_eq!(plan.changes[0].reason, Reason::NotInSpec);
        let mut changed = managed.clone();
        changed.feedback_forwarding = true;
        let plan = diff("s", &state(managed), &state(changed));
        assert_eq!(plan.changes[0].reason, Reason::Differs);
    }

    #[test]
    fn every_change_of_a_destroy_says_destroy() {
        let plan = diff("s", &Desired::default(), &state_with_set(set("Main")));
        assert_eq!(plan.changes[0].reason, Reason::NotInSpec);
        let extra = Change {
            address: Address::Bucket("history".into()),
            action: Action::Delete,
            reason: Reason::NotInSpec,
            fields: Vec::new(),
        };
        let plan = plan.into_destroy(vec![extra]);
        assert_eq!(plan.summary.delete, 2);
        assert!(plan.changes.iter().all(|c| c.reason == Reason::Destroy));
    }

    #[test]
    fn reasons_are_snake_case_codes_and_changes_read_back() {
        for (reason, code) in [
            (Reason::MissingInAws, "missing_in_aws"),
            (Reason::Differs, "differs"),
            (Reason::NotInSpec, "not_in_spec"),
            (Reason::CannotUpdateInPlace, "cannot_update_in_place"),
            (Reason::OutsideStackPath, "outside_stack_path"),
            (Reason::CreatingFailed, "creating_failed"),
            (Reason::DeletingFailed, "deleting_failed"),
            (Reason::Destroy, "destroy"),
        ] {
            assert_eq!(serde_json::to_value(reason).unwrap(), json!(code));
        }
        let mut want = set("Main");
        want.sending_enabled = false;
        let plan = diff("s", &state_with_set(want), &state_with_set(set("Main")));
        let text = serde_json::to_string(&plan).unwrap();
        let back: Plan = serde_json::from_str(&text).unwrap();
        assert_eq!(back, plan);
        // A document whose type disagrees with its address is not a plan.
        let forged = text.replace("\"type\":\"configuration_set\"", "\"type\":\"bucket\"");
        assert!(serde_json::from_str::<Plan>(&forged).is_err());
    }

    #[test]
    fn a_plan_carries_the_security_diagnostics_of_its_changes() {
        let role = |trust: Value| Role {
            name: "r".into(),
            path: "/".into(),
            description: String::new(),
            trust_policy: PolicyDocument::new(trust),
            attached_policies: Default::default(),
            inline_policies: BTreeMap::new(),
            tags: BTreeMap::new(),
        };
        let statement = json!({"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sts:AssumeRole"});
        let mut guarded = statement.clone();
        guarded["Condition"] = json!({"StringEquals": {"aws:SourceAccount": "1"}});
        let mut want = Desired::default();
        let mut have = Desired::default();
        want.roles.insert(
            "r".into(),
            role(json!({"Version": "2012-10-17", "Statement": [guarded]})),
        );
        have.roles.insert(
            "r".into(),
            role(json!({"Version": "2012-10-17", "Statement": [statement]})),
        );
        let plan = diff("s", &want, &have);
        assert_eq!(plan.diagnostics.len(), 1);
        assert_eq!(plan.diagnostics[0].severity, Severity::Security);
        assert_eq!(plan.diagnostics[0].address, Address::IamRole("r".into()));
        let doc = serde_json::to_value(&plan).unwrap();
        assert_eq!(doc["diagnostics"][0]["severity"], "security");
        assert_eq!(doc["diagnostics"][0]["address"], "iam_role.r");
    }

    fn topic(subscriptions: &[(&str, &str)]) -> crate::resources::SnsTopic {
        crate::resources::SnsTopic {
            name: "s-alerts".into(),
            kms_key_arn: None,
            policy: PolicyDocument::new(json!({"Statement": [{"Effect": "Allow"}]})),
            subscriptions: subscriptions
                .iter()
                .map(|(p, e)| crate::resources::Subscription {
                    protocol: (*p).into(),
                    endpoint: (*e).into(),
                })
                .collect(),
            pending: BTreeSet::new(),
            subscription_arns: std::collections::BTreeMap::new(),
            tags: crate::resources::Tags::new(),
        }
    }

    fn state_with_topic(t: crate::resources::SnsTopic) -> Desired {
        let mut d = Desired::default();
        d.sns_topics.insert("alerts".into(), t);
        d
    }

    #[test]
    fn a_topic_renamed_is_replaced_and_a_subscription_added_by_hand_is_one_update() {
        let want = topic(&[("email", "ops@example.com")]);
        assert!(
            diff(
                "s",
                &state_with_topic(want.clone()),
                &state_with_topic(want.clone())
            )
            .is_empty()
        );
        let mut renamed = want.clone();
        renamed.name = "s-other".into();
        let plan = diff(
            "s",
            &state_with_topic(renamed),
            &state_with_topic(want.clone()),
        );
        assert_eq!(plan.changes[0].action, Action::Replace);
        assert_eq!(plan.changes[0].reason, Reason::CannotUpdateInPlace);
        assert_eq!(plan.changes[0].replace_fields(), ["name"]);

        let by_hand = topic(&[
            ("email", "ops@example.com"),
            ("sqs", "arn:aws:sqs:eu-west-1:1:q"),
        ]);
        let plan = diff("s", &state_with_topic(want), &state_with_topic(by_hand));
        assert_eq!(plan.changes.len(), 1);
        assert_eq!(plan.changes[0].address.to_string(), "sns_topic.alerts");
        assert_eq!(plan.changes[0].fields[0].path, "subscriptions");
        assert_eq!(plan.diagnostics[0].severity, Severity::Security);
        assert!(
            plan.diagnostics[0]
                .message
                .contains("sqs arn:aws:sqs:eu-west-1:1:q added outside sesinfra")
        );
    }

    #[test]
    fn pending_subscriptions_are_shown_not_compared() {
        let want = topic(&[("email", "ops@example.com")]);
        let mut have = topic(&[("email", "ops@example.com"), ("email", "old@example.com")]);
        have.pending = have.subscriptions.clone();
        let plan = diff("s", &state_with_topic(want), &state_with_topic(have));
        // Neither the wanted pending one nor the unwanted one (it cannot be removed).
        assert!(plan.changes.is_empty(), "{plan:?}");
        let messages: Vec<&str> = plan
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].starts_with(
            "subscription email old@example.com is not in the spec but cannot be removed"
        ));
        assert!(
            messages[1]
                .starts_with("subscription email ops@example.com is waiting for confirmation")
        );
        assert!(
            plan.diagnostics
                .iter()
                .all(|d| d.severity == Severity::Warning)
        );
    }

    #[test]
    fn notifications_of_an_identity_left_out_are_reset_for_that_reason_and_never_deleted() {
        use crate::resources::IdentityNotifications;
        let mut have = IdentityNotifications::aws_defaults("example.com");
        have.topics.bounce = Some("arn:aws:sns:eu-west-1:1:t".into());
        let mut observed = Desired::default();
        observed
            .identity_notifications
            .insert("example.com".into(), have.clone());
        let mut desired = Desired::default();
        desired.identity_notifications.insert(
            "example.com".into(),
            IdentityNotifications::aws_defaults("example.com"),
        );
        let plan = diff("s", &desired, &observed);
        assert_eq!(plan.changes[0].action, Action::Update);
        assert_eq!(plan.changes[0].reason, Reason::NotInSpec);
        assert_eq!(plan.changes[0].fields[0].path, "bounce.topic_arn");
        // Absent from the desired state: nothing (identities and their settings stay).
        assert!(diff("s", &Desired::default(), &observed).is_empty());
    }
}
