"""Control endpoints of the emulator, outside any AWS API: health and fault injection.

Real SES v2 can throttle (`TooManyRequestsException`, 429) or fail in ways a
local emulator never would on its own.  Tests queue such failures here and the
next matching SES v2 call answers with that error instead of running:

    POST   /_sesinfra/faults   {"operation": "GetConfigurationSet",
                                "error": "TooManyRequestsException",
                                "count": 2, "message": "optional"}
    GET    /_sesinfra/faults   -> the queued faults
    DELETE /_sesinfra/faults   -> drop all queued faults
    GET    /_sesinfra/health   -> 200 "ok" (the launcher's readiness probe)
    /_sesinfra/s3-faults        -> S3 bucket sub-resource faults (s3_faults.py)

`operation` is an SES v2 operation name from the service model and `error` one
of that model's error shapes, so the answer (status, header, body) is exactly
what the model says that error looks like.  moto's own `POST /moto-api/reset`
also drops queued faults.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Callable, Iterable

import botocore.session

from . import s3_faults

PREFIX = "/_sesinfra/"

_lock = threading.Lock()
_faults: dict[str, list[dict[str, Any]]] = {}  # operation name -> queued faults


def take_fault(operation: str) -> dict[str, Any] | None:
    """Pop the next fault queued for an SES v2 operation, if any."""
    with _lock:
        queue = _faults.get(operation)
        if not queue:
            return None
        fault = queue[0]
        fault["count"] -= 1
        if fault["count"] <= 0:
            queue.pop(0)
        return dict(fault)


def clear_faults() -> None:
    with _lock:
        _faults.clear()


def _add_fault(spec: Any) -> str | None:
    """Queue a fault; return an error message if the spec is invalid."""
    model = botocore.session.get_session().get_service_model("sesv2")
    if not isinstance(spec, dict):
        return "body must be a JSON object"
    operation, error = spec.get("operation"), spec.get("error")
    if operation not in model.operation_names:
        return f"unknown SES v2 operation: {operation!r}"
    errors = {shape.name for shape in model.error_shapes}
    if error not in errors:
        return f"unknown SES v2 error: {error!r} (one of {sorted(errors)})"
    count = spec.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        return "count must be a positive integer"
    message = spec.get("message") or f"Injected {error} for {operation}"
    with _lock:
        _faults.setdefault(operation, []).append(
            {"operation": operation, "error": error, "count": count, "message": message}
        )
    return None


class ControlMiddleware:
    """WSGI middleware answering PREFIX paths; everything else goes to moto."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/moto-api/reset" and method == "POST":
            clear_faults()
            s3_faults.clear()
        if not path.startswith(PREFIX):
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
        return answer("404 Not Found", {"message": f"no such control endpoint: {method} {path}"})
