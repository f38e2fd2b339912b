//! `sesinfra export` end to end: export, then `apply --adopt` of the result changes
//! nothing but ownership tags and the next plan shows no changes, on the seed blog
//! post's hand-made pipeline and on every example stack.

use serde_json::Value;

use crate::seed::{self, run};
use crate::support::{Emulator, repo, yaml_files};

/// Every field of every change in a plan document, as `address field`.
fn changed_fields(plan: &Value) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| {
            assert_eq!(c["action"], "update", "only updates: {c}");
            c["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    format!(
                        "{} {}",
                        c["address"].as_str().unwrap(),
                        f["path"].as_str().unwrap()
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[tokio::test]
async fn the_seed_setup_round_trips_through_export_and_adopt() {
    let emulator = Emulator::start();
    seed::build(&emulator).await;
    let dir = tempfile::tempdir().unwrap();
    let (code, spec, stderr) = run(&emulator, dir.path(), &["export", "--new-stack", "blog"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(spec.contains("stack: blog"), "{spec}");
    assert!(spec.contains("`role: auto` would replace it"), "{spec}");
    assert!(
        spec.contains("arn: \"arn:aws:iam::${account_id}:role/ses-firehose-history\""),
        "{spec}"
    );
    assert!(
        spec.contains("name: \"ses-history-${account_id}-${region}\""),
        "{spec}"
    );
    std::fs::write(dir.path().join("sesinfra.yaml"), &spec).unwrap();

    let (code, plan, stderr) = run(
        &emulator,
        dir.path(),
        &["plan", "--adopt", "--output", "json"],
    );
    assert_eq!(code, 0, "{stderr}\n{spec}");
    let plan: Value = serde_json::from_str(&plan).unwrap();
    let fields = changed_fields(&plan);
    assert!(!fields.is_empty());
    for field in &fields {
        assert!(
            field.ends_with(" tags.sesinfra:stack") || field.ends_with(" tags.sesinfra:logical"),
            "adopting changes only ownership tags, not {field}\n{spec}"
        );
    }

    let (code, out, err) = run(&emulator, dir.path(), &["apply", "--adopt", "--yes"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = run(&emulator, dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("No changes"), "{out}");

    // Exporting the adopted stack gives the same spec.
    let (code, again, stderr) = run(&emulator, dir.path(), &["export", "--stack", "blog"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(again, spec);
}

#[tokio::test]
async fn every_example_stack_round_trips_through_export() {
    for example in yaml_files("examples") {
        let emulator = Emulator::start();
        let file = sesinfra::spec::load(&example).unwrap();
        let region = file
            .spec
            .region
            .clone()
            .unwrap_or_else(|| "eu-west-1".into());
        let clients = emulator.clients_in(&region).await;
        for identity in file.spec.identities.keys() {
            clients
                .sesv2
                .create_email_identity()
                .email_identity(identity)
                .send()
                .await
                .unwrap();
        }
        let path = example.strip_prefix(repo()).unwrap().display().to_string();
        let dir = tempfile::tempdir().unwrap();
        let spec_path = repo().join(&path).display().to_string();
        let (code, out, err) = run(
            &emulator,
            dir.path(),
            &["apply", "--yes", "--region", &region, "-f", &spec_path],
        );
        assert_eq!(code, 0, "{path}: {out}\n{err}");

        let (code, exported, stderr) = run(
            &emulator,
            dir.path(),
            &["export", "--region", &region, "--stack", &file.spec.stack],
        );
        assert_eq!(code, 0, "{path}: {stderr}");
        std::fs::write(dir.path().join("sesinfra.yaml"), &exported).unwrap();
        let (code, out, err) = run(
            &emulator,
            dir.path(),
            &[
                "plan",
                "--adopt",
                "--detailed-exitcode",
                "--region",
                &region,
            ],
        );
        assert_eq!(
            code, 0,
            "{path}: the export plans changes:\n{out}\n{err}\n{exported}"
        );
        let (code, out, err) = run(
            &emulator,
            dir.path(),
            &["apply", "--adopt", "--yes", "--region", &region],
        );
        assert_eq!(code, 0, "{path}: {out}\n{err}");
        let (code, out, err) = run(
            &emulator,
            dir.path(),
            &["plan", "--detailed-exitcode", "--region", &region],
        );
        assert_eq!(code, 0, "{path}: {out}\n{err}");
        assert!(out.contains("No changes"), "{path}: {out}");
    }
}
