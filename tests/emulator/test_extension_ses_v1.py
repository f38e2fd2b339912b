"""SES v1 identity notifications: one identity, whichever API created or reads it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

TOPIC = "arn:aws:sns:us-east-1:123456789012:bounces"
OTHER = "arn:aws:sns:us-east-1:123456789012:complaints"


def attributes(ses: Any, *names: str) -> dict[str, Any]:
    return ses.get_identity_notification_attributes(Identities=list(names))["NotificationAttributes"]


def expect_invalid(call: Any, **kwargs: Any) -> str:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    error = info.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue", error
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(error["Message"])


def test_topics_set_through_v1_are_read_on_identities_created_through_v2(ses: Any, sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")
    assert attributes(ses, "example.com") == {
        "example.com": {
            "ForwardingEnabled": True,
            "HeadersInBounceNotificationsEnabled": False,
            "HeadersInComplaintNotificationsEnabled": False,
            "HeadersInDeliveryNotificationsEnabled": False,
        }
    }
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Bounce", SnsTopic=TOPIC)
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Complaint", SnsTopic=OTHER)
    got = attributes(ses, "example.com", "unknown.example")
    # AWS leaves identities it does not know out of the map.
    assert list(got) == ["example.com"]
    assert got["example.com"]["BounceTopic"] == TOPIC
    assert got["example.com"]["ComplaintTopic"] == OTHER
    assert "DeliveryTopic" not in got["example.com"]

    # Clearing a topic (no SnsTopic), twice: the second is a no-op, not an error.
    for _ in range(2):
        ses.set_identity_notification_topic(Identity="example.com", NotificationType="Complaint")
    assert "ComplaintTopic" not in attributes(ses, "example.com")["example.com"]

    # Deleting the identity through v2 takes its topics along.
    sesv2.delete_email_identity(EmailIdentity="example.com")
    assert attributes(ses, "example.com") == {}
    sesv2.create_email_identity(EmailIdentity="example.com")
    assert "BounceTopic" not in attributes(ses, "example.com")["example.com"]


def test_forwarding_is_one_setting_for_both_apis(ses: Any, sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")
    sesv2.put_email_identity_feedback_attributes(EmailIdentity="example.com", EmailForwardingEnabled=False)
    assert attributes(ses, "example.com")["example.com"]["ForwardingEnabled"] is False
    ses.set_identity_feedback_forwarding_enabled(Identity="example.com", ForwardingEnabled=True)
    assert sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"] is True

    # SES v1 turns forwarding off only when SNS topics cover bounces and complaints.
    message = expect_invalid(
        ses.set_identity_feedback_forwarding_enabled, Identity="example.com", ForwardingEnabled=False
    )
    assert "Bounce and Complaint" in message
    for kind, topic in (("Bounce", TOPIC), ("Complaint", OTHER)):
        ses.set_identity_notification_topic(Identity="example.com", NotificationType=kind, SnsTopic=topic)
    ses.set_identity_feedback_forwarding_enabled(Identity="example.com", ForwardingEnabled=False)
    assert sesv2.get_email_identity(EmailIdentity="example.com")["FeedbackForwardingStatus"] is False


def test_unknown_identities_and_bad_topics_are_invalid(ses: Any, sesv2: Any) -> None:
    message = expect_invalid(
        ses.set_identity_notification_topic, Identity="nobody.example", NotificationType="Bounce", SnsTopic=TOPIC
    )
    assert "Must be a verified email address or domain" in message
    sesv2.create_email_identity(EmailIdentity="example.com")
    expect_invalid(
        ses.set_identity_notification_topic, Identity="example.com", NotificationType="Bounce", SnsTopic="bounces"
    )
    expect_invalid(
        ses.get_identity_notification_attributes, Identities=[f"u{i}@example.com" for i in range(101)]
    )
