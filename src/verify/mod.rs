//! `sesinfra verify`: prove the pipeline works end to end. What to test (the spec's
//! enabled Firehose destinations), what to send (one message to each of the mailbox
//! simulator's addresses per configuration set), which records must arrive (SEND,
//! DELIVERY, BOUNCE, COMPLAINT, as far as each destination selects them), matching the
//! records found in the streams' S3 output to them, and the report. Pure:
//! `commands/verify.rs` sends, lists and reads through `crate::aws`.
//!
//! `layout`: the S3 keys a stream writes and the records of one object. `causes`: why
//! an expected record is missing, from what AWS has. `render`: text, markdown, JSON
//! (contract §7).

pub mod causes;
pub mod layout;
pub mod render;

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::desired::Desired;
use crate::resources::{EventType, Target};

pub use causes::Cause;

/// The mailbox simulator's addresses `verify` sends to, and what SES records for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recipient {
    Success,
    Bounce,
    Complaint,
}

impl Recipient {
    pub const ALL: [Recipient; 3] = [Recipient::Success, Recipient::Bounce, Recipient::Complaint];

    pub fn address(self) -> &'static str {
        match self {
            Recipient::Success => "success@simulator.amazonses.com",
            Recipient::Bounce => "bounce@simulator.amazonses.com",
            Recipient::Complaint => "complaint@simulator.amazonses.com",
        }
    }

    /// The events SES publishes for a message to this address, in order: the
    /// simulator accepts `success@`, rejects `bounce@` with a hard bounce, and accepts
    /// `complaint@`, whose recipient then complains.
    pub fn events(self) -> &'static [EventType] {
        match self {
            Recipient::Success => &[EventType::Send, EventType::Delivery],
            Recipient::Bounce => &[EventType::Send, EventType::Bounce],
            Recipient::Complaint => &[EventType::Send, EventType::Delivery, EventType::Complaint],
        }
    }
}

/// One enabled Firehose destination of the spec that `verify` tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub configuration_set: String,
    pub name: String,
    pub stream_arn: String,
    pub role_arn: String,
    /// What the spec selects, of the events the simulator can produce.
    pub events: BTreeSet<EventType>,
}

impl Destination {
    pub fn stream_name(&self) -> &str {
        self.stream_arn
            .rsplit('/')
            .next()
            .unwrap_or(&self.stream_arn)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VerifyError {
    #[error(
        "configuration set {0} is not in the spec; --configuration-set takes a configuration set of the spec's configuration_sets"
    )]
    UnknownSet(String),
    #[error(
        "nothing to verify: {}; verify sends through configuration sets with an enabled Firehose event destination",
        if named.is_empty() { "no configuration set of the spec has an enabled Firehose event destination that selects SEND, DELIVERY, BOUNCE or COMPLAINT".to_owned() } else { format!("{} has no enabled Firehose event destination that selects SEND, DELIVERY, BOUNCE or COMPLAINT", named.join(", ")) }
    )]
    NothingToVerify { named: Vec<String> },
    #[error(
        "verify needs a sender: none of the spec's identities is verified for sending in SES ({}). Verify one (SES console, or the DNS records of `aws sesv2 get-email-identity`) or add a verified one under identities:",
        if identities.is_empty() { "the spec has no identities".to_owned() } else { identities.join(", ") }
    )]
    NoVerifiedSender { identities: Vec<String> },
}

/// The destinations to test: every enabled Firehose destination of the spec's sets,
/// or of the sets named (each must be in the spec and have one).
pub fn destinations(desired: &Desired, named: &[String]) -> Result<Vec<Destination>, VerifyError> {
    for name in named {
        if !desired.configuration_sets.contains_key(name) {
            return Err(VerifyError::UnknownSet(name.clone()));
        }
    }
    let simulated: BTreeSet<EventType> = Recipient::ALL
        .iter()
        .flat_map(|r| r.events().iter().copied())
        .collect();
    let found: Vec<Destination> = desired
        .event_destinations
        .values()
        .filter(|d| d.enabled)
        .filter(|d| named.is_empty() || named.contains(&d.configuration_set))
        .filter_map(|d| match &d.target {
            Target::Firehose {
                delivery_stream_arn,
                iam_role_arn,
            } => Some(Destination {
                configuration_set: d.configuration_set.clone(),
                name: d.name.clone(),
                stream_arn: delivery_stream_arn.clone(),
                role_arn: iam_role_arn.clone(),
                events: d.events.intersection(&simulated).copied().collect(),
            }),
            _ => None,
        })
        .filter(|d| !d.events.is_empty())
        .collect();
    let missing: Vec<String> = named
        .iter()
        .filter(|n| !found.iter().any(|d| &d.configuration_set == *n))
        .cloned()
        .collect();
    if found.is_empty() || !missing.is_empty() {
        return Err(VerifyError::NothingToVerify { named: missing });
    }
    Ok(found)
}

/// The sender for an identity: an address identity itself, else an address of the
/// domain.
pub fn sender_address(identity: &str) -> String {
    if identity.contains('@') {
        identity.to_owned()
    } else {
        format!("sesinfra-verify@{identity}")
    }
}

/// One message sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub configuration_set: String,
    pub recipient: Recipient,
    pub message_id: String,
    pub at: OffsetDateTime,
}

/// Where an expected record was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// `s3://bucket/key`.
    pub object: String,
    /// From sending to the object's arrival in S3 (never negative).
    pub latency_seconds: f64,
}

