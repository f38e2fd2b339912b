//! The plan's `diagnostics` (contract §7): what a reader should know beyond the
//! changes — security regressions found in AWS, a bucket kept because it is not empty,
//! account settings left as they are. Each one's wording lives here, once; every
//! rendering (text, markdown, JSON) prints the same message.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Address, Change, ResourceKind};
use crate::resources::SnsTopic;

/// `observed` topics with the pending subscriptions the spec does not have left out:
/// they cannot be removed, so comparing them would be a change apply never makes.
pub(super) fn comparable_topics(
    desired: &BTreeMap<String, SnsTopic>,
    observed: &BTreeMap<String, SnsTopic>,
) -> BTreeMap<String, SnsTopic> {
    observed
        .iter()
        .map(|(logical, have)| {
            let mut have = have.clone();
            let wanted = desired.get(logical).map(|t| &t.subscriptions);
            let stuck: Vec<_> = have
                .pending
                .iter()
                .filter(|s| wanted.is_none_or(|w| !w.contains(*s)))
                .cloned()
                .collect();
            for s in stuck {
                have.subscriptions.remove(&s);
            }
            (logical.clone(), have)
        })
        .collect()
}

/// Subscriptions waiting for their owner's confirmation: shown, not drift.
pub(super) fn pending_subscriptions(
    desired: &BTreeMap<String, SnsTopic>,
    observed: &BTreeMap<String, SnsTopic>,
) -> Vec<PlanDiagnostic> {
    let mut found = Vec::new();
    for (logical, have) in observed {
        let wanted = desired.get(logical).map(|t| &t.subscriptions);
        for s in &have.pending {
            let message = if wanted.is_some_and(|w| w.contains(s)) {
                format!(
                    "subscription {s} is waiting for confirmation: nothing is delivered to it \
                     until its owner confirms (the email or request SNS sent)"
                )
            } else {
                format!(
                    "subscription {s} is not in the spec but cannot be removed while it waits \
                     for confirmation; SNS deletes it if it is not confirmed within a few days"
                )
            };
            found.push(PlanDiagnostic {
                severity: Severity::Warning,
                address: Address::SnsTopic(logical.clone()),
                message,
            });
        }
    }
    found
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Contract §7 also has `error`; nothing sesinfra reports in a plan is one yet
    /// (what would stop a plan is a refusal instead).
    Warning,
    /// AWS's state is less safe than the spec's (contract §7).
    Security,
}

/// One entry of the plan's `diagnostics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanDiagnostic {
    pub severity: Severity,
    pub address: Address,
    pub message: String,
}

impl PlanDiagnostic {
    /// `account:` left the spec of the stack that managed the account's settings.
    pub fn account_released() -> PlanDiagnostic {
        PlanDiagnostic {
            severity: Severity::Warning,
            address: Address::Account,
            message: "account: no longer in the spec; AWS's account settings are left as they are"
                .to_owned(),
        }
    }

    /// A Glue database the stack owns is kept because it holds tables the stack does not
    /// own: Glue's DeleteDatabase would delete them too.
    pub fn glue_database_not_empty(database: &str, tables: &[String]) -> PlanDiagnostic {
        PlanDiagnostic {
            severity: Severity::Warning,
            address: Address::GlueDatabase(database.to_owned()),
            message: format!(
                "kept: Glue database {database} holds tables this stack does not own ({}), and                  deleting a database deletes its tables; move or delete them and apply again",
                tables.join(", ")
            ),
        }
    }

    /// `destroy` keeps a bucket with `deletion_policy: delete` that still holds objects.
    pub fn bucket_not_empty(logical: &str, bucket: &str) -> PlanDiagnostic {
        PlanDiagnostic {
            severity: Severity::Warning,
            address: Address::Bucket(logical.to_owned()),
            message: format!(
                "kept: bucket {bucket} is not empty, and sesinfra deletes only empty buckets; \
                 empty it and run destroy again to delete it"
            ),
        }
    }
}

