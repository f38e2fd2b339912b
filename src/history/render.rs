//! history's output, whichever engine found the records: events as text lines, as the
//! records exactly as SES wrote them (json), or as CSV; stats as a table, the JSON
//! document of contract §7, or CSV with the same columns.

use std::io::{self, Write};

use time::OffsetDateTime;

use super::StatsRow;
use crate::archive::Record;
use crate::cli::HistoryFormat;
use crate::model::EventType;

/// The columns of events in CSV.
pub const EVENT_COLUMNS: [&str; 5] = [
    "time",
    "event",
    "configuration_set",
    "message_id",
    "recipients",
];

/// What comes before the first event: the CSV header, nothing otherwise.
pub fn events_header(format: HistoryFormat, out: &mut dyn Write) -> io::Result<()> {
    if format == HistoryFormat::Csv {
        writeln!(out, "{}", EVENT_COLUMNS.join(","))?;
    }
    Ok(())
}

/// One event, with its line break.
pub fn event(record: &Record<'_>, format: HistoryFormat, out: &mut Vec<u8>) {
    match format {
        HistoryFormat::Json => {
            out.extend_from_slice(record.raw);
            out.push(b'\n');
        }
        HistoryFormat::Text => {
            let recipients = record.recipients().join(",");
            let _ = writeln!(
                out,
                "{}  {:<17}  {}  {}  {}",
                format_ms(record.time_ms),
                record.event.as_str(),
                record.configuration_set.as_deref().unwrap_or("-"),
                record.message_id,
                recipients
            );
        }
        HistoryFormat::Csv => {
            let fields = [
                format_ms(record.time_ms),
                record.event.as_str().to_owned(),
                record.configuration_set.as_deref().unwrap_or("").to_owned(),
                record.message_id.to_string(),
                record.recipients().join(" "),
            ];
            csv_line(&fields, out);
        }
    }
}

/// The stats rows (contract §7).
pub fn stats(rows: &[StatsRow], format: HistoryFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        HistoryFormat::Json => {
            #[derive(serde::Serialize)]
            struct Document<'a> {
                format_version: u32,
                rows: Vec<StatsJson<'a>>,
            }
            let doc = Document {
                format_version: 1,
                rows: rows.iter().map(stats_json).collect(),
            };
            let text = serde_json::to_string_pretty(&doc).map_err(io::Error::other)?;
            writeln!(out, "{text}")
        }
        HistoryFormat::Csv => {
            let mut buf = Vec::new();
            csv_line(&stats_columns(), &mut buf);
            for row in rows {
                let mut fields = vec![
                    row.day.to_string(),
                    row.configuration_set.clone().unwrap_or_default(),
                ];
                fields.extend(STATS_EVENT_ORDER.iter().map(|e| row.count(*e).to_string()));
                fields.push(rate_text(row.bounce_rate()));
                fields.push(rate_text(row.complaint_rate()));
                csv_line(&fields, &mut buf);
            }
            out.write_all(&buf)
        }
        HistoryFormat::Text => stats_table(rows, out),
    }
}

/// The event columns of stats, in contract §7's order.
pub const STATS_EVENT_ORDER: [EventType; 10] = [
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

fn stats_columns() -> Vec<String> {
    let mut columns = vec!["day".to_owned(), "configuration_set".to_owned()];
    columns.extend(
        STATS_EVENT_ORDER
            .iter()
            .map(|e| e.as_str().to_ascii_lowercase()),
    );
    columns.push("bounce_rate".to_owned());
    columns.push("complaint_rate".to_owned());
    columns
}

/// A stats row in JSON, keys in contract §7's order.
#[derive(serde::Serialize)]
struct StatsJson<'a> {
    day: String,
    configuration_set: Option<&'a str>,
    send: u64,
    delivery: u64,
    bounce: u64,
    complaint: u64,
    reject: u64,
    delivery_delay: u64,
    open: u64,
    click: u64,
    rendering_failure: u64,
    subscription: u64,
    bounce_rate: Option<f64>,
    complaint_rate: Option<f64>,
}

fn stats_json(row: &StatsRow) -> StatsJson<'_> {
    StatsJson {
        day: row.day.to_string(),
        configuration_set: row.configuration_set.as_deref(),
        send: row.count(EventType::Send),
        delivery: row.count(EventType::Delivery),
        bounce: row.count(EventType::Bounce),
        complaint: row.count(EventType::Complaint),
        reject: row.count(EventType::Reject),
        delivery_delay: row.count(EventType::DeliveryDelay),
        open: row.count(EventType::Open),
        click: row.count(EventType::Click),
        rendering_failure: row.count(EventType::RenderingFailure),
        subscription: row.count(EventType::Subscription),
        bounce_rate: row.bounce_rate(),
        complaint_rate: row.complaint_rate(),
    }
}

