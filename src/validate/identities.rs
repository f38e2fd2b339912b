//! `identities:` — settings of existing SES identities. The bounce/complaint rule
//! they must follow is in `feedback.rs`.

use std::collections::BTreeMap;

use super::feedback::{DefaultSet, Ways};
use super::{Checker, names, root};
use crate::model::{self, EventType};
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::Path;
use crate::spec::types;

impl Checker {
    /// Every identity, checked against the already validated configuration sets.
    pub(super) fn identities(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
        sets: &BTreeMap<String, model::ConfigurationSet>,
    ) -> BTreeMap<String, model::Identity> {
        let mut identities = BTreeMap::new();
        for (name, identity) in &spec.identities {
            let path = root().key("identities").key(name);
            let identity = self.identity(ctx, &path, name, identity, spec, sets);
            identities.insert(name.clone(), identity);
        }
        identities
    }

    fn identity(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        name: &str,
        i: &types::Identity,
        spec: &types::Spec,
        sets: &BTreeMap<String, model::ConfigurationSet>,
    ) -> model::Identity {
        self.check_key(path, name, names::identity(name));
        let forwarding = i
            .feedback_forwarding
            .unwrap_or(limits::DEFAULT_FEEDBACK_FORWARDING);
        let default_set = match &i.default_configuration_set {
            None => DefaultSet::Absent,
            Some(set_name) => match sets.get(set_name) {
                Some(set) => DefaultSet::Known {
                    name: set_name,
                    covered: set.covered_events(),
                },
                None => {
                    self.dangling(
                        &path.key("default_configuration_set"),
                        "configuration set",
                        set_name,
                        sets.keys(),
                    );
                    DefaultSet::Unknown
                }
            },
        };
        let notifications = match &i.notifications {
            None => model::Notifications::default(),
            Some(n) => {
                let p = path.key("notifications");
                let mut topic = |key: &str, t: &Option<types::NotificationTopic>| {
                    t.as_ref().map(|t| model::NotificationTopic {
                        topic: self.topic_ref(
                            ctx,
                            &p.key(key),
                            t.topic.as_ref(),
                            t.topic_arn.as_ref(),
                            spec,
                        ),
                        include_headers: t
                            .include_headers
                            .unwrap_or(limits::DEFAULT_INCLUDE_HEADERS),
                    })
                };
                model::Notifications {
                    bounce: topic("bounce", &n.bounce),
                    complaint: topic("complaint", &n.complaint),
                    delivery: topic("delivery", &n.delivery),
                }
            }
        };
        let mut topics = std::collections::BTreeSet::new();
        if notifications.bounce.is_some() {
            topics.insert(EventType::Bounce);
        }
        if notifications.complaint.is_some() {
            topics.insert(EventType::Complaint);
        }
        self.feedback(
            path,
            name,
            &Ways {
                forwarding,
                topics,
                set: default_set,
            },
            i.feedback_forwarding.is_some(),
            i.notifications.is_some(),
        );
        model::Identity {
            name: name.to_owned(),
            default_configuration_set: i.default_configuration_set.clone(),
            feedback_forwarding: forwarding,
            notifications,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::spec::limits;

    #[test]
    fn forwarding_defaults_to_aws_s_default() {
        let m = model("version: 1\nstack: mail\nidentities: {example.com: {}}\n");
        assert_eq!(
            m.identities["example.com"].feedback_forwarding,
            limits::DEFAULT_FEEDBACK_FORWARDING
        );
    }

    #[test]
    fn identity_names_and_set_references_are_checked() {
        let found = findings(
            "version: 1\nstack: mail\nidentities: {nodot: {}, example.com: {default_configuration_set: nope}}\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(
            found[0],
            "error identities.\"example.com\".default_configuration_set: there is no configuration set `nope` (the spec defines no configuration set; add one or fix the reference)"
        );
        assert!(found[1].starts_with("error identities.nodot: `nodot` is not a valid name"));
    }
}
