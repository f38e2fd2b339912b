//! SES v2: configuration sets, their event destinations, and the attributes sesinfra
//! manages on existing identities. This module translates between the SDK's shapes and
//! `crate::resources`, fills in AWS's defaults for whatever AWS leaves out of an answer
//! (so a resource read back right after it was written compares equal), and makes
//! updates with the fewest calls: one `Put*Options` call per option group that differs,
//! nothing at all when a resource is already as desired.
//!
//! Values AWS returns that sesinfra does not know (an event type, target kind or policy
//! added to SES after this was written) are errors (`AwsError::local`), never skipped:
//! skipping would hide them from the diff, and the next update, which replaces a whole
//! definition, would silently drop them.

use std::collections::BTreeSet;

use aws_sdk_sesv2::types as sdk;

use super::{AwsError, Clients};
use crate::resources::{
    AccountSettings, AccountVdm, ConfigurationSet, Dimension, DimensionSource, EventDestination,
    EventType, HttpsPolicy, IdentityAttributes, STACK_TAG, Signing, SuppressionReason, TagChanges,
    Tags, Target, TlsPolicy, Tracking, tag_changes,
};

const SERVICE: &str = "sesv2";

fn sdk_err<E, R>(
    operation: &'static str,
) -> impl FnOnce(aws_sdk_sesv2::error::SdkError<E, R>) -> AwsError
where
    E: aws_sdk_sesv2::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |e| AwsError::from_sdk(SERVICE, operation, e)
}

/// A request shape the SDK refused to build (a required member missing): a bug here,
/// reported rather than panicking.
fn build_err(operation: &'static str) -> impl FnOnce(aws_sdk_sesv2::error::BuildError) -> AwsError {
    move |e| AwsError::local(SERVICE, operation, format!("cannot build the request: {e}"))
}

fn unknown(operation: &'static str, what: &str, value: &str) -> AwsError {
    AwsError::local(
        SERVICE,
        operation,
        format!(
            "AWS returned {what} `{value}`, which this version of sesinfra does not know; \
             upgrade sesinfra or change the resource by hand"
        ),
    )
}

// --------------------------------------------------------------------------- configuration sets

/// Reads a configuration set with its options and tags; `None` when it does not exist.
pub async fn get_configuration_set(
    clients: &Clients,
    name: &str,
) -> Result<Option<ConfigurationSet>, AwsError> {
    const OP: &str = "GetConfigurationSet";
    let out = match clients
        .sesv2
        .get_configuration_set()
        .configuration_set_name(name)
        .send()
        .await
    {
        Ok(out) => out,
        Err(e) => {
            let err = AwsError::from_sdk(SERVICE, OP, e);
            return if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            };
        }
    };

    // AWS omits option groups that were never set; their defaults are filled in here.
    let mut set = ConfigurationSet::with_defaults(name);
    if let Some(sending) = out.sending_options {
        set.sending_enabled = sending.sending_enabled;
    }
    if let Some(reputation) = out.reputation_options {
        set.reputation_metrics_enabled = reputation.reputation_metrics_enabled;
    }
    if let Some(delivery) = out.delivery_options {
        if let Some(tls) = &delivery.tls_policy {
            set.tls_policy = tls_from_sdk(OP, tls)?;
        }
        set.sending_pool = delivery.sending_pool_name.filter(|p| !p.is_empty());
        // 0 is not a valid value (300-50400): treat it as "not set" should AWS report it.
        set.max_delivery_seconds = match delivery.max_delivery_seconds {
            None | Some(0) => None,
            Some(s) => Some(
                u32::try_from(s)
                    .map_err(|_| unknown(OP, "a maximum delivery time of", &s.to_string()))?,
            ),
        };
    }
    if let Some(tracking) = out.tracking_options
        && !tracking.custom_redirect_domain.is_empty()
    {
        set.tracking = Some(Tracking {
            https_policy: match &tracking.https_policy {
                Some(p) => https_from_sdk(OP, p)?,
                // Absent means OPTIONAL (SES API reference, TrackingOptions).
                None => HttpsPolicy::Optional,
            },
            custom_redirect_domain: tracking.custom_redirect_domain,
        });
    }
    // No `SuppressionOptions`, or no `SuppressedReasons` in it: the account-level list
    // applies. A present list, even empty, is the set's own override.
    if let Some(reasons) = out.suppression_options.and_then(|s| s.suppressed_reasons) {
        set.suppression = Some(
            reasons
                .iter()
                .map(|r| suppression_from_sdk(OP, r))
                .collect::<Result<_, _>>()?,
        );
    }
    // No `VdmOptions` (or a feature left out of it): the account's VDM setting applies.
    if let Some(vdm) = out.vdm_options {
        set.vdm_engagement_metrics = vdm
            .dashboard_options
            .and_then(|d| d.engagement_metrics)
            .map(|f| feature_from_sdk(OP, &f))
            .transpose()?;
        set.vdm_optimized_shared_delivery = vdm
            .guardian_options
            .and_then(|g| g.optimized_shared_delivery)
            .map(|f| feature_from_sdk(OP, &f))
            .transpose()?;
    }
    set.archive_arn = out
        .archiving_options
        .and_then(|a| a.archive_arn)
        .filter(|a| !a.is_empty());
    // No `MessageSecurityOptions`, or no scheme in it: AWS's default (no S/MIME).
    if let Some(scheme) = out.message_security_options.and_then(|m| m.signing_scheme) {
        set.signing = signing_from_sdk(OP, &scheme)?;
    }
    set.tags = tags_from_sdk(out.tags.unwrap_or_default());
    Ok(Some(set))
}

