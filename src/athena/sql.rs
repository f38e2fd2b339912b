//! The history query as Athena SQL (Trino dialect), and its result rows read back.
//!
//! The same filters as the local reader (`crate::history::Query::matches`): message
//! id, recipient (ignoring case, one of the recipients the event is about: the
//! event's own list when it names them, else the message's destinations), event
//! types, configuration set (the `ses:configuration-set` tag SES adds to every record
//! of a set), and a time window on the event's own time. The
//! window also becomes a range of the partition column `dt`, so Athena reads only the
//! hours or days that can hold matching records: a record lands in the partition of
//! its arrival at Firehose, at or after the event and at most the buffering interval
//! later, so the range runs from the window's start to an hour past its end.
//!
//! Times in the records are ISO 8601 strings (`2026-11-03T07:59:01.123Z`), compared as
//! times (`from_iso8601_timestamp`); the day of `--stats` is the date part of the UTC
//! time SES writes.

use time::{Date, Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use super::{Layout, PARTITION_COLUMN};
use crate::history::{Query, StatsRow};
use crate::model::EventType;

/// The table a query runs against.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    pub database: &'a str,
    pub table: &'a str,
    pub layout: &'a Layout,
}

/// How SES spells each event type in a record's `eventType`.
pub fn record_event_type(t: EventType) -> &'static str {
    match t {
        EventType::Send => "Send",
        EventType::Reject => "Reject",
        EventType::Bounce => "Bounce",
        EventType::Complaint => "Complaint",
        EventType::Delivery => "Delivery",
        EventType::Open => "Open",
        EventType::Click => "Click",
        EventType::RenderingFailure => "Rendering Failure",
        EventType::DeliveryDelay => "DeliveryDelay",
        EventType::Subscription => "Subscription",
    }
}

/// The time of the event itself: its own timestamp, else (Send, Reject, Rendering
/// Failure) the message's.
pub const EVENT_TIME: &str = "coalesce(bounce.timestamp, complaint.timestamp, \
     delivery.timestamp, open.timestamp, click.timestamp, deliverydelay.timestamp, \
     subscription.timestamp, mail.timestamp)";

/// The recipients the event names (delivered, bounced, complained about, delayed).
const EVENT_RECIPIENTS: &str = "coalesce(delivery.recipients, ARRAY[]) \
     || coalesce(transform(bounce.bouncedrecipients, r -> r.emailaddress), ARRAY[]) \
     || coalesce(transform(complaint.complainedrecipients, r -> r.emailaddress), ARRAY[]) \
     || coalesce(transform(deliverydelay.delayedrecipients, r -> r.emailaddress), ARRAY[])";

/// The configuration set a record came through, `''` when it has none.
pub const CONFIGURATION_SET: &str =
    "coalesce(element_at(element_at(mail.tags, 'ses:configuration-set'), 1), '')";

/// The columns of the events query, in order.
pub const EVENT_COLUMNS: [&str; 6] = [
    "event_time",
    "event_type",
    "message_id",
    "configuration_set",
    "destination",
    "object",
];

/// The S3 objects (`s3://bucket/key`) holding matching events, in key order: the
/// local reader then reads just those and prints the events exactly as it does from a
/// listing.
pub fn objects_sql(table: Table<'_>, query: &Query) -> String {
    format!(
        "SELECT DISTINCT \"$path\" AS object\nFROM {}\n{}ORDER BY 1",
        from(table),
        where_clause(table, query)
    )
}

/// Matching events, oldest first, with the S3 object each was read from.
pub fn events_sql(table: Table<'_>, query: &Query) -> String {
    format!(
        "SELECT {EVENT_TIME} AS event_time, eventtype AS event_type, \
         mail.messageid AS message_id, {CONFIGURATION_SET} AS configuration_set, \
         array_join(mail.destination, ',') AS destination, \"$path\" AS object\n\
         FROM {}\n{}\
         ORDER BY event_time, message_id, event_type",
        from(table),
        where_clause(table, query)
    )
}

/// The event types in the order the stats columns list them (contract §7).
pub const STATS_EVENTS: [EventType; 10] = [
    EventType::Send,
    EventType::Delivery,
    EventType::Bounce,
    EventType::Complaint,
    EventType::Reject,
    EventType::DeliveryDelay,
    EventType::Open,
    EventType::Click,
    EventType::RenderingFailure,
    EventType::Subscription,
];

