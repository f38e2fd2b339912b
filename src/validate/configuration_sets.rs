//! `configuration_sets:` — each set's options and tags; its event destinations are
//! checked in `event_destinations.rs`.

use std::collections::{BTreeMap, BTreeSet};

use super::{Checker, names, root};
use crate::model;
use crate::resources::{ACCOUNT_OWNER_TAG, STACK_TAG};
use crate::spec::interpolate::Context;
use crate::spec::limits::{self, MAX_EVENT_DESTINATIONS, span};
use crate::spec::source_map::{Focus, Path};
use crate::spec::types;

impl Checker {
    /// Every configuration set; `used_streams` collects the spec's streams their
    /// destinations reference.
    pub(super) fn configuration_sets(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
        stack_tags: &BTreeMap<String, String>,
        used_streams: &mut BTreeSet<String>,
    ) -> BTreeMap<String, model::ConfigurationSet> {
        let mut configuration_sets = BTreeMap::new();
        for (name, set) in &spec.configuration_sets {
            let path = root().key("configuration_sets").key(name);
            let set = self.configuration_set(ctx, &path, name, set, spec, stack_tags, used_streams);
            configuration_sets.insert(name.clone(), set);
        }
        configuration_sets
    }

    #[allow(clippy::too_many_arguments)]
    fn configuration_set(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        name: &str,
        set: &types::ConfigurationSet,
        spec: &types::Spec,
        stack_tags: &BTreeMap<String, String>,
        used_streams: &mut BTreeSet<String>,
    ) -> model::ConfigurationSet {
        self.check_key(
            path,
            name,
            names::ses_name(name, "a configuration set name"),
        );
        let delivery = set.delivery.as_ref();
        let sending_pool = delivery.and_then(|d| d.sending_pool.as_ref()).map(|raw| {
            let p = path.key("delivery").key("sending_pool");
            let pool = self.text(ctx, &p, raw);
            self.check(
                &p,
                &pool,
                names::ses_name(&pool, "a dedicated IP pool name"),
            );
            pool
        });
        let max_delivery_seconds = delivery.and_then(|d| d.max_delivery_seconds);
        if let Some(secs) = max_delivery_seconds {
            self.max_delivery_seconds(path, secs);
        }
        let tracking = set.tracking.as_ref().map(|t| {
            let p = path.key("tracking").key("custom_redirect_domain");
            let domain = self.checked_text(ctx, &p, &t.custom_redirect_domain, names::domain);
            model::Tracking {
                custom_redirect_domain: domain,
                https_policy: t.https_policy.unwrap_or(limits::DEFAULT_HTTPS_POLICY),
            }
        });
        let suppression = set
            .suppression
            .as_ref()
            .map(|s| self.suppression_reasons(&path.key("suppression"), s));
        let archive_arn = set.archive_arn.as_ref().map(|raw| {
            self.checked_text(
                ctx,
                &path.key("archive_arn"),
                raw,
                names::mailmanager_archive_arn,
            )
        });
        let vdm = set
            .vdm
            .as_ref()
            .map_or(model::SetVdm::default(), |v| model::SetVdm {
                engagement_metrics: v.engagement_metrics,
                optimized_shared_delivery: v.optimized_shared_delivery,
            });
        let mut tags = stack_tags.clone();
        tags.extend(self.tags(ctx, &path.key("tags"), &set.tags));
        // With `account:`, the stack's sets also carry the account-owner marker.
        let system: &[&str] = if spec.account.is_some() {
            &[STACK_TAG, ACCOUNT_OWNER_TAG]
        } else {
            &[STACK_TAG]
        };
        self.too_many_tags(&path.key("tags"), tags.len(), system);

        if set.event_destinations.len() > MAX_EVENT_DESTINATIONS {
            self.warning(
                &path.key("event_destinations"),
                Focus::Key,
                format!("{} event destinations; SES's default quota is {MAX_EVENT_DESTINATIONS} per configuration set", set.event_destinations.len()),
                "apply fails unless the quota was raised for the account",
            );
        }
        let mut event_destinations = BTreeMap::new();
        for (dest_name, dest) in &set.event_destinations {
            let p = path.key("event_destinations").key(dest_name);
            let d = self.destination(ctx, &p, dest_name, dest, spec, used_streams);
            event_destinations.insert(dest_name.clone(), d);
        }
        model::ConfigurationSet {
            name: name.to_owned(),
            sending_enabled: set
                .sending_enabled
                .unwrap_or(limits::DEFAULT_SENDING_ENABLED),
            reputation_metrics: set
                .reputation_metrics
                .unwrap_or(limits::DEFAULT_REPUTATION_METRICS),
            tls_policy: delivery
                .and_then(|d| d.tls_policy)
                .unwrap_or(limits::DEFAULT_TLS_POLICY),
            sending_pool,
            max_delivery_seconds,
            tracking,
            suppression,
            vdm,
            archive_arn,
            signing: set
                .message_security
                .as_ref()
                .map_or(limits::DEFAULT_SIGNING, |m| m.signing),
            tags,
            event_destinations,
        }
    }