/// `VdmOptions` with the features the set overrides; `None` when it overrides none
/// (the set then follows the account).
fn vdm_options(set: &ConfigurationSet) -> Option<sdk::VdmOptions> {
    if set.vdm_engagement_metrics.is_none() && set.vdm_optimized_shared_delivery.is_none() {
        return None;
    }
    Some(
        sdk::VdmOptions::builder()
            .set_dashboard_options(set.vdm_engagement_metrics.map(|on| {
                sdk::DashboardOptions::builder()
                    .engagement_metrics(feature_to_sdk(on))
                    .build()
            }))
            .set_guardian_options(set.vdm_optimized_shared_delivery.map(|on| {
                sdk::GuardianOptions::builder()
                    .optimized_shared_delivery(feature_to_sdk(on))
                    .build()
            }))
            .build(),
    )
}

fn message_security_options(signing: Signing) -> sdk::MessageSecurityOptions {
    let scheme = match signing {
        Signing::Default => {
            sdk::SigningScheme::DefaultScheme(sdk::DefaultSigningScheme::builder().build())
        }
        Signing::Smime => sdk::SigningScheme::SmimeScheme(
            sdk::SmimeSigningScheme::builder()
                .signature_format(sdk::SignatureFormat::Detached)
                .build(),
        ),
    };
    sdk::MessageSecurityOptions::builder()
        .signing_scheme(scheme)
        .build()
}

/// Names of every configuration set in the region.
pub async fn list_configuration_sets(clients: &Clients) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .sesv2
            .list_configuration_sets()
            .set_next_token(token.take())
            .send()
            .await
            .map_err(sdk_err("ListConfigurationSets"))?;
        names.extend(out.configuration_sets.unwrap_or_default());
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(names),
        }
    }
}

/// Creates a set with all its options and tags in one call.
pub async fn create_configuration_set(
    clients: &Clients,
    set: &ConfigurationSet,
) -> Result<(), AwsError> {
    const OP: &str = "CreateConfigurationSet";
    let mut request = clients
        .sesv2
        .create_configuration_set()
        .configuration_set_name(&set.name)
        // A `false` inside an option object is left out on the wire by the SDK; the
        // model's default for both members is false, so AWS reads it as false.
        .sending_options(
            sdk::SendingOptions::builder()
                .sending_enabled(set.sending_enabled)
                .build(),
        )
        .reputation_options(
            sdk::ReputationOptions::builder()
                .reputation_metrics_enabled(set.reputation_metrics_enabled)
                .build(),
        )
        .delivery_options(
            sdk::DeliveryOptions::builder()
                .tls_policy(tls_to_sdk(set.tls_policy))
                .set_sending_pool_name(set.sending_pool.clone())
                .set_max_delivery_seconds(set.max_delivery_seconds.map(i64::from))
                .build(),
        )
        .set_tags(Some(tags_to_sdk(OP, &set.tags)?).filter(|t| !t.is_empty()));
    if let Some(tracking) = &set.tracking {
        request = request.tracking_options(
            sdk::TrackingOptions::builder()
                .custom_redirect_domain(&tracking.custom_redirect_domain)
                .https_policy(https_to_sdk(tracking.https_policy))
                .build()
                .map_err(build_err(OP))?,
        );
    }
    // Omitted: the account-level list applies. An empty list is sent as `[]`, which
    // overrides the account list with "suppress nothing".
    if let Some(reasons) = &set.suppression {
        request = request.suppression_options(
            sdk::SuppressionOptions::builder()
                .set_suppressed_reasons(Some(
                    reasons.iter().map(|r| suppression_to_sdk(*r)).collect(),
                ))
                .build(),
        );
    }
    // Omitted options mean AWS's defaults: the account's VDM settings, no archive, no
    // S/MIME signature.
    request = request.set_vdm_options(vdm_options(set));
    if let Some(archive) = &set.archive_arn {
        request = request.archiving_options(
            sdk::ArchivingOptions::builder()
                .archive_arn(archive)
                .build(),
        );
    }
    if set.signing != Signing::Default {
        request = request.message_security_options(message_security_options(set.signing));
    }
    request.send().await.map_err(sdk_err(OP))?;
    Ok(())
}