/// Counts per UTC day and configuration set, one column per event type
/// (`STATS_EVENTS`), ordered by day and set.
pub fn stats_sql(table: Table<'_>, query: &Query) -> String {
    let counts: Vec<String> = STATS_EVENTS
        .iter()
        .map(|t| {
            format!(
                "count_if(eventtype = {}) AS {}",
                literal(record_event_type(*t)),
                t.as_str().to_ascii_lowercase()
            )
        })
        .collect();
    format!(
        "SELECT substr({EVENT_TIME}, 1, 10) AS day, {CONFIGURATION_SET} AS configuration_set, {}\n\
         FROM {}\n{}\
         GROUP BY 1, 2\nORDER BY 1, 2",
        counts.join(", "),
        from(table),
        where_clause(table, query)
    )
}

fn from(table: Table<'_>) -> String {
    format!("\"{}\".\"{}\"", table.database, table.table)
}

fn where_clause(table: Table<'_>, query: &Query) -> String {
    let mut conditions = Vec::new();
    if table.layout.sortable {
        // The partitions that can hold the window's records (see the module doc).
        if let Some(since) = query.since {
            conditions.push(format!(
                "{PARTITION_COLUMN} >= {}",
                literal(&table.layout.value(since))
            ));
        }
        if let Some(until) = query.until {
            conditions.push(format!(
                "{PARTITION_COLUMN} <= {}",
                literal(&table.layout.value(until + Duration::HOUR))
            ));
        }
    }
    let time = |at: OffsetDateTime| format!("from_iso8601_timestamp({})", literal(&iso(at)));
    if let Some(since) = query.since {
        conditions.push(format!(
            "from_iso8601_timestamp({EVENT_TIME}) >= {}",
            time(since)
        ));
    }
    if let Some(until) = query.until {
        conditions.push(format!(
            "from_iso8601_timestamp({EVENT_TIME}) <= {}",
            time(until)
        ));
    }
    if let Some(id) = &query.message_id {
        conditions.push(format!("mail.messageid = {}", literal(id)));
    }
    if let Some(recipient) = &query.recipient {
        conditions.push(format!(
            "contains(transform(CASE WHEN cardinality({EVENT_RECIPIENTS}) > 0 \
             THEN {EVENT_RECIPIENTS} ELSE mail.destination END, r -> lower(r)), {})",
            literal(&recipient.to_lowercase())
        ));
    }
    if !query.events.is_empty() {
        let types: Vec<String> = query
            .events
            .iter()
            .map(|t| literal(record_event_type(*t)))
            .collect();
        conditions.push(format!("eventtype IN ({})", types.join(", ")));
    }
    if let Some(set) = &query.configuration_set {
        conditions.push(format!("{CONFIGURATION_SET} = {}", literal(set)));
    }
    if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}\n", conditions.join("\n  AND "))
    }
}

/// A string literal: quotes doubled.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// `2026-11-03T07:59:01.000Z`, as SES writes times.
fn iso(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let whole = at.replace_nanosecond(0).unwrap_or(at);
    let text = whole.format(&Rfc3339).unwrap_or_default();
    // Rfc3339 writes `…:01Z`; SES writes milliseconds.
    match text.strip_suffix('Z') {
        Some(seconds) => format!("{seconds}.{:03}Z", at.millisecond()),
        None => text,
    }
}

/// The stats query's result rows (without the header) as the renderings take them:
/// the day a date, no set for `''`, the counts in `EventType::ALL`'s order. `Err`
/// names the row and column that is not what the query produces.
pub fn stats_rows(rows: &[Vec<Option<String>>]) -> Result<Vec<StatsRow>, String> {
    let day_format = time::macros::format_description!("[year]-[month]-[day]");
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            if row.len() != 2 + STATS_EVENTS.len() {
                return Err(format!(
                    "result row {} has {} columns, not {}",
                    i + 1,
                    row.len(),
                    2 + STATS_EVENTS.len()
                ));
            }
            let day_text = row[0].as_deref().unwrap_or("");
            let day = Date::parse(day_text, day_format).map_err(|_| {
                format!(
                    "result row {} column day: `{day_text}` is not a date",
                    i + 1
                )
            })?;
            let mut counts = [0u64; 10];
            for (n, cell) in row[2..].iter().enumerate() {
                let event = STATS_EVENTS[n];
                let text = cell.as_deref().unwrap_or("0");
                let count = text.parse().map_err(|_| {
                    format!(
                        "result row {} column {}: `{text}` is not a count",
                        i + 1,
                        event.as_str().to_ascii_lowercase()
                    )
                })?;
                let at = EventType::ALL.iter().position(|e| *e == event).unwrap_or(n);
                counts[at] = count;
            }
            Ok(StatsRow {
                day,
                configuration_set: row[1].clone().filter(|s| !s.is_empty()),
                counts,
            })
        })
        .collect()
}

