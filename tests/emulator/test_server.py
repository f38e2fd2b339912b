"""The launcher: READY line, loopback only, and the ways it stops."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from conftest import DIRECT, SERVER, start_emulator, stop_emulator


def test_ready_line_then_answers_and_prints_nothing_else() -> None:
    emulator = start_emulator()
    try:
        with DIRECT.open(f"{emulator.url}/_sesinfra/health", timeout=10) as response:
            assert response.status == 200
    finally:
        stop_emulator_and_check(emulator.process, signal.SIGTERM)
    # (start_emulator already matched the one line exactly.)


def stop_emulator_and_check(process: subprocess.Popen[bytes], signum: int) -> None:
    process.send_signal(signum)
    assert process.wait(timeout=15) == 0
    assert process.stdout is not None
    assert process.stdout.read() == b""  # nothing after the READY line


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_stops_on_signal(signum: int) -> None:
    emulator = start_emulator()
    try:
        stop_emulator_and_check(emulator.process, signum)
    finally:
        stop_emulator(emulator)


def test_stops_when_stdin_closes() -> None:
    emulator = start_emulator()
    try:
        assert emulator.process.stdin is not None
        emulator.process.stdin.close()
        assert emulator.process.wait(timeout=15) == 0
    finally:
        stop_emulator(emulator)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "example.com"])
def test_refuses_non_loopback_host(host: str) -> None:
    result = subprocess.run(
        [sys.executable, SERVER, "--host", host, "--port", "0"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert b"READY" not in result.stdout
    assert b"loopback" in result.stderr


def test_moto_reset_also_drops_queued_faults() -> None:
    emulator = start_emulator()
    try:
        spec = {"operation": "GetConfigurationSet", "error": "TooManyRequestsException"}
        assert emulator.post_json("/_sesinfra/faults", spec)[0] == 200
        assert emulator.post_json("/_sesinfra/faults", None, method="GET")[1] != []
        assert emulator.post_json("/moto-api/reset", {})[0] == 200
        assert emulator.post_json("/_sesinfra/faults", None, method="GET")[1] == []
    finally:
        stop_emulator(emulator)


def test_start_failure_is_reported_loudly() -> None:
    with pytest.raises(pytest.fail.Exception) as info:
        start_emulator("--no-such-option")
    assert "did not start" in str(info.value) and "no-such-option" in str(info.value)
