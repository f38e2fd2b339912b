"""Server-side input validation driven by botocore's service model.

moto trusts its input; AWS does not.  This walks an operation's input shape the
way the service does before it looks at the request: required members, member
types, enum values, and the length / range constraints the model declares.  The
first violation becomes a `BadRequestException` (HTTP 400), as SES v2 answers.

Unknown members are ignored, as AWS ignores unknown JSON members.
"""

from __future__ import annotations

import re
from typing import Any

from botocore.model import OperationModel, Shape

from .errors import BadRequestException


def _fail(path: str, value: Any, constraint: str) -> None:
    raise BadRequestException(
        f"1 validation error detected: Value '{value}' at '{path}' failed to "
        f"satisfy constraint: {constraint}"
    )


def _check(shape: Shape, value: Any, path: str) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        if not isinstance(value, dict):
            _fail(path, value, "Member must be an object")
        for name in shape.required_members:
            if value.get(name) is None:
                _fail(f"{path}.{name}" if path else name, None, "Member must not be null")
        set_members = [n for n in shape.members if value.get(n) is not None]
        if meta.get("union") and len(set_members) != 1:
            _fail(path, value, "Exactly one member of the union must be set")
        for name in set_members:
            _check(shape.members[name], value[name], f"{path}.{name}" if path else name)
    elif kind == "list":
        if not isinstance(value, list):
            _fail(path, value, "Member must be a list")
        _check_length(meta, value, path)
        for index, item in enumerate(value, start=1):
            _check(shape.member, item, f"{path}.{index}.member")
    elif kind == "map":
        if not isinstance(value, dict):
            _fail(path, value, "Member must be a map")
        for key, item in value.items():
            _check(shape.key, key, f"{path}.key")
            _check(shape.value, item, f"{path}.{key}")
    elif kind == "string":
        if not isinstance(value, str):
            _fail(path, value, "Member must be a string")
        if shape.enum and value not in shape.enum:
            _fail(path, value, f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        _check_length(meta, value, path)
        pattern = meta.get("pattern")
        if pattern:
            try:
                matches = re.search(pattern, value) is not None
            except re.error:  # a Java-only construct; skip rather than reject
                matches = True
            if not matches:
                _fail(path, value, f"Member must satisfy regular expression pattern: {pattern}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            _fail(path, value, "Member must be an integer")
        if "min" in meta and value < meta["min"]:
            _fail(path, value, f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            _fail(path, value, f"Member must have value less than or equal to {meta['max']}")
    elif kind == "boolean":
        if not isinstance(value, bool):
            _fail(path, value, "Member must be a boolean")
    elif kind == "timestamp":
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            _fail(path, value, "Member must be a timestamp")


def _check_length(meta: dict[str, Any], value: Any, path: str) -> None:
    if "min" in meta and len(value) < meta["min"]:
        _fail(path, value, f"Member must have length greater than or equal to {meta['min']}")
    if "max" in meta and len(value) > meta["max"]:
        _fail(path, value, f"Member must have length less than or equal to {meta['max']}")


def validate_input(operation: OperationModel, params: dict[str, Any]) -> None:
    """Raise BadRequestException unless `params` satisfy the operation's input shape."""
    if operation.input_shape is not None:
        _check(operation.input_shape, params, "")
