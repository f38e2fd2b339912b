//! The one retry mechanism for AWS calls that can succeed if tried again later: IAM
//! propagation (a role created or changed moments ago is not usable yet; AWS says so
//! with generic errors for up to about two minutes), throttling that outlasted the
//! SDK's own retries, and errors that are transient only in a known situation (a
//! bucket's sub-resources right after CreateBucket). Bounded in total time,
//! exponential backoff with full jitter.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use tokio::time::Instant;

use super::AwsError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Give up when the next wait would end after this much time since the first try.
    pub max_elapsed: Duration,
    pub initial_delay: Duration,
    pub max_delay: Duration,
    /// Error codes retried under this policy besides the always-retryable kinds
    /// (throttling, IAM propagation): errors that are transient only in the situation
    /// the policy is for.
    pub retry_codes: &'static [&'static str],
}

impl RetryPolicy {
    /// For calls that use a role just created or changed: IAM takes up to ~2 minutes.
    pub const IAM_PROPAGATION: RetryPolicy = RetryPolicy {
        max_elapsed: Duration::from_secs(150),
        initial_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(20),
        retry_codes: &[],
    };

    /// For a bucket's sub-resource calls right after CreateBucket: S3 is eventually
    /// consistent and may answer `NoSuchBucket` or `OperationAborted` for a while
    /// (Terraform waits up to 2 minutes for the same).
    pub const NEW_BUCKET: RetryPolicy = RetryPolicy {
        max_elapsed: Duration::from_secs(120),
        initial_delay: Duration::from_millis(500),
        max_delay: Duration::from_secs(10),
        retry_codes: &["NoSuchBucket", "OperationAborted"],
    };

    /// Whether `err` is worth another try under this policy.
    pub fn retries(&self, err: &AwsError) -> bool {
        err.is_retryable()
            || err
                .code
                .as_deref()
                .is_some_and(|code| self.retry_codes.contains(&code))
    }
}

/// Runs `op` until it succeeds, fails with an error that is not retryable, or the
/// policy's time is up (then the last error is returned).
pub async fn retry<T, F, Fut>(policy: RetryPolicy, what: &str, mut op: F) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let start = Instant::now();
    let mut ceiling = policy.initial_delay;
    let mut attempt = 1u32;
    loop {
        match op().await {
            Ok(value) => return Ok(value),
            Err(err) if policy.retries(&err) => {
                let wait = jitter(ceiling);
                if start.elapsed() + wait > policy.max_elapsed {
                    return Err(err);
                }
                tracing::info!(%what, attempt, wait_ms = wait.as_millis() as u64, error = %err, "retrying");
                tokio::time::sleep(wait).await;
                ceiling = (ceiling * 2).min(policy.max_delay);
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// "Full jitter": a uniformly random wait in [ceiling/2, ceiling], so many waiting
/// callers spread out. Randomness from std's per-process random hasher keys, which is
/// plenty for spreading retries and needs no extra crate.
fn jitter(ceiling: Duration) -> Duration {
    let random = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    let half = ceiling / 2;
    let spread = half.as_millis() as u64;
    let extra = if spread == 0 {
        0
    } else {
        random % (spread + 1)
    };
    half + Duration::from_millis(extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::ErrorKind;
    use std::cell::Cell;

    fn error(kind: ErrorKind) -> AwsError {
        AwsError {
            kind,
            service: "firehose",
            operation: "CreateDeliveryStream",
            code: Some("InvalidArgumentException".into()),
            message: Some("Firehose is unable to assume role".into()),
        }
    }

    const POLICY: RetryPolicy = RetryPolicy::IAM_PROPAGATION;

    #[tokio::test(start_paused = true)]
    async fn retries_propagation_errors_until_success() {
        let calls = Cell::new(0);
        let result = retry(POLICY, "test", || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 4 {
                    Err(error(ErrorKind::NotYetPropagated))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn does_not_retry_other_errors() {
        let calls = Cell::new(0);
        let result: Result<(), _> = retry(POLICY, "test", || {
            calls.set(calls.get() + 1);
            async { Err(error(ErrorKind::InvalidInput)) }
        })
        .await;
        assert_eq!(result.unwrap_err().kind, ErrorKind::InvalidInput);
        assert_eq!(calls.get(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn gives_up_within_the_time_bound_with_the_last_error() {
        let start = Instant::now();
        let calls = Cell::new(0);
        let result: Result<(), _> = retry(POLICY, "test", || {
            calls.set(calls.get() + 1);
            async { Err(error(ErrorKind::Throttled)) }
        })
        .await;
        assert_eq!(result.unwrap_err().kind, ErrorKind::Throttled);
        assert!(
            start.elapsed() <= POLICY.max_elapsed,
            "{:?}",
            start.elapsed()
        );
        // Backoff caps at 20 s, so 150 s holds several attempts but not dozens.
        assert!((5..=30).contains(&calls.get()), "{} calls", calls.get());
    }

    #[tokio::test(start_paused = true)]
    async fn a_policy_retries_its_own_codes_and_only_those() {
        let s3_error = |kind, code: &str| AwsError {
            kind,
            service: "s3",
            operation: "PutBucketVersioning",
            code: Some(code.into()),
            message: None,
        };
        let calls = Cell::new(0);
        let result = retry(RetryPolicy::NEW_BUCKET, "test", || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                match n {
                    1 => Err(s3_error(ErrorKind::NotFound, "NoSuchBucket")),
                    2 => Err(s3_error(ErrorKind::Other, "OperationAborted")),
                    _ => Ok(n),
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 3);
        // The same codes are final under a policy that does not name them.
        let calls = Cell::new(0);
        let result: Result<(), _> = retry(POLICY, "test", || {
            calls.set(calls.get() + 1);
            async { Err(s3_error(ErrorKind::NotFound, "NoSuchBucket")) }
        })
        .await;
        assert_eq!(result.unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(calls.get(), 1);
        // And other errors stay final under the bucket policy.
        let calls = Cell::new(0);
        let result: Result<(), _> = retry(RetryPolicy::NEW_BUCKET, "test", || {
            calls.set(calls.get() + 1);
            async { Err(s3_error(ErrorKind::AccessDenied, "AccessDenied")) }
        })
        .await;
        assert_eq!(result.unwrap_err().kind, ErrorKind::AccessDenied);
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn jitter_stays_within_half_and_full_ceiling() {
        for _ in 0..100 {
            let d = jitter(Duration::from_secs(8));
            assert!(
                d >= Duration::from_secs(4) && d <= Duration::from_secs(8),
                "{d:?}"
            );
        }
    }
}
