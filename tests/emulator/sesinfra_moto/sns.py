"""SNS topics and subscriptions as AWS answers them.

moto 5.2.5 confirms every subscription at once.  AWS confirms only those it can
(an SQS queue, a Lambda function, of the same account): an `email`,
`email-json`, `http` or `https` subscription waits for its owner to confirm it
(the link in the email, the request to the URL).  Until then:

* `Subscribe` answers `SubscriptionArn` = "pending confirmation", unless the
  request sets `ReturnSubscriptionArn` (then the ARN, as AWS does);
* `ListSubscriptionsByTopic` and `ListSubscriptions` list it with
  `SubscriptionArn` = "PendingConfirmation";
* `GetTopicAttributes` counts it in `SubscriptionsPending`, the others in
  `SubscriptionsConfirmed` (moto answered 0 for both).

Stricter than moto, as AWS is:

* `CreateTopic` of a topic that exists with other tags is `InvalidParameter`
  ("Topic already exists with different tags"); moto ignored the tags.
* `CreateTopic` / `SetTopicAttributes`: an attribute name SNS does not know is
  `InvalidParameter`; a `Policy` that is not a JSON object with a `Statement`
  is `InvalidParameter` (moto stored anything, or failed with a server error);
  `KmsMasterKeyId` "" turns encryption off.
* `Subscribe` with a protocol SNS does not know, an `email` endpoint without
  `@`, an `https` endpoint that is not an https URL, or a `lambda` endpoint
  that is not a function ARN is `InvalidParameter`.
* `Unsubscribe` of "PendingConfirmation" (what a pending subscription lists
  as) is `InvalidParameter`.

A test confirms a pending subscription as its owner would:

    POST /_sesinfra/sns/confirm {"topic_arn": ARN, "endpoint": "ops@example.com"}
        -> {"confirmed": N}, the number of pending subscriptions confirmed.
"""

from __future__ import annotations

import json
import re
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sns.exceptions import SNSInvalidParameter
from moto.sns.models import SNSBackend, Subscription, sns_backends
from moto.sns.responses import SNSResponse

# Protocols AWS confirms only when the endpoint's owner answers.
CONFIRMED_BY_OWNER = ("email", "email-json", "http", "https")
PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
PENDING = "PendingConfirmation"
# Topic attributes SNS accepts (the API reference's list for CreateTopic and
# SetTopicAttributes, delivery-status logging attributes matched by pattern).
ATTRIBUTES = {
    "DeliveryPolicy", "DisplayName", "Policy", "SignatureVersion", "TracingConfig",
    "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication", "ArchivePolicy",
    "FifoThroughputScope", "DataProtectionPolicy",
}
LOGGING_ATTRIBUTE = re.compile(
    r"(Application|Firehose|HTTP|Lambda|SQS)(SuccessFeedbackRoleArn|SuccessFeedbackSampleRate|FailureFeedbackRoleArn)"
)
LAMBDA_ARN = re.compile(r"arn:aws(?:-[a-z]+)*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(?::[A-Za-z0-9_$-]+)?")

_moto: dict[str, Any] = {}


def _invalid(message: str) -> SNSInvalidParameter:
    return SNSInvalidParameter(f"Invalid parameter: {message}")


def _check_attribute(name: str, value: str) -> None:
    if name not in ATTRIBUTES and not LOGGING_ATTRIBUTE.fullmatch(name or ""):
        raise _invalid(f"AttributeName Reason: {name} is not a topic attribute")
    if name == "Policy":
        try:
            policy = json.loads(value)
        except ValueError:
            raise _invalid("Policy Error: the policy is not valid JSON") from None
        if not isinstance(policy, dict) or not policy.get("Statement"):
            raise _invalid("Policy Error: the policy has no Statement")


def _pending(subscription: Subscription) -> bool:
    return bool(getattr(subscription, "sesinfra_pending", False))


def _listed(subscription: Subscription) -> dict[str, str]:
    return {
        "SubscriptionArn": PENDING if _pending(subscription) else subscription.arn,
        "Owner": subscription.owner,
        "Protocol": subscription.protocol,
        "Endpoint": subscription.endpoint,
        "TopicArn": subscription.topic_arn,
    }


def create_topic(self: SNSResponse) -> ActionResult:
    name = self._get_param("Name")
    attributes = self._get_attributes() or {}
    tags = self._get_tags() or {}
    for key, value in attributes.items():
        _check_attribute(key, value)
    existing = next((t for t in self.backend.topics.values() if t.name == name), None)
    if existing is not None and tags and dict(existing._tags) != dict(tags):
        raise _invalid("Tags Reason: Topic already exists with different tags")
    return _moto["create_topic"](self)


