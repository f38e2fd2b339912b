//! The engine: from a validated spec to a plan, and from a plan to AWS.
//!
//! `open` connects and learns who we are; `model_with_account` validates the spec again
//! with the account id (so `${account_id}` is real); `prepare` resolves what only the
//! account can tell (KMS aliases), derives the desired resources, reads what AWS has,
//! and diffs; `refuse_clashes` and `require_identities` stop a plan that would touch
//! what the stack does not own or what does not exist. `execute::apply` carries a plan
//! out. The saved plan file (`planfile`) lets `apply PLANFILE` do exactly what was
//! reviewed, or refuse if AWS moved.

pub mod execute;
pub mod observe;
pub mod planfile;

use std::cell::RefCell;
use std::collections::BTreeMap;

use crate::aws::{self, AwsError, AwsSettings, Clients};
use crate::desired::{self, Desired, Environment};
use crate::model::Model;
use crate::plan::{self, Action, Address, Change, Plan, PlanDiagnostic, Reason};
use crate::resources::{ACCOUNT_OWNER_TAG, IdentityAttributes, IdentityNotifications};
use crate::spec::LoadError;
use crate::validate::{self, Inputs};

pub use observe::{Clash, Observed};

/// A connection to the account and region a stack lives in.
pub struct Session {
    pub clients: Clients,
    pub env: Environment,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Config(#[from] aws::config::ConfigError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "buckets.{bucket}.encryption.kms_key_arn: the KMS alias {alias} does not exist in {region} (KMS DescribeKey found no such alias); create the alias, point the spec at an existing alias, or give the key's ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY-ID)"
    )]
    KmsAliasNotFound {
        bucket: String,
        alias: String,
        region: String,
    },
    #[error(
        "account: stack {owner} already manages the SES account settings of {region} (its configuration set {set} carries the tag {tag}={owner}); only one stack per region may have `account:`. Remove `account:` from this spec, or remove it from stack {owner}'s spec and apply that stack first"
    )]
    AccountManagedElsewhere {
        owner: String,
        set: String,
        region: String,
        tag: &'static str,
    },
    #[error("{}", clashes_message(stack, clashes))]
    Clashes { stack: String, clashes: Vec<Clash> },
    #[error(
        "these identities do not exist in SES: {}. sesinfra manages settings of existing identities; create and verify them first (SES console or `aws sesv2 create-email-identity`).",
        identities.join(", ")
    )]
    MissingIdentities { identities: Vec<String> },
    #[error(
        "internal error: the plan asks to {} {address}, which sesinfra never does; nothing was changed. This is a bug in sesinfra: please report it with the plan (`sesinfra plan --output json`)",
        action.as_str()
    )]
    UnsupportedChange { address: Address, action: Action },
    #[error(
        "internal error: the plan changes {address} but the {side} state has no such resource; nothing was changed. This is a bug in sesinfra: please report it with the plan (`sesinfra plan --output json`)"
    )]
    PlanWithoutState { address: Address, side: Side },
}

/// The wording of `EngineError::Clashes`: each resource and who owns it, and how to
/// take them over.
fn clashes_message(stack: &str, clashes: &[Clash]) -> String {
    let mut message = String::from("these resources exist but are not managed by this stack:\n");
    for c in clashes {
        match &c.owner {
            Some(owner) => message.push_str(&format!("  {} (owned by stack {owner})\n", c.address)),
            None => message.push_str(&format!("  {} (no sesinfra:stack tag)\n", c.address)),
        }
    }
    message.push_str(&format!(
        "sesinfra never changes resources it does not own. To take them over into stack {stack}, \
         run `sesinfra apply --adopt` (preview with `sesinfra plan --adopt`); otherwise rename them in the spec."
    ));
    message
}

/// Which state a change is carried out from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// What AWS has (the plan's `before`).
    Observed,
    /// What the spec wants (the plan's `after`).
    Desired,
}

impl std::fmt::Display for Side {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Side::Observed => "observed",
            Side::Desired => "desired",
        })
    }
}

