//! Apply: turns a plan into dependent steps and runs them with the scheduler. Creates
//! and updates run in dependency order (a role before the stream that uses it, a
//! stream and a configuration set before the event destination that joins them);
//! deletes run after all of them, destinations first and buckets last. Calls that use
//! a role created or changed moments ago are retried while IAM propagates.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{EngineError, Side};
use crate::aws::error::ErrorKind;
use crate::aws::retry::{RetryPolicy, retry};
use crate::aws::{self, AwsError, Clients};
use crate::desired::{Desired, Environment};
use crate::plan::{Action, Address, Change, Plan, ResourceKind};
use crate::resources::{
    AccountSettings, Alarm, Bucket, ConfigurationSet, DeliveryStream, EventDestination,
    GlueDatabase, GlueTable, IdentityAttributes, IdentityNotifications, NotificationType, Role,
    STACK_TAG, SnsTopic, StreamFailure, Tags, Target, arn,
};
use crate::schedule::{self, Report, Step, StepRunner};

/// What one step does.
#[derive(Debug, Clone)]
pub enum Work {
    CreateBucket(Bucket),
    UpdateBucket(Bucket, Bucket),
    DeleteBucket(String),
    CreateRole(Role),
    UpdateRole(Role, Role),
    /// IAM cannot move a role to another path: delete it, create it again.
    ReplaceRole(String, Role),
    DeleteRole(String),
    CreateStream(DeliveryStream),
    UpdateStream(DeliveryStream, DeliveryStream),
    /// The old stream's name, the new stream, and whether the old one must be deleted
    /// by force (it is `DELETING_FAILED`).
    ReplaceStream(String, DeliveryStream, bool),
    /// The stream's name and whether to force its deletion.
    DeleteStream(String, bool),
    /// The set's ARN (to finish a create whose answer was lost) and the set.
    CreateSet(String, ConfigurationSet),
    UpdateSet(String, ConfigurationSet, ConfigurationSet),
    DeleteSet(String),
    CreateDestination(EventDestination),
    UpdateDestination(EventDestination, EventDestination),
    DeleteDestination(String, String),
    /// The identity's ARN (its tag is addressed by it), current and desired.
    PutIdentity(String, IdentityAttributes, IdentityAttributes),
    /// The account settings, current and desired (only managed groups are written).
    UpdateAccount(AccountSettings, AccountSettings),
    CreateTopic(SnsTopic),
    /// The topic's ARN, current and desired.
    UpdateTopic(String, SnsTopic, SnsTopic),
    /// SNS cannot rename a topic: delete the old one (by ARN), create the new one.
    ReplaceTopic(String, SnsTopic),
    DeleteTopic(String),
    /// An identity's notification settings, current and desired.
    PutNotifications(IdentityNotifications, IdentityNotifications),
    CreateAlarm(Alarm),
    /// The alarm's ARN, current and desired.
    UpdateAlarm(String, Alarm, Alarm),
    DeleteAlarm(String),
    CreateGlueDatabase(GlueDatabase),
    UpdateGlueDatabase(GlueDatabase, GlueDatabase),
    DeleteGlueDatabase(String),
    CreateGlueTable(GlueTable),
    /// The desired table (Glue's UpdateTable replaces the whole definition).
    UpdateGlueTable(GlueTable),
    /// Database and table names.
    DeleteGlueTable(String, String),
    /// No call: a join point that waits for a group of steps, so a group that must
    /// follow another depends on it once instead of on each of its steps (the plan's
    /// edges stay linear in its size). Not reported.
    Barrier,
}

/// Runs steps against AWS.
pub struct AwsRunner {
    pub clients: Clients,
    pub propagation: RetryPolicy,
}

impl StepRunner<Work> for AwsRunner {
    type Error = AwsError;

