//! Bounce and complaint alerts: SNS topics, identity notification topics (SES v1) and
//! reputation alarms (CloudWatch). Each adapter through the real SDK, then each kind's
//! whole lifecycle through the binary (apply from empty, no changes, drift by hand,
//! orphans, destroy), all against the emulator.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use sesinfra::aws::{cloudwatch, ses_v1, sns};
use sesinfra::policy::PolicyDocument;
use sesinfra::resources::{
    Alarm, IdentityNotifications, NotificationTopics, SnsTopic, Subscription, Tags, arn,
};

use crate::engine::{apply, assert_no_changes, create_identities, plan_json, spec_dir};
use crate::support::Emulator;

const ACCOUNT: &str = "123456789012";
const REGION: &str = "eu-west-1";

fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn topic_arn(name: &str) -> String {
    arn::sns_topic("aws", REGION, ACCOUNT, name)
}

fn subscription(protocol: &str, endpoint: &str) -> Subscription {
    Subscription {
        protocol: protocol.into(),
        endpoint: endpoint.into(),
    }
}

fn policy(topic: &str, source: &str) -> PolicyDocument {
    PolicyDocument::new(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "ses.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic,
            "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}, "ArnLike": {"aws:SourceArn": source}},
        }],
    }))
}

// --------------------------------------------------------------------------- adapters

#[tokio::test]
async fn an_sns_topic_round_trips_and_updates_only_what_differs() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let arn = topic_arn("mail-alerts");
    assert_eq!(sns::get_topic(&clients, &arn).await.unwrap(), None);
    let queue = format!("arn:aws:sqs:{REGION}:{ACCOUNT}:bounces");
    let want = SnsTopic {
        name: "mail-alerts".into(),
        kms_key_arn: None,
        policy: policy(
            &arn,
            "arn:aws:ses:eu-west-1:123456789012:configuration-set/Main",
        ),
        subscriptions: BTreeSet::from([
            subscription("email", "ops@example.com"),
            subscription("sqs", &queue),
        ]),
        pending: BTreeSet::new(),
        subscription_arns: BTreeMap::new(),
        tags: tags(&[("sesinfra:stack", "mail")]),
    };
    assert_eq!(sns::create_topic(&clients, &want).await.unwrap(), arn);
    let got = sns::get_topic(&clients, &arn)
        .await
        .unwrap()
        .expect("topic");
    assert_eq!(got.name, want.name);
    assert_eq!(got.policy.normalized(), want.policy.normalized());
    assert_eq!(got.subscriptions, want.subscriptions);
    assert_eq!(got.tags, want.tags);
    // The email address must confirm; the queue of the same account needs not.
    assert_eq!(
        got.pending,
        BTreeSet::from([subscription("email", "ops@example.com")])
    );
    assert_eq!(
        got.subscription_arns.keys().collect::<Vec<_>>(),
        [&subscription("sqs", &queue)]
    );

    // Every mutable field changes in place.
    let key = format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let mut changed = want.clone();
    changed.kms_key_arn = Some(key.clone());
    changed.policy = policy(
        &arn,
        "arn:aws:ses:eu-west-1:123456789012:configuration-set/Other",
    );
    changed.subscriptions = BTreeSet::from([
        subscription("email", "ops@example.com"),
        subscription("https", "https://hooks.example.com/ses"),
    ]);
    changed.tags = tags(&[("sesinfra:stack", "mail"), ("team", "mail")]);
    sns::update_topic(&clients, &arn, &got, &changed)
        .await
        .unwrap();
    let again = sns::get_topic(&clients, &arn).await.unwrap().unwrap();
    assert_eq!(again.kms_key_arn, Some(key));
    assert_eq!(again.policy.normalized(), changed.policy.normalized());
    assert_eq!(again.subscriptions, changed.subscriptions);
    assert_eq!(again.tags, changed.tags);

    // Encryption off again: an empty key.
    let mut plain = changed.clone();
    plain.kms_key_arn = None;
    sns::update_topic(&clients, &arn, &again, &plain)
        .await
        .unwrap();
    let plain_read = sns::get_topic(&clients, &arn).await.unwrap().unwrap();
    assert_eq!(plain_read.kms_key_arn, None);

    // No difference, no call.
    emulator.clear_requests();
    sns::update_topic(&clients, &arn, &plain_read, &plain)
        .await
        .unwrap();
    assert_eq!(emulator.requests(), []);

    sns::delete_topic(&clients, &arn).await.unwrap();
    assert_eq!(sns::get_topic(&clients, &arn).await.unwrap(), None);
}

