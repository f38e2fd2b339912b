//! Shared test helpers: the `sesinfra` binary with a clean environment, paths in the
//! repository, and the pinned Python venv some tests need.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

mod emulator;
pub mod replay;
mod test;
pub use emulator::{Emulator, Service};
pub use test::{Test, bless};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every delay between polls and retries is this fraction of AWS's (the emulator
/// answers at once): a Firehose poll waits 5 ms, not 5 s. Time bounds are unchanged.
pub const WAIT_SCALE: f64 = 0.001;

/// Calls per second each service may take in tests: the emulator has no quota, and
/// only `aws::limit`'s own unit tests test the limiter.
pub const TEST_RATE: f64 = 1000.0;

/// The environment every `sesinfra` run of the tests gets: the wait scale and the
/// raised rates. Tests of these settings set their own values after.
pub fn test_env() -> Vec<(String, String)> {
    let mut env = vec![(
        sesinfra::aws::wait::SCALE_VAR.to_owned(),
        WAIT_SCALE.to_string(),
    )];
    for (service, _) in sesinfra::aws::limit::DEFAULT_RATES {
        env.push((
            format!("SESINFRA_RATE_{}", service.to_ascii_uppercase()),
            TEST_RATE.to_string(),
        ));
    }
    env
}

/// Settings of the library's clients to match `test_env`.
pub fn test_rates_and_waits() -> (sesinfra::aws::limit::Rates, sesinfra::aws::WaitPolicy) {
    let env = test_env();
    (
        sesinfra::aws::limit::Rates::from_env(env.clone().into_iter()).expect("test rates"),
        sesinfra::aws::WaitPolicy::from_env(env.into_iter()).expect("test waits"),
    )
}

/// The `sesinfra` binary, run from the repository root, with no ambient AWS or colour
/// settings leaking in from the developer's shell, and `test_env`.
pub fn sesinfra() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("sesinfra").expect("sesinfra binary is built");
    cmd.current_dir(repo());
    for var in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "NO_COLOR",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(test_env());
    cmd
}

/// Requirement files that define the venv; their text is its cache key.
const REQUIREMENT_FILES: [&str; 1] = ["tests/requirements.txt"];

/// The test venv's directory, built once per requirements (shared by every test binary;
/// a file lock keeps parallel builds from colliding). Panics with pip's output if it
/// cannot be built: tests that need it must fail loudly, never skip.
pub fn venv() -> &'static Path {
    static VENV: OnceLock<PathBuf> = OnceLock::new();
    VENV.get_or_init(build_venv)
}

fn build_venv() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    fs::create_dir_all(&tmp).expect("create target tmp dir");
    let dir = tmp.join("venv");
    let lock = File::create(tmp.join("venv.lock")).expect("create venv lock file");
    lock.lock().expect("lock venv");

    let mut key = String::new();
    for file in REQUIREMENT_FILES {
        key.push_str(&fs::read_to_string(repo().join(file)).expect("read requirements"));
    }
    // Included requirement files count too.
    for line in key.clone().lines() {
        if let Some(inc) = line.trim().strip_prefix("-r ") {
            key.push_str(
                &fs::read_to_string(repo().join("tests").join(inc.trim()))
                    .expect("read included requirements"),
            );
        }
    }
    let stamp = dir.join("sesinfra-requirements.stamp");
    if fs::read_to_string(&stamp).ok().as_deref() == Some(key.as_str())
        && dir.join("bin/python").exists()
    {
        return dir;
    }
    let _ = fs::remove_dir_all(&dir);
    let python = std::env::var("SESINFRA_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    run(
        Command::new(&python).args(["-m", "venv"]).arg(&dir),
        "create the test venv",
    );
    run(
        Command::new(dir.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(repo().join("tests/requirements.txt")),
        "install tests/requirements.txt into the test venv",
    );
    fs::write(&stamp, key).expect("write venv stamp");
    dir
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot {what}: {e}"));
    assert!(
        out.status.success(),
        "cannot {what}: {}\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `*.yaml` file in a repository folder, sorted.
pub fn yaml_files(folder: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repo().join(folder))
        .unwrap_or_else(|e| panic!("read {folder}: {e}"))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}
