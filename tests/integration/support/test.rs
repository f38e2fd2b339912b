//! Exact-output tests of the binary, in the style of just's `Test` builder: arguments,
//! environment and stdin in; stdout, stderr and exit status compared whole, with a
//! line diff of whatever differs.
//!
//! ```ignore
//! Test::new()
//!     .spec("version: 1\nstack: bad_stack\n")
//!     .args(["validate"])
//!     .stderr("error: ...\n")
//!     .status(1)
//!     .run();
//! ```
//!
//! An expectation is text in the test, or a file (`stdout_file`, `stderr_file`) for
//! long ones. `SESINFRA_UPDATE_SNAPSHOTS=1` rewrites expectation files with what the
//! binary printed (review the diff like any other); text in a test is never rewritten.
//! Unset expectations mean: stdout and stderr empty, status 0.

use std::path::{Path, PathBuf};
use std::process::Output;

use sesinfra::textdiff::{Tag, diff};

use super::{Emulator, repo};

/// What a stream must hold.
enum Expected {
    Text(String),
    /// A file of the repository (relative to its root), rewritten in bless mode.
    File(PathBuf),
}

#[must_use = "a test runs only with `run()`"]
pub struct Test {
    command: assert_cmd::Command,
    /// A temporary directory holding the spec, the working directory of the run (kept
    /// until the run is over).
    _dir: Option<tempfile::TempDir>,
    stdin: Option<String>,
    stdout: Expected,
    stderr: Expected,
    status: i32,
    /// (text, placeholder): run-specific text (a port, a temporary path) replaced in
    /// both outputs before comparison.
    placeholders: Vec<(String, String)>,
}

impl Test {
    /// The binary with the tests' clean environment (`support::sesinfra`), run from the
    /// repository root.
    pub fn new() -> Test {
        Test::with(super::sesinfra())
    }

    /// The binary pointed at an emulator (`Emulator::sesinfra`); its endpoint reads
    /// `[ENDPOINT]` in the outputs.
    pub fn against(emulator: &Emulator) -> Test {
        Test::with(emulator.sesinfra()).placeholder(&emulator.endpoint, "[ENDPOINT]")
    }

    fn with(command: assert_cmd::Command) -> Test {
        Test {
            command,
            _dir: None,
            stdin: None,
            stdout: Expected::Text(String::new()),
            stderr: Expected::Text(String::new()),
            status: 0,
            placeholders: Vec::new(),
        }
    }

    /// Writes `text` as `sesinfra.yaml` into a fresh directory and runs there.
    pub fn spec(mut self, text: &str) -> Test {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("sesinfra.yaml"), text).expect("write the spec");
        self.command.current_dir(dir.path());
        self._dir = Some(dir);
        self
    }

    /// Runs in `dir` (after `spec`, the last one wins).
    pub fn current_dir(mut self, dir: &Path) -> Test {
        self.command.current_dir(dir);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Test {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Test {
        self.command.env(key, value);
        self
    }

    pub fn stdin(mut self, text: &str) -> Test {
        self.stdin = Some(text.to_owned());
        self
    }

    pub fn stdout(mut self, text: &str) -> Test {
        self.stdout = Expected::Text(text.to_owned());
        self
    }

    pub fn stderr(mut self, text: &str) -> Test {
        self.stderr = Expected::Text(text.to_owned());
        self
    }

    /// Stdout must equal the file at `path` (relative to the repository root).
    pub fn stdout_file(mut self, path: impl Into<PathBuf>) -> Test {
        self.stdout = Expected::File(path.into());
        self
    }

    /// Stderr must equal the file at `path` (relative to the repository root).
    pub fn stderr_file(mut self, path: impl Into<PathBuf>) -> Test {
        self.stderr = Expected::File(path.into());
        self
    }

    pub fn status(mut self, code: i32) -> Test {
        self.status = code;
        self
    }

    /// Replaces `text` by `placeholder` in what the binary printed (for values that
    /// differ from run to run).
    pub fn placeholder(mut self, text: &str, placeholder: &str) -> Test {
        self.placeholders
            .push((text.to_owned(), placeholder.to_owned()));
        self
    }

    /// Runs the binary and compares stdout, stderr and status whole; panics with a
    /// diff of each that differs. Returns the output for further checks.
    pub fn run(mut self) -> Output {
        if let Some(stdin) = &self.stdin {
            self.command.write_stdin(stdin.clone());
        }
        let output = self.command.output().expect("run sesinfra");
        let mut failures = Vec::new();
        let code = output.status.code();
        if code != Some(self.status) {
            failures.push(format!("exit status: want {}, got {code:?}", self.status));
        }
        for (name, want, got) in [
            ("stdout", &self.stdout, &output.stdout),
            ("stderr", &self.stderr, &output.stderr),
        ] {
            let mut got = String::from_utf8_lossy(got).into_owned();
            for (text, placeholder) in &self.placeholders {
                got = got.replace(text.as_str(), placeholder);
            }
            if let Some(failure) = compare(name, want, &got) {
                failures.push(failure);
            }
        }
        if !failures.is_empty() {
            panic!("{}", failures.join("\n"));
        }
        output
    }
}

/// `None` when `got` is what was expected (or was blessed into the file).
fn compare(stream: &str, want: &Expected, got: &str) -> Option<String> {
    let (want, source) = match want {
        Expected::Text(text) => (text.clone(), "the test".to_owned()),
        Expected::File(path) => {
            let full = repo().join(path);
            if bless() {
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).expect("create the snapshot's folder");
                }
                std::fs::write(&full, got).expect("write the snapshot");
                return None;
            }
            let text = std::fs::read_to_string(&full).unwrap_or_else(|e| {
                panic!(
                    "{}: {e}; write it with SESINFRA_UPDATE_SNAPSHOTS=1",
                    path.display()
                )
            });
            (text, path.display().to_string())
        }
    };
    (want != got).then(|| {
        format!(
            "{stream} differs from {source} (- want, + got):\n{}",
            line_diff(&want, got)
        )
    })
}

/// Whether expectation files are being rewritten.
pub fn bless() -> bool {
    std::env::var_os("SESINFRA_UPDATE_SNAPSHOTS").is_some()
}

/// A readable diff: every line marked ' ', '-' or '+'; a missing final newline shown.
fn line_diff(want: &str, got: &str) -> String {
    let lines = |text: &str| -> Vec<String> {
        let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
        if let Some(last) = lines.last_mut().filter(|l| !l.ends_with('\n')) {
            last.push_str("⏎ (no newline at end)\n");
        }
        lines
    };
    let (want, got) = (lines(want), lines(got));
    let want: Vec<&str> = want.iter().map(String::as_str).collect();
    let got: Vec<&str> = got.iter().map(String::as_str).collect();
    diff(&want, &got)
        .into_iter()
        .map(|(tag, line)| {
            let mark = match tag {
                Tag::Same => ' ',
                Tag::Removed => '-',
                Tag::Added => '+',
            };
            format!("{mark}{line}")
        })
        .collect()
}

#[test]
fn a_difference_is_shown_as_a_line_diff() {
    assert_eq!(
        line_diff("a\nb\nc\n", "a\nB\nc"),
        " a\n-b\n-c\n+B\n+c⏎ (no newline at end)\n"
    );
}
