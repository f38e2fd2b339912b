//! sesinfra on a terminal, under a pseudo-terminal (Python's `pty`, from the test venv):
//! the interactive `apply` confirmation, and progress that shows on a terminal but not
//! on a pipe or with `--quiet`.

use std::process::Command;

use crate::engine::{BASE, applied_base, assert_no_changes};
use crate::support::{Emulator, venv};

/// Runs argv[2:] with stdin, stdout and stderr on a new 80x24 pseudo-terminal, prints
/// everything it wrote, and answers argv[1] (when not empty) once the confirmation
/// prompt appeared. Exits with the child's exit code.
const UNDER_PTY: &str = r#"
import os, subprocess, sys, termios
answer, argv = sys.argv[1], sys.argv[2:]
master, slave = os.openpty()
termios.tcsetwinsize(slave, (24, 80))
child = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
os.close(slave)
seen, answered = b"", False
while True:
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the child closed the terminal
        break
    if not chunk:
        break
    seen += chunk
    if answer and not answered and b"Only 'yes' is accepted: " in seen:
        os.write(master, answer.encode() + b"\n")
        answered = True
sys.stdout.buffer.write(seen)
sys.exit(child.wait())
"#;

pub(crate) fn under_pty(
    emulator: &Emulator,
    dir: &std::path::Path,
    answer: &str,
    args: &[&str],
) -> (i32, String) {
    let out = Command::new(venv().join("bin/python"))
        .args(["-c", UNDER_PTY, answer, env!("CARGO_BIN_EXE_sesinfra")])
        .args(args)
        .current_dir(dir)
        .envs(emulator.env())
        .env_remove("AWS_PROFILE")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .output()
        .expect("run python");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn pending_change() -> (Emulator, tempfile::TempDir) {
    let (emulator, dir) = applied_base().await;
    std::fs::write(
        dir.path().join("sesinfra.yaml"),
        BASE.replace("compression: GZIP", "compression: ZIP"),
    )
    .unwrap();
    (emulator, dir)
}

#[tokio::test]
async fn apply_on_a_terminal_asks_and_does_nothing_unless_told_yes() {
    let (emulator, dir) = pending_change().await;
    let (code, out) = under_pty(&emulator, dir.path(), "no", &["apply"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("Do you want to apply these changes? Only 'yes' is accepted: "),
        "{out}"
    );
    assert!(
        out.contains("apply cancelled; nothing was changed"),
        "{out}"
    );
    assert!(!out.contains("Apply complete"), "{out}");
    // Nothing was done: the change is still pending.
    let plan = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["plan", "--detailed-exitcode"])
        .output()
        .unwrap();
    assert_eq!(plan.status.code(), Some(2));

    let (code, out) = under_pty(&emulator, dir.path(), "yes", &["apply"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Apply complete: 0 created, 1 updated"),
        "{out}"
    );
    // The progress bar: steps done out of all, and the elapsed time.
    assert!(out.contains("1/1 steps done"), "{out}");
    assert!(out.contains("[00:0"), "{out}");
    assert_no_changes(&emulator, dir.path());
}

#[tokio::test]
async fn progress_shows_on_a_terminal_not_on_a_pipe_nor_with_quiet() {
    let (emulator, dir) = pending_change().await;
    let (code, out) = under_pty(&emulator, dir.path(), "", &["plan"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("resource(s) from AWS in"), "{out}");
    assert!(out.contains(": 1 change(s)."), "{out}");
    // Colour on a terminal.
    assert!(
        out.contains("\x1b[33m~\x1b[0m firehose_stream.history"),
        "{out}"
    );

    let (code, out) = under_pty(&emulator, dir.path(), "", &["--quiet", "plan"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("from AWS in"), "{out}");
    let (code, out) = under_pty(&emulator, dir.path(), "", &["--no-color", "plan"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("\x1b[33m"), "{out}");

    // On a pipe: the plan only, nothing decorative, no escape codes.
    let piped = emulator
        .sesinfra()
        .current_dir(dir.path())
        .arg("plan")
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert_eq!(stderr, "", "{stderr}");
    assert!(!String::from_utf8_lossy(&piped.stdout).contains('\x1b'));
    let applied = emulator
        .sesinfra()
        .current_dir(dir.path())
        .args(["apply", "--yes"])
        .output()
        .unwrap();
    assert_eq!(applied.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&applied.stderr);
    assert!(
        !stderr.contains("steps") && !stderr.contains('\x1b'),
        "{stderr}"
    );
    assert!(stderr.contains("ok:"), "{stderr}");
}
