//! Client-side rate limits, one per AWS service, so sesinfra never sends faster than
//! AWS allows and leaves room for the other tools sharing the account.
//!
//! Every HTTP attempt of a service's client, the SDK's own retries included, waits
//! for its turn at the wire: the limiter wraps the client's HTTP connector. Requests
//! are spaced at the service's current rate. Where AWS documents a rate (Firehose's
//! control plane: 5 calls per second per account, a hard limit) that is the ceiling;
//! where it publishes none, the ceiling is a conservative guess. Either way the rate
//! is adaptive (additive increase, multiplicative decrease): a throttled answer halves
//! it, and each answer that is not throttled raises it back towards the ceiling, so
//! another tool using the same quota slows sesinfra down instead of failing it.
//! Ceilings can be raised for accounts with raised quotas: `--rate SERVICE=N` or
//! `SESINFRA_RATE_<SERVICE>=N`.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use tokio::time::Instant;

/// Services sesinfra limits, by the name used in flags and messages, with the
/// ceiling in calls per second.
pub const DEFAULT_RATES: [(&str, f64); 12] = [
    // Documented: 5 control-plane calls per second per account (hard limit).
    ("firehose", 5.0),
    // SES v2 publishes no rate; SES v1 documents 1/s for configuration-set calls.
    ("ses", 10.0),
    // Documented: SES v1's identity notification calls (GetIdentityNotificationAttributes,
    // SetIdentityNotificationTopic, ...) "no more than once per second".
    ("ses_v1", 1.0),
    // IAM and S3 bucket configuration publish none; IAM is global to the account.
    ("iam", 10.0),
    ("s3", 50.0),
    ("sts", 10.0),
    ("kms", 50.0),
    ("tagging", 5.0),
    // Documented: GetMetricData 50 transactions per second, but PutMetricAlarm 3 and
    // DescribeAlarms 9: the alarms' writes set the ceiling (`status` makes one call).
    ("cloudwatch", 3.0),
    // Documented per API: 10 per second for the tag calls, more for the others.
    ("sns", 10.0),
    // Glue and Athena publish per-operation quotas well above what one stack needs
    // (e.g. GetTables, StartQueryExecution 20/s); stay well below them.
    ("glue", 10.0),
    ("athena", 10.0),
];

/// The lowest rate adaptation goes down to: one call every two seconds.
const MIN_RATE: f64 = 0.5;

/// The ceiling of each service, from the defaults and the overrides (`--rate`, env).
#[derive(Debug, Clone, PartialEq)]
pub struct Rates(BTreeMap<String, f64>);

impl Default for Rates {
    fn default() -> Rates {
        Rates(
            DEFAULT_RATES
                .iter()
                .map(|(s, r)| ((*s).to_owned(), *r))
                .collect(),
        )
    }
}

/// A rate setting sesinfra cannot use; `setting` names where it came from (the flag
/// `--rate SERVICE=N` or the variable `SESINFRA_RATE_<SERVICE>`).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateError {
    #[error("{setting}: unknown service `{service}` for a rate; one of: {}", known.join(", "))]
    UnknownService {
        setting: String,
        service: String,
        known: Vec<String>,
    },
    #[error("{setting}: rate `{rate}` for {service}: give calls per second, at least {MIN_RATE}")]
    NotARate {
        setting: String,
        service: String,
        rate: String,
    },
}

impl Rates {
    /// Sets one service's ceiling from `setting` (a flag or variable, named in the
    /// error); an unknown service or a rate that is not a positive number is an error
    /// that says what is valid.
    pub fn set(&mut self, setting: &str, service: &str, rate: &str) -> Result<(), RateError> {
        if !self.0.contains_key(service) {
            return Err(RateError::UnknownService {
                setting: setting.to_owned(),
                service: service.to_owned(),
                known: self.0.keys().cloned().collect(),
            });
        }
        let value: f64 = rate
            .parse()
            .ok()
            .filter(|r: &f64| r.is_finite() && *r >= MIN_RATE)
            .ok_or_else(|| RateError::NotARate {
                setting: setting.to_owned(),
                service: service.to_owned(),
                rate: rate.to_owned(),
            })?;
        self.0.insert(service.to_owned(), value);
        Ok(())
    }