/// The model with every KMS alias ARN of a managed bucket replaced by the ARN of the
/// key it points to (KMS `DescribeKey`). An IAM policy cannot name a key by alias, so
/// the Firehose role must name the key; the bucket's default encryption names the same
/// key ARN, which S3 reads back as written (no perpetual diff between alias and key),
/// and keeps bucket and role on one key until the next apply even if the alias is
/// re-pointed. Key ARNs are used as written, without a call.
pub async fn resolve_kms_aliases(clients: &Clients, model: &Model) -> Result<Model, EngineError> {
    let mut resolved = model.clone();
    for (logical, bucket) in &mut resolved.buckets {
        let crate::model::Encryption::Kms { key_arn, .. } = &mut bucket.encryption else {
            continue;
        };
        if bucket.existing || !is_alias_arn(key_arn) {
            continue;
        }
        match aws::kms::key_arn(clients, key_arn).await? {
            Some(arn) => {
                tracing::info!(alias = %key_arn, key = %arn, "resolved KMS alias");
                *key_arn = arn;
            }
            None => {
                return Err(EngineError::KmsAliasNotFound {
                    bucket: logical.clone(),
                    alias: key_arn.clone(),
                    region: clients.region.clone(),
                });
            }
        }
    }
    Ok(resolved)
}

/// `arn:PARTITION:kms:REGION:ACCOUNT:alias/NAME`.
fn is_alias_arn(arn: &str) -> bool {
    arn.split(':')
        .nth(5)
        .is_some_and(|r| r.starts_with("alias/"))
}

/// Connects with `settings` (the spec's region wins over the flag) and asks STS who
/// we are.
pub async fn open(
    settings: &AwsSettings,
    spec_region: Option<&str>,
) -> Result<Session, EngineError> {
    let mut settings = settings.clone();
    if let Some(region) = spec_region {
        settings.region = Some(region.to_owned());
    }
    let clients = aws::connect(&settings).await?;
    // The partition comes from who we are, not from the region's name: new
    // partitions (aws-eusc, the iso ones) have region names no rule foresees.
    let caller = aws::sts::caller(&clients).await?;
    let region = clients.region.clone();
    Ok(Session {
        env: Environment {
            partition: caller.partition,
            region,
            account_id: caller.account_id,
        },
        clients,
    })
}

/// A spec as read once by a command, and the `--var` values it is interpolated with.
#[derive(Debug, Clone)]
pub struct SpecSource {
    pub file: String,
    pub text: String,
    pub vars: BTreeMap<String, String>,
}

/// The model validated with the account's values, and the `${env.NAME}` values it
/// used (a saved plan records them, so applying it derives the same state).
pub struct OnlineModel {
    pub model: Model,
    pub env_used: BTreeMap<String, String>,
}

