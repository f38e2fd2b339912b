//! `sns_topics:` — the SNS topics sesinfra creates, and `topic`/`topic_arn` references
//! to a topic from event destinations, identity notifications and alarms.

use std::collections::{BTreeMap, BTreeSet};

use super::{Checker, names, root};
use crate::model;
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::{Focus, Path};
use crate::spec::types;

impl Checker {
    pub(super) fn sns_topics(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
    ) -> BTreeMap<String, model::SnsTopic> {
        let mut topics = BTreeMap::new();
        // Physical name -> logical name, to report two topics with one name.
        let mut names_seen: BTreeMap<String, String> = BTreeMap::new();
        for (logical, t) in &spec.sns_topics {
            let path = root().key("sns_topics").key(logical);
            self.check_key(&path, logical, names::logical(logical));
            let name = match &t.name {
                Some(raw) => self.checked_text(ctx, &path.key("name"), raw, names::sns_topic_name),
                None => {
                    let name = limits::default_topic_name(ctx.stack, logical);
                    self.check(&path, &name, names::sns_topic_name(&name));
                    name
                }
            };
            if let Some(other) = names_seen.insert(name.clone(), logical.clone()) {
                self.error(
                    &path.key("name"),
                    Focus::Key,
                    format!("topics `{other}` and `{logical}` are both named `{name}`"),
                    "give each topic its own `name:`",
                );
            }
            let kms_key_arn = t.kms_key_arn.as_ref().map(|raw| {
                self.checked_text(ctx, &path.key("kms_key_arn"), raw, names::kms_key_arn)
            });
            let mut subscriptions = BTreeSet::new();
            for (i, s) in t.subscriptions.iter().enumerate() {
                let p = path.key("subscriptions").index(i);
                let protocol = s.protocol;
                let endpoint = self.text(ctx, &p.key("endpoint"), &s.endpoint);
                let checked = crate::spec::interpolate::stand_in(&endpoint);
                if !checked.contains("${") {
                    self.check(
                        &p.key("endpoint"),
                        &endpoint,
                        names::subscription_endpoint(protocol, &checked),
                    );
                }
                if !subscriptions.insert(model::Subscription { protocol, endpoint }) {
                    self.warning(
                        &p,
                        Focus::Key,
                        "this subscription is listed twice",
                        "list each (protocol, endpoint) once",
                    );
                }
            }
            topics.insert(
                logical.clone(),
                model::SnsTopic {
                    logical: logical.clone(),
                    name,
                    kms_key_arn,
                    subscriptions,
                },
            );
        }
        topics
    }

    /// A `{topic: LOGICAL}` or `{topic_arn: ARN}` reference at `path`; exactly one.
    pub(super) fn topic_ref(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        topic: Option<&String>,
        topic_arn: Option<&String>,
        spec: &types::Spec,
    ) -> model::TopicRef {
        match (topic, topic_arn) {
            (Some(logical), None) => {
                if !spec.sns_topics.contains_key(logical) {
                    self.dangling(
                        &path.key("topic"),
                        "SNS topic",
                        logical,
                        spec.sns_topics.keys(),
                    );
                }
                model::TopicRef::Spec(logical.clone())
            }
            (None, Some(raw)) => model::TopicRef::External {
                arn: self.checked_text(ctx, &path.key("topic_arn"), raw, names::sns_topic_arn),
            },
            (Some(_), Some(_)) => {
                self.error(
                    path,
                    Focus::Key,
                    "both `topic` and `topic_arn` are given",
                    "give `topic: <a topic of sns_topics>` or `topic_arn: ARN`, not both",
                );
                model::TopicRef::External { arn: String::new() }
            }
            (None, None) => {
                self.error(
                    path,
                    Focus::Key,
                    "no topic is given",
                    "give `topic: <a topic of sns_topics>` or `topic_arn: ARN`",
                );
                model::TopicRef::External { arn: String::new() }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::model::{Subscription, SubscriptionProtocol, Target, TopicRef};

    #[test]
    fn topics_get_default_names_and_their_subscriptions_as_a_set() {
        let m = model(
            "version: 1\nstack: mail\nsns_topics:\n  alerts:\n    subscriptions:\n      - {protocol: email, endpoint: ops@example.com}\n      - {protocol: sqs, endpoint: \"arn:aws:sqs:eu-west-1:123456789012:q\"}\n",
        );
        let t = &m.sns_topics["alerts"];
        assert_eq!(t.name, "mail-alerts");
        assert_eq!(t.kms_key_arn, None);
        assert!(t.subscriptions.contains(&Subscription {
            protocol: SubscriptionProtocol::Email,
            endpoint: "ops@example.com".into()
        }));
        assert_eq!(t.subscriptions.len(), 2);
    }

    #[test]
    fn a_destination_refers_to_a_managed_topic_by_logical_name() {
        let m = model(
            "version: 1\nstack: mail\nsns_topics: {alerts: {}}\nconfiguration_sets: {Main: {event_destinations: {d: {events: [BOUNCE], sns: {topic: alerts}}}}}\n",
        );
        assert_eq!(
            m.configuration_sets["Main"].event_destinations["d"].target,
            Target::Sns {
                topic: TopicRef::Spec("alerts".into())
            }
        );
    }

    #[test]
    fn bad_topics_and_references_are_reported() {
        let found = findings(
            "version: 1\nstack: mail\nsns_topics:\n  a: {name: same, subscriptions: [{protocol: email, endpoint: nobody}]}\n  b: {name: same}\nconfiguration_sets: {Main: {event_destinations: {d: {events: [SEND], sns: {topic: nope}}, e: {events: [SEND], sns: {topic: a, topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}}}}}\n",
        );
        assert_eq!(
            found,
            [
                "error sns_topics.a.subscriptions[0].endpoint: `nobody` is not valid (an email subscription's endpoint is an email address (ops@example.com))",
                "error sns_topics.b.name: topics `a` and `b` are both named `same` (give each topic its own `name:`)",
                "error configuration_sets.Main.event_destinations.d.sns.topic: there is no SNS topic `nope` (known SNS topics: a, b)",
                "error configuration_sets.Main.event_destinations.e.sns: both `topic` and `topic_arn` are given (give `topic: <a topic of sns_topics>` or `topic_arn: ARN`, not both)",
            ]
        );
    }
}
