//! The one place AWS clients are configured: region, profile, endpoint override,
//! retries, timeouts and each service's rate limit (`limit.rs`). Every service client
//! is built from the same `SdkConfig`, with an HTTP client of its own that waits for
//! its service's limiter.

use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::SharedHttpClient;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_sts::config::Credentials;

use super::limit::{LimitedHttpClient, RateLimiter, Rates};
use super::wait::WaitPolicy;

/// Settings from the command line and the spec.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    /// One endpoint for every service (`--endpoint-url` / `AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// Fixed credentials instead of the default chain (tests use one account each).
    pub static_credentials: Option<StaticCredentials>,
    /// Calls per second each service may take at most (`--rate`, `SESINFRA_RATE_*`).
    pub rates: Rates,
    /// Delays between polls and retries (`wait.rs`; `SESINFRA_WAIT_SCALE` in tests).
    pub waits: WaitPolicy,
    /// Test seam: the HTTP client under every service's limiter instead of the HTTPS
    /// one (tests pass the SDK's replay or a recording client). Always `None` in the
    /// binary.
    pub http_client: Option<SharedHttpClient>,
}

#[derive(Debug, Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

/// Attempts per call, including the first; the SDK backs off with jitter between them
/// and retries throttling and transient errors.
const MAX_ATTEMPTS: u32 = 5;

/// The clients of every service sesinfra uses.
#[derive(Debug, Clone)]
pub struct Clients {
    pub region: String,
    /// CloudWatch: the SES reputation metrics (`cloudwatch.rs`).
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sesv2: aws_sdk_sesv2::Client,
    /// SES v1: identities' SNS notification topics only (`ses_v1.rs`), at its own
    /// documented rate of one call per second (`limit.rs`, `ses_v1`).
    pub ses_v1: aws_sdk_ses::Client,
    pub firehose: aws_sdk_firehose::Client,
    /// SNS: the topics sesinfra owns (`sns.rs`).
    pub sns: aws_sdk_sns::Client,
    /// Glue: the Data Catalog database and table of `analytics.athena` (`glue.rs`).
    pub glue: aws_sdk_glue::Client,
    /// Athena: `history --engine athena`'s queries (`athena.rs`).
    pub athena: aws_sdk_athena::Client,
    pub iam: aws_sdk_iam::Client,
    pub kms: aws_sdk_kms::Client,
    pub s3: aws_sdk_s3::Client,
    pub sts: aws_sdk_sts::Client,
    /// The Resource Groups Tagging API: what carries the stack's tag (`tagging.rs`).
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// How long the service modules and the executor wait between polls and retries.
    pub waits: WaitPolicy,
    /// Each service's rate ceiling: what the readers size their calls in flight from.
    pub rates: Rates,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no AWS region: set `region:` in the spec, pass --region, or set AWS_REGION")]
    NoRegion,
}

pub async fn connect(settings: &AwsSettings) -> Result<Clients, ConfigError> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_initial_backoff(settings.waits.sdk_initial_backoff),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(10))
                // One attempt, and one call with all its retries: a hung endpoint
                // cannot hang sesinfra.
                .operation_attempt_timeout(Duration::from_secs(60))
                .operation_timeout(Duration::from_secs(300))
                .build(),
        );
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &settings.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(c) = &settings.static_credentials {
        loader = loader.credentials_provider(Credentials::new(
            &c.access_key_id,
            &c.secret_access_key,
            None,
            None,
            "sesinfra-static",
        ));
    }
    let config = loader.load().await;
    let region = config
        .region()
        .map(|r| r.to_string())
        .ok_or(ConfigError::NoRegion)?;
    let https = settings.http_client.clone().unwrap_or_else(https_client);
    let limited = |service: &'static str| {
        LimitedHttpClient::new(
            service,
            https.clone(),
            Arc::new(RateLimiter::new(settings.rates.get(service))),
        )
    };
    // A custom endpoint (an emulator, a proxy) is one host: address buckets by path.
    let s3_config = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(settings.endpoint_url.is_some())
        .http_client(limited("s3"))
        .build();
    macro_rules! client {
        ($sdk:ident, $service:literal) => {
            client!($sdk, limited($service))
        };
        ($sdk:ident, $http:expr) => {
            $sdk::Client::from_conf(
                $sdk::config::Builder::from(&config)
                    .http_client($http)
                    .build(),
            )
        };
    }
    Ok(Clients {
        region,
        cloudwatch: client!(aws_sdk_cloudwatch, "cloudwatch"),
        sesv2: client!(aws_sdk_sesv2, "ses"),
        ses_v1: client!(aws_sdk_ses, "ses_v1"),
        firehose: client!(aws_sdk_firehose, "firehose"),
        sns: client!(aws_sdk_sns, "sns"),
        glue: client!(aws_sdk_glue, "glue"),
        athena: client!(aws_sdk_athena, "athena"),
        iam: client!(aws_sdk_iam, "iam"),
        kms: client!(aws_sdk_kms, "kms"),
        s3: aws_sdk_s3::Client::from_conf(s3_config),
        sts: client!(aws_sdk_sts, "sts"),
        tagging: client!(aws_sdk_resourcegroupstagging, "tagging"),
        waits: settings.waits,
        rates: settings.rates.clone(),
    })
}

/// The HTTPS client the SDK would use by default (hyper 1, rustls with aws-lc,
/// proxies from the environment), built here so each service's limiter can wrap it.
fn https_client() -> SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    })
}
