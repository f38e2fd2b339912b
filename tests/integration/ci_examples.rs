//! The CI examples in `examples/ci/`: the GitHub Actions workflow passes actionlint, and
//! the generic script maps sesinfra's exit codes as its comments promise, against the
//! emulator.

use std::process::Command;

use crate::engine::{BASE, applied_base};
use crate::support::{Emulator, repo, venv};

fn actionlint(path: &std::path::Path) -> std::process::Output {
    Command::new(venv().join("bin/actionlint"))
        .arg("-no-color")
        .arg(path)
        .output()
        .expect("run actionlint")
}

#[test]
fn the_github_actions_workflow_passes_actionlint() {
    let out = actionlint(&repo().join("examples/ci/github-actions.yml"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // The linter really checks: an injection-prone step fails.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(&bad, "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.issue.title }}\n").unwrap();
    assert!(!actionlint(&bad).status.success());
}

fn script(emulator: &Emulator, dir: &std::path::Path, mode: &str) -> (i32, String) {
    let bin_dir = std::path::Path::new(env!("CARGO_BIN_EXE_sesinfra"))
        .parent()
        .unwrap()
        .to_owned();
    let output = Command::new("bash")
        .arg(repo().join("examples/ci/sesinfra-ci.sh"))
        .arg(mode)
        .current_dir(dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("AWS_ENDPOINT_URL", &emulator.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "eu-west-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

#[tokio::test]
async fn the_generic_script_plans_applies_and_checks_drift() {
    let (emulator, dir) = applied_base().await;
    let (code, out) = script(&emulator, dir.path(), "drift");
    assert_eq!(code, 0, "{out}");
    // A change request with pending changes is not a failure for `plan`.
    std::fs::write(
        dir.path().join("sesinfra.yaml"),
        BASE.replace("compression: GZIP", "compression: ZIP"),
    )
    .unwrap();
    let (code, out) = script(&emulator, dir.path(), "plan");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("firehose_stream.history"), "{out}");
    // The same spec now differs from AWS: drift is exit 2.
    let (code, out) = script(&emulator, dir.path(), "drift");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("drift found"), "{out}");
    // `apply` applies a saved plan; afterwards nothing drifts.
    let (code, out) = script(&emulator, dir.path(), "apply");
    assert_eq!(code, 0, "{out}");
    assert_eq!(script(&emulator, dir.path(), "drift").0, 0);
    let (code, _) = script(&emulator, dir.path(), "nonsense");
    assert_eq!(code, 1);
}