    /// Applies `SESINFRA_RATE_<SERVICE>` variables from `env` (flags are applied after).
    pub fn from_env(env: impl Iterator<Item = (String, String)>) -> Result<Rates, RateError> {
        let mut rates = Rates::default();
        for (key, value) in env {
            if let Some(service) = key.strip_prefix("SESINFRA_RATE_") {
                rates.set(&key, &service.to_ascii_lowercase(), &value)?;
            }
        }
        Ok(rates)
    }

    pub fn get(&self, service: &str) -> f64 {
        self.0.get(service).copied().unwrap_or(MIN_RATE)
    }
}

/// Spaces calls at an adaptive rate below a ceiling.
#[derive(Debug)]
pub struct RateLimiter {
    ceiling: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    rate: f64,
    /// When the next call may start.
    next: Option<Instant>,
    throttled: u64,
}

impl RateLimiter {
    pub fn new(ceiling: f64) -> RateLimiter {
        let ceiling = ceiling.max(MIN_RATE);
        RateLimiter {
            ceiling,
            state: Mutex::new(State {
                rate: ceiling,
                next: None,
                throttled: 0,
            }),
        }
    }

    /// Waits until this call's turn: turns are handed out at the current rate, in
    /// the order callers asked.
    pub async fn acquire(&self) {
        let at = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let at = state.next.map_or(now, |next| next.max(now));
            state.next = Some(at + Duration::from_secs_f64(1.0 / state.rate));
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Adapts to an answer: halve on throttling, else creep back to the ceiling.
    pub fn observe(&self, throttled: bool) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if throttled {
            state.rate = (state.rate / 2.0).max(MIN_RATE);
            state.throttled += 1;
        } else {
            state.rate = (state.rate + self.ceiling / 20.0).min(self.ceiling);
        }
    }

    /// The current rate in calls per second.
    pub fn rate(&self) -> f64 {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).rate
    }

    /// Throttled answers seen so far.
    pub fn throttled(&self) -> u64 {
        self.state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .throttled
    }
}

/// Whether an HTTP answer says "slow down", by status and error code: the error-type
/// header of the JSON protocols, or the code in the body for the protocols that set no
/// header (see `body_error_code`).
fn is_throttling(status: u16, error_type: Option<&str>) -> bool {
    if status == 429 || status == 503 {
        return true;
    }
    error_type.is_some_and(|t| {
        let code = t.split(':').next().unwrap_or(t);
        matches!(
            code,
            "ThrottlingException"
                | "Throttling"
                | "TooManyRequestsException"
                | "ThrottledException"
                | "RequestLimitExceeded"
                | "SlowDown"
        ) || (code == "LimitExceededException" && status == 400 && t.contains("Rate"))
    })
}

/// An HTTP client whose connectors wait for the limiter before every attempt.
#[derive(Debug, Clone)]
pub struct LimitedHttpClient {
    service: &'static str,
    inner: SharedHttpClient,
    limiter: Arc<RateLimiter>,
}

impl LimitedHttpClient {
    /// `service` names the limiter in `-v` logs (the name of `DEFAULT_RATES`).
    pub fn new(
        service: &'static str,
        inner: SharedHttpClient,
        limiter: Arc<RateLimiter>,
    ) -> LimitedHttpClient {
        LimitedHttpClient {
            service,
            inner,
            limiter,
        }
    }
}

impl HttpClient for LimitedHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(LimitedConnector {
            service: self.service,
            inner: self.inner.http_connector(settings, components),
            limiter: Arc::clone(&self.limiter),
        })
    }
}

