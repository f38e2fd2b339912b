//! Discovery: which resources in the account belong to a stack, found by its tag.
//!
//! A shared account holds other teams' configuration sets, Firehose streams of every
//! destination type and thousands of roles. Listing every set or stream and reading
//! each one to look at its tags costs calls in proportion to what is *not* ours, and
//! fails on what sesinfra cannot read. Instead:
//!
//! - The Resource Groups Tagging API (`tag:GetResources`) answers, in one paginated
//!   call across services, exactly the resources carrying `sesinfra:stack = <stack>`,
//!   filtered to SES configuration sets, SES identities, Firehose delivery streams, SNS
//!   topics, CloudWatch alarms and Glue databases (resource types
//!   `ses:configuration-set`, `ses:identity`, `firehose:deliverystream`, `sns`,
//!   `cloudwatch:alarm`, `glue:database`: the service and resource type as written in
//!   the ARN, as the API reference defines them). Glue cannot tag tables: the stack's
//!   tables are read from its databases (`glue::get_tables`).
//! - IAM roles are global and not covered by that regional API; sesinfra puts the
//!   roles it generates under the IAM path `/sesinfra/<stack>/`, and `ListRoles` with
//!   that `PathPrefix` returns only them (`iam::read_roles`, which reads them too).
//!
//! Both cost a number of calls that grows with the stack's own resources only. The
//! Tagging API is eventually consistent and only a hint: the engine still reads each
//! candidate from its service and checks its tag there before acting on it.

use aws_sdk_resourcegroupstagging::types::TagFilter;

use super::{AwsError, Clients};
use crate::resources::{ACCOUNT_OWNER_TAG, STACK_TAG};

const SERVICE: &str = "tagging";

/// The Tagging API's resource types sesinfra asks for.
pub const CONFIGURATION_SET_TYPE: &str = "ses:configuration-set";
pub const IDENTITY_TYPE: &str = "ses:identity";
pub const DELIVERY_STREAM_TYPE: &str = "firehose:deliverystream";
/// SNS topic ARNs have no resource type (`arn:aws:sns:REGION:ACCOUNT:NAME`): the
/// service alone selects them.
pub const SNS_TOPIC_TYPE: &str = "sns";
pub const ALARM_TYPE: &str = "cloudwatch:alarm";
/// Glue tags databases (not tables: those are found in the stack's databases).
pub const GLUE_DATABASE_TYPE: &str = "glue:database";

/// The API's maximum page size.
const PAGE_SIZE: i32 = 100;

/// Names of the resources that carry a stack's tag, by kind; each list sorted. (Roles
/// are found by their IAM path: `iam::read_roles`.)
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovery {
    pub configuration_sets: Vec<String>,
    /// SES identities (domains and addresses) tagged with the stack.
    pub identities: Vec<String>,
    pub streams: Vec<String>,
    /// SNS topic names.
    pub sns_topics: Vec<String>,
    /// CloudWatch alarm names.
    pub alarms: Vec<String>,
    /// Glue databases tagged with the stack.
    pub glue_databases: Vec<String>,
}

/// Everything of `stack` in the clients' region that carries its tag.
pub async fn discover(clients: &Clients, stack: &str) -> Result<Discovery, AwsError> {
    const OP: &str = "GetResources";
    let filter = TagFilter::builder().key(STACK_TAG).values(stack).build();
    let mut found = Discovery::default();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .tagging
            .get_resources()
            .tag_filters(filter.clone())
            .resource_type_filters(CONFIGURATION_SET_TYPE)
            .resource_type_filters(IDENTITY_TYPE)
            .resource_type_filters(DELIVERY_STREAM_TYPE)
            .resource_type_filters(SNS_TOPIC_TYPE)
            .resource_type_filters(ALARM_TYPE)
            .resource_type_filters(GLUE_DATABASE_TYPE)
            .resources_per_page(PAGE_SIZE)
            .set_pagination_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
        for mapping in out.resource_tag_mapping_list.unwrap_or_default() {
            let Some(resource_arn) = mapping.resource_arn else {
                continue;
            };
            match classify(&resource_arn) {
                Some(Kind::ConfigurationSet(name)) => found.configuration_sets.push(name),
                Some(Kind::Identity(name)) => found.identities.push(name),
                Some(Kind::Stream(name)) => found.streams.push(name),
                Some(Kind::Topic(name)) => found.sns_topics.push(name),
                Some(Kind::Alarm(name)) => found.alarms.push(name),
                Some(Kind::GlueDatabase(name)) => found.glue_databases.push(name),
                None => {
                    return Err(AwsError::local(
                        SERVICE,
                        OP,
                        format!("AWS returned `{resource_arn}`, which is not of a type asked for"),
                    ));
                }
            }
        }
        // AWS ends with an empty token (`""`); a missing one ends too. A page may be
        // empty and still have a token: follow it.
        match out.pagination_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    for list in [
        &mut found.configuration_sets,
        &mut found.identities,
        &mut found.streams,
        &mut found.sns_topics,
        &mut found.alarms,
        &mut found.glue_databases,
    ] {
        list.sort();
        list.dedup();
    }
    Ok(found)
}