impl PlanDiagnostic {
    /// An encrypted topic whose KMS key does not let a publisher of the topic use it:
    /// SNS refuses that publisher's messages, so bounces or alarms are lost.
    pub fn topic_key_denies(
        logical: &str,
        key: &str,
        service: &str,
        missing: &[&str],
    ) -> PlanDiagnostic {
        PlanDiagnostic {
            severity: Severity::Warning,
            address: Address::SnsTopic(logical.to_owned()),
            message: format!(
                "the KMS key {key} does not let {service} use it ({}): SNS cannot encrypt what \
                 it publishes, so those messages are lost; add a key policy statement allowing \
                 {service} kms:GenerateDataKey* and kms:Decrypt",
                missing.join(", ")
            ),
        }
    }

    /// The topic's key could not be read (no such key, or no permission to read its
    /// policy): whether its publishers may use it is unknown.
    pub fn topic_key_unchecked(logical: &str, key: &str, why: &str) -> PlanDiagnostic {
        PlanDiagnostic {
            severity: Severity::Warning,
            address: Address::SnsTopic(logical.to_owned()),
            message: format!(
                "could not check that the KMS key {key} lets the topic's publishers use it: {why}"
            ),
        }
    }
}

/// Security regressions the changes undo: a role whose trust policy in AWS lacks the
/// spec's conditions (the confused-deputy guard), a managed policy attached to a role
/// (sesinfra attaches none), or a permission policy that differs from the spec's.
pub fn security(changes: &[Change]) -> Vec<PlanDiagnostic> {
    let mut found = Vec::new();
    for change in changes
        .iter()
        .filter(|c| c.address.kind() == ResourceKind::SnsTopic)
    {
        for f in change.fields.iter().filter(|f| !f.before.is_null()) {
            let message = match f.path.as_str() {
                "policy" => {
                    let in_aws = condition_keys(&f.before);
                    let missing: Vec<String> = condition_keys(&f.after)
                        .into_iter()
                        .filter(|k| !in_aws.contains(k))
                        .collect();
                    if missing.is_empty() {
                        "the topic policy in AWS differs from the spec; it may let others \
                         publish or subscribe (apply restores it)"
                            .to_owned()
                    } else {
                        format!(
                            "the topic policy in AWS lacks the spec's condition(s) on {}: \
                             others than the stack's configuration sets, identities and alarms \
                             may publish to it (apply restores them)",
                            missing.join(", ")
                        )
                    }
                }
                "subscriptions" => {
                    let wanted: Vec<&Value> = f.after.as_array().into_iter().flatten().collect();
                    let added: Vec<String> = f
                        .before
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|s| !wanted.contains(s))
                        .map(|s| {
                            format!(
                                "{} {}",
                                s["protocol"].as_str().unwrap_or_default(),
                                s["endpoint"].as_str().unwrap_or_default()
                            )
                        })
                        .collect();
                    if added.is_empty() {
                        continue;
                    }
                    format!(
                        "subscription(s) {} added outside sesinfra receive every bounce and \
                         complaint published to the topic (apply removes them)",
                        added.join(", ")
                    )
                }
                _ => continue,
            };
            found.push(PlanDiagnostic {
                severity: Severity::Security,
                address: change.address.clone(),
                message,
            });
        }
    }
    for change in changes
        .iter()
        .filter(|c| c.address.kind() == ResourceKind::IamRole)
    {
        let mut alert = |message: String| {
            found.push(PlanDiagnostic {
                severity: Severity::Security,
                address: change.address.clone(),
                message,
            })
        };
        for f in &change.fields {
            if f.path == "trust_policy" {
                let in_aws = condition_keys(&f.before);
                let missing: Vec<String> = condition_keys(&f.after)
                    .into_iter()
                    .filter(|k| !in_aws.contains(k))
                    .collect();
                // An absent role (before = null) is a create, not a regression.
                if !missing.is_empty() && !f.before.is_null() {
                    alert(format!(
                        "the trust policy in AWS lacks the spec's condition(s) on {}: the role \
                         can be assumed beyond the configuration sets and account it is meant \
                         for (apply restores them)",
                        missing.join(", ")
                    ));
                }
            } else if f.path == "attached_policies" {
                let wanted: Vec<&Value> = f.after.as_array().into_iter().flatten().collect();
                let attached: Vec<&str> = f
                    .before
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| !wanted.contains(p))
                    .filter_map(Value::as_str)
                    .collect();
                if !attached.is_empty() {
                    // sesinfra attaches no managed policy, so one attached is someone else's.
                    alert(format!(
                        "managed policy {} attached outside sesinfra; it may grant more than \
                         least privilege (apply detaches it)",
                        attached.join(", ")
                    ));
                }
            } else if let Some(name) = f.path.strip_prefix("inline_policies.")
                && !f.before.is_null()
            {
                alert(format!(
                    "the permission policy {name} in AWS differs from the spec; it may grant \
                     more than least privilege (apply restores it)"
                ));
            }
        }
    }
    found
}