/// Brings a set from `current` to `desired`: one `Put*Options` call per option group
/// that differs, then tag changes; no call when they are equal. `arn` is the set's ARN
/// (tags are addressed by ARN).
pub async fn update_configuration_set(
    clients: &Clients,
    arn: &str,
    current: &ConfigurationSet,
    desired: &ConfigurationSet,
) -> Result<(), AwsError> {
    let name = &desired.name;
    if current.sending_enabled != desired.sending_enabled {
        clients
            .sesv2
            .put_configuration_set_sending_options()
            .configuration_set_name(name)
            .sending_enabled(desired.sending_enabled)
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetSendingOptions"))?;
    }
    if current.reputation_metrics_enabled != desired.reputation_metrics_enabled {
        clients
            .sesv2
            .put_configuration_set_reputation_options()
            .configuration_set_name(name)
            .reputation_metrics_enabled(desired.reputation_metrics_enabled)
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetReputationOptions"))?;
    }
    if (
        current.tls_policy,
        &current.sending_pool,
        current.max_delivery_seconds,
    ) != (
        desired.tls_policy,
        &desired.sending_pool,
        desired.max_delivery_seconds,
    ) {
        // The call replaces the whole delivery group: a pool or maximum delivery time
        // left out is removed (back to the shared pool and SES's own limit), as
        // Terraform's provider also relies on. Never send 0 for "none": AWS rejects
        // values below 300 (hashicorp/terraform-provider-aws#40591).
        clients
            .sesv2
            .put_configuration_set_delivery_options()
            .configuration_set_name(name)
            .tls_policy(tls_to_sdk(desired.tls_policy))
            .set_sending_pool_name(desired.sending_pool.clone())
            .set_max_delivery_seconds(desired.max_delivery_seconds.map(i64::from))
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetDeliveryOptions"))?;
    }
    if current.tracking != desired.tracking {
        // Without `CustomRedirectDomain` SES removes the custom domain and goes back to
        // its own tracking domain (the member is optional for exactly this; SES v2 has
        // no DeleteConfigurationSetTrackingOptions).
        let mut request = clients
            .sesv2
            .put_configuration_set_tracking_options()
            .configuration_set_name(name);
        if let Some(tracking) = &desired.tracking {
            request = request
                .custom_redirect_domain(&tracking.custom_redirect_domain)
                .https_policy(https_to_sdk(tracking.https_policy));
        }
        request
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetTrackingOptions"))?;
    }
    if current.suppression != desired.suppression {
        // `SuppressedReasons` omitted: the set stops overriding and the account-level
        // list applies again. `[]`: the set overrides it with "suppress nothing".
        // Terraform sent nothing for an empty list on update, so "suppress nothing"
        // silently became "account default" (hashicorp/terraform-provider-aws#45526).
        clients
            .sesv2
            .put_configuration_set_suppression_options()
            .configuration_set_name(name)
            .set_suppressed_reasons(
                desired
                    .suppression
                    .as_ref()
                    .map(|reasons| reasons.iter().map(|r| suppression_to_sdk(*r)).collect()),
            )
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetSuppressionOptions"))?;
    }
    if (
        current.vdm_engagement_metrics,
        current.vdm_optimized_shared_delivery,
    ) != (
        desired.vdm_engagement_metrics,
        desired.vdm_optimized_shared_delivery,
    ) {
        // The call replaces the set's whole VDM options; without them the set follows
        // the account's VDM settings again.
        clients
            .sesv2
            .put_configuration_set_vdm_options()
            .configuration_set_name(name)
            .set_vdm_options(vdm_options(desired))
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetVdmOptions"))?;
    }
    if current.archive_arn != desired.archive_arn {
        // Without `ArchiveArn` the set stops archiving.
        clients
            .sesv2
            .put_configuration_set_archiving_options()
            .configuration_set_name(name)
            .set_archive_arn(desired.archive_arn.clone())
            .send()
            .await
            .map_err(sdk_err("PutConfigurationSetArchivingOptions"))?;
    }
    if current.signing != desired.signing {
        // `UpdateConfigurationSet` is a partial update whose only option group is
        // `MessageSecurityOptions`; back to AWS's default is an explicit `DefaultScheme`.
        clients
            .sesv2
            .update_configuration_set()
            .configuration_set_name(name)
            .message_security_options(message_security_options(desired.signing))
            .send()
            .await
            .map_err(sdk_err("UpdateConfigurationSet"))?;
    }
    update_tags(clients, arn, &current.tags, &desired.tags).await
}

// --------------------------------------------------------------------------- account settings