/// One record that must arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub configuration_set: String,
    pub destination: String,
    pub stream_arn: String,
    pub recipient: Recipient,
    pub message_id: String,
    pub event: EventType,
    pub sent_at: OffsetDateTime,
    pub found: Option<Found>,
    /// Filled in for the missing ones once waiting ends.
    pub causes: Vec<Cause>,
}

/// Every record the messages must produce in each destination's stream.
pub fn expectations(destinations: &[Destination], sent: &[Sent]) -> Vec<Expected> {
    let mut out = Vec::new();
    for d in destinations {
        for s in sent
            .iter()
            .filter(|s| s.configuration_set == d.configuration_set)
        {
            for event in s.recipient.events().iter().filter(|e| d.events.contains(e)) {
                out.push(Expected {
                    configuration_set: d.configuration_set.clone(),
                    destination: d.name.clone(),
                    stream_arn: d.stream_arn.clone(),
                    recipient: s.recipient,
                    message_id: s.message_id.clone(),
                    event: *event,
                    sent_at: s.at,
                    found: None,
                    causes: Vec::new(),
                });
            }
        }
    }
    out
}

/// Marks the expectations that the records of one object of a stream satisfy; how
/// many it newly found.
pub fn match_records(
    expected: &mut [Expected],
    stream_arn: &str,
    records: &[layout::RecordKey],
    object: &str,
    stored_at: OffsetDateTime,
) -> usize {
    let mut newly = 0;
    for e in expected
        .iter_mut()
        .filter(|e| e.found.is_none() && e.stream_arn == stream_arn)
    {
        if records
            .iter()
            .any(|r| r.message_id == e.message_id && r.event == e.event)
        {
            e.found = Some(Found {
                object: object.to_owned(),
                latency_seconds: (stored_at - e.sent_at).as_seconds_f64().max(0.0),
            });
            newly += 1;
        }
    }
    newly
}

/// What `verify` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub stack: String,
    pub sender: String,
    pub timeout_seconds: u64,
    pub results: Vec<Expected>,
}

impl Report {
    pub fn found(&self) -> usize {
        self.results.iter().filter(|r| r.found.is_some()).count()
    }

    pub fn all_found(&self) -> bool {
        self.found() == self.results.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::EventDestination;
    use time::macros::datetime;

    fn desired(events: &[EventType], enabled: bool) -> Desired {
        let mut d = Desired::default();
        d.configuration_sets.insert(
            "Set".into(),
            crate::resources::ConfigurationSet::with_defaults("Set"),
        );
        d.event_destinations.insert(
            ("Set".into(), "history".into()),
            EventDestination {
                configuration_set: "Set".into(),
                name: "history".into(),
                enabled,
                events: events.iter().copied().collect(),
                target: Target::Firehose {
                    delivery_stream_arn: "arn:aws:firehose:eu-west-1:1:deliverystream/s".into(),
                    iam_role_arn: "arn:aws:iam::1:role/r".into(),
                },
            },
        );
        d
    }

    #[test]
    fn destinations_are_the_enabled_firehose_ones() {
        let d = desired(&EventType::ALL, true);
        let found = destinations(&d, &[]).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].events,
            [
                EventType::Send,
                EventType::Bounce,
                EventType::Complaint,
                EventType::Delivery
            ]
            .into_iter()
            .collect()
        );
        assert_eq!(found[0].stream_name(), "s");
        assert_eq!(
            destinations(&d, &["Nope".into()]),
            Err(VerifyError::UnknownSet("Nope".into()))
        );
        let off = desired(&EventType::ALL, false);
        assert_eq!(
            destinations(&off, &["Set".into()]),
            Err(VerifyError::NothingToVerify {
                named: vec!["Set".into()]
            })
        );
        assert!(destinations(&off, &[]).is_err());
    }

    #[test]
    fn expectations_follow_the_simulator_and_the_selected_events() {
        let d = destinations(&desired(&[EventType::Bounce, EventType::Send], true), &[]).unwrap();
        let at = datetime!(2026-11-24 03:00 UTC);
        let sent: Vec<Sent> = Recipient::ALL
            .iter()
            .map(|r| Sent {
                configuration_set: "Set".into(),
                recipient: *r,
                message_id: format!("{r:?}"),
                at,
            })
            .collect();
        let mut expected = expectations(&d, &sent);
        let pairs: Vec<(Recipient, EventType)> =
            expected.iter().map(|e| (e.recipient, e.event)).collect();
        assert_eq!(
            pairs,
            [
                (Recipient::Success, EventType::Send),
                (Recipient::Bounce, EventType::Send),
                (Recipient::Bounce, EventType::Bounce),
                (Recipient::Complaint, EventType::Send),
            ]
        );
        let records = [layout::RecordKey {
            event: EventType::Bounce,
            message_id: "Bounce".into(),
        }];
        let stored = datetime!(2026-11-24 03:00:42 UTC);
        let stream = d[0].stream_arn.clone();
        assert_eq!(
            match_records(&mut expected, "other", &records, "s3://b/k", stored),
            0
        );
        assert_eq!(
            match_records(&mut expected, &stream, &records, "s3://b/k", stored),
            1
        );
        assert_eq!(
            expected[2].found,
            Some(Found {
                object: "s3://b/k".into(),
                latency_seconds: 42.0
            })
        );
        assert_eq!(
            match_records(&mut expected, &stream, &records, "s3://b/k2", stored),
            0
        );
    }

    #[test]
    fn senders() {
        assert_eq!(sender_address("example.com"), "sesinfra-verify@example.com");
        assert_eq!(sender_address("me@example.com"), "me@example.com");
    }
}
