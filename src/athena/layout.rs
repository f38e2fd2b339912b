//! Where a Firehose stream puts its objects in time, read from its S3 prefix, as the
//! partition projection Athena needs: one `date` partition `dt` whose value is the
//! time part of the object key, a format for it, a unit, and the location template.
//! Athena then computes partitions from a query's `dt` predicates instead of asking a
//! crawler or `MSCK REPAIR TABLE` to find them.
//!
//! Firehose evaluates `!{timestamp:FORMAT}` (a Java `DateTimeFormatter` pattern) at a
//! record's arrival time in UTC; a prefix with no timestamp expression gets
//! `yyyy/MM/dd/HH/` appended. Everything from the first timestamp expression to the
//! last becomes the partition value, the literal text between them quoted in the
//! projection's format, so `year=!{timestamp:yyyy}/month=!{timestamp:MM}/` works as
//! well as `ses/!{timestamp:yyyy/MM/dd}/`.

use time::OffsetDateTime;

/// What Firehose appends to a prefix that has no timestamp expression.
pub const FIREHOSE_DEFAULT_TIME_FORMAT: &str = "yyyy/MM/dd/HH";

/// The granularity of the partitions: the finest field of the format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Unit {
    Hours,
    Days,
    Months,
    Years,
}

impl Unit {
    /// `projection.dt.interval.unit` as Athena spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Hours => "HOURS",
            Unit::Days => "DAYS",
            Unit::Months => "MONTHS",
            Unit::Years => "YEARS",
        }
    }
}

/// A stream's object layout in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The key prefix before the time part (may be empty or end mid-segment, as in
    /// `year=`).
    pub before: String,
    /// The time part as a Java `DateTimeFormatter` pattern, literals quoted.
    pub format: String,
    /// The key text after the time part, up to the folder the objects are in (`/`, or
    /// `/more/`).
    pub after: String,
    pub unit: Unit,
    /// The pattern's fields run from years down to the unit, zero-padded, so partition
    /// values sort as their times do and a time window is a string range of `dt`.
    pub sortable: bool,
    /// The parsed pattern, for formatting partition values.
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Literal(String),
    Field(Field),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Year4,
    Month2,
    Day2,
    Hour2,
}

impl Field {
    fn unit(self) -> Unit {
        match self {
            Field::Year4 => Unit::Years,
            Field::Month2 => Unit::Months,
            Field::Day2 => Unit::Days,
            Field::Hour2 => Unit::Hours,
        }
    }
}

/// Reads a stream's (interpolated) prefix. `Err` says why Athena cannot address its
/// objects by time, and what would work.
pub fn layout(prefix: &str) -> Result<Layout, String> {
    let parts = split(prefix)?;
    let first = parts.iter().position(|p| matches!(p, Part::Timestamp(_)));
    let last = parts.iter().rposition(|p| matches!(p, Part::Timestamp(_)));
    let (Some(first), Some(last)) = (first, last) else {
        // Firehose appends its default time layout after the whole prefix.
        if parts.iter().any(|p| matches!(p, Part::Random)) {
            return Err(RANDOM_BEFORE_TIME.into());
        }
        return finish(literal_text(&parts), FIREHOSE_DEFAULT_TIME_FORMAT, "/");
    };
    if parts[..first].iter().any(|p| matches!(p, Part::Random)) {
        return Err(RANDOM_BEFORE_TIME.into());
    }
    let before = literal_text(&parts[..first]);
    let mut format = String::new();
    for part in &parts[first..=last] {
        match part {
            Part::Timestamp(f) => format.push_str(f),
            Part::Literal(text) => format.push_str(&quote(text)),
            Part::Random => {
                return Err(
                    "the prefix has `!{firehose:random-string}` inside its time part, so Athena \
                     cannot compute the folder of an hour or day; move it after the last \
                     `!{timestamp:...}` expression and its `/`"
                        .into(),
                );
            }
        }
    }
    // After the time part: the folder the objects are in, up to a random string.
    let mut after = String::new();
    for part in &parts[last + 1..] {
        match part {
            Part::Literal(text) => after.push_str(text),
            Part::Random => break,
            // None follows the last one.
            Part::Timestamp(_) => {}
        }
    }
    let folder_end = after.rfind('/').map_or(0, |i| i + 1);
    let after = after[..folder_end].to_owned();
    if after.is_empty() {
        return Err(
            "the prefix does not end its time part with `/`, so each hour's or day's objects \
             are not in a folder of their own Athena can read; add `/` after the last \
             `!{timestamp:...}` expression"
                .into(),
        );
    }
    finish(before, &format, &after)
}

