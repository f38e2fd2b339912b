//! `sesinfra history`: what to look for in a stream's archive (`Query`, shared by every
//! engine), the local engine's per-record work (`Query::matches`, `Stats`), and the
//! renderings (`render`), which take records and stats rows whichever engine found them.

pub mod render;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use time::{Date, Duration, OffsetDateTime};

use crate::archive::record::Brief;
use crate::archive::{ArchiveError, Record, Span};
use crate::model::EventType;

/// What to find: the time window, the filters, and whether to count instead of list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Events at or after this time (the event's own time); `None`: from the start.
    pub since: Option<OffsetDateTime>,
    /// Events at or before this time; `None`: up to now.
    pub until: Option<OffsetDateTime>,
    pub message_id: Option<String>,
    /// Matched, ignoring case, against the recipients the event is about.
    pub recipient: Option<String>,
    /// Empty: every type.
    pub events: BTreeSet<EventType>,
    pub configuration_set: Option<String>,
    /// Counts per UTC day and configuration set instead of the events.
    pub stats: bool,
}

/// Why history cannot run; each says what would be valid.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error(
        "{flag} `{value}` is not a time: give RFC 3339 (2026-11-01T09:30:00Z), a date (2026-11-01, midnight UTC) or a duration back from now (90m, 36h, 7d)"
    )]
    BadTime { flag: &'static str, value: String },
    #[error("--since ({since}) is after --until ({until}): nothing can match")]
    EmptyWindow { since: String, until: String },
    #[error(
        "`{value}` is not an archive: give a local directory or s3://BUCKET/PREFIX (PREFIX may use Firehose's !{{timestamp:...}} expressions)"
    )]
    BadArchive { value: String },
    #[error("{file}: the spec has no firehose_streams; pass --archive PATH|s3://BUCKET/PREFIX")]
    NoStream { file: String },
    #[error("{file}: the spec has {count} streams; pass --stream NAME (one of: {known})")]
    WhichStream {
        file: String,
        count: usize,
        known: String,
    },
    #[error("{file}: no stream `{name}` in firehose_streams (streams: {known})")]
    UnknownStream {
        file: String,
        name: String,
        known: String,
    },
    #[error(
        "{file}: stream `{name}` writes {compression} objects, which history cannot read; it reads GZIP and UNCOMPRESSED"
    )]
    UnreadableCompression {
        file: String,
        name: String,
        compression: &'static str,
    },
    #[error(
        "{file}: the spec has no `analytics.athena`: add it and apply (it creates the Glue table Athena reads), or use --engine local"
    )]
    NoAthena { file: String },
    #[error(
        "--engine athena reads the spec's analytics.athena table, not --archive; use --engine local to read an archive"
    )]
    AthenaArchive,
    #[error("{file}: --stream {name}: analytics.athena reads stream `{athena}`")]
    AthenaOtherStream {
        file: String,
        name: String,
        athena: String,
    },
    #[error("Athena answered rows sesinfra cannot read: {0}")]
    AthenaRows(String),
    #[error("Athena named object `{0}`, which is not in the stream's bucket")]
    AthenaObject(String),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
}

/// How far before and after its prefix hour an object may hold events, beyond the
/// stream's buffering interval: SES's own delay in publishing, and clocks.
pub const PUBLISH_MARGIN: Duration = Duration::minutes(15);

impl Query {
    /// The event times the query asks for.
    pub fn span(&self) -> Span {
        Span {
            start: self.since,
            end: self.until,
        }
    }

    /// The prefix times of the objects that may hold such events. Firehose names an
    /// object by the arrival of its oldest record, and an object collects records for
    /// up to the buffering interval: events up to that long before the window's start
    /// can sit in an earlier object, and SES publishes an event some time after it
    /// happens; both ends widen by the interval plus `PUBLISH_MARGIN`.
    pub fn object_span(&self, buffer_interval: Duration) -> Span {
        let widen = buffer_interval + PUBLISH_MARGIN;
        self.span().widen(widen, widen)
    }

    /// Whether a record answers the query.
    pub fn matches(&self, record: &Record<'_>) -> bool {
        let in_window = self.since.is_none_or(|s| record.time_ms >= unix_ms(s))
            && self.until.is_none_or(|u| record.time_ms <= unix_ms(u));
        in_window
            && (self.events.is_empty() || self.events.contains(&record.event))
            && self
                .message_id
                .as_deref()
                .is_none_or(|id| record.message_id == id)
            && self
                .configuration_set
                .as_deref()
                .is_none_or(|set| record.configuration_set.as_deref() == Some(set))
            && self.recipient.as_deref().is_none_or(|wanted| {
                record
                    .recipients()
                    .iter()
                    .any(|r| r.eq_ignore_ascii_case(wanted))
            })
    }

    /// Whether `brief` records are enough to answer the query: stats without message-id
    /// or recipient filters.
    pub fn brief_suffices(&self) -> bool {
        self.stats && self.message_id.is_none() && self.recipient.is_none()
    }