def set_topic_attributes(self: SNSResponse) -> ActionResult:
    name = self._get_param("AttributeName")
    _check_attribute(name, self._get_param("AttributeValue") or "")
    return _moto["set_topic_attributes"](self)


def get_topic_attributes(self: SNSResponse) -> ActionResult:
    result = _moto["get_topic_attributes"](self)
    topic = self.backend.get_topic(self._get_param("TopicArn"))
    subs = [s for s in self.backend.subscriptions.values() if s.topic == topic]
    attributes = result.result["Attributes"] if hasattr(result, "result") else None
    if isinstance(attributes, dict):
        attributes["SubscriptionsPending"] = str(sum(1 for s in subs if _pending(s)))
        attributes["SubscriptionsConfirmed"] = str(sum(1 for s in subs if not _pending(s)))
    return result


def subscribe(self: SNSResponse) -> ActionResult:
    protocol = self._get_param("Protocol")
    endpoint = self._get_param("Endpoint") or ""
    if protocol not in PROTOCOLS:
        raise _invalid(f"Invalid protocol type: {protocol}")
    if protocol in ("email", "email-json") and "@" not in endpoint:
        raise _invalid("Email address")
    if protocol == "https" and not endpoint.startswith("https://"):
        raise _invalid("Endpoint must match the specified protocol")
    if protocol == "lambda" and not LAMBDA_ARN.fullmatch(endpoint):
        raise _invalid("Lambda endpoint ARN")
    topic_arn = self._get_param("TopicArn")
    known = self.backend._find_subscription(topic_arn, endpoint, protocol)
    result = _moto["subscribe"](self)
    subscription = self.backend._find_subscription(topic_arn, endpoint, protocol)
    if known is None and subscription is not None and protocol in CONFIRMED_BY_OWNER:
        subscription.sesinfra_pending = True
        subscription.attributes["PendingConfirmation"] = "true"
    if subscription is not None and _pending(subscription):
        wants_arn = str(self._get_param("ReturnSubscriptionArn")).lower() == "true"
        if not wants_arn:
            return ActionResult({"SubscriptionArn": "pending confirmation"})
    return result


def unsubscribe(self: SNSResponse) -> ActionResult:
    if self._get_param("SubscriptionArn") == PENDING:
        raise _invalid("SubscriptionArn Reason: a pending subscription cannot be unsubscribed")
    return _moto["unsubscribe"](self)


def list_subscriptions_by_topic(self: SNSResponse) -> ActionResult:
    subscriptions, next_token = self.backend.list_subscriptions_by_topic(
        self._get_param("TopicArn"), next_token=self._get_param("NextToken")
    )
    return ActionResult({"Subscriptions": [_listed(s) for s in subscriptions], "NextToken": next_token})


def list_subscriptions(self: SNSResponse) -> ActionResult:
    subscriptions, next_token = self.backend.list_subscriptions(next_token=self._get_param("NextToken"))
    return ActionResult({"Subscriptions": [_listed(s) for s in subscriptions], "NextToken": next_token})


def confirm(spec: Any) -> tuple[int, Any]:
    """`POST /_sesinfra/sns/confirm`: the owner of an endpoint confirms."""
    if not isinstance(spec, dict) or not spec.get("topic_arn") or not spec.get("endpoint"):
        return 400, {"message": 'give {"topic_arn": ARN, "endpoint": ENDPOINT}'}
    parts = str(spec["topic_arn"]).split(":")
    if len(parts) != 6:
        return 400, {"message": f"not a topic ARN: {spec['topic_arn']}"}
    backend: SNSBackend = sns_backends[parts[4]][parts[3]]
    confirmed = 0
    for s in backend.subscriptions.values():
        if s.topic_arn == spec["topic_arn"] and s.endpoint == spec["endpoint"] and _pending(s):
            s.sesinfra_pending = False
            s.attributes["PendingConfirmation"] = "false"
            confirmed += 1
    return 200, {"confirmed": confirmed}


def handle(name: str, method: str, spec: Any) -> tuple[int, Any] | None:
    if name == "sns/confirm" and method == "POST":
        return confirm(spec)
    return None


REPLACED = [
    create_topic,
    set_topic_attributes,
    get_topic_attributes,
    subscribe,
    unsubscribe,
    list_subscriptions_by_topic,
    list_subscriptions,
]


def install() -> None:
    if _moto:
        return
    for handler in REPLACED:
        _moto[handler.__name__] = getattr(SNSResponse, handler.__name__)
        setattr(SNSResponse, handler.__name__, handler)
