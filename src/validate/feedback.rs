//! Contract §1's bounce/complaint rule. An identity that does not forward feedback by
//! email (`feedback_forwarding: false`) must have a default configuration set whose
//! enabled event destinations publish BOUNCE and COMPLAINT, or those notifications are
//! lost: an error. One that forwards feedback while its default set publishes either
//! gets every notification twice: a warning.

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

/// What the rule finds wrong, if anything.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Finding<'a> {
    /// Forwarding is off and there is no default set.
    NoDefaultSet,
    /// Forwarding is off and the default set does not publish these feedback events.
    Uncovered {
        set: &'a str,
        missing: Vec<EventType>,
    },
    /// Forwarding is on and the default set publishes feedback too.
    Duplicate { set: &'a str },
}

/// The rule itself, free of wording and locations.
pub(super) fn finding<'a>(forwarding: bool, set: &DefaultSet<'a>) -> Option<Finding<'a>> {
    match set {
        DefaultSet::Absent => (!forwarding).then_some(Finding::NoDefaultSet),
        DefaultSet::Unknown => None,
        DefaultSet::Known { name, covered } => {
            let missing: Vec<EventType> = FEEDBACK
                .into_iter()
                .filter(|e| !covered.contains(e))
                .collect();
            if forwarding {
                (missing.len() < FEEDBACK.len()).then_some(Finding::Duplicate { set: name })
            } else {
                (!missing.is_empty()).then_some(Finding::Uncovered { set: name, missing })
            }
        }
    }
}

impl Checker {
    /// Reports the rule's finding for identity `name` at `path`. `forwarding_given`:
    /// whether the spec states `feedback_forwarding:` (else it is AWS's default).
    pub(super) fn feedback(
        &mut self,
        path: &Path,
        name: &str,
        forwarding: bool,
        forwarding_given: bool,
        set: &DefaultSet<'_>,
    ) {
        let key = path.key("feedback_forwarding");
        match finding(forwarding, set) {
            None => {}
            Some(Finding::NoDefaultSet) => self.error(
                &key,
                Focus::Value,
                format!("feedback forwarding is off for `{name}` and it has no default configuration set: its bounce and complaint notifications would be lost"),
                "set `default_configuration_set:` to a configuration set whose enabled event destinations cover BOUNCE and COMPLAINT, or set `feedback_forwarding: true`",
            ),
            Some(Finding::Uncovered { set, missing }) => {
                let missing: Vec<&str> = missing.iter().map(|e| e.as_str()).collect();
                self.error(
                    &key,
                    Focus::Value,
                    format!("feedback forwarding is off for `{name}`, but no enabled event destination of its default configuration set `{set}` publishes {}: those notifications would be lost", missing.join(" or ")),
                    format!("add {} to an enabled event destination of `{set}`, or set `feedback_forwarding: true`", missing.join(" and ")),
                );
            }
            Some(Finding::Duplicate { set }) => self.warning(
                if forwarding_given { &key } else { path },
                Focus::Key,
                format!("`{name}` forwards feedback by email and its default configuration set `{set}` also publishes bounces/complaints: every notification arrives twice"),
                "set `feedback_forwarding: false` if the event destination is how you handle them (feedback forwarding defaults to true)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;
    use super::*;

    fn known(events: &[EventType]) -> DefaultSet<'static> {
        DefaultSet::Known {
            name: "main",
            covered: events.iter().copied().collect(),
        }
    }

    #[test]
    fn forwarding_off_needs_a_default_set() {
        assert_eq!(
            finding(false, &DefaultSet::Absent),
            Some(Finding::NoDefaultSet)
        );
        assert_eq!(finding(true, &DefaultSet::Absent), None);
    }

    #[test]
    fn an_unknown_default_set_is_left_to_the_reference_check() {
        assert_eq!(finding(false, &DefaultSet::Unknown), None);
        assert_eq!(finding(true, &DefaultSet::Unknown), None);
    }

    #[test]
    fn forwarding_off_needs_both_feedback_events() {
        use EventType::{Bounce, Complaint, Delivery};
        assert_eq!(finding(false, &known(&[Bounce, Complaint, Delivery])), None);
        assert_eq!(
            finding(false, &known(&[Bounce])),
            Some(Finding::Uncovered {
                set: "main",
                missing: vec![Complaint]
            })
        );
        assert_eq!(
            finding(false, &known(&[Delivery])),
            Some(Finding::Uncovered {
                set: "main",
                missing: vec![Bounce, Complaint]
            })
        );
    }

    #[test]
    fn forwarding_on_with_feedback_published_is_a_duplicate() {
        use EventType::{Complaint, Delivery};
        assert_eq!(
            finding(true, &known(&[Complaint])),
            Some(Finding::Duplicate { set: "main" })
        );
        assert_eq!(finding(true, &known(&[Delivery])), None);
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
                "error identities.\"example.com\".feedback_forwarding: feedback forwarding is off for `example.com`, but no enabled event destination of its default configuration set `main` publishes BOUNCE or COMPLAINT: those notifications would be lost (add BOUNCE and COMPLAINT to an enabled event destination of `main`, or set `feedback_forwarding: true`)"
            ]
        );
    }

    #[test]
    fn the_duplicate_warning_points_at_the_key_only_when_given() {
        let implicit = findings(&spec("{default_configuration_set: main}", "[BOUNCE]", true));
        assert_eq!(implicit.len(), 1, "{implicit:?}");
        assert!(implicit[0].starts_with(
            "warning identities.\"example.com\": `example.com` forwards feedback by email"
        ));
        let explicit = findings(&spec(
            "{default_configuration_set: main, feedback_forwarding: true}",
            "[BOUNCE]",
            true,
        ));
        assert_eq!(explicit.len(), 1, "{explicit:?}");
        assert!(
            explicit[0].starts_with("warning identities.\"example.com\".feedback_forwarding: ")
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
                "error identities.\"example.com\".feedback_forwarding: feedback forwarding is off for `example.com` and it has no default configuration set: its bounce and complaint notifications would be lost (set `default_configuration_set:` to a configuration set whose enabled event destinations cover BOUNCE and COMPLAINT, or set `feedback_forwarding: true`)"
            ]
        );
    }
}
