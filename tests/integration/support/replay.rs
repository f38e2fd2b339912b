//! The SDK replay level: sesinfra's real SDK clients (built by `aws::connect`, the
//! `AwsSettings::http_client` seam) talking to recorded HTTP exchanges instead of a
//! server, with the SDK's own test utilities (`StaticReplayClient`, `ReplayEvent`).
//!
//! `StaticReplayClient` answers in the order it was given, but sesinfra reads
//! concurrently: so `Replay` keeps one recorded exchange per request and routes each
//! request to the exchange recorded for the same request (method, path and query,
//! `X-Amz-Target`, body), served and later validated by a `StaticReplayClient` of its
//! own (`relaxed_requests_match`: URI, recorded headers, body). A request nothing was
//! recorded for fails at once and is reported by `verify`, as is a recording no
//! request used. So a test proves the exact set of calls an operation makes.
//!
//! `Recorder` makes the recordings: it wraps a plain HTTP client pointed at the
//! emulator and keeps every exchange (written as JSON under `tests/replay/`).

use std::path::Path;
use std::sync::{Arc, Mutex};

use aws_smithy_http_client::test_util::{ReplayEvent, StaticReplayClient};
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

/// What a request is matched on.
fn key(method: &str, path: &str, target: Option<&str>, body: &str) -> String {
    format!("{method} {path} {} {body}", target.unwrap_or("-"))
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
    waiting: Vec<(String, Call, ReplayEvent)>,
    /// A replay client per request answered, to validate the request afterwards.
    served: Vec<(Call, StaticReplayClient)>,
    /// Requests nothing was recorded for.
    unexpected: Vec<String>,
    calls: Vec<Call>,
}

impl Replay {
    pub fn new(exchanges: &[Exchange]) -> Replay {
        let waiting = exchanges
            .iter()
            .map(|e| {
                let target = e
                    .headers
                    .iter()
                    .find(|(k, _)| k == "x-amz-target")
                    .map(|(_, v)| v.as_str());
                let mut request = HttpRequest::new(SdkBody::from(e.body.as_str()));
                request
                    .set_uri(format!("{REPLAY_ENDPOINT}{}", e.path))
                    .expect("a recorded URI");
                request.set_method(&e.method).expect("a recorded method");
                for (name, value) in &e.headers {
                    request.headers_mut().insert(name.clone(), value.clone());
                }
                let mut response = HttpResponse::new(
                    StatusCode::try_from(e.status).expect("a recorded status"),
                    SdkBody::from(e.response_body.as_str()),
                );
                for (name, value) in &e.response_headers {
                    response.headers_mut().insert(name.clone(), value.clone());
                }
                let call = Call {
                    service: e.service.clone(),
                    operation: e.operation.clone(),
                };
                (
                    key(&e.method, &e.path, target, &e.body),
                    call,
                    ReplayEvent::new(request, response),
                )
            })
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

    /// Checks every answered request against its recording, and that every recording
    /// was used and nothing else was asked; returns the calls made, sorted.
    pub fn verify(&self) -> Vec<Call> {
        let state = self.state.lock().expect("replay state");
        for (call, client) in &state.served {
            // Panics naming the difference; say which call it was first.
            eprintln!("checking the request of {call} against its recording");
            client.relaxed_requests_match();
        }
        let unused: Vec<String> = state
            .waiting
            .iter()
            .map(|(key, call, _)| format!("{call}: {key}"))
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

impl HttpConnector for Replay {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let call = Call::of(&request);
        let key = key(
            request.method(),
            &path_of(request.uri()),
            request.headers().get("x-amz-target"),
            &body_text(&request),
        );
        let mut state = self.state.lock().expect("replay state");
        state.calls.push(call.clone());
        let Some(index) = state.waiting.iter().position(|(k, _, _)| *k == key) else {
            state.unexpected.push(format!("{call}: {key}"));
            return HttpConnectorFuture::ready(Err(ConnectorError::other(
                format!("no recorded answer for {call}").into(),
                None,
            )));
        };
        let (_, _, event) = state.waiting.remove(index);
        let client = StaticReplayClient::new(vec![event]);
        let answer = client.call(request);
        state.served.push((call, client));
        answer
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
        let headers: Vec<(String, String)> = KEPT_HEADERS
            .iter()
            .filter_map(|name| {
                let value = request.headers().get(*name)?;
                Some(((*name).to_owned(), value.to_owned()))
            })
            .collect();
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
                .filter(|(name, _)| !["date", "server", "connection"].contains(name))
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
