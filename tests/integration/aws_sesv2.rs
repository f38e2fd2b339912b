//! SES v2 adapter against the emulator: every resource round-trips through create, read,
//! update of each mutable field, and delete; AWS's defaults and error kinds are checked.

use std::collections::BTreeSet;

use sesinfra::aws::sesv2;
use sesinfra::aws::{Clients, ErrorKind};
use sesinfra::resources::{
    ConfigurationSet, Dimension, DimensionSource, EventDestination, EventType, HttpsPolicy,
    IdentityAttributes, Signing, SuppressionReason, Tags, Target, TlsPolicy, Tracking, arn,
};

use crate::support::{Emulator, Service};

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

async fn set_arn(clients: &Clients, name: &str) -> String {
    let account = sesinfra::aws::sts::account_id(clients).await.unwrap();
    arn::configuration_set("aws", &clients.region, &account, name)
}

/// A Mail Manager archive ARN of the shape SES v2's model accepts.
fn archive(id: &str) -> String {
    format!("arn:aws:ses:{REGION}:{ACCOUNT}:mailmanager-archive/a-{id}")
}

async fn create_pool(clients: &Clients, name: &str) {
    clients
        .sesv2
        .create_dedicated_ip_pool()
        .pool_name(name)
        .send()
        .await
        .unwrap();
}

/// Queues an error for the next call of each operation (emulator fault injection):
/// an update that must make no call then fails if it makes one. BadRequestException is
/// not retried by the SDK, so a single queued fault is enough.
fn forbid_calls(emulator: &Emulator, operations: &[&str]) {
    for operation in operations {
        emulator
            .faults()
            .call(Service::SesV2, operation)
            .error("BadRequestException")
            .queue();
    }
}

// --------------------------------------------------------------------------- configuration sets

