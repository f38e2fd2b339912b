//! `sesinfra history`: find events in a stream's archive, or count them per day and
//! configuration set. Resolves where the archive is (the spec's stream and bucket, or
//! `--archive`), lists the objects of the time window (`archive::layout`), scans them
//! (`archive::Source::scan`) with the query's per-record work (`history`), and prints
//! through `history::render`.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use time::{Duration, OffsetDateTime};

use super::{Outcome, Style, load_spec, online};
use crate::archive::{self, Layout, ObjectRef, RecordError, Source};
use crate::aws::{self, Clients};
use crate::cli::{GlobalArgs, HistoryArgs, HistoryEngine, HistoryFormat};
use crate::engine::EngineError;
use crate::error::Error;
use crate::history::{self, HistoryError, Query, Stats, render};
use crate::model::{Compression, Model, StreamBucket};

/// Objects read at once from S3 (network-bound: more than the cores).
const S3_OBJECTS_IN_FLIGHT: usize = 8;
/// The longest buffering interval Firehose allows: the margin when the stream's own
/// is unknown (`--archive`).
const MAX_BUFFER_INTERVAL: Duration = Duration::seconds(900);

/// Where the records are.
enum Location {
    Local(PathBuf),
    S3 { bucket: String, prefix: String },
}

pub fn history(
    args: &HistoryArgs,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    let now = OffsetDateTime::now_utc();
    let query = query_of(args, now)?;
    if args.engine == HistoryEngine::Athena {
        return super::history_athena::history(args, &query, global, style, stdout, stderr);
    }
    let runtime = online::runtime()?;
    let (location, buffer_interval, clients) = match &args.archive {
        Some(archive) => {
            let location = archive_location(archive)?;
            let clients = match location {
                Location::S3 { .. } => Some(
                    runtime
                        .block_on(aws::connect(&global.aws_settings()?))
                        .map_err(EngineError::from)?,
                ),
                Location::Local(_) => None,
            };
            (location, MAX_BUFFER_INTERVAL, clients)
        }
        None => {
            let (offline, source) = load_spec(&args.spec.path(), global, style, stderr)?;
            // Pick the stream offline, so a wrong --stream fails before any AWS call.
            stream_of(&offline, &source.file, args.stream.as_deref())?;
            let settings = global.aws_settings()?;
            let (session, online) = runtime.block_on(online::open_with_model(
                &settings,
                &source,
                offline.region.as_deref(),
                style,
                stderr,
            ))?;
            let (model, clients) = (online.model, session.clients);
            let stream = stream_of(&model, &source.file, args.stream.as_deref())?;
            let bucket = match &stream.bucket {
                StreamBucket::Spec(logical) => model
                    .buckets
                    .get(logical)
                    .map(|b| b.name.clone())
                    .unwrap_or_else(|| logical.clone()),
                StreamBucket::External { arn } => arn
                    .split_once(":::")
                    .map_or(arn.as_str(), |(_, name)| name)
                    .to_owned(),
            };
            (
                Location::S3 {
                    bucket,
                    prefix: stream.prefix.clone(),
                },
                Duration::seconds(i64::from(stream.buffer_interval_seconds)),
                Some(clients),
            )
        }
    };

    let (source, layout) = match &location {
        Location::Local(root) => (
            Source::Local { root: root.clone() },
            Layout::from_prefix(""),
        ),
        Location::S3 { bucket, prefix } => (
            Source::S3 {
                // Set in both branches above for S3 locations.
                clients: clients_for(&clients)?,
                bucket: bucket.clone(),
                runtime: runtime.handle().clone(),
            },
            Layout::from_prefix(prefix),
        ),
    };
    let object_span = query.object_span(buffer_interval);
    let prefixes = layout.prefixes(object_span, now);
    let listed = source.list(&prefixes).map_err(HistoryError::from)?;
    let listed_count = listed.len();
    let objects: Vec<ObjectRef> = listed
        .into_iter()
        .filter(|o| {
            layout
                .key_span(&o.key)
                .is_some_and(|span| span.overlaps(&object_span))
        })
        .collect();
    tracing::debug!(
        prefixes = prefixes.len(),
        listed = listed_count,
        read = objects.len(),
        "archive listed"
    );

    let workers = match source {
        Source::Local { .. } => std::thread::available_parallelism().map_or(2, |n| n.get()),
        Source::S3 { .. } => S3_OBJECTS_IN_FLIGHT,
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout);
    if !query.stats {
        render::events_header(args.output, &mut out).map_err(HistoryError::from)?;
    }
    let summary = scan(&source, &objects, workers, &query, args.output, &mut out)?;
    if query.stats {
        render::stats(&summary.stats.rows(), args.output, &mut out).map_err(HistoryError::from)?;
    }
    out.flush().map_err(HistoryError::from)?;
    drop(out);

    if let Some((path, line, error)) = &summary.first_bad {
        writeln!(
            stderr,
            "warning: skipped {} line(s) that are not SES event records; the first: {path} line {line}: {error}",
            summary.bad
        )?;
    }
    if !style.quiet {
        let bytes: u64 = objects.iter().map(|o| o.size).sum();
        writeln!(
            stderr,
            "Read {} object(s), {} byte(s), under {}; {} event(s) matched.",
            objects.len(),
            bytes,
            source.describe(&layout.static_prefix()),
            summary.matched
        )?;
    }
    Ok(Outcome::Success)
}

fn clients_for(clients: &Option<Clients>) -> Result<&Clients, Error> {
    clients
        .as_ref()
        .ok_or_else(|| EngineError::from(aws::config::ConfigError::NoRegion).into())
}

