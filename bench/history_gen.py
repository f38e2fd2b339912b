#!/usr/bin/env python3
"""Generate a Firehose-style archive of SES event records for bench/history.sh.

The seed's sample records (tests/history/seed-records.ndjson, one per event type) are
rewritten with generated message ids, recipients, times, configuration sets and random
header values, into gzip objects laid out as Firehose writes them:
OUT/yyyy/MM/dd/HH/bench-history-1-yyyy-MM-dd-HH-mm-ss-<uuid>.gz. It stops once the
objects hold at least --gzip-bytes. One message (NEEDLE_ID, a send and a delivery) is
placed in the middle of the archive for the lookup; answers.json has its lines and the
stats per (day, set, event type), the known answers every tool must give.

usage: history_gen.py OUT [--gzip-bytes N] [--object-mib N] [--jobs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import zlib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "tests/history/seed-records.ndjson"
START = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
DAYS = 7
SETS = [f"set-{n:02}" for n in range(20)]
NEEDLE_ID = "0100019b-bench-needle-4242-000000"
DETAIL = {
    "Bounce": "bounce",
    "Complaint": "complaint",
    "Delivery": "delivery",
    "Open": "open",
    "Click": "click",
    "DeliveryDelay": "deliveryDelay",
    "Subscription": "subscription",
}
# What follows a send, with its probability.
FOLLOWERS = [
    ("Delivery", 0.93),
    ("Bounce", 0.04),
    ("Reject", 0.01),
    ("Rendering Failure", 0.005),
    ("DeliveryDelay", 0.01),
    ("Complaint", 0.003),
    ("Open", 0.35),
    ("Click", 0.08),
    ("Subscription", 0.002),
]


def templates() -> dict[str, list[str]]:
    """Each event type's record as text split around the slots it fills."""
    out = {}
    for line in SEEDS.read_text().splitlines():
        rec = json.loads(line)
        kind = rec["eventType"]
        mail = rec["mail"]
        mail["messageId"] = "@@ID@@"
        mail["timestamp"] = "@@MTS@@"
        mail["destination"] = ["@@TO@@"]
        mail["tags"] = {**mail.get("tags", {}), "ses:configuration-set": ["@@SET@@"]}
        if "commonHeaders" in mail:
            mail["commonHeaders"]["messageId"] = "@@ID@@"
            mail["commonHeaders"]["to"] = ["@@TO@@"]
            mail["commonHeaders"]["subject"] = "Your order @@R1@@"
        if "headers" in mail:
            # A message's own header values: what makes real archives compress ~8x, not ~20x.
            mail["headers"].append({"name": "Message-ID", "value": "<@@R3@@@email.amazonses.com>"})
            mail["headers"].append({"name": "X-Campaign", "value": "@@R4@@"})
        mail["tags"] = {**mail.get("tags", {}), "ses:source-ip": ["@@IP@@"]}
        for header in mail.get("headers", []):
            if header["name"] == "To":
                header["value"] = "@@TO@@"
            if header["name"] == "Content-Type" and "boundary" in header["value"]:
                header["value"] = 'multipart/alternative; boundary="----=_Part_@@R2@@"'
        key = DETAIL.get(kind)
        if key:
            detail = rec[key]
            detail["timestamp"] = "@@ETS@@"
            for name in ("bouncedRecipients", "complainedRecipients", "delayedRecipients"):
                if name in detail:
                    detail[name][0]["emailAddress"] = "@@TO@@"
            if "recipients" in detail:
                detail["recipients"] = ["@@TO@@"]
            if "feedbackId" in detail:
                detail["feedbackId"] = "0100@@R5@@-000000"
        text = json.dumps(rec, separators=(",", ":"))
        parts = []
        rest = text
        while "@@" in rest:
            before, _, after = rest.partition("@@")
            slot, _, rest = after.partition("@@")
            parts.append(before)
            parts.append(slot)
        parts.append(rest)
        out[kind] = parts
    return out


def fresh(rng: random.Random) -> dict[str, str]:
    """Each record's own random header values (distinct, so they do not compress away)."""
    return {f"R{n}": f"{rng.getrandbits(128):032x}" for n in range(1, 6)}


def ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def fill(parts: list[str], values: dict[str, str]) -> str:
    return "".join(values[p] if i % 2 else p for i, p in enumerate(parts))


def object_hour(index: int, count: int) -> dt.datetime:
    """Objects spread evenly over the days, in order."""
    hours = DAYS * 24
    return START + dt.timedelta(hours=index * hours // count)


def make_object(args: tuple[int, int, int, str]) -> tuple[str, int, dict, list[str]]:
    index, count, raw_bytes, out = args
    rng = random.Random(index)
    tpl = templates()
    hour = object_hour(index, count)
    lines: list[str] = []
    counts: dict[str, int] = {}
    size = 0
    needle_lines: list[str] = []
    n = 0

    def emit(kind, values, event_time):
        nonlocal size
        line = fill(tpl[kind], values)
        lines.append(line)
        size += len(line) + 1
        key = f"{event_time.date().isoformat()}|{values['SET']}|{kind}"
        counts[key] = counts.get(key, 0) + 1
        return line

    while size < raw_bytes:
        n += 1
        sent = hour + dt.timedelta(milliseconds=rng.randrange(3_600_000))
        needle = index == count // 2 and n == 1000
        values = {
            "ID": NEEDLE_ID if needle else f"0100019b{rng.getrandbits(64):016x}-{rng.getrandbits(128):032x}-000000",
            "TO": f"user{rng.randrange(1_000_000)}@example{rng.randrange(100)}.com",
            "SET": SETS[rng.randrange(len(SETS))],
            "MTS": ts(sent),
            **fresh(rng),
            "IP": f"192.0.{rng.randrange(256)}.{rng.randrange(256)}",
        }
        values["ETS"] = values["MTS"]
        line = emit("Send", values, sent)
        if needle:
            needle_lines.append(line)
        for kind, p in FOLLOWERS:
            if needle and kind != "Delivery":
                continue
            if needle or rng.random() < p:
                # Followers within the hour, so the object's hour holds them.
                later = min(
                    sent + dt.timedelta(seconds=rng.randrange(1, 600)),
                    hour + dt.timedelta(minutes=59, seconds=59),
                )
                v = dict(values, ETS=ts(later), **fresh(rng))
                event_time = later if kind in DETAIL else sent
                line = emit(kind, v, event_time)
                if needle:
                    needle_lines.append(line)
                if kind in ("Bounce", "Reject", "Rendering Failure"):
                    break
    stamp = hour + dt.timedelta(seconds=rng.randrange(60))
    key = (
        f"{hour:%Y/%m/%d/%H}/bench-history-1-{stamp:%Y-%m-%d-%H-%M-%S}-"
        f"{rng.getrandbits(32):08x}-{index:04x}-4000-8000-{rng.getrandbits(48):012x}.gz"
    )
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    data = compressor.compress(("\n".join(lines) + "\n").encode()) + compressor.flush()
    path = Path(out) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return key, len(data), counts, needle_lines


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--gzip-bytes", type=int, default=1_100_000_000)
    parser.add_argument("--object-mib", type=int, default=32)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    raw = args.object_mib << 20
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # One probe object sizes the run.
    probe_key, probe_size, _, _ = make_object((0, 1, raw, str(out / "probe")))
    count = -(-args.gzip_bytes // probe_size) + 1
    (out / "probe" / probe_key).unlink()
    print(f"{count} objects of ~{probe_size / 1e6:.1f} MB gzip ({args.object_mib} MiB raw)", file=sys.stderr)
    totals: dict[str, int] = {}
    needle: list[str] = []
    total = 0
    with ProcessPoolExecutor(args.jobs) as pool:
        for key, size, counts, needle_lines in pool.map(
            make_object, [(i, count, raw, str(out)) for i in range(count)]
        ):
            total += size
            needle.extend(needle_lines)
            for k, v in counts.items():
                totals[k] = totals.get(k, 0) + v
    answers = {
        "needle_id": NEEDLE_ID,
        "needle_lines": needle,
        "objects": count,
        "gzip_bytes": total,
        "counts": totals,
    }
    (out.parent / (out.name + ".answers.json")).write_text(json.dumps(answers, indent=1))
    print(f"wrote {count} objects, {total} bytes of gzip", file=sys.stderr)


if __name__ == "__main__":
    main()
