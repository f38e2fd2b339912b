"""Scale benchmark: sesinfra against the test emulator behind its quota-and-latency
mode (tests/emulator/sesinfra_moto/quota.py). Run through bench/scale.sh.

For each stack (the reference stack, then N configuration sets with one Firehose
destination each and one identity per set) on a fresh emulator:

1. apply from empty, 2. plan with nothing to change, 3. apply with nothing to change.

Each is measured: calls per service (reads and writes, from the request journal),
throttled answers (the emulator's quota counters), wall time, peak RSS (GNU time),
whether a throttling error reached the user (exit status, stderr). Against:

* the quota bound: max over services of (calls admitted / the service's rate), the
  services running in parallel;
* the critical path of apply from empty: the same apply with every rate unlimited
  and the same latency, so only the chain of dependent calls (and sesinfra's own
  work) remains.

Prints a Markdown table per stack and a JSON line per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "tests", "emulator", "server.py")
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# The quotas (calls per second) and latency; quota.py's defaults.
QUOTAS = {"ses": 10.0, "firehose": 5.0, "iam": 20.0, "s3": 50.0}
LATENCY_MS = 20
JOURNAL_NAMES = {"sesv2": "ses", "resourcegroupstaggingapi": "tagging"}
THROTTLING = re.compile(r"Throttl|TooManyRequests|SlowDown|LimitExceeded|Rate exceeded")

REFERENCE = """version: 1
stack: ref
region: eu-west-1
buckets:
  history: {name: "ref-history-${account_id}", versioning: true, lifecycle: {expire_after_days: 30}, deletion_policy: retain}
firehose_streams:
  history: {bucket: history, prefix: "ses/", compression: GZIP}
configuration_sets:
  Main:
    reputation_metrics: true
    event_destinations:
      history: {events: all, firehose: {stream: history}}
      alerts: {events: [BOUNCE, COMPLAINT], sns: {topic_arn: "arn:aws:sns:eu-west-1:${account_id}:alerts"}}
      metrics: {events: [SEND], cloudwatch: {dimensions: [{name: campaign, source: MESSAGE_TAG, default: none}]}}
identities:
  example.com: {default_configuration_set: Main, feedback_forwarding: false}
