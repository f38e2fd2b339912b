//! One SES event record (a line of Firehose output) read into a light struct that
//! borrows from the line: only the fields history and verify look at, the rest skipped
//! by the parser without being stored, and the line itself kept as written.

use std::borrow::Cow;

use serde::Deserialize;

use crate::model::EventType;

/// An event record, borrowing from its line.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// The line as SES wrote it (without the line break).
    pub raw: &'a [u8],
    pub event: EventType,
    /// When the event happened, in milliseconds since the Unix epoch: the event's own
    /// `timestamp` (bounce, delivery, open, ...), else the message's (send, reject,
    /// rendering failure).
    pub time_ms: i64,
    pub message_id: Cow<'a, str>,
    /// `mail.tags["ses:configuration-set"]`; absent for events not published through a set.
    pub configuration_set: Option<Cow<'a, str>>,
    /// The message's envelope recipients (`mail.destination`).
    pub destination: Vec<Cow<'a, str>>,
    /// The recipients this event is about, for events that name them (bounced,
    /// complained, delivered, delayed); empty for the others.
    pub event_recipients: Vec<Cow<'a, str>>,
}

impl Record<'_> {
    /// The recipients this event concerns: the event's own list when it has one,
    /// else the message's.
    pub fn recipients(&self) -> &[Cow<'_, str>] {
        if self.event_recipients.is_empty() {
            &self.destination
        } else {
            &self.event_recipients
        }
    }
}

/// Why a line is not an event record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("not an SES event record: no `eventType`")]
    NoEventType,
    #[error("unknown eventType `{0}`")]
    UnknownEventType(String),
    #[error("no `mail` object with `messageId`")]
    NoMail,
    #[error("`{field}` is not an RFC 3339 time: `{value}`")]
    BadTime { field: &'static str, value: String },
}

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "eventType", borrow, default)]
    event_type: Option<Cow<'a, str>>,
    /// SES feedback notifications (SNS) say `notificationType` instead.
    #[serde(rename = "notificationType", borrow, default)]
    notification_type: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    mail: Option<Mail<'a>>,
    #[serde(borrow, default)]
    bounce: Option<Detail<'a>>,
    #[serde(borrow, default)]
    complaint: Option<Detail<'a>>,
    #[serde(borrow, default)]
    delivery: Option<Detail<'a>>,
    #[serde(borrow, default)]
    open: Option<Detail<'a>>,
    #[serde(borrow, default)]
    click: Option<Detail<'a>>,
    #[serde(rename = "deliveryDelay", borrow, default)]
    delivery_delay: Option<Detail<'a>>,
    #[serde(borrow, default)]
    subscription: Option<Detail<'a>>,
}

#[derive(Deserialize)]
struct Mail<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "messageId", borrow, default)]
    message_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    destination: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    tags: Option<Tags<'a>>,
}

#[derive(Deserialize)]
struct Tags<'a> {
    #[serde(rename = "ses:configuration-set", borrow, default)]
    configuration_set: Vec<Cow<'a, str>>,
}

/// The part of every event-specific object history reads.
#[derive(Deserialize)]
struct Detail<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "bouncedRecipients", borrow, default)]
    bounced: Vec<Addressed<'a>>,
    #[serde(rename = "complainedRecipients", borrow, default)]
    complained: Vec<Addressed<'a>>,
    #[serde(rename = "delayedRecipients", borrow, default)]
    delayed: Vec<Addressed<'a>>,
    /// Delivery's list of plain addresses.
    #[serde(borrow, default)]
    recipients: Vec<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Addressed<'a> {
    #[serde(rename = "emailAddress", borrow)]
    email_address: Cow<'a, str>,
}

