//! The command-line surface: exit codes, flags, default file, streams.

use predicates::prelude::*;

use crate::support::sesinfra;

const SPEC_WITH_VARS: &str = "version: 1\nstack: s\nvariables: {env: dev}\nconfiguration_sets:\n  Main:\n    tags: {env: \"${var.env}\", owner: \"${env.SESINFRA_TEST_OWNER}\"}\n";

fn spec_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sesinfra.yaml"), text).unwrap();
    dir
}

#[test]
fn usage_errors_exit_1_not_2() {
    // 2 means "changes pending"; a typo in CI must not look like that.
    sesinfra()
        .arg("plan")
        .arg("--no-such-flag")
        .assert()
        .code(1);
    sesinfra().arg("frobnicate").assert().code(1);
}

#[test]
fn help_and_version_exit_0_and_document_exit_codes() {
    sesinfra()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("changes are pending"));
    sesinfra().arg("--version").assert().code(0);
}

#[test]
fn validate_reads_sesinfra_yaml_by_default() {
    let dir = spec_dir("version: 1\nstack: s\n");
    sesinfra()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(0)
        .stdout("sesinfra.yaml: valid\n");
}

#[test]
fn missing_spec_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    sesinfra()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cannot read spec file sesinfra.yaml",
        ));
}

#[test]
fn var_flag_wins_over_variables_and_env_is_read() {
    let dir = spec_dir(SPEC_WITH_VARS);
    // Without SESINFRA_TEST_OWNER: an error naming the variable and the line.
    sesinfra()
        .current_dir(dir.path())
        .arg("validate")
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "environment variable `SESINFRA_TEST_OWNER` is not set",
        ))
        .stderr(predicate::str::contains("sesinfra.yaml:6:"));
    sesinfra()
        .current_dir(dir.path())
        .env("SESINFRA_TEST_OWNER", "mail-team")
        .args(["validate", "--var", "env=prod"])
        .assert()
        .code(0);
    sesinfra()
        .current_dir(dir.path())
        .env("SESINFRA_TEST_OWNER", "mail-team")
        .args(["validate", "--var", "env=bad;value"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`bad;value` is not valid"));
}

#[test]
fn malformed_var_flag_is_rejected() {
    sesinfra()
        .args(["validate", "--var", "novalue"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not NAME=VALUE"));
}

#[test]
fn rate_flags_and_env_say_what_is_valid() {
    let dir = spec_dir("version: 1\nstack: s\nregion: eu-west-1\n");
    sesinfra()
        .current_dir(dir.path())
        .args(["plan", "--rate", "firehose"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is not SERVICE=N"));
    // Checked before any AWS call: no endpoint is reachable from tests.
    sesinfra()
        .current_dir(dir.path())
        .args([
            "plan",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--rate",
            "lambda=3",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "--rate lambda=3: unknown service `lambda` for a rate; one of:",
        ));
    sesinfra()
        .current_dir(dir.path())
        .env("SESINFRA_RATE_FIREHOSE", "0")
        .args(["plan", "--endpoint-url", "http://127.0.0.1:9"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "SESINFRA_RATE_FIREHOSE: rate `0` for firehose: give calls per second, at least 0.5",
        ));
}

#[test]
fn quiet_hides_warnings_but_not_errors() {
    let warn_only = spec_dir(
        "version: 1\nstack: s\nbuckets: {b: {name: my-bucket-1}}\nfirehose_streams: {s: {bucket: b}}\n",
    );
    sesinfra()
        .current_dir(warn_only.path())
        .arg("validate")
        .assert()
        .code(0)
        .stderr(predicate::str::contains("warning: stream `s` is not used"))
        .stdout("sesinfra.yaml: valid (1 warning)\n");
    sesinfra()
        .current_dir(warn_only.path())
        .args(["-q", "validate"])
        .assert()
        .code(0)
        .stderr("");
    let bad = spec_dir("version: 1\nstack: bad_stack\n");
    sesinfra()
        .current_dir(bad.path())
        .args(["-q", "validate"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("`bad_stack` is not valid"));
}

#[test]
fn region_flag_conflicting_with_spec_region_warns() {
    let dir = spec_dir("version: 1\nstack: s\nregion: eu-west-1\n");
    sesinfra()
        .current_dir(dir.path())
        .args(["validate", "--region", "us-east-1"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "the spec pins region eu-west-1; --region/AWS_REGION us-east-1 is ignored",
        ));
}

#[test]
fn aws_commands_reject_a_broken_spec_before_any_aws_call() {
    // An endpoint nothing listens on: any AWS call would fail as unreachable instead.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    drop(listener);
    let bad = spec_dir("version: 1\nstack: s\nstak: x\n");
    for cmd in [
        &["plan"][..],
        &["apply", "--yes"],
        &["destroy", "--yes"],
        &["drift"],
    ] {
        sesinfra()
            .current_dir(bad.path())
            .env("AWS_ENDPOINT_URL", &dead)
            .args(cmd)
            .assert()
            .code(1)
            .stdout("")
            .stderr(predicate::str::contains("unknown field `stak`"))
            .stderr(predicate::str::contains("failed").not());
    }
}

#[test]
fn schema_prints_json_on_stdout_only() {
    let out = sesinfra().arg("schema").output().unwrap();
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["required"], serde_json::json!(["version", "stack"]));
}

#[test]
fn completions_are_produced_for_every_shell_and_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = sesinfra().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(out.stdout).unwrap();
        for word in [
            "validate",
            "plan",
            "apply",
            "destroy",
            "drift",
            "detailed-exitcode",
        ] {
            assert!(script.contains(word), "{shell} completions lack {word}");
        }
    }
    sesinfra().args(["completions", "tcsh"]).assert().code(1);
}

#[test]
fn bash_completions_load_in_bash() {
    let out = sesinfra().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sesinfra.bash");
    std::fs::write(&file, &out.stdout).unwrap();
    // Sourcing defines the completion function and registers it for `sesinfra`.
    let check = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p sesinfra",
            file.display()
        ))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(String::from_utf8_lossy(&check.stdout).contains("sesinfra"));
}

#[test]
fn the_man_page_renders() {
    let out = sesinfra().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq \\(aq"), "{page}");
    for needle in [
        ".TH sesinfra 1",
        ".SH NAME",
        ".SH SYNOPSIS",
        "completions",
        "drift",
    ] {
        assert!(page.contains(needle), "man page lacks {needle}");
    }
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    sesinfra()
        .args(["man", "--dir"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout("");
    for page in [
        "sesinfra.1",
        "sesinfra-plan.1",
        "sesinfra-apply.1",
        "sesinfra-drift.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".SH SYNOPSIS"), "{page}");
    }
    let plan = std::fs::read_to_string(dir.path().join("sesinfra-plan.1")).unwrap();
    assert!(plan.contains("detailed\\-exitcode"), "{plan}");
    sesinfra()
        .args(["man", "--dir"])
        .arg(dir.path().join("missing"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot write into"));
}
