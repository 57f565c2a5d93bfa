#!/usr/bin/env bash
# Compare devspm's CI/CD audit with zizmor on the same directories and print, per shared
# rule, how many findings both report, only zizmor, only devspm, plus each tool's total time.
#
#   bench/ci-compare.sh [DIR...]          (default: every directory under /var/tmp/ci-corpus)
#
# DEVSPM_BIN=path/to/devspm   use `$DEVSPM_BIN ci audit --no-record --format json DIR`
#                             (default: the `ci_audit` example of devspm-governance, release build)
# ZIZMOR=path/to/zizmor       default /var/tmp/zizmor-venv/bin/zizmor, installed from PyPI if missing
# DETAILS=file                write every disagreement there (default /var/tmp/ci-compare-details.tsv)
#
# Corpora are not part of the repository: see docs/governance.md for how they were assembled.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"

ZIZMOR="${ZIZMOR:-/var/tmp/zizmor-venv/bin/zizmor}"
if [[ ! -x "$ZIZMOR" ]]; then
    python3 -m venv /var/tmp/zizmor-venv
    /var/tmp/zizmor-venv/bin/pip install --quiet zizmor
    ZIZMOR=/var/tmp/zizmor-venv/bin/zizmor
fi

if [[ -n "${DEVSPM_BIN:-}" ]]; then
    devspm_cmd="$DEVSPM_BIN ci audit --no-record --format json"
else
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"
    (cd "$repo" && cargo build --quiet --release -p devspm-governance --example ci_audit)
    devspm_cmd="$CARGO_TARGET_DIR/release/examples/ci_audit"
fi

if [[ $# -eq 0 ]]; then
    set -- /var/tmp/ci-corpus/*/
fi

echo "zizmor: $("$ZIZMOR" --version)"
echo "devspm: $devspm_cmd"
echo
exec python3 "$here/ci-compare/compare.py" \
    --zizmor "$ZIZMOR --offline --format json --no-progress" \
    --devspm "$devspm_cmd" \
    --details "${DETAILS:-/var/tmp/ci-compare-details.tsv}" \
    "$@"
