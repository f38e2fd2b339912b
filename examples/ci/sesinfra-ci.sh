#!/usr/bin/env bash
# sesinfra in any CI system. Usage:
#
#   sesinfra-ci.sh plan    # on a change request: prints the plan; exit 0 (also with changes)
#   sesinfra-ci.sh apply   # on the main branch: plans to a file, applies exactly that plan
#   sesinfra-ci.sh drift   # scheduled: exit 2 when AWS was changed outside sesinfra
#
# Environment: AWS credentials (preferably short-lived, e.g. from your CI's OIDC
# federation), AWS_REGION unless the spec pins one, SESINFRA_SPEC (default
# sesinfra.yaml), SESINFRA_OUTPUT (text or markdown, default text), SESINFRA_BIN (the
# sesinfra binary to run, e.g. a prebuilt release binary or one cached by your CI;
# default: `sesinfra` on the PATH, installed with
# `cargo install --locked --git <sesinfra repository URL>`).
set -uo pipefail

spec=${SESINFRA_SPEC:-sesinfra.yaml}
output=${SESINFRA_OUTPUT:-text}
mode=${1:-}
sesinfra=${SESINFRA_BIN:-sesinfra}

case "$mode" in
  plan)
    "$sesinfra" plan -f "$spec" --detailed-exitcode --output "$output"
    code=$?
    # 2 means "changes pending": expected for a change request, not a failure.
    if [ "$code" -eq 2 ]; then exit 0; fi
    exit "$code"
    ;;
  apply)
    plan_file=$(mktemp)
    trap 'rm -f "$plan_file"' EXIT
    "$sesinfra" plan -f "$spec" --out "$plan_file" --output "$output" || exit 1
    "$sesinfra" apply --yes "$plan_file"
    ;;
  drift)
    "$sesinfra" drift -f "$spec" --output "$output"
    code=$?
    case "$code" in
      0) echo "sesinfra: no drift" >&2 ;;
      2) echo "sesinfra: drift found; run 'sesinfra apply' or update the spec" >&2 ;;
      *) echo "sesinfra: drift check failed (exit $code)" >&2 ;;
    esac
    exit "$code"
    ;;
  *)
    echo "usage: $0 plan|apply|drift" >&2
    exit 1
    ;;
esac
