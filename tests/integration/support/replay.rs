//! The SDK replay level: sesinfra's real SDK clients (built by `aws::connect`, the
//! `AwsSettings::http_client` seam) talking to recorded HTTP exchanges instead of a
//! server. The SDK signs, serializes and parses as against AWS; only the bytes on the
//! wire are replayed.
//!
//! sesinfra reads concurrently, so the answers cannot be replayed in order: `Replay`
//! keeps the recorded exchanges and answers each request with the recording of the
//! same request (method, path and query, `Content-Type`, `X-Amz-Target`, body), each
//! recording once. A request nothing was recorded for fails at once and is reported by
//! `verify`, as is a recording no request used. So a test proves the exact set of
//! calls an operation makes.
//!
//! (The SDK's own `StaticReplayClient` answers strictly in order, and its `test-util`
//! feature turns on serde_json's `preserve_order` for the whole test build, which
//! changes the key order of sesinfra's JSON renderings: the tests would no longer test
//! the program that ships.)
//!
//! `Recorder` makes the recordings: it wraps a plain HTTP client pointed at the
//! emulator and keeps every exchange (written as JSON under `tests/replay/`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;
use serde::{Deserialize, Serialize};

/// The endpoint replayed requests go to (nothing listens; no connection is made).
pub const REPLAY_ENDPOINT: &str = "http://127.0.0.1:9";

/// Request headers kept in recordings and checked on replay; the others are signing
/// and transport details that change with every run.
const KEPT_HEADERS: [&str; 2] = ["content-type", "x-amz-target"];

/// Response headers not recorded: they change with every run and no one reads them.
const DROPPED_RESPONSE_HEADERS: [&str; 6] = [
    "date",
    "server",
    "connection",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-amz-id-2",
];

/// One recorded HTTP exchange, as stored in `tests/replay/*.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    /// What the call is, for people and for `Call::is_read`: the SigV4 scope's service
    /// and the operation (`Action`, `X-Amz-Target`, or method and path for REST APIs).
    pub service: String,
    pub operation: String,
    pub method: String,
    /// Path and query, without the endpoint.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub status: u16,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
}

/// A call as made, by the SigV4 scope's service and the operation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Call {
    pub service: String,
    pub operation: String,
}

impl Call {
    fn of(request: &HttpRequest) -> Call {
        let headers = request.headers();
        // Credential=KEY/DATE/REGION/SERVICE/aws4_request
        let service = headers
            .get("authorization")
            .and_then(|a| a.split("Credential=").nth(1))
            .and_then(|c| c.split('/').nth(3))
            .unwrap_or("?")
            .to_owned();
        let body = body_text(request);
        let operation = if let Some(target) = headers.get("x-amz-target") {
            target.rsplit('.').next().unwrap_or(target).to_owned()
        } else if let Some(action) = body
            .split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
        {
            action.to_owned()
        } else {
            format!("{} {}", request.method(), path_of(request.uri()))
        };
        Call { service, operation }
    }

    /// Whether the call only reads: a Get/List/Describe/Head operation, or a REST GET
    /// or HEAD.
    pub fn is_read(&self) -> bool {
        ["Get", "List", "Describe", "Head", "GET ", "HEAD "]
            .iter()
            .any(|prefix| self.operation.starts_with(prefix))
    }
}

impl std::fmt::Display for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.service, self.operation)
    }
}

/// What a request is matched on: its method, path and query, kept headers and body.
fn key(method: &str, path: &str, headers: &[(String, String)], body: &str) -> String {
    let headers: Vec<String> = headers.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{method} {path} [{}] {body}", headers.join(", "))
}

/// The request's headers that recordings keep, in `KEPT_HEADERS` order.
fn kept_headers(request: &HttpRequest) -> Vec<(String, String)> {
    KEPT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = request.headers().get(*name)?;
            Some(((*name).to_owned(), value.to_owned()))
        })
        .collect()
}

fn path_of(uri: &str) -> String {
    match uri.split_once("://") {
        Some((_, rest)) => rest
            .find('/')
            .map_or("/".to_owned(), |i| rest[i..].to_owned()),
        None => uri.to_owned(),
    }
}

fn body_text(request: &HttpRequest) -> String {
    String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).into_owned()
}

/// The replaying HTTP client; see the module comment.
#[derive(Debug, Clone)]
pub struct Replay {
    state: Arc<Mutex<ReplayState>>,
}

#[derive(Debug, Default)]
struct ReplayState {
    /// Recorded exchanges no request has used yet, with their keys.
    waiting: Vec<(String, Exchange)>,
    /// Requests nothing was recorded for.
    unexpected: Vec<String>,
    calls: Vec<Call>,
}