    async fn run(&self, work: &Work) -> Result<(), AwsError> {
        let c = &self.clients;
        let p = self.propagation;
        match work {
            Work::CreateBucket(b) => aws::s3::create_bucket(c, b).await,
            Work::UpdateBucket(have, want) => aws::s3::update_bucket(c, have, want).await,
            Work::DeleteBucket(name) => aws::s3::delete_bucket(c, name).await,
            Work::CreateRole(r) => create_role(c, r).await,
            Work::UpdateRole(have, want) => aws::iam::update_role(c, have, want).await,
            Work::ReplaceRole(old, want) => {
                aws::iam::delete_role(c, old).await?;
                create_role(c, want).await
            }
            Work::DeleteRole(name) => aws::iam::delete_role(c, name).await,
            Work::CreateStream(s) => create_stream(c, p, s).await,
            Work::UpdateStream(have, want) => {
                retry(p, "update stream", || {
                    aws::firehose::update_delivery_stream(c, have, want)
                })
                .await
            }
            Work::ReplaceStream(old, want, force) => {
                delete_stream(c, old, *force).await?;
                create_stream(c, p, want).await
            }
            Work::DeleteStream(name, force) => delete_stream(c, name, *force).await,
            Work::CreateSet(set_arn, want) => {
                match aws::sesv2::create_configuration_set(c, want).await {
                    Err(e) if e.kind == ErrorKind::AlreadyExists => {
                        match aws::sesv2::get_configuration_set(c, &want.name).await? {
                            Some(found) if ours(&found.tags, &want.tags) => {
                                aws::sesv2::update_configuration_set(c, set_arn, &found, want).await
                            }
                            _ => Err(e),
                        }
                    }
                    done => done,
                }
            }
            Work::UpdateSet(set_arn, have, want) => {
                aws::sesv2::update_configuration_set(c, set_arn, have, want).await
            }
            Work::DeleteSet(name) => aws::sesv2::delete_configuration_set(c, name).await,
            Work::CreateDestination(d) => {
                let created = retry(p, "create event destination", || {
                    aws::sesv2::create_event_destination(c, d)
                })
                .await;
                match created {
                    // Inside a set of this stack's: one found by that name is the one a
                    // lost answer created (or one added by hand since the plan); either
                    // way it is brought to the spec.
                    Err(e) if e.kind == ErrorKind::AlreadyExists => {
                        let found = aws::sesv2::get_event_destinations(c, &d.configuration_set)
                            .await?
                            .into_iter()
                            .find(|found| found.name == d.name);
                        match found {
                            Some(found) => {
                                retry(p, "update event destination", || {
                                    aws::sesv2::update_event_destination(c, &found, d)
                                })
                                .await
                            }
                            None => Err(e),
                        }
                    }
                    done => done,
                }
            }
            Work::UpdateDestination(have, want) => {
                retry(p, "update event destination", || {
                    aws::sesv2::update_event_destination(c, have, want)
                })
                .await
            }
            Work::DeleteDestination(set, name) => {
                aws::sesv2::delete_event_destination(c, set, name).await
            }
            Work::PutIdentity(identity_arn, have, want) => {
                aws::sesv2::put_identity_attributes(c, identity_arn, have, want).await
            }
            Work::UpdateAccount(have, want) => {
                aws::sesv2::update_account_settings(c, have, want).await
            }
            Work::CreateTopic(t) => aws::sns::create_topic(c, t).await.map(|_| ()),
            Work::UpdateTopic(topic_arn, have, want) => {
                aws::sns::update_topic(c, topic_arn, have, want).await
            }
            Work::ReplaceTopic(old, want) => {
                aws::sns::delete_topic(c, old).await?;
                aws::sns::create_topic(c, want).await.map(|_| ())
            }
            Work::DeleteTopic(topic_arn) => aws::sns::delete_topic(c, topic_arn).await,
            Work::PutNotifications(have, want) => {
                aws::ses_v1::put_notifications(c, have, want).await
            }
            Work::CreateAlarm(a) => aws::cloudwatch::put_alarm(c, a, true).await,
            Work::UpdateAlarm(alarm_arn, have, want) => {
                aws::cloudwatch::update_alarm(c, alarm_arn, have, want).await
            }
            Work::DeleteAlarm(name) => aws::cloudwatch::delete_alarm(c, name).await,
            Work::CreateGlueDatabase(db) => aws::glue::create_database(c, db).await,
            Work::UpdateGlueDatabase(have, want) => aws::glue::update_database(c, have, want).await,
            Work::DeleteGlueDatabase(name) => aws::glue::delete_database(c, name).await,
            Work::CreateGlueTable(t) => aws::glue::create_table(c, t).await,
            Work::UpdateGlueTable(t) => aws::glue::update_table(c, t).await,
            Work::DeleteGlueTable(database, name) => {
                aws::glue::delete_table(c, database, name).await
            }
            Work::Barrier => Ok(()),
        }
    }
}

/// Whether a resource found where a create failed with "already exists" is this stack's:
/// then it is the one a create whose answer was lost made (the SDK retried the create,
/// and the plan had seen no such resource), and the create is finished as an update.
fn ours(found: &Tags, want: &Tags) -> bool {
    found.get(STACK_TAG).is_some() && found.get(STACK_TAG) == want.get(STACK_TAG)
}

/// Creates a role and its policies; see `ours` for a create whose answer was lost.
async fn create_role(c: &Clients, role: &Role) -> Result<(), AwsError> {
    match aws::iam::create_role(c, role).await {
        Err(e) if e.kind == ErrorKind::AlreadyExists => {
            match aws::iam::get_role(c, &role.name).await? {
                Some(found) if ours(&found.tags, &role.tags) => {
                    aws::iam::update_role(c, &found, role).await
                }
                _ => Err(e),
            }
        }
        done => done.map(|_| ()),
    }
}

/// Only CreateDeliveryStream is retried (while the stream's role propagates); the wait
/// for ACTIVE is outside the retry, so a throttled wait never sends the create again.
async fn create_stream(
    c: &Clients,
    p: RetryPolicy,
    stream: &DeliveryStream,
) -> Result<(), AwsError> {
    let created = retry(p, "create stream", || {
        aws::firehose::start_create(c, stream)
    })
    .await;
    if let Err(e) = created {
        // A create whose answer was lost (see `ours`): the stream exists, one call made it
        // whole, and the wait for ACTIVE goes on.
        let lost_answer = e.kind == ErrorKind::AlreadyExists
            && aws::firehose::get_delivery_stream(c, &stream.name)
                .await?
                .is_some_and(|found| ours(&found.tags, &stream.tags));
        if !lost_answer {
            return Err(e);
        }
    }
    aws::firehose::wait_until_active(c, &stream.name)
        .await
        .map(|_| ())
}

async fn delete_stream(c: &Clients, name: &str, force: bool) -> Result<(), AwsError> {
    aws::firehose::delete_delivery_stream(c, name, force).await
}

/// Order of deletes: what references others goes first.
fn delete_rank(kind: ResourceKind) -> u8 {
    match kind {
        ResourceKind::EventDestination | ResourceKind::Alarm | ResourceKind::GlueTable => 0,
        ResourceKind::Identity
        | ResourceKind::IdentityNotifications
        | ResourceKind::GlueDatabase => 1,
        ResourceKind::ConfigurationSet => 2,
        ResourceKind::FirehoseStream | ResourceKind::SnsTopic => 3,
        ResourceKind::IamRole => 4,
        ResourceKind::Bucket | ResourceKind::Account => 5,
    }
}