const RANDOM_BEFORE_TIME: &str = "the prefix has `!{firehose:random-string}` before its time \
     part, so Athena cannot compute where an hour's or day's objects are; put the random \
     string after the time part, or remove it";

fn finish(before: String, format: &str, after: &str) -> Result<Layout, String> {
    let tokens = tokens(format)?;
    let fields: Vec<Field> = tokens
        .iter()
        .filter_map(|t| match t {
            Token::Field(f) => Some(*f),
            Token::Literal(_) => None,
        })
        .collect();
    let Some(unit) = fields.iter().map(|f| f.unit()).min() else {
        return Err("the prefix's `!{timestamp:...}` has no date or hour field".into());
    };
    // Sortable: year, month, day, hour in that order, each once, down to the unit.
    let expected: Vec<Field> = [Field::Year4, Field::Month2, Field::Day2, Field::Hour2]
        .into_iter()
        .filter(|f| f.unit() >= unit)
        .collect();
    Ok(Layout {
        before,
        format: format.to_owned(),
        after: after.to_owned(),
        unit,
        sortable: fields == expected,
        tokens,
    })
}

#[derive(Debug)]
enum Part {
    Literal(String),
    Timestamp(String),
    Random,
}

fn split(prefix: &str) -> Result<Vec<Part>, String> {
    let mut parts = Vec::new();
    let mut rest = prefix;
    while let Some(start) = rest.find("!{") {
        if start > 0 {
            parts.push(Part::Literal(rest[..start].to_owned()));
        }
        let body_start = &rest[start + 2..];
        let Some(end) = body_start.find('}') else {
            return Err("`!{` is not closed by `}`".into());
        };
        let body = &body_start[..end];
        match body.split_once(':') {
            Some(("timestamp", format)) => parts.push(Part::Timestamp(format.to_owned())),
            Some(("firehose", "random-string")) => parts.push(Part::Random),
            _ => return Err(format!("`!{{{body}}}` cannot be projected by Athena")),
        }
        rest = &body_start[end + 1..];
    }
    if !rest.is_empty() {
        parts.push(Part::Literal(rest.to_owned()));
    }
    Ok(parts)
}