"""


def sets_spec(n: int) -> tuple[str, list[str]]:
    lines = [
        "version: 1",
        "stack: bench",
        "region: eu-west-1",
        'buckets: {history: {name: "ses-history-${account_id}"}}',
        "firehose_streams: {history: {bucket: history, compression: GZIP}}",
        "configuration_sets:",
    ]
    for i in range(n):
        lines += [
            f"  set-{i}:",
            "    delivery: {tls_policy: REQUIRE}",
            "    event_destinations:",
            "      history: {events: all, firehose: {stream: history}}",
        ]
    lines.append("identities:")
    identities = [f"tenant-{i}.example.com" for i in range(n)]
    for i, name in enumerate(identities):
        lines.append(f"  {name}: {{default_configuration_set: set-{i}, feedback_forwarding: false}}")
    return "\n".join(lines) + "\n", identities


class Emulator:
    def __init__(self, python: str, args: list[str]):
        self.process = subprocess.Popen(
            [python, SERVER, "--host", "127.0.0.1", "--port", "0", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().decode()
        if not line.startswith("READY "):
            raise SystemExit(f"the emulator did not start: {line!r}")
        self.url = line.split()[1]

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={"Content-Type": "application/json"})
        with DIRECT.open(request, timeout=600) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def run_sesinfra(binary: str, emulator: Emulator, spec: str, args: list[str], rates: dict[str, float]) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ENDPOINT_URL": emulator.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "eu-west-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "NO_COLOR": "1",
    }
    for service, rate in rates.items():
        env[f"SESINFRA_RATE_{service.upper()}"] = str(rate)
    emulator.call("DELETE", "/_sesinfra/requests")
    emulator.call("DELETE", "/_sesinfra/quota")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        started = time.monotonic()
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M %U %S", "-o", timing.name, binary, *args, "-f", spec],
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.monotonic() - started
        peak_kib, user_s, system_s = timing.read().strip().splitlines()[-1].split()
    journal = emulator.call("GET", "/_sesinfra/requests")
    quota = emulator.call("GET", "/_sesinfra/quota")["services"]
    reads: Counter[str] = Counter()
    writes: Counter[str] = Counter()
    for entry in journal:
        service = JOURNAL_NAMES.get(entry["service"], entry["service"])
        op = entry["operation"] or ""
        (reads if re.match(r"(Get|List|Describe|Head)", op) else writes)[service] += 1
    throttled = {s: q["throttled"] for s, q in quota.items() if q["throttled"]}
    return {
        "exit": done.returncode,
        "stderr_tail": done.stderr[-2000:] if done.returncode not in (0, 2) else "",
        "throttling_surfaced": bool(THROTTLING.search(done.stderr)),
        "wall_s": round(wall, 2),
        "peak_mib": round(int(peak_kib) / 1024, 1),
        # sesinfra's own CPU (user + system): what it costs beside the emulator.
        "cpu_s": round(float(user_s) + float(system_s), 2),
        "reads": dict(sorted(reads.items())),
        "writes": dict(sorted(writes.items())),
        "calls": sum(reads.values()) + sum(writes.values()),
        "throttled": throttled,
        "attempts": sum(q["calls"] for q in quota.values()),
    }


def bound(measured: dict[str, Any], rates: dict[str, float]) -> float:
    """Seconds the quotas alone need: each service's admitted calls at its rate,
    services in parallel."""
    per_service = Counter(measured["reads"]) + Counter(measured["writes"])
    return max([per_service[s] / r for s, r in rates.items()] + [0.0])


def bench(label: str, spec_text: str, identities: list[str], python: str, binary: str, scale: float,
          with_critical_path: bool) -> list[dict[str, Any]]:
    rates = {s: r * scale for s, r in QUOTAS.items()}
    # sesinfra's ceilings at the emulator's quotas (an account whose quotas are known);
    # services the emulator does not limit keep sesinfra's defaults, scaled alike.
    client = {"ses": rates["ses"], "firehose": rates["firehose"], "iam": rates["iam"], "s3": rates["s3"],
              "sts": 10 * scale, "tagging": 5 * scale}
    out = []
    with tempfile.TemporaryDirectory() as work:
        spec = os.path.join(work, "sesinfra.yaml")
        with open(spec, "w") as f:
            f.write(spec_text)
        # The critical path: the apply from empty with no rate limit, latency kept.
        # (Only where it can matter: for large stacks the quotas dominate.)
        critical = None
        if with_critical_path:
            free = Emulator(python, ["--latency-ms", str(LATENCY_MS)])
            try:
                free.call("POST", "/_sesinfra/population", {"region": "eu-west-1", "identities": identities})
                unlimited = {s: 100000 for s in client}
                critical = run_sesinfra(binary, free, spec, ["apply", "--yes"], unlimited)
            finally:
                free.stop()
        emulator = Emulator(python, ["--quotas", "--rate-scale", str(scale)])
        try:
            emulator.call("POST", "/_sesinfra/population", {"region": "eu-west-1", "identities": identities})
            for step, args in (("apply from empty", ["apply", "--yes"]), ("plan, no change", ["plan"]),
                               ("apply, no change", ["apply", "--yes"])):
                m = run_sesinfra(binary, emulator, spec, args, client)
                m.update(stack=label, step=step, scale=scale, bound_s=round(bound(m, rates), 2))
                if step == "apply from empty" and critical:
                    m["critical_path_s"] = critical["wall_s"]
                print(json.dumps(m), flush=True)
                out.append(m)
        finally:
            emulator.stop()
    return out


def table(results: list[dict[str, Any]]) -> str:
    rows = [
        "| stack | step | rate scale | reads per service | writes per service | throttled / attempts | wall | quota bound | wall / bound | critical path | sesinfra CPU | peak RSS | exit |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items()) or "none"
    for m in results:
        throttled = sum(m["throttled"].values())
        share = f"{throttled} / {m['attempts']} ({100 * throttled / max(m['attempts'], 1):.1f}%)"
        ratio = f"{m['wall_s'] / m['bound_s']:.2f}" if m["bound_s"] else "-"
        # Apply from empty cannot beat the slower of the two bounds.
        critical = (
            f"{m['critical_path_s']} s (wall / max(bound, path) {m['wall_s'] / max(m['critical_path_s'], m['bound_s']):.2f})"
            if "critical_path_s" in m
            else "-"
        )
        exit_text = f"{m['exit']}{' THROTTLING SHOWN' if m['throttling_surfaced'] else ''}"
        rows.append(
            f"| {m['stack']} | {m['step']} | {m['scale']:g} | {fmt(m['reads'])} | {fmt(m['writes'])} | {share} | "
            f"{m['wall_s']} s | {m['bound_s']} s | {ratio} | {critical} | {m['cpu_s']} s | {m['peak_mib']} MiB | {exit_text} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", required=True)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--sizes", default="ref,200,1000,10000", help="comma-separated: ref and/or numbers of sets")
    parser.add_argument("--scale", action="append", default=[], metavar="SIZE=F",
                        help="rate scale for one size (every quota and sesinfra ceiling times F)")
    args = parser.parse_args()
    scales = {k: float(v) for k, v in (s.split("=") for s in args.scale)}
    results = []
    for size in args.sizes.split(","):
        if size == "ref":
            text, identities, label = REFERENCE, ["example.com"], "reference"
        else:
            text, identities = sets_spec(int(size))
            label = f"{size} sets"
        small = size == "ref" or int(size) <= 200
        results += bench(label, text, identities, args.python, args.binary, scales.get(size, 1.0), small)
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