/// One row of the events query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub event_time: String,
    pub event_type: String,
    pub message_id: String,
    pub configuration_set: String,
    pub destination: Vec<String>,
    /// The S3 object the record is in, `s3://bucket/key`.
    pub object: String,
}

/// The events query's result rows (without the header), read back.
pub fn event_rows(rows: &[Vec<Option<String>>]) -> Result<Vec<EventRow>, String> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            if row.len() != EVENT_COLUMNS.len() {
                return Err(format!(
                    "result row {} has {} columns, not {}",
                    i + 1,
                    row.len(),
                    EVENT_COLUMNS.len()
                ));
            }
            let cell = |n: usize| row[n].clone().unwrap_or_default();
            Ok(EventRow {
                event_time: cell(0),
                event_type: cell(1),
                message_id: cell(2),
                configuration_set: cell(3),
                destination: cell(4)
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect(),
                object: cell(5),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::athena::layout;
    use time::macros::datetime;

    #[test]
    fn a_window_becomes_a_partition_range_and_an_event_time_range() {
        let l = layout("").unwrap();
        let table = Table {
            database: "ses_history",
            table: "events",
            layout: &l,
        };
        let query = Query {
            since: Some(datetime!(2026-11-01 10:30 UTC)),
            until: Some(datetime!(2026-11-02 23:15:00.5 UTC)),
            message_id: Some("it's".into()),
            events: [EventType::Bounce, EventType::RenderingFailure].into(),
            configuration_set: Some("Main".into()),
            recipient: Some("A@Example.com".into()),
            stats: false,
        };
        let sql = events_sql(table, &query);
        assert!(sql.contains("FROM \"ses_history\".\"events\"\nWHERE dt >= '2026/11/01/10'\n  AND dt <= '2026/11/03/00'\n"), "{sql}");
        assert!(
            sql.contains(" >= from_iso8601_timestamp('2026-11-01T10:30:00.000Z')"),
            "{sql}"
        );
        assert!(
            sql.contains(" <= from_iso8601_timestamp('2026-11-02T23:15:00.500Z')"),
            "{sql}"
        );
        assert!(sql.contains("mail.messageid = 'it''s'"), "{sql}");
        assert!(
            sql.contains("eventtype IN ('Bounce', 'Rendering Failure')"),
            "{sql}"
        );
        assert!(
            sql.contains("ELSE mail.destination END, r -> lower(r)), 'a@example.com')"),
            "{sql}"
        );
        assert!(
            sql.contains(&format!("{CONFIGURATION_SET} = 'Main'")),
            "{sql}"
        );
    }

    #[test]
    fn an_unsortable_layout_gets_no_partition_range() {
        let l = layout("!{timestamp:dd-MM-yyyy}/").unwrap();
        let table = Table {
            database: "d",
            table: "t",
            layout: &l,
        };
        let sql = stats_sql(
            table,
            &Query {
                since: Some(datetime!(2026-11-01 0:00 UTC)),
                ..Query::default()
            },
        );
        assert!(!sql.contains("dt >="), "{sql}");
        assert!(sql.contains("count_if(eventtype = 'DeliveryDelay') AS delivery_delay"));
        assert!(sql.ends_with("GROUP BY 1, 2\nORDER BY 1, 2"));
    }

    #[test]
    fn result_rows_are_read_back_or_refused_with_the_place() {
        let row: Vec<Option<String>> = [
            "2026-11-01",
            "Main",
            "3",
            "2",
            "1",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0",
        ]
        .iter()
        .map(|s| Some((*s).to_owned()))
        .collect();
        let rows = stats_rows(std::slice::from_ref(&row)).unwrap();
        assert_eq!(rows[0].count(EventType::Send), 3);
        assert_eq!(rows[0].count(EventType::Delivery), 2);
        assert_eq!(rows[0].count(EventType::Bounce), 1);
        assert_eq!(rows[0].bounce_rate(), Some(1.0 / 3.0));
        let mut bad = row;
        bad[4] = Some("x".into());
        assert_eq!(
            stats_rows(&[bad]).unwrap_err(),
            "result row 1 column bounce: `x` is not a count"
        );
    }
}
