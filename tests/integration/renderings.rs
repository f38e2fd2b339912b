//! The plan and drift renderings of the binary, whole (text, markdown, JSON), through
//! the exact-output harness against the emulator. Expectations live in
//! `tests/snapshots/binary/`; after an intended change,
//! `SESINFRA_UPDATE_SNAPSHOTS=1 cargo test renderings` rewrites them (review the diff).
//! `render.rs`'s own snapshots pin the renderers on hand-made plans; these pin what a
//! user sees for real ones.

use crate::engine::{BASE, applied_base, create_identities, spec_dir};
use crate::support::{Emulator, Test};

const FORMATS: [(&str, &str); 3] = [("text", "txt"), ("markdown", "md"), ("json", "json")];

fn snapshot(name: &str, extension: &str) -> String {
    format!("tests/snapshots/binary/{name}.{extension}")
}

#[tokio::test]
async fn the_plan_of_a_new_stack_in_every_format() {
    let emulator = Emulator::start();
    create_identities(&emulator, "eu-west-1", &["example.com"]).await;
    let dir = spec_dir(BASE);
    for (format, extension) in FORMATS {
        Test::against(&emulator)
            .current_dir(dir.path())
            .args(["plan", "--no-color", "--output", format])
            .stdout_file(snapshot("plan-create", extension))
            .run();
    }
    // The pending changes are exit 2 with --detailed-exitcode, same output.
    Test::against(&emulator)
        .current_dir(dir.path())
        .args(["plan", "--no-color", "--detailed-exitcode"])
        .stdout_file(snapshot("plan-create", "txt"))
        .status(2)
        .run();
    // A "yes" on a pipe is no confirmation: apply shows the plan and refuses.
    Test::against(&emulator)
        .current_dir(dir.path())
        .args(["apply", "--no-color"])
        .stdin("yes\n")
        .stdout_file(snapshot("apply-unconfirmed", "txt"))
        .stderr_file(snapshot("apply-unconfirmed", "stderr"))
        .status(1)
        .run();
}

#[tokio::test]
async fn the_plan_of_updates_and_deletes_in_every_format() {
    let (emulator, dir) = applied_base().await;
    // A stream and a destination updated, a set and its destination gone.
    let changed = BASE
        .replace("compression: GZIP", "compression: ZIP")
        .replace("events: [BOUNCE, COMPLAINT]", "events: [BOUNCE, COMPLAINT, DELIVERY]")
        .replace(
            "  Other:\n    event_destinations:\n      metrics: {events: [SEND], cloudwatch: {dimensions: [{name: campaign, source: MESSAGE_TAG, default: none}]}}\n",
            "",
        );
    assert_ne!(changed, BASE);
    std::fs::write(dir.path().join("sesinfra.yaml"), changed).unwrap();
    for (format, extension) in FORMATS {
        Test::against(&emulator)
            .current_dir(dir.path())
            .args(["plan", "--no-color", "--output", format])
            .stdout_file(snapshot("plan-update", extension))
            .run();
    }
}

#[tokio::test]
async fn no_changes_and_no_drift_in_every_format() {
    let (emulator, dir) = applied_base().await;
    for command in ["plan", "drift"] {
        for (format, extension) in FORMATS {
            Test::against(&emulator)
                .current_dir(dir.path())
                .args([command, "--no-color", "--output", format])
                .stdout_file(snapshot(&format!("{command}-none"), extension))
                .run();
        }
    }
}

#[tokio::test]
async fn drift_in_every_format() {
    let (emulator, dir) = applied_base().await;
    let clients = emulator.clients().await;
    // Changed behind sesinfra's back: a set's reputation metrics, a destination deleted.
    clients
        .sesv2
        .put_configuration_set_reputation_options()
        .configuration_set_name("Main")
        .reputation_metrics_enabled(false)
        .send()
        .await
        .unwrap();
    clients
        .sesv2
        .delete_configuration_set_event_destination()
        .configuration_set_name("Other")
        .event_destination_name("metrics")
        .send()
        .await
        .unwrap();
    for (format, extension) in FORMATS {
        Test::against(&emulator)
            .current_dir(dir.path())
            .args(["drift", "--no-color", "--output", format])
            .stdout_file(snapshot("drift", extension))
            .status(2)
            .run();
    }
}