/// The state a change starts from (`observed`) or goes to (`desired`).
fn state<'a, K: Ord, T>(
    map: &'a BTreeMap<K, T>,
    key: &K,
    change: &Change,
    side: Side,
) -> Result<&'a T, EngineError> {
    map.get(key).ok_or_else(|| EngineError::PlanWithoutState {
        address: change.address.clone(),
        side,
    })
}

/// The work for one change. Every (kind, action) is listed: those the diff never
/// produces (a bucket replaced, an identity created, ...) are an internal error
/// rather than a silent skip.
fn work_for(
    change: &Change,
    desired: &Desired,
    observed: &Desired,
    env: &Environment,
) -> Result<Work, EngineError> {
    use Side::{Desired as Want, Observed as Have};
    let unsupported = || EngineError::UnsupportedChange {
        address: change.address.clone(),
        action: change.action,
    };
    Ok(match (&change.address, change.action) {
        (Address::Bucket(key), Action::Create) => {
            Work::CreateBucket(state(&desired.buckets, key, change, Want)?.clone())
        }
        (Address::Bucket(key), Action::Update) => Work::UpdateBucket(
            state(&observed.buckets, key, change, Have)?.clone(),
            state(&desired.buckets, key, change, Want)?.clone(),
        ),
        // S3 cannot rename a bucket, and sesinfra never deletes one to make another.
        (Address::Bucket(_), Action::Replace) => return Err(unsupported()),
        (Address::Bucket(key), Action::Delete) => {
            Work::DeleteBucket(state(&observed.buckets, key, change, Have)?.name.clone())
        }
        (Address::IamRole(key), Action::Create) => {
            Work::CreateRole(state(&desired.roles, key, change, Want)?.clone())
        }
        (Address::IamRole(key), Action::Update) => Work::UpdateRole(
            state(&observed.roles, key, change, Have)?.clone(),
            state(&desired.roles, key, change, Want)?.clone(),
        ),
        (Address::IamRole(key), Action::Replace) => Work::ReplaceRole(
            state(&observed.roles, key, change, Have)?.name.clone(),
            state(&desired.roles, key, change, Want)?.clone(),
        ),
        (Address::IamRole(key), Action::Delete) => Work::DeleteRole(key.clone()),
        (Address::FirehoseStream(key), Action::Create) => {
            Work::CreateStream(state(&desired.streams, key, change, Want)?.clone())
        }
        (Address::FirehoseStream(key), Action::Update) => Work::UpdateStream(
            state(&observed.streams, key, change, Have)?.clone(),
            state(&desired.streams, key, change, Want)?.clone(),
        ),
        (Address::FirehoseStream(key), Action::Replace) => {
            let have = state(&observed.streams, key, change, Have)?;
            Work::ReplaceStream(
                have.name.clone(),
                state(&desired.streams, key, change, Want)?.clone(),
                have.failed == Some(StreamFailure::DeletingFailed),
            )
        }
        (Address::FirehoseStream(key), Action::Delete) => {
            let have = state(&observed.streams, key, change, Have)?;
            Work::DeleteStream(
                have.name.clone(),
                have.failed == Some(StreamFailure::DeletingFailed),
            )
        }
        (Address::ConfigurationSet(key), Action::Create) => Work::CreateSet(
            arn::configuration_set(&env.partition, &env.region, &env.account_id, key),
            state(&desired.configuration_sets, key, change, Want)?.clone(),
        ),
        (Address::ConfigurationSet(key), Action::Update) => Work::UpdateSet(
            arn::configuration_set(&env.partition, &env.region, &env.account_id, key),
            state(&observed.configuration_sets, key, change, Have)?.clone(),
            state(&desired.configuration_sets, key, change, Want)?.clone(),
        ),
        // Every option of a set can be changed in place.
        (Address::ConfigurationSet(_), Action::Replace) => return Err(unsupported()),
        (Address::ConfigurationSet(key), Action::Delete) => Work::DeleteSet(key.clone()),
        (Address::EventDestination { set, destination }, action) => {
            let key = (set.clone(), destination.clone());
            match action {
                Action::Create => Work::CreateDestination(
                    state(&desired.event_destinations, &key, change, Want)?.clone(),
                ),
                Action::Update => Work::UpdateDestination(
                    state(&observed.event_destinations, &key, change, Have)?.clone(),
                    state(&desired.event_destinations, &key, change, Want)?.clone(),
                ),
                // Every field of a destination can be changed in place.
                Action::Replace => return Err(unsupported()),
                Action::Delete => Work::DeleteDestination(key.0, key.1),
            }
        }
        (Address::Identity(key), Action::Update) => Work::PutIdentity(
            arn::identity(&env.partition, &env.region, &env.account_id, key),
            state(&observed.identities, key, change, Have)?.clone(),
            state(&desired.identities, key, change, Want)?.clone(),
        ),
        // Identities are verified outside sesinfra: never created, replaced or deleted
        // (one left out of the spec is reset with an update).
        (Address::Identity(_), Action::Create | Action::Replace | Action::Delete) => {
            return Err(unsupported());
        }
        (Address::Account, Action::Update) => match (&observed.account, &desired.account) {
            (Some(have), Some(want)) => Work::UpdateAccount(have.clone(), want.clone()),
            (None, _) => {
                return Err(EngineError::PlanWithoutState {
                    address: Address::Account,
                    side: Have,
                });
            }
            (_, None) => {
                return Err(EngineError::PlanWithoutState {
                    address: Address::Account,
                    side: Want,
                });
            }
        },
        // The account's settings exist in every region and are only ever updated.
        (Address::Account, Action::Create | Action::Replace | Action::Delete) => {
            return Err(unsupported());
        }
        (Address::SnsTopic(key), Action::Create) => {
            Work::CreateTopic(state(&desired.sns_topics, key, change, Want)?.clone())
        }
        (Address::SnsTopic(key), Action::Update) => {
            let have = state(&observed.sns_topics, key, change, Have)?;
            Work::UpdateTopic(
                topic_arn(env, &have.name),
                have.clone(),
                state(&desired.sns_topics, key, change, Want)?.clone(),
            )
        }
        (Address::SnsTopic(key), Action::Replace) => Work::ReplaceTopic(
            topic_arn(env, &state(&observed.sns_topics, key, change, Have)?.name),
            state(&desired.sns_topics, key, change, Want)?.clone(),
        ),
        (Address::SnsTopic(key), Action::Delete) => Work::DeleteTopic(topic_arn(
            env,
            &state(&observed.sns_topics, key, change, Have)?.name,
        )),
        // SES v1 answers for every identity it knows; one it left out has AWS's defaults.
        (Address::IdentityNotifications(key), Action::Create | Action::Update) => {
            Work::PutNotifications(
                observed
                    .identity_notifications
                    .get(key)
                    .cloned()
                    .unwrap_or_else(|| IdentityNotifications::aws_defaults(key)),
                state(&desired.identity_notifications, key, change, Want)?.clone(),
            )
        }
        // Settings of an identity, never removed with it (they go back to defaults).
        (Address::IdentityNotifications(_), Action::Replace | Action::Delete) => {
            return Err(unsupported());
        }
        (Address::Alarm(key), Action::Create) => {
            Work::CreateAlarm(state(&desired.alarms, key, change, Want)?.clone())
        }
        (Address::Alarm(key), Action::Update) => Work::UpdateAlarm(
            arn::alarm(&env.partition, &env.region, &env.account_id, key),
            state(&observed.alarms, key, change, Have)?.clone(),
            state(&desired.alarms, key, change, Want)?.clone(),
        ),
        // Every field of an alarm but its name can be changed in place.
        (Address::Alarm(_), Action::Replace) => return Err(unsupported()),
        (Address::Alarm(key), Action::Delete) => Work::DeleteAlarm(key.clone()),
        (Address::GlueDatabase(key), Action::Create) => {
            Work::CreateGlueDatabase(state(&desired.glue_databases, key, change, Want)?.clone())
        }
        (Address::GlueDatabase(key), Action::Update) => Work::UpdateGlueDatabase(
            state(&observed.glue_databases, key, change, Have)?.clone(),
            state(&desired.glue_databases, key, change, Want)?.clone(),
        ),
        // Every field of a database can be changed in place.
        (Address::GlueDatabase(_), Action::Replace) => return Err(unsupported()),
        (Address::GlueDatabase(key), Action::Delete) => Work::DeleteGlueDatabase(key.clone()),
        (Address::GlueTable { database, table }, action) => {
            let key = (database.clone(), table.clone());
            match action {
                Action::Create => {
                    Work::CreateGlueTable(state(&desired.glue_tables, &key, change, Want)?.clone())
                }
                Action::Update => {
                    state(&observed.glue_tables, &key, change, Have)?;
                    Work::UpdateGlueTable(state(&desired.glue_tables, &key, change, Want)?.clone())
                }
                // UpdateTable replaces the whole definition: never a replace.
                Action::Replace => return Err(unsupported()),
                Action::Delete => Work::DeleteGlueTable(key.0, key.1),
            }
        }
    })
}

