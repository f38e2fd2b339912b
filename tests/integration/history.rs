//! `sesinfra history` through the binary: a generated archive (the seed's sample
//! records, one of each event type, rewritten with known message ids, recipients,
//! times and sets) in a local directory and in the emulator's S3; filters, the time
//! window (objects outside it are not read: a corrupt one there does not fail, and the
//! emulator's journal counts the GetObject calls), stats, the three outputs, bad input.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use aws_sdk_s3::primitives::ByteStream;
use serde_json::Value;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

use crate::support::{Emulator, Test, repo, sesinfra};

/// One generated event: what the test knows about it, and its line.
#[derive(Debug, Clone)]
struct Event {
    time: OffsetDateTime,
    /// SES v2 name, as history prints it.
    kind: &'static str,
    id: String,
    set: Option<&'static str>,
    recipient: String,
    line: String,
}

/// The seed's sample record of each `eventType`.
fn seed_records() -> BTreeMap<String, Value> {
    let text = std::fs::read_to_string(repo().join("tests/history/seed-records.ndjson"))
        .expect("read the seed records");
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("a seed record");
            (v["eventType"].as_str().expect("eventType").to_owned(), v)
        })
        .collect()
}

fn rfc3339_ms(t: OffsetDateTime) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).expect("format a time")
}

/// The seed record of `event_type` rewritten for one message and event.
fn record(
    seeds: &BTreeMap<String, Value>,
    event_type: &str,
    id: &str,
    set: Option<&'static str>,
    recipient: &str,
    sent: OffsetDateTime,
    at: OffsetDateTime,
) -> Event {
    let mut v = seeds[event_type].clone();
    let mail = &mut v["mail"];
    mail["messageId"] = id.into();
    mail["timestamp"] = rfc3339_ms(sent).into();
    mail["destination"] = serde_json::json!([recipient]);
    if mail.get("commonHeaders").is_some() {
        mail["commonHeaders"]["messageId"] = id.into();
    }
    match set {
        Some(set) => mail["tags"]["ses:configuration-set"] = serde_json::json!([set]),
        None => {
            mail.as_object_mut().expect("mail").remove("tags");
        }
    }
    let detail_key = match event_type {
        "Bounce" => Some("bounce"),
        "Complaint" => Some("complaint"),
        "Delivery" => Some("delivery"),
        "Open" => Some("open"),
        "Click" => Some("click"),
        "DeliveryDelay" => Some("deliveryDelay"),
        "Subscription" => Some("subscription"),
        _ => None,
    };
    if let Some(key) = detail_key {
        let detail = &mut v[key];
        detail["timestamp"] = rfc3339_ms(at).into();
        for list in [
            "bouncedRecipients",
            "complainedRecipients",
            "delayedRecipients",
        ] {
            if let Some(first) = detail.get_mut(list).and_then(|l| l.get_mut(0)) {
                first["emailAddress"] = recipient.into();
            }
        }
        if detail.get("recipients").is_some() {
            detail["recipients"] = serde_json::json!([recipient]);
        }
    }
    let kind = match event_type {
        "Send" => "SEND",
        "Reject" => "REJECT",
        "Bounce" => "BOUNCE",
        "Complaint" => "COMPLAINT",
        "Delivery" => "DELIVERY",
        "Open" => "OPEN",
        "Click" => "CLICK",
        "Rendering Failure" => "RENDERING_FAILURE",
        "DeliveryDelay" => "DELIVERY_DELAY",
        "Subscription" => "SUBSCRIPTION",
        other => panic!("no seed record {other}"),
    };
    let time = if detail_key.is_some() { at } else { sent };
    Event {
        time,
        kind,
        id: id.to_owned(),
        set,
        recipient: recipient.to_owned(),
        line: serde_json::to_string(&v).expect("serialise"),
    }
}

