//! Every default and limit of the spec format, named once. The schema attributes and
//! descriptions in `types.rs` and the checks in `crate::validate` both read these, so
//! what editors show and what `sesinfra validate` enforces cannot disagree. AWS's own
//! defaults are marked as such; the others are sesinfra's choices (contract §1).

use std::fmt::Display;
use std::ops::RangeInclusive;

use serde::Serialize;

use super::types::{Compression, DeletionPolicy, HttpsPolicy, Signing, TlsPolicy};

/// The only spec format version.
pub const SPEC_VERSION: u32 = 1;

// ---- Names ------------------------------------------------------------------------

/// A name of `[A-Za-z0-9<extra>]` characters, `len` of them.
#[derive(Debug)]
pub struct NameRule {
    /// The characters allowed besides ASCII letters and digits.
    pub extra: &'static str,
    pub len: RangeInclusive<usize>,
}

impl NameRule {
    /// The JSON Schema (ECMA 262) pattern of the rule.
    pub fn pattern(&self) -> String {
        let mut class = String::from("A-Za-z0-9");
        // Inside a character class `-` is literal only at the end; `\`, `]` and `^`
        // need escaping.
        for c in self.extra.chars().filter(|c| *c != '-') {
            if matches!(c, '\\' | ']' | '^') {
                class.push('\\');
            }
            class.push(c);
        }
        if self.extra.contains('-') {
            class.push('-');
        }
        format!("^[{class}]{{{},{}}}$", self.len.start(), self.len.end())
    }

    /// E.g. `1-32 of A-Z a-z 0-9 and '-'`, for descriptions.
    pub fn describe(&self) -> String {
        let extra: Vec<String> = self.extra.chars().map(|c| format!("'{c}'")).collect();
        let extra = match extra.as_slice() {
            [] => String::new(),
            [one] => format!(" and {one}"),
            [rest @ .., last] => format!(", {} and {last}", rest.join(", ")),
        };
        format!("{} of A-Z a-z 0-9{extra}", span(&self.len))
    }
}

pub const STACK_NAME: NameRule = NameRule {
    extra: "-",
    len: 1..=32,
};
/// Configuration set, event destination and dedicated IP pool names (SES).
pub const SES_NAME: NameRule = NameRule {
    extra: "_-",
    len: 1..=64,
};
/// Logical names of buckets and streams (used in addresses and generated names).
pub const LOGICAL_NAME: NameRule = NameRule {
    extra: "_-",
    len: 1..=64,
};
pub const STREAM_NAME: NameRule = NameRule {
    extra: "_.-",
    len: 1..=64,
};
pub const SNS_TOPIC_NAME: NameRule = NameRule {
    extra: "_-",
    len: 1..=256,
};
/// CloudWatch dimension names and default values used by SES.
pub const DIMENSION_PART: NameRule = NameRule {
    extra: "_-@.:",
    len: 1..=256,
};
/// S3 general purpose bucket names.
pub const BUCKET_NAME_LEN: RangeInclusive<usize> = 3..=63;
pub const DOMAIN_MAX_LEN: usize = 253;
pub const DOMAIN_LABEL_LEN: RangeInclusive<usize> = 1..=63;
/// The part of an email address before the `@`.
pub const EMAIL_LOCAL_PART_MAX_LEN: usize = 64;
/// The ID after `a-` in a Mail Manager archive ARN (SES v2's `ArchiveArn` pattern).
pub const ARCHIVE_ID_LEN: RangeInclusive<usize> = 24..=62;

/// SES v2's `ArchiveArn` pattern, with the ID length of `ARCHIVE_ID_LEN`.
pub fn archive_arn_pattern() -> String {
    format!(
        "^arn:(aws|aws-[a-z-]+):ses:[a-z]{{2,4}}-[a-z-]+-[0-9]:[0-9]{{1,20}}:mailmanager-archive/a-[a-z0-9]{{{},{}}}$",
        ARCHIVE_ID_LEN.start(),
        ARCHIVE_ID_LEN.end()
    )
}

