//! Observed state: what AWS has now for every desired resource, plus resources tagged
//! as the stack's that the spec no longer has. Reads run concurrently, bounded per
//! service (Firehose allows 5 control-plane calls per second per account).
//!
//! Only what the spec names (read by name) and what carries the stack's tag (found by
//! `aws::tagging::discover`) is read: other teams' resources in a shared account are
//! never listed or read, so they cannot break or slow a command.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::{self, AwsError, Clients};
use crate::desired::{Desired, Environment};
use crate::plan::Address;
use crate::resources::{ACCOUNT_OWNER_TAG, LOGICAL_TAG, STACK_TAG, Tags};

/// Reads in flight per service. Each service's rate limiter (`aws::limit`) paces the
/// calls; the reads in flight only need to cover its rate times a call's latency, so
/// they are sized from the rate ceiling: calls answered within `COVERED_LATENCY_SECS`
/// keep a service at its ceiling (8 SES reads at SES's 10/s), with a floor per service
/// and a cap for accounts with raised quotas.
const COVERED_LATENCY_SECS: f64 = 0.8;
const MAX_READS_IN_FLIGHT: usize = 256;
const SES_READS: usize = 8;
const FIREHOSE_READS: usize = 2;
const IAM_READS: usize = 4;
const S3_READS: usize = 4;
const SNS_READS: usize = 4;
const GLUE_READS: usize = 4;

/// Reads in flight for a service with rate ceiling `rate` (calls per second).
fn reads_in_flight(rate: f64, floor: usize) -> usize {
    let covering = (rate * COVERED_LATENCY_SECS).ceil();
    if covering.is_finite() && covering > 0.0 {
        (covering as usize).clamp(floor, MAX_READS_IN_FLIGHT)
    } else {
        floor
    }
}

/// A resource the spec wants to manage that exists without the stack's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub address: Address,
    /// The stack it belongs to, if another sesinfra stack owns it.
    pub owner: Option<String>,
}

#[derive(Debug, Default)]
pub struct Observed {
    pub state: Desired,
    pub clashes: Vec<Clash>,
    /// When the spec has `account:`: another stack whose configuration set carries the
    /// account-settings marker, as `(stack, set)`, checked on the set itself.
    pub account_owner: Option<(String, String)>,
    /// Tables the stack does not own in the Glue databases it reads, by database: a
    /// database holding any is never deleted (Glue would delete them with it).
    pub foreign_glue_tables: BTreeMap<String, Vec<String>>,
}

struct Limits {
    ses: Arc<Semaphore>,
    firehose: Arc<Semaphore>,
    iam: Arc<Semaphore>,
    s3: Arc<Semaphore>,
    sns: Arc<Semaphore>,
    cloudwatch: Arc<Semaphore>,
    glue: Arc<Semaphore>,
}

/// A read in flight.
type ReadFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<Read, AwsError>> + Send>>;

/// One read's result, tagged with where it goes.
enum Read {
    Bucket(String, Option<crate::resources::Bucket>),
    Roles(aws::iam::RoleReads),
    Stream(String, Option<crate::resources::DeliveryStream>),
    Set(String, Option<crate::resources::ConfigurationSet>),
    Destinations(String, Vec<crate::resources::EventDestination>),
    Identity(String, Option<crate::resources::IdentityAttributes>),
    Account(crate::resources::AccountSettings),
    /// A set another stack's account marker is on (name, its tags).
    AccountMarker(String, Option<crate::resources::ConfigurationSet>),
    Topic(String, Option<crate::resources::SnsTopic>),
    /// The alarms the spec names and those the stack's tag marks, as found.
    Alarms(Vec<crate::resources::Alarm>),
    Notifications(std::collections::BTreeMap<String, crate::resources::IdentityNotifications>),
    GlueDatabase(String, Option<crate::resources::GlueDatabase>),
    /// Every table of a database.
    GlueTables(String, Vec<crate::resources::GlueTable>),
}

