"""SES v2: added operations, their errors, and the fixed defaults and defects."""

from __future__ import annotations

import json
from typing import Any, Callable

import botocore.session
import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ses-firehose"
STREAM = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/ses-events"
TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:ses-events"
BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
ALL_EVENT_TYPES = [
    "SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY",
    "OPEN", "CLICK", "RENDERING_FAILURE", "DELIVERY_DELAY", "SUBSCRIPTION",
]
MODEL = botocore.session.get_session().get_service_model("sesv2")


def set_arn(name: str) -> str:
    return f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{name}"


def expect_error(call: Callable[..., Any], code: str, **kwargs: Any) -> dict[str, Any]:
    """Call; assert the error code, and the status and header the model gives it."""
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    response = info.value.response
    status = MODEL.shape_for(code).metadata["error"]["httpStatusCode"]
    assert response["Error"]["Code"] == code, response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == code
    assert response["Error"]["Message"]
    return response


def firehose_target() -> dict[str, Any]:
    return {"KinesisFirehoseDestination": {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM}}


def definition(target: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"Enabled": True, "MatchingEventTypes": ["SEND", "BOUNCE"], **(target or firehose_target()), **extra}


# ----------------------------------------------------------------------------- configuration sets


def test_new_configuration_set_reports_aws_defaults(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="plain")
    got = sesv2.get_configuration_set(ConfigurationSetName="plain")
    got.pop("ResponseMetadata")
    assert got == {
        "ConfigurationSetName": "plain",
        "SendingOptions": {"SendingEnabled": True},
        "ReputationOptions": {"ReputationMetricsEnabled": False},
        "Tags": [],
    }