fn notifications(identity: &str, bounce: Option<&str>, headers: bool) -> IdentityNotifications {
    IdentityNotifications {
        identity: identity.into(),
        in_spec: true,
        topics: NotificationTopics {
            bounce: bounce.map(str::to_owned),
            complaint: bounce.map(str::to_owned),
            delivery: None,
        },
        headers_in_bounce: headers,
        headers_in_complaint: false,
        headers_in_delivery: false,
    }
}

#[tokio::test]
async fn identity_notifications_round_trip_through_ses_v1() {
    let emulator = Emulator::start();
    create_identities(&emulator, REGION, &["example.com", "b.example.com"]).await;
    let clients = emulator.clients().await;
    let names = vec![
        "example.com".to_owned(),
        "b.example.com".to_owned(),
        "unknown.example.com".to_owned(),
    ];
    let read = |clients: sesinfra::aws::Clients, names: Vec<String>| async move {
        ses_v1::notification_settings(&clients, &names)
            .await
            .unwrap()
    };
    let got = read(clients.clone(), names.clone()).await;
    // Unknown identities are left out; the others have AWS's defaults.
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        ["b.example.com", "example.com"]
    );
    assert_eq!(
        got["example.com"],
        IdentityNotifications {
            in_spec: true,
            ..IdentityNotifications::aws_defaults("example.com")
        }
    );
    let topic = topic_arn("alerts");
    let want = notifications("example.com", Some(&topic), true);
    ses_v1::put_notifications(&clients, &got["example.com"], &want)
        .await
        .unwrap();
    let got = read(clients.clone(), names.clone()).await;
    assert_eq!(got["example.com"], want);
    // Back to the defaults: headers off, topics cleared.
    let defaults = IdentityNotifications {
        in_spec: true,
        ..IdentityNotifications::aws_defaults("example.com")
    };
    ses_v1::put_notifications(&clients, &want, &defaults)
        .await
        .unwrap();
    assert_eq!(read(clients, names).await["example.com"], defaults);
}

#[tokio::test]
async fn an_alarm_round_trips_with_its_tags() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let topic = topic_arn("alerts");
    let want = Alarm {
        name: "mail-ses-bounce-rate-Main".into(),
        description: "bounces".into(),
        metric_name: "Reputation.BounceRate".into(),
        configuration_set: Some("Main".into()),
        statistic: "Average".into(),
        period_seconds: 3600,
        evaluation_periods: 1,
        threshold: 0.04,
        comparison: "GreaterThanOrEqualToThreshold".into(),
        treat_missing_data: "notBreaching".into(),
        actions_enabled: true,
        alarm_actions: BTreeSet::from([topic.clone()]),
        ok_actions: BTreeSet::from([topic]),
        tags: tags(&[("sesinfra:stack", "mail")]),
    };
    cloudwatch::put_alarm(&clients, &want, true).await.unwrap();
    let names = vec![want.name.clone(), "nope".to_owned()];
    let got = cloudwatch::read_alarms(&clients, &names).await.unwrap();
    assert_eq!(got, std::slice::from_ref(&want));
    let alarm_arn = arn::alarm("aws", REGION, ACCOUNT, &want.name);
    let mut changed = want.clone();
    changed.threshold = 0.03;
    changed.tags = tags(&[("sesinfra:stack", "mail"), ("team", "mail")]);
    cloudwatch::update_alarm(&clients, &alarm_arn, &want, &changed)
        .await
        .unwrap();
    assert_eq!(
        cloudwatch::read_alarms(&clients, &names).await.unwrap(),
        [changed.clone()]
    );
    cloudwatch::delete_alarm(&clients, &want.name)
        .await
        .unwrap();
    assert_eq!(cloudwatch::read_alarms(&clients, &names).await.unwrap(), []);
}

