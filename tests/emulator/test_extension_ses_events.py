"""SES event publishing: SendEmail through a configuration set writes SES's event
records to the set's Firehose (S3) and SNS destinations."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import DIRECT, make_client
from sesinfra_moto.ses_events import allowed, evaluate_prefix

ACCOUNT = "123456789012"
REGION = "us-east-1"
SET = "ConfigSet"
SET_ARN = f"arn:aws:ses:{REGION}:{ACCOUNT}:configuration-set/{SET}"
STREAM = "ses-history"
STREAM_ARN = f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/{STREAM}"
BUCKET = "ses-history-bucket"
SUCCESS = "success@simulator.amazonses.com"
BOUNCE = "bounce@simulator.amazonses.com"
COMPLAINT = "complaint@simulator.amazonses.com"
# Firehose's object name: STREAM-VERSION-yyyy-MM-dd-HH-mm-ss-UUID
OBJECT_NAME = re.compile(rf"{STREAM}-1-\d{{4}}-\d\d-\d\d-\d\d-\d\d-\d\d-[0-9a-f-]{{36}}(\.gz)?")


def trust(conditions: dict[str, Any]) -> str:
    statement = {"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sts:AssumeRole"}
    if conditions:
        statement["Condition"] = conditions
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


GOOD_TRUST = {"StringEquals": {"AWS:SourceAccount": ACCOUNT, "AWS:SourceArn": SET_ARN}}


@pytest.fixture
def iam(emulator: Any) -> Any:
    return make_client(emulator, "iam")


def pipeline(emulator: Any, sesv2: Any, s3: Any, firehose: Any, iam: Any, *, prefix: str = "ses/",
             compression: str = "GZIP", conditions: dict[str, Any] = GOOD_TRUST,
             events: list[str] | None = None, enabled: bool = True) -> None:
    """The seed blog post's pipeline: bucket, stream, SES role, set, destination, verified sender."""
    s3.create_bucket(Bucket=BUCKET)
    firehose.create_delivery_stream(
        DeliveryStreamName=STREAM,
        ExtendedS3DestinationConfiguration={
            "RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose",
            "BucketARN": f"arn:aws:s3:::{BUCKET}",
            "Prefix": prefix,
            "ErrorOutputPrefix": "error/!{firehose:error-output-type}/",
            "CompressionFormat": compression,
        },
    )
    role = iam.create_role(RoleName="ses-to-firehose", AssumeRolePolicyDocument=trust(conditions))["Role"]
    iam.put_role_policy(RoleName="ses-to-firehose", PolicyName="put", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["firehose:PutRecordBatch"], "Resource": STREAM_ARN}],
    }))
    sesv2.create_configuration_set(ConfigurationSetName=SET)
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName=SET,
        EventDestinationName="history",
        EventDestination={
            "Enabled": enabled,
            "MatchingEventTypes": events or ["SEND", "DELIVERY", "BOUNCE", "COMPLAINT"],
            "KinesisFirehoseDestination": {"IamRoleArn": role["Arn"], "DeliveryStreamArn": STREAM_ARN},
        },
    )
    sesv2.create_email_identity(EmailIdentity="example.com")
    status, _ = emulator.post_json("/_sesinfra/ses/verified", {"identity": "example.com", "region": REGION})
    assert status == 200


def send(sesv2: Any, to: str, **extra: Any) -> str:
    return sesv2.send_email(
        FromEmailAddress="sender@example.com",
        Destination={"ToAddresses": [to]},
        Content={"Simple": {"Subject": {"Data": "verify"}, "Body": {"Text": {"Data": "hello"}}}},
        **extra,
    )["MessageId"]