/// 24 messages over two days (one every two hours, sets alternating), each with its
/// send and what followed; every event type occurs; one message has no set; one is
/// sent seconds before an hour and lands in the next hour's object.
fn corpus() -> Vec<Event> {
    let seeds = seed_records();
    let base = datetime!(2026-11-01 00:10 UTC);
    let mut events = Vec::new();
    for i in 0..24 {
        let id = format!("0100019a-{i:04}-history");
        let to = format!("user{i}@example.com");
        let set = Some(if i % 2 == 0 {
            "Marketing"
        } else {
            "Transactional"
        });
        let sent = base + Duration::hours(2 * i);
        let mut add = |t: &str, after: Duration| {
            events.push(record(&seeds, t, &id, set, &to, sent, sent + after));
        };
        add("Send", Duration::ZERO);
        match i {
            5 => add("Reject", Duration::ZERO),
            10 => add("Rendering Failure", Duration::ZERO),
            _ if i % 6 == 1 => add("Bounce", Duration::minutes(1)),
            _ => {
                if i == 9 {
                    add("DeliveryDelay", Duration::minutes(2));
                }
                add("Delivery", Duration::minutes(3));
            }
        }
        if i % 6 == 4 {
            add("Complaint", Duration::minutes(20));
        }
        if i % 4 == 0 {
            add("Open", Duration::minutes(30));
        }
        if i == 8 {
            add("Click", Duration::minutes(31));
        }
        if i == 11 {
            add("Subscription", Duration::minutes(40));
        }
    }
    let at = datetime!(2026-11-01 05:00 UTC);
    events.push(record(
        &seeds,
        "Send",
        "0100019a-no-set",
        None,
        "nobody@example.com",
        at,
        at,
    ));
    let at = datetime!(2026-11-01 10:59:50 UTC);
    events.push(record(
        &seeds,
        "Send",
        "0100019a-straddle",
        Some("Marketing"),
        "late@example.com",
        at,
        at,
    ));
    events.sort_by_key(|e| e.time);
    events
}

/// Firehose's arrival time of an event in this archive.
fn arrival(e: &Event) -> OffsetDateTime {
    e.time + Duration::seconds(30)
}

/// The archive's objects: one per hour of arrival under `prefix` + yyyy/MM/dd/HH/,
/// named as Firehose names them; gzip in even hours, plain in odd ones.
fn objects(events: &[Event], prefix: &str) -> Vec<(String, Vec<u8>)> {
    let mut by_hour: BTreeMap<OffsetDateTime, Vec<&Event>> = BTreeMap::new();
    for e in events {
        let a = arrival(e);
        let hour = a
            .replace_minute(0)
            .and_then(|t| t.replace_second(0))
            .expect("hour");
        by_hour.entry(hour).or_default().push(e);
    }
    by_hour
        .into_iter()
        .enumerate()
        .map(|(n, (hour, events))| {
            let first = arrival(events[0]);
            let gzip = hour.hour() % 2 == 0;
            let key = format!(
                "{prefix}{:04}/{:02}/{:02}/{:02}/history-stream-1-{:04}-{:02}-{:02}-{:02}-{:02}-{:02}-{n:08x}-1111-2222-3333-444444444444{}",
                hour.year(),
                u8::from(hour.month()),
                hour.day(),
                hour.hour(),
                first.year(),
                u8::from(first.month()),
                first.day(),
                first.hour(),
                first.minute(),
                first.second(),
                if gzip { ".gz" } else { "" }
            );
            let text: String = events.iter().map(|e| format!("{}\n", e.line)).collect();
            let body = if gzip {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(text.as_bytes()).expect("gzip");
                enc.finish().expect("gzip")
            } else {
                text.into_bytes()
            };
            (key, body)
        })
        .collect()
}

/// A gzip object that fails to inflate, dated well before the corpus.
const CORRUPT_KEY: &str = "2026/10/20/00/history-stream-1-2026-10-20-00-00-00-corrupt.gz";
const CORRUPT: &[u8] = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03this is not deflate";

fn local_archive(with_corrupt: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut all = objects(&corpus(), "");
    if with_corrupt {
        all.push((CORRUPT_KEY.to_owned(), CORRUPT.to_vec()));
    }
    // Firehose's error output is not event records; history never reads it.
    all.push((
        "error/processing-failed/2026/11/01/00/x".to_owned(),
        b"{\"rawData\":\"e30=\"}\n".to_vec(),
    ));
    for (key, body) in all {
        let path = dir.path().join(key);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write object");
    }
    dir
}

