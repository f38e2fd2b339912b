"""IAM GetAccountAuthorizationDetails with Filter=Role: paged by MaxItems and
Marker as AWS pages it, each role with its policies and tags."""

from __future__ import annotations

import json
from typing import Any

import botocore.exceptions
import pytest

from conftest import Emulator, make_client

TRUST = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ses.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)


@pytest.fixture
def iam(emulator: Emulator) -> Any:
    return make_client(emulator, "iam")


def test_roles_come_in_pages_of_max_items_and_every_role_once(iam: Any) -> None:
    for i in range(7):
        iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=TRUST, Path="/p/")
    seen: list[str] = []
    pages = 0
    kwargs: dict[str, Any] = {"Filter": ["Role"], "MaxItems": 3}
    while True:
        page = iam.get_account_authorization_details(**kwargs)
        pages += 1
        assert len(page["RoleDetailList"]) <= 3
        seen += [r["RoleName"] for r in page["RoleDetailList"]]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        kwargs["Marker"] = page["Marker"]
    assert pages == 3
    assert seen == sorted(f"role-{i}" for i in range(7))


def test_the_default_page_is_100_roles(iam: Any) -> None:
    for i in range(101):
        iam.create_role(RoleName=f"r{i:03}", AssumeRolePolicyDocument=TRUST)
    page = iam.get_account_authorization_details(Filter=["Role"])
    assert len(page["RoleDetailList"]) == 100
    assert page["IsTruncated"] is True


def test_a_role_comes_with_inline_and_attached_policies_and_tags(iam: Any) -> None:
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST, Path="/sesinfra/s/", Tags=[{"Key": "k", "Value": "v"}])
    document = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
    iam.put_role_policy(RoleName="r", PolicyName="inline", PolicyDocument=document)
    arn = iam.create_policy(PolicyName="managed", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="r", PolicyArn=arn)
    (role,) = iam.get_account_authorization_details(Filter=["Role"])["RoleDetailList"]
    assert role["Path"] == "/sesinfra/s/"
    assert role["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [p["PolicyName"] for p in role["RolePolicyList"]] == ["inline"]
    assert role["AttachedManagedPolicies"] == [{"PolicyName": "managed", "PolicyArn": arn}]


@pytest.mark.parametrize("max_items", [0, 1001])
def test_max_items_outside_1_to_1000_is_refused(emulator: Emulator, max_items: int) -> None:
    raw = make_client(emulator, "iam", parameter_validation=False)
    with pytest.raises(botocore.exceptions.ClientError) as error:
        raw.get_account_authorization_details(Filter=["Role"], MaxItems=max_items)
    assert error.value.response["Error"]["Code"] == "ValidationError"


def test_a_marker_that_is_not_ours_is_refused(iam: Any) -> None:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        iam.get_account_authorization_details(Filter=["Role"], Marker="bogus")
    assert error.value.response["Error"]["Code"] == "ValidationError"
