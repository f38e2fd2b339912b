//! `analytics.athena:` — the Glue database and table over a stream's S3 output. The
//! stream's prefix must be one Athena's partition projection can follow
//! (`crate::athena::layout`), and its objects in a format Athena reads.

use std::collections::BTreeMap;

use super::{Checker, names, root};
use crate::model::{self, Compression};
use crate::resources::arn;
use crate::spec::interpolate::Context;
use crate::spec::limits;
use crate::spec::source_map::Focus;
use crate::spec::types;

impl Checker {
    /// `None` when the stream it reads is missing or cannot be projected (reported).
    pub(super) fn athena(
        &mut self,
        ctx: &Context<'_>,
        a: &types::Athena,
        spec: &types::Spec,
        buckets: &BTreeMap<String, model::Bucket>,
        streams: &BTreeMap<String, model::Stream>,
    ) -> Option<model::Athena> {
        let path = root().key("analytics").key("athena");
        let database = self.text(ctx, &path.key("database"), &a.database);
        self.check(
            &path.key("database"),
            &database,
            names::glue_name(&database, "a Glue database name"),
        );
        let table = self.text(ctx, &path.key("table"), &a.table);
        self.check(
            &path.key("table"),
            &table,
            names::glue_name(&table, "a Glue table name"),
        );
        let workgroup = match &a.workgroup {
            Some(raw) => {
                let w = self.text(ctx, &path.key("workgroup"), raw);
                self.check(&path.key("workgroup"), &w, names::athena_workgroup(&w));
                w
            }
            None => limits::DEFAULT_ATHENA_WORKGROUP.to_owned(),
        };
        let results = a
            .results
            .as_ref()
            .and_then(|r| self.athena_results(ctx, r, spec, buckets));

        let stream_path = path.key("stream");
        let Some(stream) = streams.get(&a.stream) else {
            self.dangling(
                &stream_path,
                "stream",
                &a.stream,
                spec.firehose_streams.keys(),
            );
            return None;
        };
        if stream.compression == Compression::Zip {
            self.error(
                &stream_path,
                Focus::Value,
                format!(
                    "stream `{}` writes ZIP archives, which Athena cannot read",
                    a.stream
                ),
                "use `compression: GZIP` (or UNCOMPRESSED) on the stream",
            );
        }
        let layout = match crate::athena::layout(&stream.prefix) {
            Ok(layout) => layout,
            Err(why) => {
                self.error(
                    &stream_path,
                    Focus::Value,
                    format!(
                        "Athena cannot follow the prefix `{}` of stream `{}`: {why}",
                        stream.prefix, a.stream
                    ),
                    "partition projection needs the stream's time part (its `!{timestamp:...}` \
                     expressions, or Firehose's default yyyy/MM/dd/HH/) in folders of their own",
                );
                return None;
            }
        };
        let (bucket, expire) = match &stream.bucket {
            model::StreamBucket::Spec(logical) => {
                let b = buckets.get(logical)?;
                (b.name.clone(), b.expire_after_days)
            }
            model::StreamBucket::External { arn } => {
                (arn::bucket_name(arn).unwrap_or_default().to_owned(), None)
            }
        };
        Some(model::Athena {
            stream: a.stream.clone(),
            database,
            table,
            bucket,
            layout,
            projection_days: expire.unwrap_or(limits::DEFAULT_PROJECTION_DAYS),
            results,
            workgroup,
        })
    }

    /// `results:`: `{bucket, prefix}` or `{s3_uri}`, as an `s3://` location.
    fn athena_results(
        &mut self,
        ctx: &Context<'_>,
        r: &types::AthenaResults,
        spec: &types::Spec,
        buckets: &BTreeMap<String, model::Bucket>,
    ) -> Option<String> {
        let path = root().key("analytics").key("athena").key("results");
        match (&r.bucket, &r.s3_uri) {
            (Some(logical), None) => {
                let Some(bucket) = buckets.get(logical) else {
                    self.dangling(&path.key("bucket"), "bucket", logical, spec.buckets.keys());
                    return None;
                };
                let prefix = match &r.prefix {
                    Some(raw) => self.text(ctx, &path.key("prefix"), raw),
                    None => String::new(),
                };
                Some(format!("s3://{}/{prefix}", bucket.name))
            }
            (None, Some(raw)) => {
                if r.prefix.is_some() {
                    self.error(
                        &path.key("prefix"),
                        Focus::Key,
                        "`prefix` goes with `bucket`, not with `s3_uri`",
                        "put the prefix in the URI: s3://bucket/prefix/",
                    );
                }
                Some(self.checked_text(ctx, &path.key("s3_uri"), raw, names::s3_uri))
            }
            _ => {
                self.error(
                    &path,
                    Focus::Key,
                    "`results` needs exactly one of `bucket` and `s3_uri`",
                    "write `{bucket: <logical name>, prefix: \"athena-results/\"}` or \
                     `{s3_uri: \"s3://bucket/prefix/\"}`",
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};

    fn spec(stream: &str, athena: &str) -> String {
        format!(
            "version: 1\nstack: mail\nbuckets: {{h: {{name: ses-history-x, lifecycle: {{expire_after_days: 400}}}}}}\n\
             firehose_streams:\n  s: {stream}\n\
             configuration_sets: {{main: {{event_destinations: {{d: {{events: all, firehose: {{stream: s}}}}}}}}}}\n\
             analytics: {{athena: {athena}}}\n"
        )
    }

    #[test]
    fn the_table_reads_the_stream_s_bucket_and_prefix() {
        let m = model(&spec(
            "{bucket: h, prefix: ses/}",
            "{stream: s, database: ses_history, table: events, results: {bucket: h, prefix: athena-results/}}",
        ));
        let a = m.athena.expect("athena");
        assert_eq!(a.bucket, "ses-history-x");
        assert_eq!(
            a.layout.template(&a.bucket),
            "s3://ses-history-x/ses/${dt}/"
        );
        assert_eq!(a.projection_days, 400);
        assert_eq!(
            a.results.as_deref(),
            Some("s3://ses-history-x/athena-results/")
        );
        assert_eq!(a.workgroup, "primary");
    }

    #[test]
    fn names_streams_and_results_are_checked() {
        assert_eq!(
            findings(&spec(
                "{bucket: h}",
                "{stream: nope, database: Ses-History, table: events, results: {bucket: h, s3_uri: \"s3://x/\"}}",
            )),
            [
                "error analytics.athena.database: `Ses-History` is not valid (a Glue database name must be 1-255 of a-z 0-9 and '_' (Glue folds names to lower case and Athena reads no other characters))",
                "error analytics.athena.results: `results` needs exactly one of `bucket` and `s3_uri` (write `{bucket: <logical name>, prefix: \"athena-results/\"}` or `{s3_uri: \"s3://bucket/prefix/\"}`)",
                "error analytics.athena.stream: there is no stream `nope` (known streams: s)",
            ]
        );
    }

    #[test]
    fn a_prefix_athena_cannot_follow_is_an_error() {
        let found = findings(&spec(
            "{bucket: h, prefix: \"!{firehose:random-string}/\", compression: ZIP}",
            "{stream: s, database: d, table: t}",
        ));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found[0].contains("writes ZIP archives"), "{found:#?}");
        assert!(found[1].contains("before its time part"), "{found:#?}");
    }
}
