//! `analytics.athena`: the Glue database and table, through the Glue adapter and
//! through the binary's plan, apply, drift and destroy, against the emulator.

use std::collections::BTreeMap;

use serde_json::Value;
use sesinfra::aws::glue;
use sesinfra::resources::{GlueDatabase, GlueTable, arn};

use crate::engine::{apply, assert_no_changes, plan_json, spec_dir};
use crate::support::Emulator;

const REGION: &str = "eu-west-1";
const ACCOUNT: &str = "123456789012";

pub const SPEC: &str = "\
version: 1
stack: mail
region: eu-west-1
buckets: {history: {name: ses-history-mail}}
firehose_streams: {history: {bucket: history, prefix: ses/}}
configuration_sets:
  Main: {event_destinations: {history: {events: all, firehose: {stream: history}}}}
analytics:
  athena: {stream: history, database: ses_history, table: events, results: {bucket: history, prefix: athena-results/}}
";

/// `SPEC` without `analytics:`.
pub fn without_analytics() -> String {
    SPEC.split("analytics:").next().unwrap().to_owned()
}

fn addresses(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_owned(),
                c["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn glue_addresses(plan: &Value) -> Vec<(String, String)> {
    addresses(plan)
        .into_iter()
        .filter(|(a, _)| a.starts_with("glue_"))
        .collect()
}

fn database_arn(name: &str) -> String {
    arn::glue_database("aws", REGION, ACCOUNT, name)
}

#[tokio::test]
async fn the_glue_adapter_creates_reads_updates_and_deletes() {
    let emulator = Emulator::start();
    let c = emulator.clients_in(REGION).await;
    let arn = database_arn("ses_history");
    assert_eq!(
        glue::get_database(&c, "ses_history", &arn).await.unwrap(),
        None
    );
    assert!(
        glue::get_tables(&c, "ses_history")
            .await
            .unwrap()
            .is_empty()
    );

    let db = GlueDatabase {
        name: "ses_history".into(),
        arn: arn.clone(),
        description: "first".into(),
        tags: BTreeMap::from([
            ("sesinfra:stack".into(), "mail".into()),
            ("gone".into(), "1".into()),
        ]),
    };
    glue::create_database(&c, &db).await.unwrap();
    assert_eq!(
        glue::get_database(&c, "ses_history", &arn).await.unwrap(),
        Some(db.clone())
    );
    let changed = GlueDatabase {
        description: "second".into(),
        tags: BTreeMap::from([
            ("sesinfra:stack".into(), "mail".into()),
            ("new".into(), "2".into()),
        ]),
        ..db.clone()
    };
    glue::update_database(&c, &db, &changed).await.unwrap();
    assert_eq!(
        glue::get_database(&c, "ses_history", &arn).await.unwrap(),
        Some(changed)
    );

    let layout = sesinfra::athena::layout("ses/").unwrap();
    let table = sesinfra::athena::table(&sesinfra::athena::TableSpec {
        stack: "mail",
        database: "ses_history",
        table: "events",
        bucket: "ses-history-mail",
        layout: &layout,
        projection_days: 400,
    });
    glue::create_table(&c, &table).await.unwrap();
    let read: Vec<GlueTable> = glue::get_tables(&c, "ses_history").await.unwrap();
    assert_eq!(
        read,
        std::slice::from_ref(&table),
        "a table reads back as written"
    );
    let mut wider = table.clone();
    wider
        .parameters
        .insert("projection.dt.range".into(), "NOW-800DAYS,NOW".into());
    glue::update_table(&c, &wider).await.unwrap();
    assert_eq!(glue::get_tables(&c, "ses_history").await.unwrap(), [wider]);

    glue::delete_table(&c, "ses_history", "events")
        .await
        .unwrap();
    glue::delete_table(&c, "ses_history", "events")
        .await
        .unwrap();
    assert!(
        glue::get_tables(&c, "ses_history")
            .await
            .unwrap()
            .is_empty()
    );
    glue::delete_database(&c, "ses_history").await.unwrap();
    glue::delete_database(&c, "ses_history").await.unwrap();
    assert_eq!(
        glue::get_database(&c, "ses_history", &arn).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn the_table_is_planned_applied_drift_checked_and_deleted() {
    let emulator = Emulator::start();
    let dir = spec_dir(SPEC);
    let plan = plan_json(&emulator, dir.path());
    assert_eq!(
        glue_addresses(&plan),
        [
            ("glue_database.ses_history".into(), "create".into()),
            ("glue_table.ses_history.events".into(), "create".into()),
        ]
    );
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());

    // What Athena reads: the stream's folder, projected by hour.
    let c = emulator.clients_in(REGION).await;
    let tables = glue::get_tables(&c, "ses_history").await.unwrap();
    let t = &tables[0];
    assert_eq!(t.location, "s3://ses-history-mail/ses/");
    assert_eq!(
        t.parameters["storage.location.template"],
        "s3://ses-history-mail/ses/${dt}/"
    );
    assert_eq!(t.parameters["projection.dt.format"], "yyyy/MM/dd/HH");

    // A change by hand is drift, undone by the next apply.
    let mut by_hand = t.clone();
    by_hand
        .parameters
        .insert("projection.dt.interval.unit".into(), "DAYS".into());
    glue::update_table(&c, &by_hand).await.unwrap();
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["drift", "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drift: Value = serde_json::from_slice(&out.stdout).unwrap();
    let change = &drift["changes"][0];
    assert_eq!(change["address"], "glue_table.ses_history.events");
    assert_eq!(change["reason"], "differs");
    assert_eq!(
        change["fields"][0],
        serde_json::json!({"path": "parameters.projection.dt.interval.unit", "before": "DAYS", "after": "HOURS"})
    );
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());

    // Gone from the spec: the table, then its database, found by the stack's tag.
    std::fs::write(dir.path().join("sesinfra.yaml"), without_analytics()).unwrap();
    let plan = plan_json(&emulator, dir.path());
    assert_eq!(
        addresses(&plan),
        [
            ("glue_table.ses_history.events".into(), "delete".into()),
            ("glue_database.ses_history".into(), "delete".into()),
        ]
    );
    apply(&emulator, dir.path());
    assert_no_changes(&emulator, dir.path());
    assert_eq!(
        glue::get_database(&c, "ses_history", &database_arn("ses_history"))
            .await
            .unwrap(),
        None
    );

    // destroy removes them too.
    std::fs::write(dir.path().join("sesinfra.yaml"), SPEC).unwrap();
    apply(&emulator, dir.path());
    emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["destroy", "--yes"])
        .assert()
        .success();
    assert_eq!(
        glue::get_database(&c, "ses_history", &database_arn("ses_history"))
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_database_holding_foreign_tables_is_kept_and_a_foreign_database_clashes() {
    let emulator = Emulator::start();
    let dir = spec_dir(SPEC);
    apply(&emulator, dir.path());
    let c = emulator.clients_in(REGION).await;
    // Another team's table in the stack's database: no `sesinfra:stack` parameter.
    let mut theirs = glue::get_tables(&c, "ses_history").await.unwrap()[0].clone();
    theirs.name = "their_table".into();
    theirs.parameters.remove("sesinfra:stack");
    glue::create_table(&c, &theirs).await.unwrap();
    assert_no_changes(&emulator, dir.path());

    std::fs::write(dir.path().join("sesinfra.yaml"), without_analytics()).unwrap();
    let plan = plan_json(&emulator, dir.path());
    assert_eq!(
        addresses(&plan),
        [("glue_table.ses_history.events".into(), "delete".into())]
    );
    assert_eq!(
        plan["diagnostics"][0]["address"],
        "glue_database.ses_history"
    );
    assert!(
        plan["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("their_table"),
        "{plan}"
    );
    apply(&emulator, dir.path());
    let left: Vec<String> = glue::get_tables(&c, "ses_history")
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(left, ["their_table"]);

    // A database of the same name without the stack's tag is not the stack's.
    let other = Emulator::start();
    let oc = other.clients_in(REGION).await;
    glue::create_database(
        &oc,
        &GlueDatabase {
            name: "ses_history".into(),
            arn: database_arn("ses_history"),
            description: String::new(),
            tags: BTreeMap::new(),
        },
    )
    .await
    .unwrap();
    let out = other
        .sesinfra()
        .current_dir(spec_dir(SPEC).path())
        .args(["plan"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("glue_database.ses_history (no sesinfra:stack tag)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
