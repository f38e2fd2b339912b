//! The local AWS emulator (moto's server with sesinfra's extension, from
//! `tests/emulator/`), one process per test for full isolation: each test gets its own
//! accounts, names and state, and parallel tests cannot collide.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStdin, Command, Stdio};

use sesinfra::aws::{AwsSettings, Clients, StaticCredentials};

use super::{repo, venv};

pub struct Emulator {
    child: Child,
    /// Held open: the server exits when it closes, even if this process dies.
    _stdin: ChildStdin,
    pub endpoint: String,
}

impl Emulator {
    /// Starts an emulator on a free loopback port and waits until it answers.
    /// Panics with the server's output when it cannot start: tests must not pass
    /// without it.
    pub fn start() -> Emulator {
        let log = tempfile::tempfile().expect("emulator log file");
        let mut child = Command::new(venv().join("bin/python"))
            .arg(repo().join("tests/emulator/server.py"))
            .args(["--host", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log.try_clone().expect("clone log handle")))
            .spawn()
            .expect("start the emulator (tests/emulator/server.py)");
        let stdin = child.stdin.take().expect("emulator stdin");
        let stdout = child.stdout.take().expect("emulator stdout");
        // The server prints READY only once it answers HTTP; it exits on failure, which
        // ends this read with EOF.
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).ok();
        let Some(endpoint) = line.trim().strip_prefix("READY ").map(str::to_owned) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the emulator did not start: {line}\n{}", read_log(log));
        };
        Emulator {
            child,
            _stdin: stdin,
            endpoint,
        }
    }

    /// Settings for sesinfra's AWS clients pointed at this emulator.
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

    /// How many injected failing calls are still queued (none consumed = no such call).
    pub fn queued_faults(&self) -> usize {
        queued(&self.control("GET", "faults", None))
    }

    /// Calls a control endpoint (`/_sesinfra/<name>`) with an optional JSON body;
    /// panics unless it answers 200. Returns the answer's JSON.
    pub fn control(
        &self,
        method: &str,
        name: &str,
        body: Option<&serde_json::Value>,
    ) -> serde_json::Value {
        let out = std::process::Command::new(super::venv().join("bin/python"))
            .args([
                "-c",
                "import sys, urllib.error, urllib.request\n\
                 data = sys.argv[3].encode() if sys.argv[3] else None\n\
                 try:\n\
                 \x20   r = urllib.request.urlopen(urllib.request.Request(sys.argv[2], data=data, method=sys.argv[1]), timeout=120)\n\
                 except urllib.error.HTTPError as e:\n\
                 \x20   sys.exit(f'HTTP {e.code}: {e.read().decode()}')\n\
                 sys.stdout.write(r.read().decode())",
            ])
            .arg(method)
            .arg(format!("{}/_sesinfra/{name}", self.endpoint))
            .arg(body.map(|b| b.to_string()).unwrap_or_default())
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "{method} /_sesinfra/{name} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("control endpoint answers JSON")
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

    /// Makes the next `count` calls of an SES v2 operation fail with `error` (the
    /// extension's fault injection).
    pub fn inject_fault(&self, operation: &str, error: &str, count: u32) {
        self.inject(serde_json::json!({"operation": operation, "error": error, "count": count}));
    }

    /// Queues a fault of any service (see the extension's control.py for the fields:
    /// `service`, `operation`, `error`, `count`, `message`, `status`, `after`).
    pub fn inject(&self, fault: serde_json::Value) {
        self.control("POST", "faults", Some(&fault));
    }

    /// Makes the next `count` sub-resource calls on bucket `bucket` answer S3's error
    /// `error` (`NoSuchBucket`, `OperationAborted`, `AccessDenied`).
    pub fn inject_s3_fault(&self, bucket: &str, error: &str, count: u32) {
        self.control(
            "POST",
            "s3-faults",
            Some(&serde_json::json!({"bucket": bucket, "error": error, "count": count})),
        );
    }

    /// How many injected S3 faults are still queued.
    pub fn queued_s3_faults(&self) -> usize {
        queued(&self.control("GET", "s3-faults", None))
    }
}

/// The calls a list of queued faults still fails.
fn queued(faults: &serde_json::Value) -> usize {
    faults
        .as_array()
        .expect("a list of faults")
        .iter()
        .map(|f| f["count"].as_u64().expect("a count") as usize)
        .sum()
}

fn read_log(mut log: File) -> String {
    use std::io::Seek;
    let mut text = String::new();
    let _ = log.rewind();
    let _ = log.read_to_string(&mut text);
    text
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
