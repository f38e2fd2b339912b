"""S3 fixes: XML root elements, bucket-policy evaluation, AccessDenied errors.

1. XML roots.  moto names a result's XML root `<{Operation}Response>` when the
   botocore model has no name for it.  S3 uses fixed names there, and the AWS
   SDK for Rust checks them ("invalid root, expected VersioningConfiguration").
   Hook: `BaseXMLSerializer._serialized_result_to_response` (the step that
   wraps the body in its root element), for S3 results only.

2. Bucket policies.  moto evaluated object requests against the bucket policy
   with only `StringEquals` understood; any other operator counted as matching,
   and a statement whose condition failed was turned into a deny.  So the usual
   TLS-only policy (Deny s3:* when Bool aws:SecureTransport is "false") denied
   every object read and write.  Here a statement applies only when its
   action, resource, principal and every condition match; a Deny that applies
   denies, an Allow that applies allows, nothing else changes the outcome.
   Hook: `FakeBucket.get_permission`.

3. AccessDenied.  A denied object request answered 403 with an empty body; S3
   answers an `<Error><Code>AccessDenied</Code>...` document.
   Hook: `S3Response._key_response`.

Request context used by conditions: the emulator stands in for S3 reached over
HTTPS, so aws:SecureTransport is "true"; aws:SourceIp is the client address;
s3:x-amz-* keys come from the request headers of the same name.
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from typing import Any

from moto.core.serialize import BaseXMLSerializer, S3Serializer
from moto.iam.access_control import PermissionResult
from moto.s3.exceptions import S3AccessDeniedError
from moto.s3.models import FakeBucket
from moto.s3.responses import S3Response

# ----------------------------------------------------------------------------- 1. XML roots

# Operation (as moto names it) -> root element S3 sends.
XML_ROOTS = {
    "GetBucketVersioning": "VersioningConfiguration",
    "GetBucketAccelerateConfiguration": "AccelerateConfiguration",
    "GetBucketNotificationConfiguration": "NotificationConfiguration",
    # moto answers an empty ?notification query as the deprecated operation.
    "GetBucketNotification": "NotificationConfiguration",
}

_moto: dict[str, Any] = {}


def _serialized_result_to_response(self: BaseXMLSerializer, resp: Any, result: Any, shape: Any, serialized: Any) -> Any:
    root = XML_ROOTS.get(self.operation_model.name) if isinstance(self, S3Serializer) else None
    if root is None:
        return _moto["_serialized_result_to_response"](self, resp, result, shape, serialized)
    document = {root: serialized}
    self._serialize_namespace_attribute(document[root])  # xmlns="http://s3.amazonaws.com/doc/2006-03-01/"
    resp["body"] = self._serialize_body(document)
    resp["headers"]["Content-Type"] = self.CONTENT_TYPE
    return resp


# ----------------------------------------------------------------------------- 2. bucket policies

_request = threading.local()  # condition context of the object request being handled


def _values(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _like(pattern: str, value: str) -> bool:
    """IAM wildcard match: * any run of characters, ? one character."""
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value, re.S) is not None


def _in_network(network: str, address: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


# Positive operators: true when the request value matches one of the policy values.
_MATCHERS = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringEqualsIgnoreCase": lambda expected, actual: actual.lower() == expected.lower(),
    "StringLike": _like,
    "Bool": lambda expected, actual: actual.lower() == expected.lower(),
    "IpAddress": _in_network,
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": _like,
}
# Negated operators: true when the request value matches none of the policy values.
_NEGATIONS = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _condition_holds(operator: str, key: str, expected: Any, context: dict[str, str]) -> bool | None:
    """One operator/key pair of a Condition block; None if the operator is not understood."""
    actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if operator == "Null":  # "true": the key must be absent; "false": present
        return any(str(e).lower() == ("true" if actual is None else "false") for e in _values(expected))
    if_exists = operator.endswith("IfExists")
    base = operator[: -len("IfExists")] if if_exists else operator
    negated = base in _NEGATIONS
    matcher = _MATCHERS.get(_NEGATIONS.get(base, base))
    if matcher is None:
        return None
    if actual is None:
        return if_exists or negated
    matched = any(matcher(str(e), actual) for e in _values(expected))
    return not matched if negated else matched


def _statement_applies(statement: dict[str, Any], action: str, resource: str, context: dict[str, str]) -> bool:
    if "Action" in statement:
        if not any(_like(a.lower(), action.lower()) for a in _values(statement["Action"])):
            return False
    elif "NotAction" in statement:
        if any(_like(a.lower(), action.lower()) for a in _values(statement["NotAction"])):
            return False
    if "Resource" in statement:
        if not any(_like(r, resource) for r in _values(statement["Resource"])):
            return False
    elif "NotResource" in statement:
        if any(_like(r, resource) for r in _values(statement["NotResource"])):
            return False
    # The caller is not identified (moto runs without IAM): only statements for
    # everyone ("*" / {"AWS": "*"}) or with NotPrincipal concern it.
    if "Principal" in statement:
        principal = statement["Principal"]
        everyone = principal == "*" or (isinstance(principal, dict) and "*" in _values(principal.get("AWS", [])))
        if not everyone:
            return False
    for operator, pairs in (statement.get("Condition") or {}).items():
        if not isinstance(pairs, dict):
            return False
        for key, expected in pairs.items():
            if not _condition_holds(operator, key, expected, context):  # False or not understood
                return False
    return True


def get_permission(self: FakeBucket, action: str, resource: str) -> PermissionResult:
    # Replaces moto's evaluation (see module docstring, defect 2).
    if self.policy is None:
        return PermissionResult.NEUTRAL
    try:
        policy = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
    except ValueError:
        return PermissionResult.NEUTRAL
    # IAM has no HeadObject / PostObject actions: HEAD is authorised as GetObject,
    # a POST upload as PutObject.
    action = {"s3:HeadObject": "s3:GetObject", "s3:PostObject": "s3:PutObject"}.get(action, action)
    context = getattr(_request, "context", None) or {"aws:SecureTransport": "true"}
    allowed = False
    for statement in _values(policy.get("Statement", [])):
        if isinstance(statement, dict) and _statement_applies(statement, action, resource, context):
            if statement.get("Effect") == "Deny":
                return PermissionResult.DENIED
            allowed = allowed or statement.get("Effect") == "Allow"
    return PermissionResult.PERMITTED if allowed else PermissionResult.NEUTRAL


# ----------------------------------------------------------------------------- 3. AccessDenied


def _key_response(self: S3Response, request: Any, full_url: str) -> Any:
    context = {"aws:SecureTransport": "true"}
    if getattr(request, "remote_addr", None):
        context["aws:SourceIp"] = request.remote_addr
    for header, value in request.headers.items():
        if header.lower().startswith("x-amz-"):
            context[f"s3:{header.lower()}"] = value
    _request.context = context
    try:
        response = _moto["_key_response"](self, request, full_url)
    finally:
        _request.context = None
    if isinstance(response, tuple) and len(response) == 3 and response[0] == 403 and not response[2]:
        # moto's bare 403: raise S3's error instead; S3Response.key_response
        # serialises it as <Error><Code>AccessDenied</Code>...</Error>.
        raise S3AccessDeniedError()
    return response


def install() -> None:
    if _moto:
        return
    _moto["_serialized_result_to_response"] = BaseXMLSerializer._serialized_result_to_response
    BaseXMLSerializer._serialized_result_to_response = _serialized_result_to_response
    FakeBucket.get_permission = get_permission
    _moto["_key_response"] = S3Response._key_response
    S3Response._key_response = _key_response
