"""SES v2: configuration-set VDM, archiving and message-security options, and the
account's suppression and VDM settings (GetAccount)."""

from __future__ import annotations

from typing import Any

import pytest
from test_extension_sesv2 import ACCOUNT, REGION, expect_error

ARCHIVE = f"arn:aws:ses:{REGION}:{ACCOUNT}:mailmanager-archive/a-0123456789abcdefghijklmnop"
VDM = {
    "DashboardOptions": {"EngagementMetrics": "ENABLED"},
    "GuardianOptions": {"OptimizedSharedDelivery": "DISABLED"},
}
SMIME = {"SigningScheme": {"SmimeScheme": {"SignatureFormat": "DETACHED"}}}


def options(sesv2: Any, name: str) -> dict[str, Any]:
    got = sesv2.get_configuration_set(ConfigurationSetName=name)
    return {k: got[k] for k in ("VdmOptions", "ArchivingOptions", "MessageSecurityOptions") if k in got}


def test_new_set_has_no_vdm_archiving_or_message_security_options(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="plain")
    assert options(sesv2, "plain") == {}


def test_create_with_options_reflects_them(sesv2: Any) -> None:
    sesv2.create_configuration_set(
        ConfigurationSetName="full",
        VdmOptions=VDM,
        ArchivingOptions={"ArchiveArn": ARCHIVE},
        MessageSecurityOptions=SMIME,
    )
    assert options(sesv2, "full") == {
        "VdmOptions": VDM,
        "ArchivingOptions": {"ArchiveArn": ARCHIVE},
        "MessageSecurityOptions": SMIME,
    }


def test_put_vdm_options_replaces_and_removes(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="vdm", VdmOptions=VDM)
    only_guardian = {"GuardianOptions": {"OptimizedSharedDelivery": "ENABLED"}}
    sesv2.put_configuration_set_vdm_options(ConfigurationSetName="vdm", VdmOptions=only_guardian)
    assert options(sesv2, "vdm") == {"VdmOptions": only_guardian}
    # Without VdmOptions the set follows the account again.
    sesv2.put_configuration_set_vdm_options(ConfigurationSetName="vdm")
    assert options(sesv2, "vdm") == {}


def test_put_archiving_options_sets_and_removes(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="arch")
    sesv2.put_configuration_set_archiving_options(ConfigurationSetName="arch", ArchiveArn=ARCHIVE)
    assert options(sesv2, "arch") == {"ArchivingOptions": {"ArchiveArn": ARCHIVE}}
    sesv2.put_configuration_set_archiving_options(ConfigurationSetName="arch")
    assert options(sesv2, "arch") == {}


def test_update_configuration_set_is_partial(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="sec", VdmOptions=VDM)
    sesv2.update_configuration_set(ConfigurationSetName="sec", MessageSecurityOptions=SMIME)
    assert options(sesv2, "sec") == {"VdmOptions": VDM, "MessageSecurityOptions": SMIME}
    default = {"SigningScheme": {"DefaultScheme": {}}}
    sesv2.update_configuration_set(ConfigurationSetName="sec", MessageSecurityOptions=default)
    sesv2.update_configuration_set(ConfigurationSetName="sec")
    assert options(sesv2, "sec") == {"VdmOptions": VDM, "MessageSecurityOptions": default}


@pytest.mark.parametrize(
    "operation,arguments",
    [
        ("put_configuration_set_vdm_options", {"VdmOptions": VDM}),
        ("put_configuration_set_archiving_options", {"ArchiveArn": ARCHIVE}),
        ("update_configuration_set", {"MessageSecurityOptions": SMIME}),
    ],
)
def test_options_of_unknown_set_are_not_found(sesv2: Any, operation: str, arguments: dict[str, Any]) -> None:
    expect_error(getattr(sesv2, operation), "NotFoundException", ConfigurationSetName="nope", **arguments)


