#!/usr/bin/env bash
# The main job, end to end, against the local AWS emulator: plan, apply, and plan
# again showing no changes, for the send-history example; then events arrive in the
# stream's bucket and `sesinfra history` finds and counts them. Needs only Rust, Python 3.11
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
import os, sys, boto3, re
text = open(sys.argv[1]).read()
block = text.split("\nidentities:", 1)[1] if "\nidentities:" in text else ""
names = re.findall(r"^  ([^\s:#][^:]*):", block, re.M)
ses = boto3.client("sesv2", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
for name in names:
    ses.create_email_identity(EmailIdentity=name)
    print(f"== created SES identity {name} in the emulator")
PY

echo "== sesinfra plan"
"$sesinfra" plan -f "$spec"
echo "== sesinfra apply --yes"
"$sesinfra" apply --yes -f "$spec"
echo "== sesinfra plan --detailed-exitcode (0 = no changes)"
"$sesinfra" plan --detailed-exitcode -f "$spec"

# Standing in for SES and Firehose: the ten sample records of the SES docs (one per
# event type), for one message sent through the spec's first configuration set, written
# into the first stream's bucket where Firehose would put them (its prefix, evaluated now).
stream=$("$venv/bin/python" - <<'PY'
import datetime, gzip, json, os, re, uuid, boto3
kw = dict(endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ["AWS_REGION"])
firehose, s3, ses = (boto3.client(s, **kw) for s in ("firehose", "s3", "sesv2"))
streams = firehose.list_delivery_streams()["DeliveryStreamNames"]
if streams:
    name = streams[0]
    dest = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]["Destinations"][0]
    s3dest = dest["ExtendedS3DestinationDescription"]
    bucket = s3dest["BucketARN"].split(":::")[1]
    prefix = s3dest.get("Prefix", "")
    sets = [c for c in ses.list_configuration_sets()["ConfigurationSets"]]
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    java = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H"}
    if "!{timestamp:" not in prefix:
        prefix += "!{timestamp:yyyy/MM/dd/HH/}"
    prefix = re.sub(r"!\{timestamp:([^}]*)\}", lambda m: now.strftime(re.sub(r"yyyy|MM|dd|HH", lambda t: java[t.group()], m.group(1))), prefix)
    lines = []
    sent = now - datetime.timedelta(minutes=5)
    for line in open("tests/history/seed-records.ndjson"):
        record = json.loads(line)
        record["mail"]["messageId"] = "0100019a-demo-message-000000"
        record["mail"]["timestamp"] = sent.strftime("%Y-%m-%dT%H:%M:%S.000Z")
        record["mail"].setdefault("tags", {})["ses:configuration-set"] = sets[:1] or ["none"]
        for detail in record.values():
            if isinstance(detail, dict) and "timestamp" in detail and detail is not record["mail"]:
                detail["timestamp"] = (sent + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
        lines.append(json.dumps(record, separators=(",", ":")))
    key = f"{prefix}{name}-1-{now:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=gzip.compress(("\n".join(lines) + "\n").encode()))
    print(name)
PY
)
if [ -n "$stream" ]; then
  echo "== sesinfra history --since 1h: the events the stream wrote to S3"
  "$sesinfra" history -f "$spec" --stream "$stream" --since 1h
  echo "== sesinfra history --stats --since 1h: per day and configuration set"
  "$sesinfra" history -f "$spec" --stream "$stream" --since 1h --stats
fi
echo "== done: the emulator now matches $spec, and a second plan has nothing to change"
