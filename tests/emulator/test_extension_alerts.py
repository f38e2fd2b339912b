"""SNS topics and subscriptions, SES v1 notification headers, CloudWatch alarms:
what sesinfra's alerts rely on, as AWS answers it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

ACCOUNT = "123456789012"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sns:Publish", "Resource": "*"}]})


def error_of(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return dict(info.value.response["Error"])


def test_email_subscriptions_wait_for_confirmation_and_queues_do_not(sns: Any, emulator: Any) -> None:
    arn = sns.create_topic(Name="alerts")["TopicArn"]
    answer = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com")
    assert answer["SubscriptionArn"] == "pending confirmation"
    # With ReturnSubscriptionArn the ARN, as AWS gives it.
    again = sns.subscribe(TopicArn=arn, Protocol="email", Endpoint="ops@example.com", ReturnSubscriptionArn=True)
    assert again["SubscriptionArn"].startswith(arn + ":")
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:bounces"
    confirmed = sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue)["SubscriptionArn"]
    listed = {s["Endpoint"]: s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]}
    assert listed == {"ops@example.com": "PendingConfirmation", queue: confirmed}
    attributes = sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    assert (attributes["SubscriptionsPending"], attributes["SubscriptionsConfirmed"]) == ("1", "1")
    assert error_of(sns.unsubscribe, SubscriptionArn="PendingConfirmation")["Code"] == "InvalidParameter"

    status, body = emulator.post_json("/_sesinfra/sns/confirm", {"topic_arn": arn, "endpoint": "ops@example.com"})
    assert (status, body) == (200, {"confirmed": 1})
    listed = [s["SubscriptionArn"] for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]]
    assert "PendingConfirmation" not in listed


def test_topic_attributes_tags_and_endpoints_are_checked(sns: Any) -> None:
    arn = sns.create_topic(Name="alerts", Attributes={"Policy": POLICY}, Tags=[{"Key": "sesinfra:stack", "Value": "mail"}])["TopicArn"]
    assert json.loads(sns.get_topic_attributes(TopicArn=arn)["Attributes"]["Policy"]) == json.loads(POLICY)
    # Creating it again is idempotent with the same tags, refused with others.
    assert sns.create_topic(Name="alerts", Tags=[{"Key": "sesinfra:stack", "Value": "mail"}])["TopicArn"] == arn
    assert "different tags" in error_of(sns.create_topic, Name="alerts", Tags=[{"Key": "sesinfra:stack", "Value": "other"}])["Message"]
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Policy", AttributeValue="{not json")["Code"] == "InvalidParameter"
    assert error_of(sns.set_topic_attributes, TopicArn=arn, AttributeName="Bogus", AttributeValue="x")["Code"] == "InvalidParameter"
    key = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue=key)
    assert sns.get_topic_attributes(TopicArn=arn)["Attributes"]["KmsMasterKeyId"] == key
    sns.set_topic_attributes(TopicArn=arn, AttributeName="KmsMasterKeyId", AttributeValue="")
    assert "KmsMasterKeyId" not in sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    for protocol, endpoint in [("email", "nobody"), ("https", "http://x.example"), ("lambda", "f"), ("carrier-pigeon", "x")]:
        assert error_of(sns.subscribe, TopicArn=arn, Protocol=protocol, Endpoint=endpoint)["Code"] == "InvalidParameter", protocol


def test_topics_are_found_by_tag_with_ses_resources(sns: Any, emulator: Any) -> None:
    import boto3  # noqa: F401  (the tagging client comes from conftest's helper)
    from conftest import make_client

    tagging = make_client(emulator, "resourcegroupstaggingapi")
    ours = sns.create_topic(Name="ours", Tags=[{"Key": "sesinfra:stack", "Value": "mail"}])["TopicArn"]
    sns.create_topic(Name="theirs", Tags=[{"Key": "sesinfra:stack", "Value": "other"}])
    found = tagging.get_resources(
        TagFilters=[{"Key": "sesinfra:stack", "Values": ["mail"]}],
        ResourceTypeFilters=["ses:configuration-set", "sns"],
    )["ResourceTagMappingList"]
    assert [r["ResourceARN"] for r in found] == [ours]


def test_notification_headers_need_a_topic_and_go_with_it(ses: Any, sesv2: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="example.com")
    topic = f"arn:aws:sns:us-east-1:{ACCOUNT}:bounces"
    error = error_of(ses.set_identity_headers_in_notifications_enabled, Identity="example.com", NotificationType="Bounce", Enabled=True)
    assert error["Code"] == "InvalidParameterValue"
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Bounce", SnsTopic=topic)
    ses.set_identity_headers_in_notifications_enabled(Identity="example.com", NotificationType="Bounce", Enabled=True)
    got = ses.get_identity_notification_attributes(Identities=["example.com"])["NotificationAttributes"]["example.com"]
    assert got["HeadersInBounceNotificationsEnabled"] is True
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Bounce")
    got = ses.get_identity_notification_attributes(Identities=["example.com"])["NotificationAttributes"]["example.com"]
    assert got["HeadersInBounceNotificationsEnabled"] is False


ALARM = dict(
    AlarmName="mail-ses-bounce-rate",
    Namespace="AWS/SES",
    MetricName="Reputation.BounceRate",
    Statistic="Average",
    Period=3600,
    EvaluationPeriods=1,
    Threshold=0.04,
    ComparisonOperator="GreaterThanOrEqualToThreshold",
    TreatMissingData="notBreaching",
    AlarmActions=[f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"],
)


def test_alarm_tags_change_only_through_the_tag_calls(cloudwatch: Any) -> None:
    cloudwatch.put_metric_alarm(Tags=[{"Key": "sesinfra:stack", "Value": "mail"}], **ALARM)
    cloudwatch.put_metric_alarm(Tags=[{"Key": "other", "Value": "x"}], **{**ALARM, "Threshold": 0.03})
    alarm = cloudwatch.describe_alarms(AlarmNamePrefix="mail-ses-", AlarmTypes=["MetricAlarm"])["MetricAlarms"][0]
    assert alarm["Threshold"] == 0.03
    tags = cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"]
    assert tags == [{"Key": "sesinfra:stack", "Value": "mail"}]
    cloudwatch.delete_alarms(AlarmNames=[ALARM["AlarmName"]])
    assert error_of(cloudwatch.list_tags_for_resource, ResourceARN=alarm["AlarmArn"])["Code"] == "ResourceNotFoundException"
    cloudwatch.put_metric_alarm(**ALARM)
    assert cloudwatch.list_tags_for_resource(ResourceARN=alarm["AlarmArn"])["Tags"] == []


def test_alarm_actions_and_missing_data_are_checked(cloudwatch: Any) -> None:
    assert error_of(cloudwatch.put_metric_alarm, **{**ALARM, "AlarmActions": ["not-an-arn"]})["Code"] == "ValidationError"
    assert error_of(cloudwatch.put_metric_alarm, **{**ALARM, "TreatMissingData": "sometimes"})["Code"] == "ValidationError"


def test_alarms_are_found_by_tag(cloudwatch: Any, emulator: Any) -> None:
    from conftest import make_client

    tagging = make_client(emulator, "resourcegroupstaggingapi")
    cloudwatch.put_metric_alarm(Tags=[{"Key": "sesinfra:stack", "Value": "mail"}], **ALARM)
    cloudwatch.put_metric_alarm(Tags=[{"Key": "sesinfra:stack", "Value": "other"}], **{**ALARM, "AlarmName": "other-ses-bounce-rate"})
    found = tagging.get_resources(
        TagFilters=[{"Key": "sesinfra:stack", "Values": ["mail"]}],
        ResourceTypeFilters=["sns", "cloudwatch:alarm"],
    )["ResourceTagMappingList"]
    assert [r["ResourceARN"] for r in found] == [f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:mail-ses-bounce-rate"]


def test_the_extension_speaks_botocore_s_models() -> None:
    """What the patches read and write is what botocore's models name."""
    import botocore.session

    from sesinfra_moto import cloudwatch_alarms, ses_v1, sns

    session = botocore.session.get_session()
    ses_model = session.get_service_model("ses")
    assert tuple(ses_model.shape_for("NotificationType").enum) == ses_v1.NOTIFICATION_TYPES
    headers = ses_model.operation_model("SetIdentityHeadersInNotificationsEnabled").input_shape
    assert set(headers.required_members) == {"Identity", "NotificationType", "Enabled"}
    sns_model = session.get_service_model("sns")
    listed = sns_model.operation_model("ListSubscriptionsByTopic").output_shape.members["Subscriptions"].member
    assert set(listed.members) == {"SubscriptionArn", "Owner", "Protocol", "Endpoint", "TopicArn"}
    assert "ReturnSubscriptionArn" in sns_model.operation_model("Subscribe").input_shape.members
    for operation in ("CreateTopic", "SetTopicAttributes", "Subscribe", "Unsubscribe", "GetTopicAttributes", "ListSubscriptions"):
        assert operation in sns_model.operation_names, operation
    for handler in sns.REPLACED:
        assert "".join(p.title() for p in handler.__name__.split("_")) in sns_model.operation_names
    cw_model = session.get_service_model("cloudwatch")
    for handler in cloudwatch_alarms.REPLACED:
        name = "".join(p.title() for p in handler.__name__.split("_"))
        assert name in cw_model.operation_names, name
    alarm = cw_model.operation_model("PutMetricAlarm").input_shape.members
    assert {"AlarmActions", "OKActions", "InsufficientDataActions", "TreatMissingData", "Tags"} <= set(alarm)
