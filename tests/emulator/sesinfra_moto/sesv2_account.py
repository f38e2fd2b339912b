"""SES v2 account-level settings that sesinfra writes: the suppression list and VDM.

moto 5.2.5 has neither `PutAccountSuppressionAttributes`, `PutAccountVdmAttributes`
nor `GetAccount`.  The settings live on moto's SES v2 backend object (one per
account and region), so `/moto-api/reset` clears them.  `GetAccount` answers the
members these two operations write (`SuppressionAttributes`, `VdmAttributes`);
other members of the answer are outside this module.

Defaults, as a new account reports them: `SuppressedReasons` BOUNCE and
COMPLAINT (AWS enables the account-level list for both on accounts created
since November 2019), `VdmEnabled` DISABLED with both VDM features DISABLED.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.sesv2.responses import SESV2Response

from .sesv2 import _lock, _params

_installed: dict[str, Any] = {}


def _settings(resp: SESV2Response) -> dict[str, Any]:
    backend = resp.sesv2_backend
    if not hasattr(backend, "sesinfra_account"):
        backend.sesinfra_account = {
            "SuppressionAttributes": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
            "VdmAttributes": {
                "VdmEnabled": "DISABLED",
                "DashboardAttributes": {"EngagementMetrics": "DISABLED"},
                "GuardianAttributes": {"OptimizedSharedDelivery": "DISABLED"},
            },
        }
    return backend.sesinfra_account


def put_account_suppression_attributes(self: SESV2Response) -> EmptyResult:
    # Replaces the account's list; no SuppressedReasons (or []) suppresses nothing.
    p = _params(self, "PutAccountSuppressionAttributes")
    with _lock:
        attributes: dict[str, Any] = {"SuppressedReasons": list(dict.fromkeys(p.get("SuppressedReasons") or []))}
        if p.get("ValidationAttributes") is not None:
            attributes["ValidationAttributes"] = p["ValidationAttributes"]
        _settings(self)["SuppressionAttributes"] = attributes
    return EmptyResult()


def put_account_vdm_attributes(self: SESV2Response) -> EmptyResult:
    # VdmEnabled is required; a feature object left out keeps its current value.
    p = _params(self, "PutAccountVdmAttributes")
    with _lock:
        current = _settings(self)["VdmAttributes"]
        new = p["VdmAttributes"]
        current["VdmEnabled"] = new["VdmEnabled"]
        for member in ("DashboardAttributes", "GuardianAttributes"):
            if new.get(member):
                current[member] = {**current.get(member, {}), **new[member]}
    return EmptyResult()


def get_account(self: SESV2Response) -> ActionResult:
    _params(self, "GetAccount")
    with _lock:
        settings = _settings(self)
        return ActionResult(
            {
                "SuppressionAttributes": dict(settings["SuppressionAttributes"]),
                "VdmAttributes": dict(settings["VdmAttributes"]),
            }
        )


HANDLERS = [put_account_suppression_attributes, put_account_vdm_attributes, get_account]


def install() -> None:
    if _installed:
        return
    for handler in HANDLERS:
        _installed[handler.__name__] = handler
        setattr(SESV2Response, handler.__name__, handler)
