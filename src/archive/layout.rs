//! Where Firehose puts a stream's objects in time: the stream's S3 prefix as a template,
//! the prefixes a time window touches, and the hour an object key says it belongs to.
//!
//! Firehose evaluates `!{timestamp:FORMAT}` (a Java DateTimeFormatter pattern) from the
//! approximate arrival time of the oldest record in the object, in UTC, and appends
//! `!{timestamp:yyyy/MM/dd/HH/}` to a prefix that has no timestamp expression (so an
//! empty prefix gives `yyyy/MM/dd/HH/`). Pattern letters sesinfra does not know, and
//! `!{firehose:random-string}`, end what can be said about a key: listing stops at them
//! and everything after them is read.

use time::{Date, Duration, Month, OffsetDateTime, Time};

/// The default time layout Firehose appends to a prefix without timestamp expressions.
pub const DEFAULT_TIME_LAYOUT: &str = "!{timestamp:yyyy/MM/dd/HH/}";

/// How fine a time field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Granularity {
    Year,
    Month,
    Day,
    Hour,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Field(Granularity),
    /// Anything sesinfra cannot evaluate for a time: a random string, an unknown pattern
    /// letter. Prefixes stop before it; keys are not parsed past it.
    Opaque,
}

/// A stream's prefix, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    pieces: Vec<Piece>,
}

/// A stretch of time, both ends included; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Option<OffsetDateTime>,
    pub end: Option<OffsetDateTime>,
}

impl Layout {
    /// The layout of a Firehose `Prefix` (already interpolated), Firehose's default time
    /// layout appended when it has no timestamp expression.
    pub fn from_prefix(prefix: &str) -> Layout {
        let full = if prefix.contains("!{timestamp:") {
            prefix.to_owned()
        } else {
            format!("{prefix}{DEFAULT_TIME_LAYOUT}")
        };
        let mut pieces = Vec::new();
        let mut rest = full.as_str();
        while let Some(start) = rest.find("!{") {
            push_literal(&mut pieces, &rest[..start]);
            let body = &rest[start + 2..];
            let Some(end) = body.find('}') else {
                // Unclosed: validation rejects it; read everything after it.
                pieces.push(Piece::Opaque);
                rest = "";
                break;
            };
            match body[..end].split_once(':') {
                Some(("timestamp", pattern)) => parse_pattern(pattern, &mut pieces),
                _ => pieces.push(Piece::Opaque),
            }
            rest = &body[end + 1..];
        }
        push_literal(&mut pieces, rest);
        Layout { pieces }
    }

    /// The text before the first time field or opaque piece: every object lies under it.
    pub fn static_prefix(&self) -> String {
        self.render(OffsetDateTime::UNIX_EPOCH, None)
    }

    /// The prefixes to list for objects whose prefix time may fall in `span`, in
    /// order, without duplicates. Coarser than an hour when the span is long (fewer
    /// list calls; `key_span` then drops the objects of the hours outside it).
    pub fn prefixes(&self, span: Span, now: OffsetDateTime) -> Vec<String> {
        let Some(start) = span.start else {
            return vec![self.static_prefix()];
        };
        let end = span.end.unwrap_or(now).max(start);
        let hours = (end - start).whole_hours() + 1;
        // At most a few hundred list prefixes; S3 answers 1,000 keys per call anyway.
        let granularity = if hours <= 48 {
            Granularity::Hour
        } else if hours <= 24 * 62 {
            Granularity::Day
        } else if hours <= 24 * 366 * 3 {
            Granularity::Month
        } else {
            Granularity::Year
        };
        let mut out: Vec<String> = Vec::new();
        let mut t = truncate(start, Granularity::Hour);
        while t <= end {
            let prefix = self.render(t, Some(granularity));
            if out.last() != Some(&prefix) {
                out.push(prefix);
            }
            t = next(t, granularity);
        }
        out.dedup();
        out
    }

