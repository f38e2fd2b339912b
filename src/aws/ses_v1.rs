//! SES v1, for the one thing only it has: an identity's SNS notification topics
//! (`SetIdentityNotificationTopic`, `SetIdentityHeadersInNotificationsEnabled`), the
//! third way SES delivers bounces and complaints besides email forwarding and event
//! destinations. SES v2 owns everything else, and both APIs see the same identities.

use std::collections::BTreeMap;

use aws_sdk_ses::types::NotificationType as SdkType;

use super::{AwsError, Clients};
use crate::resources::{IdentityNotifications, NotificationTopics, NotificationType};

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
    Ok(notification_settings(clients, identities)
        .await?
        .into_iter()
        .map(|(identity, n)| (identity, n.topics))
        .filter(|(_, topics)| *topics != NotificationTopics::default())
        .collect())
}

/// The notification settings (topics and headers) of each identity AWS answers for, in
/// one call per 100 identities. Identities AWS does not know are left out.
pub async fn notification_settings(
    clients: &Clients,
    identities: &[String],
) -> Result<BTreeMap<String, IdentityNotifications>, AwsError> {
    let mut settings = BTreeMap::new();
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
            let found = IdentityNotifications {
                identity: identity.clone(),
                in_spec: true,
                topics: NotificationTopics {
                    bounce: topic(attributes.bounce_topic),
                    complaint: topic(attributes.complaint_topic),
                    delivery: topic(attributes.delivery_topic),
                },
                headers_in_bounce: attributes.headers_in_bounce_notifications_enabled,
                headers_in_complaint: attributes.headers_in_complaint_notifications_enabled,
                headers_in_delivery: attributes.headers_in_delivery_notifications_enabled,
            };
            settings.insert(identity, found);
        }
    }
    Ok(settings)
}

fn sdk_type(kind: NotificationType) -> SdkType {
    match kind {
        NotificationType::Bounce => SdkType::Bounce,
        NotificationType::Complaint => SdkType::Complaint,
        NotificationType::Delivery => SdkType::Delivery,
    }
}

/// Makes the identity's notification settings `want`, calling only for what differs:
/// one `SetIdentityNotificationTopic` per changed topic (none clears it), then one
/// `SetIdentityHeadersInNotificationsEnabled` per changed header setting. SES accepts
/// headers only for a type with a topic, so topics are set first (and headers turned
/// off before a topic is cleared).
pub async fn put_notifications(
    clients: &Clients,
    have: &IdentityNotifications,
    want: &IdentityNotifications,
) -> Result<(), AwsError> {
    let identity = &want.identity;
    for kind in NotificationType::ALL {
        if have.headers(kind) && !want.headers(kind) && want.topic(kind).is_none() {
            set_headers(clients, identity, kind, false).await?;
        }
    }
    for kind in NotificationType::ALL {
        if have.topic(kind) != want.topic(kind) {
            clients
                .ses_v1
                .set_identity_notification_topic()
                .identity(identity)
                .notification_type(sdk_type(kind))
                .set_sns_topic(want.topic(kind).cloned())
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(SERVICE, "SetIdentityNotificationTopic", e))?;
        }
    }
    for kind in NotificationType::ALL {
        let cleared_before = have.headers(kind) && want.topic(kind).is_none();
        if have.headers(kind) != want.headers(kind) && !cleared_before {
            set_headers(clients, identity, kind, want.headers(kind)).await?;
        }
    }
    Ok(())
}

async fn set_headers(
    clients: &Clients,
    identity: &str,
    kind: NotificationType,
    enabled: bool,
) -> Result<(), AwsError> {
    clients
        .ses_v1
        .set_identity_headers_in_notifications_enabled()
        .identity(identity)
        .notification_type(sdk_type(kind))
        .enabled(enabled)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SERVICE, "SetIdentityHeadersInNotificationsEnabled", e))?;
    Ok(())
}
