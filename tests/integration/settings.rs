//! Configuration-set VDM, archiving and message-security options and the `account:`
//! block, end to end through the binary: created as written, a change by hand is drift
//! (exit 2) that apply repairs, `account:` dropped from the spec leaves AWS alone (and
//! the plan says so), and two stacks never both manage the account settings.

use aws_sdk_sesv2::types::{
    DashboardOptions, DefaultSigningScheme, FeatureStatus, MessageSecurityOptions, SigningScheme,
    SuppressionListReason, VdmAttributes, VdmOptions,
};
use serde_json::{Value, json};

use crate::support::Emulator;

const ARCHIVE: &str =
    "arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/a-0123456789abcdefghijklmn";

fn spec_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sesinfra.yaml"), text).unwrap();
    dir
}

/// Runs the binary; returns (exit code, stdout, stderr).
fn run(emulator: &Emulator, dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = emulator
        .sesinfra()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_of(emulator: &Emulator, dir: &std::path::Path, args: &[&str], code: i32) -> Value {
    let (got, stdout, stderr) = run(emulator, dir, args);
    assert_eq!(got, code, "{args:?}:\n{stdout}\n{stderr}");
    serde_json::from_str(&stdout).unwrap()
}

fn apply(emulator: &Emulator, dir: &std::path::Path) {
    let (code, stdout, stderr) = run(emulator, dir, &["apply", "--yes"]);
    assert_eq!(code, 0, "apply:\n{stdout}\n{stderr}");
}

fn quiet(emulator: &Emulator, dir: &std::path::Path) {
    let plan = json_of(emulator, dir, &["plan", "--output", "json"], 0);
    assert_eq!(plan["changes"], json!([]), "{plan:#}");
    let (code, stdout, _) = run(emulator, dir, &["drift"]);
    assert_eq!(code, 0, "{stdout}");
}

fn drift_changes(emulator: &Emulator, dir: &std::path::Path) -> Value {
    json_of(emulator, dir, &["drift", "--output", "json"], 2)["changes"].clone()
}

const OPTIONS: &str = r#"version: 1
stack: opts
region: eu-west-1
configuration_sets:
  Main:
    vdm: {engagement_metrics: true, optimized_shared_delivery: false}
    archive_arn: "arn:aws:ses:eu-west-1:${account_id}:mailmanager-archive/a-0123456789abcdefghijklmn"
    message_security: {signing: smime}
  Plain: {}
"#;

#[tokio::test]
async fn configuration_set_options_are_created_and_hand_changes_are_drift() {
    let emulator = Emulator::start();
    let dir = spec_dir(OPTIONS);
    // A set without `suppression` or `vdm` follows the account: the plan says so.
    let (code, text, _) = run(&emulator, dir.path(), &["plan"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("vdm.engagement_metrics: (account default)"),
        "{text}"
    );
    assert!(
        text.contains("suppression.reasons: (account default)"),
        "{text}"
    );
    let plan = json_of(&emulator, dir.path(), &["plan", "--output", "json"], 0);
    let main = &plan["changes"][0];
    assert_eq!(main["address"], "configuration_set.Main");
    let field = |path: &str| {
        main["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["after"].clone())
    };
    assert_eq!(field("vdm.engagement_metrics"), Some(json!(true)));
    assert_eq!(field("vdm.optimized_shared_delivery"), Some(json!(false)));
    assert_eq!(field("archive_arn"), Some(json!(ARCHIVE)));
    assert_eq!(field("message_security.signing"), Some(json!("smime")));
    apply(&emulator, dir.path());
    quiet(&emulator, dir.path());

    // By hand: Main's options back to AWS's defaults, Plain given some.
    let c = emulator.clients().await;
    c.sesv2
        .put_configuration_set_vdm_options()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_archiving_options()
        .configuration_set_name("Main")
        .send()
        .await
        .unwrap();
    c.sesv2
        .update_configuration_set()
        .configuration_set_name("Main")
        .message_security_options(
            MessageSecurityOptions::builder()
                .signing_scheme(SigningScheme::DefaultScheme(
                    DefaultSigningScheme::builder().build(),
                ))
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_vdm_options()
        .configuration_set_name("Plain")
        .vdm_options(
            VdmOptions::builder()
                .dashboard_options(
                    DashboardOptions::builder()
                        .engagement_metrics(FeatureStatus::Disabled)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_configuration_set_archiving_options()
        .configuration_set_name("Plain")
        .archive_arn(ARCHIVE)
        .send()
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([
            {
                "address": "configuration_set.Main",
                "type": "configuration_set",
                "name": "Main",
                "action": "update",
                "reason": "differs",
                "fields": [
                    {"path": "archive_arn", "before": null, "after": ARCHIVE},
                    {"path": "message_security.signing", "before": "default", "after": "smime"},
                    {"path": "vdm.engagement_metrics", "before": null, "after": true},
                    {"path": "vdm.optimized_shared_delivery", "before": null, "after": false}
                ]
            },
            {
                "address": "configuration_set.Plain",
                "type": "configuration_set",
                "name": "Plain",
                "action": "update",
                "reason": "differs",
                "fields": [
                    {"path": "archive_arn", "before": ARCHIVE, "after": null},
                    {"path": "vdm.engagement_metrics", "before": false, "after": null}
                ]
            }
        ])
    );
    let (_, text, _) = run(&emulator, dir.path(), &["drift"]);
    assert!(
        text.contains("vdm.engagement_metrics: expected (account default), found false"),
        "{text}"
    );
    apply(&emulator, dir.path());
    quiet(&emulator, dir.path());
}

#[test]
fn an_archive_arn_of_the_wrong_shape_is_refused_offline() {
    let dir = spec_dir(
        "version: 1\nstack: s\nconfiguration_sets:\n  Main:\n    archive_arn: \"arn:aws:ses:eu-west-1:123456789012:mailmanager-archive/a-123\"\n",
    );
    let out = crate::support::sesinfra()
        .current_dir(dir.path())
        .arg("validate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sesinfra.yaml:5:"), "{stderr}");
    assert!(stderr.contains("mailmanager-archive/a-"), "{stderr}");
}

const ACCOUNT: &str = r#"version: 1
stack: acct
region: eu-west-1
configuration_sets:
  Main: {}
account:
  suppression: {reasons: [BOUNCE]}
  vdm: {enabled: true, engagement_metrics: true}
"#;

async fn account_of(emulator: &Emulator) -> sesinfra::resources::AccountSettings {
    sesinfra::aws::sesv2::get_account_settings(&emulator.clients().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn account_settings_are_applied_and_hand_changes_are_drift() {
    let emulator = Emulator::start();
    let dir = spec_dir(ACCOUNT);
    let plan = json_of(&emulator, dir.path(), &["plan", "--output", "json"], 0);
    let account = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "account")
        .cloned()
        .unwrap_or_else(|| panic!("{plan:#}"));
    assert_eq!(
        account,
        json!({
            "address": "account", "type": "account", "name": "account", "action": "update",
            "reason": "differs",
            "fields": [
                {"path": "suppression.reasons", "before": ["BOUNCE", "COMPLAINT"], "after": ["BOUNCE"]},
                {"path": "vdm.enabled", "before": false, "after": true},
                {"path": "vdm.engagement_metrics", "before": false, "after": true}
            ]
        })
    );
    apply(&emulator, dir.path());
    quiet(&emulator, dir.path());

    let c = emulator.clients().await;
    c.sesv2
        .put_account_suppression_attributes()
        .suppressed_reasons(SuppressionListReason::Complaint)
        .send()
        .await
        .unwrap();
    c.sesv2
        .put_account_vdm_attributes()
        .vdm_attributes(
            VdmAttributes::builder()
                .vdm_enabled(FeatureStatus::Disabled)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        drift_changes(&emulator, dir.path()),
        json!([{
            "address": "account", "type": "account", "name": "account", "action": "update",
            "reason": "differs",
            "fields": [
                {"path": "suppression.reasons", "before": ["COMPLAINT"], "after": ["BOUNCE"]},
                {"path": "vdm.enabled", "before": false, "after": true}
            ]
        }])
    );
    apply(&emulator, dir.path());
    quiet(&emulator, dir.path());
}

#[tokio::test]
async fn account_dropped_from_the_spec_is_left_as_it_is_and_the_plan_says_so() {
    let emulator = Emulator::start();
    let dir = spec_dir(ACCOUNT);
    apply(&emulator, dir.path());
    let settings = account_of(&emulator).await;
    std::fs::write(
        dir.path().join("sesinfra.yaml"),
        ACCOUNT.split("account:").next().unwrap(),
    )
    .unwrap();
    let plan = json_of(&emulator, dir.path(), &["plan", "--output", "json"], 0);
    // Only the marker leaves the set; nothing touches the account.
    assert_eq!(
        plan["changes"],
        json!([{
            "address": "configuration_set.Main", "type": "configuration_set", "name": "Main",
            "action": "update",
            "reason": "differs",
            "fields": [{"path": "tags.sesinfra:account-owner", "before": "acct", "after": null}]
        }])
    );
    assert_eq!(
        plan["diagnostics"],
        json!([{"severity": "warning", "address": "account",
                "message": "account: no longer in the spec; AWS's account settings are left as they are"}])
    );
    for format in ["text", "markdown"] {
        let (_, out, _) = run(&emulator, dir.path(), &["plan", "--output", format]);
        assert!(
            out.contains(
                "account: no longer in the spec; AWS's account settings are left as they are"
            ),
            "{format}:\n{out}"
        );
    }
    apply(&emulator, dir.path());
    assert_eq!(account_of(&emulator).await, settings);
    let plan = json_of(&emulator, dir.path(), &["plan", "--output", "json"], 0);
    assert_eq!(plan["changes"], json!([]));
    assert_eq!(plan.get("diagnostics"), None, "said once, then quiet");
}

#[tokio::test]
async fn two_stacks_never_both_manage_the_account() {
    let emulator = Emulator::start();
    let first = spec_dir(ACCOUNT);
    apply(&emulator, first.path());
    let second = spec_dir(
        "version: 1\nstack: other\nregion: eu-west-1\nconfiguration_sets:\n  Second: {}\naccount:\n  suppression: {reasons: []}\n",
    );
    for args in [&["plan"][..], &["apply", "--yes"][..]] {
        let (code, stdout, stderr) = run(&emulator, second.path(), args);
        assert_eq!(code, 1, "{args:?}:\n{stdout}\n{stderr}");
        assert!(
            stderr.contains("stack acct already manages the SES account settings of eu-west-1")
                && stderr.contains("configuration set Main"),
            "{stderr}"
        );
    }
    assert_eq!(
        account_of(&emulator).await.suppression,
        Some([sesinfra::resources::SuppressionReason::Bounce].into())
    );
    // Once the first stack lets go, the second may take over.
    std::fs::write(
        first.path().join("sesinfra.yaml"),
        ACCOUNT.split("account:").next().unwrap(),
    )
    .unwrap();
    apply(&emulator, first.path());
    apply(&emulator, second.path());
    assert_eq!(
        account_of(&emulator).await.suppression,
        Some(Default::default())
    );
}
