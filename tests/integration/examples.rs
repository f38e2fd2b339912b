//! The shipped examples are valid, and the committed JSON Schema is both current and
//! usable by an independent validator (what editors rely on).

use std::process::Command;

use crate::support::{repo, sesinfra, venv, yaml_files};

#[test]
fn every_example_validates() {
    let examples = yaml_files("examples");
    assert!(examples.len() >= 4, "expected at least four examples");
    for example in &examples {
        let out = sesinfra().arg("validate").arg(example).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", example.display());
        assert!(String::from_utf8_lossy(&out.stdout).contains(": valid"));
        assert!(
            !stderr.contains("warning"),
            "{} has warnings: {stderr}",
            example.display()
        );
    }
}

#[test]
fn validate_takes_many_files_at_once() {
    let examples = yaml_files("examples");
    let out = sesinfra().arg("validate").args(&examples).output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), examples.len(), "{stdout}");
}

#[test]
fn committed_schema_matches_the_types() {
    let committed = std::fs::read_to_string(repo().join("schemas/sesinfra.schema.json")).unwrap();
    let out = sesinfra().arg("schema").output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout) == committed,
        "schemas/sesinfra.schema.json is stale: run `cargo run -- schema > schemas/sesinfra.schema.json`"
    );
}

fn check_jsonschema(instances: &[std::path::PathBuf]) -> std::process::Output {
    Command::new(venv().join("bin/check-jsonschema"))
        .arg("--schemafile")
        .arg(repo().join("schemas/sesinfra.schema.json"))
        .args(instances)
        .output()
        .expect("run check-jsonschema")
}

#[test]
fn examples_validate_against_the_schema_with_an_independent_validator() {
    let out = check_jsonschema(&yaml_files("examples"));
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_schema_rejects_what_sesinfra_rejects() {
    // Guards against a schema so loose that anything passes.
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("unknown-key.yaml", "version: 1\nstack: s\nstak: typo\n"),
        (
            "bad-event.yaml",
            "version: 1\nstack: s\nconfiguration_sets:\n  A:\n    event_destinations:\n      d: {events: [BOUNCES], sns: {topic_arn: x}}\n",
        ),
        ("bad-version.yaml", "version: 2\nstack: s\n"),
        (
            "bad-role.yaml",
            "version: 1\nstack: s\nfirehose_streams:\n  s: {bucket: b, role: manual}\n",
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = check_jsonschema(std::slice::from_ref(&path));
        assert!(!out.status.success(), "{name} passed the schema");
        let ours = sesinfra().arg("validate").arg(&path).output().unwrap();
        assert_eq!(
            ours.status.code(),
            Some(1),
            "{name} passed sesinfra validate"
        );
    }
}
