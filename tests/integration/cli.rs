//! The command-line surface: exit codes, flags, default file, streams.

use predicates::prelude::*;

use crate::support::{Test, sesinfra};

const SPEC_WITH_VARS: &str = "version: 1\nstack: s\nvariables: {env: dev}\nconfiguration_sets:\n  Main:\n    tags: {env: \"${var.env}\", owner: \"${env.SESINFRA_TEST_OWNER}\"}\n";

/// Where the exact outputs of this file's sesinfra messages live (bless with
/// `SESINFRA_UPDATE_SNAPSHOTS=1`); clap's usage errors are written inline.
fn snapshot(name: &str) -> String {
    format!("tests/snapshots/cli/{name}")
}

#[test]
fn usage_errors_exit_1_not_2() {
    // 2 means "changes pending"; a typo in CI must not look like that.
    Test::new()
        .args(["plan", "--no-such-flag"])
        .stderr(
            "error: unexpected argument '--no-such-flag' found\n\n\
             Usage: sesinfra plan [OPTIONS]\n\n\
             For more information, try '--help'.\n",
        )
        .status(1)
        .run();
    Test::new()
        .arg("frobnicate")
        .stderr(
            "error: unrecognized subcommand 'frobnicate'\n\n\
             Usage: sesinfra [OPTIONS] <COMMAND>\n\n\
             For more information, try '--help'.\n",
        )
        .status(1)
        .run();
}

#[test]
fn help_and_version_exit_0_and_document_exit_codes() {
    sesinfra()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("changes are pending"));
    Test::new()
        .arg("--version")
        .stdout(&format!("sesinfra {}\n", env!("CARGO_PKG_VERSION")))
        .run();
}

#[test]
fn validate_reads_sesinfra_yaml_by_default() {
    Test::new()
        .spec("version: 1\nstack: s\n")
        .arg("validate")
        .stdout("sesinfra.yaml: valid\n")
        .run();
}

#[test]
fn missing_spec_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    Test::new()
        .current_dir(dir.path())
        .arg("validate")
        .stderr_file(snapshot("missing-spec-file.stderr"))
        .status(1)
        .run();
}

#[test]
fn var_flag_wins_over_variables_and_env_is_read() {
    // Without SESINFRA_TEST_OWNER: an error naming the variable and the line.
    Test::new()
        .spec(SPEC_WITH_VARS)
        .arg("validate")
        .stderr_file(snapshot("env-variable-not-set.stderr"))
        .status(1)
        .run();
    Test::new()
        .spec(SPEC_WITH_VARS)
        .env("SESINFRA_TEST_OWNER", "mail-team")
        .args(["validate", "--var", "env=prod"])
        .stdout("sesinfra.yaml: valid\n")
        .run();
    Test::new()
        .spec(SPEC_WITH_VARS)
        .env("SESINFRA_TEST_OWNER", "mail-team")
        .args(["validate", "--var", "env=bad;value"])
        .stderr_file(snapshot("var-flag-bad-value.stderr"))
        .status(1)
        .run();
}

#[test]
fn malformed_var_flag_is_rejected() {
    Test::new()
        .args(["validate", "--var", "novalue"])
        .stderr(
            "error: invalid value 'novalue' for '--var <NAME=VALUE>': `novalue` is not \
             NAME=VALUE\n\nFor more information, try '--help'.\n",
        )
        .status(1)
        .run();
}

#[test]
fn rate_flags_and_env_say_what_is_valid() {
    let spec = "version: 1\nstack: s\nregion: eu-west-1\n";
    Test::new()
        .spec(spec)
        .args(["plan", "--rate", "firehose"])
        .stderr(
            "error: invalid value 'firehose' for '--rate <SERVICE=N>': `firehose` is not \
             SERVICE=N (e.g. firehose=10)\n\nFor more information, try '--help'.\n",
        )
        .status(1)
        .run();
    // Checked before any AWS call: no endpoint is reachable from tests.
    Test::new()
        .spec(spec)
        .args(["plan", "--endpoint-url", "http://127.0.0.1:9"])
        .args(["--rate", "lambda=3"])
        .stderr_file(snapshot("rate-flag-unknown-service.stderr"))
        .status(1)
        .run();
    Test::new()
        .spec(spec)
        .env("SESINFRA_RATE_FIREHOSE", "0")
        .args(["plan", "--endpoint-url", "http://127.0.0.1:9"])
        .stderr_file(snapshot("rate-env-too-low.stderr"))
        .status(1)
        .run();
}

#[test]
fn the_wait_scale_test_hook_says_what_is_valid() {
    Test::new()
        .spec("version: 1\nstack: s\nregion: eu-west-1\n")
        .env("SESINFRA_WAIT_SCALE", "2")
        .args(["plan", "--endpoint-url", "http://127.0.0.1:9"])
        .stderr_file(snapshot("wait-scale-out-of-range.stderr"))
        .status(1)
        .run();
}

#[test]
fn quiet_hides_warnings_but_not_errors() {
    let warn_only = "version: 1\nstack: s\nbuckets: {b: {name: my-bucket-1}}\nfirehose_streams: {s: {bucket: b}}\n";
    Test::new()
        .spec(warn_only)
        .arg("validate")
        .stdout("sesinfra.yaml: valid (1 warning)\n")
        .stderr_file(snapshot("unused-stream-warning.stderr"))
        .run();
    Test::new()
        .spec(warn_only)
        .args(["-q", "validate"])
        .stdout("sesinfra.yaml: valid (1 warning)\n")
        .run();
    Test::new()
        .spec("version: 1\nstack: bad_stack\n")
        .args(["-q", "validate"])
        .stderr_file(snapshot("quiet-bad-stack.stderr"))
        .status(1)
        .run();
}

#[test]
fn region_flag_conflicting_with_spec_region_warns() {
    Test::new()
        .spec("version: 1\nstack: s\nregion: eu-west-1\n")
        .args(["validate", "--region", "us-east-1"])
        .stdout("sesinfra.yaml: valid (1 warning)\n")
        .stderr_file(snapshot("region-flag-ignored.stderr"))
        .run();
}

#[test]
fn aws_commands_reject_a_broken_spec_before_any_aws_call() {
    // An endpoint nothing listens on: any AWS call would fail as unreachable instead.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    drop(listener);
    for cmd in [
        &["plan"][..],
        &["apply", "--yes"],
        &["destroy", "--yes"],
        &["drift"],
    ] {
        Test::new()
            .spec("version: 1\nstack: s\nstak: x\n")
            .env("AWS_ENDPOINT_URL", &dead)
            .args(cmd)
            .stderr_file(snapshot("unknown-key-before-aws.stderr"))
            .status(1)
            .run();
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
    Test::new()
        .args(["completions", "tcsh"])
        .stderr(
            "error: invalid value 'tcsh' for '<SHELL>'\n  \
             [possible values: bash, elvish, fish, powershell, zsh]\n\n  \
             tip: a similar value exists: 'zsh'\n\n\
             For more information, try '--help'.\n",
        )
        .status(1)
        .run();
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
    Test::new()
        .args(["man", "--dir"])
        .arg(dir.path().join("missing"))
        .placeholder(&dir.path().display().to_string(), "[DIR]")
        .stderr_file(snapshot("man-dir-missing.stderr"))
        .status(1)
        .run();
}
