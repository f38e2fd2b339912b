"""S3 fixes: XML root elements, bucket-policy conditions, AccessDenied errors."""

from __future__ import annotations

import json
import urllib.error
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import DIRECT

S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
BUCKET = "sesinfra-events"


def raw_root(client: Any, call: str, **kwargs: Any) -> ET.Element:
    """Call an operation; return the root element of the raw response body."""
    captured: dict[str, bytes] = {}

    def keep(http_response: Any, **_: Any) -> None:
        captured["body"] = http_response.content

    client.meta.events.register("after-call.s3", keep)
    try:
        getattr(client, call)(**kwargs)
    finally:
        client.meta.events.unregister("after-call.s3", keep)
    return ET.fromstring(captured["body"])


@pytest.fixture
def bucket(s3: Any) -> str:
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="events/one.json", Body=b'{"eventType": "Send"}')
    return BUCKET


# ----------------------------------------------------------------------------- XML roots


def test_get_bucket_versioning_root(s3: Any, bucket: str) -> None:
    assert raw_root(s3, "get_bucket_versioning", Bucket=bucket).tag == f"{S3_NS}VersioningConfiguration"
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    root = raw_root(s3, "get_bucket_versioning", Bucket=bucket)
    assert root.tag == f"{S3_NS}VersioningConfiguration"
    assert root.findtext(f"{S3_NS}Status") == "Enabled"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"


def test_get_bucket_accelerate_configuration_root(s3: Any, bucket: str) -> None:
    assert raw_root(s3, "get_bucket_accelerate_configuration", Bucket=bucket).tag == f"{S3_NS}AccelerateConfiguration"
    for status in ("Enabled", "Suspended"):
        s3.put_bucket_accelerate_configuration(Bucket=bucket, AccelerateConfiguration={"Status": status})
        root = raw_root(s3, "get_bucket_accelerate_configuration", Bucket=bucket)
        assert root.tag == f"{S3_NS}AccelerateConfiguration"
        assert root.findtext(f"{S3_NS}Status") == status


def test_get_bucket_notification_configuration_root(s3: Any, bucket: str) -> None:
    root = raw_root(s3, "get_bucket_notification_configuration", Bucket=bucket)
    assert root.tag == f"{S3_NS}NotificationConfiguration"
    topic = "arn:aws:sns:us-east-1:123456789012:bucket-events"
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={"TopicConfigurations": [{"TopicArn": topic, "Events": ["s3:ObjectCreated:*"]}]},
    )
    root = raw_root(s3, "get_bucket_notification_configuration", Bucket=bucket)
    assert root.tag == f"{S3_NS}NotificationConfiguration"
    got = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert got["TopicConfigurations"][0]["TopicArn"] == topic


def test_other_roots_are_untouched(s3: Any, bucket: str) -> None:
    assert raw_root(s3, "list_objects_v2", Bucket=bucket).tag == f"{S3_NS}ListBucketResult"
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert raw_root(s3, "get_bucket_tagging", Bucket=bucket).tag == f"{S3_NS}Tagging"


# ----------------------------------------------------------------------------- bucket policies


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def deny(condition: dict[str, Any] | None = None, action: Any = "s3:*", **extra: Any) -> dict[str, Any]:
    statement = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": action,
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        **extra,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def expect_access_denied(s3: Any, call: str, **kwargs: Any) -> None:
    with pytest.raises(ClientError) as info:
        getattr(s3, call)(**kwargs)
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert info.value.response["Error"]["Code"] == "AccessDenied"


TLS_ONLY = deny({"Bool": {"aws:SecureTransport": "false"}}, Sid="DenyInsecureTransport")


def test_tls_only_policy_allows_object_reads_and_writes(s3: Any, bucket: str) -> None:
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(TLS_ONLY))
    assert s3.get_object(Bucket=bucket, Key="events/one.json")["Body"].read() == b'{"eventType": "Send"}'
    s3.head_object(Bucket=bucket, Key="events/one.json")
    s3.put_object(Bucket=bucket, Key="events/two.json", Body=b"{}")
    s3.delete_object(Bucket=bucket, Key="events/two.json")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["events/one.json"]


