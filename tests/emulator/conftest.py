"""Fixtures: one emulator (server.py) per test session, boto3 clients against it."""

from __future__ import annotations

import json
import os
import re
import selectors
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import Any, Iterator

import boto3
import pytest
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "server.py")
READY = re.compile(r"READY (http://127\.0\.0\.1:\d+)\n")
START_TIMEOUT = 60.0

# The emulator is on loopback: never reach it through a proxy from the environment.
os.environ["NO_PROXY"] = ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost"]))
os.environ["no_proxy"] = os.environ["NO_PROXY"]
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Emulator:
    """A running server.py subprocess."""

    def __init__(self, process: subprocess.Popen[bytes], url: str):
        self.process = process
        self.url = url

    def post_json(self, path: str, payload: Any, method: str = "POST") -> tuple[int, Any]:
        request = urllib.request.Request(
            self.url + path,
            data=json.dumps(payload).encode(),
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with DIRECT.open(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def start_emulator(*extra_args: str) -> Emulator:
    """Start server.py on a free loopback port; fail loudly unless it prints READY."""
    process = subprocess.Popen(
        [sys.executable, SERVER, "--host", "127.0.0.1", "--port", "0", *extra_args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    line = b""
    deadline = time.monotonic() + START_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(remaining):
                break
            chunk = os.read(process.stdout.fileno(), 1)
            if not chunk:  # stdout closed: the server died
                break
            line += chunk
    match = READY.fullmatch(line.decode(errors="replace"))
    if not match:
        process.kill()
        _, stderr = process.communicate(timeout=10)
        pytest.fail(
            f"emulator did not start (exit code {process.returncode}); stdout {line!r}; "
            f"stderr:\n{stderr.decode(errors='replace')}",
            pytrace=False,
        )
    return Emulator(process, match.group(1))


def stop_emulator(emulator: Emulator) -> None:
    if emulator.process.poll() is None:
        emulator.process.terminate()
        try:
            emulator.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            emulator.process.kill()
            emulator.process.wait()
    for stream in (emulator.process.stdin, emulator.process.stdout, emulator.process.stderr):
        if stream:
            stream.close()


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    running = start_emulator()
    yield running
    stop_emulator(running)


@pytest.fixture(autouse=True)
def fresh_state(request: pytest.FixtureRequest) -> None:
    """Every test that uses the shared emulator starts from empty backends."""
    if "emulator" in request.fixturenames:
        emulator = request.getfixturevalue("emulator")
        status, _ = emulator.post_json("/moto-api/reset", {})
        assert status == 200


def make_client(emulator: Emulator, service: str, **config: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator.url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, **config),
    )


@pytest.fixture
def sesv2(emulator: Emulator) -> Any:
    return make_client(emulator, "sesv2")


@pytest.fixture
def sesv2_raw(emulator: Emulator) -> Any:
    """No client-side validation: the request reaches the server as given."""
    return make_client(emulator, "sesv2", parameter_validation=False)


@pytest.fixture
def ses(emulator: Emulator) -> Any:
    """SES v1 (query protocol), on the same identities as `sesv2`."""
    return make_client(emulator, "ses")


@pytest.fixture
def s3(emulator: Emulator) -> Any:
    return make_client(emulator, "s3", s3={"addressing_style": "path"})


@pytest.fixture
def firehose(emulator: Emulator) -> Any:
    return make_client(emulator, "firehose")


@pytest.fixture
def sns(emulator: Emulator) -> Any:
    return make_client(emulator, "sns")


@pytest.fixture
def cloudwatch(emulator: Emulator) -> Any:
    """CloudWatch through the Smithy RPC v2 CBOR translator (botocore speaks it)."""
    return make_client(emulator, "cloudwatch")