/// Configuration sets carrying the account-settings marker (`sesinfra:account-owner`),
/// as `(set name, owning stack)`, sorted: which stack manages the region's account
/// settings. One paginated call whatever the account holds besides.
pub async fn account_owners(clients: &Clients) -> Result<Vec<(String, String)>, AwsError> {
    const OP: &str = "GetResources";
    let filter = TagFilter::builder().key(ACCOUNT_OWNER_TAG).build();
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .tagging
            .get_resources()
            .tag_filters(filter.clone())
            .resource_type_filters(CONFIGURATION_SET_TYPE)
            .resources_per_page(PAGE_SIZE)
            .set_pagination_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
        for mapping in out.resource_tag_mapping_list.unwrap_or_default() {
            let Some(Kind::ConfigurationSet(name)) =
                mapping.resource_arn.as_deref().and_then(classify)
            else {
                continue;
            };
            let owner = mapping
                .tags
                .unwrap_or_default()
                .into_iter()
                .find(|t| t.key == ACCOUNT_OWNER_TAG)
                .map(|t| t.value);
            if let Some(owner) = owner {
                found.push((name, owner));
            }
        }
        match out.pagination_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => break,
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Which stack owns each configuration set and Firehose stream that carries a
/// `sesinfra:stack` tag, whatever the stack: `(sets, streams)`, name → stack. One
/// paginated call; a hint (the Tagging API is eventually consistent) used for wording,
/// never to act on a resource.
pub async fn stack_owners(
    clients: &Clients,
) -> Result<
    (
        std::collections::BTreeMap<String, String>,
        std::collections::BTreeMap<String, String>,
    ),
    AwsError,
> {
    const OP: &str = "GetResources";
    let filter = TagFilter::builder().key(STACK_TAG).build();
    let (mut sets, mut streams) = (
        std::collections::BTreeMap::new(),
        std::collections::BTreeMap::new(),
    );
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .tagging
            .get_resources()
            .tag_filters(filter.clone())
            .resource_type_filters(CONFIGURATION_SET_TYPE)
            .resource_type_filters(DELIVERY_STREAM_TYPE)
            .resources_per_page(PAGE_SIZE)
            .set_pagination_token(token.take())
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, OP, e))?;
        for mapping in out.resource_tag_mapping_list.unwrap_or_default() {
            let kind = mapping.resource_arn.as_deref().and_then(classify);
            let owner = mapping
                .tags
                .unwrap_or_default()
                .into_iter()
                .find(|t| t.key == STACK_TAG)
                .map(|t| t.value);
            match (kind, owner) {
                (Some(Kind::ConfigurationSet(name)), Some(owner)) => {
                    sets.insert(name, owner);
                }
                (Some(Kind::Stream(name)), Some(owner)) => {
                    streams.insert(name, owner);
                }
                _ => {}
            }
        }
        match out.pagination_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok((sets, streams)),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Kind {
    ConfigurationSet(String),
    Identity(String),
    Stream(String),
    Topic(String),
    Alarm(String),
    GlueDatabase(String),
}

/// The kind and name of an ARN `arn:PARTITION:SERVICE:REGION:ACCOUNT:TYPE/NAME`.
fn classify(resource_arn: &str) -> Option<Kind> {
    let mut parts = resource_arn.splitn(6, ':');
    let (_, _, service, _, _, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    // An alarm's ARN ends with `alarm:NAME`, and the name may hold any character.
    if let ("cloudwatch", Some(name)) = (service, resource.strip_prefix("alarm:")) {
        return (!name.is_empty()).then(|| Kind::Alarm(name.to_owned()));
    }
    if service == "sns" {
        // A topic's ARN ends with its name; a subscription's adds `:ID` after it.
        return (!resource.is_empty() && !resource.contains(':'))
            .then(|| Kind::Topic(resource.to_owned()));
    }
    let (kind, name) = resource.split_once('/')?;
    if name.is_empty() {
        return None;
    }
    let name = name.to_owned();
    match (service, kind) {
        ("ses", "configuration-set") => Some(Kind::ConfigurationSet(name)),
        ("ses", "identity") => Some(Kind::Identity(name)),
        ("firehose", "deliverystream") => Some(Kind::Stream(name)),
        ("glue", "database") => Some(Kind::GlueDatabase(name)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_classified_by_service_and_type() {
        assert_eq!(
            classify("arn:aws:ses:eu-west-1:1:configuration-set/Main"),
            Some(Kind::ConfigurationSet("Main".into()))
        );
        assert_eq!(
            classify("arn:aws-cn:ses:cn-north-1:1:identity/user@example.com"),
            Some(Kind::Identity("user@example.com".into()))
        );
        assert_eq!(
            classify("arn:aws:firehose:eu-west-1:1:deliverystream/s"),
            Some(Kind::Stream("s".into()))
        );
        assert_eq!(
            classify("arn:aws:glue:eu-west-1:1:database/ses_history"),
            Some(Kind::GlueDatabase("ses_history".into()))
        );
        assert_eq!(classify("arn:aws:ses:eu-west-1:1:contact-list/x"), None);
        assert_eq!(
            classify("arn:aws:firehose:eu-west-1:1:deliverystream/"),
            None
        );
        assert_eq!(classify("not an arn"), None);
        assert_eq!(
            classify("arn:aws:sns:eu-west-1:1:mail-alerts"),
            Some(Kind::Topic("mail-alerts".into()))
        );
        assert_eq!(
            classify("arn:aws:sns:eu-west-1:1:mail-alerts:1234-5678"),
            None
        );
        assert_eq!(
            classify("arn:aws:cloudwatch:eu-west-1:1:alarm:mail-ses-bounce-rate"),
            Some(Kind::Alarm("mail-ses-bounce-rate".into()))
        );
    }
}
