//! The Athena table definition and history SQL sesinfra generates, run over SES's own
//! sample event records (one of each type, `tests/athena/records.ndjson`) in DuckDB,
//! an embedded SQL engine (`tests/athena/duckdb_check.py` says what stands in for
//! Athena). The records must fit the table's columns, and the queries must give the
//! answers known from the records.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use sesinfra::athena::{self, columns, sql};
use sesinfra::history::Query;
use sesinfra::model::EventType;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;

use crate::support::{repo, venv};

const RECORDS: &str = "tests/athena/records.ndjson";

/// The event's own time, as `sql::EVENT_TIME` takes it.
fn event_time(record: &Value) -> OffsetDateTime {
    let text = [
        "/bounce/timestamp",
        "/complaint/timestamp",
        "/delivery/timestamp",
        "/open/timestamp",
        "/click/timestamp",
        "/deliveryDelay/timestamp",
        "/subscription/timestamp",
        "/mail/timestamp",
    ]
    .iter()
    .find_map(|p| record.pointer(p).and_then(Value::as_str))
    .expect("every record has a time");
    OffsetDateTime::parse(text, &Rfc3339).expect("an RFC 3339 time")
}

/// Runs `queries` over the records in DuckDB; each query's rows as strings.
fn run(layout: &athena::Layout, queries: &[(&str, String)]) -> BTreeMap<String, Vec<Vec<Value>>> {
    let text = std::fs::read_to_string(repo().join(RECORDS)).unwrap();
    // Each record in the partition of its arrival (here: its event time).
    let partitions: BTreeMap<String, String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            let record: Value = serde_json::from_str(line).unwrap();
            (i.to_string(), layout.value(event_time(&record)))
        })
        .collect();
    let table = athena::table(&athena::TableSpec {
        stack: "mail",
        database: "ses_history",
        table: "events",
        bucket: "history",
        layout,
        projection_days: 30,
    });
    let input = json!({
        "columns": table.columns.iter().map(|c| [&c.name, &c.type_name]).collect::<Vec<_>>(),
        "records": repo().join(RECORDS),
        "partitions": partitions,
        "table": "\"ses_history\".\"events\"",
        "queries": queries.iter().cloned().collect::<BTreeMap<_, _>>(),
    });
    let dir = tempfile::tempdir().unwrap();
    let input_path = dir.path().join("input.json");
    std::fs::write(&input_path, input.to_string()).unwrap();
    let out = std::process::Command::new(venv().join("bin/python"))
        .arg(repo().join("tests/athena/duckdb_check.py"))
        .arg(&input_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "duckdb_check.py failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON from duckdb_check.py")
}

fn table<'a>(layout: &'a athena::Layout) -> sql::Table<'a> {
    sql::Table {
        database: "ses_history",
        table: "events",
        layout,
    }
}

#[test]
fn every_sample_record_fits_the_columns_and_stats_count_each_type_per_day() {
    let layout = athena::layout("").unwrap();
    let stats = sql::stats_sql(table(&layout), &Query::default());
    let results = run(&layout, &[("stats", stats)]);
    let rows = sql::stats_rows(
        &results["stats"]
            .iter()
            .map(|r| r.iter().map(|v| v.as_str().map(str::to_owned)).collect())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let found: Vec<(String, Option<String>, Vec<u64>)> = rows
        .into_iter()
        .map(|r| (r.day.to_string(), r.configuration_set, r.counts.to_vec()))
        .collect();
    // Counts in EventType::ALL's order: send reject bounce complaint delivery open
    // click rendering_failure delivery_delay subscription.
    let day =
        |d: &str, counts: [u64; 10]| (d.to_owned(), Some("ConfigSet".to_owned()), counts.to_vec());
    assert_eq!(
        found,
        [
            day("2016-10-14", [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]),
            day("2016-10-19", [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]),
            day("2017-08-05", [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]),
            day("2017-08-09", [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]),
            day("2018-01-22", [0, 0, 0, 0, 0, 0, 0, 1, 0, 0]),
            day("2020-06-16", [0, 0, 0, 0, 0, 0, 0, 0, 1, 0]),
            day("2022-01-12", [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        ]
    );
}

#[test]
fn filters_select_the_known_records_through_the_partitions() {
    // Daily partitions under a prefix, so the window's partition range matters.
    let layout = athena::layout("ses/!{timestamp:yyyy/MM/dd}/").unwrap();
    let window = Query {
        since: Some(datetime!(2017-08-05 00:00 UTC)),
        until: Some(datetime!(2017-08-09 23:00 UTC)),
        ..Query::default()
    };
    let by_id = Query {
        message_id: Some("EXAMPLEe4bccb684-777bc8de-afa7-4970-92b0-f515137b1497-000000".into()),
        ..Query::default()
    };
    let by_type = Query {
        events: [EventType::RenderingFailure, EventType::DeliveryDelay].into(),
        configuration_set: Some("ConfigSet".into()),
        recipient: Some("recipient@example.com".into()),
        ..Query::default()
    };
    let nobody = Query {
        recipient: Some("nobody@example.com".into()),
        ..Query::default()
    };
    let results = run(
        &layout,
        &[
            ("window", sql::events_sql(table(&layout), &window)),
            ("by_id", sql::events_sql(table(&layout), &by_id)),
            ("by_type", sql::events_sql(table(&layout), &by_type)),
            ("nobody", sql::events_sql(table(&layout), &nobody)),
        ],
    );
    let types = |name: &str| -> Vec<(String, String)> {
        sql::event_rows(
            &results[name]
                .iter()
                .map(|r| r.iter().map(|v| v.as_str().map(str::to_owned)).collect())
                .collect::<Vec<_>>(),
        )
        .unwrap()
        .into_iter()
        .map(|e| (e.event_time, e.event_type))
        .collect()
    };
    assert_eq!(
        types("window"),
        [
            ("2017-08-05T00:41:02.669Z".into(), "Bounce".into()),
            ("2017-08-05T00:41:02.669Z".into(), "Complaint".into()),
            ("2017-08-09T22:00:19.652Z".into(), "Open".into()),
        ]
    );
    assert_eq!(
        types("by_id"),
        [("2022-01-12T01:00:17.910Z".into(), "Subscription".into())]
    );
    assert_eq!(
        types("by_type"),
        [
            (
                "2018-01-22T18:43:06.197Z".into(),
                "Rendering Failure".into()
            ),
            ("2020-06-16T00:25:40.095Z".into(), "DeliveryDelay".into()),
        ]
    );
    assert!(types("nobody").is_empty());
    let first = &results["window"][0];
    assert_eq!(first[3], json!("ConfigSet"));
    assert_eq!(first[4], json!("recipient@example.com"));
    assert_eq!(
        first[5],
        json!("RECORDS"),
        "the object a record was read from"
    );
}

#[test]
fn the_ddl_columns_are_the_glue_columns() {
    let ddl = columns::ddl_columns();
    assert_eq!(ddl.lines().count(), columns::COLUMNS.len());
    assert!(ddl.contains("`reject` struct<`reason`:string>"), "{ddl}");
}
