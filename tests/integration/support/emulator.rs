//! The local AWS emulator (moto's server with sesinfra's extension, from
//! `tests/emulator/`), one process per test for full isolation: each test gets its own
//! state, names and faults, and parallel tests cannot collide.
//!
//! Loading moto takes about a second of CPU, a hundred times over in a suite that
//! starts one emulator per test; so one fork server per test process
//! (`server.py --fork-server`) loads it once and forks a fresh emulator per test in
//! milliseconds. Control endpoints (`/_sesinfra/...`) are called over plain HTTP here.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use sesinfra::aws::{AwsSettings, Clients, StaticCredentials};

use super::{repo, venv};

pub struct Emulator {
    /// The emulator's process id, to stop it through the fork server.
    pid: u32,
    /// Its stderr, shown when it fails.
    log: tempfile::NamedTempFile,
    pub endpoint: String,
}

/// The fork server of this test process; its stdin closing (when this process ends,
/// however it ends) stops it and every emulator it started.
struct ForkServer {
    _child: Child,
    commands: ChildStdin,
    answers: BufReader<ChildStdout>,
}

impl ForkServer {
    fn start() -> ForkServer {
        let log = tempfile::tempfile().expect("fork server log file");
        let mut child = Command::new(venv().join("bin/python"))
            .arg(repo().join("tests/emulator/server.py"))
            .args(["--host", "127.0.0.1", "--fork-server"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone().expect("clone log handle")))
            .spawn()
            .expect("start the emulator's fork server (tests/emulator/server.py)");
        let commands = child.stdin.take().expect("fork server stdin");
        let mut answers = BufReader::new(child.stdout.take().expect("fork server stdout"));
        let mut line = String::new();
        answers.read_line(&mut line).ok();
        assert_eq!(
            line.trim(),
            "FORK-SERVER READY",
            "the emulator's fork server did not start:\n{}",
            read_log(log)
        );
        ForkServer {
            _child: child,
            commands,
            answers,
        }
    }

    /// Sends one command line; returns the one answer line (empty if the server died).
    fn ask(&mut self, command: &str) -> String {
        writeln!(self.commands, "{command}").expect("write to the emulator's fork server");
        self.commands
            .flush()
            .expect("flush the fork server's commands");
        let mut line = String::new();
        self.answers.read_line(&mut line).ok();
        line.trim().to_owned()
    }
}

fn fork_server() -> &'static Mutex<ForkServer> {
    static SERVER: OnceLock<Mutex<ForkServer>> = OnceLock::new();
    SERVER.get_or_init(|| Mutex::new(ForkServer::start()))
}

fn ask_fork_server(command: &str) -> String {
    // A test that panicked while holding the lock left the server in a sound state:
    // every command is answered before the lock is released.
    let mut server = fork_server()
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    server.ask(command)
}

impl Emulator {
    /// Starts an emulator with empty state on a free loopback port; returns once it
    /// answers. Panics with the server's output when it cannot start: tests must not
    /// pass without it.
    pub fn start() -> Emulator {
        let log = tempfile::NamedTempFile::new().expect("emulator log file");
        let path = log
            .path()
            .to_str()
            .expect("a UTF-8 temporary path")
            .to_owned();
        assert!(!path.contains(char::is_whitespace), "log path {path:?}");
        let answer = ask_fork_server(&format!("start {path}"));
        let Some((endpoint, pid)) = answer
            .strip_prefix("READY ")
            .and_then(|rest| rest.split_once(' '))
            .and_then(|(url, pid)| Some((url.to_owned(), pid.parse().ok()?)))
        else {
            panic!(
                "the emulator did not start: {answer:?}\n{}",
                read_log(log.reopen().expect("reopen the emulator log"))
            );
        };
        Emulator { pid, log, endpoint }
    }

    /// Settings for sesinfra's AWS clients pointed at this emulator, with the tests'
    /// waits and rates (`support::test_env`).
    pub fn settings(&self) -> AwsSettings {
        let (rates, waits) = super::test_rates_and_waits();
        AwsSettings {
            region: Some("eu-west-1".to_owned()),
            profile: None,
            endpoint_url: Some(self.endpoint.clone()),
            static_credentials: Some(StaticCredentials {
                access_key_id: "testing".to_owned(),
                secret_access_key: "testing".to_owned(),
            }),
            rates,
            waits,
            http_client: None,
        }
    }