def test_configuration_set_created_with_options_reflects_them(sesv2: Any) -> None:
    sesv2.create_configuration_set(
        ConfigurationSetName="full",
        TrackingOptions={"CustomRedirectDomain": "track.example.com", "HttpsPolicy": "REQUIRE"},
        DeliveryOptions={"TlsPolicy": "REQUIRE", "MaxDeliverySeconds": 600},
        ReputationOptions={"ReputationMetricsEnabled": True},
        SendingOptions={"SendingEnabled": False},
        SuppressionOptions={"SuppressedReasons": ["BOUNCE"]},
        Tags=[{"Key": "team", "Value": "mail"}],
    )
    got = sesv2.get_configuration_set(ConfigurationSetName="full")
    assert got["SendingOptions"] == {"SendingEnabled": False}
    assert got["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    assert got["TrackingOptions"] == {"CustomRedirectDomain": "track.example.com", "HttpsPolicy": "REQUIRE"}
    assert got["DeliveryOptions"] == {"TlsPolicy": "REQUIRE", "MaxDeliverySeconds": 600}
    assert got["SuppressionOptions"] == {"SuppressedReasons": ["BOUNCE"]}
    assert got["Tags"] == [{"Key": "team", "Value": "mail"}]


def test_sending_options_without_member_mean_disabled(sesv2: Any) -> None:
    # SendingEnabled's model default is false; SDKs leave a false member out.
    sesv2.create_configuration_set(ConfigurationSetName="quiet", SendingOptions={})
    got = sesv2.get_configuration_set(ConfigurationSetName="quiet")
    assert got["SendingOptions"] == {"SendingEnabled": False}


def test_suppression_override_removed_without_reasons(sesv2: Any) -> None:
    # [] overrides the account list with "suppress nothing"; no SuppressedReasons
    # removes the override (the account-level list applies again).
    sesv2.create_configuration_set(ConfigurationSetName="supp", SuppressionOptions={"SuppressedReasons": []})
    assert sesv2.get_configuration_set(ConfigurationSetName="supp")["SuppressionOptions"] == {"SuppressedReasons": []}
    sesv2.put_configuration_set_suppression_options(ConfigurationSetName="supp")
    assert "SuppressionOptions" not in sesv2.get_configuration_set(ConfigurationSetName="supp")


def test_duplicate_configuration_set_is_already_exists(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="dup")
    expect_error(sesv2.create_configuration_set, "AlreadyExistsException", ConfigurationSetName="dup")


@pytest.mark.parametrize("name", ["has space", "x" * 65, "dot.ted"])
def test_invalid_configuration_set_name_is_bad_request(sesv2: Any, name: str) -> None:
    expect_error(sesv2.create_configuration_set, "BadRequestException", ConfigurationSetName=name)


def test_invalid_option_enum_on_create_is_bad_request(sesv2: Any) -> None:
    expect_error(
        sesv2.create_configuration_set,
        "BadRequestException",
        ConfigurationSetName="badtls",
        DeliveryOptions={"TlsPolicy": "SOMETIMES"},
    )
    expect_error(sesv2.get_configuration_set, "NotFoundException", ConfigurationSetName="badtls")


def test_unknown_configuration_set_is_not_found(sesv2: Any) -> None:
    expect_error(sesv2.get_configuration_set, "NotFoundException", ConfigurationSetName="nope")
    expect_error(sesv2.delete_configuration_set, "NotFoundException", ConfigurationSetName="nope")


def test_delete_configuration_set(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="gone")
    sesv2.delete_configuration_set(ConfigurationSetName="gone")
    expect_error(sesv2.get_configuration_set, "NotFoundException", ConfigurationSetName="gone")
    assert sesv2.list_configuration_sets()["ConfigurationSets"] == []


def test_put_configuration_set_options_are_reflected(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="opts")
    sesv2.put_configuration_set_sending_options(ConfigurationSetName="opts", SendingEnabled=False)
    sesv2.put_configuration_set_reputation_options(ConfigurationSetName="opts", ReputationMetricsEnabled=True)
    sesv2.put_configuration_set_delivery_options(ConfigurationSetName="opts", TlsPolicy="OPTIONAL", MaxDeliverySeconds=300)
    sesv2.put_configuration_set_tracking_options(
        ConfigurationSetName="opts", CustomRedirectDomain="t.example.com", HttpsPolicy="OPTIONAL"
    )
    sesv2.put_configuration_set_suppression_options(ConfigurationSetName="opts", SuppressedReasons=["BOUNCE", "COMPLAINT"])
    got = sesv2.get_configuration_set(ConfigurationSetName="opts")
    assert got["SendingOptions"] == {"SendingEnabled": False}
    assert got["ReputationOptions"] == {"ReputationMetricsEnabled": True}
    assert got["DeliveryOptions"] == {"TlsPolicy": "OPTIONAL", "MaxDeliverySeconds": 300}
    assert got["TrackingOptions"] == {"CustomRedirectDomain": "t.example.com", "HttpsPolicy": "OPTIONAL"}
    assert got["SuppressionOptions"] == {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]}

    # Turning things back: sending on, metrics off, tracking domain removed,
    # suppression reasons emptied (the object stays, with an empty list).
    sesv2.put_configuration_set_sending_options(ConfigurationSetName="opts", SendingEnabled=True)
    sesv2.put_configuration_set_reputation_options(ConfigurationSetName="opts", ReputationMetricsEnabled=False)
    sesv2.put_configuration_set_tracking_options(ConfigurationSetName="opts")
    sesv2.put_configuration_set_suppression_options(ConfigurationSetName="opts", SuppressedReasons=[])
    got = sesv2.get_configuration_set(ConfigurationSetName="opts")
    assert got["SendingOptions"] == {"SendingEnabled": True}
    assert got["ReputationOptions"] == {"ReputationMetricsEnabled": False}
    assert "TrackingOptions" not in got
    assert got["SuppressionOptions"] == {"SuppressedReasons": []}


PUT_OPTIONS = [
    ("put_configuration_set_sending_options", {"SendingEnabled": True}),
    ("put_configuration_set_reputation_options", {"ReputationMetricsEnabled": True}),
    ("put_configuration_set_delivery_options", {"TlsPolicy": "REQUIRE"}),
    ("put_configuration_set_tracking_options", {"CustomRedirectDomain": "t.example.com"}),
    ("put_configuration_set_suppression_options", {"SuppressedReasons": ["BOUNCE"]}),
]


