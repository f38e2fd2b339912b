//! `history --engine athena` through the real binary against the emulator. moto runs no
//! SQL: its Athena answers canned result sets (`/moto-api/static/athena/query-results`,
//! paged by the extension as AWS pages them), so these tests pin what sesinfra does
//! with Athena's answers: result paging, the header row, stats rendered as the local
//! engine renders them, and listings read from exactly the objects Athena names.

use serde_json::{Value, json};

use crate::analytics::SPEC;
use crate::engine::{apply, spec_dir};
use crate::support::Emulator;

const REGION: &str = "eu-west-1";
const BUCKET: &str = "ses-history-mail";
const STATS_COLUMNS: [&str; 12] = [
    "day",
    "configuration_set",
    "send",
    "delivery",
    "bounce",
    "complaint",
    "reject",
    "delivery_delay",
    "open",
    "click",
    "rendering_failure",
    "subscription",
];

fn row(cells: &[&str]) -> Value {
    json!({"Data": cells.iter().map(|c| json!({"VarCharValue": c})).collect::<Vec<_>>()})
}

/// Queues one canned result set (header row first, as Athena answers a SELECT).
fn canned(emulator: &Emulator, columns: &[&str], rows: Vec<Value>) {
    let mut all = vec![row(columns)];
    all.extend(rows);
    emulator.moto_api(
        "static/athena/query-results",
        &json!({
            "account_id": "123456789012",
            "region": REGION,
            "results": [{
                "rows": all,
                "column_info": columns.iter().map(|c| json!({"Name": c, "Label": c, "Type": "varchar"})).collect::<Vec<_>>(),
            }],
        }),
        201,
    );
}

fn history(emulator: &Emulator, dir: &std::path::Path, args: &[&str]) -> (String, String) {
    let out = emulator
        .sesinfra()
        .current_dir(dir)
        .arg("history")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "history {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn stats_come_from_athena_over_every_result_page() {
    let emulator = Emulator::start();
    let dir = spec_dir(SPEC);
    apply(&emulator, dir.path());
    // 1,200 days: more than one page of GetQueryResults (1,000 rows each).
    let days: Vec<Value> = (0..1200)
        .map(|i| {
            let day = time::macros::date!(2020 - 01 - 01) + time::Duration::days(i);
            let set = if i == 0 { "" } else { "Main" };
            row(&[
                &day.to_string(),
                set,
                "4",
                "3",
                "1",
                "1",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
            ])
        })
        .collect();
    canned(&emulator, &STATS_COLUMNS, days.clone());
    emulator.clear_requests();
    let (csv, stderr) = history(
        &emulator,
        dir.path(),
        &["--engine", "athena", "--stats", "--output", "csv"],
    );
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 1200, "{}", &csv[..csv.len().min(600)]);
    assert!(lines[1].starts_with("2020-01-01,,4,"), "{}", lines[1]);
    assert!(lines[2].starts_with("2020-01-02,Main,4,"), "{}", lines[2]);
    assert!(
        stderr.contains("Athena counted events in 1200 row(s) of ses_history.events"),
        "{stderr}"
    );
    let athena: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|(service, _)| service == "athena")
        .map(|(_, op)| op)
        .collect();
    assert_eq!(
        athena,
        [
            "StartQueryExecution",
            "GetQueryExecution",
            "GetQueryResults",
            "GetQueryResults"
        ]
    );

    canned(&emulator, &STATS_COLUMNS, days[..1].to_vec());
    let (json_out, _) = history(
        &emulator,
        dir.path(),
        &["--engine", "athena", "--stats", "--output", "json"],
    );
    let doc: Value = serde_json::from_str(&json_out).unwrap();
    let first = &doc["rows"][0];
    assert_eq!(first["day"], "2020-01-01");
    assert_eq!(first["send"], 4);
    assert_eq!(first["bounce_rate"], 0.25);
    assert_eq!(first["complaint_rate"], 0.25);
}

/// The seed's records, one per line, by event type.
fn seed_records() -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(crate::support::repo().join("tests/athena/records.ndjson"))
        .unwrap();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["eventType"].as_str().unwrap().to_owned(), l.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn a_listing_reads_only_the_objects_athena_names_and_prints_what_local_prints() {
    let emulator = Emulator::start();
    let dir = spec_dir(SPEC);
    apply(&emulator, dir.path());
    let records = seed_records();
    let objects = [
        (
            "ses/2017/08/05/00/mail-history-1-2017-08-05-00-41-10-a",
            ["Bounce", "Complaint"],
        ),
        (
            "ses/2017/08/09/22/mail-history-1-2017-08-09-22-00-20-b",
            ["Open", "Click"],
        ),
        (
            "ses/2016/10/14/05/mail-history-1-2016-10-14-05-02-20-c",
            ["Send", "Reject"],
        ),
    ];
    let clients = emulator.clients_in(REGION).await;
    for (key, types) in &objects {
        let body: String = types.iter().map(|t| format!("{}\n", records[*t])).collect();
        clients
            .s3
            .put_object()
            .bucket(BUCKET)
            .key(*key)
            .body(body.into_bytes().into())
            .send()
            .await
            .unwrap();
    }
    let query = ["--event", "BOUNCE", "--event", "OPEN", "--output", "json"];
    // Athena's answer: the objects holding a bounce or an open.
    canned(
        &emulator,
        &["object"],
        objects[..2]
            .iter()
            .map(|(key, _)| row(&[&format!("s3://{BUCKET}/{key}")]))
            .collect(),
    );
    emulator.clear_requests();
    let mut args = vec!["--engine", "athena"];
    args.extend(query);
    let (from_athena, stderr) = history(&emulator, dir.path(), &args);
    let reads: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|(service, _)| service == "s3")
        .map(|(_, op)| op)
        .collect();
    assert_eq!(
        reads,
        ["GetObject", "GetObject"],
        "no listing, two objects read"
    );
    assert!(stderr.contains("Athena found 2 object(s)"), "{stderr}");

    let (from_local, _) = history(&emulator, dir.path(), &query);
    assert_eq!(from_athena, from_local);
    let lines: Vec<&str> = from_athena.lines().collect();
    assert_eq!(
        lines,
        [records["Bounce"].as_str(), records["Open"].as_str()]
    );
}

#[test]
fn the_athena_engine_needs_the_spec_s_table() {
    let emulator = Emulator::start();
    let dir = spec_dir(&crate::analytics::without_analytics());
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["history", "--engine", "athena", "--stats"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "sesinfra.yaml: the spec has no `analytics.athena`: add it and apply (it creates the Glue table Athena reads), or use --engine local"
        ),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
