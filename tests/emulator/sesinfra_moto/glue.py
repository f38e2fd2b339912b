"""Glue Data Catalog and Athena fixes for the database and table of `analytics.athena`.

1. Input validation.  moto stores any DatabaseInput / TableInput.  AWS checks the
   request against the service model first (required members such as a column's
   `Name`, lengths: a column type up to 131,072 characters, a parameter key up to
   255, at most 50 tags ...) and answers `InvalidInputException` (HTTP 400).
   Hook: `GlueResponse.create_database`, `update_database`, `create_table`,
   `update_table`, `tag_resource`, `untag_resource` (validated with
   `validation.validate_input` against botocore's `glue` model first).

2. Names.  Glue folds database and table names to lower case ("for Hive
   compatibility"); moto kept them as written, so a mixed-case name read back
   differently on AWS.  Hook: the same create calls, and the reads and deletes by
   name (`get_database`, `get_table`, `get_tables`, `delete_table`,
   `delete_database`).

3. Tags.  AWS removes a database's tags with the database; moto kept them, so the
   Resource Groups Tagging API went on listing a deleted database.  `GetTags` of a
   database that does not exist is `EntityNotFoundException` on AWS; moto answered
   `{}`.  Glue cannot tag tables: `TagResource` on a table ARN is
   `InvalidInputException`.  Hooks: `delete_database`, `get_tags`, `tag_resource`.

4. Athena `GetQueryResults` returned every row in one answer.  AWS pages them:
   `MaxResults` 1-1,000 (default 1,000) rows per page, `NextToken` to go on.  The
   canned results (moto's `/moto-api/static/athena/query-results`) are paged here
   the same way.  Hook: `AthenaResponse.get_query_results`.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

import botocore.session
from moto.athena.responses import AthenaResponse
from moto.glue.exceptions import EntityNotFoundException, GlueClientError
from moto.glue.responses import GlueResponse

from .errors import BadRequestException
from .validation import validate_input

MODEL = botocore.session.get_session().get_service_model("glue")

_moto: dict[str, Callable[..., Any]] = {}


class InvalidInputException(GlueClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidInputException", message)


def _validate(response: GlueResponse, operation: str) -> None:
    try:
        validate_input(MODEL.operation_model(_pascal(operation)), response.parameters)
    except BadRequestException as error:
        raise InvalidInputException(error.message) from None
    _fold_body(response)


def _validated(operation: str) -> Callable[..., Any]:
    def handler(self: GlueResponse) -> Any:
        _validate(self, operation)
        return _moto[operation](self)

    return handler


def _fold_body(response: GlueResponse) -> None:
    """moto re-reads `parameters` from the body on every access: fold it there."""
    params = response.parameters
    _fold_names(params)
    response.body = json.dumps(params)


def _pascal(snake: str) -> str:
    return "".join(part.capitalize() for part in snake.split("_"))


def _fold_names(params: dict[str, Any]) -> None:
    """Glue stores database and table names in lower case."""
    for key in ("Name", "DatabaseName"):
        if isinstance(params.get(key), str):
            params[key] = params[key].lower()
    for key in ("DatabaseInput", "TableInput"):
        body = params.get(key)
        if isinstance(body, dict) and isinstance(body.get("Name"), str):
            body["Name"] = body["Name"].lower()


def _folding(operation: str) -> Callable[..., Any]:
    original = _moto[operation]

    def handler(self: GlueResponse) -> Any:
        _fold_body(self)
        return original(self)

    return handler


_DATABASE_ARN = re.compile(r"^arn:[^:]+:glue:[^:]*:[^:]*:database/(.+)$")
_TABLE_ARN = re.compile(r"^arn:[^:]+:glue:[^:]*:[^:]*:table/")


def _delete_database(self: GlueResponse) -> Any:
    _fold_body(self)
    name = self.parameters.get("Name")
    result = _moto["delete_database"](self)
    tagger = self.glue_backend.tagger
    for arn in list(tagger.tags):
        match = _DATABASE_ARN.match(arn)
        if match and match.group(1) == name:
            tagger.delete_all_tags_for_resource(arn)
    return result


def _get_tags(self: GlueResponse) -> Any:
    arn = self.parameters.get("ResourceArn", "")
    match = _DATABASE_ARN.match(arn)
    if match and match.group(1).lower() not in self.glue_backend.databases:
        raise EntityNotFoundException(f"Database {match.group(1)} not found.")
    return _moto["get_tags"](self)


def _tag_resource(self: GlueResponse) -> Any:
    if _TABLE_ARN.match(self.parameters.get("ResourceArn", "")):
        raise InvalidInputException("Tagging is not supported for tables.")
    _validate(self, "tag_resource")
    return _moto["tag_resource"](self)


_PAGE_MAX = 1000


def _get_query_results(self: AthenaResponse) -> str:
    exec_id = self._get_param("QueryExecutionId")
    max_results = self._get_param("MaxResults")
    if max_results is None:
        max_results = _PAGE_MAX
    if not isinstance(max_results, int) or not 1 <= max_results <= _PAGE_MAX:
        return self.error(f"MaxResults must be between 1 and {_PAGE_MAX}", 400)
    token = self._get_param("NextToken")
    start = 0
    if token:
        if not (token.startswith(f"{exec_id}:") and token.split(":", 1)[1].isdigit()):
            return self.error("The NextToken is not valid for this query", 400)
        start = int(token.split(":", 1)[1])
    whole = self.athena_backend.get_query_results(exec_id).to_dict()
    rows = whole["ResultSet"]["Rows"]
    page = dict(whole)
    page["ResultSet"] = dict(whole["ResultSet"], Rows=rows[start : start + max_results])
    if start + max_results < len(rows):
        page["NextToken"] = f"{exec_id}:{start + max_results}"
    return json.dumps(page)


def install() -> None:
    if _moto:
        return
    for name in (
        "create_database",
        "update_database",
        "create_table",
        "update_table",
        "tag_resource",
        "untag_resource",
        "get_database",
        "get_table",
        "get_tables",
        "delete_table",
        "delete_database",
        "get_tags",
    ):
        _moto[name] = getattr(GlueResponse, name)
    for name in ("create_database", "update_database", "create_table", "update_table", "untag_resource"):
        setattr(GlueResponse, name, _validated(name))
    for name in ("get_database", "get_table", "get_tables", "delete_table"):
        setattr(GlueResponse, name, _folding(name))
    GlueResponse.delete_database = _delete_database
    GlueResponse.get_tags = _get_tags
    GlueResponse.tag_resource = _tag_resource
    _moto["get_query_results"] = AthenaResponse.get_query_results
    AthenaResponse.get_query_results = _get_query_results
