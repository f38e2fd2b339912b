//! The region's SES pipeline as it is, without a spec: configuration sets with their
//! event destinations, identities, the Firehose streams the destinations publish to,
//! the buckets those streams write to and (for `audit`) the account's roles. `audit`
//! judges it (`crate::audit`), `export` writes it as a spec (`crate::export`); both are
//! pure and start from an `Inventory`.
//!
//! Cost: one call per set for its destinations (and one for its options when
//! exporting), one per identity and one per 100 identities for their SES v1
//! notification topics (exporting a stack: three per SNS topic and one per 100
//! alarms it owns), a few per stream and bucket the destinations use, and
//! the roles in bulk (`GetAccountAuthorizationDetails`, 1,000 per call). Streams no
//! destination uses (other teams' pipelines of any kind) are never read. Reads run
//! concurrently per service; the clients' per-service rate limits (`aws::limit`) pace
//! them, so a large account takes as long as its busiest service's calls at its
//! quota.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::aws::s3::BucketPosture;
use crate::aws::{self, AwsError, Clients};
use crate::desired::Environment;
use crate::policy::PolicyDocument;
use crate::resources::{
    Alarm, Bucket, ConfigurationSet, DeliveryStream, EventDestination, IdentityAttributes,
    IdentityNotifications, NotificationTopics, Role, STACK_TAG, SnsTopic, Target, arn,
};

/// Reads in flight per service: enough to keep each service busy at its rate limit.
const SES_READS: usize = 8;
const FIREHOSE_READS: usize = 4;
const S3_READS: usize = 8;
const IAM_READS: usize = 4;

/// What to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Destinations, identities, streams, bucket protection and every role.
    Audit,
    /// Everything a spec holds: set options and tags, stream and bucket tags; no roles.
    Export,
}