@pytest.mark.parametrize("operation,arguments", PUT_OPTIONS)
def test_put_options_on_unknown_set_is_not_found(sesv2: Any, operation: str, arguments: dict[str, Any]) -> None:
    expect_error(getattr(sesv2, operation), "NotFoundException", ConfigurationSetName="nope", **arguments)


@pytest.mark.parametrize(
    "operation,arguments",
    [
        ("put_configuration_set_delivery_options", {"TlsPolicy": "SOMETIMES"}),
        ("put_configuration_set_delivery_options", {"MaxDeliverySeconds": 10}),
        ("put_configuration_set_tracking_options", {"CustomRedirectDomain": "t.example.com", "HttpsPolicy": "HTTP"}),
        ("put_configuration_set_suppression_options", {"SuppressedReasons": ["SPAM"]}),
        ("put_configuration_set_sending_options", {"SendingEnabled": "yes"}),
    ],
)
def test_put_options_validate_like_the_model(sesv2_raw: Any, operation: str, arguments: dict[str, Any]) -> None:
    sesv2_raw.create_configuration_set(ConfigurationSetName="strict")
    expect_error(getattr(sesv2_raw, operation), "BadRequestException", ConfigurationSetName="strict", **arguments)


def test_delivery_options_pool_must_exist(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="pooled")
    expect_error(
        sesv2.put_configuration_set_delivery_options,
        "NotFoundException",
        ConfigurationSetName="pooled",
        SendingPoolName="no-such-pool",
    )
    sesv2.create_dedicated_ip_pool(PoolName="pool1")
    sesv2.put_configuration_set_delivery_options(ConfigurationSetName="pooled", SendingPoolName="pool1")
    got = sesv2.get_configuration_set(ConfigurationSetName="pooled")
    assert got["DeliveryOptions"] == {"SendingPoolName": "pool1"}


# ----------------------------------------------------------------------------- tags


def test_tag_untag_list_configuration_set(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="tagged", Tags=[{"Key": "a", "Value": "1"}])
    sesv2.tag_resource(ResourceArn=set_arn("tagged"), Tags=[{"Key": "b", "Value": "2"}])
    tags = sesv2.list_tags_for_resource(ResourceArn=set_arn("tagged"))["Tags"]
    assert sorted(tags, key=lambda t: t["Key"]) == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    assert sorted(sesv2.get_configuration_set(ConfigurationSetName="tagged")["Tags"], key=lambda t: t["Key"]) == tags

    sesv2.untag_resource(ResourceArn=set_arn("tagged"), TagKeys=["a"])
    assert sesv2.list_tags_for_resource(ResourceArn=set_arn("tagged"))["Tags"] == [{"Key": "b", "Value": "2"}]
    assert sesv2.get_configuration_set(ConfigurationSetName="tagged")["Tags"] == [{"Key": "b", "Value": "2"}]

    # Deleting the set drops its tags: a new set of the same name has none.
    sesv2.delete_configuration_set(ConfigurationSetName="tagged")
    sesv2.create_configuration_set(ConfigurationSetName="tagged")
    assert sesv2.get_configuration_set(ConfigurationSetName="tagged")["Tags"] == []


def test_tag_operations_on_unknown_set_are_not_found(sesv2: Any) -> None:
    arn = set_arn("nope")
    expect_error(sesv2.tag_resource, "NotFoundException", ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}])
    expect_error(sesv2.untag_resource, "NotFoundException", ResourceArn=arn, TagKeys=["a"])
    expect_error(sesv2.list_tags_for_resource, "NotFoundException", ResourceArn=arn)


def test_tag_operations_reject_malformed_arn(sesv2: Any) -> None:
    expect_error(sesv2.list_tags_for_resource, "BadRequestException", ResourceArn="not-an-arn")
    expect_error(sesv2.tag_resource, "BadRequestException", ResourceArn="arn:aws:sns:us-east-1:123456789012:t",
                 Tags=[{"Key": "a", "Value": "1"}])


