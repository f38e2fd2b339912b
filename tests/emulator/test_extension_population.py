"""Shared-account staging: the request journal, GetResources for SES and Firehose,
foreign resources in bulk, streams of every kind and state, Firehose faults."""

from __future__ import annotations

import time
from typing import Any

import botocore.exceptions
import pytest

from conftest import DIRECT, Emulator, make_client

STACK = [{"Key": "sesinfra:stack", "Values": ["mine"]}]
TYPES = ["ses:configuration-set", "ses:identity", "firehose:deliverystream"]


def get(emulator: Emulator, path: str) -> Any:
    import json

    with DIRECT.open(emulator.url + path, timeout=10) as response:
        return json.loads(response.read())


def test_journal_records_every_request_in_order(emulator: Emulator, sesv2: Any, firehose: Any) -> None:
    assert emulator.post_json("/_sesinfra/requests", None, method="DELETE")[0] == 200
    iam = make_client(emulator, "iam")
    s3 = make_client(emulator, "s3", s3={"addressing_style": "path"})
    sts = make_client(emulator, "sts")
    sesv2.create_configuration_set(ConfigurationSetName="a")
    sesv2.get_configuration_set(ConfigurationSetName="a")
    firehose.list_delivery_streams()
    iam.list_roles(PathPrefix="/sesinfra/")
    s3.create_bucket(Bucket="bucket-b")
    s3.get_bucket_versioning(Bucket="bucket-b")
    s3.head_bucket(Bucket="bucket-b")
    sts.get_caller_identity()
    make_client(emulator, "resourcegroupstaggingapi").get_resources(ResourceTypeFilters=TYPES)
    assert get(emulator, "/_sesinfra/requests") == [
        {"service": "sesv2", "operation": "CreateConfigurationSet"},
        {"service": "sesv2", "operation": "GetConfigurationSet"},
        {"service": "firehose", "operation": "ListDeliveryStreams"},
        {"service": "iam", "operation": "ListRoles"},
        {"service": "s3", "operation": "CreateBucket"},
        {"service": "s3", "operation": "GetBucketVersioning"},
        {"service": "s3", "operation": "HeadBucket"},
        {"service": "sts", "operation": "GetCallerIdentity"},
        {"service": "resourcegroupstaggingapi", "operation": "GetResources"},
    ]
    assert emulator.post_json("/_sesinfra/requests", None, method="DELETE")[0] == 200
    assert get(emulator, "/_sesinfra/requests") == []


def test_get_resources_lists_tagged_ses_and_firehose_resources(emulator: Emulator, sesv2: Any, firehose: Any) -> None:
    mine = [{"Key": "sesinfra:stack", "Value": "mine"}]
    sesv2.create_configuration_set(ConfigurationSetName="ours", Tags=mine)
    sesv2.create_configuration_set(ConfigurationSetName="theirs", Tags=[{"Key": "sesinfra:stack", "Value": "other"}])
    sesv2.create_configuration_set(ConfigurationSetName="untagged")
    sesv2.create_email_identity(EmailIdentity="example.com", Tags=mine)
    firehose.create_delivery_stream(
        DeliveryStreamName="ours",
        ExtendedS3DestinationConfiguration={"RoleARN": "arn:aws:iam::123456789012:role/r", "BucketARN": "arn:aws:s3:::b"},
        Tags=mine,
    )
    tagging = make_client(emulator, "resourcegroupstaggingapi")
    out = tagging.get_resources(TagFilters=STACK, ResourceTypeFilters=TYPES)
    assert out["PaginationToken"] == ""
    assert [r["ResourceARN"] for r in out["ResourceTagMappingList"]] == [
        "arn:aws:firehose:us-east-1:123456789012:deliverystream/ours",
        "arn:aws:ses:us-east-1:123456789012:configuration-set/ours",
        "arn:aws:ses:us-east-1:123456789012:identity/example.com",
    ]
    assert out["ResourceTagMappingList"][0]["Tags"] == mine
    only_sets = tagging.get_resources(TagFilters=STACK, ResourceTypeFilters=["ses:configuration-set"])
    assert len(only_sets["ResourceTagMappingList"]) == 1
    with pytest.raises(botocore.exceptions.ClientError) as error:
        tagging.get_resources(ResourceTypeFilters=TYPES, ResourcesPerPage=101)
    assert error.value.response["Error"]["Code"] == "InvalidParameterException"


def test_get_resources_pages_with_opaque_tokens(emulator: Emulator) -> None:
    status, _ = emulator.post_json(
        "/_sesinfra/population", {"configuration_sets": 7, "tags": {"sesinfra:stack": "mine"}}
    )
    assert status == 200
    tagging = make_client(emulator, "resourcegroupstaggingapi")
    seen, token, pages = [], "", 0
    while True:
        out = tagging.get_resources(TagFilters=STACK, ResourceTypeFilters=TYPES, ResourcesPerPage=3, PaginationToken=token)
        seen += [r["ResourceARN"] for r in out["ResourceTagMappingList"]]
        token, pages = out["PaginationToken"], pages + 1
        if not token:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    with pytest.raises(botocore.exceptions.ClientError):
        tagging.get_resources(ResourceTypeFilters=TYPES, PaginationToken="bogus")


