"""Firehose fixes for S3 destinations.

1. DescribeDeliveryStream echoed only what the stream was created with.  AWS
   always reports the members its model marks required in
   ExtendedS3DestinationDescription and S3DestinationDescription, filling the
   defaults: CompressionFormat UNCOMPRESSED, EncryptionConfiguration
   {NoEncryptionConfig: NoEncryption}, BufferingHints {SizeInMBs: 5,
   IntervalInSeconds: 300}; an extended S3 destination also reports
   S3BackupMode Disabled.  The AWS SDK for Rust needs them.
   Hook: `FirehoseBackend.describe_delivery_stream` (defaults added to a copy).

2. An extended S3 destination is also described as a plain S3 destination (the
   "mirror").  After UpdateDestination moto rebuilt the mirror from the update
   alone, losing RoleARN/BucketARN; an S3DestinationUpdate on an extended
   destination also threw away the extended-only settings.
   Hook: `FirehoseBackend.update_destination` (the mirror is rebuilt from the
   merged extended configuration).

3. ListDeliveryStreams without `Limit` returned up to 50 names per page; AWS's
   default page size is 10, so clients that do not paginate went unnoticed.
   Hook: `FirehoseBackend.list_delivery_streams` (Limit defaults to 10).

4. Stream states.  moto's streams are ACTIVE at once and forever.  The
   control endpoint `/_sesinfra/firehose/status` (population.py) puts a stream
   into CREATING (ACTIVE again after a given number of DescribeDeliveryStream
   answers), CREATING_FAILED or DELETING_FAILED; DescribeDeliveryStream then
   reports that status and, for the failed ones, a `FailureDescription`
   ({Type, Details}).  As AWS documents: DeleteDeliveryStream of a CREATING
   stream is `ResourceInUseException`; of a DELETING_FAILED stream it fails
   again (the stream stays DELETING_FAILED) unless `AllowForceDelete` is true;
   UpdateDestination of a stream that is not ACTIVE is `ResourceInUseException`.
   Hooks: `describe_delivery_stream`, `FirehoseResponse.delete_delivery_stream`,
   `update_destination`.

5. Descriptions of non-S3 destinations (HTTP endpoint, OpenSearch, Splunk,
   Redshift, Snowflake, Iceberg) echoed the create configuration.  AWS answers
   with the `*DestinationDescription` shapes: the nested backup bucket is an
   `S3DestinationDescription` with the defaults of (1), secrets (HTTP access
   key, Redshift password, Snowflake private key) are never returned, and
   a Kinesis or MSK source is described as `KinesisStreamSourceDescription` /
   `MSKSourceDescription`.  Hook: `describe_delivery_stream`.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from moto.core.responses import EmptyResult
from moto.firehose.exceptions import ResourceInUseException
from moto.firehose.models import FirehoseBackend
from moto.firehose.responses import FirehoseResponse

DEFAULTS = {
    "BufferingHints": {"SizeInMBs": 5, "IntervalInSeconds": 300},
    "CompressionFormat": "UNCOMPRESSED",
    "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
}
EXTENDED_DEFAULTS = {"S3BackupMode": "Disabled"}

# Members of S3DestinationDescription (what the plain-S3 mirror may carry).
S3_MEMBERS = (
    "RoleARN",
    "BucketARN",
    "Prefix",
    "ErrorOutputPrefix",
    "BufferingHints",
    "CompressionFormat",
    "EncryptionConfiguration",
    "CloudWatchLoggingOptions",
)

_moto: dict[str, Any] = {}


def _with_defaults(description: dict[str, Any], extended: bool) -> dict[str, Any]:
    filled = copy.deepcopy(description)
    for member, default in DEFAULTS.items():
        if member == "BufferingHints":  # each hint has its own default
            filled[member] = {**default, **(filled.get(member) or {})}
        elif not filled.get(member):
            filled[member] = copy.deepcopy(default)
    if extended:
        for member, default in EXTENDED_DEFAULTS.items():
            filled.setdefault(member, default)
    return filled


# Members of a create configuration that AWS never describes (secrets).
SECRETS = ("AccessKey", "Password", "PrivateKey", "KeyPassphrase")
# Stream attributes the extension adds (status control); not described as such.
STATUS_ATTRIBUTES = ("sesinfra_creating_describes", "sesinfra_failure", "sesinfra_source_kind")


def _describe_other(description: dict[str, Any]) -> dict[str, Any]:
    """A non-S3 destination's description: secrets removed, backup bucket complete."""
    filled = copy.deepcopy(description)
    for secret in SECRETS:
        filled.pop(secret, None)
    endpoint = filled.get("EndpointConfiguration")
    if isinstance(endpoint, dict):
        endpoint.pop("AccessKey", None)
    if isinstance(filled.get("S3DestinationDescription"), dict):
        filled["S3DestinationDescription"] = _with_defaults(filled["S3DestinationDescription"], False)
    return filled


