#!/usr/bin/env bash
# `sesinfra history` against jq and DuckDB on one generated archive (at least 1 GB of
# gzip NDJSON, bench/history_gen.py): a message-id lookup and per-day stats. Each tool's
# answer is checked against the generator's known answers; wall time and peak RSS come
# from GNU time. The page cache is warmed first, so every tool reads from memory.
#
# usage: bash bench/history.sh [--gzip-bytes N] [--keep]
#   WORK (default target/bench-history) holds the archive, a DuckDB venv and outputs;
#   the archive is kept and reused when it already exists; --keep keeps it afterwards
#   too (it is deleted otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."

GZIP_BYTES=1100000000
KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --gzip-bytes) GZIP_BYTES="$2"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    *) echo "unknown argument $1" >&2; exit 1 ;;
  esac
done

WORK="${WORK:-target/bench-history}"
ARCHIVE="$WORK/archive"
ANSWERS="$WORK/archive.answers.json"
DUCKDB_VERSION=2.0.0
mkdir -p "$WORK"

cargo build --release --locked --quiet
SESINFRA=target/release/sesinfra

if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c "import duckdb" 2>/dev/null; then
  python3 -m venv "$WORK/venv"
  "$WORK/venv/bin/pip" install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION"
fi

if [ ! -f "$ANSWERS" ]; then
  rm -rf "$ARCHIVE"
  python3 bench/history_gen.py "$ARCHIVE" --gzip-bytes "$GZIP_BYTES"
fi
NEEDLE=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['needle_id'])" "$ANSWERS")
GZ=$(python3 -c "import json,sys; a=json.load(open(sys.argv[1])); print(a['gzip_bytes'], a['objects'])" "$ANSWERS")
RAW=$(find "$ARCHIVE" -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc | wc -c)
echo "archive: $GZ (gzip bytes, objects), $RAW bytes of NDJSON" >&2

# Warm the page cache: every tool then reads from memory.
find "$ARCHIVE" -type f -print0 | xargs -0 cat > /dev/null

# jq: the day from the event's own timestamp, as history counts.
JQ_STATS='reduce inputs as $r ({};
  ($r | ((.bounce.timestamp // .complaint.timestamp // .delivery.timestamp // .open.timestamp
        // .click.timestamp // .deliveryDelay.timestamp // .subscription.timestamp
        // .mail.timestamp)[0:10] + "|" + (.mail.tags["ses:configuration-set"][0] // "") + "|" + .eventType)) as $k
  | .[$k] += 1)'
JQ_FILES="find $ARCHIVE -name '*.gz' -print0 | sort -z | xargs -0 cat | gzip -dc"

# Runs one measured command; prints "wall_seconds peak_kib" and leaves stdout in $WORK/out.
measure() {
  /usr/bin/time -f "%e %M" -o "$WORK/time" bash -c "$1" > "$WORK/out"
  cat "$WORK/time"
}

check() {
  python3 - "$1" "$ANSWERS" "$WORK/out" <<'EOF'
import json, sys
kind, answers, out = sys.argv[1], json.load(open(sys.argv[2])), open(sys.argv[3]).read()
names = {'send': 'Send', 'delivery': 'Delivery', 'bounce': 'Bounce', 'complaint': 'Complaint',
         'reject': 'Reject', 'delivery_delay': 'DeliveryDelay', 'open': 'Open', 'click': 'Click',
         'rendering_failure': 'Rendering Failure', 'subscription': 'Subscription'}
if kind == 'sesinfra-lookup':
    ok = out.splitlines() == answers['needle_lines']
elif kind in ('jq-lookup', 'duckdb-lookup'):
    ok = len(out.splitlines()) == len(answers['needle_lines'])
elif kind == 'sesinfra-stats':
    got = {}
    for row in json.loads(out)['rows']:
        for column, event in names.items():
            if row[column]:
                got[f"{row['day']}|{row['configuration_set']}|{event}"] = row[column]
    ok = got == answers['counts']
elif kind == 'jq-stats':
    ok = json.loads(out) == answers['counts']
elif kind == 'duckdb-stats':
    got = {}
    for line in out.splitlines():
        r = json.loads(line)
        got[r['key']] = r['count']
    ok = got == answers['counts']
print('correct' if ok else 'WRONG')
EOF
}

printf '| query  | tool | wall | peak RSS | answer |\n|---|---|---|---|---|\n'
row() {
  local query="$1" tool="$2" cmd="$3"
  read -r wall kib < <(measure "$cmd")
  printf '| %s | %s | %.1f s | %d MiB | %s |\n' "$query" "$tool" "$wall" $((kib / 1024)) "$(check "$tool-$query")"
}
row lookup sesinfra "$SESINFRA history -q --archive $ARCHIVE --message-id $NEEDLE --output json"
row lookup duckdb "$WORK/venv/bin/python bench/history_duckdb.py lookup $ARCHIVE $NEEDLE"
row lookup jq "$JQ_FILES | jq -c 'select(.mail.messageId == \"$NEEDLE\")'"
row stats sesinfra "$SESINFRA history -q --archive $ARCHIVE --stats --output json"
row stats duckdb "$WORK/venv/bin/python bench/history_duckdb.py stats $ARCHIVE"
row stats jq "$JQ_FILES | jq -c -n '$JQ_STATS'"

if [ "$KEEP" = 0 ]; then
  rm -rf "$ARCHIVE" "$ANSWERS"
fi