#[tokio::test]
async fn configuration_set_defaults_are_filled_in() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    // Created outside sesinfra with nothing but a name: every option is AWS's default.
    clients
        .sesv2
        .create_configuration_set()
        .configuration_set_name("bare")
        .send()
        .await
        .unwrap();
    let got = sesv2::get_configuration_set(&clients, "bare")
        .await
        .unwrap();
    assert_eq!(got, Some(ConfigurationSet::with_defaults("bare")));
    assert_eq!(
        sesv2::get_configuration_set(&clients, "nope")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn configuration_set_lifecycle() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    create_pool(&clients, "pool-a").await;
    create_pool(&clients, "pool-b").await;
    let name = "lifecycle";
    let arn = set_arn(&clients, name).await;

    // Create with AWS's defaults (and tags).
    let mut desired = ConfigurationSet::with_defaults(name);
    desired.tags = tags(&[("sesinfra:stack", "test"), ("team", "mail"), ("old", "x")]);
    sesv2::create_configuration_set(&clients, &desired)
        .await
        .unwrap();
    let mut current = sesv2::get_configuration_set(&clients, name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current, desired);

    // Nothing differs: no call at all.
    forbid_calls(
        &emulator,
        &[
            "PutConfigurationSetSendingOptions",
            "PutConfigurationSetReputationOptions",
            "PutConfigurationSetDeliveryOptions",
            "PutConfigurationSetTrackingOptions",
            "PutConfigurationSetSuppressionOptions",
            "TagResource",
            "UntagResource",
        ],
    );
    sesv2::update_configuration_set(&clients, &arn, &current, &desired)
        .await
        .unwrap();
    emulator.faults().clear();
    // The check above has teeth: a call it forbids does fail.
    forbid_calls(&emulator, &["TagResource"]);
    let mut retagged = desired.clone();
    retagged.tags.insert("extra".into(), "1".into());
    let err = sesv2::update_configuration_set(&clients, &arn, &current, &retagged)
        .await
        .unwrap_err();
    assert_eq!(err.operation, "TagResource", "{err}");
    emulator.faults().clear();

    // Every field changes.
    let steps = [
        ConfigurationSet {
            name: name.into(),
            sending_enabled: false,
            reputation_metrics_enabled: true,
            tls_policy: TlsPolicy::Require,
            sending_pool: Some("pool-a".into()),
            max_delivery_seconds: Some(600),
            tracking: Some(Tracking {
                custom_redirect_domain: "click.example.com".into(),
                https_policy: HttpsPolicy::Require,
            }),
            suppression: Some(BTreeSet::from([SuppressionReason::Bounce])),
            vdm_engagement_metrics: Some(true),
            vdm_optimized_shared_delivery: Some(false),
            archive_arn: Some(archive("0123456789abcdefghijklmn")),
            signing: Signing::Smime,
            tags: tags(&[("sesinfra:stack", "test"), ("team", "email"), ("new", "y")]),
        },
        ConfigurationSet {
            name: name.into(),
            sending_enabled: false,
            reputation_metrics_enabled: true,
            tls_policy: TlsPolicy::Require,
            sending_pool: Some("pool-b".into()),
            max_delivery_seconds: Some(50400),
            tracking: Some(Tracking {
                custom_redirect_domain: "track.example.com".into(),
                https_policy: HttpsPolicy::RequireOpenOnly,
            }),
            suppression: Some(BTreeSet::from([
                SuppressionReason::Bounce,
                SuppressionReason::Complaint,
            ])),
            vdm_engagement_metrics: None,
            vdm_optimized_shared_delivery: Some(true),
            archive_arn: Some(archive("zyxwvutsrqponmlkjihgfedcba9876")),
            signing: Signing::Smime,
            tags: tags(&[("sesinfra:stack", "test")]),
        },
        // Override the account list with "suppress nothing" (differs from `None`).
        ConfigurationSet {
            suppression: Some(BTreeSet::new()),
            tracking: Some(Tracking {
                custom_redirect_domain: "track.example.com".into(),
                https_policy: HttpsPolicy::Optional,
            }),
            ..ConfigurationSet::with_defaults(name)
        },
        // Back to every AWS default: tracking domain, pool, maximum delivery time and
        // suppression override removed.
        ConfigurationSet::with_defaults(name),
    ];
    for step in steps {
        sesv2::update_configuration_set(&clients, &arn, &current, &step)
            .await
            .unwrap();
        current = sesv2::get_configuration_set(&clients, name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current, step);
    }

    assert!(
        sesv2::list_configuration_sets(&clients)
            .await
            .unwrap()
            .contains(&name.to_owned())
    );
    sesv2::delete_configuration_set(&clients, name)
        .await
        .unwrap();
    assert_eq!(
        sesv2::get_configuration_set(&clients, name).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn configuration_set_created_with_every_option() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    create_pool(&clients, "pool-a").await;
    for (name, suppression) in [
        ("full", Some(BTreeSet::from([SuppressionReason::Complaint]))),
        ("suppress-nothing", Some(BTreeSet::new())),
    ] {
        let set = ConfigurationSet {
            name: name.into(),
            sending_enabled: false,
            reputation_metrics_enabled: true,
            tls_policy: TlsPolicy::Require,
            sending_pool: Some("pool-a".into()),
            max_delivery_seconds: Some(300),
            tracking: Some(Tracking {
                custom_redirect_domain: "click.example.com".into(),
                https_policy: HttpsPolicy::RequireOpenOnly,
            }),
            suppression,
            vdm_engagement_metrics: Some(false),
            vdm_optimized_shared_delivery: Some(true),
            archive_arn: Some(archive("0123456789abcdefghijklmn")),
            signing: Signing::Smime,
            tags: tags(&[("sesinfra:stack", "test")]),
        };
        sesv2::create_configuration_set(&clients, &set)
            .await
            .unwrap();
        assert_eq!(
            sesv2::get_configuration_set(&clients, name).await.unwrap(),
            Some(set)
        );
    }
}

#[tokio::test]
async fn list_configuration_sets_follows_pages() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    // The emulator pages by 100 when no page size is given.
    let expected: BTreeSet<String> = (0..105).map(|i| format!("set-{i:03}")).collect();
    for name in &expected {
        sesv2::create_configuration_set(&clients, &ConfigurationSet::with_defaults(name))
            .await
            .unwrap();
    }
    let listed = sesv2::list_configuration_sets(&clients).await.unwrap();
    assert_eq!(listed.len(), expected.len());
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), expected);
}

