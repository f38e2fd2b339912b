"""Quotas and latency: the emulator as slow and as strict as AWS's API rates.

AWS answers a caller that goes faster than a service's quota with that
service's throttling error; moto answers everything at once.  This WSGI
middleware sits in front of everything else (so a throttled request never
reaches moto, nor the request journal) and, per service:

* admits requests from a token bucket: `rate` calls per second, at most
  `burst` at once (default: one second's worth);
* answers a request over the quota with the service's real throttling error:

    | service    | status | error                                   |
    |------------|--------|-----------------------------------------|
    | ses        | 429    | TooManyRequestsException (REST-JSON)    |
    | firehose   | 400    | LimitExceededException (JSON 1.1)       |
    | iam, sts   | 400    | Throttling (query XML)                  |
    | s3         | 503    | SlowDown (REST-XML)                     |
    | tagging    | 400    | ThrottledException (JSON 1.1)           |
    | kms        | 400    | ThrottlingException (JSON 1.1)          |
    | cloudwatch | 400    | Throttling (RPC v2 CBOR)                |

* delays every AWS request by `latency_ms` (throttled ones too);
* counts calls and throttled answers.

Services are named as sesinfra's `--rate` names them (`ses` covers SES v1 and
v2; `tagging` is the Resource Groups Tagging API).  A service without a rate is
not limited.  Off unless server.py is started with `--quotas` (the defaults
below: SES 10/s, Firehose 5/s, IAM 20/s, S3 50/s, 20 ms) or any `--rate`,
`--burst`, `--latency-ms`; `--rate-scale F` multiplies every rate and burst.
Control endpoint (always answered, also when off):

    GET    /_sesinfra/quota  -> {"latency_ms": 20, "services": {"ses": {"rate": 10,
                                  "burst": 10, "calls": 12, "throttled": 1}, ...}}
    POST   /_sesinfra/quota  {"latency_ms": 5, "services": {"ses": {"rate": 2, "burst": 1}}}
                             (sets what it names; a rate of null lifts a limit)
    DELETE /_sesinfra/quota  -> zeroes the counters
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, Callable, Iterable

from . import control, journal

# The quotas of issue #10's benchmark.
DEFAULT_RATES = {"ses": 10.0, "firehose": 5.0, "iam": 20.0, "s3": 50.0}
DEFAULT_LATENCY_MS = 20.0

# botocore service name -> quota name.
SERVICE_NAMES = {
    "sesv2": "ses",
    "ses": "ses",
    "firehose": "firehose",
    "iam": "iam",
    "s3": "s3",
    "sts": "sts",
    "resourcegroupstaggingapi": "tagging",
    "kms": "kms",
    "cloudwatch": "cloudwatch",
}

# quota name -> (botocore service for the protocol, HTTP status, error code, message)
THROTTLING = {
    "ses": ("sesv2", 429, "TooManyRequestsException", "Too many requests"),
    "firehose": ("firehose", 400, "LimitExceededException", "Rate exceeded"),
    "iam": ("iam", 400, "Throttling", "Rate exceeded"),
    "sts": ("sts", 400, "Throttling", "Rate exceeded"),
    "s3": ("s3", 503, "SlowDown", "Please reduce your request rate."),
    "tagging": ("resourcegroupstaggingapi", 400, "ThrottledException", "Rate exceeded"),
    "kms": ("kms", 400, "ThrottlingException", "Rate exceeded"),
    "cloudwatch": ("cloudwatch", 400, "Throttling", "Rate exceeded"),
}

PATH = control.PREFIX + "quota"


class _Bucket:
    def __init__(self, rate: float, burst: float):
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.stamp = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class Quotas:
    """The configuration and counters, shared by the server's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency_ms = 0.0
        self.buckets: dict[str, _Bucket] = {}
        self.calls: dict[str, int] = {}
        self.throttled: dict[str, int] = {}

    def configure(self, spec: Any) -> str | None:
        """Applies a POST body; returns what is wrong with it, if anything."""
        if not isinstance(spec, dict):
            return "body must be a JSON object"
        latency = spec.get("latency_ms")
        if latency is not None and (isinstance(latency, bool) or not isinstance(latency, (int, float)) or latency < 0):
            return "latency_ms must be a number of milliseconds, at least 0"
        services = spec.get("services", {})
        if not isinstance(services, dict):
            return "services must be an object"
        for name, limit in services.items():
            if name not in THROTTLING:
                return f"unknown service {name!r} (one of {sorted(THROTTLING)})"
            if limit is None or limit.get("rate") is None:
                continue
            rate, burst = limit.get("rate"), limit.get("burst", limit.get("rate"))
            for what, value in (("rate", rate), ("burst", burst)):
                if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
                    return f"{name}: {what} must be a positive number"
            if burst < 1:
                return f"{name}: burst must be at least 1"
        with self.lock:
            if latency is not None:
                self.latency_ms = float(latency)
            for name, limit in services.items():
                if limit is None or limit.get("rate") is None:
                    self.buckets.pop(name, None)
                else:
                    rate = float(limit["rate"])
                    self.buckets[name] = _Bucket(rate, float(limit.get("burst", rate)))
        return None

    def admit(self, name: str) -> bool:
        with self.lock:
            self.calls[name] = self.calls.get(name, 0) + 1
            bucket = self.buckets.get(name)
            if bucket is None or bucket.take():
                return True
            self.throttled[name] = self.throttled.get(name, 0) + 1
            return False

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            names = sorted(set(self.buckets) | set(self.calls))
            return {
                "latency_ms": self.latency_ms,
                "services": {
                    n: {
                        "rate": self.buckets[n].rate if n in self.buckets else None,
                        "burst": self.buckets[n].burst if n in self.buckets else None,
                        "calls": self.calls.get(n, 0),
                        "throttled": self.throttled.get(n, 0),
                    }
                    for n in names
                },
            }

    def reset_counters(self) -> None:
        with self.lock:
            self.calls.clear()
            self.throttled.clear()