def test_tag_without_value_is_bad_request(sesv2_raw: Any) -> None:
    sesv2_raw.create_configuration_set(ConfigurationSetName="tagcheck")
    expect_error(sesv2_raw.tag_resource, "BadRequestException", ResourceArn=set_arn("tagcheck"), Tags=[{"Key": "a"}])


# ----------------------------------------------------------------------------- event destinations

TARGETS = {
    "firehose": firehose_target(),
    "sns": {"SnsDestination": {"TopicArn": TOPIC}},
    "cloudwatch": {
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {"DimensionName": "ses:source", "DimensionValueSource": "MESSAGE_TAG", "DefaultDimensionValue": "none"},
                {"DimensionName": "X-Campaign", "DimensionValueSource": "EMAIL_HEADER", "DefaultDimensionValue": "none"},
                {"DimensionName": "link", "DimensionValueSource": "LINK_TAG", "DefaultDimensionValue": "none"},
            ]
        }
    },
    "eventbridge": {"EventBridgeDestination": {"EventBusArn": BUS}},
}


def test_event_destinations_of_every_kind_round_trip(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="events")
    for name, target in TARGETS.items():
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="events",
            EventDestinationName=name,
            EventDestination={"Enabled": True, "MatchingEventTypes": ALL_EVENT_TYPES, **target},
        )
    got = sesv2.get_configuration_set_event_destinations(ConfigurationSetName="events")["EventDestinations"]
    assert got == [
        {"Name": name, "Enabled": True, "MatchingEventTypes": ALL_EVENT_TYPES, **target}
        for name, target in TARGETS.items()
    ]


def test_event_destination_enabled_defaults_to_false(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="quiet")
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="quiet",
        EventDestinationName="d",
        EventDestination={"MatchingEventTypes": ["DELIVERY"], **TARGETS["sns"]},
    )
    (got,) = sesv2.get_configuration_set_event_destinations(ConfigurationSetName="quiet")["EventDestinations"]
    assert got["Enabled"] is False


def test_update_event_destination_replaces_definition(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="upd")
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="upd", EventDestinationName="d", EventDestination=definition()
    )
    sesv2.update_configuration_set_event_destination(
        ConfigurationSetName="upd",
        EventDestinationName="d",
        EventDestination={"Enabled": False, "MatchingEventTypes": ["COMPLAINT"], **TARGETS["sns"]},
    )
    (got,) = sesv2.get_configuration_set_event_destinations(ConfigurationSetName="upd")["EventDestinations"]
    assert got == {"Name": "d", "Enabled": False, "MatchingEventTypes": ["COMPLAINT"], **TARGETS["sns"]}


def test_delete_event_destination(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="del")
    for name in ("a", "b"):
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="del", EventDestinationName=name, EventDestination=definition()
        )
    sesv2.delete_configuration_set_event_destination(ConfigurationSetName="del", EventDestinationName="a")
    got = sesv2.get_configuration_set_event_destinations(ConfigurationSetName="del")["EventDestinations"]
    assert [d["Name"] for d in got] == ["b"]
    expect_error(
        sesv2.delete_configuration_set_event_destination,
        "NotFoundException",
        ConfigurationSetName="del",
        EventDestinationName="a",
    )


def test_event_destination_operations_on_unknown_set_are_not_found(sesv2: Any) -> None:
    expect_error(
        sesv2.create_configuration_set_event_destination,
        "NotFoundException",
        ConfigurationSetName="nope",
        EventDestinationName="d",
        EventDestination=definition(),
    )
    expect_error(sesv2.get_configuration_set_event_destinations, "NotFoundException", ConfigurationSetName="nope")
    expect_error(
        sesv2.update_configuration_set_event_destination,
        "NotFoundException",
        ConfigurationSetName="nope",
        EventDestinationName="d",
        EventDestination=definition(),
    )
    expect_error(
        sesv2.delete_configuration_set_event_destination,
        "NotFoundException",
        ConfigurationSetName="nope",
        EventDestinationName="d",
    )


def test_update_unknown_event_destination_is_not_found(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="upd2")
    expect_error(
        sesv2.update_configuration_set_event_destination,
        "NotFoundException",
        ConfigurationSetName="upd2",
        EventDestinationName="missing",
        EventDestination=definition(),
    )


