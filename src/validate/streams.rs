//! `firehose_streams:` — Direct PUT streams delivering into S3, and the IAM role
//! references they (and firehose event destinations) make.

use std::collections::{BTreeMap, BTreeSet};

use super::{Checker, names, prefix, root};
use crate::model;
use crate::spec::interpolate::Context;
use crate::spec::limits::{self, span};
use crate::spec::source_map::{Focus, Path};
use crate::spec::types::{self, BucketRef, RoleRef};

impl Checker {
    /// Every stream, each with a physical name no other stream uses.
    pub(super) fn streams(
        &mut self,
        ctx: &Context<'_>,
        spec: &types::Spec,
    ) -> BTreeMap<String, model::Stream> {
        let mut streams = BTreeMap::new();
        let mut stream_names: BTreeMap<String, String> = BTreeMap::new();
        for (logical, stream) in &spec.firehose_streams {
            let path = root().key("firehose_streams").key(logical);
            let s = self.stream(ctx, &path, logical, stream, spec);
            if let Some(first) = stream_names.insert(s.name.clone(), logical.clone()) {
                self.error(
                    &path,
                    Focus::Key,
                    format!(
                        "stream name `{}` is also used by firehose_streams.{first}",
                        s.name
                    ),
                    "give each stream its own `name:`",
                );
            }
            streams.insert(logical.clone(), s);
        }
        streams
    }

    /// Warns about streams no event destination references (`used`).
    pub(super) fn unused_streams(&mut self, spec: &types::Spec, used: &BTreeSet<String>) {
        for logical in spec.firehose_streams.keys() {
            if !used.contains(logical) {
                self.warning(
                    &root().key("firehose_streams").key(logical),
                    Focus::Key,
                    format!("stream `{logical}` is not used by any event destination"),
                    "reference it from an event destination (`firehose: {stream: NAME}`) or remove it",
                );
            }
        }
    }

    fn stream(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        logical: &str,
        s: &types::FirehoseStream,
        spec: &types::Spec,
    ) -> model::Stream {
        self.check_key(path, logical, names::logical(logical));
        let name = match &s.name {
            Some(raw) => self.checked_text(ctx, &path.key("name"), raw, names::stream_name),
            None => {
                let name = limits::default_stream_name(&spec.stack, logical);
                if let Err(rule) = names::stream_name(&name) {
                    self.error(
                        path,
                        Focus::Key,
                        format!("the generated stream name `{name}` is not valid"),
                        format!("{rule}; set `name:` explicitly"),
                    );
                }
                name
            }
        };
        let bucket = match &s.bucket {
            BucketRef::Logical(l) => {
                if !spec.buckets.contains_key(l) {
                    self.dangling(&path.key("bucket"), "bucket", l, spec.buckets.keys());
                }
                model::StreamBucket::Spec(l.clone())
            }
            BucketRef::Arn(raw) => {
                let arn = self.checked_text(
                    ctx,
                    &path.key("bucket").key("arn"),
                    raw,
                    names::s3_bucket_arn,
                );
                model::StreamBucket::External { arn }
            }
        };
        let prefix_raw = s.prefix.as_deref().unwrap_or(limits::DEFAULT_PREFIX);
        let prefix = self.text(ctx, &path.key("prefix"), prefix_raw);
        let error_prefix_raw = s
            .error_output_prefix
            .as_deref()
            .unwrap_or(limits::DEFAULT_ERROR_OUTPUT_PREFIX);
        let error_output_prefix =
            self.text(ctx, &path.key("error_output_prefix"), error_prefix_raw);
        for problem in prefix::check(&prefix, &error_output_prefix) {
            let p = path.key(problem.key);
            if problem.is_error {
                self.error(&p, Focus::Value, problem.message, problem.help);
            } else {
                self.warning(&p, Focus::Value, problem.message, problem.help);
            }
        }
        let (size, interval) = self.buffering(path, s.buffering.as_ref());
        let role = self.role(ctx, &path.key("role"), s.role.as_ref());
        model::Stream {
            logical: logical.to_owned(),
            name,
            bucket,
            prefix,
            error_output_prefix,
            buffer_size_mb: size,
            buffer_interval_seconds: interval,
            compression: s.compression.unwrap_or(limits::DEFAULT_COMPRESSION),
            role,
        }
    }