fn text_line(e: &Event) -> String {
    format!(
        "{}  {:<17}  {}  {}  {}\n",
        rfc3339_ms(e.time),
        e.kind,
        e.set.unwrap_or("-"),
        e.id,
        e.recipient
    )
}

fn json_lines(events: &[&Event]) -> String {
    events.iter().map(|e| format!("{}\n", e.line)).collect()
}

/// `history` over `archive` with `args`; asserts exit 0 and returns stdout.
fn run(archive: &Path, args: &[&str]) -> String {
    let out = sesinfra()
        .args(["history", "--archive"])
        .arg(archive)
        .args(args)
        .output()
        .expect("run sesinfra");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

const DAYS: [&str; 4] = ["--since", "2026-11-01", "--until", "2026-11-03"];

#[test]
fn finds_by_message_id_recipient_event_and_set() {
    let dir = local_archive(false);
    let events = corpus();
    let archive = dir.path();

    let id = "0100019a-0001-history";
    let want: String = events
        .iter()
        .filter(|e| e.id == id)
        .map(text_line)
        .collect();
    assert_eq!(want.lines().count(), 2, "send and bounce");
    assert_eq!(
        run(archive, &[&DAYS[..], &["--message-id", id]].concat()),
        want
    );

    // JSON: the records byte for byte; the recipient in any case.
    let want: Vec<&Event> = events
        .iter()
        .filter(|e| e.recipient == "user4@example.com")
        .collect();
    assert_eq!(
        want.iter().map(|e| e.kind).collect::<Vec<_>>(),
        ["SEND", "DELIVERY", "COMPLAINT", "OPEN"]
    );
    assert_eq!(
        run(
            archive,
            &[
                &DAYS[..],
                &["--recipient", "USER4@example.com", "--output", "json"]
            ]
            .concat()
        ),
        json_lines(&want)
    );

    // Several types, one set, CSV.
    let mut want = String::from("time,event,configuration_set,message_id,recipients\n");
    for e in events
        .iter()
        .filter(|e| e.set == Some("Transactional") && matches!(e.kind, "BOUNCE" | "COMPLAINT"))
    {
        want.push_str(&format!(
            "{},{},Transactional,{},{}\n",
            rfc3339_ms(e.time),
            e.kind,
            e.id,
            e.recipient
        ));
    }
    assert_eq!(want.lines().count(), 1 + 4, "{want}");
    assert_eq!(
        run(
            archive,
            &[
                &DAYS[..],
                &[
                    "--event",
                    "bounce",
                    "--event",
                    "COMPLAINT",
                    "--configuration-set",
                    "Transactional",
                    "--output",
                    "csv"
                ]
            ]
            .concat()
        ),
        want
    );

    // Every event, in time order, each type present.
    let all = run(archive, &[&DAYS[..], &["--output", "json"]].concat());
    assert_eq!(all, json_lines(&events.iter().collect::<Vec<_>>()));
    for kind in [
        "Send",
        "Reject",
        "Bounce",
        "Complaint",
        "Delivery",
        "Open",
        "Click",
        "Rendering Failure",
        "DeliveryDelay",
        "Subscription",
    ] {
        assert!(all.contains(&format!("\"eventType\":\"{kind}\"")), "{kind}");
    }
}

#[test]
fn window_uses_event_times_and_reads_only_its_objects() {
    let dir = local_archive(true);
    let events = corpus();
    let (since, until) = (
        datetime!(2026-11-01 10:00 UTC),
        datetime!(2026-11-01 10:59:59.999 UTC),
    );
    let want: Vec<&Event> = events
        .iter()
        .filter(|e| e.time >= since && e.time <= until)
        .collect();
    // The straddling send sits in the 11:00 object and is still found.
    assert!(want.iter().any(|e| e.id == "0100019a-straddle"));
    assert_eq!(
        run(
            dir.path(),
            &[
                "--since",
                "2026-11-01T10:00:00Z",
                "--until",
                "2026-11-01T10:59:59.999Z",
                "--output",
                "json"
            ]
        ),
        json_lines(&want)
    );

    // The corrupt object of October is outside every window above; read, it fails
    // with its name.
    let out = sesinfra()
        .args(["history", "--archive"])
        .arg(dir.path())
        .output()
        .expect("run sesinfra");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(CORRUPT_KEY) && stderr.starts_with("error: cannot read "),
        "{stderr}"
    );
}