/// Reads one line. Leading and trailing whitespace (and a `\r`) are ignored.
pub fn parse(line: &[u8]) -> Result<Record<'_>, RecordError> {
    let raw = trim(line);
    let parsed: Line<'_> =
        serde_json::from_slice(raw).map_err(|e| RecordError::Json(e.to_string()))?;
    let name = parsed
        .event_type
        .or(parsed.notification_type)
        .ok_or(RecordError::NoEventType)?;
    let event =
        event_type_of(&name).ok_or_else(|| RecordError::UnknownEventType(name.to_string()))?;
    let mail = parsed.mail.ok_or(RecordError::NoMail)?;
    let message_id = mail.message_id.ok_or(RecordError::NoMail)?;
    let detail = match event {
        EventType::Bounce => parsed.bounce,
        EventType::Complaint => parsed.complaint,
        EventType::Delivery => parsed.delivery,
        EventType::Open => parsed.open,
        EventType::Click => parsed.click,
        EventType::DeliveryDelay => parsed.delivery_delay,
        EventType::Subscription => parsed.subscription,
        EventType::Send | EventType::Reject | EventType::RenderingFailure => None,
    };
    let (field, stamp) = match detail.as_ref().and_then(|d| d.timestamp.as_deref()) {
        Some(stamp) => ("event timestamp", stamp),
        None => (
            "mail.timestamp",
            mail.timestamp.as_deref().ok_or(RecordError::BadTime {
                field: "mail.timestamp",
                value: String::new(),
            })?,
        ),
    };
    let time_ms = parse_time_ms(stamp).ok_or_else(|| RecordError::BadTime {
        field,
        value: stamp.to_owned(),
    })?;
    let event_recipients = match detail {
        Some(d) => {
            let mut list = d.recipients;
            list.extend(
                d.bounced
                    .into_iter()
                    .chain(d.complained)
                    .chain(d.delayed)
                    .map(|a| a.email_address),
            );
            list
        }
        None => Vec::new(),
    };
    Ok(Record {
        raw,
        event,
        time_ms,
        message_id,
        configuration_set: mail
            .tags
            .and_then(|t| t.configuration_set.into_iter().next()),
        destination: mail.destination,
        event_recipients,
    })
}

/// The event type of a record's `eventType` (`Bounce`, `Rendering Failure`,
/// `DeliveryDelay`, ...) or of an SES v2 name (`BOUNCE`, `DELIVERY_DELAY`), in any case.
pub fn event_type_of(name: &str) -> Option<EventType> {
    let mut key = [0u8; 24];
    let mut len = 0;
    for b in name.bytes().filter(|b| !matches!(b, b' ' | b'_' | b'-')) {
        *key.get_mut(len)? = b.to_ascii_lowercase();
        len += 1;
    }
    Some(match &key[..len] {
        b"send" => EventType::Send,
        b"reject" => EventType::Reject,
        b"bounce" => EventType::Bounce,
        b"complaint" => EventType::Complaint,
        b"delivery" => EventType::Delivery,
        b"open" => EventType::Open,
        b"click" => EventType::Click,
        b"renderingfailure" => EventType::RenderingFailure,
        b"deliverydelay" => EventType::DeliveryDelay,
        b"subscription" => EventType::Subscription,
        _ => return None,
    })
}

fn trim(line: &[u8]) -> &[u8] {
    let start = line
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(line.len());
    let end = line
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |p| p + 1);
    &line[start..end]
}

/// Milliseconds since the epoch of an RFC 3339 time. SES writes
/// `2017-08-05T00:41:02.669Z`; that shape is read by hand (it is on every record), any
/// other RFC 3339 form through `time`.
pub fn parse_time_ms(text: &str) -> Option<i64> {
    fast_time_ms(text.as_bytes()).or_else(|| {
        let t = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .ok()?;
        i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
    })
}