impl Replay {
    pub fn new(exchanges: &[Exchange]) -> Replay {
        let waiting = exchanges
            .iter()
            .map(|e| (key(&e.method, &e.path, &e.headers, &e.body), e.clone()))
            .collect();
        Replay {
            state: Arc::new(Mutex::new(ReplayState {
                waiting,
                ..ReplayState::default()
            })),
        }
    }

    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(self.clone())
    }

    /// Checks that every recording was used and nothing else was asked; returns the
    /// calls made, sorted.
    pub fn verify(&self) -> Vec<Call> {
        let state = self.state.lock().expect("replay state");
        let unused: Vec<String> = state
            .waiting
            .iter()
            .map(|(key, e)| format!("{} {}: {key}", e.service, e.operation))
            .collect();
        assert!(
            state.unexpected.is_empty() && unused.is_empty(),
            "requests without a recording:\n  {}\nrecordings no request used:\n  {}",
            state.unexpected.join("\n  "),
            unused.join("\n  ")
        );
        let mut calls = state.calls.clone();
        calls.sort();
        calls
    }
}

/// The recorded answer as an HTTP response.
fn response(e: &Exchange) -> Result<HttpResponse, ConnectorError> {
    let status =
        StatusCode::try_from(e.status).map_err(|err| ConnectorError::other(err.into(), None))?;
    let mut response = HttpResponse::new(status, SdkBody::from(e.response_body.as_str()));
    for (name, value) in &e.response_headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    Ok(response)
}

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let call = Call::of(&request);
        let key = key(
            request.method(),
            &path_of(request.uri()),
            &kept_headers(&request),
            &body_text(&request),
        );
        let mut state = self.state.lock().expect("replay state");
        state.calls.push(call.clone());
        let Some(index) = state.waiting.iter().position(|(k, _)| *k == key) else {
            state.unexpected.push(format!("{call}: {key}"));
            return HttpConnectorFuture::ready(Err(ConnectorError::other(
                format!("no recorded answer for {call}").into(),
                None,
            )));
        };
        let (_, exchange) = state.waiting.remove(index);
        HttpConnectorFuture::ready(response(&exchange))
    }
}

impl HttpClient for Replay {
    fn http_connector(
        &self,
        _: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

/// Records every exchange through a plain HTTP client (the emulator is plain HTTP).
#[derive(Debug, Clone)]
pub struct Recorder {
    inner: SharedHttpClient,
    /// Replaced by `REPLAY_ENDPOINT` in what is recorded.
    endpoint: String,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

impl Recorder {
    pub fn new(endpoint: &str) -> Recorder {
        Recorder {
            inner: aws_smithy_http_client::Builder::new().build_http(),
            endpoint: endpoint.to_owned(),
            exchanges: Arc::default(),
        }
    }

    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(self.clone())
    }

    /// Writes the exchanges so far as JSON, sorted so that a new recording of the same
    /// calls diffs cleanly.
    pub fn save(&self, path: &Path) {
        let mut exchanges = self.exchanges.lock().expect("recorder").clone();
        exchanges.sort_by(|a, b| {
            (&a.service, &a.operation, &a.path, &a.body).cmp(&(
                &b.service,
                &b.operation,
                &b.path,
                &b.body,
            ))
        });
        let text = serde_json::to_string_pretty(&exchanges).expect("recordings as JSON");
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
        std::fs::write(path, text + "\n").expect("write the recording");
    }
}

/// One connector per SDK client, sharing the recorder's list.
#[derive(Debug)]
struct RecordingConnector {
    inner: SharedHttpConnector,
    recorder: Recorder,
}

impl HttpConnector for RecordingConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let call = Call::of(&request);
        let method = request.method().to_owned();
        let path = path_of(request.uri());
        let headers = kept_headers(&request);
        let body = body_text(&request);
        let inner = self.inner.clone();
        let recorder = self.recorder.clone();
        HttpConnectorFuture::new(async move {
            let mut response = inner.call(request).await?;
            let bytes = ByteStream::new(response.take_body())
                .collect()
                .await
                .map_err(|e| ConnectorError::io(e.into()))?
                .into_bytes();
            let text = String::from_utf8_lossy(&bytes).replace(&recorder.endpoint, REPLAY_ENDPOINT);
            let response_headers = response
                .headers()
                .iter()
                // Transport details and request ids change with every recording.
                .filter(|(name, _)| !DROPPED_RESPONSE_HEADERS.contains(name))
                .map(|(name, value)| {
                    (
                        name.to_owned(),
                        value.replace(&recorder.endpoint, REPLAY_ENDPOINT),
                    )
                })
                .collect();
            recorder.exchanges.lock().expect("recorder").push(Exchange {
                service: call.service,
                operation: call.operation,
                method,
                path,
                headers,
                body,
                status: response.status().as_u16(),
                response_headers,
                response_body: text,
            });
            *response.body_mut() = SdkBody::from(bytes);
            Ok(response)
        })
    }
}

impl HttpClient for Recorder {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(RecordingConnector {
            inner: self.inner.http_connector(settings, components),
            recorder: self.clone(),
        })
    }
}
