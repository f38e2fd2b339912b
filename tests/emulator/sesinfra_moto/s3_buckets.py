"""S3 bucket configuration as AWS keeps it: tags given to CreateBucket, default
encryption, and lifecycle configurations read back whole.

17. CreateBucket with tags.  `CreateBucketConfiguration` may carry `Tags`
    (general purpose buckets; the AWS SDKs have the member); AWS creates the
    bucket with them.  moto 5.2.5 ignored them, so a bucket created tagged read
    back untagged.  Now the tags are the new bucket's tag set (at most 50, keys
    1-128 and values 0-256 characters, no `aws:` prefix; else `InvalidTag`).
    A CreateBucket of a bucket that already existed changes no tags.

18. Default encryption.  Since January 2023 every S3 bucket is encrypted with
    SSE-S3: `GetBucketEncryption` always answers (AES256, no bucket key) and
    `DeleteBucketEncryption` puts SSE-S3 back.  moto answered
    `ServerSideEncryptionConfigurationNotFoundError` for both cases.

19. Lifecycle configurations.  moto rebuilt `GetBucketLifecycleConfiguration`
    from its own parse of the rules, losing what it does not model
    (`ObjectSizeGreaterThan` / `ObjectSizeLessThan` filters,
    `NewerNoncurrentVersions` of a noncurrent expiration, ...), and always
    answered `TransitionDefaultMinimumObjectSize: all_storage_classes_128K`
    whatever was put.  S3 returns the configuration that was put, and the
    `x-amz-transition-default-minimum-object-size` header it was put with
    (`all_storage_classes_128K` when the PUT had none; the PUT's answer carries
    it too; any other value is `InvalidArgument`).  Now the document of the last
    successful PUT (moto still validates and stores the rules) is answered as
    put, with that header; DELETE forgets it.

Hook: `S3Response._bucket_response` (bucket-level requests, after moto has read
the request) and `S3Backend.get_bucket_encryption`.
"""

from __future__ import annotations

from typing import Any

import xmltodict
from moto.s3.exceptions import S3ClientError
from moto.s3.models import S3Backend
from moto.s3.responses import S3Response

TDMOS_HEADER = "x-amz-transition-default-minimum-object-size"
TDMOS_VALUES = ("all_storage_classes_128K", "varies_by_storage_class")
TDMOS_DEFAULT = "all_storage_classes_128K"

DEFAULT_ENCRYPTION = {
    "Rule": {
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
        "BucketKeyEnabled": "false",
    }
}

_moto: dict[str, Any] = {}


class InvalidTag(S3ClientError):
    code = "InvalidTag"

    def __init__(self, message: str):
        super().__init__("InvalidTag", message)


class InvalidArgument(S3ClientError):
    code = "InvalidArgument"

    def __init__(self, message: str):
        super().__init__("InvalidArgument", message)


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _create_tags(body: bytes) -> dict[str, str]:
    """The `Tags` of a CreateBucketConfiguration body, checked as S3 checks tags."""
    if not body:
        return {}
    config = xmltodict.parse(body).get("CreateBucketConfiguration") or {}
    tags: dict[str, str] = {}
    for tag in _list((config.get("Tags") or {}).get("Tag")):
        key, value = tag.get("Key") or "", tag.get("Value") or ""
        if not 1 <= len(key) <= 128 or len(value) > 256 or key.lower().startswith("aws:"):
            raise InvalidTag(f"The tag provided was not a valid tag: {key!r}")
        if key in tags:
            raise InvalidTag("Cannot provide multiple Tags with the same key")
        tags[key] = value
    if len(tags) > 50:
        raise InvalidTag("Object tags cannot be greater than 50")
    return tags


def _is_create_bucket(method: str, querystring: dict[str, Any]) -> bool:
    # CreateBucket is a PUT on the bucket without a sub-resource (the SDKs may add x-id).
    return method == "PUT" and set(querystring) <= {"x-id"}


def _bucket_response(self: S3Response, request: Any, full_url: str) -> Any:
    original = _moto["_bucket_response"]
    bucket_name = self.parse_bucket_name_from_url(request, full_url)
    if not bucket_name:
        return original(self, request, full_url)
    querystring = self._get_querystring(request, full_url)
    method = request.method

    if _is_create_bucket(method, querystring):
        tags = _create_tags(self.body)  # invalid tags: nothing is created
        existed = bucket_name in self.backend.buckets
        response = original(self, request, full_url)
        if tags and not existed:
            self.backend.put_bucket_tagging(bucket_name, tags)
        return response

    if "lifecycle" in querystring:
        if method == "GET":
            bucket = self.backend.get_bucket(bucket_name)  # NoSuchBucket
            stored = getattr(bucket, "sesinfra_lifecycle", None)
            if stored is None or not bucket.rules:
                return original(self, request, full_url)  # NoSuchLifecycleConfiguration
            body, tdmos = stored
            return 200, {TDMOS_HEADER: tdmos, "Content-Type": "application/xml"}, body
        if method == "PUT":
            tdmos = request.headers.get(TDMOS_HEADER) or TDMOS_DEFAULT
            if tdmos not in TDMOS_VALUES:
                raise InvalidArgument(f"{TDMOS_HEADER} must be one of {', '.join(TDMOS_VALUES)}")
            original(self, request, full_url)  # validates and stores the rules
            body = self.body if isinstance(self.body, bytes) else str(self.body).encode()
            self.backend.get_bucket(bucket_name).sesinfra_lifecycle = (body, tdmos)
            return 200, {TDMOS_HEADER: tdmos}, ""
        if method == "DELETE":
            response = original(self, request, full_url)
            self.backend.get_bucket(bucket_name).sesinfra_lifecycle = None
            return response

    return original(self, request, full_url)


def get_bucket_encryption(self: S3Backend, bucket_name: str) -> dict[str, Any]:
    return _moto["get_bucket_encryption"](self, bucket_name) or DEFAULT_ENCRYPTION


def install() -> None:
    if _moto:
        return
    _moto["_bucket_response"] = S3Response._bucket_response
    S3Response._bucket_response = _bucket_response
    _moto["get_bucket_encryption"] = S3Backend.get_bucket_encryption
    S3Backend.get_bucket_encryption = get_bucket_encryption