pub const TAG_KEY_LEN: RangeInclusive<usize> = 1..=128;
pub const TAG_VALUE_MAX_LEN: usize = 256;

// ---- Quotas -----------------------------------------------------------------------

/// AWS's limit of tags on one resource.
pub const MAX_TAGS: usize = 50;
/// SES's documented default quota of event destinations per configuration set.
pub const MAX_EVENT_DESTINATIONS: usize = 10;

// ---- Buckets ----------------------------------------------------------------------

pub const DEFAULT_BUCKET_EXISTING: bool = false;
/// AWS's default.
pub const DEFAULT_VERSIONING: bool = false;
pub const DEFAULT_BLOCK_PUBLIC_ACCESS: bool = true;
pub const DEFAULT_BUCKET_KEY: bool = true;
pub const DEFAULT_DELETION_POLICY: DeletionPolicy = DeletionPolicy::Retain;
/// The fewest days after which a lifecycle rule may expire objects.
pub const MIN_EXPIRE_DAYS: u32 = 1;

// ---- Firehose streams -------------------------------------------------------------

/// The name of a stream without `name:`.
pub fn default_stream_name(stack: &str, logical: &str) -> String {
    format!("{stack}-{logical}")
}
pub const DEFAULT_PREFIX: &str = "";
pub const DEFAULT_ERROR_OUTPUT_PREFIX: &str = "error/!{firehose:error-output-type}/";
/// Firehose's API limit on both prefixes.
pub const MAX_PREFIX_LEN: usize = 1024;
/// Firehose's buffering ranges and defaults (AWS's).
pub const BUFFER_SIZE_MB: RangeInclusive<u32> = 1..=128;
pub const DEFAULT_BUFFER_SIZE_MB: u32 = 5;
pub const BUFFER_INTERVAL_SECONDS: RangeInclusive<u32> = 0..=900;
pub const DEFAULT_BUFFER_INTERVAL_SECONDS: u32 = 300;
pub const DEFAULT_COMPRESSION: Compression = Compression::Uncompressed;

// ---- Analytics (Glue and Athena) -------------------------------------------------

/// Glue database and table names as Athena reads them: lower case, digits and '_'
/// (Glue folds names to lower case; Athena rejects other characters without quoting).
pub const GLUE_NAME_LEN: RangeInclusive<usize> = 1..=255;

/// The JSON Schema pattern of a Glue database or table name.
pub fn glue_name_pattern() -> String {
    format!(
        "^[a-z0-9_]{{{},{}}}$",
        GLUE_NAME_LEN.start(),
        GLUE_NAME_LEN.end()
    )
}

/// E.g. `1-255 of a-z 0-9 and '_'`, for descriptions.
pub fn glue_name_describe() -> String {
    format!("{} of a-z 0-9 and '_'", span(&GLUE_NAME_LEN))
}
/// Athena's default workgroup.
pub const DEFAULT_ATHENA_WORKGROUP: &str = "primary";
/// How far back partition projection reaches when the stream's bucket has no
/// lifecycle expiry (two years of the stream's time partitions).
pub const DEFAULT_PROJECTION_DAYS: u32 = 731;

// ---- Configuration sets -----------------------------------------------------------

pub const DEFAULT_SENDING_ENABLED: bool = true;
pub const DEFAULT_REPUTATION_METRICS: bool = false;
pub const DEFAULT_TLS_POLICY: TlsPolicy = TlsPolicy::Optional;
pub const DEFAULT_HTTPS_POLICY: HttpsPolicy = HttpsPolicy::Optional;
pub const DEFAULT_SIGNING: Signing = Signing::Default;
/// What SES accepts for `MaxDeliverySeconds` (5 minutes to 14 hours).
pub const MAX_DELIVERY_SECONDS: RangeInclusive<u32> = 300..=50400;
pub const DEFAULT_DESTINATION_ENABLED: bool = true;

// ---- Identities and the account ---------------------------------------------------

