"""S3 bucket configuration as AWS keeps it (s3_buckets.py) and bucket fault injection
(s3_faults.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from botocore.exceptions import ClientError

BUCKET = "sesinfra-config"


def error_code(excinfo: pytest.ExceptionInfo[ClientError]) -> str:
    return excinfo.value.response["Error"]["Code"]


# ----------------------------------------------------------------------------- CreateBucket tags


def test_create_bucket_applies_its_tags(s3: Any) -> None:
    s3.create_bucket(
        Bucket=BUCKET,
        CreateBucketConfiguration={"Tags": [{"Key": "sesinfra:stack", "Value": "prod"}, {"Key": "team", "Value": ""}]},
    )
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"]}
    assert tags == {"sesinfra:stack": "prod", "team": ""}


def test_create_bucket_outside_us_east_1_with_tags(emulator: Any) -> None:
    s3 = _regional(emulator, "eu-west-1")
    s3.create_bucket(
        Bucket=BUCKET,
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1", "Tags": [{"Key": "a", "Value": "b"}]},
    )
    assert s3.get_bucket_tagging(Bucket=BUCKET)["TagSet"] == [{"Key": "a", "Value": "b"}]
    assert s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] == "eu-west-1"


def _regional(emulator: Any, region: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=emulator.url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, s3={"addressing_style": "path"}),
    )


def test_invalid_create_tags_create_nothing(s3: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"Tags": [{"Key": "aws:reserved", "Value": "x"}]})
    assert error_code(excinfo) == "InvalidTag"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as excinfo:
        s3.head_bucket(Bucket=BUCKET)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_bucket_without_tags_has_no_tag_set(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_tagging(Bucket=BUCKET)
    assert error_code(excinfo) == "NoSuchTagSet"


# ----------------------------------------------------------------------------- default encryption


def test_new_bucket_has_default_sse_s3_and_delete_restores_it(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    default_rule = {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
    assert s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"] == [default_rule]

    key = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    kms_rule = {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
        "BucketKeyEnabled": True,
    }
    s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [kms_rule]})
    assert s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"] == [kms_rule]

    s3.delete_bucket_encryption(Bucket=BUCKET)
    assert s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"] == [default_rule]


def test_encryption_of_a_missing_bucket_is_no_such_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_encryption(Bucket="sesinfra-missing")
    assert error_code(excinfo) == "NoSuchBucket"


# ----------------------------------------------------------------------------- lifecycle

FOREIGN_RULES = [
    {
        "ID": "archive-large",
        "Status": "Enabled",
        "Filter": {
            "And": {
                "Prefix": "archive/",
                "Tags": [{"Key": "class", "Value": "cold"}],
                "ObjectSizeGreaterThan": 1024,
                "ObjectSizeLessThan": 10485760,
            }
        },
        "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}, {"Days": 90, "StorageClass": "GLACIER"}],
        "NoncurrentVersionTransitions": [{"NoncurrentDays": 10, "StorageClass": "GLACIER", "NewerNoncurrentVersions": 2}],
        "NoncurrentVersionExpiration": {"NoncurrentDays": 40, "NewerNoncurrentVersions": 3},
        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2},
    },
    {"ID": "small-tmp", "Status": "Disabled", "Filter": {"ObjectSizeLessThan": 128}, "Expiration": {"Days": 1}},
]


def test_lifecycle_reads_back_every_field_and_the_minimum_object_size(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    put = s3.put_bucket_lifecycle_configuration(
        Bucket=BUCKET,
        LifecycleConfiguration={"Rules": FOREIGN_RULES},
        TransitionDefaultMinimumObjectSize="varies_by_storage_class",
    )
    assert put["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"
    got = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)
    assert got["Rules"] == FOREIGN_RULES
    assert got["TransitionDefaultMinimumObjectSize"] == "varies_by_storage_class"


def test_lifecycle_without_minimum_object_size_gets_the_default(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": FOREIGN_RULES[1:]})
    got = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    assert got["Rules"] == FOREIGN_RULES[1:]


def test_invalid_minimum_object_size_is_rejected_and_changes_nothing(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_lifecycle_configuration(
            Bucket=BUCKET, LifecycleConfiguration={"Rules": FOREIGN_RULES}, TransitionDefaultMinimumObjectSize="tiny"
        )
    assert error_code(excinfo) == "InvalidArgument"
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)
    assert error_code(excinfo) == "NoSuchLifecycleConfiguration"


def test_deleted_lifecycle_is_gone(s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": FOREIGN_RULES})
    s3.delete_bucket_lifecycle(Bucket=BUCKET)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)
    assert error_code(excinfo) == "NoSuchLifecycleConfiguration"


# ----------------------------------------------------------------------------- fault injection


def test_queued_faults_answer_sub_resource_calls_then_stop(emulator: Any, s3: Any) -> None:
    s3.create_bucket(Bucket=BUCKET)
    s3.create_bucket(Bucket="sesinfra-other")
    assert emulator.post_json("/_sesinfra/s3-faults", {"bucket": BUCKET, "error": "NoSuchBucket", "count": 2}) == (200, {})
    assert emulator.post_json("/_sesinfra/s3-faults", {"bucket": BUCKET, "error": "OperationAborted"}) == (200, {})
    assert emulator.post_json("/_sesinfra/s3-faults", {}, method="GET") == (
        200,
        [
            {"bucket": BUCKET, "error": "NoSuchBucket", "count": 2},
            {"bucket": BUCKET, "error": "OperationAborted", "count": 1},
        ],
    )
    # Not sub-resource calls of that bucket: untouched.
    s3.head_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="k", Body=b"x")
    s3.get_bucket_versioning(Bucket="sesinfra-other")

    captured: dict[str, Any] = {}

    def keep(http_response: Any, **_: Any) -> None:
        captured["status"] = http_response.status_code
        captured["body"] = http_response.content

    s3.meta.events.register("after-call.s3", keep)
    try:
        for expected, status in [("NoSuchBucket", 404), ("NoSuchBucket", 404), ("OperationAborted", 409)]:
            with pytest.raises(ClientError) as excinfo:
                s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
            assert error_code(excinfo) == expected
            assert captured["status"] == status
            root = ET.fromstring(captured["body"])
            assert root.tag == "Error"
            assert root.findtext("Code") == expected
            assert root.findtext("BucketName") == BUCKET
            assert root.findtext("RequestId")
    finally:
        s3.meta.events.unregister("after-call.s3", keep)
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    assert emulator.post_json("/_sesinfra/s3-faults", {}, method="GET") == (200, [])


def test_fault_requests_are_checked_and_reset_drops_them(emulator: Any) -> None:
    for bad in [
        {"bucket": BUCKET, "error": "InternalError"},
        {"bucket": BUCKET, "error": "NoSuchBucket", "count": 0},
        {"bucket": "", "error": "NoSuchBucket"},
        [],
    ]:
        status, body = emulator.post_json("/_sesinfra/s3-faults", bad)
        assert status == 400, bad
        assert body["message"]
    assert emulator.post_json("/_sesinfra/s3-faults", {"bucket": BUCKET, "error": "AccessDenied", "count": 5}) == (200, {})
    status, _ = emulator.post_json("/moto-api/reset", {})
    assert status == 200
    assert emulator.post_json("/_sesinfra/s3-faults", {}, method="GET") == (200, [])
    assert emulator.post_json("/_sesinfra/s3-faults", {"bucket": BUCKET, "error": "AccessDenied"}) == (200, {})
    assert emulator.post_json("/_sesinfra/s3-faults", {}, method="DELETE") == (200, {})
    assert emulator.post_json("/_sesinfra/s3-faults", {}, method="GET") == (200, [])
