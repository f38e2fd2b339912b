#!/usr/bin/env bash
# The main job, end to end, against the local AWS emulator: plan, apply, plan again
# showing no changes, and verify (test messages whose event records land in S3), for
# the send-history example. Needs only Rust, Python 3.11
# and pip: the emulator's venv is built on first use (under target/).
#
#   bash scripts/local-demo.sh [SPEC]      (default: examples/send-history.yaml)
set -euo pipefail
cd "$(dirname "$0")/.."
spec=${1:-examples/send-history.yaml}
# The test suite passes its own venv and binary; a newcomer gets both built here.
venv=${SESINFRA_DEMO_VENV:-target/emulator-venv}

if [ -z "${SESINFRA_DEMO_VENV:-}" ] && { [ ! -x "$venv/bin/python" ] || ! cmp -s tests/emulator/requirements.txt "$venv/requirements.txt"; }; then
  echo "== building the emulator's Python venv in $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r tests/emulator/requirements.txt
  cp tests/emulator/requirements.txt "$venv/requirements.txt"
fi

sesinfra=${SESINFRA_BIN:-}
if [ -z "$sesinfra" ]; then
  echo "== building sesinfra"
  cargo build --quiet
  sesinfra=target/debug/sesinfra
fi

# The emulator exits when its stdin closes, i.e. when this script ends, however it ends.
coproc EMULATOR { exec "$venv/bin/python" tests/emulator/server.py --host 127.0.0.1 --port 0 2>/dev/null; }
read -r ready endpoint <&"${EMULATOR[0]}" || true
if [ "${ready:-}" != "READY" ]; then
  echo "the emulator did not start" >&2
  exit 1
fi
echo "== emulator at $endpoint"

export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true
region=$(sed -n 's/^region: *//p' "$spec" | head -n 1)
export AWS_REGION=${region:-eu-west-1}

# sesinfra manages settings of existing SES identities; create the spec's ones here.
"$venv/bin/python" - "$spec" <<'PY'
import json, os, sys, urllib.request, boto3, re
text = open(sys.argv[1]).read()
block = text.split("\nidentities:", 1)[1] if "\nidentities:" in text else ""
names = re.findall(r"^  ([^\s:#][^:]*):", block, re.M)
ses = boto3.client("sesv2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
for name in names:
    ses.create_email_identity(EmailIdentity=name)
    # In AWS a DNS record or a link verifies an identity; the emulator has an endpoint.
    verified = json.dumps({"identity": name, "region": os.environ["AWS_REGION"]}).encode()
    urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
        urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/_sesinfra/ses/verified", data=verified, method="POST"))
    print(f"== created and verified SES identity {name} in the emulator")
PY

echo "== sesinfra plan"
"$sesinfra" plan -f "$spec"
echo "== sesinfra apply --yes"
"$sesinfra" apply --yes -f "$spec"
echo "== sesinfra plan --detailed-exitcode (0 = no changes)"
"$sesinfra" plan --detailed-exitcode -f "$spec"
echo "== sesinfra verify (test messages to the SES mailbox simulator; their records in S3)"
"$sesinfra" verify -f "$spec"
echo "== done: the emulator now matches $spec, a second plan has nothing to change, and the pipeline delivers its events"