def test_duplicate_event_destination_is_already_exists(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="dupdest")
    kwargs = dict(ConfigurationSetName="dupdest", EventDestinationName="d", EventDestination=definition())
    sesv2.create_configuration_set_event_destination(**kwargs)
    expect_error(sesv2.create_configuration_set_event_destination, "AlreadyExistsException", **kwargs)


def test_eleventh_event_destination_is_limit_exceeded(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="many")
    for index in range(10):
        sesv2.create_configuration_set_event_destination(
            ConfigurationSetName="many", EventDestinationName=f"d{index}", EventDestination=definition()
        )
    expect_error(
        sesv2.create_configuration_set_event_destination,
        "LimitExceededException",
        ConfigurationSetName="many",
        EventDestinationName="d10",
        EventDestination=definition(),
    )
    assert len(sesv2.get_configuration_set_event_destinations(ConfigurationSetName="many")["EventDestinations"]) == 10


def test_deleting_configuration_set_deletes_its_event_destinations(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="cascade")
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="cascade", EventDestinationName="d", EventDestination=definition()
    )
    sesv2.delete_configuration_set(ConfigurationSetName="cascade")
    sesv2.create_configuration_set(ConfigurationSetName="cascade")
    assert sesv2.get_configuration_set_event_destinations(ConfigurationSetName="cascade")["EventDestinations"] == []


