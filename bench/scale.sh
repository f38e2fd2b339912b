#!/usr/bin/env bash
# Scale benchmark: sesinfra (release build) against the test emulator behind its
# quota-and-latency mode (SES 10/s, Firehose 5/s, IAM 20/s, S3 50/s, 20 ms), for the
# reference stack and 200, 1,000 and 10,000 configuration sets. Measures calls per
# service, throttled answers, wall time against the quota bound and the critical
# path, peak memory; see bench/scale.py. Numbers go to bench/RESULTS.md by hand; this
# is not part of CI.
#
#   bash bench/scale.sh                                  # every size at real quotas
#   bash bench/scale.sh --sizes ref,200 --scale 10000=10 # any size's rates times F
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
# The test venv (built by `cargo test`), or one built here from the same pins.
venv=target/tmp/venv
if [ ! -x "$venv/bin/python" ]; then
  venv=target/bench-venv
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
fi
exec "$venv/bin/python" bench/scale.py --python "$venv/bin/python" --binary target/release/sesinfra "$@"