def test_population_is_quick_and_untagged(emulator: Emulator, sesv2: Any, firehose: Any) -> None:
    started = time.monotonic()
    status, out = emulator.post_json("/_sesinfra/population", {"streams": 16, "configuration_sets": 20, "roles": 2000})
    assert status == 200, out
    assert time.monotonic() - started < 20
    assert len(out["roles"]) == 2000 and len(out["streams"]) == 16
    iam = make_client(emulator, "iam")
    assert iam.get_role(RoleName=out["roles"][-1])["Role"]["Path"] == "/"
    assert sesv2.get_configuration_set(ConfigurationSetName=out["configuration_sets"][0])["Tags"] == []
    tagging = make_client(emulator, "resourcegroupstaggingapi")
    assert tagging.get_resources(ResourceTypeFilters=TYPES)["ResourceTagMappingList"] == []


@pytest.mark.parametrize(
    "kind,key",
    [
        ("http_endpoint", "HttpEndpointDestinationDescription"),
        ("opensearch", "AmazonopensearchserviceDestinationDescription"),
        ("splunk", "SplunkDestinationDescription"),
        ("redshift", "RedshiftDestinationDescription"),
        ("snowflake", "SnowflakeDestinationDescription"),
        ("iceberg", "IcebergDestinationDescription"),
        ("s3", "S3DestinationDescription"),
    ],
)
def test_every_destination_kind_is_described_as_aws_does(emulator: Emulator, firehose: Any, kind: str, key: str) -> None:
    status, _ = emulator.post_json("/_sesinfra/firehose/streams", {"name": "x", "destination": kind})
    assert status == 200
    # botocore validates nothing on output; check the members AWS's model requires.
    description = firehose.describe_delivery_stream(DeliveryStreamName="x")["DeliveryStreamDescription"]
    (destination,) = description["Destinations"]
    assert set(destination) == {"DestinationId", key}
    described = destination[key]
    for secret in ("AccessKey", "Password", "PrivateKey"):
        assert secret not in str(described)
    backup = described if kind == "s3" else described["S3DestinationDescription"]
    for member in ("RoleARN", "BucketARN", "BufferingHints", "CompressionFormat", "EncryptionConfiguration"):
        assert member in backup, member
    assert description["DeliveryStreamType"] == "DirectPut"


def test_sources_other_than_direct_put(emulator: Emulator, firehose: Any) -> None:
    emulator.post_json("/_sesinfra/firehose/streams", {"name": "k", "source": "kinesis"})
    emulator.post_json("/_sesinfra/firehose/streams", {"name": "m", "source": "msk"})
    k = firehose.describe_delivery_stream(DeliveryStreamName="k")["DeliveryStreamDescription"]
    m = firehose.describe_delivery_stream(DeliveryStreamName="m")["DeliveryStreamDescription"]
    assert k["DeliveryStreamType"] == "KinesisStreamAsSource" and "KinesisStreamSourceDescription" in k["Source"]
    assert m["DeliveryStreamType"] == "MSKAsSource" and "MSKSourceDescription" in m["Source"]


def test_stream_states(emulator: Emulator, firehose: Any) -> None:
    emulator.post_json("/_sesinfra/firehose/streams", {"name": "s"})
    status = lambda: firehose.describe_delivery_stream(DeliveryStreamName="s")["DeliveryStreamDescription"]  # noqa: E731
    assert emulator.post_json("/_sesinfra/firehose/status", {"name": "s", "status": "CREATING", "describes": 2})[0] == 200
    assert [status()["DeliveryStreamStatus"] for _ in range(3)] == ["CREATING", "CREATING", "ACTIVE"]

    emulator.post_json("/_sesinfra/firehose/status", {"name": "s", "status": "CREATING", "describes": 5})
    with pytest.raises(firehose.exceptions.ResourceInUseException):
        firehose.delete_delivery_stream(DeliveryStreamName="s")

    emulator.post_json("/_sesinfra/firehose/status", {"name": "s", "status": "CREATING_FAILED"})
    failed = status()
    assert failed["DeliveryStreamStatus"] == "CREATING_FAILED"
    assert failed["FailureDescription"]["Type"] == "CREATE_KMS_GRANT_FAILED"

    emulator.post_json("/_sesinfra/firehose/status", {"name": "s", "status": "DELETING_FAILED"})
    firehose.delete_delivery_stream(DeliveryStreamName="s")
    assert status()["DeliveryStreamStatus"] == "DELETING_FAILED"
    firehose.delete_delivery_stream(DeliveryStreamName="s", AllowForceDelete=True)
    with pytest.raises(firehose.exceptions.ResourceNotFoundException):
        status()
    assert emulator.post_json("/_sesinfra/firehose/status", {"name": "s", "status": "ACTIVE"})[0] == 404


def test_population_creates_identities_in_bulk(emulator: Emulator, sesv2: Any) -> None:
    names = [f"tenant-{i}.example.com" for i in range(50)]
    status, out = emulator.post_json("/_sesinfra/population", {"identities": names})
    assert status == 200, out
    assert out["identities"] == names
    assert sesv2.get_email_identity(EmailIdentity="tenant-7.example.com")["IdentityType"] == "DOMAIN"
    status, out = emulator.post_json("/_sesinfra/population", {"identities": ["tenant-7.example.com"]})
    assert status == 400 and "exists" in out["message"]
