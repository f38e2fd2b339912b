"""Control endpoints of the emulator, outside any AWS API: health and fault injection.

The request journal (`/_sesinfra/requests`) lives in journal.py, the staging of
a shared account (foreign resources, stream states, Firehose faults) in
population.py; this middleware routes to them.

Real AWS can throttle, deny access (`AccessDenied`) or fail in ways a local
emulator never would on its own.  Tests queue such failures here and the next
matching call answers with that error instead of running:

    POST   /_sesinfra/faults   {"service": "iam", "operation": "GetRole",
                                "error": "AccessDenied", "count": 2,
                                "message": "optional", "status": 403,
                                "after": "CreateRole", "lost": false}
    GET    /_sesinfra/faults   -> the queued faults
    DELETE /_sesinfra/faults   -> drop all queued faults
    GET    /_sesinfra/health   -> 200 "ok" (the launcher's readiness probe)
    /_sesinfra/s3-faults        -> S3 bucket sub-resource faults (s3_faults.py)

`service` is a botocore model name (`sesv2` when left out, `ses` for SES v1,
`firehose`, `iam`, `s3`, `sts`, `kms`, ...) and `operation` one of its
operations.  For SES v2, `error` must be an error shape of the model and the
answer is what the model says that error looks like.  For the other services
`error` is any AWS error code (AccessDenied is not a modelled shape but the most
common answer of all); the HTTP status is the shape's if it is modelled, else
`status`, else 403 for access errors and 400 for the rest, and the body is the
service protocol's error document (query XML, rest-xml, JSON 1.1, CBOR).  With
`after` (an operation of the same service) the fault is due only once a call of
that operation was received, e.g. throttled describes after a create.  With
`lost` the call runs and its answer is replaced by the fault: an
answer lost on the way back, after AWS acted on the call.  Every
call is still recorded in the request journal.  moto's own `POST /moto-api/reset`
also drops queued faults.
"""

from __future__ import annotations

import json
import re
import threading
from html import escape
from http import HTTPStatus
from typing import Any, Callable, Iterable

import botocore.session

from . import account, journal, population, rpcv2cbor, s3_faults, ses_events, sns

PREFIX = "/_sesinfra/"

_lock = threading.Lock()
_faults: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (service, operation) -> queued faults
_seen: set[tuple[str, str]] = set()  # (service, operation) called since the last reset


def take_fault(operation: str, service: str = "sesv2") -> dict[str, Any] | None:
    """Pop the next fault queued for an operation, if any."""
    with _lock:
        queue = _faults.get((service, operation), [])
        due = [f for f in queue if f["after"] is None or (service, f["after"]) in _seen]
        if not due:
            return None
        fault = due[0]
        fault["count"] -= 1
        if fault["count"] <= 0:
            queue.remove(fault)
        return dict(fault)


def clear_faults() -> None:
    with _lock:
        _faults.clear()
        _seen.clear()


def _add_fault(spec: Any) -> str | None:
    """Queue a fault; return an error message if the spec is invalid."""
    if not isinstance(spec, dict):
        return "body must be a JSON object"
    service = spec.get("service", "sesv2")
    operation, error = spec.get("operation"), spec.get("error")
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # botocore raises UnknownServiceError, among others
        return f"unknown service: {service!r}"
    if operation not in model.operation_names:
        return f"unknown {service} operation: {operation!r}"
    errors = {shape.name for shape in model.error_shapes}
    if service == "sesv2" and error not in errors:
        return f"unknown SES v2 error: {error!r} (one of {sorted(errors)})"
    if not isinstance(error, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9.]*", error):
        return "error must be an AWS error code"
    if model.protocol not in ("query", "json", "rest-xml", "rest-json", "smithy-rpc-v2-cbor"):
        return f"faults are not supported for the {model.protocol} protocol"
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return "count must be a positive integer"
    status = spec.get("status")
    if status is None and error in errors:
        status = model.shape_for(error).metadata.get("error", {}).get("httpStatusCode")
    if status is None:
        status = 403 if "AccessDenied" in error or error == "UnauthorizedOperation" else 400
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        return "status must be an HTTP error status"
    after = spec.get("after")
    if after is not None and after not in model.operation_names:
        return f"unknown {service} operation in after: {after!r}"
    lost = spec.get("lost", False)
    if not isinstance(lost, bool):
        return "lost must be true or false"
    message = spec.get("message") or _default_message(service, operation, error)
    with _lock:
        _faults.setdefault((service, operation), []).append(
            {
                "service": service,
                "operation": operation,
                "error": error,
                "count": count,
                "message": message,
                "status": status,
                "protocol": model.protocol,
                "after": after,
                "lost": lost,
            }
        )
    return None