#[test]
fn stats_per_day_and_set() {
    let dir = local_archive(false);
    let events = corpus();
    let out = run(
        dir.path(),
        &[&DAYS[..], &["--stats", "--output", "json"]].concat(),
    );
    let doc: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["format_version"], 1);
    let rows = doc["rows"].as_array().expect("rows");
    // Known answers for one row, then every row against the corpus.
    let day1_transactional = rows
        .iter()
        .find(|r| r["day"] == "2026-11-01" && r["configuration_set"] == "Transactional")
        .expect("a row");
    assert_eq!(day1_transactional["send"], 6);
    assert_eq!(day1_transactional["bounce"], 2);
    assert_eq!(day1_transactional["reject"], 1);
    assert_eq!(day1_transactional["bounce_rate"], 2.0 / 6.0);
    let mut want: BTreeMap<(String, Option<&str>), BTreeMap<&str, u64>> = BTreeMap::new();
    for e in &events {
        *want
            .entry((e.time.date().to_string(), e.set))
            .or_default()
            .entry(e.kind)
            .or_default() += 1;
    }
    assert_eq!(rows.len(), want.len());
    for row in rows {
        let key = (
            row["day"].as_str().expect("day").to_owned(),
            row["configuration_set"].as_str(),
        );
        let counts = &want[&key];
        for kind in [
            "SEND",
            "DELIVERY",
            "BOUNCE",
            "COMPLAINT",
            "REJECT",
            "DELIVERY_DELAY",
            "OPEN",
            "CLICK",
            "RENDERING_FAILURE",
            "SUBSCRIPTION",
        ] {
            let got = row[kind.to_ascii_lowercase()].as_u64().expect("a count");
            assert_eq!(
                got,
                counts.get(kind).copied().unwrap_or(0),
                "{key:?} {kind}"
            );
        }
        let sends = counts.get("SEND").copied().unwrap_or(0) as f64;
        let complaints = counts.get("COMPLAINT").copied().unwrap_or(0) as f64;
        assert_eq!(row["complaint_rate"].as_f64(), Some(complaints / sends));
    }

    let csv = run(
        dir.path(),
        &[&DAYS[..], &["--stats", "--output", "csv"]].concat(),
    );
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "day,configuration_set,send,delivery,bounce,complaint,reject,delivery_delay,open,click,rendering_failure,subscription,bounce_rate,complaint_rate"
        )
    );
    assert_eq!(lines.count(), rows.len());
    assert!(
        csv.contains("\n2026-11-01,,1,0,0,0,0,0,0,0,0,0,0,0\n"),
        "{csv}"
    );

    let text = run(dir.path(), &[&DAYS[..], &["--stats"]].concat());
    assert!(text.starts_with("DAY         CONFIGURATION SET"), "{text}");
    assert!(text.contains("33.33%"), "{text}");
}