fn topic_arn(env: &Environment, name: &str) -> String {
    arn::sns_topic(&env.partition, &env.region, &env.account_id, name)
}

/// The steps for `plan`, with dependencies. `desired` and `observed` are the states
/// the plan was computed from.
pub fn steps(
    plan: &Plan,
    desired: &Desired,
    observed: &Desired,
    env: &Environment,
) -> Result<Vec<Step<Work>>, EngineError> {
    let mut steps: Vec<Step<Work>> = Vec::new();
    // Address -> step index, for dependencies.
    let mut index: BTreeMap<Address, usize> = BTreeMap::new();
    let mut deletes: Vec<(u8, String, Work)> = Vec::new();

    for change in &plan.changes {
        let work = work_for(change, desired, observed, env)?;
        let label = format!("{} {}", change.action.as_str(), change.address);
        if change.action == Action::Delete {
            deletes.push((delete_rank(change.address.kind()), label, work));
        } else {
            index.insert(change.address.clone(), steps.len());
            steps.push(Step {
                label,
                after: Vec::new(),
                work,
            });
        }
    }

    // Dependencies among creates and updates, by the references each resource holds.
    let stream_by_arn: BTreeMap<String, String> = desired
        .streams
        .iter()
        .map(|(logical, s)| {
            (
                arn::delivery_stream(&env.partition, &env.region, &env.account_id, &s.name),
                logical.clone(),
            )
        })
        .collect();
    let bucket_by_name: BTreeMap<&str, &str> = desired
        .buckets
        .iter()
        .map(|(l, b)| (b.name.as_str(), l.as_str()))
        .collect();
    let topic_by_arn: BTreeMap<String, String> = desired
        .sns_topics
        .iter()
        .map(|(logical, t)| (topic_arn(env, &t.name), logical.clone()))
        .collect();
    let topics = |arns: &mut dyn Iterator<Item = &String>| -> Vec<Address> {
        arns.filter_map(|a| topic_by_arn.get(a))
            .map(|l| Address::SnsTopic(l.clone()))
            .collect()
    };
    let role_address =
        |role_arn: &str| Address::IamRole(role_arn.rsplit('/').next().unwrap_or("").to_owned());
    for step in steps.iter_mut() {
        let needs: Vec<Address> = match &step.work {
            Work::CreateStream(s) | Work::UpdateStream(_, s) | Work::ReplaceStream(_, s, _) => {
                let mut n = vec![role_address(&s.role_arn)];
                if let Some(logical) =
                    arn::bucket_name(&s.bucket_arn).and_then(|b| bucket_by_name.get(b))
                {
                    n.push(Address::Bucket((*logical).to_owned()));
                }
                n
            }
            Work::CreateDestination(d) | Work::UpdateDestination(_, d) => {
                let mut n = vec![Address::ConfigurationSet(d.configuration_set.clone())];
                if let Target::Firehose {
                    delivery_stream_arn,
                    iam_role_arn,
                } = &d.target
                {
                    n.push(role_address(iam_role_arn));
                    if let Some(logical) = stream_by_arn.get(delivery_stream_arn) {
                        n.push(Address::FirehoseStream(logical.clone()));
                    }
                }
                if let Target::Sns { topic_arn } = &d.target {
                    n.extend(topics(&mut std::iter::once(topic_arn)));
                }
                n
            }
            Work::PutNotifications(_, want) => topics(
                &mut NotificationType::ALL
                    .into_iter()
                    .filter_map(|k| want.topic(k)),
            ),
            Work::CreateAlarm(a) | Work::UpdateAlarm(_, _, a) => {
                topics(&mut a.alarm_actions.iter().chain(&a.ok_actions))
            }
            Work::CreateGlueTable(t) | Work::UpdateGlueTable(t) => {
                vec![Address::GlueDatabase(t.database.clone())]
            }
            Work::PutIdentity(_, _, want) => want
                .default_configuration_set
                .iter()
                .map(|s| Address::ConfigurationSet(s.clone()))
                .collect(),
            _ => Vec::new(),
        };
        step.after = needs.iter().filter_map(|a| index.get(a).copied()).collect();
    }
    order_for_coverage(&mut steps);
    order_notifications(&mut steps, desired);

    // Deletes: after every create and update, and after deletes of lower rank. Each
    // group waits for a barrier step that joins the group before it: O(steps) edges,
    // where depending on each earlier step directly would be O(steps^2).
    deletes.sort_by(|(ra, la, _), (rb, lb, _)| (ra, la).cmp(&(rb, lb)));
    if !deletes.is_empty() {
        let all: Vec<usize> = (0..steps.len()).collect();
        let mut gate = push_barrier(&mut steps, "creates and updates", all);
        let mut group: Vec<usize> = Vec::new();
        let mut rank = deletes[0].0;
        for (r, label, work) in deletes {
            if r != rank {
                gate = push_barrier(
                    &mut steps,
                    &format!("deletes of rank {rank}"),
                    std::mem::take(&mut group),
                );
                rank = r;
            }
            group.push(steps.len());
            steps.push(Step {
                label,
                after: vec![gate],
                work,
            });
        }
    }
    Ok(steps)
}