#[derive(Debug)]
struct LimitedConnector {
    service: &'static str,
    inner: SharedHttpConnector,
    limiter: Arc<RateLimiter>,
}

impl HttpConnector for LimitedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let inner = self.inner.clone();
        let limiter = Arc::clone(&self.limiter);
        let service = self.service;
        HttpConnectorFuture::new(async move {
            limiter.acquire().await;
            let mut response = inner.call(request).await?;
            let status = response.status().as_u16();
            let throttled = match response.headers().get("x-amzn-errortype") {
                Some(error_type) => is_throttling(status, Some(error_type)),
                // The query (XML) and RPC v2 CBOR protocols (IAM, STS, SES v1, SNS,
                // CloudWatch) throttle with a 400 whose code is only in the body: read
                // it (error bodies are small) and hand the same bytes on to the SDK.
                None if status == 400 => {
                    let body = ByteStream::new(response.take_body())
                        .collect()
                        .await
                        .map_err(|e| ConnectorError::io(e.into()))?
                        .into_bytes();
                    let throttled = body_error_code(&body)
                        .is_some_and(|code| is_throttling(status, Some(code)));
                    *response.body_mut() = SdkBody::from(body);
                    throttled
                }
                None => is_throttling(status, None),
            };
            limiter.observe(throttled);
            if throttled {
                tracing::info!(
                    "{service}: throttled by AWS; slowing to {:.1} calls/s",
                    limiter.rate()
                );
            }
            Ok(response)
        })
    }
}

