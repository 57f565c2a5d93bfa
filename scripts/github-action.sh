#!/usr/bin/env bash
# The work of devspm's GitHub Action (action.yml): scan the checked-out repository with its
# whole history, import the SARIF files given as input, write the enriched SARIF for code
# scanning, a Markdown summary to $GITHUB_STEP_SUMMARY, and the --fail-on verdict.
#
# It runs outside GitHub too (crates/devspm/tests/action.rs runs it against a temporary
# repository with the variables Actions sets). Inputs arrive as environment variables:
#   INPUT_PATH       the repository (default: $GITHUB_WORKSPACE)
#   INPUT_SARIF      SARIF files to import, separated by newlines or spaces (globs allowed)
#   INPUT_FAIL_ON    severity gate: critical|high|medium|low|info (empty: never fail)
#   INPUT_CI_AUDIT   "true" (default) to audit the repository's CI workflows too
#   DEVSPM           the devspm binary (default: devspm on PATH)
#   DEVSPM_DB        the ledger (default: $RUNNER_TEMP/devspm.db)
# Outputs (to $GITHUB_OUTPUT when set): sarif-dir (the SARIF to upload), exit-code (0, or 4
# when findings reach INPUT_FAIL_ON), findings (open findings of the repository).
# The script itself exits 0 unless something failed: the verdict is left to a later step, so
# that the SARIF is uploaded and the summary written either way.
set -euo pipefail

devspm="${DEVSPM:-devspm}"
repo="${INPUT_PATH:-${GITHUB_WORKSPACE:-.}}"
temp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"
export DEVSPM_DB="${DEVSPM_DB:-$temp/devspm.db}"
out="$temp/devspm-sarif"
summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
mkdir -p "$out"

output() { if [ -n "${GITHUB_OUTPUT:-}" ]; then printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; fi; }
fail() { printf '::error::devspm: %s\n' "$1" >&2; exit 1; }

command -v "$devspm" >/dev/null 2>&1 || [ -x "$devspm" ] || fail "the devspm binary ($devspm) is not installed"
git -C "$repo" rev-parse --git-dir >/dev/null 2>&1 || fail "$repo is not a git repository: check out the repository first (actions/checkout)"
# Attribution needs the whole history: a shallow clone would blame everything on its first commit.
if [ "$(git -C "$repo" rev-parse --is-shallow-repository)" = "true" ]; then
  fail "$repo is a shallow clone: use actions/checkout with fetch-depth: 0, so that each finding can be traced to the commit that introduced it"
fi

"$devspm" --version
"$devspm" scan "$repo"

# SARIF inputs: import each, then write it back enriched with who introduced each result.
imported=0
if [ -n "${INPUT_SARIF:-}" ]; then
  # Word splitting on purpose: files are separated by spaces or newlines; globs expand.
  # shellcheck disable=SC2086
  for file in $INPUT_SARIF; do
    [ -f "$file" ] || fail "SARIF input $file does not exist"
    "$devspm" import --repo "$repo" "$file"
    name="$(basename "$file")"
    "$devspm" export sarif "$file" --repo "$repo" --output "$out/${imported}-${name%.sarif}.sarif"
    imported=$((imported + 1))
  done
fi
if [ "${INPUT_CI_AUDIT:-true}" = "true" ]; then
  "$devspm" --format sarif ci audit "$repo" > "$out/devspm-ci-audit.sarif"
fi
output sarif-dir "$out"

# The summary: findings of this repository, most severe first.
"$devspm" --format markdown findings --repo "$repo" >> "$summary"
open="$("$devspm" --format json findings --repo "$repo" --status open | grep -c '"finding":' || true)"
output findings "$open"

code=0
if [ -n "${INPUT_FAIL_ON:-}" ]; then
  "$devspm" -q findings --repo "$repo" --fail-on "$INPUT_FAIL_ON" > /dev/null || code=$?
  case "$code" in
    0) ;;
    4) printf '\n**Failed:** open findings at or above `%s`.\n' "$INPUT_FAIL_ON" >> "$summary"
       printf '::error::devspm: open findings at or above %s\n' "$INPUT_FAIL_ON" >&2 ;;
    *) fail "the --fail-on check failed (exit $code)" ;;
  esac
fi
output exit-code "$code"