// --------------------------------------------------------------------------- the engine

/// Alerts by email with reputation alarms: forwarding off, bounces and complaints by
/// the identity's notification topics, a destination publishing deliveries to the
/// same topic, and alarms on the account's and the set's rates.
const ALERTS: &str = r#"version: 1
stack: mail
region: eu-west-1
sns_topics:
  alerts:
    subscriptions:
      - {protocol: email, endpoint: ops@example.com}
      - {protocol: sqs, endpoint: "arn:aws:sqs:eu-west-1:${account_id}:bounces"}
configuration_sets:
  Main:
    reputation_metrics: true
    event_destinations:
      deliveries: {events: [DELIVERY], sns: {topic: alerts}}
identities:
  example.com:
    default_configuration_set: Main
    feedback_forwarding: false
    notifications:
      bounce: {topic: alerts, include_headers: true}
      complaint: {topic: alerts}
alarms:
  bounce_rate: {topic: alerts, per_configuration_set: true}
  complaint_rate: {threshold: 0.001, topic: alerts}
"#;

async fn applied_alerts() -> (Emulator, tempfile::TempDir) {
    let emulator = Emulator::start();
    create_identities(&emulator, REGION, &["example.com"]).await;
    let dir = spec_dir(ALERTS);
    apply(&emulator, dir.path());
    (emulator, dir)
}