    pub async fn clients(&self) -> Clients {
        self.clients_in("eu-west-1").await
    }

    pub async fn clients_in(&self, region: &str) -> Clients {
        let mut settings = self.settings();
        settings.region = Some(region.to_owned());
        sesinfra::aws::connect(&settings)
            .await
            .expect("AWS clients for the emulator")
    }

    /// The `sesinfra` binary pointed at this emulator (credentials and endpoint from
    /// the environment, as a user would set them; nothing read from ~/.aws).
    pub fn sesinfra(&self) -> assert_cmd::Command {
        let mut cmd = super::sesinfra();
        cmd.envs(self.env());
        cmd
    }

    /// The environment of a `sesinfra` run against this emulator, for tests that start
    /// it through a script or a terminal: the AWS settings and `support::test_env`.
    pub fn env(&self) -> Vec<(String, String)> {
        let mut env: Vec<(String, String)> = [
            ("AWS_ENDPOINT_URL", self.endpoint.as_str()),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/nonexistent/sesinfra-test-config"),
            (
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/sesinfra-test-credentials",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        env.extend(super::test_env());
        env
    }

    /// Calls a control endpoint (`/_sesinfra/<name>`) with an optional JSON body;
    /// panics unless it answers 200. Returns the answer's JSON.
    pub fn control(
        &self,
        method: &str,
        name: &str,
        body: Option<&serde_json::Value>,
    ) -> serde_json::Value {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let (status, answer) = self.http(method, &format!("/_sesinfra/{name}"), &body);
        assert_eq!(status, 200, "{method} /_sesinfra/{name}: {answer}");
        serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("{method} /_sesinfra/{name} answered {answer:?}: {e}"))
    }

    /// Calls one of moto's own endpoints (`/moto-api/...`, e.g. Athena's canned query
    /// results) with a JSON body; panics unless it answers `status`.
    pub fn moto_api(&self, path: &str, body: &serde_json::Value, status: u16) {
        let (got, answer) = self.http("POST", &format!("/moto-api/{path}"), &body.to_string());
        assert_eq!(got, status, "POST /moto-api/{path}: {answer}");
    }

    /// One HTTP/1.0 request to the emulator (loopback, no proxy); the status and body.
    fn http(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        let host = self
            .endpoint
            .strip_prefix("http://")
            .expect("an http:// endpoint");
        let mut stream = TcpStream::connect(host).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .expect("set a read timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.0\r\nHost: {host}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .expect("send to the emulator");
        let mut answer = String::new();
        stream
            .read_to_string(&mut answer)
            .expect("read the emulator's answer");
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("{method} {path}: not an HTTP answer: {answer:?}"));
        (status, body.to_owned())
    }

    /// The AWS requests received since the journal was last cleared, in order, as
    /// (service, operation).
    pub fn requests(&self) -> Vec<(String, String)> {
        let entries = self.control("GET", "requests", None);
        entries
            .as_array()
            .expect("a list")
            .iter()
            .map(|e| {
                (
                    e["service"].as_str().unwrap_or("?").to_owned(),
                    e["operation"].as_str().unwrap_or("?").to_owned(),
                )
            })
            .collect()
    }

    pub fn clear_requests(&self) {
        self.control("DELETE", "requests", None);
    }

    /// The emulator's fault injection: queue errors for calls, count what is left.
    pub fn faults(&self) -> Faults<'_> {
        Faults { emulator: self }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let answer = ask_fork_server(&format!("stop {}", self.pid));
        // Not an assert: a drop while panicking must not panic again.
        if answer != format!("STOPPED {}", self.pid) && !std::thread::panicking() {
            panic!(
                "the emulator {} did not stop: {answer:?}\n{}",
                self.pid,
                read_log(self.log.reopen().expect("reopen the emulator log"))
            );
        }
    }
}

/// A service whose calls tests make fail (add one when a test needs it; the
/// emulator takes any botocore service name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    SesV2,
    Firehose,
    CloudWatch,
    Iam,
}

impl Service {
    /// The botocore name, as the emulator's fault endpoint names services.
    fn botocore_name(self) -> &'static str {
        match self {
            Service::SesV2 => "sesv2",
            Service::Firehose => "firehose",
            Service::CloudWatch => "cloudwatch",
            Service::Iam => "iam",
        }
    }
}