INVALID_DEFINITIONS = {
    "unknown event type": {"MatchingEventTypes": ["SEND", "OPENED"], **TARGETS["sns"]},
    "no event types": {"MatchingEventTypes": [], **TARGETS["sns"]},
    "missing event types": {**TARGETS["sns"]},
    "no target": {"MatchingEventTypes": ["SEND"]},
    "two targets": {"MatchingEventTypes": ["SEND"], **TARGETS["sns"], **TARGETS["eventbridge"]},
    "sns topic not an sns arn": {"MatchingEventTypes": ["SEND"], "SnsDestination": {"TopicArn": "not-a-topic"}},
    "sns topic arn of another service": {
        "MatchingEventTypes": ["SEND"],
        "SnsDestination": {"TopicArn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:queue"},
    },
    "sns topic missing": {"MatchingEventTypes": ["SEND"], "SnsDestination": {}},
    "firehose role not an iam role": {
        "MatchingEventTypes": ["SEND"],
        "KinesisFirehoseDestination": {"IamRoleArn": f"arn:aws:iam::{ACCOUNT}:user/u", "DeliveryStreamArn": STREAM},
    },
    "firehose stream missing": {"MatchingEventTypes": ["SEND"], "KinesisFirehoseDestination": {"IamRoleArn": ROLE}},
    "firehose stream not a stream arn": {
        "MatchingEventTypes": ["SEND"],
        "KinesisFirehoseDestination": {"IamRoleArn": ROLE, "DeliveryStreamArn": f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/s"},
    },
    "event bus not an events arn": {"MatchingEventTypes": ["SEND"], "EventBridgeDestination": {"EventBusArn": TOPIC}},
    "unknown dimension source": {
        "MatchingEventTypes": ["SEND"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [
                {"DimensionName": "d", "DimensionValueSource": "COOKIE", "DefaultDimensionValue": "x"}
            ]
        },
    },
    "dimension without default": {
        "MatchingEventTypes": ["SEND"],
        "CloudWatchDestination": {"DimensionConfigurations": [{"DimensionName": "d", "DimensionValueSource": "MESSAGE_TAG"}]},
    },
    "no dimensions": {"MatchingEventTypes": ["SEND"], "CloudWatchDestination": {"DimensionConfigurations": []}},
    "enabled not a boolean": {"Enabled": "yes", "MatchingEventTypes": ["SEND"], **TARGETS["sns"]},
}


@pytest.mark.parametrize("case", sorted(INVALID_DEFINITIONS))
def test_invalid_event_destination_is_bad_request(sesv2_raw: Any, case: str) -> None:
    sesv2_raw.create_configuration_set(ConfigurationSetName="checks")
    kwargs = dict(ConfigurationSetName="checks", EventDestinationName="d", EventDestination=INVALID_DEFINITIONS[case])
    expect_error(sesv2_raw.create_configuration_set_event_destination, "BadRequestException", **kwargs)
    # Update validates the same way (against an existing destination).
    sesv2_raw.create_configuration_set_event_destination(
        ConfigurationSetName="checks", EventDestinationName="d", EventDestination=definition()
    )
    expect_error(sesv2_raw.update_configuration_set_event_destination, "BadRequestException", **kwargs)
    (kept,) = sesv2_raw.get_configuration_set_event_destinations(ConfigurationSetName="checks")["EventDestinations"]
    assert kept == {"Name": "d", **definition()}


def test_invalid_event_destination_name_is_bad_request(sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="names")
    expect_error(
        sesv2.create_configuration_set_event_destination,
        "BadRequestException",
        ConfigurationSetName="names",
        EventDestinationName="bad name!",
        EventDestination=definition(),
    )


# ----------------------------------------------------------------------------- identities


def test_new_identity_forwards_feedback_and_has_no_default_set(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")
    got = sesv2.get_email_identity(EmailIdentity="example.com")
    assert got["FeedbackForwardingStatus"] is True
    assert "ConfigurationSetName" not in got
    assert got["Tags"] == []


def test_duplicate_identity_is_already_exists(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="dup.example.com")
    expect_error(sesv2.create_email_identity, "AlreadyExistsException", EmailIdentity="dup.example.com")


def test_identity_default_set_must_exist(sesv2: Any) -> None:
    expect_error(
        sesv2.create_email_identity, "NotFoundException", EmailIdentity="a.example.com", ConfigurationSetName="nope"
    )
    expect_error(sesv2.get_email_identity, "NotFoundException", EmailIdentity="a.example.com")
    sesv2.create_configuration_set(ConfigurationSetName="default")
    sesv2.create_email_identity(EmailIdentity="a.example.com", ConfigurationSetName="default")
    assert sesv2.get_email_identity(EmailIdentity="a.example.com")["ConfigurationSetName"] == "default"


@pytest.mark.parametrize("identity", ["fb.example.com", "sender+ses@example.com"])
def test_put_email_identity_feedback_attributes(sesv2: Any, identity: str) -> None:
    sesv2.create_email_identity(EmailIdentity=identity)
    sesv2.put_email_identity_feedback_attributes(EmailIdentity=identity, EmailForwardingEnabled=False)
    assert sesv2.get_email_identity(EmailIdentity=identity)["FeedbackForwardingStatus"] is False
    sesv2.put_email_identity_feedback_attributes(EmailIdentity=identity, EmailForwardingEnabled=True)
    assert sesv2.get_email_identity(EmailIdentity=identity)["FeedbackForwardingStatus"] is True


def test_identity_timestamps_are_epoch_seconds(sesv2: Any) -> None:
    raw: list[bytes] = []
    sesv2.meta.events.register("after-call.sesv2", lambda http_response, **_: raw.append(http_response.content))
    sesv2.create_email_identity(EmailIdentity="dkim.example.com", DkimSigningAttributes={"NextSigningKeyLength": "RSA_2048_BIT"})
    got = sesv2.get_email_identity(EmailIdentity="dkim.example.com")
    assert got["DkimAttributes"]["NextSigningKeyLength"] == "RSA_2048_BIT"
    for body in raw:
        stamp = json.loads(body)["DkimAttributes"]["LastKeyGenerationTimestamp"]
        assert isinstance(stamp, (int, float)), body


def test_put_email_identity_configuration_set_attributes(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="cs.example.com")
    sesv2.create_configuration_set(ConfigurationSetName="chosen")
    sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="cs.example.com", ConfigurationSetName="chosen")
    assert sesv2.get_email_identity(EmailIdentity="cs.example.com")["ConfigurationSetName"] == "chosen"
    expect_error(
        sesv2.put_email_identity_configuration_set_attributes,
        "NotFoundException",
        EmailIdentity="cs.example.com",
        ConfigurationSetName="nope",
    )
    assert sesv2.get_email_identity(EmailIdentity="cs.example.com")["ConfigurationSetName"] == "chosen"
    # Without a name the default set is removed.
    sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="cs.example.com")
    assert "ConfigurationSetName" not in sesv2.get_email_identity(EmailIdentity="cs.example.com")