#[tokio::test]
async fn duplicate_configuration_set_is_already_exists() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let set = ConfigurationSet::with_defaults("twice");
    sesv2::create_configuration_set(&clients, &set)
        .await
        .unwrap();
    let err = sesv2::create_configuration_set(&clients, &set)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::AlreadyExists, "{err}");
}

#[tokio::test]
async fn deleting_a_missing_configuration_set_is_not_found() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let err = sesv2::delete_configuration_set(&clients, "missing")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

// --------------------------------------------------------------------------- event destinations

fn destination(
    name: &str,
    enabled: bool,
    events: &[EventType],
    target: Target,
) -> EventDestination {
    EventDestination {
        configuration_set: "events".into(),
        name: name.into(),
        enabled,
        events: events.iter().copied().collect(),
        target,
    }
}

/// Create → read → each update → read → delete → gone, for one destination.
async fn destination_lifecycle(steps: Vec<EventDestination>) {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    sesv2::create_configuration_set(&clients, &ConfigurationSet::with_defaults("events"))
        .await
        .unwrap();
    let (first, updates) = steps.split_first().unwrap();
    sesv2::create_event_destination(&clients, first)
        .await
        .unwrap();
    let mut current = first.clone();
    assert_eq!(
        sesv2::get_event_destinations(&clients, "events")
            .await
            .unwrap(),
        vec![current.clone()]
    );

    forbid_calls(&emulator, &["UpdateConfigurationSetEventDestination"]);
    sesv2::update_event_destination(&clients, &current, &current.clone())
        .await
        .unwrap();
    emulator.faults().clear();

    for step in updates {
        sesv2::update_event_destination(&clients, &current, step)
            .await
            .unwrap();
        let read = sesv2::get_event_destinations(&clients, "events")
            .await
            .unwrap();
        assert_eq!(read, vec![step.clone()]);
        current = step.clone();
    }
    sesv2::delete_event_destination(&clients, "events", &current.name)
        .await
        .unwrap();
    assert!(
        sesv2::get_event_destinations(&clients, "events")
            .await
            .unwrap()
            .is_empty()
    );
    let err = sesv2::delete_event_destination(&clients, "events", &current.name)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

fn firehose_target(stream: &str, role: &str) -> Target {
    Target::Firehose {
        delivery_stream_arn: arn::delivery_stream("aws", REGION, ACCOUNT, stream),
        iam_role_arn: arn::role("aws", ACCOUNT, "/", role),
    }
}

#[tokio::test]
async fn event_destination_firehose_lifecycle() {
    use EventType::*;
    destination_lifecycle(vec![
        destination(
            "history",
            true,
            &[Send, Bounce],
            firehose_target("s1", "r1"),
        ),
        destination("history", false, &[Delivery], firehose_target("s2", "r1")),
        destination(
            "history",
            true,
            &[Delivery, Open],
            firehose_target("s2", "r2"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn event_destination_sns_lifecycle() {
    use EventType::*;
    let topic = |name: &str| Target::Sns {
        topic_arn: format!("arn:aws:sns:{REGION}:{ACCOUNT}:{name}"),
    };
    destination_lifecycle(vec![
        destination("alerts", true, &[Bounce, Complaint], topic("bounces")),
        destination(
            "alerts",
            false,
            &[Reject, RenderingFailure],
            topic("problems"),
        ),
    ])
    .await;
}

#[tokio::test]
async fn event_destination_cloudwatch_lifecycle() {
    use EventType::*;
    let dimension = |name: &str, source, default: &str| Dimension {
        name: name.into(),
        source,
        default_value: default.into(),
    };
    destination_lifecycle(vec![
        destination(
            "metrics",
            true,
            &[Send, Delivery],
            Target::CloudWatch {
                dimensions: vec![dimension(
                    "ses:configuration-set",
                    DimensionSource::MessageTag,
                    "none",
                )],
            },
        ),
        destination(
            "metrics",
            false,
            &[Click],
            Target::CloudWatch {
                dimensions: vec![
                    dimension("campaign", DimensionSource::EmailHeader, "unknown"),
                    dimension("link", DimensionSource::LinkTag, "other"),
                ],
            },
        ),
    ])
    .await;
}

#[tokio::test]
async fn event_destination_eventbridge_lifecycle() {
    use EventType::*;
    let bus = |name: &str| Target::EventBridge {
        event_bus_arn: format!("arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{name}"),
    };
    destination_lifecycle(vec![
        destination("bus", true, &[DeliveryDelay], bus("default")),
        destination("bus", false, &[Subscription, Open], bus("other")),
    ])
    .await;
}

#[tokio::test]
async fn all_ten_event_types_read_back_as_a_set() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    sesv2::create_configuration_set(&clients, &ConfigurationSet::with_defaults("events"))
        .await
        .unwrap();
    let all = destination("all", true, &EventType::ALL, firehose_target("s", "r"));
    sesv2::create_event_destination(&clients, &all)
        .await
        .unwrap();

    // A second one written directly, in reverse order with a duplicate, as another
    // tool might: it must read back as the same set.
    let reversed: Vec<_> = EventType::ALL
        .iter()
        .rev()
        .chain([EventType::Send].iter())
        .map(|e| aws_sdk_sesv2::types::EventType::from(e.as_str()))
        .collect();
    clients
        .sesv2
        .create_configuration_set_event_destination()
        .configuration_set_name("events")
        .event_destination_name("reversed")
        .event_destination(
            aws_sdk_sesv2::types::EventDestinationDefinition::builder()
                .enabled(true)
                .set_matching_event_types(Some(reversed))
                .sns_destination(
                    aws_sdk_sesv2::types::SnsDestination::builder()
                        .topic_arn(format!("arn:aws:sns:{REGION}:{ACCOUNT}:t"))
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    let read = sesv2::get_event_destinations(&clients, "events")
        .await
        .unwrap();
    assert_eq!(read.len(), 2);
    let every: BTreeSet<EventType> = EventType::ALL.into_iter().collect();
    for d in &read {
        assert_eq!(d.events, every, "{}", d.name);
    }
    assert_eq!(read[0], all);
}

#[tokio::test]
async fn invalid_sns_topic_arn_is_invalid_input() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    sesv2::create_configuration_set(&clients, &ConfigurationSet::with_defaults("events"))
        .await
        .unwrap();
    let bad = destination(
        "bad",
        true,
        &[EventType::Bounce],
        Target::Sns {
            topic_arn: "arn:aws:sqs:eu-west-1:123456789012:not-a-topic".into(),
        },
    );
    let err = sesv2::create_event_destination(&clients, &bad)
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::InvalidInput, "{err}");
}

#[tokio::test]
async fn event_destinations_of_a_missing_set_are_not_found() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let err = sesv2::get_event_destinations(&clients, "missing")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound, "{err}");
}

// --------------------------------------------------------------------------- identities

#[tokio::test]
async fn identity_attributes_lifecycle() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let identity = "example.com";
    for set in ["first", "second"] {
        sesv2::create_configuration_set(&clients, &ConfigurationSet::with_defaults(set))
            .await
            .unwrap();
    }
    assert_eq!(
        sesv2::get_identity_attributes(&clients, identity)
            .await
            .unwrap(),
        None
    );
    clients
        .sesv2
        .create_email_identity()
        .email_identity(identity)
        .send()
        .await
        .unwrap();

    let account = sesinfra::aws::sts::account_id(&clients).await.unwrap();
    let identity_arn = arn::identity("aws", &clients.region, &account, identity);
    // AWS's defaults on a fresh identity.
    let defaults = IdentityAttributes::aws_defaults(identity);
    let mut current = sesv2::get_identity_attributes(&clients, identity)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current, defaults);

    forbid_calls(
        &emulator,
        &[
            "PutEmailIdentityFeedbackAttributes",
            "PutEmailIdentityConfigurationSetAttributes",
        ],
    );
    sesv2::put_identity_attributes(&clients, &identity_arn, &current, &defaults)
        .await
        .unwrap();
    emulator.faults().clear();

    let steps = [
        IdentityAttributes {
            identity: identity.into(),
            feedback_forwarding: false,
            default_configuration_set: Some("first".into()),
            managed_by: Some("stack-a".into()),
        },
        IdentityAttributes {
            identity: identity.into(),
            feedback_forwarding: false,
            default_configuration_set: Some("second".into()),
            managed_by: Some("stack-a".into()),
        },
        // Restoring AWS's defaults: forwarding back on, default set removed, the
        // stack's record (its tag) gone.
        defaults.clone(),
    ];
    for step in steps {
        sesv2::put_identity_attributes(&clients, &identity_arn, &current, &step)
            .await
            .unwrap();
        current = sesv2::get_identity_attributes(&clients, identity)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current, step);
    }

    clients
        .sesv2
        .delete_email_identity()
        .email_identity(identity)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sesv2::get_identity_attributes(&clients, identity)
            .await
            .unwrap(),
        None
    );
}

