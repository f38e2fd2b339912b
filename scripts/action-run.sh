#!/usr/bin/env bash
# The run step of the sesinfra GitHub Action (action.yml), kept in a file so it can be
# run and tested outside GitHub. It runs one of:
#
#   plan    plan with --detailed-exitcode; pending changes are not a failure
#   apply   plan to a file, then apply exactly that plan (only when it has changes)
#   drift   drift check; drift found is exit 2 and fails the step
#
# and writes the result to the job summary and the step's outputs.
#
# Environment (the action's inputs):
#   SESINFRA_COMMAND   plan | apply | drift                 (required)
#   SESINFRA_SPEC      spec file, relative to the directory  (default sesinfra.yaml)
#   SESINFRA_WORKDIR   directory to run in                   (default .)
#   SESINFRA_OUTPUT    markdown | text | json                (default markdown)
#   SESINFRA_ARGS      extra arguments for every sesinfra call, split on whitespace
#                      (global flags such as "--var env=prod --region eu-west-1")
#   SESINFRA_BIN       the sesinfra binary                   (default: sesinfra on PATH)
# GitHub's own: GITHUB_STEP_SUMMARY and GITHUB_OUTPUT (files appended to; ignored when
# unset), RUNNER_TEMP (for the saved plan and the result file).
#
# Outputs: exit-code (sesinfra's exit code), changes (true when the plan had changes,
# apply changed something, or drift was found) and result-file (the rendered plan or
# drift report, for a later step such as a pull-request comment).
set -uo pipefail

command=${SESINFRA_COMMAND:-}
spec=${SESINFRA_SPEC:-sesinfra.yaml}
workdir=${SESINFRA_WORKDIR:-.}
output=${SESINFRA_OUTPUT:-markdown}
bin=${SESINFRA_BIN:-sesinfra}
read -r -a extra <<< "${SESINFRA_ARGS:-}"
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}

case "$command" in
  plan | apply | drift) ;;
  *)
    echo "::error::sesinfra action: command must be plan, apply or drift, not '$command'" >&2
    exit 1
    ;;
esac
case "$output" in
  markdown | text | json) ;;
  *)
    echo "::error::sesinfra action: output must be markdown, text or json, not '$output'" >&2
    exit 1
    ;;
esac

tmp=$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/sesinfra-action.XXXXXX") || exit 1
result="$tmp/result.$([ "$output" = markdown ] && echo md || echo "$output")"
cd "$workdir" || exit 1

# Appends a rendered result to the job summary; text and JSON go in a code block.
add_to_summary() {
  case "$output" in
    markdown) cat "$1" >> "$summary" ;;
    *) { printf '```%s\n' "$output"; cat "$1"; printf '```\n'; } >> "$summary" ;;
  esac
}

# Records the outputs and ends: finish EXIT_CODE CHANGES [STATUS] (STATUS: this
# script's own exit status, by default sesinfra's exit code).
finish() {
  {
    echo "exit-code=$1"
    echo "changes=$2"
    echo "result-file=$result"
  } >> "$outputs"
  exit "${3:-$1}"
}

case "$command" in
  plan)
    "$bin" plan -f "$spec" --detailed-exitcode --output "$output" "${extra[@]}" > "$result"
    code=$?
    cat "$result"
    add_to_summary "$result"
    case "$code" in
      0) finish 0 false ;;
      # Pending changes are what a pull request is for: not a failure.
      2) finish 2 true 0 ;;
      *) finish "$code" false ;;
    esac
    ;;
  apply)
    planfile="$tmp/plan.json"
    "$bin" plan -f "$spec" --out "$planfile" --detailed-exitcode --output "$output" "${extra[@]}" > "$result"
    code=$?
    cat "$result"
    add_to_summary "$result"
    case "$code" in
      0) finish 0 false ;;
      2) ;;
      *) finish "$code" false ;;
    esac
    # Applies exactly the plan shown above; refused if AWS changed in between.
    "$bin" apply --yes "${extra[@]}" "$planfile" > "$tmp/apply.txt"
    code=$?
    cat "$tmp/apply.txt"
    {
      printf '\n<details><summary>apply (exit %s)</summary>\n\n```text\n' "$code"
      cat "$tmp/apply.txt"
      printf '```\n\n</details>\n'
    } >> "$summary"
    finish "$code" true
    ;;
  drift)
    "$bin" drift -f "$spec" --output "$output" "${extra[@]}" > "$result"
    code=$?
    cat "$result"
    add_to_summary "$result"
    case "$code" in
      0) finish 0 false ;;
      2) echo "::error::sesinfra: drift found; run 'sesinfra apply' or update the spec" >&2
         finish 2 true ;;
      *) finish "$code" false ;;
    esac
    ;;
esac
