"""SES v2 GetAccount, the account control endpoints, and CloudWatch over Smithy RPC v2 CBOR."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from typing import Any

import botocore.model
import cbor2
import pytest
from botocore.exceptions import ClientError
from conftest import DIRECT, Emulator, make_client

NOW = dt.datetime.now(dt.timezone.utc)
AUTH = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/monitoring/aws4_request, SignedHeaders=host, Signature=0"


def cloudwatch(emulator: Emulator, **config: Any) -> Any:
    """A boto3 CloudWatch client speaking rpcv2Cbor, as the AWS SDK for Rust does.
    (botocore itself prefers the model's JSON protocol; its CBOR serializer and
    parser are an independent check of the translator's wire format.)"""
    original = botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS
    botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = ("smithy-rpc-v2-cbor", *original)
    try:
        client = make_client(emulator, "cloudwatch", **config)
    finally:
        botocore.model.PRIORITY_ORDERED_SUPPORTED_PROTOCOLS = original
    assert client.meta.service_model.resolved_protocol == "smithy-rpc-v2-cbor"
    return client


def reputation_query(period: int = 300) -> list[dict[str, Any]]:
    return [
        {
            "Id": id_,
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SES", "MetricName": name},
                "Period": period,
                "Stat": "Average",
            },
        }
        for id_, name in (("bounce", "Reputation.BounceRate"), ("complaint", "Reputation.ComplaintRate"))
    ]


def raw_cbor(emulator: Emulator, operation: str, payload: Any) -> tuple[int, dict[str, str], bytes]:
    """A hand-made rpcv2Cbor request, to see the wire format itself."""
    request = urllib.request.Request(
        f"{emulator.url}/service/GraniteServiceVersion20100801/operation/{operation}",
        data=cbor2.dumps(payload),
        method="POST",
        headers={
            "smithy-protocol": "rpc-v2-cbor",
            "Content-Type": "application/cbor",
            "Accept": "application/cbor",
            "Authorization": AUTH,
        },
    )
    try:
        with DIRECT.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# --------------------------------------------------------------------------- GetAccount


def test_a_new_account_is_a_healthy_sandbox(sesv2: Any) -> None:
    account = sesv2.get_account()
    assert account["EnforcementStatus"] == "HEALTHY"
    assert account["ProductionAccessEnabled"] is False
    assert account["SendingEnabled"] is True
    assert account["SendQuota"] == {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0}
    assert "Details" not in account


@pytest.mark.parametrize("status", ["HEALTHY", "PROBATION", "SHUTDOWN"])
def test_the_control_endpoint_sets_every_health_state(emulator: Emulator, sesv2: Any, status: str) -> None:
    code, body = emulator.post_json(
        "/_sesinfra/account",
        {
            "region": "us-east-1",
            "EnforcementStatus": status,
            "ProductionAccessEnabled": True,
            "SendingEnabled": False,
            "SendQuota": {"Max24HourSend": 50000, "SentLast24Hours": 1234.5},
            "Details": {"MailType": "TRANSACTIONAL", "ContactLanguage": "EN"},
        },
    )
    assert code == 200, body
    account = sesv2.get_account()
    assert account["EnforcementStatus"] == status
    assert account["ProductionAccessEnabled"] is True
    assert account["SendingEnabled"] is False
    # SendQuota members merge: MaxSendRate kept its value.
    assert account["SendQuota"] == {"Max24HourSend": 50000.0, "MaxSendRate": 1.0, "SentLast24Hours": 1234.5}
    assert account["Details"] == {"MailType": "TRANSACTIONAL", "ContactLanguage": "EN"}
    assert body["EnforcementStatus"] == status


def test_account_state_is_per_region_and_reset(emulator: Emulator, sesv2: Any) -> None:
    assert emulator.post_json("/_sesinfra/account", {"region": "eu-west-1", "SendingEnabled": False})[0] == 200
    assert sesv2.get_account()["SendingEnabled"] is True  # us-east-1 untouched
    assert emulator.post_json("/_sesinfra/account", {"SendingEnabled": False})[0] == 200
    assert sesv2.get_account()["SendingEnabled"] is False
    assert emulator.post_json("/moto-api/reset", {})[0] == 200
    assert sesv2.get_account()["SendingEnabled"] is True