#[test]
fn bad_input_says_what_is_valid() {
    let dir = local_archive(false);
    let archive = dir.path().to_str().expect("utf-8 path").to_owned();
    Test::new()
        .args(["history", "--archive", &archive, "--since", "last tuesday"])
        .stderr("error: --since `last tuesday` is not a time: give RFC 3339 (2026-11-01T09:30:00Z), a date (2026-11-01, midnight UTC) or a duration back from now (90m, 36h, 7d)\n")
        .status(1)
        .run();
    Test::new()
        .args(["history", "--archive", &archive, "--since", "2026-11-02", "--until", "2026-11-01"])
        .stderr("error: --since (2026-11-02T00:00:00.000Z) is after --until (2026-11-01T00:00:00.000Z): nothing can match\n")
        .status(1)
        .run();
    Test::new()
        .args(["history", "--archive", "/nonexistent/archive"])
        .stderr("error: `/nonexistent/archive` is not an archive: give a local directory or s3://BUCKET/PREFIX (PREFIX may use Firehose's !{timestamp:...} expressions)\n")
        .status(1)
        .run();
    Test::new()
        .args(["history", "--archive", &archive, "--engine", "athena"])
        .stderr("error: --engine athena reads the spec's analytics.athena table, not --archive; use --engine local to read an archive\n")
        .status(1)
        .run();
    let out = sesinfra()
        .args(["history", "--archive", &archive, "--event", "bounced"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("`bounced` is not an event type; valid: SEND, REJECT, BOUNCE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A stream the spec does not have: said before any AWS call (-q: without the
    // warning that no destination uses the stream).
    Test::new()
        .spec(SPEC)
        .args(["history", "-q", "--stream", "nope"])
        .stderr("error: sesinfra.yaml: no stream `nope` in firehose_streams (streams: history)\n")
        .status(1)
        .run();
}

const SPEC: &str = "\
version: 1
stack: hist
region: eu-west-1
buckets:
  archive: {name: hist-archive, existing: true}
firehose_streams:
  history: {bucket: archive, prefix: ses/, compression: GZIP, buffering: {interval_seconds: 60}}
";

#[tokio::test(flavor = "multi_thread")]
async fn reads_the_spec_stream_bucket_in_the_emulator() {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    clients
        .s3
        .create_bucket()
        .bucket("hist-archive")
        .create_bucket_configuration(
            aws_sdk_s3::types::CreateBucketConfiguration::builder()
                .location_constraint(aws_sdk_s3::types::BucketLocationConstraint::EuWest1)
                .build(),
        )
        .send()
        .await
        .expect("create bucket");
    let events = corpus();
    let mut all = objects(&events, "ses/");
    all.push((format!("ses/{CORRUPT_KEY}"), CORRUPT.to_vec()));
    for (key, body) in &all {
        clients
            .s3
            .put_object()
            .bucket("hist-archive")
            .key(key)
            .body(ByteStream::from(body.clone()))
            .send()
            .await
            .expect("put object");
    }
    let (since, until) = (
        datetime!(2026-11-01 08:00 UTC),
        datetime!(2026-11-01 11:59:59.999 UTC),
    );
    let want: Vec<&Event> = events
        .iter()
        .filter(|e| e.time >= since && e.time <= until)
        .collect();
    let in_window_objects = all
        .iter()
        .filter(|(k, _)| {
            // Hours 07 to 12: the window widened by the 60 s buffer and the margin.
            ["07", "08", "09", "10", "11", "12"]
                .iter()
                .any(|h| k.starts_with(&format!("ses/2026/11/01/{h}/")))
        })
        .count();

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("sesinfra.yaml"), SPEC).expect("write spec");
    emulator.clear_requests();
    let out = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args([
            "history",
            "--since",
            "2026-11-01T08:00:00Z",
            "--until",
            "2026-11-01T11:59:59.999Z",
            "--output",
            "json",
        ])
        .output()
        .expect("run sesinfra");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), json_lines(&want));
    let s3_calls: Vec<String> = emulator
        .requests()
        .into_iter()
        .filter(|(service, _)| service == "s3")
        .map(|(_, op)| op)
        .collect();
    let gets = s3_calls.iter().filter(|op| *op == "GetObject").count();
    assert_eq!(gets, in_window_objects, "{s3_calls:?}");
    assert!(
        s3_calls
            .iter()
            .all(|op| op == "GetObject" || op == "ListObjectsV2"),
        "{s3_calls:?}"
    );

    // Any S3 URI, with stats; the corrupt object is read only when the window has it.
    let out = emulator
        .sesinfra()
        .args([
            "history",
            "--archive",
            "s3://hist-archive/ses/",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-01T23:59:59Z",
            "--stats",
            "--output",
            "csv",
        ])
        .output()
        .expect("run sesinfra");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(
        csv.contains("\n2026-11-01,Transactional,6,3,2,0,1,1,0,0,0,1,"),
        "{csv}"
    );
    let out = emulator
        .sesinfra()
        .args(["history", "--archive", "s3://hist-archive/ses/"])
        .output()
        .expect("run sesinfra");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("s3://hist-archive/ses/{CORRUPT_KEY}")),
        "{stderr}"
    );
}