/// Which part of the account to read.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Only the resources carrying `sesinfra:stack = <stack>`.
    pub stack: Option<String>,
    /// Only these configuration sets (and the default sets of the identities read).
    pub configuration_sets: Vec<String>,
    /// Only these identities.
    pub identities: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Inventory {
    pub env: Environment,
    pub configuration_sets: BTreeMap<String, SetRecord>,
    pub identities: BTreeMap<String, IdentityAttributes>,
    /// The SNS notification topics of the identities that have any.
    pub notification_topics: BTreeMap<String, NotificationTopics>,
    /// Every identity's notification settings, headers included (export only).
    pub notifications: BTreeMap<String, IdentityNotifications>,
    /// Export of a stack: its SNS topics (found by its tag), by name.
    pub sns_topics: BTreeMap<String, SnsTopic>,
    /// Export of a stack: its reputation alarms (found by its tag).
    pub alarms: Vec<Alarm>,
    /// The streams the destinations name (and, with a stack, the stack's), by ARN.
    pub streams: BTreeMap<String, StreamRecord>,
    /// The buckets those streams write to, by name.
    pub buckets: BTreeMap<String, BucketRecord>,
    /// Every role of the account by ARN (audit only).
    pub roles: BTreeMap<String, Role>,
    /// Documents of the managed policies attached to the roles that matter, by ARN.
    pub managed_policies: BTreeMap<String, PolicyDocument>,
    /// The sesinfra stack owning each set and stream that has one (its tag), by name.
    pub set_owners: BTreeMap<String, String>,
    pub stream_owners: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct SetRecord {
    /// The set's options and tags (export only).
    pub options: Option<ConfigurationSet>,
    pub destinations: Vec<EventDestination>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamRecord {
    Found(DeliveryStream),
    /// It exists but is not a Direct PUT stream to S3, or is being created or deleted.
    Unusable(String),
    /// In another region or account: not read.
    Elsewhere,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BucketRecord {
    /// Export: the bucket's managed settings and tags.
    Settings(Bucket),
    /// Audit: its encryption and public-access block.
    Posture(BucketPosture),
    Missing,
}

impl Inventory {
    /// The stream an event destination publishes to, when it is a Firehose one.
    pub fn stream_of(&self, destination: &EventDestination) -> Option<(&str, &StreamRecord)> {
        match &destination.target {
            Target::Firehose {
                delivery_stream_arn,
                ..
            } => self
                .streams
                .get_key_value(delivery_stream_arn)
                .map(|(k, v)| (k.as_str(), v)),
            _ => None,
        }
    }

    /// The ARN of a configuration set of this account and region.
    pub fn set_arn(&self, name: &str) -> String {
        arn::configuration_set(
            &self.env.partition,
            &self.env.region,
            &self.env.account_id,
            name,
        )
    }
}

/// `name` of `arn:PARTITION:firehose:REGION:ACCOUNT:deliverystream/NAME` when the
/// stream is in `env`'s region and account.
pub fn local_stream_name<'a>(env: &Environment, stream_arn: &'a str) -> Option<&'a str> {
    let mut parts = stream_arn.splitn(6, ':');
    let (_, _, service, region, account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    (service == "firehose" && region == env.region && account == env.account_id)
        .then(|| resource.strip_prefix("deliverystream/"))
        .flatten()
}

/// Runs `read` for every key, at most `parallel` at a time; the first error wins.
async fn read_all<K, T, F, Fut>(
    keys: impl IntoIterator<Item = K>,
    parallel: usize,
    read: F,
) -> Result<Vec<(K, T)>, AwsError>
where
    K: Clone + Send + 'static,
    T: Send + 'static,
    F: Fn(K) -> Fut,
    Fut: Future<Output = Result<T, AwsError>> + Send + 'static,
{
    let limit = Arc::new(Semaphore::new(parallel));
    let mut reads = JoinSet::new();
    for key in keys {
        let (limit, fut) = (Arc::clone(&limit), read(key.clone()));
        reads.spawn(async move {
            let _permit = limit
                .acquire_owned()
                .await
                .map_err(|_| AwsError::local("sesinfra", "inventory", "reader closed"))?;
            Ok::<_, AwsError>((key, fut.await?))
        });
    }
    let mut out = Vec::new();
    let mut first_error = None;
    while let Some(joined) = reads.join_next().await {
        match joined {
            Ok(Ok(item)) => out.push(item),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(AwsError::local(
                    "sesinfra",
                    "inventory",
                    format!("a read failed: {e}"),
                ));
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Reads the part of the account `scope` names, for `purpose`.
pub async fn read(
    clients: &Clients,
    env: &Environment,
    scope: &Scope,
    purpose: Purpose,
) -> Result<Inventory, AwsError> {
    let discovered = match &scope.stack {
        Some(stack) => Some(aws::tagging::discover(clients, stack).await?),
        None => None,
    };
    let owned = |tags: &crate::resources::Tags| match &scope.stack {
        Some(stack) => tags.get(STACK_TAG) == Some(stack),
        None => true,
    };

    // Which sets and identities: named, the stack's, or all of the region's.
    let (set_names, identity_names) = {
        let sets = async {
            Ok::<_, AwsError>(match (&discovered, scope.configuration_sets.is_empty()) {
                (_, false) => scope.configuration_sets.clone(),
                (Some(d), true) => d.configuration_sets.clone(),
                (None, true) if scope.identities.is_empty() => {
                    aws::sesv2::list_configuration_sets(clients).await?
                }
                (None, true) => Vec::new(),
            })
        };
        let identities = async {
            Ok::<_, AwsError>(match (&discovered, scope.identities.is_empty()) {
                (_, false) => scope.identities.clone(),
                (Some(d), true) => d.identities.clone(),
                (None, true) if scope.configuration_sets.is_empty() => {
                    aws::sesv2::list_email_identities(clients).await?
                }
                (None, true) => Vec::new(),
            })
        };
        tokio::try_join!(sets, identities)?
    };

    let identities = read_all(identity_names, SES_READS, |name: String| {
        let c = clients.clone();
        async move { aws::sesv2::get_identity_attributes(&c, &name).await }
    })
    .await?;
    let identities: BTreeMap<String, IdentityAttributes> = identities
        .into_iter()
        .filter_map(|(name, attrs)| attrs.map(|a| (name, a)))
        .filter(|(_, a)| match &scope.stack {
            Some(stack) => a.managed_by.as_ref() == Some(stack),
            None => true,
        })
        .collect();
    // SNS topics are the third way an identity receives its bounces (SES v1 only).
    let notifications = {
        let names: Vec<String> = identities.keys().cloned().collect();
        aws::ses_v1::notification_settings(clients, &names).await?
    };
    let notification_topics: BTreeMap<String, NotificationTopics> = notifications
        .iter()
        .filter(|(_, n)| n.topics != NotificationTopics::default())
        .map(|(name, n)| (name.clone(), n.topics.clone()))
        .collect();
    // A stack's topics and alarms, found by its tag (export only; checked on each).
    let (mut sns_topics, mut alarms) = (BTreeMap::new(), Vec::new());
    if let (Purpose::Export, Some(d), Some(stack)) = (purpose, &discovered, &scope.stack) {
        for name in &d.sns_topics {
            let topic_arn = arn::sns_topic(&env.partition, &env.region, &env.account_id, name);
            if let Some(topic) = aws::sns::get_topic(clients, &topic_arn).await?
                && topic.tags.get(STACK_TAG) == Some(stack)
            {
                sns_topics.insert(name.clone(), topic);
            }
        }
        if !d.alarms.is_empty() {
            alarms = aws::cloudwatch::read_alarms(clients, &d.alarms)
                .await?
                .into_iter()
                .filter(|a| a.tags.get(STACK_TAG) == Some(stack))
                .collect();
        }
    }

    // The identities' default sets belong to what they do with bounces.
    let mut wanted: BTreeSet<String> = set_names.into_iter().collect();
    wanted.extend(
        identities
            .values()
            .filter_map(|i| i.default_configuration_set.clone()),
    );
    let sets = read_all(wanted, SES_READS, |name: String| {
        let c = clients.clone();
        async move {
            let options = match purpose {
                Purpose::Export => match aws::sesv2::get_configuration_set(&c, &name).await? {
                    Some(set) => Some(set),
                    None => return Ok(None),
                },
                Purpose::Audit => None,
            };
            match aws::sesv2::get_event_destinations(&c, &name).await {
                Ok(destinations) => Ok(Some(SetRecord {
                    options,
                    destinations,
                })),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        }
    })
    .await?;
    let configuration_sets: BTreeMap<String, SetRecord> = sets
        .into_iter()
        .filter_map(|(name, set)| set.map(|s| (name, s)))
        // With a stack, a default set of another owner is still read (the identity's
        // coverage depends on it) but not exported as the stack's.
        .filter(|(name, set)| {
            scope.stack.is_none()
                || purpose == Purpose::Audit
                || set.options.as_ref().is_some_and(|o| owned(&o.tags))
                || identities
                    .values()
                    .any(|i| i.default_configuration_set.as_ref() == Some(name))
        })
        .collect();

    // Streams: those the destinations name, and the stack's own.
    let mut stream_arns: BTreeSet<String> = configuration_sets
        .values()
        .flat_map(|s| &s.destinations)
        .filter_map(|d| match &d.target {
            Target::Firehose {
                delivery_stream_arn,
                ..
            } => Some(delivery_stream_arn.clone()),
            _ => None,
        })
        .collect();
    if let Some(d) = &discovered {
        stream_arns.extend(
            d.streams.iter().map(|name| {
                arn::delivery_stream(&env.partition, &env.region, &env.account_id, name)
            }),
        );
    }
    let env_for_streams = env.clone();
    let streams = read_all(stream_arns, FIREHOSE_READS, |stream_arn: String| {
        let (c, name) = (
            clients.clone(),
            local_stream_name(&env_for_streams, &stream_arn).map(str::to_owned),
        );
        async move {
            let Some(name) = name else {
                return Ok(StreamRecord::Elsewhere);
            };
            Ok(
                match aws::firehose::inspect_delivery_stream(&c, &name, purpose == Purpose::Export)
                    .await?
                {
                    Some(Ok(stream)) => StreamRecord::Found(stream),
                    Some(Err(why)) => StreamRecord::Unusable(why),
                    None => StreamRecord::Missing,
                },
            )
        }
    })
    .await?;
    let streams: BTreeMap<String, StreamRecord> = streams.into_iter().collect();

    let bucket_names: BTreeSet<String> = streams
        .values()
        .filter_map(|s| match s {
            StreamRecord::Found(stream) => arn::bucket_name(&stream.bucket_arn).map(str::to_owned),
            _ => None,
        })
        .collect();
    let buckets = read_all(bucket_names, S3_READS, |name: String| {
        let c = clients.clone();
        async move {
            Ok(match purpose {
                Purpose::Export => aws::s3::get_bucket(&c, &name)
                    .await?
                    .map_or(BucketRecord::Missing, BucketRecord::Settings),
                Purpose::Audit => aws::s3::bucket_posture(&c, &name)
                    .await?
                    .map_or(BucketRecord::Missing, BucketRecord::Posture),
            })
        }
    })
    .await?
    .into_iter()
    .collect();

    let mut inventory = Inventory {
        env: env.clone(),
        configuration_sets,
        identities,
        notification_topics,
        notifications: if purpose == Purpose::Export {
            notifications
        } else {
            BTreeMap::new()
        },
        sns_topics,
        alarms,
        streams,
        buckets,
        roles: BTreeMap::new(),
        managed_policies: BTreeMap::new(),
        set_owners: BTreeMap::new(),
        stream_owners: BTreeMap::new(),
    };
    if purpose == Purpose::Export {
        for (name, set) in &inventory.configuration_sets {
            if let Some(owner) = set.options.as_ref().and_then(|o| o.tags.get(STACK_TAG)) {
                inventory.set_owners.insert(name.clone(), owner.clone());
            }
        }
        for stream in inventory.streams.values() {
            if let StreamRecord::Found(s) = stream
                && let Some(owner) = s.tags.get(STACK_TAG)
            {
                inventory
                    .stream_owners
                    .insert(s.name.clone(), owner.clone());
            }
        }
    }
    if purpose == Purpose::Audit {
        (inventory.set_owners, inventory.stream_owners) =
            aws::tagging::stack_owners(clients).await?;
        inventory.roles = aws::iam::account_roles(clients).await?;
        let attached: BTreeSet<String> = crate::audit::roles_in_scope(&inventory)
            .into_iter()
            .flat_map(|arn| inventory.roles[arn].attached_policies.iter().cloned())
            .collect();
        inventory.managed_policies = read_all(attached, IAM_READS, |policy: String| {
            let c = clients.clone();
            async move { aws::iam::managed_policy_document(&c, &policy).await }
        })
        .await?
        .into_iter()
        .filter_map(|(arn, doc)| doc.map(|d| (arn, d)))
        .collect();
    }
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_streams_of_this_region_and_account_are_read() {
        let env = Environment {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account_id: "123456789012".into(),
        };
        assert_eq!(
            local_stream_name(
                &env,
                "arn:aws:firehose:eu-west-1:123456789012:deliverystream/s"
            ),
            Some("s")
        );
        assert_eq!(
            local_stream_name(
                &env,
                "arn:aws:firehose:us-east-1:123456789012:deliverystream/s"
            ),
            None
        );
        assert_eq!(
            local_stream_name(
                &env,
                "arn:aws:firehose:eu-west-1:999999999999:deliverystream/s"
            ),
            None
        );
        assert_eq!(local_stream_name(&env, "garbage"), None);
    }
}
