//! SNS: the topics sesinfra owns, with their policy, KMS encryption, subscriptions and
//! tags. A topic is read with three calls (`GetTopicAttributes`,
//! `ListSubscriptionsByTopic`, `ListTagsForResource`); updates make only the calls for
//! what differs. Email and HTTPS subscriptions wait for their owner's confirmation:
//! SNS lists them as `PendingConfirmation`, without an ARN, until then.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_sns::types::Tag;

use super::{AwsError, Clients};
use crate::policy::PolicyDocument;
use crate::resources::{SnsTopic, Subscription, Tags, tag_changes};

const SERVICE: &str = "sns";
/// What `ListSubscriptionsByTopic` says instead of the ARN of an unconfirmed subscription.
const PENDING: &str = "PendingConfirmation";
const POLICY: &str = "Policy";
const KMS_KEY: &str = "KmsMasterKeyId";

/// The topic with ARN `arn`, or `None` when it does not exist.
pub async fn get_topic(clients: &Clients, arn: &str) -> Result<Option<SnsTopic>, AwsError> {
    let attributes = match clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
    {
        Ok(out) => out.attributes.unwrap_or_default(),
        Err(e) => {
            let e = AwsError::from_sdk(SERVICE, "GetTopicAttributes", e);
            return if e.is_not_found() { Ok(None) } else { Err(e) };
        }
    };
    let policy = match attributes.get(POLICY).filter(|p| !p.is_empty()) {
        Some(text) => PolicyDocument::new(serde_json::from_str(text).map_err(|e| {
            AwsError::local(
                SERVICE,
                "GetTopicAttributes",
                format!("the policy of {arn} is not JSON: {e}"),
            )
        })?),
        None => PolicyDocument::new(serde_json::json!({})),
    };
    let (subscriptions, pending, subscription_arns) = read_subscriptions(clients, arn).await?;
    Ok(Some(SnsTopic {
        name: arn.rsplit(':').next().unwrap_or_default().to_owned(),
        kms_key_arn: attributes.get(KMS_KEY).filter(|k| !k.is_empty()).cloned(),
        policy,
        subscriptions,
        pending,
        subscription_arns,
        tags: get_tags(clients, arn).await?,
    }))
}

type SubscriptionRead = (
    BTreeSet<Subscription>,
    BTreeSet<Subscription>,
    BTreeMap<Subscription, String>,
);

async fn read_subscriptions(clients: &Clients, arn: &str) -> Result<SubscriptionRead, AwsError> {
    let mut all = BTreeSet::new();
    let mut pending = BTreeSet::new();
    let mut arns = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(arn)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "ListSubscriptionsByTopic", e))?;
        for s in out.subscriptions.unwrap_or_default() {
            let subscription = Subscription {
                protocol: s.protocol.unwrap_or_default(),
                endpoint: s.endpoint.unwrap_or_default(),
            };
            match s.subscription_arn.as_deref() {
                Some(PENDING) | None => {
                    pending.insert(subscription.clone());
                }
                Some(sub_arn) => {
                    arns.insert(subscription.clone(), sub_arn.to_owned());
                }
            }
            all.insert(subscription);
        }
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    Ok((all, pending, arns))
}

async fn get_tags(clients: &Clients, arn: &str) -> Result<Tags, AwsError> {
    let out = clients
        .sns
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "ListTagsForResource", e))?;
    Ok(out
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect())
}

fn sdk_tags(tags: &Tags, operation: &'static str) -> Result<Vec<Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| AwsError::local(SERVICE, operation, e.to_string()))
        })
        .collect()
}

/// Creates the topic with its tags, policy and encryption in one call (so it is never
/// untagged or open), then its subscriptions. Returns its ARN.
pub async fn create_topic(clients: &Clients, topic: &SnsTopic) -> Result<String, AwsError> {
    const OP: &str = "CreateTopic";
    let mut request = clients
        .sns
        .create_topic()
        .name(&topic.name)
        .set_tags(Some(sdk_tags(&topic.tags, OP)?))
        .attributes(POLICY, topic.policy.to_json());
    if let Some(key) = &topic.kms_key_arn {
        request = request.attributes(KMS_KEY, key);
    }
    let out = request
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
    let arn = out
        .topic_arn
        .ok_or_else(|| AwsError::local(SERVICE, OP, "AWS returned no topic ARN"))?;
    for s in &topic.subscriptions {
        subscribe(clients, &arn, s).await?;
    }
    Ok(arn)
}

async fn subscribe(clients: &Clients, arn: &str, s: &Subscription) -> Result<(), AwsError> {
    clients
        .sns
        .subscribe()
        .topic_arn(arn)
        .protocol(&s.protocol)
        .endpoint(&s.endpoint)
        .return_subscription_arn(true)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "Subscribe", e))?;
    Ok(())
}

async fn set_attribute(
    clients: &Clients,
    arn: &str,
    name: &str,
    value: &str,
) -> Result<(), AwsError> {
    clients
        .sns
        .set_topic_attributes()
        .topic_arn(arn)
        .attribute_name(name)
        .attribute_value(value)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "SetTopicAttributes", e))?;
    Ok(())
}

/// Makes the topic at `arn` what `want` says, calling only for what differs from `have`.
/// Subscriptions still waiting for confirmation have no ARN and cannot be removed; the
/// plan says so, and they are left as they are.
pub async fn update_topic(
    clients: &Clients,
    arn: &str,
    have: &SnsTopic,
    want: &SnsTopic,
) -> Result<(), AwsError> {
    if have.policy.normalized() != want.policy.normalized() {
        set_attribute(clients, arn, POLICY, &want.policy.to_json()).await?;
    }
    if have.kms_key_arn != want.kms_key_arn {
        // An empty key turns server-side encryption off.
        set_attribute(
            clients,
            arn,
            KMS_KEY,
            want.kms_key_arn.as_deref().unwrap_or(""),
        )
        .await?;
    }
    for s in want.subscriptions.difference(&have.subscriptions) {
        subscribe(clients, arn, s).await?;
    }
    for s in have.subscriptions.difference(&want.subscriptions) {
        if let Some(sub_arn) = have.subscription_arns.get(s) {
            clients
                .sns
                .unsubscribe()
                .subscription_arn(sub_arn)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, "Unsubscribe", e))?;
        }
    }
    let changes = tag_changes(&have.tags, &want.tags);
    if !changes.removed.is_empty() {
        clients
            .sns
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(changes.removed))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "UntagResource", e))?;
    }
    if !changes.changed.is_empty() {
        clients
            .sns
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sdk_tags(&changes.changed, "TagResource")?))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "TagResource", e))?;
    }
    Ok(())
}

/// Deletes the topic and with it its subscriptions. An absent topic is not an error
/// (SNS answers success for one that does not exist).
pub async fn delete_topic(clients: &Clients, arn: &str) -> Result<(), AwsError> {
    match clients.sns.delete_topic().topic_arn(arn).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = AwsError::from_sdk(SERVICE, "DeleteTopic", e);
            if e.is_not_found() { Ok(()) } else { Err(e) }
        }
    }
}