/// Adds a barrier step after `after`; returns its index.
fn push_barrier(steps: &mut Vec<Step<Work>>, what: &str, after: Vec<usize>) -> usize {
    steps.push(Step {
        label: format!("(all {what} done)"),
        after,
        work: Work::Barrier,
    });
    steps.len() - 1
}

/// Bounces and complaints must never go unreported while an identity changes how it
/// receives them. An identity that relies on event destinations (feedback forwarding
/// off) is switched only after its new default set's destinations are written; an
/// identity that stops relying on a set (forwarding back on, or another default set)
/// is switched before that set's destinations change. Deletes already run after every
/// create and update. The two rules never meet on one set, so no cycle arises.
fn order_for_coverage(steps: &mut [Step<Work>]) {
    let mut destination_steps: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        if let Work::CreateDestination(d) | Work::UpdateDestination(_, d) = &step.work {
            destination_steps
                .entry(d.configuration_set.as_str())
                .or_default()
                .push(i);
        }
    }
    let mut edges: Vec<(usize, usize)> = Vec::new(); // (before, after)
    for (i, step) in steps.iter().enumerate() {
        let Work::PutIdentity(_, have, want) = &step.work else {
            continue;
        };
        if let (false, Some(set)) = (
            want.feedback_forwarding,
            want.default_configuration_set.as_deref(),
        ) {
            for &d in destination_steps.get(set).into_iter().flatten() {
                edges.push((d, i));
            }
        }
        if let Some(old) = have.default_configuration_set.as_deref() {
            let leaves =
                want.feedback_forwarding || want.default_configuration_set.as_deref() != Some(old);
            if !have.feedback_forwarding && leaves {
                for &d in destination_steps.get(old).into_iter().flatten() {
                    edges.push((i, d));
                }
            }
        }
    }
    for (before, after) in edges {
        if !steps[after].after.contains(&before) {
            steps[after].after.push(before);
        }
    }
}