/// The region's account-level suppression list and VDM settings (`GetAccount`), AWS's
/// defaults filled in for whatever it leaves out: no suppression reasons, VDM off.
pub async fn get_account_settings(clients: &Clients) -> Result<AccountSettings, AwsError> {
    const OP: &str = "GetAccount";
    let out = clients
        .sesv2
        .get_account()
        .send()
        .await
        .map_err(sdk_err(OP))?;
    let suppression = out
        .suppression_attributes
        .and_then(|s| s.suppressed_reasons)
        .unwrap_or_default()
        .iter()
        .map(|r| suppression_from_sdk(OP, r))
        .collect::<Result<_, _>>()?;
    let mut vdm = AccountVdm {
        enabled: false,
        engagement_metrics: false,
        optimized_shared_delivery: false,
    };
    if let Some(attributes) = out.vdm_attributes {
        vdm.enabled = feature_from_sdk(OP, &attributes.vdm_enabled)?;
        if let Some(f) = attributes
            .dashboard_attributes
            .and_then(|d| d.engagement_metrics)
        {
            vdm.engagement_metrics = feature_from_sdk(OP, &f)?;
        }
        if let Some(f) = attributes
            .guardian_attributes
            .and_then(|g| g.optimized_shared_delivery)
        {
            vdm.optimized_shared_delivery = feature_from_sdk(OP, &f)?;
        }
    }
    Ok(AccountSettings {
        suppression: Some(suppression),
        vdm: Some(vdm),
    })
}

/// Brings the account settings from `current` to `desired`: one call per group that
/// `desired` manages (`Some`) and that differs.
pub async fn update_account_settings(
    clients: &Clients,
    current: &AccountSettings,
    desired: &AccountSettings,
) -> Result<(), AwsError> {
    if let Some(reasons) = &desired.suppression
        && current.suppression.as_ref() != Some(reasons)
    {
        // The list is replaced whole; `[]` adds no address to the suppression list.
        clients
            .sesv2
            .put_account_suppression_attributes()
            .set_suppressed_reasons(Some(
                reasons.iter().map(|r| suppression_to_sdk(*r)).collect(),
            ))
            .send()
            .await
            .map_err(sdk_err("PutAccountSuppressionAttributes"))?;
    }
    if let Some(vdm) = &desired.vdm
        && current.vdm.as_ref() != Some(vdm)
    {
        const OP: &str = "PutAccountVdmAttributes";
        clients
            .sesv2
            .put_account_vdm_attributes()
            .vdm_attributes(
                sdk::VdmAttributes::builder()
                    .vdm_enabled(feature_to_sdk(vdm.enabled))
                    .dashboard_attributes(
                        sdk::DashboardAttributes::builder()
                            .engagement_metrics(feature_to_sdk(vdm.engagement_metrics))
                            .build(),
                    )
                    .guardian_attributes(
                        sdk::GuardianAttributes::builder()
                            .optimized_shared_delivery(feature_to_sdk(
                                vdm.optimized_shared_delivery,
                            ))
                            .build(),
                    )
                    .build()
                    .map_err(build_err(OP))?,
            )
            .send()
            .await
            .map_err(sdk_err(OP))?;
    }
    Ok(())
}

/// Tag changes by ARN: removals first, so a resource near SES's limit of 50 tags never
/// exceeds it midway.
async fn update_tags(
    clients: &Clients,
    arn: &str,
    current: &Tags,
    desired: &Tags,
) -> Result<(), AwsError> {
    let TagChanges { removed, changed } = tag_changes(current, desired);
    if !removed.is_empty() {
        clients
            .sesv2
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(removed))
            .send()
            .await
            .map_err(sdk_err("UntagResource"))?;
    }
    if !changed.is_empty() {
        clients
            .sesv2
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(tags_to_sdk("TagResource", &changed)?))
            .send()
            .await
            .map_err(sdk_err("TagResource"))?;
    }
    Ok(())
}

/// Deletes a set (SES deletes its event destinations with it). A missing set is a
/// `NotFound` error: the caller decides whether that matters.
pub async fn delete_configuration_set(clients: &Clients, name: &str) -> Result<(), AwsError> {
    clients
        .sesv2
        .delete_configuration_set()
        .configuration_set_name(name)
        .send()
        .await
        .map_err(sdk_err("DeleteConfigurationSet"))?;
    Ok(())
}

// --------------------------------------------------------------------------- event destinations

/// Every event destination of a set, in one call (SES returns them all at once).
pub async fn get_event_destinations(
    clients: &Clients,
    configuration_set: &str,
) -> Result<Vec<EventDestination>, AwsError> {
    const OP: &str = "GetConfigurationSetEventDestinations";
    let out = clients
        .sesv2
        .get_configuration_set_event_destinations()
        .configuration_set_name(configuration_set)
        .send()
        .await
        .map_err(sdk_err(OP))?;
    out.event_destinations
        .unwrap_or_default()
        .into_iter()
        .map(|d| destination_from_sdk(configuration_set, d))
        .collect()
}

