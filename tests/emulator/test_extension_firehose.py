"""Firehose fixes: S3 destination descriptions carry what AWS always returns."""

from __future__ import annotations

from typing import Any

ROLE = "arn:aws:iam::123456789012:role/firehose-to-s3"
OTHER_ROLE = "arn:aws:iam::123456789012:role/firehose-to-s3-v2"
BUCKET = "arn:aws:s3:::sesinfra-events"
DEFAULT_BUFFERING = {"SizeInMBs": 5, "IntervalInSeconds": 300}
NO_ENCRYPTION = {"NoEncryptionConfig": "NoEncryption"}


def describe(firehose: Any, name: str) -> dict[str, Any]:
    (destination,) = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"][
        "Destinations"
    ]
    return destination


def update(firehose: Any, name: str, **change: Any) -> None:
    stream = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    firehose.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId=stream["VersionId"],
        DestinationId=stream["Destinations"][0]["DestinationId"],
        **change,
    )


def assert_required_members(description: dict[str, Any]) -> None:
    for member in ("RoleARN", "BucketARN", "BufferingHints", "CompressionFormat", "EncryptionConfiguration"):
        assert member in description, member


def test_extended_s3_defaults_after_create(firehose: Any) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName="minimal",
        DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": BUCKET},
    )
    destination = describe(firehose, "minimal")
    extended = destination["ExtendedS3DestinationDescription"]
    mirror = destination["S3DestinationDescription"]
    for description in (extended, mirror):
        assert_required_members(description)
        assert description["RoleARN"] == ROLE and description["BucketARN"] == BUCKET
        assert description["CompressionFormat"] == "UNCOMPRESSED"
        assert description["EncryptionConfiguration"] == NO_ENCRYPTION
        assert description["BufferingHints"] == DEFAULT_BUFFERING
    assert extended["S3BackupMode"] == "Disabled"


def test_given_values_are_kept_and_partial_hints_completed(firehose: Any) -> None:
    kms = {"KMSEncryptionConfig": {"AWSKMSKeyARN": "arn:aws:kms:us-east-1:123456789012:key/abc"}}
    firehose.create_delivery_stream(
        DeliveryStreamName="explicit",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": BUCKET,
            "Prefix": "ses/",
            "ErrorOutputPrefix": "errors/",
            "BufferingHints": {"SizeInMBs": 64},
            "CompressionFormat": "GZIP",
            "EncryptionConfiguration": kms,
        },
    )
    extended = describe(firehose, "explicit")["ExtendedS3DestinationDescription"]
    assert extended["BufferingHints"] == {"SizeInMBs": 64, "IntervalInSeconds": 300}
    assert extended["CompressionFormat"] == "GZIP"
    assert extended["EncryptionConfiguration"] == kms
    assert extended["Prefix"] == "ses/" and extended["ErrorOutputPrefix"] == "errors/"


def test_extended_update_keeps_mirror_complete(firehose: Any) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName="updated",
        ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": BUCKET, "Prefix": "v1/"},
    )
    update(
        firehose,
        "updated",
        ExtendedS3DestinationUpdate={
            "Prefix": "v2/",
            "BufferingHints": {"SizeInMBs": 128, "IntervalInSeconds": 60},
            "CompressionFormat": "GZIP",
        },
    )
    destination = describe(firehose, "updated")
    for description in (destination["ExtendedS3DestinationDescription"], destination["S3DestinationDescription"]):
        assert_required_members(description)
        assert description["RoleARN"] == ROLE and description["BucketARN"] == BUCKET
        assert description["Prefix"] == "v2/"
        assert description["BufferingHints"] == {"SizeInMBs": 128, "IntervalInSeconds": 60}
        assert description["CompressionFormat"] == "GZIP"
        assert description["EncryptionConfiguration"] == NO_ENCRYPTION

    update(firehose, "updated", ExtendedS3DestinationUpdate={"RoleARN": OTHER_ROLE})
    destination = describe(firehose, "updated")
    assert destination["S3DestinationDescription"]["RoleARN"] == OTHER_ROLE
    assert destination["S3DestinationDescription"]["Prefix"] == "v2/"


def test_plain_s3_update_of_extended_destination_keeps_extended_settings(firehose: Any) -> None:
    processing = {"Enabled": False, "Processors": []}
    firehose.create_delivery_stream(
        DeliveryStreamName="mixed",
        ExtendedS3DestinationConfiguration={
            "RoleARN": ROLE,
            "BucketARN": BUCKET,
            "Prefix": "v1/",
            "ProcessingConfiguration": processing,
        },
    )
    update(firehose, "mixed", S3DestinationUpdate={"Prefix": "v2/"})
    destination = describe(firehose, "mixed")
    extended = destination["ExtendedS3DestinationDescription"]
    assert extended["Prefix"] == "v2/"
    assert extended["ProcessingConfiguration"] == processing
    assert extended["RoleARN"] == ROLE
    assert destination["S3DestinationDescription"]["Prefix"] == "v2/"
    assert_required_members(destination["S3DestinationDescription"])


def test_plain_s3_destination_defaults(firehose: Any) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName="plain",
        S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": BUCKET},
    )
    destination = describe(firehose, "plain")
    assert "ExtendedS3DestinationDescription" not in destination
    description = destination["S3DestinationDescription"]
    assert_required_members(description)
    assert description["BufferingHints"] == DEFAULT_BUFFERING
    assert description["CompressionFormat"] == "UNCOMPRESSED"
    assert "S3BackupMode" not in description


def test_list_pages_by_ten_without_limit(firehose: Any) -> None:
    # AWS's default Limit is 10; HasMoreDeliveryStreams says when to go on.
    names = [f"s{i:02d}" for i in range(12)]
    for name in names:
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            ExtendedS3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": BUCKET},
        )
    first = firehose.list_delivery_streams()
    assert first["DeliveryStreamNames"] == names[:10] and first["HasMoreDeliveryStreams"]
    rest = firehose.list_delivery_streams(ExclusiveStartDeliveryStreamName=names[9])
    assert rest["DeliveryStreamNames"] == names[10:] and not rest["HasMoreDeliveryStreams"]
    assert firehose.list_delivery_streams(Limit=50)["DeliveryStreamNames"] == names