    /// Buffer size (MiB) and interval (seconds), defaults applied, within Firehose's
    /// ranges. (The schema states the same ranges; YAML read without it is checked here.)
    fn buffering(&mut self, path: &Path, buffering: Option<&types::Buffering>) -> (u32, u32) {
        let size = buffering
            .and_then(|b| b.size_mb)
            .unwrap_or(limits::DEFAULT_BUFFER_SIZE_MB);
        let interval = buffering
            .and_then(|b| b.interval_seconds)
            .unwrap_or(limits::DEFAULT_BUFFER_INTERVAL_SECONDS);
        if !limits::BUFFER_SIZE_MB.contains(&size) {
            self.error(
                &path.key("buffering").key("size_mb"),
                Focus::Value,
                format!("buffer size {size} MiB is out of range"),
                format!("Firehose buffers {} MiB", span(&limits::BUFFER_SIZE_MB)),
            );
        }
        if !limits::BUFFER_INTERVAL_SECONDS.contains(&interval) {
            self.error(
                &path.key("buffering").key("interval_seconds"),
                Focus::Value,
                format!("buffer interval {interval} s is out of range"),
                format!(
                    "Firehose buffers {} seconds",
                    span(&limits::BUFFER_INTERVAL_SECONDS)
                ),
            );
        }
        (size, interval)
    }

    /// `role: auto | {arn: ARN}` of a stream or a firehose event destination.
    pub(super) fn role(
        &mut self,
        ctx: &Context<'_>,
        path: &Path,
        role: Option<&RoleRef>,
    ) -> model::Role {
        match role {
            None | Some(RoleRef::Auto) => model::Role::Auto,
            Some(RoleRef::Arn(raw)) => {
                let arn = self.checked_text(ctx, &path.key("arn"), raw, names::iam_role_arn);
                model::Role::Existing { arn }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, model};
    use crate::spec::limits;

    /// A spec with one bucket and a stream `s` whose body is `stream`, used by a set.
    fn spec(stream: &str) -> String {
        format!(
            "version: 1\nstack: mail\nbuckets: {{h: {{name: ses-history-x}}}}\n\
             firehose_streams:\n  s: {stream}\n\
             configuration_sets: {{main: {{event_destinations: {{d: {{events: all, firehose: {{stream: s}}}}}}}}}}\n"
        )
    }

    #[test]
    fn defaults_come_from_the_limits() {
        let m = model(&spec("{bucket: h}"));
        let s = &m.streams["s"];
        assert_eq!(s.name, "mail-s");
        assert_eq!(s.prefix, limits::DEFAULT_PREFIX);
        assert_eq!(s.error_output_prefix, limits::DEFAULT_ERROR_OUTPUT_PREFIX);
        assert_eq!(s.buffer_size_mb, limits::DEFAULT_BUFFER_SIZE_MB);
        assert_eq!(
            s.buffer_interval_seconds,
            limits::DEFAULT_BUFFER_INTERVAL_SECONDS
        );
        assert_eq!(s.compression, limits::DEFAULT_COMPRESSION);
    }

    #[test]
    fn buffering_out_of_range_names_firehose_s_range() {
        assert_eq!(
            findings(&spec(
                "{bucket: h, buffering: {size_mb: 0, interval_seconds: 901}}"
            )),
            [
                "error firehose_streams.s.buffering.size_mb: buffer size 0 MiB is out of range (Firehose buffers 1-128 MiB)",
                "error firehose_streams.s.buffering.interval_seconds: buffer interval 901 s is out of range (Firehose buffers 0-900 seconds)",
            ]
        );
        assert!(
            findings(&spec(
                "{bucket: h, buffering: {size_mb: 128, interval_seconds: 0}}"
            ))
            .is_empty()
        );
    }

    #[test]
    fn unknown_bucket_and_unused_stream_are_reported() {
        let found = findings("version: 1\nstack: mail\nfirehose_streams: {s: {bucket: nope}}\n");
        assert_eq!(
            found,
            [
                "error firehose_streams.s.bucket: there is no bucket `nope` (the spec defines no bucket; add one or fix the reference)",
                "warning firehose_streams.s: stream `s` is not used by any event destination (reference it from an event destination (`firehose: {stream: NAME}`) or remove it)",
            ]
        );
    }

    #[test]
    fn two_streams_cannot_share_a_name() {
        let found = findings(
            "version: 1\nstack: mail\nbuckets: {h: {name: ses-history-x}}\n\
             firehose_streams: {a: {bucket: h, name: x}, b: {bucket: h, name: x}}\n\
             configuration_sets: {main: {event_destinations: {d: {events: all, firehose: {stream: a}}, e: {events: all, firehose: {stream: b}}}}}\n",
        );
        assert_eq!(
            found,
            [
                "error firehose_streams.b: stream name `x` is also used by firehose_streams.a (give each stream its own `name:`)"
            ]
        );
    }
}
