"""SES v1 identity notifications, bridged to the identities SES v2 sees.

moto keeps one set of identities for both APIs (`SESBackend.email_identities`), but
its SES v1 notification calls live beside them and disagree with AWS:

* `GetIdentityNotificationAttributes` never returned `BounceTopic`,
  `ComplaintTopic` or `DeliveryTopic`, answered for identities that do not exist
  (AWS leaves them out of the map) and took any number of identities (AWS: 100).
* Its `ForwardingEnabled` was a value of its own, so an identity whose forwarding
  SES v2 turned off still read as forwarding through SES v1, and SES v1's
  `SetIdentityFeedbackForwardingEnabled` did not change what SES v2 reads.  Both
  now read and write the identity's `feedback_forwarding_status` (SES v2's).
* `SetIdentityNotificationTopic` accepted unknown identities (AWS:
  `InvalidParameterValue`, "Must be a verified email address or domain"), any
  notification type and any topic, and failed with a server error when clearing a
  topic that was not set.
* `SetIdentityFeedbackForwardingEnabled` turned forwarding off for an identity with
  no bounce and complaint topics, which SES v1 refuses.
* `SetIdentityHeadersInNotificationsEnabled` did not exist.  It takes a type that
  has a topic ("This value can only be set when NotificationType is already set
  to use a particular Amazon SNS topic", the API reference); clearing a type's
  topic turns its headers off.

Topics stay in moto's own `sns_topics` store (keyed by notification type), so moto's
send-time SNS feedback keeps working and `/moto-api/reset` clears them.  Answers go
through moto's query-protocol serializer, which writes the XML shapes of botocore's
`ses` model.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ses.exceptions import InvalidParameterValue
from moto.ses.models import EmailIdentity
from moto.ses.responses import EmailResponse

# AWS's limit per GetIdentityNotificationAttributes call.
MAX_IDENTITIES = 100
NOTIFICATION_TYPES = ("Bounce", "Complaint", "Delivery")
TOPIC_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}")
IDENTITY_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:ses:[a-z0-9-]+:\d{12}:identity/(?P<name>.+)")

_moto: dict[str, Any] = {}


def _identity(self: EmailResponse, name: str) -> EmailIdentity | None:
    """The identity named by its name or ARN, as SES v1 accepts both."""
    match = IDENTITY_ARN.fullmatch(name or "")
    return self.backend.email_identities.get(match.group("name") if match else name)


def _verified(self: EmailResponse, name: str) -> EmailIdentity:
    identity = _identity(self, name)
    if identity is None:
        raise InvalidParameterValue(f"Identity <{name}> is invalid. Must be a verified email address or domain.")
    return identity


def get_identity_notification_attributes(self: EmailResponse) -> ActionResult:
    names = self._get_param("Identities") or []
    if len(names) > MAX_IDENTITIES:
        raise InvalidParameterValue(f"At most {MAX_IDENTITIES} identities may be specified, got {len(names)}.")
    answer: dict[str, dict[str, Any]] = {}
    for name in names:
        identity = _identity(self, name)
        if identity is None:
            continue  # AWS leaves unknown identities out of the map
        topics = self.backend.sns_topics.get(identity.email_identity, {})
        attributes: dict[str, Any] = {
            f"{kind}Topic": topics[kind] for kind in NOTIFICATION_TYPES if topics.get(kind)
        }
        attributes["ForwardingEnabled"] = bool(identity.feedback_forwarding_status)
        for kind in NOTIFICATION_TYPES:
            attributes[f"HeadersIn{kind}NotificationsEnabled"] = bool(topics.get(f"headers:{kind}", False))
        answer[name] = attributes
    return ActionResult({"NotificationAttributes": answer})


def set_identity_notification_topic(self: EmailResponse) -> ActionResult:
    name = self._get_param("Identity")
    kind = self._get_param("NotificationType")
    topic = self._get_param("SnsTopic")
    if kind not in NOTIFICATION_TYPES:
        raise InvalidParameterValue(f"Invalid notification type <{kind}>; one of: {', '.join(NOTIFICATION_TYPES)}.")
    if topic is not None and not TOPIC_ARN.fullmatch(topic):
        raise InvalidParameterValue(f"Invalid SNS topic <{topic}>: give the ARN of an SNS topic.")
    identity = _verified(self, name)
    topics = self.backend.sns_topics.setdefault(identity.email_identity, {})
    if topic is None:
        topics.pop(kind, None)  # clearing an unset topic is a no-op in AWS
        topics.pop(f"headers:{kind}", None)
    else:
        topics[kind] = topic
    return EmptyResult()


def set_identity_feedback_forwarding_enabled(self: EmailResponse) -> ActionResult:
    name = self._get_param("Identity")
    enabled = self._get_bool_param("ForwardingEnabled", False)
    identity = _verified(self, name)
    topics = self.backend.sns_topics.get(identity.email_identity, {})
    if not enabled and not (topics.get("Bounce") and topics.get("Complaint")):
        raise InvalidParameterValue(
            f"Feedback forwarding cannot be disabled for <{name}>: set its Bounce and Complaint SNS topics first."
        )
    identity.feedback_forwarding_status = enabled
    return EmptyResult()


def set_identity_headers_in_notifications_enabled(self: EmailResponse) -> ActionResult:
    name = self._get_param("Identity")
    kind = self._get_param("NotificationType")
    enabled = self._get_bool_param("Enabled", None)
    if kind not in NOTIFICATION_TYPES:
        raise InvalidParameterValue(f"Invalid notification type <{kind}>; one of: {', '.join(NOTIFICATION_TYPES)}.")
    if enabled is None:
        raise InvalidParameterValue("Enabled is required.")
    identity = _verified(self, name)
    topics = self.backend.sns_topics.setdefault(identity.email_identity, {})
    if not topics.get(kind):
        raise InvalidParameterValue(
            f"Headers in {kind} notifications can only be set for <{name}> once its {kind} SNS topic is set."
        )
    topics[f"headers:{kind}"] = bool(enabled)
    return EmptyResult()


REPLACED = [
    get_identity_notification_attributes,
    set_identity_notification_topic,
    set_identity_feedback_forwarding_enabled,
]
# Operations moto lacks: added, not replaced.
ADDED = [set_identity_headers_in_notifications_enabled]


def install() -> None:
    if _moto:
        return
    for handler in REPLACED:
        _moto[handler.__name__] = getattr(EmailResponse, handler.__name__)
        setattr(EmailResponse, handler.__name__, handler)
    for handler in ADDED:
        setattr(EmailResponse, handler.__name__, handler)