@pytest.mark.parametrize(
    "spec",
    [
        {"EnforcementStatus": "FINE"},
        {"SendingEnabled": "yes"},
        {"SendQuota": {"Max24HourSend": -1}},
        {"SendQuota": {"Daily": 5}},
        {"Details": {"MailType": "SPAM"}},
        {"SuppressionAttributes": {"SuppressedReasons": []}},  # not a health field
        [],
    ],
)
def test_the_control_endpoint_rejects_what_get_account_cannot_answer(emulator: Emulator, spec: Any) -> None:
    code, body = emulator.post_json("/_sesinfra/account", spec)
    assert code == 400, body


def test_get_account_faults_are_ses_v2_errors(emulator: Emulator, sesv2: Any) -> None:
    code, _ = emulator.post_json(
        "/_sesinfra/faults", {"operation": "GetAccount", "error": "TooManyRequestsException"}
    )
    assert code == 200
    with pytest.raises(ClientError) as raised:
        sesv2.get_account()
    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert sesv2.get_account()["EnforcementStatus"] == "HEALTHY"


# --------------------------------------------------------------------------- CloudWatch over CBOR


def test_reputation_metrics_are_answered_by_get_metric_data(emulator: Emulator) -> None:
    code, body = emulator.post_json(
        "/_sesinfra/account/reputation", {"bounce_rate": 0.02, "complaint_rate": 0.0003, "age_seconds": 3000}
    )
    assert code == 200, body
    code, body = emulator.post_json("/_sesinfra/account/reputation", {"bounce_rate": 0.06, "age_seconds": 60})
    assert code == 200, body
    answer = cloudwatch(emulator).get_metric_data(
        MetricDataQueries=reputation_query(),
        StartTime=NOW - dt.timedelta(hours=2),
        EndTime=dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1),
        ScanBy="TimestampDescending",
    )
    results = {r["Id"]: r for r in answer["MetricDataResults"]}
    assert results["bounce"]["Values"][0] == pytest.approx(0.06)
    assert results["bounce"]["Values"][-1] == pytest.approx(0.02)
    assert results["complaint"]["Values"] == [pytest.approx(0.0003)]
    assert isinstance(results["bounce"]["Timestamps"][0], dt.datetime)
    assert results["bounce"]["StatusCode"] == "Complete"


def test_no_datapoints_is_an_empty_result_not_an_error(emulator: Emulator) -> None:
    answer = cloudwatch(emulator).get_metric_data(
        MetricDataQueries=reputation_query(),
        StartTime=NOW - dt.timedelta(hours=1),
        EndTime=NOW,
    )
    assert [(r["Id"], r["Values"]) for r in answer["MetricDataResults"]] == [("bounce", []), ("complaint", [])]


def test_the_wire_format_is_cbor_with_tag_1_timestamps(emulator: Emulator) -> None:
    assert emulator.post_json("/_sesinfra/account/reputation", {"bounce_rate": 0.5})[0] == 200
    status, headers, body = raw_cbor(
        emulator,
        "GetMetricData",
        {
            "MetricDataQueries": reputation_query()[:1],
            "StartTime": cbor2.CBORTag(1, (NOW - dt.timedelta(hours=1)).timestamp()),
            "EndTime": cbor2.CBORTag(1, NOW.timestamp() + 60),
        },
    )
    assert status == 200, body
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    assert headers["Content-Type"] == "application/cbor"
    # The timestamp is tag 1 (0xc1) over a double (0xfb), the value a double.
    assert b"jTimestamps\x81\xc1\xfb" in body
    assert b"fValues\x81\xfb" in body
    decoded = cbor2.loads(body)["MetricDataResults"][0]
    assert isinstance(decoded["Timestamps"][0], dt.datetime)
    assert decoded["Values"] == [0.5]


