"""Which AWS service and operation an HTTP request calls, read off the request itself.

moto routes by host name and URL; with one endpoint for every service (as the
tests use it) the service is only known from the SigV4 credential scope.  This
module tells (service, operation) for any request, from botocore's service
models, so that the control endpoints (fault injection) work for every service
the same way:

* service: the signing name in `Authorization: AWS4-HMAC-SHA256
  Credential=KEY/DATE/REGION/SERVICE/aws4_request`; SES v1 and v2 share the
  signing name `ses` and differ by protocol (v2 paths start with `/v2/`).
* json and rpc-v2-cbor protocols: the `X-Amz-Target` header, or the path
  `/service/SERVICE/operation/OPERATION`.
* query protocol: the `Action` form field.
* rest-json and rest-xml: the method and path matched against each operation's
  `requestUri` template; required query keys (`?encryption`) make a template
  more specific, and the most specific match wins.
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

import botocore.session

# Signing name -> botocore model name, where they differ.
_MODEL_BY_SIGNING_NAME = {
    "ses": "sesv2",  # or "ses" (v1): told apart by the path, see service_of
    "tagging": "resourcegroupstaggingapi",
    "monitoring": "cloudwatch",
}

_SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/aws4_request")


@lru_cache(maxsize=None)
def _model(name: str) -> Any:
    return botocore.session.get_session().get_service_model(name)


def service_of(environ: dict[str, Any]) -> str | None:
    """The botocore model name of the service a request is signed for."""
    match = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return None
    signing = match.group(1)
    name = _MODEL_BY_SIGNING_NAME.get(signing, signing)
    if name == "sesv2" and not environ.get("PATH_INFO", "").startswith("/v2/"):
        return "ses"
    return name


def body_of(environ: dict[str, Any]) -> bytes:
    """The request body, read once and put back so moto can read it too."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def identify(environ: dict[str, Any]) -> tuple[str, str] | None:
    """(service, operation) of a request, or None when it is not an AWS API call."""
    service = service_of(environ)
    if service is None:
        return None
    model = _model(service)
    protocol = model.protocol
    path = environ.get("PATH_INFO", "")
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target:
        operation = target.rsplit(".", 1)[-1]
    elif path.startswith("/service/") and "/operation/" in path:
        operation = path.rsplit("/", 1)[-1]
    elif protocol == "query":
        form = parse_qs(body_of(environ).decode("utf-8", "replace"))
        form.update(parse_qs(environ.get("QUERY_STRING", "")))
        operation = (form.get("Action") or [""])[0]
    else:
        operation = _match_rest(service, environ.get("REQUEST_METHOD", "GET"), path, environ.get("QUERY_STRING", ""))
    if operation and operation in model.operation_names:
        return service, operation
    return None


@lru_cache(maxsize=None)
def _rest_templates(service: str) -> list[tuple[str, re.Pattern[str], frozenset[str], int]]:
    """(operation, path regex, required query keys, literal length) per operation."""
    model = _model(service)
    templates = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http.get("requestUri", "/")
        path, _, query = uri.partition("?")
        keys = frozenset(part.split("=", 1)[0] for part in query.split("&") if part)
        pattern = ""
        literal = 0
        for piece in re.split(r"(\{[^}]+\})", path):
            if piece.startswith("{"):
                pattern += "(.+)" if piece.endswith("+}") else "([^/]+)"
            else:
                pattern += re.escape(piece)
                literal += len(piece)
        templates.append((http.get("method", "POST") + " " + name, re.compile(pattern + "/?$"), keys, literal))
    return templates


def _match_rest(service: str, method: str, path: str, query: str) -> str | None:
    present = set(parse_qs(query, keep_blank_values=True))
    best: tuple[int, int, str] | None = None
    for key, regex, keys, literal in _rest_templates(service):
        op_method, operation = key.split(" ", 1)
        if op_method != method or not keys <= present or not regex.match(path):
            continue
        rank = (len(keys), literal, operation)
        if best is None or rank[:2] > best[:2]:
            best = rank
    return best[2] if best else None
