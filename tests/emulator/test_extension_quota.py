"""Quotas and latency (quota.py): each service's real throttling error once its
quota is used up, counters of calls and throttled answers, the control endpoint,
and server.py's options.  (Timing is measured by bench/, not asserted here.)"""

from __future__ import annotations

import json
from typing import Any, Iterator

import botocore.exceptions
import pytest

from conftest import DIRECT, Emulator, make_client, start_emulator, stop_emulator

QUOTA = "/_sesinfra/quota"


@pytest.fixture(scope="module")
def limited() -> Iterator[Emulator]:
    running = start_emulator("--quotas", "--rate", "sts=30", "--rate-scale", "2")
    yield running
    stop_emulator(running)


SERVER_SETTINGS = {
    "latency_ms": 20,
    "services": {
        "ses": {"rate": 20, "burst": 20},
        "firehose": {"rate": 10, "burst": 10},
        "iam": {"rate": 40, "burst": 40},
        "s3": {"rate": 100, "burst": 100},
        "sts": {"rate": 60, "burst": 60},
        "tagging": None,
    },
}


@pytest.fixture(autouse=True)
def as_started(request: pytest.FixtureRequest) -> None:
    """Tests on the limited emulator start from its server options' settings."""
    if "limited" in request.fixturenames:
        assert request.getfixturevalue("limited").post_json(QUOTA, SERVER_SETTINGS)[0] == 200


def get(emulator: Emulator, path: str) -> Any:
    with DIRECT.open(emulator.url + path, timeout=10) as response:
        return json.loads(response.read())


def one_call_per_hour(emulator: Emulator, service: str) -> None:
    """A quota that admits one call, then throttles (no refill within a test)."""
    status, body = emulator.post_json(QUOTA, {"services": {service: {"rate": 1 / 3600, "burst": 1}}})
    assert status == 200, body
    assert emulator.post_json(QUOTA, None, method="DELETE")[0] == 200


def test_server_options_set_the_issue_defaults_scaled(limited: Emulator) -> None:
    state = get(limited, QUOTA)
    assert state["latency_ms"] == 20
    rates = {name: s["rate"] for name, s in state["services"].items()}
    # --quotas, with sts added and every rate doubled.
    assert rates == {"ses": 20, "firehose": 10, "iam": 40, "s3": 100, "sts": 60}
    assert state["services"]["ses"]["burst"] == 20


def throttled(call: Any) -> dict[str, Any]:
    with pytest.raises(botocore.exceptions.ClientError) as error:
        call()
    return error.value.response


@pytest.mark.parametrize(
    ("service", "status", "code"),
    [
        ("ses", 429, "TooManyRequestsException"),
        ("firehose", 400, "LimitExceededException"),
        ("iam", 400, "Throttling"),
        ("sts", 400, "Throttling"),
        ("s3", 503, "SlowDown"),
        ("tagging", 400, "ThrottledException"),
    ],
)
def test_a_call_over_the_quota_gets_the_services_throttling_error(
    limited: Emulator, service: str, status: int, code: str
) -> None:
    one_call_per_hour(limited, service)
    clients = {
        "ses": lambda: make_client(limited, "sesv2").list_configuration_sets(),
        "firehose": lambda: make_client(limited, "firehose").list_delivery_streams(),
        "iam": lambda: make_client(limited, "iam").list_roles(),
        "sts": lambda: make_client(limited, "sts").get_caller_identity(),
        "s3": lambda: make_client(limited, "s3", s3={"addressing_style": "path"}).list_buckets(),
        "tagging": lambda: make_client(limited, "resourcegroupstaggingapi").get_resources(
            ResourceTypeFilters=["ses:configuration-set"]
        ),
    }
    call = clients[service]
    call()  # the one call the quota admits
    response = throttled(call)
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
    counted = get(limited, QUOTA)["services"][service]
    assert (counted["calls"], counted["throttled"]) == (2, 1)


def test_throttled_calls_never_reach_the_journal_and_control_is_never_limited(limited: Emulator) -> None:
    one_call_per_hour(limited, "iam")
    limited.post_json("/_sesinfra/requests", None, method="DELETE")
    iam = make_client(limited, "iam")
    iam.list_roles()
    for _ in range(3):
        throttled(iam.list_roles)
    for _ in range(5):
        assert get(limited, "/_sesinfra/requests") == [{"service": "iam", "operation": "ListRoles"}]
    assert get(limited, QUOTA)["services"]["iam"]["throttled"] == 3


def test_other_services_are_not_limited_by_one_services_quota(limited: Emulator) -> None:
    one_call_per_hour(limited, "iam")
    make_client(limited, "iam").list_roles()
    firehose = make_client(limited, "firehose")
    for _ in range(5):
        firehose.list_delivery_streams()
    state = get(limited, QUOTA)["services"]
    assert state["firehose"] == {**state["firehose"], "calls": 5, "throttled": 0}


def test_a_lifted_limit_admits_everything(limited: Emulator) -> None:
    one_call_per_hour(limited, "sts")
    assert limited.post_json(QUOTA, {"services": {"sts": None}})[0] == 200
    sts = make_client(limited, "sts")
    for _ in range(3):
        sts.get_caller_identity()
    assert get(limited, QUOTA)["services"]["sts"]["rate"] is None


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"services": {"sqs": {"rate": 1}}},
        {"services": {"ses": {"rate": 0}}},
        {"services": {"ses": {"rate": 5, "burst": 0.5}}},
        {"latency_ms": -1},
    ],
)
def test_bad_settings_are_refused(limited: Emulator, body: Any) -> None:
    status, answer = limited.post_json(QUOTA, body)
    assert status == 400
    assert answer["message"]


def test_without_options_nothing_is_limited_but_calls_are_counted(emulator: Emulator) -> None:
    emulator.post_json(QUOTA, None, method="DELETE")
    sts = make_client(emulator, "sts")
    for _ in range(30):
        sts.get_caller_identity()
    state = get(emulator, QUOTA)
    assert state["latency_ms"] == 0
    assert state["services"]["sts"] == {"rate": None, "burst": None, "calls": 30, "throttled": 0}
