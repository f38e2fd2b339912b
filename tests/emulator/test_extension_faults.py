"""Fault injection for every service: the answer is the service protocol's own error."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, make_client


def inject(emulator: Emulator, **fault: Any) -> None:
    status, body = emulator.post_json("/_sesinfra/faults", fault)
    assert status == 200, body


def error_of(call: Any, **kwargs: Any) -> tuple[str, int, str]:
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def test_iam_access_denied_is_a_query_xml_error_for_that_operation_only(emulator: Emulator) -> None:
    iam = make_client(emulator, "iam")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")
    inject(emulator, service="iam", operation="GetRole", error="AccessDenied")
    code, status, message = error_of(iam.get_role, RoleName="r")
    assert (code, status) == ("AccessDenied", 403)
    assert "is not authorized to perform: iam:GetRole" in message
    # Other operations are untouched, and the fault was used up.
    iam.list_roles()
    assert iam.get_role(RoleName="r")["Role"]["RoleName"] == "r"


def test_s3_access_denied_answers_sub_resource_calls_by_operation(emulator: Emulator) -> None:
    s3 = make_client(emulator, "s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="fault-bucket")
    inject(emulator, service="s3", operation="GetBucketVersioning", error="AccessDenied", count=2)
    s3.get_bucket_location(Bucket="fault-bucket")  # another sub-resource of the same path
    for _ in range(2):
        code, status, _ = error_of(s3.get_bucket_versioning, Bucket="fault-bucket")
        assert (code, status) == ("AccessDenied", 403)
    s3.get_bucket_versioning(Bucket="fault-bucket")


def test_s3_head_fault_has_no_body(emulator: Emulator) -> None:
    s3 = make_client(emulator, "s3", s3={"addressing_style": "path"})
    s3.create_bucket(Bucket="fault-bucket")
    inject(emulator, service="s3", operation="HeadBucket", error="AccessDenied")
    code, status, _ = error_of(s3.head_bucket, Bucket="fault-bucket")
    assert status == 403 and code == "403"


def test_firehose_fault_is_a_json_error(emulator: Emulator) -> None:
    firehose = make_client(emulator, "firehose")
    inject(emulator, service="firehose", operation="ListDeliveryStreams", error="LimitExceededException")
    code, status, _ = error_of(firehose.list_delivery_streams)
    assert (code, status) == ("LimitExceededException", 400)
    inject(emulator, service="firehose", operation="DescribeDeliveryStream", error="AccessDeniedException")
    code, status, _ = error_of(firehose.describe_delivery_stream, DeliveryStreamName="x")
    assert (code, status) == ("AccessDeniedException", 403)


def test_a_fault_can_wait_for_another_call(emulator: Emulator) -> None:
    firehose = make_client(emulator, "firehose")
    inject(
        emulator,
        service="firehose",
        operation="ListDeliveryStreams",
        error="ThrottlingException",
        after="DescribeDeliveryStream",
    )
    firehose.list_delivery_streams()  # not yet due
    with pytest.raises(firehose.exceptions.ResourceNotFoundException):
        firehose.describe_delivery_stream(DeliveryStreamName="none")
    code, status, _ = error_of(firehose.list_delivery_streams)
    assert (code, status) == ("ThrottlingException", 400)
    firehose.list_delivery_streams()


def test_sts_and_given_status(emulator: Emulator) -> None:
    sts = make_client(emulator, "sts")
    inject(emulator, service="sts", operation="GetCallerIdentity", error="ExpiredToken", status=400, message="gone")
    assert error_of(sts.get_caller_identity) == ("ExpiredToken", 400, "gone")


def test_a_lost_answer_is_an_error_after_the_call_ran(emulator: Emulator) -> None:
    iam = make_client(emulator, "iam")
    inject(emulator, service="iam", operation="CreateRole", error="ServiceFailure", status=500, lost=True)
    code, status, _ = error_of(iam.create_role, RoleName="lost", AssumeRolePolicyDocument="{}")
    assert (code, status) == ("ServiceFailure", 500)
    assert iam.get_role(RoleName="lost")["Role"]["RoleName"] == "lost"
    code, _, _ = error_of(iam.create_role, RoleName="lost", AssumeRolePolicyDocument="{}")
    assert code == "EntityAlreadyExists"


@pytest.mark.parametrize(
    "fault, problem",
    [
        ({"service": "nope", "operation": "X", "error": "AccessDenied"}, "unknown service"),
        ({"service": "iam", "operation": "GetBucket", "error": "AccessDenied"}, "unknown iam operation"),
        ({"service": "iam", "operation": "GetRole", "error": "not a code"}, "error must be an AWS error code"),
        ({"operation": "GetConfigurationSet", "error": "AccessDenied"}, "unknown SES v2 error"),
        ({"service": "iam", "operation": "GetRole", "error": "AccessDenied", "status": 200}, "status"),
        ({"service": "iam", "operation": "GetRole", "error": "AccessDenied", "after": "Nope"}, "after"),
        ({"service": "iam", "operation": "GetRole", "error": "AccessDenied", "lost": 1}, "lost must be"),
    ],
)
def test_bad_fault_specs_are_refused(emulator: Emulator, fault: dict[str, Any], problem: str) -> None:
    status, body = emulator.post_json("/_sesinfra/faults", fault)
    assert status == 400 and problem in body["message"]
