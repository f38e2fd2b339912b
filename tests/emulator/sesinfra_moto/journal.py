"""The request journal: every AWS API request the emulator received, in order.

    GET    /_sesinfra/requests  -> [{"service": "firehose", "operation": "DescribeDeliveryStream"}, ...]
    DELETE /_sesinfra/requests  -> {} (empties it; so does POST /moto-api/reset)

Tests assert how many calls a command made, and in which order.  Each request
is named the way botocore's service models name it (`service` is the botocore
service name: `sesv2`, `ses`, `firehose`, `iam`, `s3`, `sts`,
`resourcegroupstaggingapi`, ...; `operation` the model's operation name), found
from the request alone, before moto handles it:

* the service from the SigV4 credential scope (`.../REGION/SERVICE/aws4_request`),
  SES v2 told apart from SES v1 by its `/v2/` paths;
* JSON protocols: the `X-Amz-Target` header; Smithy RPC v2 CBOR: the
  `/service/S/operation/OP` path; query protocol: the `Action` parameter;
  REST protocols: the model's HTTP method and request URI that match most
  specifically (query keys named in the URI first, then literal characters).

An entry is recorded when the request arrives (under a lock), so the order is
the order in which the server received them.  A request whose operation cannot
be told has `"operation": null` rather than being dropped.
"""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

import botocore.session

_lock = threading.Lock()
_entries: list[dict[str, Any]] = []

# botocore service names the emulator serves, by SigV4 signing name.  SES v1 and
# v2 share the signing name "ses".
SERVICES = ("sesv2", "ses", "firehose", "iam", "s3", "sts", "resourcegroupstaggingapi", "sns", "cloudwatch", "glue", "kms", "logs")

_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_CBOR_PATH = re.compile(r"^/service/[^/]+/operation/([^/]+)$")


def clear() -> None:
    with _lock:
        _entries.clear()


def entries() -> list[dict[str, Any]]:
    with _lock:
        return [dict(e) for e in _entries]


def record(environ: dict[str, Any]) -> dict[str, Any] | None:
    """Names the request and appends it to the journal; returns the entry (None
    for requests that are not AWS API calls, e.g. moto's own /moto-api/)."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api/"):
        return None
    entry = identify(environ)
    with _lock:
        _entries.append(entry)
    return dict(entry)


@lru_cache(maxsize=None)
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=None)
def _by_signing_name() -> dict[str, list[str]]:
    names: dict[str, list[str]] = {}
    for service in SERVICES:
        metadata = _model(service).metadata
        signing = metadata.get("signingName") or metadata.get("endpointPrefix")
        names.setdefault(signing, []).append(service)
    return names


@lru_cache(maxsize=None)
def _by_target_prefix() -> dict[str, str]:
    return {
        _model(s).metadata["targetPrefix"]: s for s in SERVICES if _model(s).metadata.get("targetPrefix")
    }


def identify(environ: dict[str, Any]) -> dict[str, Any]:
    path = environ.get("PATH_INFO", "")
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    signing = scope.group(1) if scope else None
    if signing is None and "X-Amz-Credential" in query:
        parts = query["X-Amz-Credential"][0].split("/")
        signing = parts[3] if len(parts) > 3 else None

    target = environ.get("HTTP_X_AMZ_TARGET")
    if target and "." in target:
        prefix, operation = target.rsplit(".", 1)
        return {"service": _by_target_prefix().get(prefix, signing), "operation": operation}

    candidates = _by_signing_name().get(signing or "", [])
    if signing == "ses":
        candidates = ["sesv2"] if path.startswith("/v2/") else ["ses"]
    service = candidates[0] if candidates else signing

    cbor = _CBOR_PATH.match(path)
    if cbor:
        return {"service": service, "operation": cbor.group(1)}
    if service is None:
        return {"service": None, "operation": None}

    protocol = _model(service).metadata.get("protocol") if service in SERVICES else None
    if protocol in ("query", "ec2"):
        action = query.get("Action", [None])[0] or _form_action(environ)
        return {"service": service, "operation": action}
    if protocol in ("rest-json", "rest-xml"):
        return {"service": service, "operation": _match_rest(service, environ.get("REQUEST_METHOD", "GET"), path, query)}
    return {"service": service, "operation": None}


def _form_action(environ: dict[str, Any]) -> str | None:
    """The Action of a form-encoded body; the body is put back for moto."""
    if "x-www-form-urlencoded" not in environ.get("CONTENT_TYPE", ""):
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    form = parse_qs(body.decode(errors="replace"))
    return form.get("Action", [None])[0]


@lru_cache(maxsize=None)
def _rest_routes(service: str) -> list[tuple[str, re.Pattern[str], dict[str, str | None], int, str]]:
    model = _model(service)
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        required: dict[str, str | None] = {}
        for part in filter(None, query.split("&")):
            key, eq, value = part.partition("=")
            required[key] = value if eq else None
        pattern = ""
        literal = 0
        for token in re.split(r"(\{[^}]+\})", path):
            if token.startswith("{"):
                pattern += ".+" if token.endswith("+}") else "[^/]+"
            else:
                pattern += re.escape(token)
                literal += len(token)
        # Path-style S3 and some clients add or drop a trailing slash.
        regex = re.compile("^" + pattern.rstrip("/") + "/?$")
        routes.append((http.get("method", "POST"), regex, required, literal, name))
    return routes


def _match_rest(service: str, method: str, path: str, query: dict[str, list[str]]) -> str | None:
    best: tuple[int, int] | None = None
    found = None
    for route_method, regex, required, literal, name in _rest_routes(service):
        if route_method != method or not regex.match(path):
            continue
        if any(k not in query or (v is not None and query[k][0] != v) for k, v in required.items()):
            continue
        score = (len(required), literal)
        if best is None or score > best:
            best, found = score, name
    return found