def test_deny_whose_condition_holds_denies_with_access_denied_xml(emulator: Any, s3: Any, bucket: str) -> None:
    # The emulator stands in for S3 over HTTPS: aws:SecureTransport is "true".
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny({"Bool": {"aws:SecureTransport": "true"}})))
    expect_access_denied(s3, "get_object", Bucket=bucket, Key="events/one.json")
    expect_access_denied(s3, "put_object", Bucket=bucket, Key="events/new.json", Body=b"{}")
    # The raw answer is S3's error document, not an empty 403.
    captured: dict[str, Any] = {}
    s3.meta.events.register("after-call.s3", lambda http_response, **_: captured.update(r=http_response))
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="events/one.json")
    root = ET.fromstring(captured["r"].content)
    assert root.tag == "Error"
    assert root.findtext("Code") == "AccessDenied"
    assert root.findtext("Message") == "Access Denied"
    assert "xml" in captured["r"].headers["Content-Type"]


def test_unconditional_deny_on_one_action_only(s3: Any, bucket: str) -> None:
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny(action="s3:PutObject")))
    expect_access_denied(s3, "put_object", Bucket=bucket, Key="events/new.json", Body=b"{}")
    s3.get_object(Bucket=bucket, Key="events/one.json")


def test_string_not_equals_requires_encryption_header(s3: Any, bucket: str) -> None:
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=policy(
            deny({"StringNotEquals": {"s3:x-amz-server-side-encryption": "AES256"}}, action="s3:PutObject")
        ),
    )
    expect_access_denied(s3, "put_object", Bucket=bucket, Key="events/plain.json", Body=b"{}")
    s3.put_object(Bucket=bucket, Key="events/sealed.json", Body=b"{}", ServerSideEncryption="AES256")
    s3.get_object(Bucket=bucket, Key="events/one.json")


def test_string_equals_and_string_like(s3: Any, bucket: str) -> None:
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny({"StringEquals": {"aws:SourceIp": "192.0.2.1"}})))
    s3.get_object(Bucket=bucket, Key="events/one.json")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny({"StringLike": {"aws:SourceIp": "192.0.2.*"}})))
    s3.get_object(Bucket=bucket, Key="events/one.json")
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(deny({"StringLike": {"aws:SourceIp": "127.*"}})))
    expect_access_denied(s3, "get_object", Bucket=bucket, Key="events/one.json")


def test_deny_with_unknown_operator_does_not_deny(s3: Any, bucket: str) -> None:
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=policy(deny({"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}})),
    )
    s3.get_object(Bucket=bucket, Key="events/one.json")
    s3.put_object(Bucket=bucket, Key="events/two.json", Body=b"{}")


def test_allow_with_failing_condition_does_not_deny(s3: Any, bucket: str) -> None:
    allow = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
        "Condition": {"StringEquals": {"aws:SourceIp": "192.0.2.1"}},
    }
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(allow, TLS_ONLY))
    s3.get_object(Bucket=bucket, Key="events/one.json")


def test_deny_for_other_resource_does_not_apply(s3: Any, bucket: str) -> None:
    statement = deny()
    statement["Resource"] = f"arn:aws:s3:::{BUCKET}/private/*"
    s3.put_bucket_policy(Bucket=bucket, Policy=policy(statement))
    s3.get_object(Bucket=bucket, Key="events/one.json")
    expect_access_denied(s3, "put_object", Bucket=bucket, Key="private/x", Body=b"{}")


def test_anonymous_read_of_private_object_is_access_denied_xml(emulator: Any, bucket: str) -> None:
    try:
        DIRECT.open(f"{emulator.url}/{bucket}/events/one.json", timeout=10)
    except urllib.error.HTTPError as error:
        assert error.code == 403
        assert ET.fromstring(error.read()).findtext("Code") == "AccessDenied"
    else:
        pytest.fail("anonymous read of a private object succeeded")
