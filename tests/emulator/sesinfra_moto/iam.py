"""IAM GetAccountAuthorizationDetails paged as AWS pages it.

moto 5.2.5 answers every entity in one page and ignores `MaxItems` and
`Marker`: a client that does not follow `IsTruncated` would pass against moto
and miss roles on AWS, where a page holds `MaxItems` entities (1-1000, default
100) and `Marker` continues it.

Hook: `IamResponse.get_account_authorization_details`.  Requests whose
`Filter` is exactly `Role` are answered here: roles sorted by name, paged by
`MaxItems`, the marker opaque text tied to the query; other filters go to moto
unchanged.  A MaxItems outside 1-1000, or a marker of another query, is a
`ValidationError` (HTTP 400), as IAM answers.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from moto.core.responses import ActionResult
from moto.iam.exceptions import ValidationError
from moto.iam.responses import IamResponse

_moto: dict[str, Any] = {}


def _marker(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"q": "Role", "o": offset}).encode()).decode()


def get_account_authorization_details(self: IamResponse) -> Any:
    filters = self._get_param("Filter") or []
    if filters != ["Role"]:
        return _moto["get_account_authorization_details"](self)
    raw_max = self._get_param("MaxItems")
    try:
        max_items = int(raw_max) if raw_max is not None else 100
    except ValueError:
        raise ValidationError(f"Invalid MaxItems: {raw_max}") from None
    if not 1 <= max_items <= 1000:
        raise ValidationError(
            f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy "
            "constraint: Member must have value less than or equal to 1000"
            if max_items > 1000
            else f"1 validation error detected: Value '{max_items}' at 'maxItems' failed to satisfy "
            "constraint: Member must have value greater than or equal to 1"
        )
    offset = 0
    marker = self._get_param("Marker")
    if marker:
        try:
            decoded = json.loads(base64.urlsafe_b64decode(marker.encode()))
            if decoded["q"] != "Role":
                raise ValueError("marker of another query")
            offset = int(decoded["o"])
        except (ValueError, KeyError, TypeError):
            raise ValidationError("Invalid Marker") from None
    roles = sorted(self.backend.roles.values(), key=lambda r: r.name.lower())
    page = roles[offset : offset + max_items]
    more = offset + max_items < len(roles)
    result: dict[str, Any] = {
        "UserDetailList": [],
        "GroupDetailList": [],
        "RoleDetailList": page,
        "Policies": [],
        "IsTruncated": more,
    }
    if more:
        result["Marker"] = _marker(offset + max_items)
    return ActionResult(result)


def install() -> None:
    if _moto:
        return
    _moto["get_account_authorization_details"] = IamResponse.get_account_authorization_details
    IamResponse.get_account_authorization_details = get_account_authorization_details
