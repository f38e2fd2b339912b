//! SES v1, for the one thing only it has: an identity's SNS notification topics
//! (`SetIdentityNotificationTopic`), the third way SES delivers bounces and complaints
//! besides email forwarding and event destinations. Read only; SES v2 owns everything
//! else, and both APIs see the same identities.

use std::collections::BTreeMap;

use super::{AwsError, Clients};
use crate::resources::NotificationTopics;

const SERVICE: &str = "ses";

/// Identities per `GetIdentityNotificationAttributes` call: AWS's maximum.
pub const NOTIFICATION_BATCH: usize = 100;

/// The SNS topics of each identity that has one, in one call per 100 identities.
/// Identities AWS does not answer for (deleted meanwhile, or unknown) are left out, as
/// are those without any topic.
pub async fn notification_topics(
    clients: &Clients,
    identities: &[String],
) -> Result<BTreeMap<String, NotificationTopics>, AwsError> {
    let mut topics = BTreeMap::new();
    for batch in identities.chunks(NOTIFICATION_BATCH) {
        let out = clients
            .ses_v1
            .get_identity_notification_attributes()
            .set_identities(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SERVICE, "GetIdentityNotificationAttributes", e))?;
        for (identity, attributes) in out.notification_attributes {
            // The SDK reads a topic AWS leaves out as an empty string: unset.
            let topic = |arn: String| Some(arn).filter(|a| !a.is_empty());
            let found = NotificationTopics {
                bounce: topic(attributes.bounce_topic),
                complaint: topic(attributes.complaint_topic),
                delivery: topic(attributes.delivery_topic),
            };
            if found != NotificationTopics::default() {
                topics.insert(identity, found);
            }
        }
    }
    Ok(topics)
}
