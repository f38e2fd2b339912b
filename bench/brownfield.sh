#!/usr/bin/env bash
# Cost of `sesinfra export` and `sesinfra audit` on a large account, against the local
# emulator: N configuration sets (other teams' plain sets, from the emulator's
# population endpoint) plus the seed blog post's pipeline (one set publishing to a
# Firehose stream into a bucket) and 2,000 roles. Counts the calls per service from the
# emulator's request journal and compares the wall time with the quota bound: the
# busiest service's calls at sesinfra's default rate for it (`--rate`). Numbers go to
# bench/RESULTS.md by hand; this is not part of CI.
#
#   bash bench/brownfield.sh [N]        (default 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
venv=${SESINFRA_BENCH_VENV:-target/tmp/venv}
cargo build --quiet
bin=${SESINFRA_BIN:-target/debug/sesinfra}

coproc EMULATOR { exec "$venv/bin/python" tests/emulator/server.py --host 127.0.0.1 --port 0 2>/dev/null; }
read -r ready endpoint <&"${EMULATOR[0]}" || true
[ "${ready:-}" = "READY" ] || { echo "the emulator did not start" >&2; exit 1; }
export AWS_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_EC2_METADATA_DISABLED=true AWS_REGION=eu-west-1

"$venv/bin/python" - "$endpoint" "$n" <<'PY'
import json, sys, urllib.request, boto3
endpoint, n = sys.argv[1], int(sys.argv[2])
body = json.dumps({"region": "eu-west-1", "configuration_sets": n, "roles": 2000}).encode()
urllib.request.urlopen(urllib.request.Request(f"{endpoint}/_sesinfra/population", data=body, method="POST"))
kw = dict(endpoint_url=endpoint, region_name="eu-west-1")
s3, iam, fh, ses = (boto3.client(s, **kw) for s in ("s3", "iam", "firehose", "sesv2"))
bucket = "ses-history-123456789012-eu-west-1"
s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
trust = lambda svc: json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": svc}, "Action": "sts:AssumeRole"}]})
fr = iam.create_role(RoleName="firehose-ses-history", AssumeRolePolicyDocument=trust("firehose.amazonaws.com"))["Role"]["Arn"]
sr = iam.create_role(RoleName="ses-firehose-history", AssumeRolePolicyDocument=trust("ses.amazonaws.com"))["Role"]["Arn"]
arn = fh.create_delivery_stream(DeliveryStreamName="ses-history", DeliveryStreamType="DirectPut",
    ExtendedS3DestinationConfiguration={"RoleARN": fr, "BucketARN": f"arn:aws:s3:::{bucket}"})["DeliveryStreamARN"]
ses.create_configuration_set(ConfigurationSetName="ses-history")
ses.create_configuration_set_event_destination(ConfigurationSetName="ses-history", EventDestinationName="firehose",
    EventDestination={"Enabled": True, "MatchingEventTypes": ["SEND", "BOUNCE", "COMPLAINT", "DELIVERY"],
                      "KinesisFirehoseDestination": {"IamRoleArn": sr, "DeliveryStreamArn": arn}})
ses.create_email_identity(EmailIdentity="example.com")
PY

# Calls per service since the journal was cleared, and the quota bound in seconds.
report() {
  "$venv/bin/python" - "$endpoint" "$1" <<'PY'
import collections, json, sys, urllib.request
endpoint, seconds = sys.argv[1], float(sys.argv[2])
journal = json.load(urllib.request.urlopen(f"{endpoint}/_sesinfra/requests"))
calls = collections.Counter(e["service"] for e in journal)
# sesinfra's default rate per service (src/aws/limit.rs), by the journal's names.
rates = {"sesv2": 10, "ses": 10, "firehose": 5, "iam": 10, "s3": 50, "sts": 10, "kms": 50,
         "tagging": 5, "resourcegroupstaggingapi": 5}
bound = max(count / rates.get(service, 10) for service, count in calls.items())
print("  calls: " + ", ".join(f"{s} {c}" for s, c in sorted(calls.items())))
print(f"  wall {seconds:.1f} s, quota bound {bound:.1f} s, ratio {seconds / bound:.2f}")
PY
}

for command in export audit; do
  curl -s -X DELETE "$endpoint/_sesinfra/requests" >/dev/null
  start=$(date +%s.%N)
  "$bin" "$command" >/dev/null 2>&1 || [ $? -eq 2 ]
  end=$(date +%s.%N)
  echo "$command, $n configuration sets:"
  report "$(echo "$end - $start" | bc)"
done
