#!/usr/bin/env bash
# Benchmark of the insider-threat signals (issue 14): their cost next to ingest, from scratch
# and after a few new commits, and how fast `devspm signals` answers.
#
# Usage:
#   bench/signals.sh REPO [REF...]
#
# REPO is a repository (a bare mirror of git/git is the reference case); REF are the refs to
# record (default: 'refs/heads/*' 'refs/tags/*').
#
# 1. From scratch: `devspm ingest git` into a fresh ledger. Ingest and identity resolution,
#    the other analyzers and the signals each report their own time; the script prints the
#    ingest time, the signals time and their ratio (target: signals <= 20% of ingest).
# 2. Incremental: NEW_COMMITS (default 5) commits on a new branch of REPO (made in a temporary
#    worktree, removed afterwards with the branch), then `devspm ingest git` again: the
#    signals time of that run.
# 3. `devspm signals` (the default view), `--all --format json`, each best of RUNS (3).
#
# Environment: CARGO_TARGET_DIR (default: target/ of the checkout), DEVSPM (a devspm binary;
# skips the release build), NEW_COMMITS, RUNS, KEEP_DB=path (keep the ledger there).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
REPO=${1:?usage: bench/signals.sh REPO [REF...]}
shift
REFS=("$@")
if [ ${#REFS[@]} -eq 0 ]; then REFS=('refs/heads/*' 'refs/tags/*'); fi
RUNS=${RUNS:-3}
NEW_COMMITS=${NEW_COMMITS:-5}
TMP=$(mktemp -d -t devspm-signals-bench.XXXXXX)
BRANCH="devspm-signals-bench-$$"
cleanup() {
  git -C "$REPO" worktree remove --force "$TMP/wt" >/dev/null 2>&1 || true
  git -C "$REPO" branch -D "$BRANCH" >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT
log() { printf '[signals-bench] %s\n' "$*" >&2; }

if [ -n "${DEVSPM:-}" ]; then
  BIN=$DEVSPM
else
  (cd "$ROOT" && cargo build --release -p devspm --quiet)
  BIN="$CARGO_TARGET_DIR/release/devspm"
fi
DB=${KEEP_DB:-$TMP/ledger.db}
rm -f "$DB" "$DB"-*
REF_ARGS=()
for r in "${REFS[@]}"; do REF_ARGS+=(--ref "$r"); done

now() { date +%s.%N; }
report() { # JSON file -> "ingest signals examined appended"
  python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
ingest = sum(r["elapsed_seconds"] for r in j["repositories"])
s = j["signals"]
print("%.2f %.2f %d %d %d" % (ingest, s["seconds"], s["commits_examined"], s["signals_appended"], s["history_commits"]))' "$1"
}

log "from scratch: $BIN ingest git ${REFS[*]} $REPO"
start=$(now)
"$BIN" --db "$DB" --format json ingest git "${REF_ARGS[@]}" "$REPO" > "$TMP/first.json"
total=$(echo "$(now) - $start" | bc)
read -r ingest signals examined appended history < <(report "$TMP/first.json")
log "ingest ${ingest}s, signals ${signals}s over $examined commits ($appended signals): $(echo "scale=1; 100 * $signals / $ingest" | bc)% of ingest (target <= 20%); whole command ${total}s"

log "incremental: $NEW_COMMITS new commits on a new branch"
git -C "$REPO" worktree add -q -b "$BRANCH" "$TMP/wt" HEAD >/dev/null 2>&1
for i in $(seq 1 "$NEW_COMMITS"); do
  echo "bench $i" > "$TMP/wt/devspm-signals-bench.txt"
  git -C "$TMP/wt" add devspm-signals-bench.txt
  git -C "$TMP/wt" -c user.name="Bench Runner" -c user.email=bench@example.invalid commit -q -m "bench $i"
done
start=$(now)
"$BIN" --db "$DB" --format json ingest git --ref "refs/heads/$BRANCH" "${REF_ARGS[@]}" "$REPO" > "$TMP/second.json"
total=$(echo "$(now) - $start" | bc)
read -r ingest signals examined appended history < <(report "$TMP/second.json")
log "ingest ${ingest}s, signals ${signals}s over $examined new commits (baselines from $history recorded commits, $appended signals); whole command ${total}s"

best() { # command... -> best wall time of RUNS runs
  local b=""
  for _ in $(seq 1 "$RUNS"); do
    local s e t
    s=$(now); "$@" > /dev/null; e=$(now)
    t=$(echo "$e - $s" | bc)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
log "devspm signals (default view): $(best "$BIN" --db "$DB" signals)s (target < 1 s)"
log "devspm signals --all --format json: $(best "$BIN" --db "$DB" --format json signals --all)s"
log "signals on record: $("$BIN" --db "$DB" --format json signals --all | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["total"], r["by_severity"])')"