pub async fn create_event_destination(
    clients: &Clients,
    destination: &EventDestination,
) -> Result<(), AwsError> {
    const OP: &str = "CreateConfigurationSetEventDestination";
    clients
        .sesv2
        .create_configuration_set_event_destination()
        .configuration_set_name(&destination.configuration_set)
        .event_destination_name(&destination.name)
        .event_destination(definition_to_sdk(OP, destination)?)
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(())
}

/// Replaces a destination's definition (SES updates it as a whole); no call when
/// `current` already equals `desired`.
pub async fn update_event_destination(
    clients: &Clients,
    current: &EventDestination,
    desired: &EventDestination,
) -> Result<(), AwsError> {
    const OP: &str = "UpdateConfigurationSetEventDestination";
    if current == desired {
        return Ok(());
    }
    clients
        .sesv2
        .update_configuration_set_event_destination()
        .configuration_set_name(&desired.configuration_set)
        .event_destination_name(&desired.name)
        .event_destination(definition_to_sdk(OP, desired)?)
        .send()
        .await
        .map_err(sdk_err(OP))?;
    Ok(())
}

pub async fn delete_event_destination(
    clients: &Clients,
    configuration_set: &str,
    name: &str,
) -> Result<(), AwsError> {
    clients
        .sesv2
        .delete_configuration_set_event_destination()
        .configuration_set_name(configuration_set)
        .event_destination_name(name)
        .send()
        .await
        .map_err(sdk_err("DeleteConfigurationSetEventDestination"))?;
    Ok(())
}

fn definition_to_sdk(
    op: &'static str,
    d: &EventDestination,
) -> Result<sdk::EventDestinationDefinition, AwsError> {
    let mut definition = sdk::EventDestinationDefinition::builder()
        .enabled(d.enabled)
        .set_matching_event_types(Some(d.events.iter().map(|e| event_to_sdk(*e)).collect()));
    definition = match &d.target {
        Target::Firehose {
            delivery_stream_arn,
            iam_role_arn,
        } => definition.kinesis_firehose_destination(
            sdk::KinesisFirehoseDestination::builder()
                .delivery_stream_arn(delivery_stream_arn)
                .iam_role_arn(iam_role_arn)
                .build()
                .map_err(build_err(op))?,
        ),
        Target::Sns { topic_arn } => definition.sns_destination(
            sdk::SnsDestination::builder()
                .topic_arn(topic_arn)
                .build()
                .map_err(build_err(op))?,
        ),
        Target::CloudWatch { dimensions } => {
            let mut cloud_watch = sdk::CloudWatchDestination::builder();
            for dimension in dimensions {
                cloud_watch = cloud_watch.dimension_configurations(
                    sdk::CloudWatchDimensionConfiguration::builder()
                        .dimension_name(&dimension.name)
                        .dimension_value_source(dimension_source_to_sdk(dimension.source))
                        .default_dimension_value(&dimension.default_value)
                        .build()
                        .map_err(build_err(op))?,
                );
            }
            definition.cloud_watch_destination(cloud_watch.build().map_err(build_err(op))?)
        }
        Target::EventBridge { event_bus_arn } => definition.event_bridge_destination(
            sdk::EventBridgeDestination::builder()
                .event_bus_arn(event_bus_arn)
                .build()
                .map_err(build_err(op))?,
        ),
    };
    Ok(definition.build())
}

fn destination_from_sdk(
    configuration_set: &str,
    d: sdk::EventDestination,
) -> Result<EventDestination, AwsError> {
    const OP: &str = "GetConfigurationSetEventDestinations";
    let events: BTreeSet<EventType> = d
        .matching_event_types
        .iter()
        .map(|e| event_from_sdk(OP, e))
        .collect::<Result<_, _>>()?;
    let target = if let Some(t) = d.kinesis_firehose_destination {
        Target::Firehose {
            delivery_stream_arn: t.delivery_stream_arn,
            iam_role_arn: t.iam_role_arn,
        }
    } else if let Some(t) = d.sns_destination {
        Target::Sns {
            topic_arn: t.topic_arn,
        }
    } else if let Some(t) = d.cloud_watch_destination {
        Target::CloudWatch {
            dimensions: t
                .dimension_configurations
                .into_iter()
                .map(|c| {
                    Ok(Dimension {
                        source: dimension_source_from_sdk(OP, &c.dimension_value_source)?,
                        name: c.dimension_name,
                        default_value: c.default_dimension_value,
                    })
                })
                .collect::<Result<_, AwsError>>()?,
        }
    } else if let Some(t) = d.event_bridge_destination {
        Target::EventBridge {
            event_bus_arn: t.event_bus_arn,
        }
    } else if d.pinpoint_destination.is_some() {
        return Err(unknown(
            OP,
            &format!("for event destination `{}` a target kind", d.name),
            "PinpointDestination",
        ));
    } else {
        return Err(AwsError::local(
            SERVICE,
            OP,
            format!(
                "event destination `{}` of configuration set `{configuration_set}` has no target \
                 sesinfra knows",
                d.name
            ),
        ));
    };
    Ok(EventDestination {
        configuration_set: configuration_set.to_owned(),
        name: d.name,
        enabled: d.enabled,
        events,
        target,
    })
}

