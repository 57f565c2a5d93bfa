#!/usr/bin/env bash
# Time SZZ (`devspm attribute --fixes-from`) against plain git on the same fixes.
#
# Usage:
#   bench/szz-speed.sh REPO FIXES
#
#   REPO   a repository (work tree or bare), e.g. curl brought by the `fetch` tool
#          (source github:curl/curl)
#   FIXES  fixing commits, one per line, as `attribute --fixes-from` reads them
#          (e.g. bench/szz/vuln/c-fixes.txt: sha, advisory id, disclosure date)
#
# What it measures, in one run, RUNS rounds (default 3) after one untimed warm-up
# round, the three commands one after the other in each round:
#   change   devspm attribute --trace change --no-record: each changed line blamed
#            to the commit that last changed it (cosmetic commits skipped);
#   default  devspm attribute --no-record: a vulnerability fix (an advisory id with
#            it) is traced back to the earliest version of each line (V-SZZ);
#   git      bench/szz/basic_szz_git.py -w: `git diff -U0` of each fix against its
#            parent, then one `git blame -w --porcelain -L a,+b ... PARENT -- FILE`
#            per file, one git process at a time: the reference.
# The repository is ingested first (not timed), so devspm starts from an up-to-date
# record, as it would in use; bringing the record up to date (already current) is
# part of each devspm run, as it is part of the command.
#
# How to read it: wall-clock seconds per command (median, min, max over the rounds)
# and, for each devspm command, its time over git's: the median of the per-round
# ratios (each round's commands ran back to back, so a drift in the machine's
# speed cancels out) and the ratio of the medians. The requirement is ratio <= 1.0
# for both devspm commands. A wide min-max means a noisy machine: rerun, or raise
# RUNS. The script also checks that every devspm round printed the same answer.
#
# Environment:
#   CARGO_TARGET_DIR  cargo target dir (default /var/tmp/devspm-target)
#   DEVSPM_BIN        use this binary and skip `cargo build`
#   RUNS              timed rounds (default 3)
#   BENCH_DB          a devspm database to keep between runs (default: a new one,
#                     so the first ingest of a large repository takes a minute)
#   BENCH_STRICT=1    exit 2 when a ratio is over 1.0
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
case "${1:-}" in -h|--help|"") usage; [ -n "${1:-}" ] && exit 0 || exit 64 ;; esac
[ $# -eq 2 ] || { usage; exit 64; }

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"
REPO=$1
FIXES=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
RUNS=${RUNS:-3}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/devspm-szz-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log() { printf '[bench] %s\n' "$*" >&2; }

GIT_DIR=$(git -C "$REPO" rev-parse --absolute-git-dir 2>/dev/null || (cd "$REPO" && pwd))
log "repository $REPO, $(grep -cv '^[[:space:]]*\(#\|$\)' "$FIXES") fixes from $FIXES"

if [ -n "${DEVSPM_BIN:-}" ]; then
  BIN=$DEVSPM_BIN
else
  (cd "$ROOT" && cargo build --release -q -p devspm --locked)
  BIN=$CARGO_TARGET_DIR/release/devspm
fi

export DEVSPM_DB="${BENCH_DB:-$TMP/bench.db}"
log "ingesting (not timed)"
"$BIN" -q ingest git "$REPO" >/dev/null

now() { date +%s.%N; }
# run NAME ROUND: runs one command, appends "NAME seconds" to times.txt.
run() {
  local name=$1 round=$2 t0 t1
  t0=$(now)
  case $name in
    change) "$BIN" attribute --repo "$REPO" --fixes-from "$FIXES" --trace change --no-record \
              --format json > "$TMP/$name.$round.json" ;;
    default) "$BIN" attribute --repo "$REPO" --fixes-from "$FIXES" --no-record \
              --format json > "$TMP/$name.$round.json" ;;
    git) python3 "$SCRIPT_DIR/szz/basic_szz_git.py" --repo "$GIT_DIR" --fixes "$FIXES" -w \
              > "$TMP/$name.$round.json" 2>/dev/null ;;
  esac
  t1=$(now)
  [ "$round" = warmup ] || awk -v n="$name" -v a="$t0" -v b="$t1" 'BEGIN { printf "%s %.3f\n", n, b - a }' >> "$TMP/times.txt"
}

log "warm-up round (not timed)"
for name in change default git; do run "$name" warmup; done
for round in $(seq 1 "$RUNS"); do
  for name in change default git; do run "$name" "$round"; done
  log "round $round of $RUNS done"
done

python3 - "$TMP" "$RUNS" "${BENCH_STRICT:-0}" <<'PY'
import statistics, sys
tmp, runs, strict = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
times = {}
for line in open(f"{tmp}/times.txt"):
    name, secs = line.split()
    times.setdefault(name, []).append(float(secs))
for name in ("change", "default"):
    first = open(f"{tmp}/{name}.1.json").read()
    for r in range(2, runs + 1):
        if open(f"{tmp}/{name}.{r}.json").read() != first:
            print(f"warning: devspm attribute ({name}) answered differently in round {r}")
labels = {
    "git": "git diff + git blame -w -L (reference)",
    "change": "devspm attribute --trace change",
    "default": "devspm attribute (default: earliest for advisories)",
}
git = times["git"]
print(f"{'command':<52} {'median':>8} {'min':>8} {'max':>8}   ratio to git")
missed = False
for name in ("git", "change", "default"):
    t = times[name]
    row = f"{labels[name]:<52} {statistics.median(t):8.2f} {min(t):8.2f} {max(t):8.2f}"
    if name != "git":
        pairwise = statistics.median(a / b for a, b in zip(t, git))
        of_medians = statistics.median(t) / statistics.median(git)
        row += f"   {pairwise:.2f} (ratio of medians {of_medians:.2f}; target <= 1.0)"
        missed |= pairwise > 1.0
    print(row)
print(f"seconds of wall-clock time, {runs} rounds after a warm-up")
if missed:
    print("target missed")
sys.exit(2 if missed and strict else 0)
PY
