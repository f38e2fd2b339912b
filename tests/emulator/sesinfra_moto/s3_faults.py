"""Fault injection for S3 bucket sub-resource calls.

Right after CreateBucket, S3 may answer a bucket's sub-resource calls
(`?versioning`, `?encryption`, `?publicAccessBlock`, `?lifecycle`, `?tagging`,
...) with `NoSuchBucket` (404) or `OperationAborted` (409) for a while: it is
eventually consistent.  The emulator never is on its own; tests queue such
answers here:

    POST   /_sesinfra/s3-faults   {"bucket": "NAME", "error": "NoSuchBucket",
                                   "count": 2}
    GET    /_sesinfra/s3-faults   -> [{"bucket", "error", "count"}], what is still queued
    DELETE /_sesinfra/s3-faults   -> {} (drop them; so does POST /moto-api/reset)

`error` is one of `NoSuchBucket` (404), `OperationAborted` (409) or
`AccessDenied` (403, to interrupt a sequence of calls for good).  The next
`count` sub-resource requests on that bucket (any method; not CreateBucket,
HeadBucket, DeleteBucket or object requests) answer with S3's XML error body:

    <?xml version="1.0" encoding="UTF-8"?>
    <Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>
    <BucketName>NAME</BucketName><RequestId>...</RequestId><HostId>...</HostId></Error>

S3 requests are recognised by the SigV4 credential scope (`.../s3/aws4_request`)
and path-style addressing (`/BUCKET?sub-resource`).
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any, Callable, Iterable
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

ERRORS = {
    "NoSuchBucket": ("404 Not Found", "The specified bucket does not exist"),
    "OperationAborted": (
        "409 Conflict",
        "A conflicting conditional operation is currently in progress against this resource. Please try again.",
    ),
    "AccessDenied": ("403 Forbidden", "Access Denied"),
}

# Bucket sub-resources of the S3 API (query parameters of bucket-level operations).
SUBRESOURCES = frozenset(
    "abac accelerate acl analytics cors encryption intelligent-tiering inventory lifecycle "
    "location logging metadataConfiguration metadataTable metrics notification object-lock "
    "ownershipControls policy policyStatus publicAccessBlock replication requestPayment "
    "tagging versioning website".split()
)

_lock = threading.Lock()
_faults: dict[str, list[dict[str, Any]]] = {}  # bucket -> queued faults


def clear() -> None:
    with _lock:
        _faults.clear()


def _take(bucket: str) -> dict[str, Any] | None:
    with _lock:
        queue = _faults.get(bucket)
        if not queue:
            return None
        fault = queue[0]
        fault["count"] -= 1
        if fault["count"] <= 0:
            queue.pop(0)
        return dict(fault)


def _add(spec: Any) -> str | None:
    """Queue a fault; return an error message if the spec is invalid."""
    if not isinstance(spec, dict):
        return "body must be a JSON object"
    bucket, error, count = spec.get("bucket"), spec.get("error"), spec.get("count", 1)
    if not isinstance(bucket, str) or not bucket or "/" in bucket:
        return "bucket must be a bucket name"
    if error not in ERRORS:
        return f"unknown S3 fault: {error!r} (one of {sorted(ERRORS)})"
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return "count must be a positive integer"
    with _lock:
        _faults.setdefault(bucket, []).append({"bucket": bucket, "error": error, "count": count})
    return None


def intercept(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes] | None:
    """Answer a queued fault for this request, or None to let it through."""
    if not _faults:  # the common case, without the lock
        return None
    if "/s3/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
        return None
    segments = environ.get("PATH_INFO", "").strip("/").split("/")
    if len(segments) != 1 or not segments[0]:
        return None
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if not SUBRESOURCES.intersection(query):
        return None
    fault = _take(segments[0])
    if fault is None:
        return None
    status, message = ERRORS[fault["error"]]
    request_id = uuid.uuid4().hex[:16].upper()
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{fault['error']}</Code><Message>{escape(message)}</Message>"
        f"<BucketName>{escape(segments[0])}</BucketName><RequestId>{request_id}</RequestId>"
        f"<HostId>{uuid.uuid4().hex}</HostId></Error>"
    ).encode()
    start_response(
        status,
        [
            ("Content-Type", "application/xml"),
            ("Content-Length", str(len(body))),
            ("x-amz-request-id", request_id),
        ],
    )
    return [body]


def control(method: str, environ: dict[str, Any], answer: Callable[[str, Any], list[bytes]]) -> list[bytes]:
    """The /_sesinfra/s3-faults endpoint."""
    if method == "GET":
        with _lock:
            return answer("200 OK", [dict(f) for queue in _faults.values() for f in queue])
    if method == "DELETE":
        clear()
        return answer("200 OK", {})
    if method == "POST":
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            spec = json.loads(environ["wsgi.input"].read(length) or b"null")
        except (ValueError, KeyError):
            return answer("400 Bad Request", {"message": "body must be JSON"})
        problem = _add(spec)
        if problem:
            return answer("400 Bad Request", {"message": problem})
        return answer("200 OK", {})
    return answer("405 Method Not Allowed", {"message": f"{method} is not supported here"})