fn stats_table(rows: &[StatsRow], out: &mut dyn Write) -> io::Result<()> {
    if rows.is_empty() {
        return writeln!(out, "No events match.");
    }
    let header: Vec<String> = stats_columns()
        .into_iter()
        .map(|c| c.to_ascii_uppercase().replace('_', " "))
        .collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.day.to_string(),
                row.configuration_set.clone().unwrap_or_else(|| "-".into()),
            ];
            cells.extend(STATS_EVENT_ORDER.iter().map(|e| row.count(*e).to_string()));
            cells.push(percent(row.bounce_rate()));
            cells.push(percent(row.complaint_rate()));
            cells
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            body.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    for cells in std::iter::once(&header).chain(&body) {
        let line: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            // Day and set left-aligned, numbers right-aligned.
            .map(|(i, (cell, w))| {
                if i < 2 {
                    format!("{cell:<w$}")
                } else {
                    format!("{cell:>w$}")
                }
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end())?;
    }
    Ok(())
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "-".into(), |r| format!("{:.2}%", r * 100.0))
}

fn rate_text(rate: Option<f64>) -> String {
    rate.map_or_else(String::new, |r| r.to_string())
}

/// RFC 3339 with milliseconds in UTC, as SES writes times.
pub fn format_ms(ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| ms.to_string())
}

fn csv_line(fields: &[String], out: &mut Vec<u8>) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(field.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(field.as_bytes());
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::archive::record::parse;
    use time::macros::date;

    const LINE: &str = r#"{"eventType":"Bounce","bounce":{"timestamp":"2026-11-01T10:00:00.5Z","bouncedRecipients":[{"emailAddress":"a@example.com"}]},"mail":{"timestamp":"2026-11-01T09:59:00Z","messageId":"m-1","destination":["a@example.com","b@example.com"],"tags":{"ses:configuration-set":["Set,1"]}}}"#;

    fn rendered(format: HistoryFormat) -> String {
        let mut out = Vec::new();
        event(&parse(LINE.as_bytes()).unwrap(), format, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn events_in_each_format() {
        assert_eq!(rendered(HistoryFormat::Json), format!("{LINE}\n"));
        assert_eq!(
            rendered(HistoryFormat::Text),
            "2026-11-01T10:00:00.500Z  BOUNCE             Set,1  m-1  a@example.com\n"
        );
        assert_eq!(
            rendered(HistoryFormat::Csv),
            "2026-11-01T10:00:00.500Z,BOUNCE,\"Set,1\",m-1,a@example.com\n"
        );
    }

    fn rows() -> Vec<StatsRow> {
        let mut counts = [0; 10];
        counts[0] = 4; // send
        counts[2] = 1; // bounce
        vec![
            StatsRow {
                day: date!(2026 - 11 - 01),
                configuration_set: Some("Set".into()),
                counts,
            },
            StatsRow {
                day: date!(2026 - 11 - 02),
                configuration_set: None,
                counts: [0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
            },
        ]
    }

    #[test]
    fn stats_json_has_the_contract_keys() {
        let mut out = Vec::new();
        stats(&rows(), HistoryFormat::Json, &mut out).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"format_version": 1, "rows": [
                {"day": "2026-11-01", "configuration_set": "Set", "send": 4, "reject": 0,
                 "bounce": 1, "complaint": 0, "delivery": 0, "open": 0, "click": 0,
                 "rendering_failure": 0, "delivery_delay": 0, "subscription": 0,
                 "bounce_rate": 0.25, "complaint_rate": 0.0},
                {"day": "2026-11-02", "configuration_set": null, "send": 0, "reject": 0,
                 "bounce": 0, "complaint": 1, "delivery": 0, "open": 0, "click": 0,
                 "rendering_failure": 0, "delivery_delay": 0, "subscription": 0,
                 "bounce_rate": null, "complaint_rate": null}
            ]})
        );
    }

    #[test]
    fn stats_csv_and_text() {
        let mut out = Vec::new();
        stats(&rows(), HistoryFormat::Csv, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "day,configuration_set,send,delivery,bounce,complaint,reject,delivery_delay,open,click,rendering_failure,subscription,bounce_rate,complaint_rate\n\
             2026-11-01,Set,4,0,1,0,0,0,0,0,0,0,0.25,0\n\
             2026-11-02,,0,0,0,1,0,0,0,0,0,0,,\n"
        );
        let mut out = Vec::new();
        stats(&rows(), HistoryFormat::Text, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("DAY         CONFIGURATION SET  SEND  DELIVERY  BOUNCE"),
            "{text}"
        );
        assert!(text.contains("25.00%"), "{text}");
        let mut out = Vec::new();
        stats(&[], HistoryFormat::Text, &mut out).unwrap();
        assert_eq!(out, b"No events match.\n");
    }
}