fn literal_text(parts: &[Part]) -> String {
    parts
        .iter()
        .filter_map(|p| match p {
            Part::Literal(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// Literal text in a `DateTimeFormatter` pattern: quoted, a quote doubled.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The pattern letters sesinfra reads (a time layout never needs more).
const SUPPORTED: &str = "the time part may use yyyy, MM, dd and HH (with literal text between)";

fn tokens(format: &str) -> Result<Vec<Token>, String> {
    let mut out = Vec::new();
    let chars: Vec<char> = format.chars().collect();
    let mut i = 0;
    let mut literal = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A quoted literal; `''` is one quote.
            let mut j = i + 1;
            loop {
                match chars.get(j) {
                    None => return Err(format!("`{format}` has an unclosed quote")),
                    Some('\'') if chars.get(j + 1) == Some(&'\'') => {
                        literal.push('\'');
                        j += 2;
                    }
                    Some('\'') => break,
                    Some(other) => {
                        literal.push(*other);
                        j += 1;
                    }
                }
            }
            if j == i + 1 {
                literal.push('\'');
            }
            i = j + 1;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let run = chars[i..].iter().take_while(|x| **x == c).count();
            let field = match (c, run) {
                ('y', 4) => Field::Year4,
                ('M', 2) => Field::Month2,
                ('d', 2) => Field::Day2,
                ('H', 2) => Field::Hour2,
                _ => {
                    let letters: String = chars[i..i + run].iter().collect();
                    return Err(format!(
                        "`{letters}` in `!{{timestamp:{format}}}` is not supported: {SUPPORTED}"
                    ));
                }
            };
            if !literal.is_empty() {
                out.push(Token::Literal(std::mem::take(&mut literal)));
            }
            out.push(Token::Field(field));
            i += run;
            continue;
        }
        literal.push(c);
        i += 1;
    }
    if !literal.is_empty() {
        out.push(Token::Literal(literal));
    }
    Ok(out)
}

impl Layout {
    /// The partition value of the objects written at `at` (UTC).
    pub fn value(&self, at: OffsetDateTime) -> String {
        let at = at.to_offset(time::UtcOffset::UTC);
        let mut out = String::new();
        for token in &self.tokens {
            match token {
                Token::Literal(text) => out.push_str(text),
                Token::Field(Field::Year4) => out.push_str(&format!("{:04}", at.year())),
                Token::Field(Field::Month2) => {
                    out.push_str(&format!("{:02}", u8::from(at.month())))
                }
                Token::Field(Field::Day2) => out.push_str(&format!("{:02}", at.day())),
                Token::Field(Field::Hour2) => out.push_str(&format!("{:02}", at.hour())),
            }
        }
        out
    }

    /// The table's location: the folder every partition is under.
    pub fn location(&self, bucket: &str) -> String {
        let folder_end = self.before.rfind('/').map_or(0, |i| i + 1);
        format!("s3://{bucket}/{}", &self.before[..folder_end])
    }

    /// `storage.location.template`: where the objects of partition `${dt}` are.
    pub fn template(&self, bucket: &str) -> String {
        format!("s3://{bucket}/{}${{dt}}{}", self.before, self.after)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn an_empty_or_static_prefix_gets_firehose_s_hourly_layout() {
        let l = layout("").unwrap();
        assert_eq!(l.format, "yyyy/MM/dd/HH");
        assert_eq!(l.unit, Unit::Hours);
        assert!(l.sortable);
        assert_eq!(l.location("b"), "s3://b/");
        assert_eq!(l.template("b"), "s3://b/${dt}/");
        assert_eq!(l.value(datetime!(2026-11-03 07:59 UTC)), "2026/11/03/07");

        let l = layout("ses/").unwrap();
        assert_eq!(l.location("b"), "s3://b/ses/");
        assert_eq!(l.template("b"), "s3://b/ses/${dt}/");
    }

    #[test]
    fn timestamp_expressions_become_the_projection_format() {
        let l = layout("ses/!{timestamp:yyyy/MM/dd}/").unwrap();
        assert_eq!(l.format, "yyyy/MM/dd");
        assert_eq!(l.unit, Unit::Days);
        assert_eq!(l.template("b"), "s3://b/ses/${dt}/");
        assert_eq!(l.value(datetime!(2026-01-02 23:00 UTC)), "2026/01/02");

        // Hive-style folders: literal text between expressions is quoted.
        let l = layout(
            "events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/!{firehose:random-string}/",
        )
        .unwrap();
        assert_eq!(l.format, "yyyy'/month='MM");
        assert_eq!(l.unit, Unit::Months);
        assert!(l.sortable);
        assert_eq!(l.location("b"), "s3://b/events/");
        assert_eq!(l.template("b"), "s3://b/events/year=${dt}/");
        assert_eq!(l.value(datetime!(2026-03-09 10:00 UTC)), "2026/month=03");
    }

    #[test]
    fn values_in_other_orders_are_not_sortable() {
        let l = layout("!{timestamp:dd-MM-yyyy}/").unwrap();
        assert!(!l.sortable);
        assert_eq!(l.value(datetime!(2026-03-09 10:00 UTC)), "09-03-2026");
    }

    #[test]
    fn layouts_athena_cannot_address_say_why() {
        let err = |p: &str| layout(p).unwrap_err();
        assert!(err("!{firehose:random-string}/ses/").contains("before its time part"));
        assert!(
            err("!{timestamp:yyyy}!{firehose:random-string}!{timestamp:MM}/")
                .contains("inside its time part")
        );
        assert!(err("ses/!{timestamp:yyyy/MM/dd}").contains("does not end its time part"));
        assert!(err("!{timestamp:yyyy-MM-dd'T'HH:mm}/").contains("`mm`"));
        assert!(err("!{timestamp:yy}/").contains("`yy`"));
    }
}
