"""Control endpoints that stage a shared AWS account: other teams' resources in
bulk, Firehose streams of any kind and in any state, Firehose faults.

    POST /_sesinfra/population
         {"region": "eu-west-1", "prefix": "foreign", "streams": 200,
          "configuration_sets": 200, "roles": 2000, "tags": {"team": "other"}}
      -> {"streams": [names], "configuration_sets": [names], "roles": [names]}
       Streams cycle through every destination kind (STREAM_KINDS); sets and
       roles are plain; `"identities": ["a.example.com", ...]` creates those
       SES identities (without tags; the answer lists them too); `tags` (default none) go on every one of them.  Roles
       are at path "/".  Everything is written straight into moto's backends
       (thousands in well under a second per thousand); the Firehose quota of
       50 streams is not applied, as in an account where it was raised.

    POST /_sesinfra/firehose/streams
         {"region": "eu-west-1", "name": "x", "destination": "http_endpoint",
          "source": "direct_put", "tags": {"k": "v"}}
      -> {"arn": "arn:aws:firehose:..."}
       destination: one of STREAM_KINDS; source: direct_put | kinesis | msk.

    POST /_sesinfra/firehose/status
         {"region": "eu-west-1", "name": "x", "status": "CREATING",
          "describes": 1, "failure": {"Type": "...", "Details": "..."}}
      -> {}
       status: CREATING (ACTIVE again after `describes` more
       DescribeDeliveryStream answers, default 1), CREATING_FAILED,
       DELETING_FAILED (with `failure`, default a documented failure type), or
       ACTIVE.  Unknown stream: 404.

Region defaults to us-east-1, the account is moto's default; every body field
but `name`/`status`/`operation`/`error` is optional.  Bad input: 400 with
{"message": ...}.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import botocore.session
from moto.core import DEFAULT_ACCOUNT_ID
from moto.firehose.models import DeliveryStream, firehose_backends
from moto.iam.models import iam_backends
from moto.sesv2.models import sesv2_backends
from moto.utilities.utils import get_partition

STREAM_KINDS = ("extended_s3", "s3", "http_endpoint", "opensearch", "splunk", "redshift", "snowflake", "iceberg")
SOURCES = ("direct_put", "kinesis", "msk")
STATUSES = ("CREATING", "CREATING_FAILED", "DELETING_FAILED", "ACTIVE")
DEFAULT_FAILURES = {
    "CREATING_FAILED": {"Type": "CREATE_KMS_GRANT_FAILED", "Details": "Firehose could not create a grant on the KMS key."},
    "DELETING_FAILED": {"Type": "RETIRE_KMS_GRANT_FAILED", "Details": "Firehose could not retire the grant on the KMS key."},
}

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)

_lock = threading.Lock()


class BadRequest(Exception):
    pass


def _tags(spec: dict[str, Any]) -> list[dict[str, str]]:
    tags = spec.get("tags") or {}
    if not isinstance(tags, dict):
        raise BadRequest("tags must be an object")
    return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]


def _count(spec: dict[str, Any], key: str) -> int:
    value = spec.get(key, 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadRequest(f"{key} must be a non-negative integer")
    return value


def _destination(kind: str, region: str, account: str, name: str) -> tuple[str, dict[str, Any]]:
    """(moto's destination name, a create configuration as AWS's model shapes it)."""
    partition = get_partition(region)
    role = f"arn:{partition}:iam::{account}:role/{name}-delivery"
    backup = {"RoleARN": role, "BucketARN": f"arn:{partition}:s3:::{name}-backup"}
    if kind == "extended_s3":
        return "ExtendedS3", {"RoleARN": role, "BucketARN": f"arn:{partition}:s3:::{name}", "Prefix": "data/"}
    if kind == "s3":
        return "S3", {"RoleARN": role, "BucketARN": f"arn:{partition}:s3:::{name}"}
    if kind == "http_endpoint":
        return "HttpEndpoint", {
            "EndpointConfiguration": {"Url": "https://collector.example.com/ingest", "Name": "collector", "AccessKey": "not-returned"},
            "BufferingHints": {"SizeInMBs": 1, "IntervalInSeconds": 60},
            "RoleARN": role,
            "S3BackupMode": "FailedDataOnly",
            "S3Configuration": backup,
        }
    if kind == "opensearch":
        return "Amazonopensearchservice", {
            "RoleARN": role,
            "DomainARN": f"arn:{partition}:es:{region}:{account}:domain/logs",
            "IndexName": "ses",
            "S3BackupMode": "FailedDocumentsOnly",
            "S3Configuration": backup,
        }
    if kind == "splunk":
        return "Splunk", {
            "HECEndpoint": "https://splunk.example.com:8088",
            "HECEndpointType": "Raw",
            "HECToken": "00000000-0000-0000-0000-000000000000",
            "S3BackupMode": "FailedEventsOnly",
            "S3Configuration": backup,
        }
    if kind == "redshift":
        return "Redshift", {
            "RoleARN": role,
            "ClusterJDBCURL": f"jdbc:redshift://warehouse.{region}.redshift.amazonaws.com:5439/events",
            "CopyCommand": {"DataTableName": "ses_events"},
            "Username": "loader",
            "Password": "not-returned",
            "S3Configuration": backup,
        }
    if kind == "snowflake":
        return "Snowflake", {
            "AccountUrl": "https://acme.eu-west-1.snowflakecomputing.com",
            "PrivateKey": "not-returned",
            "User": "loader",
            "Database": "events",
            "Schema": "ses",
            "Table": "events",
            "RoleARN": role,
            "S3BackupMode": "FailedDataOnly",
            "S3Configuration": backup,
        }
    if kind == "iceberg":
        return "Iceberg", {
            "RoleARN": role,
            "CatalogConfiguration": {"CatalogARN": f"arn:{partition}:glue:{region}:{account}:catalog"},
            "S3BackupMode": "FailedDataOnly",
            "S3Configuration": backup,
        }
    raise BadRequest(f"destination must be one of {list(STREAM_KINDS)}")


def add_stream(region: str, name: str, kind: str, source: str, tags: list[dict[str, str]]) -> str:
    account = DEFAULT_ACCOUNT_ID
    backend = firehose_backends[account][region]
    if name in backend.delivery_streams:
        raise BadRequest(f"stream {name} exists")
    if source not in SOURCES:
        raise BadRequest(f"source must be one of {list(SOURCES)}")
    destination_name, config = _destination(kind, region, account, name)
    partition = get_partition(region)
    stream_type, source_config, source_kind = "DirectPut", None, None
    if source == "kinesis":
        stream_type = "KinesisStreamAsSource"
        source_config = {
            "KinesisStreamARN": f"arn:{partition}:kinesis:{region}:{account}:stream/{name}",
            "RoleARN": f"arn:{partition}:iam::{account}:role/{name}-source",
        }
    elif source == "msk":
        stream_type, source_kind = "MSKAsSource", "MSKSourceDescription"
        source_config = {
            "MSKClusterARN": f"arn:{partition}:kafka:{region}:{account}:cluster/events/0000",
            "TopicName": "ses",
            "AuthenticationConfiguration": {"RoleARN": f"arn:{partition}:iam::{account}:role/{name}-source", "Connectivity": "PRIVATE"},
        }
    stream = DeliveryStream(account, region, name, stream_type, None, source_config, destination_name, config)
    if source_kind:
        stream.sesinfra_source_kind = source_kind
    backend.tagger.tag_resource(stream.delivery_stream_arn, tags)
    backend.delivery_streams[name] = stream
    return stream.delivery_stream_arn


def populate(spec: dict[str, Any]) -> dict[str, Any]:
    region = spec.get("region") or "us-east-1"
    prefix = spec.get("prefix") or "foreign"
    tags = _tags(spec)
    counts = {key: _count(spec, key) for key in ("streams", "configuration_sets", "roles")}
    account = DEFAULT_ACCOUNT_ID
    out: dict[str, list[str]] = {"streams": [], "configuration_sets": [], "roles": [], "identities": []}
    identities = spec.get("identities") or []
    if not isinstance(identities, list) or not all(isinstance(i, str) and i for i in identities):
        raise BadRequest("identities must be a list of names")
    for i in range(counts["streams"]):
        kind = STREAM_KINDS[i % len(STREAM_KINDS)]
        name = f"{prefix}-{kind.replace('_', '-')}-{i:05d}"
        add_stream(region, name, kind, "direct_put", tags)
        out["streams"].append(name)
    sesv2 = sesv2_backends[account][region]
    for i in range(counts["configuration_sets"]):
        name = f"{prefix}-set-{i:05d}"
        sesv2.create_configuration_set(name, {}, {}, {}, {"SendingEnabled": True}, tags, {}, {})
        out["configuration_sets"].append(name)
    for name in identities:
        if name in sesv2.core_backend.email_identities:
            raise BadRequest(f"identity {name} exists")
        sesv2.create_email_identity(name, None, None, None)
        out["identities"].append(name)
    iam = iam_backends[account][get_partition(region)]
    for i in range(counts["roles"]):
        name = f"{prefix}-role-{i:05d}"
        iam.create_role(name, TRUST, "/", None, "another team's role", tags, None)
        out["roles"].append(name)
    return out


def set_status(spec: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    region = spec.get("region") or "us-east-1"
    status = spec.get("status")
    if status not in STATUSES:
        raise BadRequest(f"status must be one of {list(STATUSES)}")
    stream = firehose_backends[DEFAULT_ACCOUNT_ID][region].delivery_streams.get(spec.get("name"))
    if stream is None:
        return 404, {"message": f"no stream {spec.get('name')!r} in {region}"}
    stream.delivery_stream_status = status
    stream.sesinfra_creating_describes = _count(spec, "describes") if "describes" in spec else 1
    failure = spec.get("failure") or DEFAULT_FAILURES.get(status)
    stream.sesinfra_failure = failure
    return 200, {}


def handle(name: str, method: str, spec: Any) -> tuple[int, Any] | None:
    """Answers a control endpoint of this module; None when `name` is not one."""
    try:
        if method != "POST" or name not in ("population", "firehose/streams", "firehose/status"):
            return None
        if not isinstance(spec, dict):
            raise BadRequest("body must be a JSON object")
        if name == "population":
            return 200, populate(spec)
        if name == "firehose/streams":
            if not spec.get("name"):
                raise BadRequest("name is required")
            arn = add_stream(
                spec.get("region") or "us-east-1",
                spec["name"],
                spec.get("destination") or "extended_s3",
                spec.get("source") or "direct_put",
                _tags(spec),
            )
            return 200, {"arn": arn}
        if name == "firehose/status":
            return set_status(spec)
        _add_fault(spec)
        return 200, {}
    except BadRequest as problem:
        return 400, {"message": str(problem)}