def settings(quotas: bool, rates: dict[str, float], bursts: dict[str, float], latency_ms: float | None, scale: float) -> dict[str, Any]:
    """The configuration server.py's options ask for (a POST body)."""
    chosen = dict(DEFAULT_RATES) if quotas else {}
    chosen.update(rates)
    services = {n: {"rate": r * scale, "burst": max(1.0, bursts.get(n, r) * scale)} for n, r in chosen.items()}
    latency = latency_ms if latency_ms is not None else (DEFAULT_LATENCY_MS if quotas else 0.0)
    return {"latency_ms": latency, "services": services}


def _throttled_answer(name: str, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    service, status, code, message = THROTTLING[name]
    # In the protocol the request spoke: services with several (Tagging, CloudWatch)
    # are told apart by their paths and headers.
    if journal._CBOR_PATH.match(environ.get("PATH_INFO", "")):
        protocol = "smithy-rpc-v2-cbor"
    elif environ.get("HTTP_X_AMZ_TARGET"):
        protocol = "json"
    else:
        protocol = journal._model(service).metadata.get("protocol")
        if protocol == "smithy-rpc-v2-cbor":
            protocol = "query"
    fault = {"service": service, "error": code, "message": message, "status": status, "protocol": protocol}
    return control._fault_response(fault, environ.get("REQUEST_METHOD", "GET"))


class QuotaMiddleware:
    """WSGI middleware enforcing `quotas` on AWS requests; answers PATH."""

    def __init__(self, app: Callable[..., Iterable[bytes]], quotas: Quotas):
        self.app = app
        self.quotas = quotas

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == PATH:
            def answer(status: str, payload: Any) -> list[bytes]:
                body = json.dumps(payload).encode()
                start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
                return [body]

            if method == "GET":
                return answer("200 OK", self.quotas.snapshot())
            if method == "DELETE":
                self.quotas.reset_counters()
                return answer("200 OK", {})
            if method == "POST":
                try:
                    length = int(environ.get("CONTENT_LENGTH") or 0)
                    spec = json.loads(environ["wsgi.input"].read(length) or b"null")
                except (ValueError, KeyError):
                    return answer("400 Bad Request", {"message": "body must be JSON"})
                problem = self.quotas.configure(spec)
                if problem:
                    return answer("400 Bad Request", {"message": problem})
                return answer("200 OK", self.quotas.snapshot())
            return answer("405 Method Not Allowed", {"message": f"{method} {path}"})
        if path.startswith(control.PREFIX) or path.startswith("/moto-api/"):
            return self.app(environ, start_response)
        name = SERVICE_NAMES.get(journal.identify(environ).get("service") or "")
        if name is None:
            return self.app(environ, start_response)
        latency = self.quotas.latency_ms
        if latency:
            time.sleep(latency / 1000.0)
        if not self.quotas.admit(name):
            # Drain the request so the connection can carry the next one.
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length:
                environ["wsgi.input"].read(length)
            status, headers, body = _throttled_answer(name, environ)
            start_response(status, headers)
            return [body]
        return self.app(environ, start_response)