    /// `matches` for a brief record; only meaningful when `brief_suffices`.
    pub fn matches_brief(&self, record: &Brief<'_>) -> bool {
        self.since.is_none_or(|s| record.time_ms >= unix_ms(s))
            && self.until.is_none_or(|u| record.time_ms <= unix_ms(u))
            && (self.events.is_empty() || self.events.contains(&record.event))
            && self
                .configuration_set
                .as_deref()
                .is_none_or(|set| record.configuration_set == Some(set))
    }

    /// Bytes every matching line contains as written, when the query has such a
    /// selective value: lines without them need not be parsed. Only values JSON writes
    /// as themselves (no escapes) qualify.
    pub fn needle(&self) -> Option<Vec<u8>> {
        let plain = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.@+=".contains(&b))
        };
        if let Some(id) = self.message_id.as_deref().filter(|id| plain(id)) {
            return Some(format!("\"{id}\"").into_bytes());
        }
        self.configuration_set
            .as_deref()
            .filter(|set| plain(set))
            .map(|set| format!("\"{set}\"").into_bytes())
    }
}

/// Milliseconds since the Unix epoch.
pub fn unix_ms(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000)).unwrap_or(i64::MAX)
}

/// A TIME argument: RFC 3339, a date (midnight UTC), or a duration back from `now`
/// (`90m`, `36h`, `7d`, also `s` and `w`).
pub fn parse_time(
    flag: &'static str,
    value: &str,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, HistoryError> {
    let bad = || HistoryError::BadTime {
        flag,
        value: value.to_owned(),
    };
    let text = value.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339) {
        return Ok(t.to_offset(time::UtcOffset::UTC));
    }
    if let Ok(d) = Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    ) {
        return Ok(d.midnight().assume_utc());
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&i| i > 0)
        .ok_or_else(bad)?;
    let amount: i64 = text[..split].parse().map_err(|_| bad())?;
    let unit = match &text[split..] {
        "s" => Duration::SECOND,
        "m" => Duration::MINUTE,
        "h" => Duration::HOUR,
        "d" => Duration::DAY,
        "w" => Duration::WEEK,
        _ => return Err(bad()),
    };
    let back = unit.checked_mul(i32::try_from(amount).map_err(|_| bad())?);
    back.and_then(|b| now.checked_sub(b)).ok_or_else(bad)
}

/// Counts per (UTC day, configuration set), for `--stats`. The set is `None` for
/// events not published through one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Keyed by set name ("" for none), then day (days since the epoch).
    counts: HashMap<String, BTreeMap<i64, [u64; 10]>>,
}

/// One row of `--stats`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatsRow {
    pub day: Date,
    pub configuration_set: Option<String>,
    /// Per event type, in `EventType::ALL`'s order.
    pub counts: [u64; 10],
}

impl Stats {
    pub fn add(&mut self, record: &Record<'_>) {
        self.add_brief(&Brief {
            event: record.event,
            time_ms: record.time_ms,
            configuration_set: record.configuration_set.as_deref(),
        });
    }

    pub fn add_brief(&mut self, record: &Brief<'_>) {
        let set = record.configuration_set.unwrap_or("");
        let days = match self.counts.get_mut(set) {
            Some(days) => days,
            None => self.counts.entry(set.to_owned()).or_default(),
        };
        let day = record.time_ms.div_euclid(86_400_000);
        days.entry(day).or_default()[type_index(record.event)] += 1;
    }

    pub fn merge(&mut self, other: Stats) {
        for (set, days) in other.counts {
            let mine = self.counts.entry(set).or_default();
            for (day, counts) in days {
                let row = mine.entry(day).or_default();
                for (a, b) in row.iter_mut().zip(counts) {
                    *a += b;
                }
            }
        }
    }

    /// The rows by day, then set (events without a set first).
    pub fn rows(&self) -> Vec<StatsRow> {
        let mut rows: Vec<StatsRow> = self
            .counts
            .iter()
            .flat_map(|(set, days)| {
                days.iter().map(move |(day, counts)| StatsRow {
                    day: Date::from_julian_day(
                        i32::try_from(*day + UNIX_EPOCH_JULIAN_DAY).unwrap_or(0),
                    )
                    .unwrap_or(Date::MIN),
                    configuration_set: (!set.is_empty()).then(|| set.clone()),
                    counts: *counts,
                })
            })
            .collect();
        rows.sort_by(|a, b| (a.day, &a.configuration_set).cmp(&(b.day, &b.configuration_set)));
        rows
    }
}

const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

impl StatsRow {
    pub fn count(&self, event: EventType) -> u64 {
        self.counts[type_index(event)]
    }

    /// Bounces per send; `None` when the day had no sends.
    pub fn bounce_rate(&self) -> Option<f64> {
        self.rate(EventType::Bounce)
    }

