//! Where a Firehose stream puts its objects in S3, and what is in them: the S3 key
//! prefixes a time window can touch, and the event records of one object. Pure.
//!
//! Firehose evaluates a prefix's `!{timestamp:FORMAT}` expressions (Java
//! `DateTimeFormatter` letters) at the records' arrival time in UTC; a prefix without
//! one gets `yyyy/MM/dd/HH/` appended. Other expressions (`!{firehose:random-string}`,
//! dynamic partitioning keys) cannot be known in advance: a listing stops before the
//! first of them, and before a timestamp finer than the hour. The error prefix's
//! `!{firehose:error-output-type}` is filled with the types found in the bucket
//! (`error_type_parent`, `with_error_type`).
//!
//! (`sesinfra history` reads the same layout; the two are meant to share one module.)

use std::collections::BTreeSet;

use serde_json::Value;
use time::OffsetDateTime;

/// Firehose's expression for the error output type, only valid in the error prefix.
pub const ERROR_OUTPUT_TYPE: &str = "!{firehose:error-output-type}";
/// What Firehose appends to a prefix without a timestamp expression.
const DEFAULT_TIMESTAMP: &str = "!{timestamp:yyyy/MM/dd/HH/}";

/// The prefix as Firehose uses it: with the default timestamp when it has none.
fn effective(prefix: &str) -> String {
    if prefix.contains("!{timestamp:") {
        prefix.to_owned()
    } else {
        format!("{prefix}{DEFAULT_TIMESTAMP}")
    }
}

/// A Java date pattern at `when`, and whether it is whole: it stops before a field
/// finer than the hour (or one this does not know), which a listing cannot fix in
/// advance.
fn java_format(pattern: &str, when: OffsetDateTime) -> (String, bool) {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&q| q == '\'')
                .map_or(chars.len(), |p| i + 1 + p);
            out.extend(&chars[i + 1..end]);
            i = end + 1;
            continue;
        }
        if !c.is_ascii_alphabetic() {
            out.push(c);
            i += 1;
            continue;
        }
        let run = chars[i..].iter().take_while(|&&d| d == c).count();
        let value = match (c, run) {
            ('y', 2) => format!("{:02}", when.year().rem_euclid(100)),
            ('y', _) => format!("{:04}", when.year()),
            ('M', 1) => (u8::from(when.month())).to_string(),
            ('M', 2) => format!("{:02}", u8::from(when.month())),
            ('d', 1) => when.day().to_string(),
            ('d', 2) => format!("{:02}", when.day()),
            ('H', 1) => when.hour().to_string(),
            ('H', 2) => format!("{:02}", when.hour()),
            _ => return (out, false),
        };
        out.push_str(&value);
        i += run;
    }
    (out, true)
}

/// The fixed start of `prefix`'s keys for records arriving at `when` (UTC): literal
/// text and hour-or-coarser timestamps evaluated, cut before anything else.
fn evaluate_until_unknown(prefix: &str, when: OffsetDateTime) -> String {
    let mut out = String::new();
    let mut rest = prefix;
    while let Some(start) = rest.find("!{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            return out;
        };
        let expression = &rest[start + 2..start + len];
        let Some(pattern) = expression.strip_prefix("timestamp:") else {
            return out;
        };
        let (value, whole) = java_format(pattern, when);
        out.push_str(&value);
        if !whole {
            return out;
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The key prefixes under which a stream with `prefix` stores records that arrive
/// between `from` and `to`: one per hour of the window at most, fewer when the
/// prefix is coarser, none under another.
pub fn prefixes_in_window(prefix: &str, from: OffsetDateTime, to: OffsetDateTime) -> Vec<String> {
    let prefix = effective(prefix);
    let mut hour = from
        .replace_minute(0)
        .and_then(|t| t.replace_second(0))
        .and_then(|t| t.replace_nanosecond(0))
        .unwrap_or(from);
    let mut found = BTreeSet::new();
    while hour <= to {
        found.insert(evaluate_until_unknown(&prefix, hour));
        hour += time::Duration::HOUR;
    }
    // A prefix that starts with another is listed by that one already.
    let all: Vec<String> = found.into_iter().collect();
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
    /// `eventType` as SES writes it (`Send`, `Delivery`, `Bounce`, ...).
    pub event_type: String,
    pub message_id: String,
}

/// The records of one object: gzip when it starts with gzip's magic bytes (whatever
/// its name), then JSON values one after another (SES ends each with a newline).
/// Values that are not event records are skipped; text that is not JSON ends the
/// object with an error naming the byte offset.
pub fn records(data: &[u8]) -> Result<Vec<RecordKey>, String> {
    use std::io::Read;
    let text;
    let data = if data.starts_with(&[0x1f, 0x8b]) {
        let mut plain = Vec::new();
        flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut plain)
            .map_err(|e| format!("not valid gzip: {e}"))?;
        text = plain;
        &text[..]
    } else {
        data
    };
    let mut out = Vec::new();
    let mut stream = serde_json::Deserializer::from_slice(data).into_iter::<Value>();
    while let Some(value) = stream.next() {
        let value =
            value.map_err(|e| format!("not JSON records at byte {}: {e}", stream.byte_offset()))?;
        let event_type = value.get("eventType").and_then(Value::as_str);
        let message_id = value.pointer("/mail/messageId").and_then(Value::as_str);
        if let (Some(event_type), Some(message_id)) = (event_type, message_id) {
            out.push(RecordKey {
                event_type: event_type.to_owned(),
                message_id: message_id.to_owned(),
            });
        }
    }
    Ok(out)
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
    fn records_of_plain_gzip_and_concatenated_objects() {
        let lines = "{\"eventType\":\"Send\",\"mail\":{\"messageId\":\"m1\"}}\n\
                     {\"eventType\":\"Delivery\",\"mail\":{\"messageId\":\"m1\"}}{\"other\":1}\n";
        let expected = vec![
            RecordKey {
                event_type: "Send".into(),
                message_id: "m1".into(),
            },
            RecordKey {
                event_type: "Delivery".into(),
                message_id: "m1".into(),
            },
        ];
        assert_eq!(records(lines.as_bytes()).unwrap(), expected);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, lines.as_bytes()).unwrap();
        assert_eq!(records(&gz.finish().unwrap()).unwrap(), expected);
        assert!(
            records(b"{\"eventType\":")
                .unwrap_err()
                .contains("not JSON")
        );
    }
}
