"""Glue and Athena fixes: validation, lower-case names, database tags, result paging."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from conftest import Emulator, make_client

DATABASE_ARN = "arn:aws:glue:us-east-1:123456789012:database/ses_history"
TABLE = {
    "Name": "Events",
    "TableType": "EXTERNAL_TABLE",
    "StorageDescriptor": {
        "Columns": [{"Name": "eventtype", "Type": "string"}],
        "Location": "s3://bucket/ses/",
        "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
    },
    "PartitionKeys": [{"Name": "dt", "Type": "string"}],
    "Parameters": {"projection.enabled": "true", "projection.dt.type": "date"},
}


@pytest.fixture
def glue(emulator: Emulator) -> Any:
    return make_client(emulator, "glue")


@pytest.fixture
def glue_raw(emulator: Emulator) -> Any:
    """No client-side validation: the request reaches the server as given."""
    return make_client(emulator, "glue", parameter_validation=False)


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return error.value.response["Error"]["Code"]


def test_names_are_folded_to_lower_case_and_the_table_reads_back_whole(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "SES_History"}, Tags={"sesinfra:stack": "mail"})
    glue.create_table(DatabaseName="ses_history", TableInput=TABLE)
    table = glue.get_table(DatabaseName="SES_HISTORY", Name="events")["Table"]
    assert table["Name"] == "events"
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    assert table["Parameters"] == TABLE["Parameters"]
    assert table["StorageDescriptor"]["SerdeInfo"] == TABLE["StorageDescriptor"]["SerdeInfo"]
    assert [t["Name"] for t in glue.get_tables(DatabaseName="ses_history")["TableList"]] == ["events"]


def test_input_is_validated_against_the_model(glue_raw: Any) -> None:
    glue_raw.create_database(DatabaseInput={"Name": "db"})
    bad_column = {**TABLE, "StorageDescriptor": {**TABLE["StorageDescriptor"], "Columns": [{"Type": "string"}]}}
    with pytest.raises(ClientError) as error:
        glue_raw.create_table(DatabaseName="db", TableInput=bad_column)
    assert code(error) == "InvalidInputException"
    assert "Name" in error.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as error:
        glue_raw.create_table(DatabaseName="db", TableInput={**TABLE, "Parameters": {"k" * 256: "v"}})
    assert code(error) == "InvalidInputException"
    with pytest.raises(ClientError) as error:
        glue_raw.create_database(DatabaseInput={"Name": ""})
    assert code(error) == "InvalidInputException"


def test_tags_go_with_the_database_and_tables_take_none(glue: Any, emulator: Emulator) -> None:
    tagging = make_client(emulator, "resourcegroupstaggingapi")
    glue.create_database(DatabaseInput={"Name": "ses_history"}, Tags={"sesinfra:stack": "mail"})
    listed = tagging.get_resources(ResourceTypeFilters=["glue:database"])["ResourceTagMappingList"]
    assert [r["ResourceARN"] for r in listed] == [DATABASE_ARN]
    glue.create_table(DatabaseName="ses_history", TableInput=TABLE)
    with pytest.raises(ClientError) as error:
        glue.tag_resource(
            ResourceArn="arn:aws:glue:us-east-1:123456789012:table/ses_history/events", TagsToAdd={"a": "b"}
        )
    assert code(error) == "InvalidInputException"
    glue.delete_database(Name="ses_history")
    assert tagging.get_resources(ResourceTypeFilters=["glue:database"])["ResourceTagMappingList"] == []
    with pytest.raises(ClientError) as error:
        glue.get_tags(ResourceArn=DATABASE_ARN)
    assert code(error) == "EntityNotFoundException"


def test_athena_pages_query_results(emulator: Emulator) -> None:
    athena = make_client(emulator, "athena")
    rows = [{"Data": [{"VarCharValue": "n"}]}] + [{"Data": [{"VarCharValue": str(i)}]} for i in range(2500)]
    status, _ = emulator.post_json(
        "/moto-api/static/athena/query-results",
        {"region": "us-east-1", "results": [{"rows": rows, "column_info": [{"Name": "n", "Type": "varchar"}]}]},
    )
    assert status == 201
    query = athena.start_query_execution(QueryString="SELECT 1", WorkGroup="primary")["QueryExecutionId"]
    pages = []
    token = None
    while True:
        page = athena.get_query_results(QueryExecutionId=query, **({"NextToken": token} if token else {}))
        pages.append(len(page["ResultSet"]["Rows"]))
        token = page.get("NextToken")
        if not token:
            break
    assert pages == [1000, 1000, 501]
    with pytest.raises(ClientError) as error:
        athena.get_query_results(QueryExecutionId=query, MaxResults=1001)
    assert code(error) == "InvalidRequestException"