/// Every condition key (lower-case) in a normalised policy document.
fn condition_keys(policy: &Value) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for statement in policy["Statement"].as_array().into_iter().flatten() {
        if let Some(ops) = statement["Condition"].as_object() {
            for kv in ops.values().filter_map(Value::as_object) {
                keys.extend(kv.keys().map(|k| k.to_ascii_lowercase()));
            }
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Action, FieldChange, Reason};
    use serde_json::json;

    fn trust(conditions: bool) -> Value {
        let mut statement = json!({"Effect": "Allow", "Principal": {"Service": ["ses.amazonaws.com"]}, "Action": ["sts:AssumeRole"]});
        if conditions {
            statement["Condition"] =
                json!({"StringEquals": {"aws:SourceAccount": ["1"], "aws:SourceArn": ["arn"]}});
        }
        json!({"Version": "2012-10-17", "Statement": [statement]})
    }

    fn role_change(path: &str, before: Value, after: Value) -> Change {
        Change {
            address: Address::IamRole("s-ses-h".into()),
            action: Action::Update,
            reason: Reason::Differs,
            fields: vec![FieldChange {
                path: path.into(),
                before,
                after,
            }],
        }
    }

    #[test]
    fn removed_trust_conditions_are_a_security_diagnostic() {
        let found = security(&[role_change("trust_policy", trust(false), trust(true))]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Security);
        assert_eq!(found[0].address.to_string(), "iam_role.s-ses-h");
        assert!(
            found[0]
                .message
                .contains("lacks the spec's condition(s) on aws:sourceaccount, aws:sourcearn"),
            "{}",
            found[0].message
        );
        assert_eq!(
            serde_json::to_value(&found[0]).unwrap()["severity"],
            "security"
        );
    }

    #[test]
    fn a_tightened_or_new_trust_policy_is_not_a_regression() {
        assert!(security(&[role_change("trust_policy", trust(true), trust(false))]).is_empty());
        assert!(security(&[role_change("trust_policy", Value::Null, trust(true))]).is_empty());
    }

    #[test]
    fn attached_and_edited_policies_are_security_diagnostics() {
        let attached = security(&[role_change(
            "attached_policies",
            json!(["arn:aws:iam::aws:policy/AdministratorAccess"]),
            Value::Null,
        )]);
        assert_eq!(
            attached[0].message,
            "managed policy arn:aws:iam::aws:policy/AdministratorAccess attached outside \
             sesinfra; it may grant more than least privilege (apply detaches it)"
        );
        let edited = security(&[role_change(
            "inline_policies.firehose-put",
            json!({"Statement": []}),
            json!({"Statement": [{}]}),
        )]);
        assert!(
            edited[0]
                .message
                .starts_with("the permission policy firehose-put in AWS differs")
        );
        // A role being created has no policy in AWS to regress.
        assert!(
            security(&[role_change(
                "inline_policies.firehose-put",
                Value::Null,
                json!({})
            )])
            .is_empty()
        );
    }

    #[test]
    fn only_roles_are_checked() {
        let mut change = role_change("trust_policy", trust(false), trust(true));
        change.address = Address::ConfigurationSet("x".into());
        assert!(security(&[change]).is_empty());
    }
}
