//! The CI examples in `examples/ci/` and the GitHub Action (`action.yml`): the workflow
//! and the action pass actionlint; the generic script and the action's run step
//! (`scripts/action-run.sh`) map sesinfra's exit codes, outputs and job summary as
//! their comments promise, against the emulator.

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

/// The environment a CI job gives the scripts: AWS pointed at the emulator.
fn ci_env(command: &mut Command, emulator: &Emulator) {
    command
        .envs(emulator.env())
        .env_remove("AWS_PROFILE")
        .env_remove("NO_COLOR");
}

fn combined(output: &std::process::Output) -> (i32, String) {
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn script(emulator: &Emulator, dir: &std::path::Path, mode: &str) -> (i32, String) {
    // A prebuilt binary given by SESINFRA_BIN; `sesinfra` is not on the PATH.
    let mut command = Command::new("bash");
    command
        .arg(repo().join("examples/ci/sesinfra-ci.sh"))
        .arg(mode)
        .current_dir(dir)
        .env("SESINFRA_BIN", env!("CARGO_BIN_EXE_sesinfra"));
    ci_env(&mut command, emulator);
    combined(&command.output().unwrap())
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

#[test]
fn the_action_passes_actionlint() {
    // actionlint checks an action's metadata where a workflow uses it locally, in a
    // project it recognises by its `.git` directory.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap();
    std::fs::create_dir_all(dir.path().join("sesinfra")).unwrap();
    std::fs::copy(
        repo().join("action.yml"),
        dir.path().join("sesinfra/action.yml"),
    )
    .unwrap();
    let workflow = |with: &str| {
        format!(
            "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - id: s\n        uses: ./sesinfra\n        with:\n{with}      - run: echo \"$CODE\"\n        env:\n          CODE: ${{{{ steps.s.outputs.exit-code }}}}\n"
        )
    };
    let file = dir.path().join(".github/workflows/use.yml");
    std::fs::write(
        &file,
        workflow("          command: drift\n          spec: s.yaml\n"),
    )
    .unwrap();
    let run = |file: &std::path::Path| {
        Command::new(venv().join("bin/actionlint"))
            .arg("-no-color")
            .arg(file)
            .current_dir(dir.path())
            .output()
            .expect("run actionlint")
    };
    let out = run(&file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // It really reads action.yml: an input the action does not have is an error.
    std::fs::write(&file, workflow("          no-such-input: x\n")).unwrap();
    let out = run(&file);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("no-such-input"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// What one run of the action's run step left behind.
struct ActionRun {
    /// Holds the summary, outputs and result files.
    _github: tempfile::TempDir,
    code: i32,
    log: String,
    summary: String,
    outputs: std::collections::BTreeMap<String, String>,
}

fn action_run(emulator: &Emulator, workdir: &std::path::Path, vars: &[(&str, &str)]) -> ActionRun {
    let github = tempfile::tempdir().unwrap();
    let summary = github.path().join("summary.md");
    let outputs = github.path().join("outputs");
    let mut command = Command::new("bash");
    command
        .arg(repo().join("scripts/action-run.sh"))
        .current_dir(github.path())
        .env("SESINFRA_WORKDIR", workdir)
        .env("SESINFRA_BIN", env!("CARGO_BIN_EXE_sesinfra"))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("RUNNER_TEMP", github.path());
    for (k, v) in vars {
        command.env(k, v);
    }
    ci_env(&mut command, emulator);
    let (code, log) = combined(&command.output().unwrap());
    let outputs = std::fs::read_to_string(&outputs)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    ActionRun {
        _github: github,
        code,
        log,
        summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        outputs,
    }
}

#[tokio::test]
async fn the_action_plans_applies_and_checks_drift_with_summary_and_outputs() {
    let (emulator, dir) = applied_base().await;
    std::fs::rename(
        dir.path().join("sesinfra.yaml"),
        dir.path().join("mail.yaml"),
    )
    .unwrap();
    let spec = [("SESINFRA_SPEC", "mail.yaml")];

    let run = action_run(
        &emulator,
        dir.path(),
        &[spec[0], ("SESINFRA_COMMAND", "plan")],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "0", "{}", run.log);
    assert_eq!(run.outputs["changes"], "false");
    assert_eq!(
        run.summary,
        "### sesinfra plan for `e2e`\n\nNo changes: AWS matches the spec.\n"
    );

    std::fs::write(
        dir.path().join("mail.yaml"),
        BASE.replace("compression: GZIP", "compression: ZIP"),
    )
    .unwrap();
    // Pending changes: exit code 2 reported, the step itself succeeds.
    let run = action_run(
        &emulator,
        dir.path(),
        &[spec[0], ("SESINFRA_COMMAND", "plan")],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "2");
    assert_eq!(run.outputs["changes"], "true");
    assert!(
        run.summary
            .starts_with("### sesinfra plan for `e2e`\n\n**0 to create, 1 to update"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| `compression` | `\"GZIP\"` | `\"ZIP\"` |"),
        "{}",
        run.summary
    );
    let result = std::fs::read_to_string(&run.outputs["result-file"]).unwrap();
    assert_eq!(result, run.summary);

    // Drift fails the step, in text in a code block when asked for text.
    let run = action_run(
        &emulator,
        dir.path(),
        &[
            spec[0],
            ("SESINFRA_COMMAND", "drift"),
            ("SESINFRA_OUTPUT", "text"),
        ],
    );
    assert_eq!(run.code, 2, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "2");
    assert_eq!(run.outputs["changes"], "true");
    assert!(
        run.summary.starts_with("```text\nDrift in stack e2e"),
        "{}",
        run.summary
    );
    assert!(
        run.log.contains("::error::sesinfra: drift found"),
        "{}",
        run.log
    );

    // Apply: the plan and what apply did, then nothing drifts.
    let run = action_run(
        &emulator,
        dir.path(),
        &[spec[0], ("SESINFRA_COMMAND", "apply")],
    );
    assert_eq!(run.code, 0, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["changes"], "true");
    assert!(
        run.summary.contains("<summary>apply (exit 0)</summary>"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("Apply complete: 0 created, 1 updated"),
        "{}",
        run.summary
    );
    let run = action_run(
        &emulator,
        dir.path(),
        &[spec[0], ("SESINFRA_COMMAND", "drift")],
    );
    assert_eq!(
        (run.code, run.outputs["changes"].as_str()),
        (0, "false"),
        "{}",
        run.log
    );
    let run = action_run(
        &emulator,
        dir.path(),
        &[spec[0], ("SESINFRA_COMMAND", "apply")],
    );
    assert_eq!(
        (run.code, run.outputs["changes"].as_str()),
        (0, "false"),
        "{}",
        run.log
    );
    assert!(!run.summary.contains("<summary>apply"), "{}", run.summary);

    // Errors fail the step with exit code 1; extra args reach sesinfra.
    let run = action_run(
        &emulator,
        dir.path(),
        &[
            spec[0],
            ("SESINFRA_COMMAND", "plan"),
            ("SESINFRA_ARGS", "--var"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.log);
    assert_eq!(run.outputs["exit-code"], "1");
    let run = action_run(&emulator, dir.path(), &[("SESINFRA_COMMAND", "destroy")]);
    assert_eq!(run.code, 1);
    assert!(
        run.log.contains("command must be plan, apply or drift"),
        "{}",
        run.log
    );
}