// --------------------------------------------------------------------------- identities

/// The attributes sesinfra manages on an identity; `None` when the identity does not
/// exist (sesinfra never creates identities).
pub async fn get_identity_attributes(
    clients: &Clients,
    identity: &str,
) -> Result<Option<IdentityAttributes>, AwsError> {
    match clients
        .sesv2
        .get_email_identity()
        .email_identity(identity)
        .send()
        .await
    {
        Ok(out) => Ok(Some(IdentityAttributes {
            identity: identity.to_owned(),
            feedback_forwarding: out.feedback_forwarding_status,
            managed_by: out
                .tags
                .unwrap_or_default()
                .into_iter()
                .find(|t| t.key == STACK_TAG)
                .map(|t| t.value),
            default_configuration_set: out.configuration_set_name.filter(|n| !n.is_empty()),
        })),
        Err(e) => {
            let err = AwsError::from_sdk(SERVICE, "GetEmailIdentity", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Brings an identity's attributes from `current` to `desired`, calling only for the
/// attributes that differ. The stack tag is written first and removed last, so an
/// identity whose settings sesinfra changed is always found again by its tag.
pub async fn put_identity_attributes(
    clients: &Clients,
    identity_arn: &str,
    current: &IdentityAttributes,
    desired: &IdentityAttributes,
) -> Result<(), AwsError> {
    let stack_tag = |a: &IdentityAttributes| {
        a.managed_by
            .iter()
            .map(|s| (STACK_TAG.to_owned(), s.clone()))
            .collect::<Tags>()
    };
    let (have_tag, want_tag) = (stack_tag(current), stack_tag(desired));
    if desired.managed_by.is_some() && have_tag != want_tag {
        update_tags(clients, identity_arn, &have_tag, &want_tag).await?;
    }
    let feedback_changes = current.feedback_forwarding != desired.feedback_forwarding;
    let set_changes = current.default_configuration_set != desired.default_configuration_set;
    // Order so bounces and complaints are never left uncovered in between: turning
    // forwarding on goes first, turning it off goes after the new default set (whose
    // destinations are what replaces it) is in place.
    if feedback_changes && desired.feedback_forwarding {
        put_feedback(clients, desired).await?;
    }
    if set_changes {
        // Without a name SES removes the identity's default configuration set.
        clients
            .sesv2
            .put_email_identity_configuration_set_attributes()
            .email_identity(&desired.identity)
            .set_configuration_set_name(desired.default_configuration_set.clone())
            .send()
            .await
            .map_err(sdk_err("PutEmailIdentityConfigurationSetAttributes"))?;
    }
    if feedback_changes && !desired.feedback_forwarding {
        put_feedback(clients, desired).await?;
    }
    if desired.managed_by.is_none() && have_tag != want_tag {
        update_tags(clients, identity_arn, &have_tag, &want_tag).await?;
    }
    Ok(())
}

async fn put_feedback(clients: &Clients, desired: &IdentityAttributes) -> Result<(), AwsError> {
    clients
        .sesv2
        .put_email_identity_feedback_attributes()
        .email_identity(&desired.identity)
        .email_forwarding_enabled(desired.feedback_forwarding)
        .send()
        .await
        .map_err(sdk_err("PutEmailIdentityFeedbackAttributes"))?;
    Ok(())
}

// --------------------------------------------------------------------------- conversions

fn tags_from_sdk(tags: Vec<sdk::Tag>) -> Tags {
    tags.into_iter().map(|t| (t.key, t.value)).collect()
}

fn tags_to_sdk(op: &'static str, tags: &Tags) -> Result<Vec<sdk::Tag>, AwsError> {
    tags.iter()
        .map(|(k, v)| {
            sdk::Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(build_err(op))
        })
        .collect()
}

fn event_to_sdk(e: EventType) -> sdk::EventType {
    match e {
        EventType::Send => sdk::EventType::Send,
        EventType::Reject => sdk::EventType::Reject,
        EventType::Bounce => sdk::EventType::Bounce,
        EventType::Complaint => sdk::EventType::Complaint,
        EventType::Delivery => sdk::EventType::Delivery,
        EventType::Open => sdk::EventType::Open,
        EventType::Click => sdk::EventType::Click,
        EventType::RenderingFailure => sdk::EventType::RenderingFailure,
        EventType::DeliveryDelay => sdk::EventType::DeliveryDelay,
        EventType::Subscription => sdk::EventType::Subscription,
    }
}

fn event_from_sdk(op: &'static str, e: &sdk::EventType) -> Result<EventType, AwsError> {
    Ok(match e {
        sdk::EventType::Send => EventType::Send,
        sdk::EventType::Reject => EventType::Reject,
        sdk::EventType::Bounce => EventType::Bounce,
        sdk::EventType::Complaint => EventType::Complaint,
        sdk::EventType::Delivery => EventType::Delivery,
        sdk::EventType::Open => EventType::Open,
        sdk::EventType::Click => EventType::Click,
        sdk::EventType::RenderingFailure => EventType::RenderingFailure,
        sdk::EventType::DeliveryDelay => EventType::DeliveryDelay,
        sdk::EventType::Subscription => EventType::Subscription,
        other => return Err(unknown(op, "the event type", other.as_str())),
    })
}

fn tls_to_sdk(t: TlsPolicy) -> sdk::TlsPolicy {
    match t {
        TlsPolicy::Require => sdk::TlsPolicy::Require,
        TlsPolicy::Optional => sdk::TlsPolicy::Optional,
    }
}

fn tls_from_sdk(op: &'static str, t: &sdk::TlsPolicy) -> Result<TlsPolicy, AwsError> {
    match t {
        sdk::TlsPolicy::Require => Ok(TlsPolicy::Require),
        sdk::TlsPolicy::Optional => Ok(TlsPolicy::Optional),
        other => Err(unknown(op, "the TLS policy", other.as_str())),
    }
}

fn https_to_sdk(p: HttpsPolicy) -> sdk::HttpsPolicy {
    match p {
        HttpsPolicy::Require => sdk::HttpsPolicy::Require,
        HttpsPolicy::RequireOpenOnly => sdk::HttpsPolicy::RequireOpenOnly,
        HttpsPolicy::Optional => sdk::HttpsPolicy::Optional,
    }
}

fn https_from_sdk(op: &'static str, p: &sdk::HttpsPolicy) -> Result<HttpsPolicy, AwsError> {
    match p {
        sdk::HttpsPolicy::Require => Ok(HttpsPolicy::Require),
        sdk::HttpsPolicy::RequireOpenOnly => Ok(HttpsPolicy::RequireOpenOnly),
        sdk::HttpsPolicy::Optional => Ok(HttpsPolicy::Optional),
        other => Err(unknown(op, "the HTTPS policy", other.as_str())),
    }
}

fn suppression_to_sdk(r: SuppressionReason) -> sdk::SuppressionListReason {
    match r {
        SuppressionReason::Bounce => sdk::SuppressionListReason::Bounce,
        SuppressionReason::Complaint => sdk::SuppressionListReason::Complaint,
    }
}

fn suppression_from_sdk(
    op: &'static str,
    r: &sdk::SuppressionListReason,
) -> Result<SuppressionReason, AwsError> {
    match r {
        sdk::SuppressionListReason::Bounce => Ok(SuppressionReason::Bounce),
        sdk::SuppressionListReason::Complaint => Ok(SuppressionReason::Complaint),
        other => Err(unknown(op, "the suppression reason", other.as_str())),
    }
}

fn feature_to_sdk(on: bool) -> sdk::FeatureStatus {
    if on {
        sdk::FeatureStatus::Enabled
    } else {
        sdk::FeatureStatus::Disabled
    }
}

fn feature_from_sdk(op: &'static str, f: &sdk::FeatureStatus) -> Result<bool, AwsError> {
    match f {
        sdk::FeatureStatus::Enabled => Ok(true),
        sdk::FeatureStatus::Disabled => Ok(false),
        other => Err(unknown(op, "the feature status", other.as_str())),
    }
}

fn signing_from_sdk(op: &'static str, s: &sdk::SigningScheme) -> Result<Signing, AwsError> {
    match s {
        sdk::SigningScheme::DefaultScheme(_) => Ok(Signing::Default),
        sdk::SigningScheme::SmimeScheme(smime) => match &smime.signature_format {
            None | Some(sdk::SignatureFormat::Detached) => Ok(Signing::Smime),
            Some(other) => Err(unknown(op, "the S/MIME signature format", other.as_str())),
        },
        _ => Err(unknown(op, "a message signing scheme", "(not in this SDK)")),
    }
}

fn dimension_source_to_sdk(s: DimensionSource) -> sdk::DimensionValueSource {
    match s {
        DimensionSource::MessageTag => sdk::DimensionValueSource::MessageTag,
        DimensionSource::EmailHeader => sdk::DimensionValueSource::EmailHeader,
        DimensionSource::LinkTag => sdk::DimensionValueSource::LinkTag,
    }
}

fn dimension_source_from_sdk(
    op: &'static str,
    s: &sdk::DimensionValueSource,
) -> Result<DimensionSource, AwsError> {
    match s {
        sdk::DimensionValueSource::MessageTag => Ok(DimensionSource::MessageTag),
        sdk::DimensionValueSource::EmailHeader => Ok(DimensionSource::EmailHeader),
        sdk::DimensionValueSource::LinkTag => Ok(DimensionSource::LinkTag),
        other => Err(unknown(
            op,
            "the CloudWatch dimension source",
            other.as_str(),
        )),
    }
}

// --------------------------------------------------------------------------- account-wide reads

/// SES's largest page for `ListEmailIdentities`.
const IDENTITIES_PAGE: i32 = 1000;

/// Names of every email identity (domains and addresses) in the region, 1,000 per call.
pub async fn list_email_identities(clients: &Clients) -> Result<Vec<String>, AwsError> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .sesv2
            .list_email_identities()
            .page_size(IDENTITIES_PAGE)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(sdk_err("ListEmailIdentities"))?;
        names.extend(
            out.email_identities
                .unwrap_or_default()
                .into_iter()
                .filter_map(|i| i.identity_name),
        );
        match out.next_token.filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next),
            None => return Ok(names),
        }
    }
}