    fn max_delivery_seconds(&mut self, path: &Path, secs: u32) {
        let range = limits::MAX_DELIVERY_SECONDS;
        if !range.contains(&secs) {
            self.error(
                &path.key("delivery").key("max_delivery_seconds"),
                Focus::Value,
                format!("{secs} seconds is out of range"),
                format!(
                    "SES accepts {} seconds ({} minutes to {} hours)",
                    span(&range),
                    range.start() / 60,
                    range.end() / 3600
                ),
            );
        }
    }

    /// The reasons of a `suppression:` group (of a set or of the account) as a set,
    /// warning when one is listed twice.
    pub(super) fn suppression_reasons(
        &mut self,
        path: &Path,
        suppression: &types::Suppression,
    ) -> BTreeSet<model::SuppressionReason> {
        let reasons: BTreeSet<_> = suppression.reasons.iter().copied().collect();
        if reasons.len() != suppression.reasons.len() {
            self.warning(
                &path.key("reasons"),
                Focus::Value,
                "a suppression reason is listed twice",
                "list each reason once",
            );
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::spec::limits;

    #[test]
    fn defaults_come_from_the_limits() {
        let m = model("version: 1\nstack: mail\nconfiguration_sets: {main: {}}\n");
        let set = &m.configuration_sets["main"];
        assert_eq!(set.sending_enabled, limits::DEFAULT_SENDING_ENABLED);
        assert_eq!(set.reputation_metrics, limits::DEFAULT_REPUTATION_METRICS);
        assert_eq!(set.tls_policy, limits::DEFAULT_TLS_POLICY);
        assert_eq!(set.signing, limits::DEFAULT_SIGNING);
        assert_eq!(set.suppression, None);
    }

    #[test]
    fn max_delivery_seconds_must_be_in_ses_s_range() {
        let spec = |secs: u32| {
            format!(
                "version: 1\nstack: mail\nconfiguration_sets: {{main: {{delivery: {{max_delivery_seconds: {secs}}}}}}}\n"
            )
        };
        assert_eq!(
            findings(&spec(299)),
            [
                "error configuration_sets.main.delivery.max_delivery_seconds: 299 seconds is out of range (SES accepts 300-50400 seconds (5 minutes to 14 hours))"
            ]
        );
        assert!(findings(&spec(300)).is_empty());
        assert!(findings(&spec(50400)).is_empty());
        assert_eq!(findings(&spec(50401)).len(), 1);
    }

    #[test]
    fn more_destinations_than_the_quota_warn() {
        let mut yaml = String::from(
            "version: 1\nstack: mail\nconfiguration_sets:\n  main:\n    event_destinations:\n",
        );
        for i in 0..=limits::MAX_EVENT_DESTINATIONS {
            yaml.push_str(&format!(
                "      d{i}: {{events: all, sns: {{topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}}}}\n"
            ));
        }
        assert_eq!(
            findings(&yaml),
            [
                "warning configuration_sets.main.event_destinations: 11 event destinations; SES's default quota is 10 per configuration set (apply fails unless the quota was raised for the account)"
            ]
        );
    }

    #[test]
    fn a_reason_listed_twice_warns() {
        let found = findings(
            "version: 1\nstack: mail\nconfiguration_sets: {main: {suppression: {reasons: [BOUNCE, BOUNCE]}}}\n",
        );
        assert_eq!(
            found,
            [
                "warning configuration_sets.main.suppression.reasons: a suppression reason is listed twice (list each reason once)"
            ]
        );
    }
}
