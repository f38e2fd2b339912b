//! The `event_destinations:` of a configuration set: events, enabled, and exactly one
//! target (Firehose, SNS, CloudWatch, EventBridge) with its references.

use std::collections::BTreeSet;

use super::{Checker, names};
use crate::model;
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::{Focus, Path};
use crate::spec::types::{self, EventSelection};

impl Checker {
    pub(super) fn destination(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        name: &str,
        d: &types::EventDestination,
        spec: &types::Spec,
        used_streams: &mut BTreeSet<String>,
    ) -> model::EventDestination {
        self.check_key(
            path,
            name,
            names::ses_name(name, "an event destination name"),
        );
        let enabled = d.enabled.unwrap_or(limits::DEFAULT_DESTINATION_ENABLED);
        let events: BTreeSet<model::EventType> = match &d.events {
            None => BTreeSet::new(),
            Some(EventSelection::All) => model::EventType::ALL.into_iter().collect(),
            Some(EventSelection::List(list)) => {
                let set: BTreeSet<_> = list.iter().copied().collect();
                if set.len() != list.len() {
                    self.warning(
                        &path.key("events"),
                        Focus::Value,
                        "an event type is listed twice",
                        "list each event type once",
                    );
                }
                set
            }
        };
        if enabled && events.is_empty() {
            self.warning(
                &(if d.events.is_some() {
                    path.key("events")
                } else {
                    path.clone()
                }),
                Focus::Key,
                format!("event destination `{name}` is enabled but publishes no events"),
                "add `events: all` or a list of event types, or set `enabled: false`",
            );
        }

        let given = targets_given(d);
        if given.len() != 1 {
            let message = if given.is_empty() {
                format!("event destination `{name}` has no target")
            } else {
                format!(
                    "event destination `{name}` has {} targets: {}",
                    given.len(),
                    given.join(", ")
                )
            };
            self.error(
                path,
                Focus::Key,
                message,
                "give exactly one of: firehose, sns, cloudwatch, eventbridge",
            );
        }

        let target = if let Some(f) = &d.firehose {
            self.firehose_target(ctx, &path.key("firehose"), f, spec, used_streams)
        } else if let Some(s) = &d.sns {
            let topic = self.topic_ref(
                ctx,
                &path.key("sns"),
                s.topic.as_ref(),
                s.topic_arn.as_ref(),
                spec,
            );
            model::Target::Sns { topic }
        } else if let Some(c) = &d.cloudwatch {
            self.cloudwatch_target(ctx, &path.key("cloudwatch"), c)
        } else if let Some(e) = &d.eventbridge {
            let event_bus_arn = self.checked_text(
                ctx,
                &path.key("eventbridge").key("event_bus_arn"),
                &e.event_bus_arn,
                names::event_bus_arn,
            );
            model::Target::EventBridge { event_bus_arn }
        } else {
            // Reported above; any placeholder keeps the model shape (it is discarded).
            model::Target::Sns {
                topic: model::TopicRef::External { arn: String::new() },
            }
        };
        model::EventDestination {
            name: name.to_owned(),
            enabled,
            events,
            target,
        }
    }

    fn firehose_target(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        f: &types::FirehoseTarget,
        spec: &types::Spec,
        used_streams: &mut BTreeSet<String>,
    ) -> model::Target {
        let stream = match (&f.stream, &f.stream_arn) {
            (Some(logical), None) => {
                if spec.firehose_streams.contains_key(logical) {
                    used_streams.insert(logical.clone());
                } else {
                    self.dangling(
                        &path.key("stream"),
                        "firehose stream",
                        logical,
                        spec.firehose_streams.keys(),
                    );
                }
                model::StreamRef::Spec(logical.clone())
            }
            (None, Some(raw)) => {
                let arn = self.checked_text(
                    ctx,
                    &path.key("stream_arn"),
                    raw,
                    names::firehose_stream_arn,
                );
                model::StreamRef::External { arn }
            }
            (Some(_), Some(_)) | (None, None) => {
                self.error(
                    path,
                    Focus::Key,
                    "a firehose target needs exactly one of `stream` and `stream_arn`",
                    "`stream: NAME` for a stream of the spec, or `stream_arn: ARN` for another",
                );
                model::StreamRef::Spec(String::new())
            }
        };
        let role = match (&f.role, &f.role_arn) {
            (Some(_), Some(_)) => {
                self.error(
                    &path.key("role_arn"),
                    Focus::Key,
                    "both `role` and `role_arn` are given",
                    "keep one: `role: auto`, `role: {arn: ARN}` or `role_arn: ARN`",
                );
                model::Role::Auto
            }
            (None, Some(raw)) => {
                let arn = self.checked_text(ctx, &path.key("role_arn"), raw, names::iam_role_arn);
                model::Role::Existing { arn }
            }
            (role, None) => self.role(ctx, &path.key("role"), role.as_ref()),
        };
        model::Target::Firehose { stream, role }
    }