fn query_of(args: &HistoryArgs, now: OffsetDateTime) -> Result<Query, HistoryError> {
    let since = args
        .since
        .as_deref()
        .map(|v| history::parse_time("--since", v, now))
        .transpose()?;
    let until = args
        .until
        .as_deref()
        .map(|v| history::parse_time("--until", v, now))
        .transpose()?;
    if let (Some(s), Some(u)) = (since, until)
        && s > u
    {
        return Err(HistoryError::EmptyWindow {
            since: render::format_ms(history::unix_ms(s)),
            until: render::format_ms(history::unix_ms(u)),
        });
    }
    Ok(Query {
        since,
        until,
        message_id: args.message_id.clone(),
        recipient: args.recipient.clone(),
        events: args.events.iter().copied().collect(),
        configuration_set: args.configuration_set.clone(),
        stats: args.stats,
    })
}

fn archive_location(value: &str) -> Result<Location, HistoryError> {
    if let Some(rest) = value.strip_prefix("s3://") {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(HistoryError::BadArchive {
                value: value.to_owned(),
            });
        }
        return Ok(Location::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        });
    }
    let path = PathBuf::from(value);
    if value.contains("://") || !path.is_dir() {
        return Err(HistoryError::BadArchive {
            value: value.to_owned(),
        });
    }
    Ok(Location::Local(path))
}

/// The stream to read: the one named (logical or AWS name), or the spec's only one.
pub(super) fn stream_of<'m>(
    model: &'m Model,
    file: &str,
    name: Option<&str>,
) -> Result<&'m crate::model::Stream, HistoryError> {
    let known = || {
        model
            .streams
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let stream = match name {
        Some(name) => model
            .streams
            .values()
            .find(|s| s.logical == name || s.name == name)
            .ok_or_else(|| HistoryError::UnknownStream {
                file: file.to_owned(),
                name: name.to_owned(),
                known: known(),
            })?,
        None => {
            let mut streams = model.streams.values();
            match (streams.next(), streams.next()) {
                (Some(only), None) => only,
                (None, _) => {
                    return Err(HistoryError::NoStream {
                        file: file.to_owned(),
                    });
                }
                (Some(_), Some(_)) => {
                    return Err(HistoryError::WhichStream {
                        file: file.to_owned(),
                        count: model.streams.len(),
                        known: known(),
                    });
                }
            }
        }
    };
    let unreadable = match stream.compression {
        Compression::Gzip | Compression::Uncompressed => None,
        Compression::Zip => Some("ZIP"),
        Compression::Snappy => Some("Snappy"),
        Compression::HadoopSnappy => Some("HADOOP_SNAPPY"),
    };
    match unreadable {
        Some(compression) => Err(HistoryError::UnreadableCompression {
            file: file.to_owned(),
            name: stream.logical.clone(),
            compression,
        }),
        None => Ok(stream),
    }
}

/// What a scan found besides the output it wrote.
#[derive(Default)]
pub(super) struct Summary {
    pub(super) matched: u64,
    stats: Stats,
    pub(super) bad: u64,
    pub(super) first_bad: Option<(String, u64, RecordError)>,
}

/// One object's share: its rendered events, or its counts.
#[derive(Default)]
struct ObjectResult {
    rendered: Vec<u8>,
    summary: Summary,
}

pub(super) fn scan(
    source: &Source<'_>,
    objects: &[ObjectRef],
    workers: usize,
    query: &Query,
    format: HistoryFormat,
    out: &mut dyn Write,
) -> Result<Summary, HistoryError> {
    let needle = query.needle();
    let finder = needle.as_deref().map(memchr::memmem::Finder::new);
    let brief_suffices = query.brief_suffices();
    let mut total = Summary::default();
    source.scan(
        objects,
        workers,
        |_object, chunks| {
            let mut result = ObjectResult::default();
            let path = chunks.path().to_owned();
            while let Some(chunk) = chunks.next_chunk()? {
                let mut visit = |number: &dyn Fn() -> u64, line: &[u8]| {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        return;
                    }
                    if brief_suffices && let Some(brief) = archive::record::brief(line) {
                        if query.matches_brief(&brief) {
                            result.summary.matched += 1;
                            result.summary.stats.add_brief(&brief);
                        }
                        return;
                    }
                    match archive::record::parse(line) {
                        Ok(record) if query.matches(&record) => {
                            result.summary.matched += 1;
                            if query.stats {
                                result.summary.stats.add(&record);
                            } else {
                                render::event(&record, format, &mut result.rendered);
                            }
                        }
                        Ok(_) => {}
                        Err(error) => {
                            result.summary.bad += 1;
                            if result.summary.first_bad.is_none() {
                                result.summary.first_bad = Some((path.clone(), number(), error));
                            }
                        }
                    }
                };
                match &finder {
                    // Only the lines holding the needle are parsed.
                    Some(finder) => {
                        let bytes = chunk.bytes;
                        let mut from = 0;
                        while let Some(hit) = finder.find(&bytes[from..]) {
                            let at = from + hit;
                            let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
                            let end =
                                memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                            visit(&|| chunk.line_at(start).0, &bytes[start..end]);
                            from = end + 1;
                            if from >= bytes.len() {
                                break;
                            }
                        }
                    }
                    None => {
                        for (number, line) in chunk.lines() {
                            visit(&|| number, line);
                        }
                    }
                }
            }
            Ok::<_, HistoryError>(result)
        },
        |_object, result| {
            out.write_all(&result.rendered)?;
            let s = result.summary;
            total.matched += s.matched;
            total.stats.merge(s.stats);
            total.bad += s.bad;
            if total.first_bad.is_none() {
                total.first_bad = s.first_bad;
            }
            Ok(())
        },
    )?;
    Ok(total)
}