def stored(s3: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    """(key, records) of every object in the bucket."""
    out = []
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        if item["Key"].endswith(".gz"):
            body = gzip.decompress(body)
        out.append((item["Key"], [json.loads(line) for line in body.decode().splitlines()]))
    return out


def events(emulator: Any) -> list[dict[str, Any]]:
    with DIRECT.open(urllib.request.Request(emulator.url + "/_sesinfra/ses/events"), timeout=10) as answer:
        return json.loads(answer.read())


def test_each_simulator_address_gives_its_records_in_gzip_objects(emulator: Any, sesv2: Any, s3: Any, firehose: Any, iam: Any) -> None:
    pipeline(emulator, sesv2, s3, firehose, iam)
    ids = {to: send(sesv2, to, ConfigurationSetName=SET, EmailTags=[{"Name": "run", "Value": "r1"}])
           for to in (SUCCESS, BOUNCE, COMPLAINT)}
    hour = dt.datetime.now(dt.timezone.utc).strftime("%Y/%m/%d/%H/")
    found: dict[str, list[str]] = {}
    for key, records in stored(s3):
        prefix, _, name = key.rpartition("/")
        assert prefix + "/" in (f"ses/{hour}",), key  # the hour just sent in (tests run within it)
        assert OBJECT_NAME.fullmatch(name) and name.endswith(".gz"), name
        for record in records:
            found.setdefault(record["mail"]["messageId"], []).append(record["eventType"])
            mail = record["mail"]
            assert mail["tags"]["ses:configuration-set"] == [SET]
            assert mail["tags"]["run"] == ["r1"]
            assert mail["sourceArn"] == f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/example.com"
            assert mail["sendingAccountId"] == ACCOUNT and mail["headersTruncated"] is False
            assert mail["commonHeaders"]["subject"] == "verify"
    assert found == {
        ids[SUCCESS]: ["Send", "Delivery"],
        ids[BOUNCE]: ["Send", "Bounce"],
        ids[COMPLAINT]: ["Send", "Delivery", "Complaint"],
    }
    # The members of SES's own sample records (AWS's "Examples of event data" page).
    shapes = {
        "Send": {"send": set()},
        "Delivery": {"delivery": {"timestamp", "processingTimeMillis", "recipients", "smtpResponse", "reportingMTA"}},
        "Bounce": {"bounce": {"bounceType", "bounceSubType", "bouncedRecipients", "timestamp", "feedbackId", "reportingMTA"}},
        "Complaint": {"complaint": {"complainedRecipients", "timestamp", "feedbackId", "userAgent",
                                    "complaintFeedbackType", "arrivalDate"}},
    }
    mail_members = {"timestamp", "source", "sourceArn", "sendingAccountId", "messageId", "destination",
                    "headersTruncated", "headers", "commonHeaders", "tags"}
    for _, records in stored(s3):
        for record in records:
            ((member, members),) = shapes[record["eventType"]].items()
            assert set(record) == {"eventType", "mail", member}, record
            assert set(record[member]) == members, record
            assert set(record["mail"]) == mail_members, record
            assert {"ses:configuration-set", "ses:source-ip", "ses:from-domain", "ses:caller-identity"} <= set(record["mail"]["tags"])
    bounce = next(r for _, rs in stored(s3) for r in rs if r["eventType"] == "Bounce")["bounce"]
    assert (bounce["bounceType"], bounce["bounceSubType"]) == ("Permanent", "General")
    assert bounce["bouncedRecipients"][0]["emailAddress"] == BOUNCE


def test_identity_default_set_applies_and_event_types_filter(emulator: Any, sesv2: Any, s3: Any, firehose: Any, iam: Any) -> None:
    pipeline(emulator, sesv2, s3, firehose, iam, events=["BOUNCE"], compression="UNCOMPRESSED", prefix="")
    sesv2.put_email_identity_configuration_set_attributes(EmailIdentity="example.com", ConfigurationSetName=SET)
    send(sesv2, SUCCESS)
    message = send(sesv2, BOUNCE)
    ((key, records),) = stored(s3)
    # No prefix: Firehose's yyyy/MM/dd/HH/ alone; no .gz when uncompressed.
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\d\d/" + OBJECT_NAME.pattern, key) and not key.endswith(".gz"), key
    assert [(r["eventType"], r["mail"]["messageId"]) for r in records] == [("Bounce", message)]


def test_broken_trust_or_disabled_destination_drops_records(emulator: Any, sesv2: Any, s3: Any, firehose: Any, iam: Any) -> None:
    other_set = {"StringEquals": {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": SET_ARN + "-other"}}
    pipeline(emulator, sesv2, s3, firehose, iam, conditions=other_set)
    message = send(sesv2, SUCCESS, ConfigurationSetName=SET)
    assert stored(s3) == []
    assert {(e["message_id"], e["event"], e["delivered"], e["reason"]) for e in events(emulator)} == {
        (message, "SEND", False, "role_trust"), (message, "DELIVERY", False, "role_trust")}
    iam.update_assume_role_policy(RoleName="ses-to-firehose", PolicyDocument=trust(GOOD_TRUST))
    sesv2.update_configuration_set_event_destination(
        ConfigurationSetName=SET, EventDestinationName="history",
        EventDestination={"Enabled": False, "MatchingEventTypes": ["SEND"],
                          "KinesisFirehoseDestination": {"IamRoleArn": f"arn:aws:iam::{ACCOUNT}:role/ses-to-firehose",
                                                         "DeliveryStreamArn": STREAM_ARN}})
    send(sesv2, SUCCESS, ConfigurationSetName=SET)
    assert stored(s3) == []


def test_older_external_id_trust_works(emulator: Any, sesv2: Any, s3: Any, firehose: Any, iam: Any) -> None:
    pipeline(emulator, sesv2, s3, firehose, iam, conditions={"StringEquals": {"sts:ExternalId": ACCOUNT}})
    send(sesv2, SUCCESS, ConfigurationSetName=SET)
    assert [r["eventType"] for _, rs in stored(s3) for r in rs] == ["Send", "Delivery"]


def test_sending_needs_a_verified_identity_and_an_existing_set(emulator: Any, sesv2: Any, s3: Any, firehose: Any, iam: Any) -> None:
    sesv2.create_email_identity(EmailIdentity="unverified.example")
    with pytest.raises(ClientError) as caught:
        sesv2.send_email(
            FromEmailAddress="a@unverified.example", Destination={"ToAddresses": [SUCCESS]},
            Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}}})
    assert caught.value.response["Error"]["Code"] == "MessageRejected"
    assert "not verified" in caught.value.response["Error"]["Message"]
    pipeline(emulator, sesv2, s3, firehose, iam)
    with pytest.raises(ClientError) as caught:
        send(sesv2, SUCCESS, ConfigurationSetName="Nope")
    assert caught.value.response["Error"]["Code"] == "NotFoundException"