def test_identity_operations_on_unknown_identity_are_not_found(sesv2: Any) -> None:
    expect_error(sesv2.get_email_identity, "NotFoundException", EmailIdentity="none.example.com")
    expect_error(sesv2.delete_email_identity, "NotFoundException", EmailIdentity="none.example.com")
    expect_error(
        sesv2.put_email_identity_feedback_attributes,
        "NotFoundException",
        EmailIdentity="none.example.com",
        EmailForwardingEnabled=True,
    )
    expect_error(
        sesv2.put_email_identity_configuration_set_attributes, "NotFoundException", EmailIdentity="none.example.com"
    )


def test_identity_tags(sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="t.example.com", Tags=[{"Key": "a", "Value": "1"}])
    arn = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/t.example.com"
    sesv2.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"}])
    got = sesv2.get_email_identity(EmailIdentity="t.example.com")["Tags"]
    assert sorted(got, key=lambda t: t["Key"]) == [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    sesv2.delete_email_identity(EmailIdentity="t.example.com")
    expect_error(sesv2.list_tags_for_resource, "NotFoundException", ResourceArn=arn)


# ----------------------------------------------------------------------------- wire format, faults


def test_error_body_is_rest_json(emulator: Any, sesv2: Any) -> None:
    captured: dict[str, Any] = {}
    sesv2.meta.events.register("after-call.sesv2", lambda http_response, **_: captured.update(r=http_response))
    with pytest.raises(ClientError):
        sesv2.get_configuration_set(ConfigurationSetName="nope")
    response = captured["r"]
    assert response.status_code == 404
    assert response.headers["X-Amzn-ErrorType"] == "NotFoundException"
    assert response.headers["Content-Type"].startswith("application/json")
    body = json.loads(response.content)
    assert body["__type"] == "NotFoundException"
    assert "nope" in (body.get("message") or body.get("Message"))


def test_injected_throttling_is_too_many_requests(emulator: Any, sesv2: Any) -> None:
    sesv2.create_configuration_set(ConfigurationSetName="busy")
    status, _ = emulator.post_json(
        "/_sesinfra/faults",
        {"operation": "GetConfigurationSet", "error": "TooManyRequestsException", "count": 2},
    )
    assert status == 200
    for _ in range(2):
        expect_error(sesv2.get_configuration_set, "TooManyRequestsException", ConfigurationSetName="busy")
    assert sesv2.get_configuration_set(ConfigurationSetName="busy")["ConfigurationSetName"] == "busy"


def test_injected_fault_only_hits_its_operation_and_can_be_cleared(emulator: Any, sesv2: Any) -> None:
    emulator.post_json(
        "/_sesinfra/faults",
        {"operation": "CreateConfigurationSetEventDestination", "error": "LimitExceededException"},
    )
    sesv2.create_configuration_set(ConfigurationSetName="calm")
    assert emulator.post_json("/_sesinfra/faults", None, method="GET")[1][0]["error"] == "LimitExceededException"
    assert emulator.post_json("/_sesinfra/faults", None, method="DELETE")[0] == 200
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName="calm", EventDestinationName="d", EventDestination=definition()
    )


@pytest.mark.parametrize(
    "spec",
    [
        {"operation": "NoSuchOperation", "error": "TooManyRequestsException"},
        {"operation": "GetConfigurationSet", "error": "NoSuchError"},
        {"operation": "GetConfigurationSet", "error": "TooManyRequestsException", "count": 0},
        ["not", "an", "object"],
    ],
)
def test_invalid_fault_spec_is_rejected(emulator: Any, spec: Any) -> None:
    status, body = emulator.post_json("/_sesinfra/faults", spec)
    assert status == 400 and body["message"]