/// Notification topics are one of the ways an identity receives bounces and
/// complaints (with forwarding and event destinations), so they change in the order
/// that keeps both covered: a change that sets topics comes before the identity's own
/// update (which may turn forwarding off), and one that clears a bounce or complaint
/// topic after it (forwarding back on first) and after the destinations of the
/// identity's default set are written. SES v1 itself refuses to turn forwarding off
/// while topics do not cover both.
fn order_notifications(steps: &mut [Step<Work>], desired: &Desired) {
    let mut identity_step: BTreeMap<&str, usize> = BTreeMap::new();
    let mut destination_steps: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        match &step.work {
            Work::PutIdentity(_, _, want) => {
                identity_step.insert(want.identity.as_str(), i);
            }
            Work::CreateDestination(d) | Work::UpdateDestination(_, d) => destination_steps
                .entry(d.configuration_set.as_str())
                .or_default()
                .push(i),
            _ => {}
        }
    }
    let mut edges: Vec<(usize, usize)> = Vec::new(); // (before, after)
    for (n, step) in steps.iter().enumerate() {
        let Work::PutNotifications(have, want) = &step.work else {
            continue;
        };
        let clears = [NotificationType::Bounce, NotificationType::Complaint]
            .into_iter()
            .any(|k| have.topic(k).is_some() && want.topic(k).is_none());
        let identity = identity_step.get(want.identity.as_str()).copied();
        if clears {
            edges.extend(identity.map(|i| (i, n)));
            let set = desired
                .identities
                .get(&want.identity)
                .and_then(|i| i.default_configuration_set.as_deref());
            for &d in set
                .and_then(|s| destination_steps.get(s))
                .into_iter()
                .flatten()
            {
                edges.push((d, n));
            }
        } else {
            edges.extend(identity.map(|i| (n, i)));
        }
    }
    for (before, after) in edges {
        if !steps[after].after.contains(&before) {
            steps[after].after.push(before);
        }
    }
}

/// Steps in flight at once. Each service's rate limiter paces the calls, so this only
/// needs to cover the rates times a step's latency (several calls in a row), for every
/// service at once.
const PARALLEL_STEPS: usize = 16;

/// Applies `plan`: returns the scheduler's report, or an internal error (before any
/// call) when the plan asks for what sesinfra never does.
pub async fn apply(
    clients: &Clients,
    plan: &Plan,
    desired: &Desired,
    observed: &Desired,
    env: &Environment,
    on_event: impl FnMut(&str, Option<bool>),
) -> Result<Report<AwsError>, EngineError> {
    let steps = steps(plan, desired, observed, env)?;
    let runner = Arc::new(AwsRunner {
        clients: clients.clone(),
        propagation: clients.waits.iam_propagation,
    });
    Ok(run_steps(steps, runner, on_event).await)
}