pub async fn observe(
    clients: &Clients,
    env: &Environment,
    stack: &str,
    desired: &Desired,
) -> Result<Observed, AwsError> {
    let limits = Limits {
        ses: Arc::new(Semaphore::new(reads_in_flight(
            clients.rates.get("ses"),
            SES_READS,
        ))),
        firehose: Arc::new(Semaphore::new(reads_in_flight(
            clients.rates.get("firehose"),
            FIREHOSE_READS,
        ))),
        iam: Arc::new(Semaphore::new(reads_in_flight(
            clients.rates.get("iam"),
            IAM_READS,
        ))),
        s3: Arc::new(Semaphore::new(reads_in_flight(
            clients.rates.get("s3"),
            S3_READS,
        ))),
        sns: Arc::new(Semaphore::new(reads_in_flight(
            clients.rates.get("sns"),
            SNS_READS,
        ))),
        cloudwatch: Arc::new(Semaphore::new(1)),
        glue: Arc::new(Semaphore::new(reads_in_flight(
            clients.rates.get("glue"),
            GLUE_READS,
        ))),
    };
    let topic_arn = |name: &str| {
        crate::resources::arn::sns_topic(&env.partition, &env.region, &env.account_id, name)
    };
    let mut reads: JoinSet<Result<Read, AwsError>> = JoinSet::new();
    let spawn =
        |reads: &mut JoinSet<Result<Read, AwsError>>, limit: &Arc<Semaphore>, fut: ReadFuture| {
            let limit = Arc::clone(limit);
            reads.spawn(async move {
                let _permit = limit
                    .acquire_owned()
                    .await
                    .map_err(|_| AwsError::local("sesinfra", "observe", "reader closed"))?;
                fut.await
            });
        };

    for (logical, bucket) in &desired.buckets {
        let (c, logical, name) = (clients.clone(), logical.clone(), bucket.name.clone());
        spawn(
            &mut reads,
            &limits.s3,
            Box::pin(
                async move { Ok(Read::Bucket(logical, aws::s3::get_bucket(&c, &name).await?)) },
            ),
        );
    }
    // Every role the spec names and every role under the stack's IAM path (its
    // orphans), with policies and tags, in one bulk read (`aws::iam::read_roles`).
    {
        let c = clients.clone();
        let path = crate::resources::arn::role_path(stack);
        let names: BTreeSet<String> = desired.roles.keys().cloned().collect();
        spawn(
            &mut reads,
            &limits.iam,
            Box::pin(
                async move { Ok(Read::Roles(aws::iam::read_roles(&c, &path, &names).await?)) },
            ),
        );
    }
    for (logical, stream) in &desired.streams {
        let (c, logical, name) = (clients.clone(), logical.clone(), stream.name.clone());
        spawn(
            &mut reads,
            &limits.firehose,
            Box::pin(async move {
                Ok(Read::Stream(
                    logical,
                    aws::firehose::get_delivery_stream(&c, &name).await?,
                ))
            }),
        );
    }
    for name in desired.configuration_sets.keys() {
        let (c, name) = (clients.clone(), name.clone());
        spawn(
            &mut reads,
            &limits.ses,
            Box::pin(async move {
                let set = aws::sesv2::get_configuration_set(&c, &name).await?;
                Ok(Read::Set(name, set))
            }),
        );
    }
    for name in desired.identities.keys() {
        let (c, name) = (clients.clone(), name.clone());
        spawn(
            &mut reads,
            &limits.ses,
            Box::pin(async move {
                let attrs = aws::sesv2::get_identity_attributes(&c, &name).await?;
                Ok(Read::Identity(name, attrs))
            }),
        );
    }

    for (logical, topic) in &desired.sns_topics {
        let (c, logical, arn) = (clients.clone(), logical.clone(), topic_arn(&topic.name));
        spawn(
            &mut reads,
            &limits.sns,
            Box::pin(async move { Ok(Read::Topic(logical, aws::sns::get_topic(&c, &arn).await?)) }),
        );
    }

    // The account settings: read only when the spec manages them, together with the
    // markers of other stacks that might (see ARCHITECTURE.md, "Account settings").
    if desired.account.is_some() {
        let c = clients.clone();
        spawn(
            &mut reads,
            &limits.ses,
            Box::pin(async move { Ok(Read::Account(aws::sesv2::get_account_settings(&c).await?)) }),
        );
        for (set, owner) in aws::tagging::account_owners(clients).await? {
            if owner == stack {
                continue;
            }
            let c = clients.clone();
            spawn(
                &mut reads,
                &limits.ses,
                Box::pin(async move {
                    let found = aws::sesv2::get_configuration_set(&c, &set).await?;
                    Ok(Read::AccountMarker(set, found))
                }),
            );
        }
    }

    // Resources the stack owns that the spec no longer has: found by the stack's tag
    // (and its IAM path), never by listing everything in the account, so other teams'
    // resources cost no calls. Each candidate is then read in full like the rest.
    let discovery = aws::tagging::discover(clients, stack).await?;
    // Glue databases the spec names and the stack's (by tag), each with all its tables
    // (one paginated GetTables): Glue cannot tag tables, so the stack's tables are
    // found in its databases by their `sesinfra:stack` parameter.
    let mut databases: BTreeSet<String> = desired.glue_databases.keys().cloned().collect();
    databases.extend(discovery.glue_databases.iter().cloned());
    for name in databases {
        let key = if desired.glue_databases.contains_key(&name) {
            name.clone()
        } else {
            format!("\u{0}{name}")
        };
        let database_arn = crate::resources::arn::glue_database(
            &env.partition,
            &env.region,
            &env.account_id,
            &name,
        );
        let (c, n) = (clients.clone(), name.clone());
        spawn(
            &mut reads,
            &limits.glue,
            Box::pin(async move {
                let db = aws::glue::get_database(&c, &n, &database_arn).await?;
                Ok(Read::GlueDatabase(key, db))
            }),
        );
        let c = clients.clone();
        spawn(
            &mut reads,
            &limits.glue,
            Box::pin(async move {
                let tables = aws::glue::get_tables(&c, &name).await?;
                Ok(Read::GlueTables(name, tables))
            }),
        );
    }
    // Candidates are keyed with a leading NUL so they are told apart from the
    // resources the spec names (see `candidate` below).
    let mut read_candidates =
        |names: Vec<String>,
         wanted: &dyn Fn(&str) -> bool,
         limit: &Arc<Semaphore>,
         read: fn(Clients, String) -> ReadFuture| {
            for name in names.into_iter().filter(|n| !wanted(n)) {
                spawn(&mut reads, limit, read(clients.clone(), name));
            }
        };
    let stream_names: BTreeSet<&str> = desired.streams.values().map(|s| s.name.as_str()).collect();
    read_candidates(
        discovery.streams,
        &|n| stream_names.contains(n),
        &limits.firehose,
        |c, name| {
            Box::pin(async move {
                let stream = aws::firehose::get_delivery_stream(&c, &name).await?;
                Ok(Read::Stream(format!("\u{0}{name}"), stream))
            })
        },
    );
    read_candidates(
        discovery.configuration_sets,
        &|n| desired.configuration_sets.contains_key(n),
        &limits.ses,
        |c, name| {
            Box::pin(async move {
                let set = aws::sesv2::get_configuration_set(&c, &name).await?;
                Ok(Read::Set(format!("\u{0}{name}"), set))
            })
        },
    );
    read_candidates(
        discovery.identities,
        &|n| desired.identities.contains_key(n),
        &limits.ses,
        |c, name| {
            Box::pin(async move {
                let attrs = aws::sesv2::get_identity_attributes(&c, &name).await?;
                Ok(Read::Identity(format!("\u{0}{name}"), attrs))
            })
        },
    );
    // Alarms the spec names and the stack's others, 100 names per call.
    let alarm_names: Vec<String> = desired
        .alarms
        .keys()
        .cloned()
        .chain(discovery.alarms)
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    if !alarm_names.is_empty() {
        let c = clients.clone();
        spawn(
            &mut reads,
            &limits.cloudwatch,
            Box::pin(async move {
                Ok(Read::Alarms(
                    aws::cloudwatch::read_alarms(&c, &alarm_names).await?,
                ))
            }),
        );
    }
    let topic_names: BTreeSet<&str> = desired
        .sns_topics
        .values()
        .map(|t| t.name.as_str())
        .collect();
    for name in discovery
        .sns_topics
        .into_iter()
        .filter(|n| !topic_names.contains(n.as_str()))
    {
        let (c, arn) = (clients.clone(), topic_arn(&name));
        spawn(
            &mut reads,
            &limits.sns,
            Box::pin(async move {
                Ok(Read::Topic(
                    format!("\u{0}{name}"),
                    aws::sns::get_topic(&c, &arn).await?,
                ))
            }),
        );
    }

    let mut observed = Observed::default();
    let owned = |tags: &Tags| tags.get(STACK_TAG).map(String::as_str) == Some(stack);
    let mut first_error = None;
    let mut owned_sets = Vec::new();
    let mut orphan_streams = Vec::new();
    let mut orphan_topics = Vec::new();
    // Databases whose tables are the stack's to read: named by the spec or owned.
    let mut table_databases: BTreeSet<String> = desired.glue_databases.keys().cloned().collect();
    let mut tables_read: Vec<(String, Vec<crate::resources::GlueTable>)> = Vec::new();
    // Keys starting with NUL are candidates found by listing, not desired resources.
    let candidate = |key: &str| key.strip_prefix('\u{0}').map(str::to_owned);
    while let Some(joined) = reads.join_next().await {
        let read = match joined {
            Ok(Ok(read)) => read,
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
                continue;
            }
            Err(e) => {
                first_error.get_or_insert(AwsError::local(
                    "sesinfra",
                    "observe",
                    format!("a read failed: {e}"),
                ));
                continue;
            }
        };
        match read {
            Read::Bucket(logical, Some(b)) => {
                if !owned(&b.tags) {
                    observed
                        .clashes
                        .push(clash(Address::Bucket(logical.clone()), &b.tags));
                }
                observed.state.buckets.insert(logical, b);
            }
            Read::Roles(found) => {
                let aws::iam::RoleReads {
                    mut roles,
                    under_path,
                } = found;
                for name in desired.roles.keys() {
                    if let Some(role) = roles.remove(name) {
                        if !owned(&role.tags) {
                            observed
                                .clashes
                                .push(clash(Address::IamRole(name.clone()), &role.tags));
                        }
                        observed.state.roles.insert(name.clone(), role);
                    }
                }
                // Under the stack's path but no longer in the spec: an orphan, if the
                // role's own tag says it is the stack's.
                for name in under_path {
                    if let Some(role) = roles.remove(&name).filter(|r| owned(&r.tags)) {
                        observed.state.roles.insert(name, role);
                    }
                }
            }
            Read::Stream(key, Some(stream)) => match candidate(&key) {
                Some(name) if owned(&stream.tags) => orphan_streams.push((name, stream)),
                Some(_) => {}
                None => {
                    if !owned(&stream.tags) {
                        observed
                            .clashes
                            .push(clash(Address::FirehoseStream(key.clone()), &stream.tags));
                    }
                    observed.state.streams.insert(key, stream);
                }
            },
            Read::Set(key, Some(set)) => match candidate(&key) {
                Some(name) if owned(&set.tags) => {
                    owned_sets.push(name.clone());
                    observed.state.configuration_sets.insert(name, set);
                }
                Some(_) => {}
                None => {
                    if owned(&set.tags) {
                        owned_sets.push(key.clone());
                    } else {
                        observed
                            .clashes
                            .push(clash(Address::ConfigurationSet(key.clone()), &set.tags));
                        // Adopting it makes its destinations ours too.
                        owned_sets.push(key.clone());
                    }
                    observed.state.configuration_sets.insert(key, set);
                }
            },
            Read::Identity(key, Some(attrs)) => match candidate(&key) {
                // Dropped from the spec: its settings go back to AWS's defaults.
                Some(name) if attrs.managed_by.as_deref() == Some(stack) => {
                    observed.state.identities.insert(name, attrs);
                }
                Some(_) => {}
                None => {
                    let name = key;
                    // Another stack's spec manages this identity's settings.
                    if let Some(owner) = attrs.managed_by.as_deref().filter(|o| *o != stack) {
                        observed.clashes.push(Clash {
                            address: Address::Identity(name.clone()),
                            owner: Some(owner.to_owned()),
                        });
                    }
                    observed.state.identities.insert(name, attrs);
                }
            },
            Read::GlueDatabase(key, Some(db)) => match candidate(&key) {
                Some(name) if owned(&db.tags) => {
                    table_databases.insert(name.clone());
                    observed.state.glue_databases.insert(name, db);
                }
                Some(_) => {}
                None => {
                    if !owned(&db.tags) {
                        observed
                            .clashes
                            .push(clash(Address::GlueDatabase(key.clone()), &db.tags));
                    }
                    observed.state.glue_databases.insert(key, db);
                }
            },
            Read::GlueTables(database, tables) => tables_read.push((database, tables)),
            Read::Account(settings) => observed.state.account = Some(settings),
            Read::Topic(key, Some(topic)) => match candidate(&key) {
                Some(name) if owned(&topic.tags) => orphan_topics.push((name, topic)),
                Some(_) => {}
                None => {
                    if !owned(&topic.tags) {
                        observed
                            .clashes
                            .push(clash(Address::SnsTopic(key.clone()), &topic.tags));
                    }
                    observed.state.sns_topics.insert(key, topic);
                }
            },
            Read::Alarms(alarms) => {
                for alarm in alarms {
                    if desired.alarms.contains_key(&alarm.name) {
                        if !owned(&alarm.tags) {
                            observed
                                .clashes
                                .push(clash(Address::Alarm(alarm.name.clone()), &alarm.tags));
                        }
                    } else if !owned(&alarm.tags) {
                        // The Tagging API is only a hint: the tag must be on the alarm.
                        continue;
                    }
                    observed.state.alarms.insert(alarm.name.clone(), alarm);
                }
            }
            // The Tagging API is only a hint: the marker must be on the set itself.
            Read::AccountMarker(set, Some(found)) => {
                if let Some(owner) = found.tags.get(ACCOUNT_OWNER_TAG).filter(|o| *o != stack)
                    && observed
                        .account_owner
                        .as_ref()
                        .is_none_or(|(_, s)| *s > set)
                {
                    observed.account_owner = Some((owner.clone(), set));
                }
            }
            // Absent resources, and destinations (read in the second round).
            _ => {}
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    for (database, tables) in tables_read {
        if !table_databases.contains(&database) {
            continue;
        }
        for table in tables {
            let key = (database.clone(), table.name.clone());
            let owner = table.owner().map(str::to_owned);
            if desired.glue_tables.contains_key(&key) {
                if owner.as_deref() != Some(stack) {
                    observed.clashes.push(Clash {
                        address: Address::GlueTable {
                            database: key.0.clone(),
                            table: key.1.clone(),
                        },
                        owner,
                    });
                }
                observed.state.glue_tables.insert(key, table);
            } else if owner.as_deref() == Some(stack) {
                observed.state.glue_tables.insert(key, table);
            } else {
                observed
                    .foreign_glue_tables
                    .entry(database.clone())
                    .or_default()
                    .push(table.name);
            }
        }
    }
    // A stream the spec no longer has is addressed by its logical name (so a renamed
    // stream is a replace), unless that name belongs to a stream that exists.
    for (name, stream) in orphan_streams {
        let logical = stream
            .tags
            .get(LOGICAL_TAG)
            .cloned()
            .unwrap_or_else(|| name.clone());
        let key = if observed.state.streams.contains_key(&logical) {
            name
        } else {
            logical
        };
        observed.state.streams.entry(key).or_insert(stream);
    }
    // Topics too: by logical name unless a topic the spec has holds it.
    for (name, topic) in orphan_topics {
        let logical = topic
            .tags
            .get(LOGICAL_TAG)
            .cloned()
            .unwrap_or_else(|| name.clone());
        let key = if observed.state.sns_topics.contains_key(&logical) {
            name
        } else {
            logical
        };
        observed.state.sns_topics.entry(key).or_insert(topic);
    }

    // Notification settings of every identity that exists (those the spec names and
    // those it dropped), 100 per call.
    let identities: Vec<String> = observed.state.identities.keys().cloned().collect();
    if !identities.is_empty() {
        let c = clients.clone();
        spawn(
            &mut reads,
            &limits.ses,
            Box::pin(async move {
                Ok(Read::Notifications(
                    aws::ses_v1::notification_settings(&c, &identities).await?,
                ))
            }),
        );
    }

    // Event destinations: one list per configuration set that exists.
    for set in owned_sets {
        let c = clients.clone();
        spawn(
            &mut reads,
            &limits.ses,
            Box::pin(async move {
                let destinations = aws::sesv2::get_event_destinations(&c, &set).await?;
                Ok(Read::Destinations(set, destinations))
            }),
        );
    }
    while let Some(joined) = reads.join_next().await {
        match joined {
            Ok(Ok(Read::Destinations(set, list))) => {
                for d in list {
                    observed
                        .state
                        .event_destinations
                        .insert((set.clone(), d.name.clone()), d);
                }
            }
            Ok(Ok(Read::Notifications(found))) => {
                observed.state.identity_notifications.extend(found);
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(AwsError::local(
                    "sesinfra",
                    "observe",
                    format!("a read failed: {e}"),
                ));
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(observed),
    }
}

fn clash(address: Address, tags: &Tags) -> Clash {
    Clash {
        address,
        owner: tags.get(STACK_TAG).cloned(),
    }
}

/// Identities are observed even when sesinfra never wrote them; a missing identity is
/// an error of the spec's world, not something to create.
pub fn missing_identities(desired: &Desired, observed: &Observed) -> Vec<String> {
    desired
        .identities
        .keys()
        .filter(|k| !observed.state.identities.contains_key(*k))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_in_flight_cover_the_rate_ceiling() {
        // SES at AWS's 10/s: 8 in flight cover calls of up to 800 ms.
        assert_eq!(reads_in_flight(10.0, SES_READS), 8);
        // A raised quota gets more in flight, so the limiter, not latency, paces it.
        assert_eq!(reads_in_flight(200.0, SES_READS), 160);
        // Slow services keep their floor; huge ceilings are capped.
        assert_eq!(reads_in_flight(1.0, FIREHOSE_READS), FIREHOSE_READS);
        assert_eq!(reads_in_flight(1e9, S3_READS), MAX_READS_IN_FLIGHT);
        assert_eq!(reads_in_flight(f64::NAN, IAM_READS), IAM_READS);
    }
}