/// VDM, archiving and message security: each option group is written by its own call
/// and only when it differs; unset reads back as unset ("the account's", "none",
/// "default"), so a hand change is visible.
#[tokio::test]
async fn configuration_set_vdm_archiving_and_signing_lifecycle() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let name = "options";
    let arn = set_arn(&clients, name).await;
    let plain = ConfigurationSet::with_defaults(name);
    sesv2::create_configuration_set(&clients, &plain)
        .await
        .unwrap();
    let mut current = sesv2::get_configuration_set(&clients, name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(current, plain);

    // (the change, the one operation it needs)
    let steps: Vec<(ConfigurationSet, &str)> = vec![
        (
            ConfigurationSet {
                vdm_engagement_metrics: Some(true),
                ..plain.clone()
            },
            "PutConfigurationSetVdmOptions",
        ),
        (
            ConfigurationSet {
                vdm_engagement_metrics: Some(true),
                vdm_optimized_shared_delivery: Some(false),
                ..plain.clone()
            },
            "PutConfigurationSetVdmOptions",
        ),
        (
            ConfigurationSet {
                vdm_engagement_metrics: Some(true),
                vdm_optimized_shared_delivery: Some(false),
                archive_arn: Some(archive("0123456789abcdefghijklmn")),
                ..plain.clone()
            },
            "PutConfigurationSetArchivingOptions",
        ),
        (
            ConfigurationSet {
                vdm_engagement_metrics: Some(true),
                vdm_optimized_shared_delivery: Some(false),
                archive_arn: Some(archive("0123456789abcdefghijklmn")),
                signing: Signing::Smime,
                ..plain.clone()
            },
            "UpdateConfigurationSet",
        ),
        // Each back to AWS's default, one group at a time.
        (
            ConfigurationSet {
                archive_arn: Some(archive("0123456789abcdefghijklmn")),
                signing: Signing::Smime,
                ..plain.clone()
            },
            "PutConfigurationSetVdmOptions",
        ),
        (
            ConfigurationSet {
                signing: Signing::Smime,
                ..plain.clone()
            },
            "PutConfigurationSetArchivingOptions",
        ),
        (plain.clone(), "UpdateConfigurationSet"),
    ];
    let groups = [
        "PutConfigurationSetVdmOptions",
        "PutConfigurationSetArchivingOptions",
        "UpdateConfigurationSet",
    ];
    for (step, operation) in steps {
        // Every other group's call would fail: the update makes only the one it needs.
        let others: Vec<&str> = groups.iter().copied().filter(|g| *g != operation).collect();
        forbid_calls(&emulator, &others);
        sesv2::update_configuration_set(&clients, &arn, &current, &step)
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        emulator.faults().clear();
        current = sesv2::get_configuration_set(&clients, name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(current, step, "after {operation}");
    }

    // An archive ARN AWS's model rejects is an error of the call, not a silent success.
    let bad = ConfigurationSet {
        archive_arn: Some(format!(
            "arn:aws:ses:{REGION}:{ACCOUNT}:mailmanager-archive/a-123"
        )),
        ..plain.clone()
    };
    let err = sesv2::update_configuration_set(&clients, &arn, &current, &bad)
        .await
        .unwrap_err();
    assert_eq!(
        err.operation, "PutConfigurationSetArchivingOptions",
        "{err}"
    );
}

/// The account's suppression list and VDM settings: read with AWS's defaults, each
/// group written only when managed and different.
#[tokio::test]
async fn account_settings_lifecycle() {
    use sesinfra::resources::{AccountSettings, AccountVdm};
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let off = AccountVdm {
        enabled: false,
        engagement_metrics: false,
        optimized_shared_delivery: false,
    };
    let mut current = sesv2::get_account_settings(&clients).await.unwrap();
    // The emulator's new account, as AWS reports one created since 2019.
    assert_eq!(
        current,
        AccountSettings {
            suppression: Some(BTreeSet::from([
                SuppressionReason::Bounce,
                SuppressionReason::Complaint
            ])),
            vdm: Some(off),
        }
    );
    let on = AccountVdm {
        enabled: true,
        engagement_metrics: true,
        optimized_shared_delivery: false,
    };
    let steps = [
        (
            AccountSettings {
                suppression: Some(BTreeSet::from([SuppressionReason::Complaint])),
                vdm: None,
            },
            "PutAccountSuppressionAttributes",
        ),
        (
            AccountSettings {
                suppression: None,
                vdm: Some(on),
            },
            "PutAccountVdmAttributes",
        ),
        // "Suppress nothing" is a list of its own, not "unset".
        (
            AccountSettings {
                suppression: Some(BTreeSet::new()),
                vdm: Some(on),
            },
            "PutAccountSuppressionAttributes",
        ),
        (
            AccountSettings {
                suppression: Some(BTreeSet::new()),
                vdm: Some(off),
            },
            "PutAccountVdmAttributes",
        ),
    ];
    let groups = ["PutAccountSuppressionAttributes", "PutAccountVdmAttributes"];
    for (want, operation) in steps {
        let others: Vec<&str> = groups.iter().copied().filter(|g| *g != operation).collect();
        forbid_calls(&emulator, &others);
        sesv2::update_account_settings(&clients, &current, &want)
            .await
            .unwrap_or_else(|e| panic!("{operation}: {e}"));
        emulator.faults().clear();
        let read = sesv2::get_account_settings(&clients).await.unwrap();
        // An unmanaged group stays as it was.
        assert_eq!(
            read,
            AccountSettings {
                suppression: want.suppression.clone().or(current.suppression.clone()),
                vdm: want.vdm.or(current.vdm),
            },
            "after {operation}"
        );
        current = read;
    }
    // Nothing differs: no call at all.
    forbid_calls(&emulator, &groups);
    sesv2::update_account_settings(&clients, &current, &current.clone())
        .await
        .unwrap();
}