def _default_message(service: str, operation: str, error: str) -> str:
    if "AccessDenied" in error:
        # The wording AWS uses for an identity-based policy denial.
        action = f"{_model_prefix(service)}:{operation}"
        return (
            f"User: arn:aws:iam::123456789012:user/sesinfra-test is not authorized to perform: {action} "
            f"on resource: * because no identity-based policy allows the {action} action"
        )
    return f"Injected {error} for {operation}"


def _model_prefix(service: str) -> str:
    return {"sesv2": "ses", "resourcegroupstaggingapi": "tag", "cloudwatch": "cloudwatch"}.get(service, service)


def _fault_response(fault: dict[str, Any], method: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """The HTTP answer of a fault in its service's protocol."""
    code, message, status = fault["error"], fault["message"], fault["status"]
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    request_id = "sesinfra-fault-0000"
    protocol = fault["protocol"]
    if protocol == "smithy-rpc-v2-cbor":
        _, headers, body = rpcv2cbor.encode_error(fault["service"], code, code, message, status)
        return f"{status} {reason}", headers, body
    if protocol == "query":
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        headers = [("Content-Type", "text/xml")]
    elif protocol == "rest-xml":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)]
    else:  # json, rest-json
        body = json.dumps({"__type": code, "message": message}).encode()
        content_type = "application/x-amz-json-1.1" if protocol == "json" else "application/json"
        headers = [("Content-Type", content_type), ("X-Amzn-ErrorType", code)]
    headers.append(("x-amzn-RequestId", request_id))
    if method == "HEAD":  # a HEAD answer has no body; S3 SDKs read the status alone
        body = b""
    headers.append(("Content-Length", str(len(body))))
    return f"{status} {reason}", headers, body


class ControlMiddleware:
    """WSGI middleware answering PREFIX paths; everything else goes to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/moto-api/reset" and method == "POST":
            clear_faults()
            journal.clear()
            s3_faults.clear()
            ses_events.clear()
        if not path.startswith(PREFIX):
            entry = journal.record(environ)
            if entry and entry["service"] and entry["operation"]:
                called = (entry["service"], entry["operation"])
                with _lock:
                    _seen.add(called)
                # SES v2 faults are answered inside moto's SES v2 responses (sesv2.py).
                fault = take_fault(called[1], called[0]) if called[0] != "sesv2" and _faults else None
                if fault is not None:
                    if fault["lost"]:
                        # AWS acts on the call; only its answer does not arrive.
                        for _ in self.app(environ, lambda *args, **kwargs: lambda data: None):
                            pass
                    status, headers, body = _fault_response(fault, method)
                    start_response(status, headers)
                    return [body]
            injected = s3_faults.intercept(environ, start_response)
            if injected is not None:
                return injected
            return self.app(environ, start_response)

        def answer(status: str, payload: Any) -> list[bytes]:
            body = json.dumps(payload).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]

        name = path[len(PREFIX):]
        if name == "health":
            return answer("200 OK", "ok")
        if name == "s3-faults":
            return s3_faults.control(method, environ, answer)
        if name == "faults" and method == "GET":
            with _lock:
                return answer("200 OK", [f for queue in _faults.values() for f in queue])
        if name == "faults" and method == "DELETE":
            clear_faults()
            return answer("200 OK", {})
        if name == "faults" and method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                spec = json.loads(environ["wsgi.input"].read(length) or b"null")
            except (ValueError, KeyError):
                return answer("400 Bad Request", {"message": "body must be JSON"})
            problem = _add_fault(spec)
            if problem:
                return answer("400 Bad Request", {"message": problem})
            return answer("200 OK", {})
        if name == "requests" and method == "GET":
            return answer("200 OK", journal.entries())
        if name == "requests" and method == "DELETE":
            journal.clear()
            return answer("200 OK", {})
        spec = None
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
                spec = json.loads(environ["wsgi.input"].read(length) or b"null")
            except (ValueError, KeyError):
                return answer("400 Bad Request", {"message": "body must be JSON"})
        handled = population.handle(name, method, spec)
        if handled is None:
            handled = account.handle(name, method, spec)
        if handled is None:
            handled = ses_events.handle(name, method, spec)
        if handled is None:
            handled = sns.handle(name, method, spec)
        if handled is not None:
            code, payload = handled
            return answer({200: "200 OK", 400: "400 Bad Request", 404: "404 Not Found"}[code], payload)
        return answer("404 Not Found", {"message": f"no such control endpoint: {method} {path}"})