/// Runs `steps`; barriers are bookkeeping: they make no call and are neither shown
/// nor reported.
async fn run_steps<R: StepRunner<Work>>(
    steps: Vec<Step<Work>>,
    runner: Arc<R>,
    mut on_event: impl FnMut(&str, Option<bool>),
) -> Report<R::Error> {
    let barriers: std::collections::BTreeSet<String> = steps
        .iter()
        .filter(|s| matches!(s.work, Work::Barrier))
        .map(|s| s.label.clone())
        .collect();
    let mut report = schedule::run(steps, runner, PARALLEL_STEPS, |label, ok| {
        if !barriers.contains(label) {
            on_event(label, ok);
        }
    })
    .await;
    report.done.retain(|l| !barriers.contains(l));
    report.skipped.retain(|l| !barriers.contains(l));
    report
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::plan;
    use crate::resources::EventType;

    fn env() -> Environment {
        Environment {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account_id: "111122223333".into(),
        }
    }

    fn destination(events: &[EventType]) -> EventDestination {
        EventDestination {
            configuration_set: "Main".into(),
            name: "alerts".into(),
            enabled: true,
            events: events.iter().copied().collect::<BTreeSet<_>>(),
            target: Target::Sns {
                topic_arn: "arn:aws:sns:eu-west-1:111122223333:alerts".into(),
            },
        }
    }

    fn identity(forwarding: bool, set: Option<&str>) -> IdentityAttributes {
        IdentityAttributes {
            identity: "example.com".into(),
            feedback_forwarding: forwarding,
            default_configuration_set: set.map(str::to_owned),
            managed_by: Some("s".into()),
        }
    }

    fn state(destination: Option<EventDestination>, identity: IdentityAttributes) -> Desired {
        let mut d = Desired::default();
        d.configuration_sets
            .insert("Main".into(), ConfigurationSet::with_defaults("Main"));
        if let Some(dest) = destination {
            d.event_destinations
                .insert(("Main".into(), "alerts".into()), dest);
        }
        d.identities.insert("example.com".into(), identity);
        d
    }

    /// Whether step `first` must finish before step `then` starts (directly or not).
    fn precedes(steps: &[Step<Work>], first: &str, then: &str) -> bool {
        let find = |label: &str| {
            steps
                .iter()
                .position(|s| s.label == label)
                .unwrap_or_else(|| panic!("no step {label}: {steps:#?}"))
        };
        let (first, then) = (find(first), find(then));
        let mut todo = vec![then];
        let mut seen = BTreeSet::new();
        while let Some(i) = todo.pop() {
            if i == first {
                return true;
            }
            if seen.insert(i) {
                todo.extend(steps[i].after.iter().copied());
            }
        }
        false
    }

    fn steps_for(desired: &Desired, observed: &Desired) -> Vec<Step<Work>> {
        let plan = plan::diff("s", desired, observed);
        steps(&plan, desired, observed, &env()).unwrap()
    }

    const BOUNCES: &[EventType] = &[EventType::Bounce, EventType::Complaint];

    #[test]
    fn forwarding_goes_off_only_after_the_covering_destination_exists() {
        let observed = state(None, identity(true, Some("Main")));
        let desired = state(Some(destination(BOUNCES)), identity(false, Some("Main")));
        let steps = steps_for(&desired, &observed);
        assert!(precedes(
            &steps,
            "create event_destination.Main.alerts",
            "update identity.example.com"
        ));
    }

    #[test]
    fn a_destination_that_gains_bounces_is_written_before_forwarding_goes_off() {
        let observed = state(
            Some(destination(&[EventType::Send])),
            identity(true, Some("Main")),
        );
        let desired = state(Some(destination(BOUNCES)), identity(false, Some("Main")));
        let steps = steps_for(&desired, &observed);
        assert!(precedes(
            &steps,
            "update event_destination.Main.alerts",
            "update identity.example.com"
        ));
    }

    #[test]
    fn forwarding_comes_back_on_before_the_destination_changes_or_goes() {
        let observed = state(Some(destination(BOUNCES)), identity(false, Some("Main")));
        let trimmed = state(
            Some(destination(&[EventType::Send])),
            identity(true, Some("Main")),
        );
        let steps = steps_for(&trimmed, &observed);
        assert!(precedes(
            &steps,
            "update identity.example.com",
            "update event_destination.Main.alerts"
        ));
        let removed = state(None, identity(true, Some("Main")));
        let steps = steps_for(&removed, &observed);
        assert!(precedes(
            &steps,
            "update identity.example.com",
            "delete event_destination.Main.alerts"
        ));
    }

    #[test]
    fn switching_the_default_set_waits_for_the_new_one_and_precedes_the_old_ones_changes() {
        let mut observed = state(Some(destination(BOUNCES)), identity(false, Some("Main")));
        let mut desired = observed.clone();
        let mut new = destination(BOUNCES);
        new.configuration_set = "Next".into();
        desired
            .configuration_sets
            .insert("Next".into(), ConfigurationSet::with_defaults("Next"));
        desired
            .event_destinations
            .insert(("Next".into(), "alerts".into()), new);
        desired.event_destinations.insert(
            ("Main".into(), "alerts".into()),
            destination(&[EventType::Send]),
        );
        desired
            .identities
            .insert("example.com".into(), identity(false, Some("Next")));
        observed
            .identities
            .insert("example.com".into(), identity(false, Some("Main")));
        let steps = steps_for(&desired, &observed);
        assert!(precedes(
            &steps,
            "create event_destination.Next.alerts",
            "update identity.example.com"
        ));
        assert!(precedes(
            &steps,
            "update identity.example.com",
            "update event_destination.Main.alerts"
        ));
    }

    fn with_notifications(mut d: Desired, bounce: Option<&str>) -> Desired {
        let mut n = IdentityNotifications::aws_defaults("example.com");
        n.in_spec = true;
        n.topics.bounce = bounce.map(str::to_owned);
        n.topics.complaint = bounce.map(str::to_owned);
        d.identity_notifications.insert("example.com".into(), n);
        d
    }

    #[test]
    fn topics_are_set_before_forwarding_goes_off_and_cleared_after_it_comes_back() {
        let topic = "arn:aws:sns:eu-west-1:111122223333:alerts";
        let observed = with_notifications(state(None, identity(true, None)), None);
        let desired = with_notifications(state(None, identity(false, None)), Some(topic));
        let steps = steps_for(&desired, &observed);
        assert!(precedes(
            &steps,
            "update identity_notifications.example.com",
            "update identity.example.com"
        ));
        let steps = steps_for(&observed, &desired);
        assert!(precedes(
            &steps,
            "update identity.example.com",
            "update identity_notifications.example.com"
        ));
    }

    #[test]
    fn a_topic_cleared_for_a_destination_waits_for_the_destination() {
        let topic = "arn:aws:sns:eu-west-1:111122223333:alerts";
        let observed = with_notifications(state(None, identity(false, Some("Main"))), Some(topic));
        let desired = with_notifications(
            state(Some(destination(BOUNCES)), identity(false, Some("Main"))),
            None,
        );
        let steps = steps_for(&desired, &observed);
        assert!(precedes(
            &steps,
            "create event_destination.Main.alerts",
            "update identity_notifications.example.com"
        ));
    }

    #[test]
    fn what_publishes_to_a_managed_topic_waits_for_it_and_its_delete_comes_last() {
        let topic_arn = "arn:aws:sns:eu-west-1:111122223333:alerts";
        let topic = SnsTopic {
            name: "alerts".into(),
            kms_key_arn: None,
            policy: crate::policy::PolicyDocument::new(serde_json::json!({"Statement": []})),
            subscriptions: BTreeSet::new(),
            pending: BTreeSet::new(),
            subscription_arns: BTreeMap::new(),
            tags: crate::resources::Tags::new(),
        };
        let alarm = Alarm {
            name: "s-ses-bounce-rate".into(),
            description: String::new(),
            metric_name: "Reputation.BounceRate".into(),
            configuration_set: None,
            statistic: "Average".into(),
            period_seconds: 3600,
            evaluation_periods: 1,
            threshold: 0.04,
            comparison: "GreaterThanOrEqualToThreshold".into(),
            treat_missing_data: "notBreaching".into(),
            actions_enabled: true,
            alarm_actions: BTreeSet::from([topic_arn.to_owned()]),
            ok_actions: BTreeSet::new(),
            tags: crate::resources::Tags::new(),
        };
        let mut desired = with_notifications(
            state(Some(destination(BOUNCES)), identity(false, Some("Main"))),
            Some(topic_arn),
        );
        desired.sns_topics.insert("alerts".into(), topic);
        desired.alarms.insert(alarm.name.clone(), alarm);
        let empty = Desired::default();
        let mut observed = empty.clone();
        observed.identities = desired.identities.clone();
        observed.identity_notifications.insert(
            "example.com".into(),
            IdentityNotifications::aws_defaults("example.com"),
        );
        let steps = steps_for(&desired, &observed);
        for user in [
            "create event_destination.Main.alerts",
            "create alarm.s-ses-bounce-rate",
            "update identity_notifications.example.com",
        ] {
            assert!(precedes(&steps, "create sns_topic.alerts", user), "{user}");
        }
        // Removing everything: the topic goes after the alarm and the destination.
        let mut gone = Desired {
            identities: desired.identities.clone(),
            ..Desired::default()
        };
        gone.identity_notifications.insert(
            "example.com".into(),
            IdentityNotifications::aws_defaults("example.com"),
        );
        let steps = steps_for(&gone, &desired);
        for user in [
            "delete event_destination.Main.alerts",
            "delete alarm.s-ses-bounce-rate",
            "update identity_notifications.example.com",
        ] {
            assert!(precedes(&steps, user, "delete sns_topic.alerts"), "{user}");
        }
    }

    /// `n` configuration sets named `{prefix}{i}`, each with one SNS destination.
    fn sets(prefix: &str, n: usize) -> Desired {
        let mut d = Desired::default();
        for i in 0..n {
            let name = format!("{prefix}{i}");
            d.configuration_sets
                .insert(name.clone(), ConfigurationSet::with_defaults(&name));
            let mut dest = destination(&[EventType::Send]);
            dest.configuration_set = name.clone();
            d.event_destinations.insert((name, "alerts".into()), dest);
        }
        d
    }

    #[test]
    fn deletes_follow_every_create_with_edges_linear_in_the_plan() {
        // 2,000 sets (and destinations) created and 2,000 deleted: all-pairs ordering
        // would be 4,000 x 4,000 edges.
        let n = 2000;
        let steps = steps_for(&sets("new-", n), &sets("old-", n));
        let real = steps
            .iter()
            .filter(|s| !matches!(s.work, Work::Barrier))
            .count();
        assert_eq!(real, 4 * n);
        let edges: usize = steps.iter().map(|s| s.after.len()).sum();
        // Each destination create needs its set; a barrier joins the creates, one
        // joins the destination deletes; each delete waits for one barrier.
        assert!(
            edges <= 2 * steps.len(),
            "{edges} edges for {} steps",
            steps.len()
        );
        assert!(precedes(
            &steps,
            "create event_destination.new-1999.alerts",
            "delete event_destination.old-0.alerts"
        ));
        assert!(precedes(
            &steps,
            "create configuration_set.new-0",
            "delete configuration_set.old-1999"
        ));
        assert!(precedes(
            &steps,
            "delete event_destination.old-1999.alerts",
            "delete configuration_set.old-0"
        ));
        assert!(!precedes(
            &steps,
            "delete configuration_set.old-0",
            "delete event_destination.old-1999.alerts"
        ));
    }

    fn glue(stack: &str) -> Desired {
        let layout = crate::athena::layout("ses/").unwrap();
        let mut d = Desired::default();
        d.glue_databases.insert(
            "ses_history".into(),
            GlueDatabase {
                name: "ses_history".into(),
                arn: arn::glue_database("aws", "eu-west-1", "111122223333", "ses_history"),
                description: String::new(),
                tags: [("sesinfra:stack".to_owned(), stack.to_owned())].into(),
            },
        );
        d.glue_tables.insert(
            ("ses_history".into(), "events".into()),
            crate::athena::table(&crate::athena::TableSpec {
                stack,
                database: "ses_history",
                table: "events",
                bucket: "b",
                layout: &layout,
                projection_days: 30,
            }),
        );
        d
    }

    #[test]
    fn a_glue_table_follows_its_database_and_goes_before_it() {
        let steps = steps_for(&glue("s"), &Desired::default());
        assert!(precedes(
            &steps,
            "create glue_database.ses_history",
            "create glue_table.ses_history.events"
        ));
        let steps = steps_for(&Desired::default(), &glue("s"));
        assert!(precedes(
            &steps,
            "delete glue_table.ses_history.events",
            "delete glue_database.ses_history"
        ));
        // Equal states: nothing to do; one parameter changed: one update.
        assert!(plan::diff("s", &glue("s"), &glue("s")).is_empty());
        let mut changed = glue("s");
        for t in changed.glue_tables.values_mut() {
            t.parameters
                .insert("projection.dt.range".into(), "NOW-1DAYS,NOW".into());
        }
        let p = plan::diff("s", &changed, &glue("s"));
        assert_eq!(p.changes.len(), 1);
        assert_eq!(p.changes[0].action, Action::Update);
        assert_eq!(
            p.changes[0].fields[0].path,
            "parameters.projection.dt.range"
        );
    }

    #[tokio::test]
    async fn barriers_are_neither_shown_nor_reported() {
        struct Nothing;
        impl StepRunner<Work> for Nothing {
            type Error = String;
            async fn run(&self, _: &Work) -> Result<(), String> {
                Ok(())
            }
        }
        let steps = steps_for(&sets("new-", 1), &sets("old-", 1));
        assert!(steps.iter().any(|s| matches!(s.work, Work::Barrier)));
        let mut shown = Vec::new();
        let report = run_steps(steps, Arc::new(Nothing), |l, _| shown.push(l.to_owned())).await;
        assert!(report.succeeded());
        assert_eq!(report.done.len(), 4, "{:?}", report.done);
        assert!(report.done.iter().all(|l| !l.starts_with("(all ")));
        assert_eq!(shown.len(), 8, "started and finished, each step: {shown:?}");
        assert!(shown.iter().all(|l| !l.starts_with("(all ")));
    }
}