fn fast_time_ms(b: &[u8]) -> Option<i64> {
    // YYYY-MM-DDTHH:MM:SS[.fff]Z
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' {
        return None;
    }
    if b[16] != b':' || *b.last()? != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        b.get(range)?.iter().try_fold(0i64, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let millis = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if !frac.is_empty() && frac.iter().all(u8::is_ascii_digit) => {
            let mut ms = 0i64;
            for i in 0..3 {
                ms = ms * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
            }
            ms
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The seed's Bounce record (AWS's sample), trimmed of headers.
    const BOUNCE: &str = r#"{ "eventType":"Bounce", "bounce":{ "bounceType":"Permanent", "bounceSubType":"General", "bouncedRecipients":[ { "emailAddress":"recipient@example.com", "action":"failed", "status":"5.1.1", "diagnosticCode":"smtp; 550 5.1.1 user unknown" } ], "timestamp":"2017-08-05T00:41:02.669Z", "feedbackId":"01000157c44f053b-61b59c11-9236-11e6-8f96-7be8aexample-000000", "reportingMTA":"dsn; mta.example.com" }, "mail":{ "timestamp":"2017-08-05T00:40:02.012Z", "source":"Sender Name <sender@example.com>", "messageId":"EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000", "destination":[ "recipient@example.com", "other@example.com" ], "headersTruncated":false, "tags":{ "ses:configuration-set":[ "ConfigSet" ], "ses:source-ip":[ "192.0.2.0" ] } } }"#;

    #[test]
    fn bounce_record_reads_its_own_time_and_recipients() {
        let r = parse(BOUNCE.as_bytes()).unwrap();
        assert_eq!(r.event, EventType::Bounce);
        assert_eq!(
            r.time_ms,
            parse_time_ms("2017-08-05T00:41:02.669Z").unwrap()
        );
        assert_eq!(
            r.message_id,
            "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"
        );
        assert_eq!(r.configuration_set.as_deref(), Some("ConfigSet"));
        assert_eq!(
            r.destination,
            ["recipient@example.com", "other@example.com"]
        );
        assert_eq!(r.recipients(), ["recipient@example.com"]);
        assert_eq!(r.raw, BOUNCE.as_bytes());
    }

    #[test]
    fn send_uses_the_mail_time_and_destination() {
        let line = br#"{"eventType":"Send","mail":{"timestamp":"2016-10-14T05:02:16.645Z","messageId":"m-1","destination":["a@example.com"]},"send":{}}"#;
        let r = parse(line).unwrap();
        assert_eq!(r.event, EventType::Send);
        assert_eq!(r.time_ms, 1_476_421_336_645);
        assert_eq!(r.configuration_set, None);
        assert_eq!(r.recipients(), ["a@example.com"]);
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        let line = br#"{"eventType":"Rendering Failure","mail":{"timestamp":"2018-01-22T18:43:06.197Z","messageId":"m\u002d2","destination":[],"tags":{"ses:configuration-set":["Set\"A"]}}}"#;
        let r = parse(line).unwrap();
        assert_eq!(r.event, EventType::RenderingFailure);
        assert_eq!(r.message_id, "m-2");
        assert_eq!(r.configuration_set.as_deref(), Some("Set\"A"));
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(matches!(parse(b"not json"), Err(RecordError::Json(_))));
        assert_eq!(parse(b"{}"), Err(RecordError::NoEventType));
        assert_eq!(
            parse(br#"{"eventType":"Teleport","mail":{}}"#),
            Err(RecordError::UnknownEventType("Teleport".into()))
        );
        assert_eq!(
            parse(br#"{"eventType":"Send","mail":{"messageId":"m","timestamp":"yesterday"}}"#),
            Err(RecordError::BadTime {
                field: "mail.timestamp",
                value: "yesterday".into()
            })
        );
    }

    #[test]
    fn event_type_names_in_both_spellings() {
        for t in EventType::ALL {
            assert_eq!(event_type_of(t.as_str()), Some(t));
        }
        assert_eq!(
            event_type_of("DeliveryDelay"),
            Some(EventType::DeliveryDelay)
        );
        assert_eq!(
            event_type_of("Rendering Failure"),
            Some(EventType::RenderingFailure)
        );
        assert_eq!(event_type_of("bounces"), None);
        assert_eq!(
            event_type_of("a-very-long-name-that-overflows-the-key"),
            None
        );
    }

    #[test]
    fn times_match_the_time_crate() {
        for text in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.999Z",
            "2026-11-24T03:04:05.1Z",
            "1969-12-31T23:59:59.5Z",
        ] {
            let t =
                time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
                    .unwrap();
            let want = (t.unix_timestamp_nanos() / 1_000_000) as i64;
            assert_eq!(fast_time_ms(text.as_bytes()), Some(want), "{text}");
        }
        // Offsets go through the slow path.
        assert_eq!(
            parse_time_ms("2026-01-01T09:00:00+09:00"),
            parse_time_ms("2026-01-01T00:00:00Z")
        );
        assert_eq!(parse_time_ms("2026-13-01T00:00:00Z"), None);
    }
}

/// The three fields `--stats` counts by, read without parsing the rest of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Brief<'a> {
    pub event: EventType,
    pub time_ms: i64,
    pub configuration_set: Option<&'a str>,
}