    /// The times of arrival a key's prefix says its oldest record has: `Span::ALL` when
    /// an opaque piece comes before any time field (it cannot say; read the object),
    /// `None` when the key does not follow the layout (another stream's object, error
    /// output: not this stream's records).
    pub fn key_span(&self, key: &str) -> Option<Span> {
        let mut rest = key;
        let (mut year, mut month, mut day, mut hour) = (None, None, None, None);
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => rest = rest.strip_prefix(text.as_str())?,
                Piece::Opaque => break,
                Piece::Field(g) => {
                    let width = if *g == Granularity::Year { 4 } else { 2 };
                    let digits = rest.get(..width)?;
                    if !digits.bytes().all(|b| b.is_ascii_digit()) {
                        return None;
                    }
                    let value: u16 = digits.parse().ok()?;
                    match g {
                        Granularity::Year => year = Some(value),
                        Granularity::Month => month = Some(value),
                        Granularity::Day => day = Some(value),
                        Granularity::Hour => hour = Some(value),
                    }
                    rest = &rest[width..];
                }
            }
        }
        // The span is as fine as the fields read, coarsest first with no gaps.
        let Some(year) = year else {
            return Some(Span::ALL);
        };
        let (granularity, month, day, hour) = match (month, day, hour) {
            (Some(m), Some(d), Some(h)) => (Granularity::Hour, m, d, h),
            (Some(m), Some(d), None) => (Granularity::Day, m, d, 0),
            (Some(m), None, _) => (Granularity::Month, m, 1, 0),
            _ => (Granularity::Year, 1, 1, 0),
        };
        let date = Date::from_calendar_date(
            i32::from(year),
            Month::try_from(u8::try_from(month).ok()?).ok()?,
            u8::try_from(day).ok()?,
        )
        .ok()?;
        let start = date
            .with_time(Time::from_hms(u8::try_from(hour).ok()?, 0, 0).ok()?)
            .assume_utc();
        Some(Span {
            start: Some(start),
            end: Some(next(start, granularity) - Duration::nanoseconds(1)),
        })
    }

    /// The prefix for time `t`, fields finer than `granularity` (and all of them for
    /// `None`) left out together with everything after them.
    fn render(&self, t: OffsetDateTime, granularity: Option<Granularity>) -> String {
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Opaque => break,
                Piece::Field(g) if granularity.is_some_and(|max| *g <= max) => {
                    let v = match g {
                        Granularity::Year => {
                            out.push_str(&format!("{:04}", t.year()));
                            continue;
                        }
                        Granularity::Month => u8::from(t.month()),
                        Granularity::Day => t.day(),
                        Granularity::Hour => t.hour(),
                    };
                    out.push_str(&format!("{v:02}"));
                }
                Piece::Field(_) => break,
            }
        }
        out
    }
}

impl Span {
    pub const ALL: Span = Span {
        start: None,
        end: None,
    };

    /// Whether the two spans share a moment.
    pub fn overlaps(&self, other: &Span) -> bool {
        let starts_before_other_ends = match (self.start, other.end) {
            (Some(s), Some(e)) => s <= e,
            _ => true,
        };
        let ends_after_other_starts = match (self.end, other.start) {
            (Some(e), Some(s)) => e >= s,
            _ => true,
        };
        starts_before_other_ends && ends_after_other_starts
    }

    /// The span widened by `before` at its start and `after` at its end.
    pub fn widen(&self, before: Duration, after: Duration) -> Span {
        Span {
            start: self.start.map(|s| s - before),
            end: self.end.map(|e| e + after),
        }
    }
}

fn push_literal(pieces: &mut Vec<Piece>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Piece::Literal(last)) = pieces.last_mut() {
        last.push_str(text);
    } else {
        pieces.push(Piece::Literal(text.to_owned()));
    }
}