/// The error code in the body of a query-protocol answer (`<Code>Throttling</Code>`
/// in XML) or an RPC v2 CBOR one (the `__type` text, `namespace#Code`).
fn body_error_code(body: &[u8]) -> Option<&str> {
    let find = |needle: &[u8]| body.windows(needle.len()).position(|w| w == needle);
    if let Some(start) = find(b"<Code>") {
        let rest = &body[start + b"<Code>".len()..];
        let end = rest
            .windows(b"</Code>".len())
            .position(|w| w == b"</Code>")?;
        return std::str::from_utf8(&rest[..end]).ok().map(str::trim);
    }
    // CBOR: the key `__type` is followed by a text string (major type 3) whose length
    // is in the low five bits of its first byte, or in the one or two bytes after it.
    let after = &body[find(b"__type")? + b"__type".len()..];
    let (&head, rest) = after.split_first()?;
    if head >> 5 != 3 {
        return None;
    }
    let (len, rest) = match head & 0x1f {
        n @ 0..=23 => (usize::from(n), rest),
        24 => (usize::from(*rest.first()?), rest.get(1..)?),
        25 => (
            usize::from(u16::from_be_bytes([*rest.first()?, *rest.get(1)?])),
            rest.get(2..)?,
        ),
        _ => return None,
    };
    let text = std::str::from_utf8(rest.get(..len)?).ok()?;
    Some(text.rsplit('#').next().unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn calls_are_spaced_at_the_ceiling() {
        let limiter = RateLimiter::new(5.0);
        let start = Instant::now();
        for _ in 0..11 {
            limiter.acquire().await;
        }
        // The first call goes at once, ten more at 200 ms each.
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_halves_the_rate_and_success_restores_it() {
        let limiter = RateLimiter::new(8.0);
        limiter.observe(true);
        limiter.observe(true);
        assert_eq!(limiter.rate(), 2.0);
        assert_eq!(limiter.throttled(), 2);
        for _ in 0..100 {
            limiter.observe(false);
        }
        assert_eq!(limiter.rate(), 8.0);
        for _ in 0..20 {
            limiter.observe(true);
        }
        assert_eq!(limiter.rate(), MIN_RATE);
    }

    #[test]
    fn throttling_answers_are_recognised() {
        assert!(is_throttling(429, None));
        assert!(is_throttling(400, Some("ThrottlingException")));
        assert!(is_throttling(
            400,
            Some("ThrottlingException:http://internal.amazon.com/coral/")
        ));
        assert!(is_throttling(400, Some("ThrottledException")));
        assert!(!is_throttling(400, Some("InvalidArgumentException")));
        assert!(!is_throttling(404, None));
        assert!(!is_throttling(200, None));
    }

    #[test]
    fn error_codes_are_read_from_xml_and_cbor_bodies() {
        let iam = b"<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
            <Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message>\
            </Error></ErrorResponse>";
        assert_eq!(body_error_code(iam), Some("Throttling"));
        // {"__type": "com.amazonaws.cloudwatch#Throttling", "message": "Rate exceeded"}
        let mut cbor = vec![0xa2, 0x66];
        cbor.extend_from_slice(b"__type");
        let shape = b"com.amazonaws.cloudwatch#Throttling";
        cbor.extend_from_slice(&[0x78, shape.len() as u8]);
        cbor.extend_from_slice(shape);
        cbor.push(0x67);
        cbor.extend_from_slice(b"message");
        cbor.push(0x6d);
        cbor.extend_from_slice(b"Rate exceeded");
        assert_eq!(body_error_code(&cbor), Some("Throttling"));
        assert_eq!(body_error_code(b"{\"message\": \"no code\"}"), None);
        assert_eq!(body_error_code(b"<Code>cut short"), None);
        let mut truncated = vec![0xa1, 0x66];
        truncated.extend_from_slice(b"__type");
        truncated.extend_from_slice(&[0x78, 40, b'x']);
        assert_eq!(body_error_code(&truncated), None);
    }

    /// Answers every request with one canned HTTP response.
    #[derive(Debug)]
    struct Answer(u16, &'static [u8]);

    impl HttpConnector for Answer {
        fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
            let (status, body) = (self.0, self.1);
            HttpConnectorFuture::ready(Ok(aws_smithy_runtime_api::http::Response::new(
                status.try_into().expect("a valid status"),
                SdkBody::from(body),
            )))
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_query_answer_slows_the_limiter_and_reaches_the_sdk_whole() {
        let body: &[u8] = b"<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>";
        let limiter = Arc::new(RateLimiter::new(8.0));
        let connector = LimitedConnector {
            service: "iam",
            inner: SharedHttpConnector::new(Answer(400, body)),
            limiter: Arc::clone(&limiter),
        };
        let response = connector
            .call(HttpRequest::empty())
            .await
            .expect("an answer");
        assert_eq!(limiter.throttled(), 1);
        assert_eq!(limiter.rate(), 4.0);
        assert_eq!(response.body().bytes(), Some(body));

        let other = LimitedConnector {
            service: "iam",
            inner: SharedHttpConnector::new(Answer(400, b"<Code>NoSuchEntity</Code>")),
            limiter: Arc::clone(&limiter),
        };
        other.call(HttpRequest::empty()).await.expect("an answer");
        assert_eq!(limiter.throttled(), 1);
    }

    #[test]
    fn rates_from_env_and_flags_say_what_is_valid() {
        let rates = Rates::from_env(
            [
                ("SESINFRA_RATE_FIREHOSE".to_owned(), "20".to_owned()),
                ("PATH".to_owned(), "/bin".to_owned()),
            ]
            .into_iter(),
        )
        .unwrap();
        assert_eq!(rates.get("firehose"), 20.0);
        assert_eq!(rates.get("ses"), 10.0);
        let err =
            Rates::from_env([("SESINFRA_RATE_LAMBDA".to_owned(), "3".to_owned())].into_iter())
                .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("SESINFRA_RATE_LAMBDA: unknown service `lambda` for a rate; one of: athena, cloudwatch, firehose"),
            "{err}"
        );
        let mut rates = Rates::default();
        let err = rates.set("--rate iam=0", "iam", "0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--rate iam=0: rate `0` for iam: give calls per second, at least 0.5"
        );
        assert!(rates.set("--rate iam=fast", "iam", "fast").is_err());
    }
}