/// The one client of the emulator's fault injection (`control.py`, `s3_faults.py`):
///
/// ```ignore
/// emulator.faults().call(Service::Firehose, "DescribeDeliveryStream")
///     .error("ThrottlingException").count(5).after("CreateDeliveryStream").queue();
/// emulator.faults().bucket("history").error("NoSuchBucket").count(2).queue();
/// assert_eq!(emulator.faults().queued(), 0);
/// ```
pub struct Faults<'e> {
    emulator: &'e Emulator,
}

impl<'e> Faults<'e> {
    /// A fault for the next call(s) of one operation of a service. For SES v2 the
    /// error must be an error shape of its model; for the others any AWS error code.
    pub fn call(&self, service: Service, operation: &str) -> CallFault<'e> {
        CallFault {
            emulator: self.emulator,
            spec: serde_json::json!({
                "service": service.botocore_name(),
                "operation": operation,
                "count": 1,
            }),
        }
    }

    /// A fault for the next sub-resource call(s) on a bucket (`?versioning`, ...), as
    /// S3 answers them right after CreateBucket.
    pub fn bucket(&self, bucket: &str) -> BucketFault<'e> {
        BucketFault {
            emulator: self.emulator,
            spec: serde_json::json!({"bucket": bucket, "count": 1}),
        }
    }

    /// How many injected failing calls of either kind are still queued (none consumed
    /// means no such call was made).
    pub fn queued(&self) -> usize {
        ["faults", "s3-faults"]
            .into_iter()
            .map(|endpoint| {
                self.emulator
                    .control("GET", endpoint, None)
                    .as_array()
                    .expect("a list of faults")
                    .iter()
                    .map(|f| f["count"].as_u64().expect("a count") as usize)
                    .sum::<usize>()
            })
            .sum()
    }

    /// Drops every queued fault of either kind.
    pub fn clear(&self) {
        self.emulator.control("DELETE", "faults", None);
        self.emulator.control("DELETE", "s3-faults", None);
    }
}

/// A fault being described; nothing is queued until `queue`.
#[must_use = "a fault is queued only by `queue()`"]
pub struct CallFault<'e> {
    emulator: &'e Emulator,
    spec: serde_json::Value,
}

impl CallFault<'_> {
    /// The AWS error code to answer with.
    pub fn error(mut self, code: &str) -> Self {
        self.spec["error"] = code.into();
        self
    }
    /// How many calls fail (default 1).
    pub fn count(mut self, calls: u32) -> Self {
        self.spec["count"] = calls.into();
        self
    }
    /// The error message (default: AWS's wording for access errors, else generic).
    pub fn message(mut self, text: &str) -> Self {
        self.spec["message"] = text.into();
        self
    }
    /// Armed only once a call of this operation of the same service was received.
    pub fn after(mut self, operation: &str) -> Self {
        self.spec["after"] = operation.into();
        self
    }
    /// The HTTP status (default: the error shape's, 403 for access errors, else 400).
    pub fn status(mut self, status: u16) -> Self {
        self.spec["status"] = status.into();
        self
    }
    /// The call runs and only its answer is lost: AWS acted on it.
    pub fn lost(mut self) -> Self {
        self.spec["lost"] = true.into();
        self
    }
    pub fn queue(self) {
        assert!(self.spec.get("error").is_some(), "a fault needs .error()");
        self.emulator.control("POST", "faults", Some(&self.spec));
    }
}

/// A bucket fault being described; nothing is queued until `queue`.
#[must_use = "a fault is queued only by `queue()`"]
pub struct BucketFault<'e> {
    emulator: &'e Emulator,
    spec: serde_json::Value,
}

impl BucketFault<'_> {
    /// `NoSuchBucket`, `OperationAborted` or `AccessDenied`.
    pub fn error(mut self, code: &str) -> Self {
        self.spec["error"] = code.into();
        self
    }
    /// How many calls fail (default 1).
    pub fn count(mut self, calls: u32) -> Self {
        self.spec["count"] = calls.into();
        self
    }
    pub fn queue(self) {
        assert!(self.spec.get("error").is_some(), "a fault needs .error()");
        self.emulator.control("POST", "s3-faults", Some(&self.spec));
    }
}

fn read_log(mut log: File) -> String {
    use std::io::Seek;
    let mut text = String::new();
    let _ = log.rewind();
    let _ = log.read_to_string(&mut text);
    text
}