def test_errors_are_cbor_with_the_query_error_header(emulator: Emulator) -> None:
    status, headers, raw = raw_cbor(
        emulator,
        "GetMetricData",
        {
            "MetricDataQueries": reputation_query()[:1],
            "StartTime": cbor2.CBORTag(1, NOW.timestamp()),
            "EndTime": cbor2.CBORTag(1, NOW.timestamp() - 60),
        },
    )
    assert status == 400
    body = cbor2.loads(raw)
    assert headers["x-amzn-query-error"] == "ValidationError;Sender"
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    assert body["__type"].startswith("com.amazonaws.cloudwatch#")
    assert "EndTime" in body["message"]


def test_input_is_validated_against_the_model(emulator: Emulator) -> None:
    raw = cloudwatch(emulator, parameter_validation=False)
    with pytest.raises(ClientError) as raised:
        raw.get_metric_data(MetricDataQueries=reputation_query(), EndTime=NOW)
    assert raised.value.response["Error"]["Code"] == "MissingParameter"
    with pytest.raises(ClientError) as raised:
        raw.get_metric_data(
            MetricDataQueries=reputation_query(), StartTime=NOW, EndTime=NOW, ScanBy="Sideways"
        )
    assert raised.value.response["Error"]["Code"] == "ValidationError"
    status, _, raw = raw_cbor(emulator, "NoSuchOperation", {})
    assert status == 404 and cbor2.loads(raw)["__type"].endswith("#UnknownOperationException")


def test_put_metric_data_round_trips_but_aws_namespaces_are_reserved(emulator: Emulator) -> None:
    client = cloudwatch(emulator)
    with pytest.raises(ClientError) as raised:
        client.put_metric_data(
            Namespace="AWS/SES", MetricData=[{"MetricName": "Reputation.BounceRate", "Value": 0.0}]
        )
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    client.put_metric_data(
        Namespace="Team/Mail", MetricData=[{"MetricName": "Sent", "Value": 7.0, "Timestamp": NOW}]
    )
    answer = client.get_metric_data(
        MetricDataQueries=[
            {
                "Id": "sent",
                "MetricStat": {"Metric": {"Namespace": "Team/Mail", "MetricName": "Sent"}, "Period": 60, "Stat": "Sum"},
            }
        ],
        StartTime=NOW - dt.timedelta(minutes=5),
        EndTime=NOW + dt.timedelta(minutes=1),
    )
    assert answer["MetricDataResults"][0]["Values"] == [7.0]


def test_cbor_requests_are_journalled_once_and_faults_answer_in_cbor(emulator: Emulator) -> None:
    assert emulator.post_json("/_sesinfra/requests", {}, method="DELETE")[0] == 200
    client = cloudwatch(emulator)
    client.get_metric_data(MetricDataQueries=reputation_query(), StartTime=NOW - dt.timedelta(hours=1), EndTime=NOW)
    with DIRECT.open(f"{emulator.url}/_sesinfra/requests", timeout=10) as response:
        assert json.load(response) == [{"service": "cloudwatch", "operation": "GetMetricData"}]
    code, body = emulator.post_json(
        "/_sesinfra/faults", {"service": "cloudwatch", "operation": "GetMetricData", "error": "Throttling"}
    )
    assert code == 200, body
    with pytest.raises(ClientError) as raised:
        client.get_metric_data(MetricDataQueries=reputation_query(), StartTime=NOW - dt.timedelta(hours=1), EndTime=NOW)
    assert raised.value.response["Error"]["Code"] == "Throttling"


@pytest.mark.parametrize(
    "spec",
    [{}, {"bounce_rate": 1.5}, {"complaint_rate": "high"}, {"bounce_rate": 0.1, "age_seconds": -1}, {"rate": 0.1}],
)
def test_the_reputation_endpoint_rejects_bad_input(emulator: Emulator, spec: Any) -> None:
    code, body = emulator.post_json("/_sesinfra/account/reputation", spec)
    assert code == 400, body
