//! The emulator extension's own test suite (pytest, boto3 against `server.py`): each
//! added SES v2 operation and each moto defect fix behaves as botocore's service model
//! says. Run from here so `cargo test` is the one command for everything.

use std::process::Command;

use crate::support::{repo, venv};

#[test]
fn emulator_extension_suite_passes() {
    let out = Command::new(venv().join("bin/python"))
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg(repo().join("tests/emulator"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("run pytest in the test venv");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "emulator extension tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // pytest exits 5 when it collects nothing; a pass must have run tests.
    assert!(stdout.contains(" passed"), "{stdout}");
}