    /// Complaints per send; `None` when the day had no sends.
    pub fn complaint_rate(&self) -> Option<f64> {
        self.rate(EventType::Complaint)
    }

    fn rate(&self, event: EventType) -> Option<f64> {
        let sends = self.count(EventType::Send);
        (sends > 0).then(|| self.count(event) as f64 / sends as f64)
    }
}

fn type_index(event: EventType) -> usize {
    EventType::ALL
        .iter()
        .position(|e| *e == event)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::record::parse;
    use time::macros::datetime;

    fn line(event: &str, id: &str, set: &str, to: &str, at: &str) -> String {
        format!(
            r#"{{"eventType":"{event}","mail":{{"timestamp":"{at}","messageId":"{id}","destination":["{to}"],"tags":{{"ses:configuration-set":["{set}"]}}}}}}"#
        )
    }

    #[test]
    fn times_parse_in_every_form() {
        let now = datetime!(2026-11-24 03:00 UTC);
        assert_eq!(
            parse_time("--since", "2026-11-01T09:30:00+09:00", now).unwrap(),
            datetime!(2026-11-01 00:30 UTC)
        );
        assert_eq!(
            parse_time("--since", "2026-11-01", now).unwrap(),
            datetime!(2026-11-01 0:00 UTC)
        );
        assert_eq!(
            parse_time("--since", "90m", now).unwrap(),
            datetime!(2026-11-24 01:30 UTC)
        );
        assert_eq!(
            parse_time("--since", "7d", now).unwrap(),
            datetime!(2026-11-17 03:00 UTC)
        );
        for bad in ["", "yesterday", "5y", "-3h", "h", "99999999999d"] {
            let e = parse_time("--until", bad, now).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("--until `{bad}` is not a time")),
                "{e}"
            );
        }
    }

    #[test]
    fn filters_combine() {
        let a = line(
            "Bounce",
            "m-1",
            "Set",
            "A@Example.com",
            "2026-11-01T10:00:00.000Z",
        );
        let record = parse(a.as_bytes()).unwrap();
        let mut q = Query::default();
        assert!(q.matches(&record));
        q.recipient = Some("a@example.COM".into());
        q.events = [EventType::Bounce, EventType::Send].into();
        q.configuration_set = Some("Set".into());
        q.message_id = Some("m-1".into());
        q.since = Some(datetime!(2026-11-01 10:00 UTC));
        q.until = Some(datetime!(2026-11-01 10:00 UTC));
        assert!(q.matches(&record));
        for change in [
            |q: &mut Query| q.message_id = Some("m-2".into()),
            |q: &mut Query| q.recipient = Some("b@example.com".into()),
            |q: &mut Query| q.events = [EventType::Delivery].into(),
            |q: &mut Query| q.configuration_set = Some("Other".into()),
            |q: &mut Query| q.since = Some(datetime!(2026-11-01 10:00:00.001 UTC)),
            |q: &mut Query| q.until = Some(datetime!(2026-11-01 09:59:59.999 UTC)),
        ] {
            let mut q2 = q.clone();
            change(&mut q2);
            assert!(!q2.matches(&record), "{q2:?}");
        }
    }

    #[test]
    fn needles_only_for_plain_values() {
        let mut q = Query {
            configuration_set: Some("Set-1".into()),
            ..Query::default()
        };
        assert_eq!(q.needle(), Some(b"\"Set-1\"".to_vec()));
        q.message_id = Some("0100-abc".into());
        assert_eq!(q.needle(), Some(b"\"0100-abc\"".to_vec()));
        q.message_id = Some("a\"b".into());
        assert_eq!(q.needle(), Some(b"\"Set-1\"".to_vec()));
    }

    #[test]
    fn stats_count_per_day_and_set_with_rates() {
        let mut first = Stats::default();
        let mut second = Stats::default();
        let lines = [
            line("Send", "1", "A", "x@e", "2026-11-01T00:00:00Z"),
            line("Send", "2", "A", "x@e", "2026-11-01T23:59:59.999Z"),
            line("Bounce", "2", "A", "x@e", "2026-11-01T12:00:00Z"),
            line("Complaint", "1", "B", "x@e", "2026-11-02T00:00:00Z"),
        ];
        for (i, l) in lines.iter().enumerate() {
            let r = parse(l.as_bytes()).unwrap();
            if i % 2 == 0 { &mut first } else { &mut second }.add(&r);
        }
        first.merge(second);
        let rows = first.rows();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].day, time::macros::date!(2026 - 11 - 01));
        assert_eq!(rows[0].configuration_set.as_deref(), Some("A"));
        assert_eq!(rows[0].count(EventType::Send), 2);
        assert_eq!(rows[0].bounce_rate(), Some(0.5));
        assert_eq!(rows[0].complaint_rate(), Some(0.0));
        assert_eq!(rows[1].count(EventType::Complaint), 1);
        assert_eq!(rows[1].complaint_rate(), None);
    }
}