def test_sns_destination_publishes_records(emulator: Any, sesv2: Any) -> None:
    sns, sqs = make_client(emulator, "sns"), make_client(emulator, "sqs")
    topic = sns.create_topic(Name="ses-events")["TopicArn"]
    queue = sqs.create_queue(QueueName="ses-events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    sesv2.create_configuration_set(ConfigurationSetName=SET)
    sesv2.create_configuration_set_event_destination(
        ConfigurationSetName=SET, EventDestinationName="alerts",
        EventDestination={"Enabled": True, "MatchingEventTypes": ["BOUNCE", "COMPLAINT"], "SnsDestination": {"TopicArn": topic}})
    sesv2.create_email_identity(EmailIdentity="sender@example.com")
    emulator.post_json("/_sesinfra/ses/verified", {"identity": "sender@example.com", "region": REGION})
    message = send(sesv2, COMPLAINT, ConfigurationSetName=SET)
    bodies = [json.loads(m["Body"]) for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])]
    assert [(b["eventType"], b["mail"]["messageId"]) for b in bodies] == [("Complaint", message)]


def test_prefix_expressions() -> None:
    when = dt.datetime(2026, 11, 24, 3, 4, 5, tzinfo=dt.timezone.utc)
    assert evaluate_prefix("ses/", when) == "ses/2026/11/24/03/"
    assert evaluate_prefix("ses", when) == "ses2026/11/24/03/"
    assert evaluate_prefix("", when) == "2026/11/24/03/"
    assert evaluate_prefix("year=!{timestamp:yyyy}/month=!{timestamp:MM}/", when) == "year=2026/month=11/"
    assert evaluate_prefix("error/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/", when, "processing-failed") == (
        "error/processing-failed/2026/11/24/")
    assert evaluate_prefix("{timestamp:yyyy}/", when) == "{timestamp:yyyy}/2026/11/24/03/"


def test_policy_evaluation() -> None:
    document = json.loads(trust(GOOD_TRUST))
    context = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": SET_ARN}
    assert allowed([document], "sts:AssumeRole", principal="ses.amazonaws.com", context=context)
    assert not allowed([document], "sts:AssumeRole", principal="firehose.amazonaws.com", context=context)
    assert not allowed([document], "sts:AssumeRole", principal="ses.amazonaws.com", context={"aws:SourceAccount": ACCOUNT})
    like = json.loads(trust({"ArnLike": {"aws:SourceArn": f"arn:aws:ses:*:{ACCOUNT}:configuration-set/*"}}))
    assert allowed([like], "sts:AssumeRole", principal="ses.amazonaws.com", context=context)
    deny = {"Statement": [{"Effect": "Deny", "Action": "firehose:*", "Resource": "*"}]}
    allow = {"Statement": {"Effect": "Allow", "Action": "firehose:Put*", "Resource": STREAM_ARN}}
    assert allowed([allow], "firehose:PutRecordBatch", resource=STREAM_ARN)
    assert not allowed([allow, deny], "firehose:PutRecordBatch", resource=STREAM_ARN)


def test_ses_v1_send_email_publishes_the_same_records(emulator: Any, sesv2: Any, ses: Any, s3: Any, firehose: Any, iam: Any) -> None:
    pipeline(emulator, sesv2, s3, firehose, iam)
    message = ses.send_email(
        Source="sender@example.com",
        Destination={"ToAddresses": [BOUNCE]},
        Message={"Subject": {"Data": "v1"}, "Body": {"Text": {"Data": "hello"}}},
        ConfigurationSetName=SET,
        Tags=[{"Name": "run", "Value": "v1"}],
    )["MessageId"]
    records = [r for _, rs in stored(s3) for r in rs]
    assert [(r["eventType"], r["mail"]["messageId"]) for r in records] == [("Send", message), ("Bounce", message)]
    assert records[0]["mail"]["tags"]["run"] == ["v1"] and records[0]["mail"]["commonHeaders"]["subject"] == "v1"
    with pytest.raises(ClientError) as caught:
        ses.send_email(Source="sender@example.com", Destination={"ToAddresses": [SUCCESS]},
                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}},
                       ConfigurationSetName="Nope")
    assert caught.value.response["Error"]["Code"] == "ConfigurationSetDoesNotExist"
    with pytest.raises(ClientError) as caught:
        ses.send_email(Source="a@unverified.example", Destination={"ToAddresses": [SUCCESS]},
                       Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "b"}}})
    assert caught.value.response["Error"]["Code"] == "MessageRejected"
