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
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from moto.firehose.models import FirehoseBackend

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


def describe_delivery_stream(self: FirehoseBackend, delivery_stream_name: str) -> dict[str, Any]:
    result = _moto["describe_delivery_stream"](self, delivery_stream_name)
    result = copy.copy(result)
    description = result["DeliveryStreamDescription"] = dict(result["DeliveryStreamDescription"])
    destinations = []
    for destination in description.get("Destinations", []):
        destination = dict(destination)
        for key, extended in (("ExtendedS3DestinationDescription", True), ("S3DestinationDescription", False)):
            if key in destination:
                destination[key] = _with_defaults(destination[key], extended)
        destinations.append(destination)
    description["Destinations"] = destinations
    return result


def update_destination(self: FirehoseBackend, delivery_stream_name: str, *args: Any, **kwargs: Any) -> None:
    stream = self.delivery_streams.get(delivery_stream_name)
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
