"""Runs sesinfra's generated Athena table definition and SQL over SES event records in
DuckDB, an embedded SQL engine, and prints each query's rows as JSON.

Input (argv[1], JSON): {"columns": [[name, hive_type], ...], "records": PATH,
"partitions": {record index: dt value}, "table": "\"db\".\"table\"",
"queries": {name: sql}}.

What stands in for Athena, kept small and explicit:
- The OpenX JSON SerDe matches keys case-insensitively (it lower-cases them): struct
  keys of the records are lower-cased here; map keys (mail.tags) are left as written.
- The table's columns are read with DuckDB types translated from the Hive types
  (`hive_to_duckdb`); a record that does not fit them fails the check.
- Partition projection: each record's `dt` is given (what Athena computes from the
  object's folder); `"$path"` is the file the record was read from.
- SQL: the few Trino functions DuckDB spells differently (`TRANSLATIONS`) or lacks
  (`MACROS`).
"""

import json
import os
import re
import sys
import tempfile

import duckdb

# (pattern, replacement): Trino → DuckDB, nothing else changes.
TRANSLATIONS = [
    # element_at(map, key) is NULL for a missing key in Trino; DuckDB's map[key] is too,
    # and DuckDB's element_at returns a list.
    (r"element_at\(element_at\(([a-z_.]+), ('[^']*')\), 1\)", r"\1[\2][1]"),
    (r"\barray_join\(", "array_to_string("),
    (r'"\$path"', "filename"),
    # Trino's transform(list, r -> ...); DuckDB writes list_transform(list, lambda r: ...).
    (r"\btransform\(", "list_transform("),
    (r"\b(\w+) -> ", r"lambda \1: "),
]

# Trino functions DuckDB lacks, defined as DuckDB macros of the same meaning.
MACROS = [
    "CREATE MACRO from_iso8601_timestamp(x) AS CAST(x AS TIMESTAMPTZ)",
]


def split_type(body):
    """Splits `a:t1,b:struct<c:t2>` at top-level commas."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(body):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    parts.append(body[start:])
    return parts


def parse(t):
    """A Hive type string as a tree: ("string",) ("array", T) ("map", K, V) ("struct", [(n, T)])."""
    if t.startswith("array<"):
        return ("array", parse(t[6:-1]))
    if t.startswith("map<"):
        k, v = split_type(t[4:-1])
        return ("map", parse(k), parse(v))
    if t.startswith("struct<"):
        fields = []
        for f in split_type(t[7:-1]):
            name, ft = f.split(":", 1)
            fields.append((name, parse(ft)))
        return ("struct", fields)
    return (t,)


def hive_to_duckdb(tree):
    kind = tree[0]
    if kind == "array":
        return hive_to_duckdb(tree[1]) + "[]"
    if kind == "map":
        return "MAP(%s, %s)" % (hive_to_duckdb(tree[1]), hive_to_duckdb(tree[2]))
    if kind == "struct":
        return "STRUCT(%s)" % ", ".join('"%s" %s' % (n, hive_to_duckdb(t)) for n, t in tree[1])
    return {"string": "VARCHAR", "bigint": "BIGINT", "boolean": "BOOLEAN"}[kind]


def serde_keys(value, tree):
    """The record as the SerDe sees it: struct keys lower-cased, map keys kept."""
    kind = tree[0]
    if value is None:
        return None
    if kind == "struct":
        if not isinstance(value, dict):
            return None
        lowered = {k.lower(): v for k, v in value.items()}
        return {n: serde_keys(lowered.get(n), t) for n, t in tree[1]}
    if kind == "array":
        return [serde_keys(v, tree[1]) for v in value] if isinstance(value, list) else None
    if kind == "map":
        return {k: serde_keys(v, tree[2]) for k, v in value.items()} if isinstance(value, dict) else None
    return value


def main():
    spec = json.load(open(sys.argv[1]))
    columns = [(name, parse(t)) for name, t in spec["columns"]]
    record_type = ("struct", columns)
    workdir = tempfile.mkdtemp()
    path = os.path.join(workdir, "records.json")
    with open(spec["records"]) as src, open(path, "w") as out:
        for i, line in enumerate(src):
            record = serde_keys(json.loads(line), record_type)
            record["dt"] = spec["partitions"][str(i)]
            out.write(json.dumps(record) + "\n")
    duck_columns = {name: hive_to_duckdb(t) for name, t in columns}
    duck_columns["dt"] = "VARCHAR"
    con = duckdb.connect()
    for macro in MACROS:
        con.execute(macro)
    con.execute(
        "CREATE VIEW events AS SELECT * FROM read_json(%s, format='newline_delimited', "
        "filename=true, columns=%s)" % (sql_string(path), duckdb_struct_literal(duck_columns))
    )
    results = {}
    for name, sql in spec["queries"].items():
        translated = sql.replace(spec["table"], "events")
        for pattern, replacement in TRANSLATIONS:
            translated = re.sub(pattern, replacement, translated)
        rows = con.execute(translated).fetchall()
        results[name] = [[None if v is None else str(v).replace(path, "RECORDS") for v in row] for row in rows]
    print(json.dumps(results))


def sql_string(text):
    return "'%s'" % text.replace("'", "''")


def duckdb_struct_literal(columns):
    return "{%s}" % ", ".join("'%s': '%s'" % (k, v.replace("'", "''")) for k, v in columns.items())


if __name__ == "__main__":
    main()