def describe_delivery_stream(self: FirehoseBackend, delivery_stream_name: str) -> dict[str, Any]:
    stream = self.delivery_streams.get(delivery_stream_name)
    saved = {a: stream.__dict__.pop(a) for a in STATUS_ATTRIBUTES if stream and a in stream.__dict__}
    try:
        result = _moto["describe_delivery_stream"](self, delivery_stream_name)
    finally:
        if stream:
            stream.__dict__.update(saved)
    result = copy.copy(result)
    description = result["DeliveryStreamDescription"] = dict(result["DeliveryStreamDescription"])
    destinations = []
    for destination in description.get("Destinations", []):
        destination = dict(destination)
        for key in list(destination):
            if key in ("ExtendedS3DestinationDescription", "S3DestinationDescription"):
                destination[key] = _with_defaults(destination[key], key.startswith("Extended"))
            elif key.endswith("DestinationDescription"):
                destination[key] = _describe_other(destination[key])
        destinations.append(destination)
    description["Destinations"] = destinations
    source = description.pop("Source", None)
    if source:
        kind = saved.get("sesinfra_source_kind", "KinesisStreamSourceDescription")
        description["Source"] = {kind: next(iter(source.values()))}
    # Status: a stream in CREATING counts down its describes, then is ACTIVE.
    if stream and stream.delivery_stream_status == "CREATING":
        left = saved.get("sesinfra_creating_describes", 0)
        if left <= 0:
            stream.delivery_stream_status = "ACTIVE"
        else:
            stream.sesinfra_creating_describes = left - 1
    description["DeliveryStreamStatus"] = stream.delivery_stream_status if stream else "ACTIVE"
    if stream and stream.delivery_stream_status.endswith("_FAILED") and saved.get("sesinfra_failure"):
        description["FailureDescription"] = dict(saved["sesinfra_failure"])
    return result


def delete_delivery_stream_response(self: FirehoseResponse) -> Any:
    name = self._get_param("DeliveryStreamName")
    stream = self.firehose_backend.delivery_streams.get(name)
    if stream is not None and stream.delivery_stream_status == "CREATING":
        raise ResourceInUseException(f"Firehose {name} is in CREATING state and cannot be deleted.")
    if stream is not None and stream.delivery_stream_status == "DELETING_FAILED" and not self._get_param("AllowForceDelete"):
        # The failure that stopped the first deletion (e.g. retiring a KMS grant)
        # stops this one too; only a forced deletion gets past it.
        return EmptyResult()
    return _moto["delete_delivery_stream_response"](self)


def update_destination(self: FirehoseBackend, delivery_stream_name: str, *args: Any, **kwargs: Any) -> None:
    stream = self.delivery_streams.get(delivery_stream_name)
    if stream is not None and stream.delivery_stream_status != "ACTIVE":
        raise ResourceInUseException(
            f"Firehose {delivery_stream_name} is not in the ACTIVE state ({stream.delivery_stream_status})."
        )
    before = copy.deepcopy(stream.destinations) if stream else None
    _moto["update_destination"](self, delivery_stream_name, *args, **kwargs)
    if stream is None:
        return
    arguments = inspect.signature(_moto["update_destination"]).bind(self, delivery_stream_name, *args, **kwargs).arguments
    destination_id, s3_update = arguments.get("destination_id"), arguments.get("s3_destination_update")
    for index, destination in enumerate(stream.destinations):
        if destination.get("destination_id") != destination_id or "ExtendedS3" not in destination:
            continue
        previous = next((d for d in before if d.get("destination_id") == destination_id), {})
        if s3_update and "ExtendedS3" in previous:
            # A plain S3 update of an extended destination changes only the
            # members it names; the extended-only settings stay.
            destination["ExtendedS3"] = {**previous["ExtendedS3"], **s3_update}
        extended = destination["ExtendedS3"]
        destination["S3"] = {k: copy.deepcopy(extended[k]) for k in S3_MEMBERS if k in extended}
        stream.destinations[index] = destination


# AWS's default Limit of ListDeliveryStreams (API reference).
LIST_DEFAULT_LIMIT = 10


def list_delivery_streams(self: FirehoseBackend, limit: int | None, *args: Any, **kwargs: Any) -> dict[str, Any]:
    return _moto["list_delivery_streams"](self, limit or LIST_DEFAULT_LIMIT, *args, **kwargs)


def install() -> None:
    if _moto:
        return
    _moto["describe_delivery_stream"] = FirehoseBackend.describe_delivery_stream
    FirehoseBackend.describe_delivery_stream = describe_delivery_stream
    _moto["update_destination"] = FirehoseBackend.update_destination
    FirehoseBackend.update_destination = update_destination
    _moto["list_delivery_streams"] = FirehoseBackend.list_delivery_streams
    FirehoseBackend.list_delivery_streams = list_delivery_streams
    _moto["delete_delivery_stream_response"] = FirehoseResponse.delete_delivery_stream
    FirehoseResponse.delete_delivery_stream = delete_delivery_stream_response
