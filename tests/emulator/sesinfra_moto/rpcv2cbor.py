"""Smithy RPC v2 CBOR in front of moto's CloudWatch.

The AWS SDK for Rust (aws-sdk-cloudwatch 1.140) and botocore 1.44 speak the
`smithy.protocols#rpcv2Cbor` protocol to CloudWatch; moto 5.2.5 reads only its
query and JSON protocols.  This WSGI layer, between the control middleware (so
the journal records each request once, as received) and moto, translates:

    POST /service/GraniteServiceVersion20100801/operation/<Operation>
    smithy-protocol: rpc-v2-cbor
    Content-Type: application/cbor
    <CBOR input structure>

* The body is decoded with cbor2 (timestamps arrive as tag 1 epoch seconds),
  validated against the operation's input shape in botocore's model, and
  handed to moto as the same operation in the JSON 1.0 protocol
  (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`).
* moto's JSON answer is re-encoded as CBOR following the output shape:
  timestamps as tag 1 over a double (epoch seconds), doubles as floats, blobs
  as byte strings; headers `smithy-protocol: rpc-v2-cbor`,
  `Content-Type: application/cbor`.  An output without members is `{}`.
* Errors are a CBOR map `{"__type": "com.amazonaws.cloudwatch#<Shape>",
  "message": ...}` with the awsQueryCompatible header
  `x-amzn-query-error: <Code>;Sender` (the code the query protocol used, which
  the SDKs report), status from the model (400 when unmodelled).

Stricter than moto, as AWS is:

* Input constraints of the model (required members, enums, lengths, ranges)
  answer `MissingParameter` / `ValidationError` before moto sees the request.
* `PutMetricData` into a namespace beginning with `AWS/` is
  `InvalidParameterValue`: only AWS services publish there.  (SES's
  reputation metrics are staged with `/_sesinfra/account/reputation`,
  account.py.)
* A request to an operation the model lacks is `UnknownOperationException` (404).
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from functools import lru_cache
from http import HTTPStatus
from typing import Any, Callable, Iterable

import botocore.session
import cbor2
from botocore.model import OperationModel, Shape

from .errors import BadRequestException
from .validation import validate_input

PATH = re.compile(r"^/service/(?P<service>[^/]+)/operation/(?P<operation>[^/]+)$")
CONTENT_TYPE = "application/cbor"

# botocore service names served through this layer, by their Smithy service name
# (the model's targetPrefix).
SERVICES = ("cloudwatch",)
NAMESPACE = {"cloudwatch": "com.amazonaws.cloudwatch"}


@lru_cache(maxsize=None)
def _model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


@lru_cache(maxsize=None)
def _by_target_prefix() -> dict[str, str]:
    return {_model(s).metadata["targetPrefix"]: s for s in SERVICES}


class CborError(Exception):
    """An error answered in the rpcv2Cbor shape."""

    def __init__(self, shape: str, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.shape, self.code, self.message, self.status = shape, code, message, status


# --------------------------------------------------------------------------- encoding


def encode_error(service: str, shape: str, code: str, message: str, status: int) -> tuple[str, list[tuple[str, str]], bytes]:
    """The HTTP answer of an error: status line, headers, CBOR body."""
    body = cbor2.dumps({"__type": f"{NAMESPACE.get(service, service)}#{shape}", "message": message})
    headers = [
        ("smithy-protocol", "rpc-v2-cbor"),
        ("Content-Type", CONTENT_TYPE),
        ("x-amzn-query-error", f"{code};Sender"),
        ("x-amzn-RequestId", "sesinfra-cbor-0000"),
        ("Content-Length", str(len(body))),
    ]
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    return f"{status} {reason}", headers, body


def _to_json(shape: Shape, value: Any) -> Any:
    """A decoded CBOR input value as the JSON protocol writes it."""
    kind = shape.type_name
    if value is None:
        return None
    if kind == "structure" and isinstance(value, dict):
        return {k: _to_json(shape.members[k], v) for k, v in value.items() if k in shape.members}
    if kind == "list" and isinstance(value, list):
        return [_to_json(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _to_json(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, dt.datetime):
            if value.tzinfo is None:
                value = value.replace(tzinfo=dt.timezone.utc)
            return value.timestamp()
        if isinstance(value, cbor2.CBORTag) and value.tag == 1:
            return value.value
        return value  # validation rejects what is not a timestamp
    if kind == "blob" and isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    return value


def _epoch(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value)
    try:
        return float(text)
    except ValueError:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=dt.timezone.utc)
        return parsed.timestamp()


def _to_cbor(shape: Shape, value: Any) -> Any:
    """A JSON protocol output value as rpcv2Cbor encodes it."""
    kind = shape.type_name
    if kind == "structure":
        return {
            k: _to_cbor(shape.members[k], v)
            for k, v in (value or {}).items()
            if k in shape.members and v is not None
        }
    if kind == "list":
        return [_to_cbor(shape.member, v) for v in value]
    if kind == "map":
        return {k: _to_cbor(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        return cbor2.CBORTag(1, _epoch(value))
    if kind in ("double", "float"):
        return float(value)
    if kind in ("integer", "long"):
        return int(value)
    if kind == "blob":
        return base64.b64decode(value)
    return value


# --------------------------------------------------------------------------- checks


def _input(service: str, operation: OperationModel, raw: bytes) -> dict[str, Any]:
    try:
        decoded = cbor2.loads(raw) if raw else {}
    except Exception:  # cbor2 raises CBORDecodeError and ValueError subclasses
        raise CborError("SerializationException", "SerializationException", "The request body is not valid CBOR.") from None
    if not isinstance(decoded, dict):
        raise CborError("SerializationException", "SerializationException", "The request body must be a CBOR map.")
    params = _to_json(operation.input_shape, decoded) if operation.input_shape else {}
    try:
        validate_input(operation, params)
    except BadRequestException as problem:
        message = str(problem.message if hasattr(problem, "message") else problem)
        if "must not be null" in message:
            member = re.search(r"at '([^']+)'", message)
            name = member.group(1) if member else "?"
            raise CborError("MissingRequiredParameterException", "MissingParameter", f"The parameter {name} is required.") from None
        raise CborError("ValidationException", "ValidationError", message) from None
    if service == "cloudwatch" and operation.name == "PutMetricData":
        namespace = params.get("Namespace", "")
        if namespace.startswith("AWS/"):
            raise CborError(
                "InvalidParameterValueException",
                "InvalidParameterValue",
                f"The value {namespace} for parameter Namespace is invalid: namespaces beginning with AWS/ are reserved for AWS services.",
            )
    return params


# --------------------------------------------------------------------------- middleware


class RpcV2CborTranslator:
    """WSGI layer answering rpcv2Cbor requests through moto's JSON protocol."""

    def __init__(self, app: Callable[..., Iterable[bytes]]):
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        match = PATH.match(environ.get("PATH_INFO", ""))
        if not match or environ.get("HTTP_SMITHY_PROTOCOL") != "rpc-v2-cbor":
            return self.app(environ, start_response)
        service = _by_target_prefix().get(match.group("service"))
        if service is None:
            return self.app(environ, start_response)

        def answer(status: str, headers: list[tuple[str, str]], body: bytes) -> list[bytes]:
            start_response(status, headers)
            return [body]

        model = _model(service)
        name = match.group("operation")
        if environ.get("REQUEST_METHOD") != "POST":
            return answer(*encode_error(service, "UnknownOperationException", "UnknownOperationException", "rpcv2Cbor requests are POST.", 405))
        if name not in model.operation_names:
            return answer(*encode_error(service, "UnknownOperationException", "UnknownOperationException", f"Unknown operation {name}.", 404))
        operation = model.operation_model(name)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length else b""
        try:
            params = _input(service, operation, raw)
        except CborError as error:
            return answer(*encode_error(service, error.shape, error.code, error.message, error.status))

        # The same call in the JSON 1.0 protocol, which moto reads.
        body = json.dumps(params).encode()
        inner = dict(environ)
        inner.update(
            {
                "PATH_INFO": "/",
                "QUERY_STRING": "",
                "CONTENT_TYPE": "application/x-amz-json-1.0",
                "CONTENT_LENGTH": str(len(body)),
                "HTTP_X_AMZ_TARGET": f"{model.metadata['targetPrefix']}.{name}",
                "wsgi.input": io.BytesIO(body),
            }
        )
        inner.pop("HTTP_SMITHY_PROTOCOL", None)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            captured["status"], captured["headers"] = status, headers
            return lambda _data: None

        chunks = self.app(inner, capture)
        try:
            payload = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close:
                close()
        status_code = int(captured["status"].split()[0])
        headers = {k.lower(): v for k, v in captured["headers"]}
        try:
            document = json.loads(payload) if payload.strip() else {}
        except ValueError:
            document = {"message": payload.decode(errors="replace")}
        request_id = headers.get("x-amzn-requestid", "sesinfra-cbor-0000")
        if status_code >= 400:
            shape = str(document.get("__type", "InternalFailure")).rsplit("#", 1)[-1]
            code = headers.get("x-amzn-query-error", "").split(";")[0] or _query_code(model, shape)
            message = document.get("message") or document.get("Message") or ""
            return answer(*encode_error(service, shape, code, message, status_code))
        output = _to_cbor(operation.output_shape, document) if operation.output_shape else {}
        encoded = cbor2.dumps(output)
        return answer(
            "200 OK",
            [
                ("smithy-protocol", "rpc-v2-cbor"),
                ("Content-Type", CONTENT_TYPE),
                ("x-amzn-RequestId", request_id),
                ("Content-Length", str(len(encoded))),
            ],
            encoded,
        )


def _query_code(model: Any, shape: str) -> str:
    """The query-protocol code of an error shape (`awsQueryError`), else its name."""
    try:
        return model.shape_for(shape).metadata.get("error", {}).get("code", shape)
    except Exception:  # botocore raises NoShapeFoundError for unmodelled errors
        return shape