/// Reads a record's event type, event time and configuration set by skipping over
/// everything else (headers are most of a record's bytes), several times faster than
/// `parse`. `None` whenever the line is anything but the plain case (an escape in a
/// string it needs, a missing field, a shape it does not expect): the caller then uses
/// `parse`, which gives the same answer or says what is wrong. It does not validate
/// the parts it skips.
pub fn brief(line: &[u8]) -> Option<Brief<'_>> {
    let mut s = Scanner { b: line, i: 0 };
    let mut event_name = None;
    let mut mail_time = None;
    let mut has_message_id = false;
    let mut set = None;
    let mut detail_times: [Option<&[u8]>; 7] = [None; 7];
    s.members(|s, key| {
        match key {
            b"eventType" | b"notificationType" => event_name = Some(s.string()?),
            b"mail" => s.members(|s, key| {
                match key {
                    b"timestamp" => mail_time = Some(s.string()?),
                    b"messageId" => {
                        s.string()?;
                        has_message_id = true;
                    }
                    b"tags" => s.members(|s, key| {
                        if key == b"ses:configuration-set" {
                            s.expect(b'[')?;
                            s.ws();
                            if s.peek()? == b']' {
                                s.i += 1;
                            } else {
                                set = Some(s.string()?);
                                s.ws();
                                if s.peek()? == b',' {
                                    s.skip_until_close(b']')?;
                                } else {
                                    s.expect(b']')?;
                                }
                            }
                            Some(())
                        } else {
                            s.skip_value()
                        }
                    })?,
                    _ => s.skip_value()?,
                }
                Some(())
            })?,
            _ => match DETAIL_KEYS.iter().position(|k| *k == key) {
                Some(n) => s.members(|s, key| {
                    if key == b"timestamp" {
                        detail_times[n] = Some(s.string()?);
                        Some(())
                    } else {
                        s.skip_value()
                    }
                })?,
                None => s.skip_value()?,
            },
        }
        Some(())
    })?;
    s.ws();
    if s.i != line.len() {
        return None;
    }
    if !has_message_id {
        return None;
    }
    let event = event_type_of(std::str::from_utf8(event_name?).ok()?)?;
    let own = match event {
        EventType::Bounce => detail_times[0],
        EventType::Complaint => detail_times[1],
        EventType::Delivery => detail_times[2],
        EventType::Open => detail_times[3],
        EventType::Click => detail_times[4],
        EventType::DeliveryDelay => detail_times[5],
        EventType::Subscription => detail_times[6],
        EventType::Send | EventType::Reject | EventType::RenderingFailure => None,
    };
    let time_ms = fast_time_ms(own.or(mail_time)?)?;
    let configuration_set = match set {
        Some(s) => Some(std::str::from_utf8(s).ok()?),
        None => None,
    };
    Some(Brief {
        event,
        time_ms,
        configuration_set,
    })
}

/// The event-specific objects whose `timestamp` is the event's time.
const DETAIL_KEYS: [&[u8]; 7] = [
    b"bounce",
    b"complaint",
    b"delivery",
    b"open",
    b"click",
    b"deliveryDelay",
    b"subscription",
];

