//! Contract §1's bounce/complaint rule, counting every way SES delivers them (contract
//! §5): email forwarding (`feedback_forwarding`), the identity's SNS notification
//! topics (`notifications:`), and the enabled event destinations of its default
//! configuration set. An identity left without a way for BOUNCE or for COMPLAINT
//! loses those notifications: an error. One that receives either more than one way
//! gets every such notification more than once: a warning naming the ways.

use std::collections::BTreeSet;

use super::Checker;
use crate::model::EventType;
use crate::spec::source_map::{Focus, Path};

/// The feedback events the rule is about.
const FEEDBACK: [EventType; 2] = [EventType::Bounce, EventType::Complaint];

/// An identity's default configuration set, as the rule sees it.
#[derive(Debug)]
pub(super) enum DefaultSet<'a> {
    /// No `default_configuration_set:`.
    Absent,
    /// It names a set the spec does not define (reported as a dangling reference).
    Unknown,
    /// A set of the spec, and the events its enabled destinations publish.
    Known {
        name: &'a str,
        covered: BTreeSet<EventType>,
    },
}

/// How an identity receives its feedback, as the rule sees it.
#[derive(Debug)]
pub(super) struct Ways<'a> {
    pub forwarding: bool,
    /// The feedback types that have a notification topic.
    pub topics: BTreeSet<EventType>,
    pub set: DefaultSet<'a>,
}

/// One way an identity receives a feedback type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Way<'a> {
    Forwarding,
    Topic,
    Destinations(&'a str),
}

impl Way<'_> {
    fn words(&self) -> String {
        match self {
            Way::Forwarding => "email forwarding".to_owned(),
            Way::Topic => "its SNS notification topic".to_owned(),
            Way::Destinations(set) => format!("the event destinations of `{set}`"),
        }
    }
}

/// What the rule finds wrong, if anything.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Finding<'a> {
    /// These feedback types reach the identity's owner no way at all; `set` is its
    /// default set, if it has one.
    Lost {
        missing: Vec<EventType>,
        set: Option<&'a str>,
    },
    /// These feedback types arrive more than one way, each with its ways.
    Duplicate {
        doubled: Vec<(EventType, Vec<Way<'a>>)>,
    },
}

/// The rule itself, free of wording and locations.
pub(super) fn finding<'a>(ways: &Ways<'a>) -> Option<Finding<'a>> {
    let (set_name, set_covers): (Option<&'a str>, Option<&BTreeSet<EventType>>) = match &ways.set {
        DefaultSet::Absent => (None, None),
        // Reported as a dangling reference; the rule cannot tell what it covers.
        DefaultSet::Unknown => return None,
        DefaultSet::Known { name, covered } => (Some(*name), Some(covered)),
    };
    let ways_of = |event: EventType| {
        let mut found = Vec::new();
        if ways.forwarding {
            found.push(Way::Forwarding);
        }
        if ways.topics.contains(&event) {
            found.push(Way::Topic);
        }
        if let (Some(name), Some(covered)) = (set_name, set_covers)
            && covered.contains(&event)
        {
            found.push(Way::Destinations(name));
        }
        found
    };
    let missing: Vec<EventType> = FEEDBACK
        .into_iter()
        .filter(|e| ways_of(*e).is_empty())
        .collect();
    if !missing.is_empty() {
        return Some(Finding::Lost {
            missing,
            set: set_name,
        });
    }
    let doubled: Vec<(EventType, Vec<Way<'a>>)> = FEEDBACK
        .into_iter()
        .map(|e| (e, ways_of(e)))
        .filter(|(_, w)| w.len() > 1)
        .collect();
    (!doubled.is_empty()).then_some(Finding::Duplicate { doubled })
}

fn either(events: &[EventType], joiner: &str) -> String {
    let names: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    names.join(joiner)
}

