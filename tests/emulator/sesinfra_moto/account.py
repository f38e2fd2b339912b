"""The SES account's health: SES v2 `GetAccount` and the reputation metrics.

moto 5.2.5 has no SES v2 `GetAccount`.  The extension answers it with the
health fields of the model, per account and region, kept on moto's SES v2
backend (attribute `sesinfra_account_health`, so `/moto-api/reset` forgets
them).  Another module's `GetAccount` handler installed before this one (the
account settings it writes, e.g. `SuppressionAttributes`, `VdmAttributes`) is
kept: its answer is merged with the health fields.  A new account is what AWS gives
one: in the sandbox, healthy, sending enabled, 200 messages a day at 1 per
second:

    {"EnforcementStatus": "HEALTHY", "ProductionAccessEnabled": false,
     "SendingEnabled": true, "DedicatedIpAutoWarmupEnabled": false,
     "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0}}

Real accounts change state only through AWS (a review, a support case), so
tests stage them through control endpoints:

    POST /_sesinfra/account {"region": "eu-west-1", "EnforcementStatus": "PROBATION",
                             "ProductionAccessEnabled": true, "SendingEnabled": false,
                             "SendQuota": {"Max24HourSend": 50000, "MaxSendRate": 14,
                                           "SentLast24Hours": 1234},
                             "Details": {"MailType": "TRANSACTIONAL", ...}}
        -> the account's GetAccount document.  Members as GetAccount answers
           them (checked against the model's output shape); the ones left out
           keep their value; SendQuota members merge.

    POST /_sesinfra/account/reputation {"region": "eu-west-1", "bounce_rate": 0.06,
                                        "complaint_rate": 0.0004, "age_seconds": 60}
        -> {} after SES's datapoints `AWS/SES` `Reputation.BounceRate` /
           `Reputation.ComplaintRate` (fractions, no dimensions) were recorded
           in moto's CloudWatch at now - age_seconds (default 60).  Clients
           cannot publish into `AWS/` namespaces (rpcv2cbor.py), so this is
           the only way to get them, as in AWS.

`region` defaults to us-east-1; the account is the emulator's 123456789012.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import botocore.session
from moto.cloudwatch.models import cloudwatch_backends
from moto.core import DEFAULT_ACCOUNT_ID
from moto.core.responses import ActionResult
from moto.sesv2.models import sesv2_backends
from moto.sesv2.responses import SESV2Response

from .errors import BadRequestException
from .validation import _check

MODEL = botocore.session.get_session().get_service_model("sesv2")
OUTPUT = MODEL.operation_model("GetAccount").output_shape

# The members of GetAccount this module owns: the account's health.
HEALTH_FIELDS = ("EnforcementStatus", "ProductionAccessEnabled", "SendingEnabled", "SendQuota", "Details", "DedicatedIpAutoWarmupEnabled")
ENFORCEMENT = ("HEALTHY", "PROBATION", "SHUTDOWN")

NEW_ACCOUNT: dict[str, Any] = {
    "EnforcementStatus": "HEALTHY",
    "ProductionAccessEnabled": False,
    "SendingEnabled": True,
    "DedicatedIpAutoWarmupEnabled": False,
    "SendQuota": {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0},
}


class BadRequest(Exception):
    pass


def _state(account: str, region: str) -> dict[str, Any]:
    backend = sesv2_backends[account][region]
    state = getattr(backend, "sesinfra_account_health", None)
    if state is None:
        state = copy.deepcopy(NEW_ACCOUNT)
        backend.sesinfra_account_health = state
    return state


def document(account: str, region: str) -> dict[str, Any]:
    """The GetAccount answer of an account in a region."""
    return copy.deepcopy(_state(account, region))


_previous: dict[str, Any] = {}


def get_account(self: SESV2Response) -> ActionResult:
    answer = document(self.current_account, self.region)
    previous = _previous.get("get_account")
    if previous is not None:
        other = previous(self).result
        if isinstance(other, dict):
            answer = {**other, **answer}
    return ActionResult(answer)


def set_account(spec: dict[str, Any]) -> dict[str, Any]:
    region = spec.get("region") or "us-east-1"
    fields = {k: v for k, v in spec.items() if k != "region"}
    unknown = sorted(set(fields) - set(HEALTH_FIELDS))
    if unknown:
        raise BadRequest(f"unknown member(s) {unknown}; settable: {list(HEALTH_FIELDS)}")
    if "EnforcementStatus" in fields and fields["EnforcementStatus"] not in ENFORCEMENT:
        raise BadRequest(f"EnforcementStatus must be one of {list(ENFORCEMENT)}")
    for name, value in fields.items():
        shape = OUTPUT.members[name]
        if shape.type_name == "double" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if name == "SendQuota" and isinstance(value, dict):
            value = {k: float(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in value.items()}
            bad = [k for k, v in value.items() if not isinstance(v, float) or v < 0 or not math.isfinite(v)]
            if bad or set(value) - set(shape.members):
                raise BadRequest("SendQuota members are Max24HourSend, MaxSendRate, SentLast24Hours: non-negative numbers")
        try:
            _check(shape, value, name)
        except BadRequestException as problem:
            raise BadRequest(problem.message) from None
        fields[name] = value
    state = _state(DEFAULT_ACCOUNT_ID, region)
    for name, value in fields.items():
        if name == "SendQuota":
            state.setdefault("SendQuota", {}).update(value)
        else:
            state[name] = value
    return document(DEFAULT_ACCOUNT_ID, region)


def set_reputation(spec: dict[str, Any]) -> dict[str, Any]:
    region = spec.get("region") or "us-east-1"
    unknown = sorted(set(spec) - {"region", "bounce_rate", "complaint_rate", "age_seconds"})
    if unknown:
        raise BadRequest(f"unknown member(s) {unknown}")
    age = spec.get("age_seconds", 60)
    if isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0:
        raise BadRequest("age_seconds must be a non-negative number")
    # moto compares naive UTC datetimes (as its parser makes them).
    when = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None) - dt.timedelta(seconds=age)
    data = []
    for key, metric in (("bounce_rate", "Reputation.BounceRate"), ("complaint_rate", "Reputation.ComplaintRate")):
        if key not in spec:
            continue
        value = spec[key]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise BadRequest(f"{key} must be a fraction between 0 and 1")
        data.append({"MetricName": metric, "Value": float(value), "Timestamp": when})
    if not data:
        raise BadRequest("give bounce_rate, complaint_rate or both")
    cloudwatch_backends[DEFAULT_ACCOUNT_ID][region].put_metric_data("AWS/SES", data)
    return {}


def handle(name: str, method: str, spec: Any) -> tuple[int, Any] | None:
    """Answers a control endpoint of this module; None when `name` is not one."""
    if method != "POST" or name not in ("account", "account/reputation"):
        return None
    try:
        if not isinstance(spec, dict):
            raise BadRequest("body must be a JSON object")
        if name == "account":
            return 200, set_account(spec)
        return 200, set_reputation(spec)
    except BadRequest as problem:
        return 400, {"message": str(problem)}


def install() -> None:
    if "installed" in _previous:
        return
    _previous["installed"] = True
    earlier = SESV2Response.__dict__.get("get_account")
    if earlier is not None:
        _previous["get_account"] = earlier
    SESV2Response.get_account = get_account
