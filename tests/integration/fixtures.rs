//! Bad input, one fixture per validation rule and per parse-error class, under
//! `tests/fixtures/`. `sesinfra validate` of each must print exactly its
//! `<fixture>.stderr` (written by `SESINFRA_UPDATE_SNAPSHOTS=1 cargo test fixtures`;
//! review it), and each file states in header comments what that output must say:
//!
//! ```yaml
//! # what the fixture breaks
//! # expect: text that must appear in the diagnostics (one or more lines)
//! # at: LINE:COLUMN            (or `none` when the problem has no place in the file)
//! ```
//!
//! `invalid/` fixtures must fail (exit 1, nothing on stdout); `warnings/` fixtures must
//! pass (exit 0, stdout as in `<fixture>.stdout`). Add a fixture to cover a new rule.

use std::path::Path;

use crate::support::{Test, sesinfra, yaml_files};

struct Expectation {
    texts: Vec<String>,
    at: Option<String>,
}

fn expectation(path: &Path) -> Expectation {
    let text = std::fs::read_to_string(path).unwrap();
    let mut texts = Vec::new();
    let mut at = None;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(t) = line.strip_prefix("# expect: ") {
            texts.push(t.to_owned());
        } else if let Some(a) = line.strip_prefix("# at: ") {
            at = Some(a.to_owned());
        }
    }
    assert!(!texts.is_empty(), "{}: no `# expect:` line", path.display());
    let at = at.unwrap_or_else(|| panic!("{}: no `# at:` line", path.display()));
    Expectation {
        texts,
        at: (at != "none").then_some(at),
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(crate::support::repo())
        .unwrap()
        .display()
        .to_string()
}

/// Runs every fixture of `folder` through the exact-output harness; collects the
/// failures instead of stopping at the first.
fn check_folder(folder: &str, want_success: bool) {
    let files = yaml_files(folder);
    assert!(!files.is_empty());
    let mut failures = Vec::new();
    for file in &files {
        let rel = relative(file);
        let expected_stderr = file.with_extension("stderr");
        let run = std::panic::catch_unwind(|| {
            let test = Test::new()
                .args(["validate", "-f", &rel])
                .stderr_file(relative(&expected_stderr));
            if want_success {
                test.stdout_file(relative(&file.with_extension("stdout")))
                    .run()
            } else {
                test.status(1).run()
            }
        });
        let output = match run {
            Ok(output) => output,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .unwrap_or_else(|| "panicked".to_owned());
                failures.push(format!("{rel}: {message}"));
                continue;
            }
        };
        // The exact output must also say what the fixture's header says.
        let stderr = String::from_utf8_lossy(&output.stderr);
        let expect = expectation(file);
        let mut problems = Vec::new();
        for text in &expect.texts {
            if !stderr.contains(text.as_str()) {
                problems.push(format!("missing `{text}`"));
            }
        }
        if let Some(at) = &expect.at {
            let location = format!("--> {rel}:{at}");
            if !stderr.contains(&location) {
                problems.push(format!("missing location `{location}`"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{rel}: {}
{stderr}",
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn invalid_specs_fail_with_a_precise_message() {
    check_folder("tests/fixtures/invalid", false);
}

#[test]
fn warnings_are_shown_but_do_not_fail() {
    check_folder("tests/fixtures/warnings", true);
}

#[test]
fn alias_bomb_is_rejected_by_the_parser_limits() {
    // "Billion laughs": each level references the previous one ten times. Placed where
    // the spec accepts mappings of strings (merge keys), so only the alias limits can
    // stop it; they must, quickly and without expanding it.
    let mut text = String::from(
        "version: 1\nstack: demo\nvariables:\n  <<: &l0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x, i: x, j: x}\n",
    );
    text.push_str("configuration_sets:\n");
    for level in 1..=9 {
        let refs = vec![format!("*l{}", level - 1); 10].join(", ");
        text.push_str(&format!(
            "  s{level}:\n    tags: &l{level}\n      <<: [{refs}]\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.yaml");
    std::fs::write(&path, text).unwrap();
    let out = sesinfra().arg("validate").arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("alias replay limit exceeded"), "{stderr}");
    assert!(stderr.contains("bomb.yaml:4:"), "{stderr}");
}
