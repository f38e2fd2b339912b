//! Every wait sesinfra makes against AWS, in one value built in one place and carried
//! by `Clients`: the Firehose stream polls (`firehose.rs`), the IAM-propagation and
//! new-bucket retries (`retry.rs`), and the first backoff of the SDK's own retries
//! (`config.rs`). The defaults are for real AWS.
//!
//! Test hook: the hidden variable `SESINFRA_WAIT_SCALE=F` (0 < F ≤ 1) multiplies every
//! delay between polls and retries by F, so tests against an emulator that answers at
//! once do not sleep for seconds. Time bounds (how long before giving up) are not
//! scaled: a slow machine never gives up earlier than on AWS.

use std::time::Duration;

use super::athena::QueryPolls;
use super::firehose::StreamPolls;
use super::retry::RetryPolicy;

/// The variable that scales every delay (`WaitPolicy::from_env`).
pub const SCALE_VAR: &str = "SESINFRA_WAIT_SCALE";

/// `verify`'s pause between listings of a stream's output: Firehose writes at most
/// once per buffering interval (60 s or more), so a few seconds loses little.
const EVENT_POLL: Duration = Duration::from_secs(5);

/// The SDK's default first backoff of its own retries (it doubles up to 20 s).
const SDK_INITIAL_BACKOFF: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WaitPolicy {
    /// While Firehose creates or deletes a stream.
    pub stream: StreamPolls,
    /// Calls that use a role created or changed moments ago.
    pub iam_propagation: RetryPolicy,
    /// A new bucket's sub-resource calls right after CreateBucket.
    pub new_bucket: RetryPolicy,
    /// The first backoff of the SDK's retries of throttled and transient errors.
    pub sdk_initial_backoff: Duration,
    /// Between two looks into a stream's S3 output while `verify` waits for records.
    pub event_poll: Duration,
    /// While an Athena query runs (`athena.rs`).
    pub athena_query: QueryPolls,
}

impl Default for WaitPolicy {
    fn default() -> WaitPolicy {
        WaitPolicy::DEFAULT
    }
}

impl WaitPolicy {
    pub const DEFAULT: WaitPolicy = WaitPolicy {
        stream: StreamPolls::DEFAULT,
        iam_propagation: RetryPolicy::IAM_PROPAGATION,
        new_bucket: RetryPolicy::NEW_BUCKET,
        sdk_initial_backoff: SDK_INITIAL_BACKOFF,
        event_poll: EVENT_POLL,
        athena_query: QueryPolls::DEFAULT,
    };

    /// The defaults with every delay multiplied by `factor`; time bounds unchanged.
    pub fn scaled(factor: f64) -> WaitPolicy {
        let scale = |d: Duration| d.mul_f64(factor);
        let retry = |p: RetryPolicy| RetryPolicy {
            initial_delay: scale(p.initial_delay),
            max_delay: scale(p.max_delay),
            ..p
        };
        let d = WaitPolicy::DEFAULT;
        WaitPolicy {
            stream: StreamPolls {
                first_delay: scale(d.stream.first_delay),
                max_delay: scale(d.stream.max_delay),
                timeout: d.stream.timeout,
            },
            iam_propagation: retry(d.iam_propagation),
            new_bucket: retry(d.new_bucket),
            sdk_initial_backoff: scale(d.sdk_initial_backoff),
            event_poll: scale(d.event_poll),
            athena_query: QueryPolls {
                first_delay: scale(d.athena_query.first_delay),
                max_delay: scale(d.athena_query.max_delay),
                timeout: d.athena_query.timeout,
            },
        }
    }

    /// The defaults, scaled by `SESINFRA_WAIT_SCALE` when `env` has it; an error names
    /// the variable and what is valid.
    pub fn from_env(
        mut env: impl Iterator<Item = (String, String)>,
    ) -> Result<WaitPolicy, WaitScaleError> {
        let Some((_, raw)) = env.find(|(key, _)| key == SCALE_VAR) else {
            return Ok(WaitPolicy::DEFAULT);
        };
        raw.parse::<f64>()
            .ok()
            .filter(|f| *f > 0.0 && *f <= 1.0)
            .map(WaitPolicy::scaled)
            .ok_or(WaitScaleError { value: raw })
    }
}

/// A `SESINFRA_WAIT_SCALE` value that is not a factor in (0, 1].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{SCALE_VAR}: `{value}` is not a factor above 0 and at most 1")]
pub struct WaitScaleError {
    pub value: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Iterator<Item = (String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn without_the_variable_the_waits_are_the_defaults() {
        assert_eq!(
            WaitPolicy::from_env(env(&[("SESINFRA_RATE_SES", "3")])),
            Ok(WaitPolicy::DEFAULT)
        );
        assert_eq!(
            WaitPolicy::DEFAULT.stream.first_delay,
            Duration::from_secs(5)
        );
    }

    #[test]
    fn the_scale_shortens_delays_but_never_time_bounds() {
        let w = WaitPolicy::from_env(env(&[(SCALE_VAR, "0.001")])).unwrap();
        assert_eq!(w.stream.first_delay, Duration::from_millis(5));
        assert_eq!(w.stream.max_delay, Duration::from_millis(30));
        assert_eq!(w.stream.timeout, StreamPolls::DEFAULT.timeout);
        assert_eq!(w.iam_propagation.initial_delay, Duration::from_millis(1));
        assert_eq!(
            w.iam_propagation.max_elapsed,
            RetryPolicy::IAM_PROPAGATION.max_elapsed
        );
        assert_eq!(
            w.new_bucket.retry_codes,
            RetryPolicy::NEW_BUCKET.retry_codes
        );
        assert_eq!(w.sdk_initial_backoff, Duration::from_millis(1));
    }

    #[test]
    fn a_scale_out_of_range_says_what_is_valid() {
        for bad in ["0", "2", "-1", "fast", "NaN"] {
            let err = WaitPolicy::from_env(env(&[(SCALE_VAR, bad)])).unwrap_err();
            assert_eq!(
                err.to_string(),
                format!("SESINFRA_WAIT_SCALE: `{bad}` is not a factor above 0 and at most 1")
            );
        }
    }
}