    /// CloudWatch metric dimensions: at least one, each name once.
    fn cloudwatch_target(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        c: &types::CloudWatchTarget,
    ) -> model::Target {
        let p = path.key("dimensions");
        if c.dimensions.is_empty() {
            self.error(
                &p,
                Focus::Value,
                "a CloudWatch destination needs at least one dimension",
                "add e.g. {name: ses:configuration-set, source: MESSAGE_TAG, default: none}",
            );
        }
        let mut seen = BTreeSet::new();
        let dimensions = c
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, dim)| {
                let dp = p.index(i);
                let dim_name = self.text(ctx, &dp.key("name"), &dim.name);
                self.check(
                    &dp.key("name"),
                    &dim_name,
                    names::dimension_part(&dim_name, "a dimension name"),
                );
                if !seen.insert(dim_name.clone()) {
                    self.error(
                        &dp.key("name"),
                        Focus::Value,
                        format!("dimension `{dim_name}` is listed twice"),
                        "each dimension name may appear once",
                    );
                }
                let default = self.text(ctx, &dp.key("default"), &dim.default);
                self.check(
                    &dp.key("default"),
                    &default,
                    names::dimension_part(&default, "a default dimension value"),
                );
                model::Dimension {
                    name: dim_name,
                    source: dim.source,
                    default,
                }
            })
            .collect();
        model::Target::CloudWatch { dimensions }
    }
}

/// The target keys given, of the four of which exactly one is needed.
fn targets_given(d: &types::EventDestination) -> Vec<&'static str> {
    [
        ("firehose", d.firehose.is_some()),
        ("sns", d.sns.is_some()),
        ("cloudwatch", d.cloudwatch.is_some()),
        ("eventbridge", d.eventbridge.is_some()),
    ]
    .into_iter()
    .filter_map(|(k, set)| set.then_some(k))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use super::*;

    /// A spec with one set `main` whose destination `d` is `destination`.
    fn spec(destination: &str) -> String {
        format!(
            "version: 1\nstack: mail\nconfiguration_sets: {{main: {{event_destinations: {{d: {destination}}}}}}}\n"
        )
    }

    #[test]
    fn targets_given_names_each_target_key() {
        let d: types::EventDestination = serde_json::from_str(
            r#"{"sns": {"topic_arn": "x"}, "eventbridge": {"event_bus_arn": "y"}}"#,
        )
        .expect("an event destination");
        assert_eq!(targets_given(&d), ["sns", "eventbridge"]);
    }

    #[test]
    fn exactly_one_target_is_needed() {
        assert_eq!(
            findings(&spec("{events: all}")),
            [
                "error configuration_sets.main.event_destinations.d: event destination `d` has no target (give exactly one of: firehose, sns, cloudwatch, eventbridge)"
            ]
        );
    }

    #[test]
    fn an_enabled_destination_without_events_warns() {
        assert_eq!(
            findings(&spec(
                "{sns: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}}"
            )),
            [
                "warning configuration_sets.main.event_destinations.d: event destination `d` is enabled but publishes no events (add `events: all` or a list of event types, or set `enabled: false`)"
            ]
        );
        assert!(
            findings(&spec(
                "{enabled: false, sns: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}}"
            ))
            .is_empty()
        );
    }

    #[test]
    fn destinations_are_enabled_by_default_and_all_means_every_event() {
        let m = model(&spec(
            "{events: all, sns: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}}",
        ));
        let d = &m.configuration_sets["main"].event_destinations["d"];
        assert_eq!(d.enabled, limits::DEFAULT_DESTINATION_ENABLED);
        assert_eq!(d.events.len(), model::EventType::ALL.len());
    }

    #[test]
    fn dimensions_are_needed_once_each() {
        assert_eq!(
            findings(&spec("{events: all, cloudwatch: {dimensions: []}}")),
            [
                "error configuration_sets.main.event_destinations.d.cloudwatch.dimensions: a CloudWatch destination needs at least one dimension (add e.g. {name: ses:configuration-set, source: MESSAGE_TAG, default: none})"
            ]
        );
        let twice = "{events: all, cloudwatch: {dimensions: [{name: a, source: MESSAGE_TAG, default: x}, {name: a, source: LINK_TAG, default: y}]}}";
        assert_eq!(
            findings(&spec(twice)),
            [
                "error configuration_sets.main.event_destinations.d.cloudwatch.dimensions[1].name: dimension `a` is listed twice (each dimension name may appear once)"
            ]
        );
    }

    #[test]
    fn a_firehose_target_needs_one_stream_and_one_role() {
        let found = findings(&spec(
            "{events: all, firehose: {role: auto, role_arn: \"arn:aws:iam::123456789012:role/r\"}}",
        ));
        assert_eq!(
            found,
            [
                "error configuration_sets.main.event_destinations.d.firehose: a firehose target needs exactly one of `stream` and `stream_arn` (`stream: NAME` for a stream of the spec, or `stream_arn: ARN` for another)",
                "error configuration_sets.main.event_destinations.d.firehose.role_arn: both `role` and `role_arn` are given (keep one: `role: auto`, `role: {arn: ARN}` or `role_arn: ARN`)",
            ]
        );
    }
}
