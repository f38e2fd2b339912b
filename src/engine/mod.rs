//! The engine: from a validated spec to a plan, and from a plan to AWS.
//!
//! `prepare` connects, learns the account id, re-validates the spec with it (so
//! `${account_id}` is real), derives the desired resources, reads what AWS has, and
//! diffs. `execute::apply` carries a plan out. The saved plan file (`planfile`) lets
//! `apply PLANFILE` do exactly what was reviewed, or refuse if AWS moved.

pub mod execute;
pub mod observe;
pub mod planfile;

use crate::aws::{self, AwsError, AwsSettings, Clients};
use crate::desired::{self, Desired, Environment};
use crate::model::Model;
use crate::plan::{self, Plan};
use crate::resources::IdentityAttributes;

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
    let full = desired::derive(model, &session.env);
    let observed = observe::observe(&session.clients, &model.stack, &full).await?;
    let desired = if destroy {
        destroyed(&full)
    } else {
        full.clone()
    };
    let mut plan = plan::diff(&model.stack, &desired, &observed.state);
    if destroy {
        add_bucket_deletes(session, model, &full, &observed, &mut plan).await?;
    }
    Ok(Prepared {
        desired,
        observed,
        plan,
    })
}

fn destroyed(full: &Desired) -> Desired {
    let mut d = Desired::default();
    for name in full.identities.keys() {
        d.identities
            .insert(name.clone(), IdentityAttributes::aws_defaults(name));
    }
    // Buckets are kept out of the generic diff (it never deletes them); see below.
    d.buckets = full.buckets.clone();
    d
}

async fn add_bucket_deletes(
    session: &Session,
    model: &Model,
    full: &Desired,
    observed: &Observed,
    plan: &mut Plan,
) -> Result<(), EngineError> {
    let mut changes = std::mem::take(&mut plan.changes);
    for (logical, bucket) in &full.buckets {
        let deletable = model
            .buckets
            .get(logical)
            .is_some_and(|b| b.deletion_policy == crate::model::DeletionPolicy::Delete);
        if !deletable || !observed.state.buckets.contains_key(logical) {
            continue;
        }
        if !aws::s3::bucket_is_empty(&session.clients, &bucket.name).await? {
            tracing::warn!(bucket = %bucket.name, "not deleted: the bucket is not empty");
            continue;
        }
        changes.push(crate::plan::Change {
            address: format!("bucket.{logical}"),
            kind: "bucket".to_owned(),
            name: logical.clone(),
            action: crate::plan::Action::Delete,
            fields: Vec::new(),
            reason: None,
        });
    }
    *plan = Plan::new(&plan.stack, changes);
    Ok(())
}
