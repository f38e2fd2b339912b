#!/usr/bin/env python3
"""DuckDB's answer to bench/history.sh's two queries over a generated archive.

usage: history_duckdb.py lookup|stats ARCHIVE [MESSAGE_ID]

DuckDB reads the gzip NDJSON with read_json and the columns given explicitly (its
fast path: no schema sampling, other fields skipped). lookup prints the matching
records' event types and message ids; stats prints one JSON object per (day, set,
event type) with its count, the day from the event's own timestamp as history counts.
"""

import json
import sys

import duckdb

DETAIL = ["bounce", "complaint", "delivery", "open", "click", "deliveryDelay", "subscription"]
COLUMNS = {
    "eventType": "VARCHAR",
    "mail": 'STRUCT(messageId VARCHAR, "timestamp" VARCHAR, tags STRUCT("ses:configuration-set" VARCHAR[]))',
    **{d: 'STRUCT("timestamp" VARCHAR)' for d in DETAIL},
}


def source(archive: str) -> str:
    columns = ", ".join(f"'{k}': '{v}'" for k, v in COLUMNS.items()).replace('"', '\\"')
    return (
        f"read_json('{archive}/**/*.gz', format='newline_delimited', "
        f"compression='gzip', columns={{{columns}}})"
    ).replace('\\"', '"')


def main() -> None:
    mode, archive = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    if mode == "lookup":
        needle = sys.argv[3]
        rows = con.execute(
            f"SELECT eventType, mail.messageId FROM {source(archive)} WHERE mail.messageId = ?",
            [needle],
        ).fetchall()
        for kind, message_id in rows:
            print(json.dumps({"eventType": kind, "messageId": message_id}))
    else:
        event_time = "coalesce(" + ", ".join(f'"{d}"."timestamp"' for d in DETAIL) + ', mail."timestamp")'
        rows = con.execute(
            f"""SELECT substr({event_time}, 1, 10) AS day,
                       mail.tags."ses:configuration-set"[1] AS set,
                       eventType, count(*)
                FROM {source(archive)} GROUP BY ALL"""
        ).fetchall()
        for day, set_name, kind, n in rows:
            print(json.dumps({"key": f"{day}|{set_name}|{kind}", "count": n}))


if __name__ == "__main__":
    main()