// --------------------------------------------------------------------------- sending (verify)

/// Whether an identity may send (`VerifiedForSendingStatus`); `None` when it does not
/// exist.
pub async fn identity_verified_for_sending(
    clients: &Clients,
    identity: &str,
) -> Result<Option<bool>, AwsError> {
    match clients
        .sesv2
        .get_email_identity()
        .email_identity(identity)
        .send()
        .await
    {
        Ok(out) => Ok(Some(out.verified_for_sending_status)),
        Err(e) => {
            let err = AwsError::from_sdk(SERVICE, "GetEmailIdentity", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// One simple text message sent through a configuration set (`SendEmail`), with
/// message tags; SES's message id.
pub struct TestMessage<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub configuration_set: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub tags: &'a [(&'a str, &'a str)],
}

pub async fn send_email(clients: &Clients, message: &TestMessage<'_>) -> Result<String, AwsError> {
    const OP: &str = "SendEmail";
    let text = |data: &str| {
        sdk::Content::builder()
            .data(data)
            .charset("UTF-8")
            .build()
            .map_err(build_err(OP))
    };
    let simple = sdk::Message::builder()
        .subject(text(message.subject)?)
        .body(sdk::Body::builder().text(text(message.body)?).build())
        .build();
    let tags = message
        .tags
        .iter()
        .map(|(name, value)| {
            sdk::MessageTag::builder()
                .name(*name)
                .value(*value)
                .build()
                .map_err(build_err(OP))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let out = clients
        .sesv2
        .send_email()
        .from_email_address(message.from)
        .destination(sdk::Destination::builder().to_addresses(message.to).build())
        .content(sdk::EmailContent::builder().simple(simple).build())
        .configuration_set_name(message.configuration_set)
        .set_email_tags(Some(tags))
        .send()
        .await
        .map_err(sdk_err(OP))?;
    out.message_id
        .filter(|id| !id.is_empty())
        .ok_or_else(|| AwsError::local(SERVICE, OP, "SES answered without a MessageId".to_owned()))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn every_event_type_round_trips() {
        for e in EventType::ALL {
            let sdk = event_to_sdk(e);
            assert_eq!(sdk.as_str(), e.as_str());
            assert_eq!(event_from_sdk("Test", &sdk).unwrap(), e);
        }
    }

    #[test]
    fn unknown_values_are_errors_not_panics() {
        let err = event_from_sdk("Test", &sdk::EventType::from("NEW_KIND")).unwrap_err();
        assert!(err.to_string().contains("NEW_KIND"), "{err}");
        assert!(tls_from_sdk("Test", &sdk::TlsPolicy::from("STRICT")).is_err());
        assert!(https_from_sdk("Test", &sdk::HttpsPolicy::from("X")).is_err());
        assert!(suppression_from_sdk("Test", &sdk::SuppressionListReason::from("X")).is_err());
        assert!(dimension_source_from_sdk("Test", &sdk::DimensionValueSource::from("X")).is_err());
        assert!(feature_from_sdk("Test", &sdk::FeatureStatus::from("PAUSED")).is_err());
        let smime = sdk::SmimeSigningScheme::builder()
            .signature_format(sdk::SignatureFormat::from("ATTACHED"))
            .build();
        assert!(signing_from_sdk("Test", &sdk::SigningScheme::SmimeScheme(smime)).is_err());
    }

    #[test]
    fn tags_convert_both_ways() {
        let tags: Tags = BTreeMap::from([("a".into(), "1".into()), ("b".into(), String::new())]);
        assert_eq!(tags_from_sdk(tags_to_sdk("Test", &tags).unwrap()), tags);
    }
}
