#!/usr/bin/env bash
# Benchmark of offline validation: wall time and peak memory of `sesinfra validate`
# on generated specs (up to AWS's quota of 10,000 configuration sets) and on a YAML
# alias bomb. Numbers go to bench/RESULTS.md by hand; this is not part of CI.
#
#   bash bench/validate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/sesinfra
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A stack with N configuration sets sharing one stream, each with one destination,
# and one identity per set.
generate() {
  local n=$1 out=$2
  {
    echo "version: 1"
    echo "stack: bench"
    echo "region: eu-west-1"
    echo "buckets: {history: {name: \"ses-history-\${account_id}\"}}"
    echo "firehose_streams: {history: {bucket: history, compression: GZIP}}"
    echo "configuration_sets:"
    for ((i = 0; i < n; i++)); do
      echo "  set-$i:"
      echo "    delivery: {tls_policy: REQUIRE}"
      echo "    event_destinations:"
      echo "      history: {events: all, firehose: {stream: history}}"
    done
    echo "identities:"
    for ((i = 0; i < n; i++)); do
      echo "  tenant-$i.example.com: {default_configuration_set: set-$i, feedback_forwarding: false}"
    done
  } > "$out"
}

measure() {
  local label=$1 file=$2 expect=$3
  local size
  size=$(wc -c < "$file")
  # %e elapsed seconds, %M peak resident set in KiB
  local status=0
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" validate -q "$file" > /dev/null 2> "$work/err" || status=$?
  if [ "$status" != "$expect" ]; then
    echo "$label: exit $status, expected $expect" >&2
    cat "$work/err" >&2
    exit 1
  fi
  read -r secs kib < <(tail -n 1 "$work/time")
  printf '| %-28s | %10s | %8s s | %8s MiB |\n' "$label" "$size" "$secs" "$((kib / 1024))"
}

echo "| input                        | bytes      | time       | peak RSS     |"
echo "|------------------------------|------------|------------|--------------|"
for n in 10 1000 10000; do
  generate "$n" "$work/sets-$n.yaml"
  measure "$n configuration sets" "$work/sets-$n.yaml" 0
done

# Billion laughs through merge keys: must be refused by the alias limits.
{
  echo "version: 1"
  echo "stack: bomb"
  echo "variables:"
  echo "  <<: &l0 {a: x, b: x, c: x, d: x, e: x, f: x, g: x, h: x, i: x, j: x}"
  echo "configuration_sets:"
  for level in 1 2 3 4 5 6 7 8 9; do
    refs=$(printf '*l%d, ' $(for _ in 1 2 3 4 5 6 7 8 9 10; do echo $((level - 1)); done))
    echo "  s$level:"
    echo "    tags: &l$level"
    echo "      <<: [${refs%, }]"
  done
} > "$work/bomb.yaml"
measure "alias bomb (10^9 nodes)" "$work/bomb.yaml" 1