/// A cursor over a line for `brief`.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string without escapes, as its raw bytes.
    fn string(&mut self) -> Option<&'a [u8]> {
        self.expect(b'"')?;
        let start = self.i;
        let end = start + memchr::memchr2(b'"', b'\\', &self.b[start..])?;
        if self.b[end] != b'"' {
            return None;
        }
        self.i = end + 1;
        Some(&self.b[start..end])
    }

    /// Calls `member` for each key of an object, the cursor on its value, which
    /// `member` must consume.
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'a [u8]) -> Option<()>) -> Option<()> {
        self.expect(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.expect(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
            self.ws();
        }
    }

    /// Skips one value of any kind.
    fn skip_value(&mut self) -> Option<()> {
        self.ws();
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.skip_string_body()
            }
            b'{' => {
                self.i += 1;
                self.skip_until_close(b'}')
            }
            b'[' => {
                self.i += 1;
                self.skip_until_close(b']')
            }
            _ => {
                // A number, true, false or null: up to the next delimiter.
                while self.i < self.b.len()
                    && !matches!(
                        self.b[self.i],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// After an opening quote: past the closing one, escapes included.
    fn skip_string_body(&mut self) -> Option<()> {
        loop {
            let at = self.i + memchr::memchr2(b'"', b'\\', &self.b[self.i..])?;
            if self.b[at] == b'"' {
                self.i = at + 1;
                return Some(());
            }
            self.i = at + 2;
        }
    }

    /// After an opening bracket: past the matching `close`, nested ones and strings
    /// included.
    fn skip_until_close(&mut self, close: u8) -> Option<()> {
        let mut depth = 1usize;
        while depth > 0 {
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => self.skip_string_body()?,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                _ => {}
            }
        }
        // Brackets of either kind close each other here; `parse` catches mismatches.
        let _ = close;
        Some(())
    }
}

#[cfg(test)]
mod brief_tests {
    use super::*;

    fn same_as_parse(line: &str) {
        let full = parse(line.as_bytes()).unwrap();
        let quick = brief(line.as_bytes()).unwrap_or_else(|| panic!("brief failed: {line}"));
        assert_eq!(quick.event, full.event, "{line}");
        assert_eq!(quick.time_ms, full.time_ms, "{line}");
        assert_eq!(
            quick.configuration_set,
            full.configuration_set.as_deref(),
            "{line}"
        );
    }

    #[test]
    fn brief_agrees_with_parse_on_every_seed_record() {
        let seeds = include_str!("../../tests/history/seed-records.ndjson");
        for line in seeds.lines() {
            same_as_parse(line);
        }
    }

    #[test]
    fn brief_is_not_fooled_by_nested_keys_and_escapes() {
        // A custom tag named `timestamp`, an escaped quote in a header, the detail
        // before mail, whitespace, numbers and literals.
        same_as_parse(
            r#" { "bounce" : {"timestamp":"2026-01-01T00:00:01.000Z","n":[1,2.5e3,{"x":"}"}]} , "mail":{"headers":[{"name":"Subject","value":"a \"quoted\" \\ }"}],"tags":{"timestamp":["2020-01-01T00:00:00Z"],"ses:configuration-set":["S"]},"timestamp":"2026-01-01T00:00:00.000Z","messageId":"m","ok":true,"none":null},"eventType":"Bounce"} "#,
        );
        // No set; an empty set list.
        same_as_parse(
            r#"{"eventType":"Send","mail":{"timestamp":"2026-01-01T00:00:00Z","messageId":"m"}}"#,
        );
        same_as_parse(
            r#"{"eventType":"Send","mail":{"timestamp":"2026-01-01T00:00:00Z","messageId":"m","tags":{"ses:configuration-set":[]}}}"#,
        );
    }

    #[test]
    fn brief_gives_up_where_parse_must_decide() {
        for line in [
            r#"{"eventType":"Send","mail":{"timestamp":"2026-01-01T00:00:00Z","tags":{"ses:configuration-set":["a\"b"]}}}"#,
            r#"{"eventType":"Send","mail":{"timestamp":"2026-01-01T09:00:00+09:00"}}"#,
            r#"{"eventType":"Send","mail":{}}"#,
            r#"{"eventType":"Send","mail":{"timestamp":"2026-01-01T00:00:00Z"}} trailing"#,
            r#"{"eventType":"Send""#,
            "not json",
            "",
        ] {
            assert_eq!(brief(line.as_bytes()), None, "{line}");
        }
    }
}