impl Checker {
    /// Reports the rule's finding for identity `name` at `path`. `forwarding_given`:
    /// whether the spec states `feedback_forwarding:` (else it is AWS's default).
    pub(super) fn feedback(
        &mut self,
        path: &Path,
        name: &str,
        ways: &Ways<'_>,
        forwarding_given: bool,
        notifications_given: bool,
    ) {
        let key = path.key("feedback_forwarding");
        match finding(ways) {
            None => {}
            Some(Finding::Lost { missing, set: None }) => self.error(
                &key,
                Focus::Value,
                format!(
                    "feedback forwarding is off for `{name}` and it has no default configuration set, nor a notification topic for {}: those notifications would be lost",
                    either(&missing, " or ")
                ),
                format!(
                    "set `notifications:` topics for {}, or `default_configuration_set:` to a configuration set whose enabled event destinations cover {}, or set `feedback_forwarding: true`",
                    either(&missing, " and "),
                    either(&missing, " and ")
                ),
            ),
            Some(Finding::Lost { missing, set: Some(set) }) => self.error(
                &key,
                Focus::Value,
                format!(
                    "feedback forwarding is off for `{name}`, it has no notification topic for {}, and no enabled event destination of its default configuration set `{set}` publishes {}: those notifications would be lost",
                    either(&missing, " or "),
                    either(&missing, " or ")
                ),
                format!(
                    "add {} to an enabled event destination of `{set}`, set `notifications:` topics for them, or set `feedback_forwarding: true`",
                    either(&missing, " and ")
                ),
            ),
            Some(Finding::Duplicate { doubled }) => {
                let forwarding_doubles = doubled
                    .iter()
                    .any(|(_, w)| w.contains(&Way::Forwarding));
                let at = if forwarding_doubles && forwarding_given {
                    key
                } else if !forwarding_doubles && notifications_given {
                    path.key("notifications")
                } else {
                    path.clone()
                };
                // Types received the same ways are named together.
                let mut each: Vec<(Vec<&str>, &Vec<Way<'_>>)> = Vec::new();
                for (event, ways) in &doubled {
                    match each.iter_mut().find(|(_, w)| *w == ways) {
                        Some((events, _)) => events.push(event.as_str()),
                        None => each.push((vec![event.as_str()], ways)),
                    }
                }
                let each: Vec<String> = each
                    .iter()
                    .map(|(events, ways)| {
                        let words: Vec<String> = ways.iter().map(Way::words).collect();
                        format!("{} by {}", events.join(" and "), words.join(" and "))
                    })
                    .collect();
                let help = if forwarding_doubles {
                    "keep one way for each: set `feedback_forwarding: false` if the topics or event destinations are how you handle them (feedback forwarding defaults to true)"
                } else {
                    "keep one way for each: remove the notification topic, or the event type from the destinations"
                };
                self.warning(
                    &at,
                    Focus::Key,
                    format!(
                        "`{name}` receives {}: every such notification arrives more than once",
                        each.join("; ")
                    ),
                    help,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;
    use super::*;
    use EventType::{Bounce, Complaint, Delivery};

    fn ways(forwarding: bool, topics: &[EventType], set: DefaultSet<'static>) -> Ways<'static> {
        Ways {
            forwarding,
            topics: topics.iter().copied().collect(),
            set,
        }
    }

    fn known(events: &[EventType]) -> DefaultSet<'static> {
        DefaultSet::Known {
            name: "main",
            covered: events.iter().copied().collect(),
        }
    }

    #[test]
    fn forwarding_off_needs_another_way_for_each_type() {
        assert_eq!(
            finding(&ways(false, &[], DefaultSet::Absent)),
            Some(Finding::Lost {
                missing: vec![Bounce, Complaint],
                set: None
            })
        );
        assert_eq!(finding(&ways(true, &[], DefaultSet::Absent)), None);
        assert_eq!(
            finding(&ways(false, &[Bounce, Complaint], DefaultSet::Absent)),
            None
        );
        assert_eq!(
            finding(&ways(false, &[Bounce], known(&[Delivery]))),
            Some(Finding::Lost {
                missing: vec![Complaint],
                set: Some("main")
            })
        );
        // One type by topic, the other by destination: covered.
        assert_eq!(finding(&ways(false, &[Bounce], known(&[Complaint]))), None);
    }

    #[test]
    fn an_unknown_default_set_is_left_to_the_reference_check() {
        assert_eq!(finding(&ways(false, &[], DefaultSet::Unknown)), None);
        assert_eq!(finding(&ways(true, &[], DefaultSet::Unknown)), None);
    }

    #[test]
    fn two_ways_for_one_type_are_a_duplicate_naming_them() {
        assert_eq!(
            finding(&ways(true, &[], known(&[Complaint]))),
            Some(Finding::Duplicate {
                doubled: vec![(Complaint, vec![Way::Forwarding, Way::Destinations("main")])]
            })
        );
        assert_eq!(
            finding(&ways(false, &[Bounce, Complaint], known(&[Bounce]))),
            Some(Finding::Duplicate {
                doubled: vec![(Bounce, vec![Way::Topic, Way::Destinations("main")])]
            })
        );
        assert_eq!(finding(&ways(true, &[], known(&[Delivery]))), None);
    }

    /// A spec with identity `example.com` (body `identity`) and a set `main` whose one
    /// destination publishes `events` and is `enabled`.
    fn spec(identity: &str, events: &str, enabled: bool) -> String {
        format!(
            "version: 1\nstack: mail\n\
             configuration_sets: {{main: {{event_destinations: {{d: {{enabled: {enabled}, events: {events}, sns: {{topic_arn: \"arn:aws:sns:eu-west-1:123456789012:t\"}}}}}}}}}}\n\
             identities: {{example.com: {identity}}}\n"
        )
    }

    #[test]
    fn a_disabled_destination_covers_nothing() {
        let found = findings(&spec(
            "{default_configuration_set: main, feedback_forwarding: false}",
            "[BOUNCE, COMPLAINT]",
            false,
        ));
        assert_eq!(
            found,
            [
                "error identities.\"example.com\".feedback_forwarding: feedback forwarding is off for `example.com`, it has no notification topic for BOUNCE or COMPLAINT, and no enabled event destination of its default configuration set `main` publishes BOUNCE or COMPLAINT: those notifications would be lost (add BOUNCE and COMPLAINT to an enabled event destination of `main`, set `notifications:` topics for them, or set `feedback_forwarding: true`)"
            ]
        );
    }

    #[test]
    fn notification_topics_cover_what_the_set_does_not() {
        let found = findings(&spec(
            "{default_configuration_set: main, feedback_forwarding: false, notifications: {complaint: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:c\"}}}",
            "[BOUNCE]",
            true,
        ));
        assert_eq!(found, Vec::<String>::new());
    }

    #[test]
    fn the_duplicate_warning_points_at_the_key_only_when_given() {
        let implicit = findings(&spec("{default_configuration_set: main}", "[BOUNCE]", true));
        assert_eq!(
            implicit,
            [
                "warning identities.\"example.com\": `example.com` receives BOUNCE by email forwarding and the event destinations of `main`: every such notification arrives more than once (keep one way for each: set `feedback_forwarding: false` if the topics or event destinations are how you handle them (feedback forwarding defaults to true))"
            ]
        );
        let explicit = findings(&spec(
            "{default_configuration_set: main, feedback_forwarding: true}",
            "[BOUNCE]",
            true,
        ));
        assert_eq!(explicit.len(), 1, "{explicit:?}");
        assert!(
            explicit[0].starts_with("warning identities.\"example.com\".feedback_forwarding: ")
        );
        let by_topic = findings(&spec(
            "{default_configuration_set: main, feedback_forwarding: false, notifications: {bounce: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:b\"}, complaint: {topic_arn: \"arn:aws:sns:eu-west-1:123456789012:c\"}}}",
            "[BOUNCE]",
            true,
        ));
        assert_eq!(
            by_topic,
            [
                "warning identities.\"example.com\".notifications: `example.com` receives BOUNCE by its SNS notification topic and the event destinations of `main`: every such notification arrives more than once (keep one way for each: remove the notification topic, or the event type from the destinations)"
            ]
        );
    }

    #[test]
    fn forwarding_off_without_a_default_set_is_an_error() {
        let found = findings(
            "version: 1\nstack: mail\nidentities: {example.com: {feedback_forwarding: false}}\n",
        );
        assert_eq!(
            found,
            [
                "error identities.\"example.com\".feedback_forwarding: feedback forwarding is off for `example.com` and it has no default configuration set, nor a notification topic for BOUNCE or COMPLAINT: those notifications would be lost (set `notifications:` topics for BOUNCE and COMPLAINT, or `default_configuration_set:` to a configuration set whose enabled event destinations cover BOUNCE and COMPLAINT, or set `feedback_forwarding: true`)"
            ]
        );
    }
}
