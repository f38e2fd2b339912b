"""The launcher: READY line, loopback only, and the ways it stops."""

from __future__ import annotations

import signal
import subprocess
import sys
import urllib.request

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


def _fork_server() -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, SERVER, "--host", "127.0.0.1", "--fork-server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == b"FORK-SERVER READY\n"
    return process


def _ask(process: subprocess.Popen[bytes], command: str) -> str:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(command.encode() + b"\n")
    process.stdin.flush()
    return process.stdout.readline().decode().strip()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_fork_server_starts_isolated_emulators_and_stops_them(tmp_path) -> None:
    import json

    process = _fork_server()
    try:
        started = []
        for name in ("a", "b"):
            answer = _ask(process, f"start {tmp_path / name}.log")
            ready, url, pid = answer.split(" ")
            assert ready == "READY" and url.startswith("http://127.0.0.1:")
            started.append((url, int(pid)))
        (url_a, pid_a), (url_b, pid_b) = started
        assert url_a != url_b
        # The fork server's warm-up calls left nothing behind.
        with DIRECT.open(f"{url_a}/_sesinfra/requests", timeout=10) as response:
            assert json.loads(response.read()) == []
        fault = json.dumps({"operation": "GetAccount", "error": "TooManyRequestsException"}).encode()
        request = urllib.request.Request(f"{url_a}/_sesinfra/faults", data=fault, method="POST")
        assert DIRECT.open(request, timeout=10).status == 200
        # State is each emulator's own.
        with DIRECT.open(f"{url_b}/_sesinfra/faults", timeout=10) as response:
            assert json.loads(response.read()) == []
        assert _ask(process, f"stop {pid_a}") == f"STOPPED {pid_a}"
        _wait_until(lambda: not _alive(pid_a))
        assert _alive(pid_b)
        assert _ask(process, "stop 1").startswith("FAILED")  # not one of its own
        # End of file stops the rest.
        assert process.stdin is not None
        process.stdin.close()
        assert process.wait(timeout=15) == 0
        _wait_until(lambda: not _alive(pid_b))
    finally:
        process.kill()
        process.wait()


def _wait_until(condition) -> None:
    import time

    deadline = time.monotonic() + 15
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