/// A Java DateTimeFormatter pattern: `yyyy`/`uuuu`, `MM`, `dd`, `HH` are fields;
/// other letters are opaque; `'...'` is quoted text (`''` a quote); the rest literal.
fn parse_pattern(pattern: &str, pieces: &mut Vec<Piece>) {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' && chars.get(i + 1) == Some(&'\'') {
            push_literal(pieces, "'");
            i += 2;
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' && chars.get(i + 1) == Some(&'\'') {
                    text.push('\'');
                    i += 2;
                } else if chars[i] == '\'' {
                    break;
                } else {
                    text.push(chars[i]);
                    i += 1;
                }
            }
            push_literal(pieces, &text);
            i += 1;
        } else if c.is_ascii_alphabetic() {
            let run = chars[i..].iter().take_while(|&&d| d == c).count();
            let field = match (c, run) {
                ('y' | 'u', 4) => Some(Granularity::Year),
                ('M', 2) => Some(Granularity::Month),
                ('d', 2) => Some(Granularity::Day),
                ('H', 2) => Some(Granularity::Hour),
                _ => None,
            };
            pieces.push(field.map_or(Piece::Opaque, Piece::Field));
            i += run;
        } else {
            push_literal(pieces, &c.to_string());
            i += 1;
        }
    }
}

fn truncate(t: OffsetDateTime, g: Granularity) -> OffsetDateTime {
    let date = match g {
        Granularity::Year => Date::from_calendar_date(t.year(), Month::January, 1),
        Granularity::Month => Date::from_calendar_date(t.year(), t.month(), 1),
        Granularity::Day | Granularity::Hour => Ok(t.date()),
    }
    .unwrap_or(t.date());
    let hour = if g == Granularity::Hour { t.hour() } else { 0 };
    date.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc()
}