@pytest.mark.parametrize(
    "operation,arguments",
    [
        ("put_configuration_set_vdm_options", {"VdmOptions": {"DashboardOptions": {"EngagementMetrics": "ON"}}}),
        # The model's pattern: mailmanager-archive/a- and 24 to 62 lower-case letters or digits.
        ("put_configuration_set_archiving_options", {"ArchiveArn": f"arn:aws:ses:{REGION}:{ACCOUNT}:mailmanager-archive/a-123"}),
        ("put_configuration_set_archiving_options", {"ArchiveArn": f"arn:aws:s3:::bucket-name-that-is-long"}),
        # A union: exactly one scheme.
        ("update_configuration_set", {"MessageSecurityOptions": {"SigningScheme": {}}}),
        (
            "update_configuration_set",
            {"MessageSecurityOptions": {"SigningScheme": {"DefaultScheme": {}, "SmimeScheme": {}}}},
        ),
        ("update_configuration_set", {"MessageSecurityOptions": {"SigningScheme": {"SmimeScheme": {"SignatureFormat": "ATTACHED"}}}}),
    ],
)
def test_options_validate_like_the_model(sesv2_raw: Any, operation: str, arguments: dict[str, Any]) -> None:
    sesv2_raw.create_configuration_set(ConfigurationSetName="strict")
    expect_error(getattr(sesv2_raw, operation), "BadRequestException", ConfigurationSetName="strict", **arguments)


def test_create_validates_archive_arn(sesv2_raw: Any) -> None:
    expect_error(
        sesv2_raw.create_configuration_set,
        "BadRequestException",
        ConfigurationSetName="bad",
        ArchivingOptions={"ArchiveArn": "arn:aws:ses:us-east-1:1:archive/x"},
    )


# ----------------------------------------------------------------------------- account


def account(sesv2: Any) -> dict[str, Any]:
    got = sesv2.get_account()
    return {k: got[k] for k in ("SuppressionAttributes", "VdmAttributes")}


def test_new_account_defaults(sesv2: Any) -> None:
    assert account(sesv2) == {
        "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        "VdmAttributes": {
            "VdmEnabled": "DISABLED",
            "DashboardAttributes": {"EngagementMetrics": "DISABLED"},
            "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
        },
    }


def test_put_account_suppression_attributes(sesv2: Any) -> None:
    sesv2.put_account_suppression_attributes(SuppressedReasons=["COMPLAINT"])
    assert account(sesv2)["SuppressionAttributes"] == {"SuppressedReasons": ["COMPLAINT"]}
    sesv2.put_account_suppression_attributes(SuppressedReasons=[])
    assert account(sesv2)["SuppressionAttributes"] == {"SuppressedReasons": []}


def test_put_account_vdm_attributes(sesv2: Any) -> None:
    sesv2.put_account_vdm_attributes(
        VdmAttributes={"VdmEnabled": "ENABLED", "DashboardAttributes": {"EngagementMetrics": "ENABLED"}}
    )
    assert account(sesv2)["VdmAttributes"] == {
        "VdmEnabled": "ENABLED",
        "DashboardAttributes": {"EngagementMetrics": "ENABLED"},
        "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
    }


@pytest.mark.parametrize(
    "operation,arguments",
    [
        ("put_account_suppression_attributes", {"SuppressedReasons": ["SPAM"]}),
        ("put_account_vdm_attributes", {"VdmAttributes": {"DashboardAttributes": {"EngagementMetrics": "ENABLED"}}}),
        ("put_account_vdm_attributes", {"VdmAttributes": {"VdmEnabled": "YES"}}),
    ],
)
def test_account_attributes_validate_like_the_model(sesv2_raw: Any, operation: str, arguments: dict[str, Any]) -> None:
    expect_error(getattr(sesv2_raw, operation), "BadRequestException", **arguments)


def test_account_settings_are_reset(emulator: Any, sesv2: Any) -> None:
    sesv2.put_account_suppression_attributes(SuppressedReasons=[])
    emulator.post_json("/moto-api/reset", {})
    assert account(sesv2)["SuppressionAttributes"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}