fn addresses(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_alerts_stack_applies_from_empty_and_then_has_no_changes() {
    let emulator = Emulator::start();
    create_identities(&emulator, REGION, &["example.com"]).await;
    let dir = spec_dir(ALERTS);
    let plan = plan_json(&emulator, dir.path());
    let planned = addresses(&plan);
    for address in [
        "sns_topic.alerts",
        "alarm.mail-ses-bounce-rate",
        "alarm.mail-ses-bounce-rate-Main",
        "alarm.mail-ses-complaint-rate",
    ] {
        assert!(
            planned.contains(&(address.to_owned(), "create".to_owned())),
            "{planned:?}"
        );
    }
    assert!(planned.contains(&(
        "identity_notifications.example.com".to_owned(),
        "update".to_owned()
    )));
    apply(&emulator, dir.path());
    let requests = emulator.requests();
    // Forwarding goes off only once the topics cover bounces and complaints.
    let position = |op: &str| {
        requests
            .iter()
            .position(|(_, o)| o == op)
            .unwrap_or_else(|| panic!("no {op}: {requests:#?}"))
    };
    assert!(position("CreateTopic") < position("SetIdentityNotificationTopic"));
    assert!(
        position("SetIdentityNotificationTopic") < position("PutEmailIdentityFeedbackAttributes")
    );

    let clients = emulator.clients().await;
    let topic = sns::get_topic(&clients, &topic_arn("mail-alerts"))
        .await
        .unwrap()
        .expect("the topic");
    assert_eq!(topic.tags["sesinfra:stack"], "mail");
    // SES may publish for the set and the identity, CloudWatch for the three alarms,
    // each only from this account.
    let statements = topic.policy.value()["Statement"].clone();
    let ses = statements
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Principal"]["Service"] == json!("ses.amazonaws.com"))
        .expect("an SES statement")
        .clone();
    assert_eq!(
        ses["Condition"]["StringEquals"]["aws:SourceAccount"],
        json!(ACCOUNT)
    );
    assert_eq!(
        ses["Condition"]["ArnLike"]["aws:SourceArn"],
        json!([
            "arn:aws:ses:eu-west-1:123456789012:configuration-set/Main",
            "arn:aws:ses:eu-west-1:123456789012:identity/example.com"
        ])
    );
    let got = ses_v1::notification_settings(&clients, &["example.com".to_owned()])
        .await
        .unwrap();
    assert_eq!(
        got["example.com"].topics.bounce.as_deref(),
        Some(topic_arn("mail-alerts").as_str())
    );
    assert!(got["example.com"].headers_in_bounce);
    let alarms = cloudwatch::read_alarms(&clients, &["mail-ses-bounce-rate-Main".to_owned()])
        .await
        .unwrap();
    assert_eq!(alarms[0].configuration_set.as_deref(), Some("Main"));
    assert_eq!(alarms[0].threshold, 0.04);

    // The email subscription waits for its owner: shown, not a change.
    let plan = plan_json(&emulator, dir.path());
    assert_eq!(plan["changes"], json!([]), "{plan:#}");
    assert_eq!(
        plan["diagnostics"],
        json!([{
            "severity": "warning",
            "address": "sns_topic.alerts",
            "message": "subscription email ops@example.com is waiting for confirmation: nothing is delivered to it until its owner confirms (the email or request SNS sent)"
        }])
    );
    emulator.control(
        "POST",
        "sns/confirm",
        Some(&json!({"topic_arn": topic_arn("mail-alerts"), "endpoint": "ops@example.com"})),
    );
    assert_no_changes(&emulator, dir.path());
    assert!(
        plan_json(&emulator, dir.path())
            .get("diagnostics")
            .is_none()
    );

    // A no-change apply writes nothing.
    emulator.clear_requests();
    apply(&emulator, dir.path());
    let writes: Vec<_> = emulator
        .requests()
        .into_iter()
        .filter(|(_, op)| {
            !["Get", "List", "Describe", "Head"]
                .iter()
                .any(|v| op.starts_with(v))
        })
        .collect();
    assert_eq!(writes, [], "a no-change apply wrote");
}

#[tokio::test]
async fn alerts_drift_by_hand_is_found_and_repaired() {
    let (emulator, dir) = applied_alerts().await;
    let clients = emulator.clients().await;
    let arn = topic_arn("mail-alerts");
    // A subscription added by hand, the policy opened up, a threshold raised, a
    // notification topic cleared: four kinds of drift.
    clients
        .sns
        .subscribe()
        .topic_arn(&arn)
        .protocol("sqs")
        .endpoint("arn:aws:sqs:eu-west-1:999999999999:exfiltrate")
        .send()
        .await
        .unwrap();
    clients
        .sns
        .set_topic_attributes()
        .topic_arn(&arn)
        .attribute_name("Policy")
        .attribute_value(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sns:Publish", "Resource": arn}]}).to_string(),
        )
        .send()
        .await
        .unwrap();
    let mut alarm = cloudwatch::read_alarms(&clients, &["mail-ses-complaint-rate".to_owned()])
        .await
        .unwrap()
        .remove(0);
    alarm.threshold = 0.5;
    cloudwatch::put_alarm(&clients, &alarm, false)
        .await
        .unwrap();
    clients
        .ses_v1
        .set_identity_headers_in_notifications_enabled()
        .identity("example.com")
        .notification_type(aws_sdk_ses::types::NotificationType::Bounce)
        .enabled(false)
        .send()
        .await
        .unwrap();

    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["drift", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let fields = |address: &str| -> Vec<String> {
        doc["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["address"] == address)
            .unwrap_or_else(|| panic!("no change of {address}: {doc:#}"))["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(fields("sns_topic.alerts"), ["policy", "subscriptions"]);
    assert_eq!(fields("alarm.mail-ses-complaint-rate"), ["threshold"]);
    assert_eq!(
        fields("identity_notifications.example.com"),
        ["bounce.include_headers"]
    );
    let security: Vec<&str> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "security")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(security.len(), 2, "{doc:#}");
    assert!(
        security.iter().any(
            |m| m.contains("lacks the spec's condition(s) on aws:sourceaccount, aws:sourcearn")
        )
    );
    assert!(security.iter().any(|m| {
        m.contains("sqs arn:aws:sqs:eu-west-1:999999999999:exfiltrate added outside sesinfra")
    }));

    apply(&emulator, dir.path());
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["drift"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let topic = sns::get_topic(&clients, &arn).await.unwrap().unwrap();
    assert!(!topic.subscriptions.contains(&subscription(
        "sqs",
        "arn:aws:sqs:eu-west-1:999999999999:exfiltrate"
    )));
}

#[tokio::test]
async fn removed_alerts_are_deleted_and_notifications_restored_first() {
    let (emulator, dir) = applied_alerts().await;
    let clients = emulator.clients().await;
    // Another stack's topic and alarm are never touched.
    let foreign = SnsTopic {
        name: "other-alerts".into(),
        kms_key_arn: None,
        policy: policy(&topic_arn("other-alerts"), "*"),
        subscriptions: BTreeSet::new(),
        pending: BTreeSet::new(),
        subscription_arns: BTreeMap::new(),
        tags: tags(&[("sesinfra:stack", "other")]),
    };
    sns::create_topic(&clients, &foreign).await.unwrap();

    // Forwarding back on, no notifications, no alarms, no topic.
    let plain = r#"version: 1
stack: mail
region: eu-west-1
configuration_sets:
  Main: {reputation_metrics: true}
identities:
  example.com: {default_configuration_set: Main}
"#;
    std::fs::write(dir.path().join("sesinfra.yaml"), plain).unwrap();
    let plan = plan_json(&emulator, dir.path());
    let planned = addresses(&plan);
    for address in [
        "sns_topic.alerts",
        "alarm.mail-ses-bounce-rate",
        "alarm.mail-ses-bounce-rate-Main",
        "alarm.mail-ses-complaint-rate",
        "event_destination.Main.deliveries",
    ] {
        assert!(
            planned.contains(&(address.to_owned(), "delete".to_owned())),
            "{address}: {planned:?}"
        );
    }
    emulator.clear_requests();
    apply(&emulator, dir.path());
    let requests = emulator.requests();
    let position = |op: &str| {
        requests
            .iter()
            .position(|(_, o)| o == op)
            .unwrap_or_else(|| panic!("no {op}: {requests:#?}"))
    };
    // Forwarding comes back on before the topics stop covering bounces.
    assert!(
        position("PutEmailIdentityFeedbackAttributes") < position("SetIdentityNotificationTopic")
    );
    assert!(position("SetIdentityNotificationTopic") < position("DeleteTopic"));
    assert_no_changes(&emulator, dir.path());
    assert_eq!(
        sns::get_topic(&clients, &topic_arn("mail-alerts"))
            .await
            .unwrap(),
        None
    );
    assert!(
        sns::get_topic(&clients, &topic_arn("other-alerts"))
            .await
            .unwrap()
            .is_some()
    );
    let got = ses_v1::notification_settings(&clients, &["example.com".to_owned()])
        .await
        .unwrap();
    assert_eq!(got["example.com"].topics, NotificationTopics::default());
    assert_eq!(
        cloudwatch::read_alarms(
            &clients,
            &[
                "mail-ses-bounce-rate".to_owned(),
                "mail-ses-complaint-rate".to_owned()
            ]
        )
        .await
        .unwrap(),
        []
    );
}

#[tokio::test]
async fn destroy_removes_topics_and_alarms_and_resets_notifications() {
    let (emulator, dir) = applied_alerts().await;
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["destroy", "--yes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clients = emulator.clients().await;
    assert_eq!(
        sns::get_topic(&clients, &topic_arn("mail-alerts"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        cloudwatch::read_alarms(&clients, &["mail-ses-bounce-rate".to_owned()])
            .await
            .unwrap(),
        []
    );
    let got = ses_v1::notification_settings(&clients, &["example.com".to_owned()])
        .await
        .unwrap();
    assert_eq!(got["example.com"].topics, NotificationTopics::default());
    assert!(!got["example.com"].headers_in_bounce);
}

#[tokio::test]
async fn a_topic_of_the_same_name_without_the_stack_tag_is_a_clash() {
    let emulator = Emulator::start();
    create_identities(&emulator, REGION, &["example.com"]).await;
    let clients = emulator.clients().await;
    clients
        .sns
        .create_topic()
        .name("mail-alerts")
        .send()
        .await
        .unwrap();
    let dir = spec_dir(ALERTS);
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("sns_topic.alerts (no sesinfra:stack tag)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn an_encrypted_topic_s_key_must_let_its_publishers_use_it() {
    let emulator = Emulator::start();
    create_identities(&emulator, REGION, &["example.com"]).await;
    let clients = emulator.clients().await;
    let key_policy = |services: &[&str]| {
        let mut statements = vec![
            json!({"Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}),
        ];
        if !services.is_empty() {
            statements.push(json!({"Effect": "Allow", "Principal": {"Service": services}, "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": "*"}));
        }
        json!({"Version": "2012-10-17", "Statement": statements}).to_string()
    };
    let mut keys = Vec::new();
    for services in [
        &[][..],
        &["ses.amazonaws.com", "cloudwatch.amazonaws.com"][..],
    ] {
        let key = clients
            .kms
            .create_key()
            .policy(key_policy(services))
            .send()
            .await
            .unwrap();
        keys.push(key.key_metadata().unwrap().arn().unwrap().to_owned());
    }
    let spec = |key: &str| {
        ALERTS.replace(
            "  alerts:\n    subscriptions:",
            &format!("  alerts:\n    kms_key_arn: \"{key}\"\n    subscriptions:"),
        )
    };
    let dir = spec_dir(&spec(&keys[0]));
    let plan = plan_json(&emulator, dir.path());
    let messages: Vec<&str> = plan["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(messages[0].contains(
        "does not let cloudwatch.amazonaws.com use it (kms:GenerateDataKey, kms:Decrypt)"
    ));
    assert!(messages[1].contains("does not let ses.amazonaws.com use it"));

    std::fs::write(dir.path().join("sesinfra.yaml"), spec(&keys[1])).unwrap();
    let plan = plan_json(&emulator, dir.path());
    assert!(plan.get("diagnostics").is_none(), "{plan:#}");
    apply(&emulator, dir.path());
    let topic = sns::get_topic(&clients, &topic_arn("mail-alerts"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(topic.kms_key_arn.as_deref(), Some(keys[1].as_str()));
}

#[tokio::test]
async fn a_topic_or_alarm_deleted_by_hand_is_drift_and_made_again() {
    let (emulator, dir) = applied_alerts().await;
    let clients = emulator.clients().await;
    sns::delete_topic(&clients, &topic_arn("mail-alerts"))
        .await
        .unwrap();
    cloudwatch::delete_alarm(&clients, "mail-ses-complaint-rate")
        .await
        .unwrap();
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["drift", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reasons: BTreeMap<String, (String, String)> = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                (
                    c["action"].as_str().unwrap().to_owned(),
                    c["reason"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();
    let created = ("create".to_owned(), "missing_in_aws".to_owned());
    assert_eq!(reasons["sns_topic.alerts"], created);
    assert_eq!(reasons["alarm.mail-ses-complaint-rate"], created);
    apply(&emulator, dir.path());
    emulator.control(
        "POST",
        "sns/confirm",
        Some(&json!({"topic_arn": topic_arn("mail-alerts"), "endpoint": "ops@example.com"})),
    );
    assert_no_changes(&emulator, dir.path());
}