/// The start of the `g` after the one `t` is in.
fn next(t: OffsetDateTime, g: Granularity) -> OffsetDateTime {
    let t = truncate(t, g);
    match g {
        Granularity::Hour => t + Duration::HOUR,
        Granularity::Day => t + Duration::DAY,
        Granularity::Month => {
            let (year, month) = if t.month() == Month::December {
                (t.year() + 1, Month::January)
            } else {
                (t.year(), t.month().next())
            };
            t.replace_date(Date::from_calendar_date(year, month, 1).unwrap_or(t.date()))
        }
        Granularity::Year => t.replace_date(
            Date::from_calendar_date(t.year() + 1, Month::January, 1).unwrap_or(t.date()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn span(start: OffsetDateTime, end: OffsetDateTime) -> Span {
        Span {
            start: Some(start),
            end: Some(end),
        }
    }

    #[test]
    fn empty_prefix_gets_firehose_default_hourly_layout() {
        let layout = Layout::from_prefix("");
        assert_eq!(layout.static_prefix(), "");
        let prefixes = layout.prefixes(
            span(
                datetime!(2026-11-01 22:30 UTC),
                datetime!(2026-11-02 01:10 UTC),
            ),
            datetime!(2026-12-01 0:00 UTC),
        );
        assert_eq!(
            prefixes,
            [
                "2026/11/01/22/",
                "2026/11/01/23/",
                "2026/11/02/00/",
                "2026/11/02/01/"
            ]
        );
    }

    #[test]
    fn plain_prefix_keeps_its_text_before_the_default_layout() {
        let layout = Layout::from_prefix("ses/");
        assert_eq!(layout.static_prefix(), "ses/");
        let one = datetime!(2026-01-05 07:00 UTC);
        assert_eq!(layout.prefixes(span(one, one), one), ["ses/2026/01/05/07/"]);
        let key = "ses/2026/01/05/07/stream-1-2026-01-05-07-12-00-abc.gz";
        assert_eq!(
            layout.key_span(key),
            Some(span(one, datetime!(2026-01-05 07:59:59.999999999 UTC)))
        );
        assert_eq!(layout.key_span("other/2026/01/05/07/x"), None);
        assert_eq!(layout.key_span("ses/20x6/01/05/07/x"), None);
    }

    #[test]
    fn custom_timestamp_expressions_with_quotes_and_daily_granularity() {
        let layout = Layout::from_prefix("ses/dt=!{timestamp:yyyy'-'MM'-'dd}/");
        assert_eq!(layout.static_prefix(), "ses/dt=");
        let prefixes = layout.prefixes(
            span(
                datetime!(2026-03-01 23:00 UTC),
                datetime!(2026-03-02 01:00 UTC),
            ),
            datetime!(2026-04-01 0:00 UTC),
        );
        assert_eq!(prefixes, ["ses/dt=2026-03-01/", "ses/dt=2026-03-02/"]);
        assert_eq!(
            layout.key_span("ses/dt=2026-03-02/s-1-x.gz"),
            Some(span(
                datetime!(2026-03-02 0:00 UTC),
                datetime!(2026-03-02 23:59:59.999999999 UTC)
            ))
        );
    }

    #[test]
    fn random_strings_and_unknown_letters_stop_the_prefix() {
        let layout = Layout::from_prefix("a/!{firehose:random-string}/!{timestamp:yyyy}/");
        assert_eq!(layout.static_prefix(), "a/");
        let t = datetime!(2026-03-01 0:00 UTC);
        assert_eq!(layout.prefixes(span(t, t), t), ["a/"]);
        assert_eq!(layout.key_span("a/xyz/2026/k"), Some(Span::ALL));
        assert_eq!(layout.key_span("b/xyz/2026/k"), None);

        let minutes = Layout::from_prefix("b/!{timestamp:yyyy/MM/dd/HH/mm}/");
        assert_eq!(minutes.prefixes(span(t, t), t), ["b/2026/03/01/00/"]);
        assert_eq!(
            minutes
                .key_span("b/2026/03/01/00/17/k")
                .and_then(|s| s.start),
            Some(t)
        );
    }

    #[test]
    fn long_windows_list_coarser_prefixes() {
        let layout = Layout::from_prefix("");
        let days = layout.prefixes(
            span(
                datetime!(2026-01-30 5:00 UTC),
                datetime!(2026-02-02 1:00 UTC),
            ),
            datetime!(2026-03-01 0:00 UTC),
        );
        assert_eq!(
            days,
            ["2026/01/30/", "2026/01/31/", "2026/02/01/", "2026/02/02/"]
        );
        let months = layout.prefixes(
            span(
                datetime!(2025-11-15 0:00 UTC),
                datetime!(2026-02-02 0:00 UTC),
            ),
            datetime!(2026-03-01 0:00 UTC),
        );
        assert_eq!(months, ["2025/11/", "2025/12/", "2026/01/", "2026/02/"]);
        let open_ended = layout.prefixes(
            Span {
                start: Some(datetime!(2026-02-28 23:30 UTC)),
                end: None,
            },
            datetime!(2026-03-01 0:10 UTC),
        );
        assert_eq!(open_ended, ["2026/02/28/23/", "2026/03/01/00/"]);
        assert_eq!(
            layout.prefixes(Span::ALL, datetime!(2026-03-01 0:00 UTC)),
            [""]
        );
    }

    #[test]
    fn spans_overlap_and_widen() {
        let a = span(
            datetime!(2026-01-01 0:00 UTC),
            datetime!(2026-01-01 1:00 UTC),
        );
        let b = span(
            datetime!(2026-01-01 1:00 UTC),
            datetime!(2026-01-01 2:00 UTC),
        );
        let c = span(
            datetime!(2026-01-01 2:30 UTC),
            datetime!(2026-01-01 3:00 UTC),
        );
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c) && !c.overlaps(&a));
        assert!(a.widen(Duration::ZERO, Duration::minutes(90)).overlaps(&c));
        assert!(Span::ALL.overlaps(&c));
    }
}
