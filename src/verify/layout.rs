//! Where a Firehose stream puts its objects in S3 and what is in them, as `verify`
//! needs it, on top of `crate::archive` (the stream's prefix as a template, record
//! parsing): the key prefixes a time window can touch, the error prefix's
//! `!{firehose:error-output-type}` filled with the types found in the bucket
//! (`error_type_parent`, `with_error_type`), and the records of one object. Pure.

use time::OffsetDateTime;

use crate::archive::layout::{Layout, Span};
use crate::archive::record;
use crate::resources::EventType;

/// Firehose's expression for the error output type, only valid in the error prefix.
pub const ERROR_OUTPUT_TYPE: &str = "!{firehose:error-output-type}";

/// The key prefixes under which a stream with `prefix` stores records that arrive
/// between `from` and `to`: one per hour of the window at most, fewer when the
/// prefix is coarser; they stop before what cannot be known in advance.
pub fn prefixes_in_window(prefix: &str, from: OffsetDateTime, to: OffsetDateTime) -> Vec<String> {
    let span = Span {
        start: Some(from),
        end: Some(to),
    };
    let all = Layout::from_prefix(prefix).prefixes(span, to);
    // A prefix that starts with another is listed by that one already.
    all.iter()
        .filter(|p| !all.iter().any(|q| q != *p && p.starts_with(q.as_str())))
        .cloned()
        .collect()
}

/// For an error prefix with `!{firehose:error-output-type}`: the literal start before
/// it (where the types are "directories"), and the character that ends a type, when
/// nothing before it is an expression.
pub fn error_type_parent(error_prefix: &str) -> Option<(String, char)> {
    let at = error_prefix.find(ERROR_OUTPUT_TYPE)?;
    let parent = &error_prefix[..at];
    let after = error_prefix[at + ERROR_OUTPUT_TYPE.len()..]
        .chars()
        .next()?;
    (!parent.contains("!{")).then(|| (parent.to_owned(), after))
}

/// The error prefix with one error output type filled in.
pub fn with_error_type(error_prefix: &str, error_type: &str) -> String {
    error_prefix.replace(ERROR_OUTPUT_TYPE, error_type)
}

/// One event record as `verify` needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordKey {
    pub event: EventType,
    pub message_id: String,
}

/// The records of one object: gzip when it starts with gzip's magic bytes (whatever
/// its name), then one record per line as SES writes them. Lines that are not event
/// records are skipped; an object that is not valid gzip is an error.
pub fn records(data: &[u8]) -> Result<Vec<RecordKey>, String> {
    use std::io::Read;
    let plain;
    let data = if data.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut out)
            .map_err(|e| format!("not valid gzip: {e}"))?;
        plain = out;
        &plain[..]
    } else {
        data
    };
    Ok(data
        .split(|b| *b == b'\n')
        .filter_map(|line| record::parse(line).ok())
        .map(|r| RecordKey {
            event: r.event,
            message_id: r.message_id.into_owned(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_prefix_without_timestamp_gets_the_hour_path() {
        let at = datetime!(2026-11-24 03:10 UTC);
        assert_eq!(prefixes_in_window("ses/", at, at), ["ses/2026/11/24/03/"]);
        assert_eq!(prefixes_in_window("", at, at), ["2026/11/24/03/"]);
        assert_eq!(prefixes_in_window("ses", at, at), ["ses2026/11/24/03/"]);
    }

    #[test]
    fn the_window_touches_each_hour_once() {
        let from = datetime!(2026-11-24 22:55 UTC);
        let to = datetime!(2026-11-25 00:05 UTC);
        assert_eq!(
            prefixes_in_window("ses/", from, to),
            [
                "ses/2026/11/24/22/",
                "ses/2026/11/24/23/",
                "ses/2026/11/25/00/"
            ]
        );
        // A daily prefix is listed once a day.
        assert_eq!(
            prefixes_in_window("d=!{timestamp:yyyy-MM-dd}/", from, to),
            ["d=2026-11-24/", "d=2026-11-25/"]
        );
    }

    #[test]
    fn unknown_or_fine_expressions_cut_the_listing() {
        let at = datetime!(2026-11-24 03:10 UTC);
        assert_eq!(
            prefixes_in_window("a/!{timestamp:yyyy}/!{firehose:random-string}/x/", at, at),
            ["a/2026/"]
        );
        assert_eq!(
            prefixes_in_window("a/!{timestamp:yyyy/MM/dd/HH/mm}/", at, at),
            ["a/2026/11/24/03/"]
        );
        assert_eq!(
            prefixes_in_window("a/!{timestamp:yyyy-MM-dd'T'HHmm}/", at, at),
            ["a/2026-11-24T03"]
        );
        assert_eq!(
            prefixes_in_window("a/!{timestamp:'y='yyyy}/", at, at),
            ["a/y=2026/"]
        );
        // `{...}` without `!` is literal text.
        assert_eq!(
            prefixes_in_window("{timestamp:yyyy}/", at, at),
            ["{timestamp:yyyy}/2026/11/24/03/"]
        );
    }

    #[test]
    fn error_prefixes_expand_by_type() {
        let prefix = "error/!{firehose:error-output-type}/";
        assert_eq!(error_type_parent(prefix), Some(("error/".into(), '/')));
        let at = datetime!(2026-11-24 03:10 UTC);
        assert_eq!(
            prefixes_in_window(&with_error_type(prefix, "processing-failed"), at, at),
            ["error/processing-failed/2026/11/24/03/"]
        );
        assert_eq!(
            error_type_parent("e/!{timestamp:yyyy}/!{firehose:error-output-type}/"),
            None
        );
    }

    #[test]
    fn records_of_plain_and_gzip_objects() {
        let lines = "{\"eventType\":\"Send\",\"mail\":{\"timestamp\":\"2026-11-24T03:00:00.000Z\",\"messageId\":\"m1\"}}\n\
                     {\"other\":1}\n\
                     {\"eventType\":\"Delivery\",\"mail\":{\"timestamp\":\"2026-11-24T03:00:00.000Z\",\"messageId\":\"m1\"},\"delivery\":{\"timestamp\":\"2026-11-24T03:00:01.000Z\"}}\n";
        let expected = vec![
            RecordKey {
                event: EventType::Send,
                message_id: "m1".into(),
            },
            RecordKey {
                event: EventType::Delivery,
                message_id: "m1".into(),
            },
        ];
        assert_eq!(records(lines.as_bytes()).unwrap(), expected);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, lines.as_bytes()).unwrap();
        assert_eq!(records(&gz.finish().unwrap()).unwrap(), expected);
        // Lines that are not records are skipped; a broken gzip stream is an error.
        assert_eq!(records(b"{\"eventType\":\n").unwrap(), []);
        let corrupt = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0xff];
        assert!(records(&corrupt).unwrap_err().contains("gzip"));
    }
}
