//! `sesinfra history --engine athena`: the same query, run in Athena over the spec's
//! `analytics.athena` table, printed by the same renderings.
//!
//! `--stats` is aggregated in Athena (`athena::sql::stats_sql`): only the rows per day
//! and set come back. A listing asks Athena which objects hold matching events
//! (`objects_sql`; partition projection keeps the scan to the window's hours), then
//! the local reader reads just those objects and prints their matching records
//! exactly as SES wrote them, as it does from a listing of its own.

use std::io::{BufWriter, Write};

use super::history::{Summary, scan, stream_of};
use super::{Outcome, Style, load_spec, online};
use crate::archive::{ObjectRef, Source};
use crate::athena::sql;
use crate::aws::athena::{QueryRequest, run_query};
use crate::cli::{GlobalArgs, HistoryArgs};
use crate::engine;
use crate::error::Error;
use crate::history::{HistoryError, Query, render};

/// Objects read at once from S3.
const S3_OBJECTS_IN_FLIGHT: usize = 8;

pub fn history(
    args: &HistoryArgs,
    query: &Query,
    global: &GlobalArgs,
    style: Style,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Result<Outcome, Error> {
    if args.archive.is_some() {
        return Err(HistoryError::AthenaArchive.into());
    }
    let (offline, source) = load_spec(&args.spec.path(), global, style, stderr)?;
    let file = source.file.clone();
    let Some(athena) = offline.athena.as_ref() else {
        return Err(HistoryError::NoAthena { file }.into());
    };
    if let Some(name) = args.stream.as_deref() {
        let stream = stream_of(&offline, &file, Some(name))?;
        if stream.logical != athena.stream {
            return Err(HistoryError::AthenaOtherStream {
                file,
                name: name.to_owned(),
                athena: athena.stream.clone(),
            }
            .into());
        }
    }
    let runtime = online::runtime()?;
    let settings = global.aws_settings()?;
    let (session, online) = runtime.block_on(online::open_with_model(
        &settings,
        &source,
        offline.region.as_deref(),
        style,
        stderr,
    ))?;
    let (model, clients) = (online.model, session.clients);
    let Some(athena) = model.athena.as_ref() else {
        return Err(HistoryError::NoAthena { file }.into());
    };
    let table = sql::Table {
        database: &athena.database,
        table: &athena.table,
        layout: &athena.layout,
    };
    let run = |text: &str| {
        runtime.block_on(run_query(
            &clients,
            QueryRequest {
                sql: text,
                database: &athena.database,
                workgroup: &athena.workgroup,
                output: athena.results.as_deref(),
            },
        ))
    };
    let mut out = BufWriter::with_capacity(1 << 16, stdout);

    if query.stats {
        let result = run(&sql::stats_sql(table, query)).map_err(engine::EngineError::from)?;
        let rows = sql::stats_rows(&result.rows).map_err(HistoryError::AthenaRows)?;
        render::stats(&rows, args.output, &mut out).map_err(HistoryError::from)?;
        out.flush().map_err(HistoryError::from)?;
        if !style.quiet {
            writeln!(
                stderr,
                "Athena counted events in {} row(s) of {}.{}.",
                rows.len(),
                athena.database,
                athena.table
            )?;
        }
        return Ok(Outcome::Success);
    }

    let result = run(&sql::objects_sql(table, query)).map_err(engine::EngineError::from)?;
    let bucket_uri = format!("s3://{}/", athena.bucket);
    let objects = result
        .rows
        .iter()
        .filter_map(|row| row.first().cloned().flatten())
        .map(|uri| match uri.strip_prefix(&bucket_uri) {
            Some(key) => Ok(ObjectRef {
                key: key.to_owned(),
                size: 0,
            }),
            None => Err(HistoryError::AthenaObject(uri)),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let source = Source::S3 {
        clients: &clients,
        bucket: athena.bucket.clone(),
        runtime: runtime.handle().clone(),
    };
    render::events_header(args.output, &mut out).map_err(HistoryError::from)?;
    let summary: Summary = scan(
        &source,
        &objects,
        S3_OBJECTS_IN_FLIGHT,
        query,
        args.output,
        &mut out,
    )?;
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
        writeln!(
            stderr,
            "Athena found {} object(s) with matching events in {}.{}; {} event(s) matched.",
            objects.len(),
            athena.database,
            athena.table,
            summary.matched
        )?;
    }
    Ok(Outcome::Success)
}
