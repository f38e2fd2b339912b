//! The README's two opening commands are the ones that work: the main job against the
//! emulator, and the test suite (which this is part of).

use std::process::Command;

use crate::support::{repo, venv};

fn readme_commands() -> Vec<String> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("README opens with a sh code block");
    block
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn readme_opens_with_the_main_job_and_the_test_command() {
    assert_eq!(
        readme_commands(),
        ["bash scripts/local-demo.sh", "cargo test"]
    );
    let ci = std::fs::read_to_string(repo().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim() == "cargo test"),
        ".ci/run must run the README's test command"
    );
}

#[test]
fn the_main_job_plans_applies_and_then_has_no_changes() {
    let out = Command::new("bash")
        .arg(repo().join("scripts/local-demo.sh"))
        .current_dir(repo())
        .env("SESINFRA_DEMO_VENV", venv())
        .env("SESINFRA_BIN", env!("CARGO_BIN_EXE_sesinfra"))
        .envs(crate::support::test_env())
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("Plan: 6 to create, 1 to update"),
        "{stdout}"
    );
    assert!(stdout.contains("Apply complete"), "{stdout}");
    assert!(
        stdout.contains("No changes: AWS matches the spec"),
        "{stdout}"
    );
    // history finds the sample events in the stream's bucket, and counts them.
    for event in ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "SUBSCRIPTION"] {
        let line = format!("{event:<17}  SendHistory  0100019a-demo-message-000000");
        assert!(stdout.contains(&line), "{line}\n{stdout}");
    }
    assert!(
        stdout.contains("DAY         CONFIGURATION SET  SEND  DELIVERY  BOUNCE  COMPLAINT"),
        "{stdout}"
    );
}

#[test]
fn the_readmes_plan_excerpt_is_what_sesinfra_prints() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let excerpt = readme
        .split("### What a plan looks like")
        .nth(1)
        .and_then(|s| s.split("```\n").nth(1))
        .expect("README has a plan excerpt");
    let snapshot = std::fs::read_to_string(repo().join("tests/snapshots/render/plan.txt")).unwrap();
    // The excerpt's lines appear in the snapshot in the same order (it may skip some).
    let mut lines = snapshot.lines();
    for want in excerpt.lines() {
        assert!(
            lines.any(|l| l == want),
            "README plan excerpt line not in plan.txt (in order): {want:?}"
        );
    }
}