/// Validates `source` again now that the account id and region are known, so
/// `${account_id}` is real. `lookup` answers `${env.NAME}` (the process environment,
/// or a saved plan's record). A spec with errors is `LoadError::Invalid` with its
/// diagnostics.
pub fn model_with_account(
    source: &SpecSource,
    env: &Environment,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<OnlineModel, LoadError> {
    let used = RefCell::new(BTreeMap::new());
    let recording = |name: &str| {
        let value = lookup(name);
        if let Some(v) = &value {
            used.borrow_mut().insert(name.to_owned(), v.clone());
        }
        value
    };
    let file = crate::spec::parse(source.file.clone(), source.text.clone())?;
    let validated = validate::validate(
        file,
        &Inputs {
            region: Some(env.region.clone()),
            account_id: Some(env.account_id.clone()),
            vars: source.vars.clone(),
            env: &recording,
        },
    );
    match validated.model {
        Some(model) if !validated.diagnostics.has_errors() => Ok(OnlineModel {
            model,
            env_used: used.into_inner(),
        }),
        _ => Err(LoadError::Invalid(Box::new(validated.diagnostics))),
    }
}

/// Refuses to go on when resources the spec would manage belong to someone else,
/// unless they are to be adopted.
pub fn refuse_clashes(prepared: &Prepared, stack: &str, adopt: bool) -> Result<(), EngineError> {
    let clashes = &prepared.observed.clashes;
    if clashes.is_empty() || adopt {
        return Ok(());
    }
    Err(EngineError::Clashes {
        stack: stack.to_owned(),
        clashes: clashes.clone(),
    })
}

/// Refuses a plan for identities that do not exist: sesinfra manages the settings of
/// identities verified outside it, and never creates one.
pub fn require_identities(prepared: &Prepared) -> Result<(), EngineError> {
    let identities = observe::missing_identities(&prepared.desired, &prepared.observed);
    if identities.is_empty() {
        Ok(())
    } else {
        Err(EngineError::MissingIdentities { identities })
    }
}

/// Everything a plan was computed from.
pub struct Prepared {
    pub desired: Desired,
    pub observed: Observed,
    pub plan: Plan,
}

/// Derives, observes and diffs. With `destroy`, the desired state is "nothing the
/// stack owns", identities back to AWS's defaults, and buckets deleted only when their
/// spec says `deletion_policy: delete` and they are empty.
pub async fn prepare(
    session: &Session,
    model: &Model,
    destroy: bool,
) -> Result<Prepared, EngineError> {
    let model = &resolve_kms_aliases(&session.clients, model).await?;
    let mut full = desired::derive(model, &session.env);
    let observed = observe::observe(&session.clients, &session.env, &model.stack, &full).await?;
    // Identities the stack managed (their tag says so) that left the spec get AWS's
    // defaults back: identities are never deleted, only reset.
    for name in observed.state.identities.keys() {
        full.identities
            .entry(name.clone())
            .or_insert_with(|| IdentityAttributes::aws_defaults(name));
        full.identity_notifications
            .entry(name.clone())
            .or_insert_with(|| IdentityNotifications::aws_defaults(name));
    }
    let desired = if destroy {
        destroyed(&full, &observed.state)
    } else {
        full.clone()
    };
    if desired.account.is_some()
        && let Some((owner, set)) = &observed.account_owner
    {
        return Err(EngineError::AccountManagedElsewhere {
            owner: owner.clone(),
            set: set.clone(),
            region: session.clients.region.clone(),
            tag: ACCOUNT_OWNER_TAG,
        });
    }
    let mut plan = plan::diff(&model.stack, &desired, &observed.state);
    if destroy {
        let (deletes, kept) = bucket_deletes(session, model, &full, &observed).await?;
        plan = plan.into_destroy(deletes);
        plan.diagnostics.extend(kept);
    }
    plan = keep_databases_with_foreign_tables(plan, &observed);
    // `account:` left the spec (or the stack is destroyed): its marker goes with the
    // sets' tags, and the account settings stay as they are. Say so.
    let marked = observed
        .state
        .configuration_sets
        .values()
        .any(|s| s.tags.get(ACCOUNT_OWNER_TAG) == Some(&model.stack));
    if desired.account.is_none() && marked {
        plan.diagnostics.push(PlanDiagnostic::account_released());
    }
    if !destroy {
        plan.diagnostics
            .extend(topic_key_checks(&session.clients, &desired).await);
    }
    Ok(Prepared {
        desired,
        observed,
        plan,
    })
}

/// For each encrypted topic: whether its KMS key lets every service that publishes to
/// it (the service principals of its policy: SES, CloudWatch) use the key. SNS needs
/// `kms:GenerateDataKey*` and `kms:Decrypt` on the publisher's behalf; without them
/// the publisher's messages are refused. A warning, not a refusal: the key is not the
/// stack's, and its owner may be changing it.
async fn topic_key_checks(clients: &Clients, desired: &Desired) -> Vec<PlanDiagnostic> {
    const NEEDED: [&str; 2] = ["kms:GenerateDataKey", "kms:Decrypt"];
    let mut found = Vec::new();
    for (logical, topic) in &desired.sns_topics {
        let Some(key) = &topic.kms_key_arn else {
            continue;
        };
        let policy = match aws::kms::key_policy(clients, key).await {
            Ok(Some(policy)) => policy,
            Ok(None) => {
                found.push(PlanDiagnostic::topic_key_unchecked(
                    logical,
                    key,
                    "KMS knows no such key",
                ));
                continue;
            }
            Err(e) => {
                found.push(PlanDiagnostic::topic_key_unchecked(
                    logical,
                    key,
                    &e.to_string(),
                ));
                continue;
            }
        };
        for service in topic.publishing_services() {
            let missing: Vec<&str> = NEEDED
                .into_iter()
                .filter(|action| !policy.grants_service(&service, action))
                .collect();
            if !missing.is_empty() {
                found.push(PlanDiagnostic::topic_key_denies(
                    logical, key, &service, &missing,
                ));
            }
        }
    }
    found
}

/// Glue's DeleteDatabase deletes the tables in it too: a database the plan would
/// delete is kept, with a diagnostic, while it holds tables the stack does not own.
fn keep_databases_with_foreign_tables(plan: Plan, observed: &Observed) -> Plan {
    let kept: Vec<(String, &Vec<String>)> = plan
        .changes
        .iter()
        .filter_map(|c| match (&c.address, c.action) {
            (Address::GlueDatabase(name), Action::Delete) => observed
                .foreign_glue_tables
                .get(name)
                .map(|tables| (name.clone(), tables)),
            _ => None,
        })
        .collect();
    if kept.is_empty() {
        return plan;
    }
    let Plan {
        stack,
        changes,
        diagnostics,
        ..
    } = plan;
    let changes = changes
        .into_iter()
        .filter(|c| {
            !matches!(&c.address, Address::GlueDatabase(n)
                if c.action == Action::Delete && kept.iter().any(|(k, _)| k == n))
        })
        .collect();
    let mut kept_plan = Plan::new(&stack, changes);
    kept_plan.diagnostics = diagnostics;
    kept_plan.diagnostics.extend(
        kept.iter()
            .map(|(name, tables)| PlanDiagnostic::glue_database_not_empty(name, tables)),
    );
    kept_plan
}

/// What a destroyed stack leaves: the identities it manages, back to AWS's defaults
/// (only those that exist: identities are never created), and its buckets, which the
/// generic diff never deletes (see `bucket_deletes`).
fn destroyed(full: &Desired, observed: &Desired) -> Desired {
    let mut d = Desired::default();
    for name in full
        .identities
        .keys()
        .filter(|n| observed.identities.contains_key(*n))
    {
        d.identities
            .insert(name.clone(), IdentityAttributes::aws_defaults(name));
        d.identity_notifications
            .insert(name.clone(), IdentityNotifications::aws_defaults(name));
    }
    d.buckets = full.buckets.clone();
    d
}

/// The buckets `destroy` deletes (`deletion_policy: delete` and empty), and a
/// diagnostic for each such bucket kept because it holds objects.
async fn bucket_deletes(
    session: &Session,
    model: &Model,
    full: &Desired,
    observed: &Observed,
) -> Result<(Vec<Change>, Vec<PlanDiagnostic>), EngineError> {
    let mut deletes = Vec::new();
    let mut kept = Vec::new();
    for (logical, bucket) in &full.buckets {
        let deletable = model
            .buckets
            .get(logical)
            .is_some_and(|b| b.deletion_policy == crate::model::DeletionPolicy::Delete);
        if !deletable || !observed.state.buckets.contains_key(logical) {
            continue;
        }
        if !aws::s3::bucket_is_empty(&session.clients, &bucket.name).await? {
            kept.push(PlanDiagnostic::bucket_not_empty(logical, &bucket.name));
            continue;
        }
        deletes.push(Change {
            address: Address::Bucket(logical.clone()),
            action: Action::Delete,
            reason: Reason::Destroy,
            fields: Vec::new(),
        });
    }
    Ok((deletes, kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clash_names_each_resource_its_owner_and_the_way_out() {
        let err = EngineError::Clashes {
            stack: "mail".into(),
            clashes: vec![
                Clash {
                    address: Address::ConfigurationSet("Main".into()),
                    owner: None,
                },
                Clash {
                    address: Address::Identity("example.com".into()),
                    owner: Some("other".into()),
                },
            ],
        };
        assert_eq!(
            err.to_string(),
            "these resources exist but are not managed by this stack:\n  \
             configuration_set.Main (no sesinfra:stack tag)\n  \
             identity.example.com (owned by stack other)\n\
             sesinfra never changes resources it does not own. To take them over into stack \
             mail, run `sesinfra apply --adopt` (preview with `sesinfra plan --adopt`); \
             otherwise rename them in the spec."
        );
    }

    #[test]
    fn alias_arns_are_told_from_key_arns() {
        assert!(is_alias_arn("arn:aws:kms:eu-west-1:123456789012:alias/ses"));
        assert!(is_alias_arn(
            "arn:aws-cn:kms:cn-north-1:123456789012:alias/a/b"
        ));
        assert!(!is_alias_arn(
            "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!is_alias_arn("alias/ses"));
    }
}
