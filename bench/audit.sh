#!/usr/bin/env bash
# Benchmarks of the Merkle tree and checkpoints (issue 7).
#
# Usage:
#   bench/audit.sh [REPO_PATH]
#
# 1. Ingest overhead of maintaining the tree: ingests REPO_PATH (default: a synthetic
#    repository from bench/gen-synthetic-repo.py, BENCH_COMMITS commits, default 50000)
#    BENCH_RUNS times (default 3) with the current release build and with a baseline
#    release build of BASE_REV (default HEAD: the last commit, built in a temporary git
#    worktree), alternating, into fresh databases. Target: <= +10%.
# 2. 1,000,000 events: `cargo bench -p devspm-ledger-sqlite --bench million` appends 1M small events, then times `verify` (target < 5 s) and inclusion
#    proofs for random events (target < 10 ms each). DEVSPM_BENCH_EVENTS changes the count.
#
# Environment: CARGO_TARGET_DIR (default /var/tmp/devspm-target), BASE_BIN (a baseline
# binary; skips building BASE_REV), SKIP_INGEST=1, SKIP_MILLION=1.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"
RUNS=${BENCH_RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/var/tmp}/devspm-audit-bench.XXXXXX")
WORKTREE=""
cleanup() {
  if [ -n "$WORKTREE" ]; then git -C "$ROOT" worktree remove --force "$WORKTREE" >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[audit-bench] %s\n' "$*" >&2; }

if [ "${SKIP_INGEST:-0}" != 1 ]; then
  if [ "$#" -ge 1 ]; then
    REPO=$1
  else
    REPO="$TMP/repo"
    log "generating a synthetic repository (${BENCH_COMMITS:-50000} commits)"
    python3 "$SCRIPT_DIR/gen-synthetic-repo.py" "$REPO" --commits "${BENCH_COMMITS:-50000}" --seed 1 >/dev/null
  fi
  (cd "$ROOT" && cargo build --release -p devspm --quiet)
  NEW="$TMP/devspm-new"
  cp "$CARGO_TARGET_DIR/release/devspm" "$NEW"
  if [ -n "${BASE_BIN:-}" ]; then
    BASE=$BASE_BIN
  else
    WORKTREE="$TMP/base"
    git -C "$ROOT" worktree add --detach "$WORKTREE" "${BASE_REV:-HEAD}" >/dev/null 2>&1
    log "building the baseline ($(git -C "$WORKTREE" rev-parse --short HEAD), no Merkle tree)"
    (cd "$WORKTREE" && cargo build --release -p devspm --quiet)
    BASE="$TMP/devspm-base"
    cp "$CARGO_TARGET_DIR/release/devspm" "$BASE"
  fi
  time_ingest() { # BIN DB -> seconds
    local start end
    start=$(date +%s.%N)
    "$1" --db "$2" --quiet ingest git "$REPO" >/dev/null
    end=$(date +%s.%N)
    echo "$end - $start" | bc
  }
  for i in $(seq 1 "$RUNS"); do
    rm -f "$TMP"/*.db*
    b=$(time_ingest "$BASE" "$TMP/base.db")
    n=$(time_ingest "$NEW" "$TMP/new.db")
    events=$("$NEW" --db "$TMP/new.db" --format json audit verify | python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["events"])')
    log "run $i: baseline ${b}s, with Merkle tree ${n}s ($(echo "scale=1; 100 * ($n - $b) / $b" | bc)%), $events events"
  done
  start=$(date +%s.%N)
  "$NEW" --db "$TMP/new.db" audit verify >/dev/null
  log "audit verify of those $events events: $(echo "$(date +%s.%N) - $start" | bc)s"
fi

if [ "${SKIP_MILLION:-0}" != 1 ]; then
  (cd "$ROOT" && cargo bench -p devspm-ledger-sqlite --quiet --bench million 2>&1 |
    grep -E 'append|verify|proof|projections|database' | sed 's/^/[audit-bench] /' >&2)
fi