/// AWS's default: bounces and complaints are forwarded by email.
pub const DEFAULT_FEEDBACK_FORWARDING: bool = true;
/// SES v1 `HeadersIn*NotificationsEnabled`: AWS's default.
pub const DEFAULT_INCLUDE_HEADERS: bool = false;

// ---- SNS topics and alarms ---------------------------------------------------------

pub fn default_topic_name(stack: &str, logical: &str) -> String {
    format!("{stack}-{logical}")
}
/// AWS's review levels of the reputation rates, and the levels at which it may pause
/// an account's sending (fractions).
pub use crate::health::{
    BOUNCE_PAUSE as BOUNCE_PAUSE_RATE, BOUNCE_REVIEW as BOUNCE_REVIEW_RATE,
    COMPLAINT_PAUSE as COMPLAINT_PAUSE_RATE, COMPLAINT_REVIEW as COMPLAINT_REVIEW_RATE,
};
/// sesinfra's default alarm thresholds: 80% of AWS's review levels, so the alarm fires
/// while there is still time to act before a review.
pub const DEFAULT_BOUNCE_ALARM_THRESHOLD: f64 = 0.04;
pub const DEFAULT_COMPLAINT_ALARM_THRESHOLD: f64 = 0.0008;
pub const DEFAULT_ALARM_PER_CONFIGURATION_SET: bool = false;
/// The alarm's evaluation: the metric's average over one period, once; SES publishes
/// the reputation rates about hourly, and no data (no sending) is not breaching.
pub const ALARM_PERIOD_SECONDS: u32 = 3600;
pub const ALARM_EVALUATION_PERIODS: u32 = 1;
/// AWS's defaults for the account's Virtual Deliverability Manager: all off.
pub const DEFAULT_VDM_ENABLED: bool = false;
pub const DEFAULT_VDM_ENGAGEMENT_METRICS: bool = false;
pub const DEFAULT_VDM_OPTIMIZED_SHARED_DELIVERY: bool = false;

// ---- Wording ----------------------------------------------------------------------

/// `1-128`: a range as descriptions and messages write it.
/// A fraction as a percentage for descriptions: `percent(0.0008)` = "0.08%".
pub fn percent(fraction: f64) -> String {
    let text = format!("{:.4}", fraction * 100.0);
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

pub fn span<T: Display>(range: &RangeInclusive<T>) -> String {
    format!("{}-{}", range.start(), range.end())
}

/// How a value is spelled in the spec, e.g. `UNCOMPRESSED` for
/// `Compression::Uncompressed`.
pub fn spelled<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_patterns_keep_dash_last_and_escape_nothing_else_needed() {
        assert_eq!(STACK_NAME.pattern(), "^[A-Za-z0-9-]{1,32}$");
        assert_eq!(SES_NAME.pattern(), "^[A-Za-z0-9_-]{1,64}$");
        assert_eq!(DIMENSION_PART.pattern(), "^[A-Za-z0-9_@.:-]{1,256}$");
    }

    #[test]
    fn name_descriptions_list_the_extra_characters() {
        assert_eq!(STACK_NAME.describe(), "1-32 of A-Z a-z 0-9 and '-'");
        assert_eq!(
            STREAM_NAME.describe(),
            "1-64 of A-Z a-z 0-9, '_', '.' and '-'"
        );
    }

    #[test]
    fn defaults_are_spelled_as_in_the_spec() {
        assert_eq!(spelled(&DEFAULT_COMPRESSION), "UNCOMPRESSED");
        assert_eq!(spelled(&DEFAULT_TLS_POLICY), "OPTIONAL");
        assert_eq!(spelled(&DEFAULT_DELETION_POLICY), "retain");
        assert_eq!(spelled(&DEFAULT_SIGNING), "default");
        assert_eq!(span(&BUFFER_SIZE_MB), "1-128");
    }

    #[test]
    fn defaults_lie_in_their_ranges() {
        assert!(BUFFER_SIZE_MB.contains(&DEFAULT_BUFFER_SIZE_MB));
        assert!(BUFFER_INTERVAL_SECONDS.contains(&DEFAULT_BUFFER_INTERVAL_SECONDS));
    }
}
