#!/usr/bin/env bash
# Benchmark a full `devspm ingest git` against the reference
# `git log --all --numstat --no-renames --format=%H` on the same repository, in
# the same run, then time a re-ingest of the unchanged repository.
#
# Usage:
#   bench/ingest.sh [REPO_PATH]
#
#   REPO_PATH  repository to ingest (work tree or bare, e.g. a mirror). Without
#              it, a synthetic 50k-commit repository is generated into a temp
#              dir with bench/gen-synthetic-repo.py and used.
#
# Environment:
#   CARGO_TARGET_DIR  cargo target dir (default /var/tmp/devspm-target); the
#                     binary is $CARGO_TARGET_DIR/release/devspm
#   DEVSPM_BIN        use this binary and skip `cargo build` (e.g. DEVSPM_BIN=true
#                     to exercise the script without devspm)
#   BENCH_COMMITS     commits in the generated repository (default 50000)
#   BENCH_SEED        seed for the generated repository (default 1)
#   BENCH_STRICT=1    exit 2 when a target is missed
#   BENCH_DB          a PostgreSQL server URL (postgres://USER@HOST:PORT/DB):
#                     also time the same full ingest and re-ingest with
#                     `--db postgres://…` (PostgreSQL as the system of record,
#                     this host's replica in a temp DEVSPM_CACHE_DIR), into a
#                     new database created (with psql) on that server and
#                     dropped on exit; the SQLite figures come from the same run
#   BENCH_SCOPE       all (default: every ref, `git log --all`) or branches-tags
#                     (`git log --branches --tags` vs `devspm --ref 'refs/heads/*'
#                     --ref 'refs/tags/*'`), for snapshots whose other refs (e.g.
#                     refs/pull/*) reach blobs missing from the snapshot, where
#                     `git log` dies
#
# Targets: devspm/reference <= 0.70 (PostgreSQL: <= 1.0), peak RSS <= 400 MB,
# re-ingest <= 1% of the full ingest. Temporary files (generated repo, database)
# are removed on exit.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

case "${1:-}" in
  -h|--help) usage; exit 0 ;;
esac
if [ "$#" -gt 1 ]; then
  usage >&2
  exit 64
fi

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/devspm-bench.XXXXXX")
PG_NAME=""
cleanup() {
  if [ -n "$PG_NAME" ]; then
    psql -q "$BENCH_DB" -c "DROP DATABASE IF EXISTS $PG_NAME WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# --- repository -------------------------------------------------------------
if [ "$#" -eq 1 ]; then
  REPO=$1
  [ -d "$REPO" ] || die "no such directory: $REPO"
  git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "not a git repository: $REPO"
  REPO_DESC=$REPO
else
  REPO="$TMP/repo"
  log "generating synthetic repository (${BENCH_COMMITS:-50000} commits)..."
  python3 "$SCRIPT_DIR/gen-synthetic-repo.py" "$REPO" \
    --commits "${BENCH_COMMITS:-50000}" --seed "${BENCH_SEED:-1}" >&2
  REPO_DESC="synthetic (seed ${BENCH_SEED:-1}, temp dir)"
fi
case "${BENCH_SCOPE:-all}" in
  all) GIT_SCOPE=(--all); DEVSPM_SCOPE=() ;;
  branches-tags) GIT_SCOPE=(--branches --tags); DEVSPM_SCOPE=(--ref 'refs/heads/*' --ref 'refs/tags/*') ;;
  *) die "BENCH_SCOPE must be all or branches-tags" ;;
esac
COMMITS=$(git -C "$REPO" rev-list "${GIT_SCOPE[@]}" --count)

# --- devspm binary ----------------------------------------------------------
if [ -n "${DEVSPM_BIN:-}" ]; then
  DEVSPM=$DEVSPM_BIN
  command -v "$DEVSPM" >/dev/null 2>&1 || die "DEVSPM_BIN not executable: $DEVSPM"
  log "using DEVSPM_BIN=$DEVSPM (no build)"
else
  log "building: cargo build --release -p devspm (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release -p devspm)
  DEVSPM="$CARGO_TARGET_DIR/release/devspm"
  [ -x "$DEVSPM" ] || die "binary not found after build: $DEVSPM"
fi

# --- timing helpers ---------------------------------------------------------
# Peak RSS: GNU time if present (installed via apt-get when missing and
# possible), otherwise VmHWM polled from /proc. Wall time: bash `time`.
RSS_MODE=proc
if [ ! -x /usr/bin/time ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
  log "/usr/bin/time missing; installing package 'time'"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null 2>&1 || true
fi
if [ -x /usr/bin/time ] && /usr/bin/time -f '%M' -o "$TMP/probe" true 2>/dev/null; then
  RSS_MODE=gnu-time
elif [ ! -r /proc/self/status ]; then
  RSS_MODE=none
fi

# run_timed NAME CMD... : runs CMD with stdout to /dev/null; sets WALL (seconds)
# and RSS_KB (peak resident set, KiB, or "n/a"). On failure prints the
# command's stderr and exits.
run_timed() {
  local name=$1 rc=0
  shift
  local err="$TMP/$name.err" tfile="$TMP/$name.time" rfile="$TMP/$name.rss"
  local TIMEFORMAT='%3R'
  case $RSS_MODE in
    gnu-time)
      { time /usr/bin/time -f '%M' -o "$rfile" "$@" >/dev/null 2>"$err"; } 2>"$tfile" || rc=$?
      ;;
    proc)
      { time poll_rss "$rfile" "$@" >/dev/null 2>"$err"; } 2>"$tfile" || rc=$?
      ;;
    *)
      { time "$@" >/dev/null 2>"$err"; } 2>"$tfile" || rc=$?
      echo n/a >"$rfile"
      ;;
  esac
  if [ "$rc" -ne 0 ]; then
    printf '[bench] error: %s failed (exit %s): %s\n' "$name" "$rc" "$*" >&2
    cat "$err" >&2
    exit "$rc"
  fi
  WALL=$(tail -n 1 "$tfile")
  RSS_KB=$(tail -n 1 "$rfile")
}

# poll_rss OUTFILE CMD... : fallback peak-RSS probe (VmHWM of CMD itself, not
# of its children, sampled every 20 ms).
poll_rss() {
  local out=$1 pid hwm=0 v rc=0
  shift
  "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    v=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    if [ -n "$v" ] && [ "$v" -gt "$hwm" ]; then hwm=$v; fi
    sleep 0.02
  done
  wait "$pid" || rc=$?
  echo "$hwm" >"$out"
  return "$rc"
}

calc() { awk "BEGIN { printf \"$1\", $2 }"; }
mb() { if [ "$1" = n/a ]; then echo n/a; else calc '%.0f' "$1 / 1024"; fi; }
# verdict VAR EXPR : VAR=ok when the awk expression holds, else MISSED (and MISSED=1)
verdict() {
  if awk "BEGIN { exit !($2) }"; then printf -v "$1" ok; else printf -v "$1" MISSED; MISSED=1; fi
}

# --- reference --------------------------------------------------------------
REF_CMD=(git -C "$REPO" log "${GIT_SCOPE[@]}" --numstat --no-renames --format=%H)
log "warming the OS cache (untimed reference run)..."
"${REF_CMD[@]}" >/dev/null
log "timing reference: ${REF_CMD[*]}"
run_timed reference "${REF_CMD[@]}"
REF_WALL=$WALL REF_RSS=$RSS_KB

# --- devspm -----------------------------------------------------------------
DB="$TMP/bench.db"
log "timing full ingest: $DEVSPM --db $DB -q ingest git ${DEVSPM_SCOPE[*]} $REPO"
run_timed ingest "$DEVSPM" --db "$DB" -q ingest git "${DEVSPM_SCOPE[@]}" "$REPO"
FULL_WALL=$WALL FULL_RSS=$RSS_KB

log "timing re-ingest of the unchanged repository..."
run_timed reingest "$DEVSPM" --db "$DB" -q ingest git "${DEVSPM_SCOPE[@]}" "$REPO"
RE_WALL=$WALL RE_RSS=$RSS_KB

# --- devspm on PostgreSQL ---------------------------------------------------
if [ -n "${BENCH_DB:-}" ]; then
  command -v psql >/dev/null 2>&1 || die "BENCH_DB needs psql to create the benchmark's database"
  PG_NAME="devspm_bench_$$"
  psql -q "$BENCH_DB" -c "CREATE DATABASE $PG_NAME" >/dev/null || die "cannot create database $PG_NAME with psql on BENCH_DB"
  PG_URL="${BENCH_DB%/*}/$PG_NAME"
  export DEVSPM_CACHE_DIR="$TMP/cache"
  log "timing full ingest on PostgreSQL: $DEVSPM --db ${PG_URL%%://*}://…/$PG_NAME -q ingest git ${DEVSPM_SCOPE[*]} $REPO"
  run_timed pg-ingest "$DEVSPM" --db "$PG_URL" -q ingest git "${DEVSPM_SCOPE[@]}" "$REPO"
  PG_WALL=$WALL PG_RSS=$RSS_KB
  log "timing re-ingest on PostgreSQL..."
  run_timed pg-reingest "$DEVSPM" --db "$PG_URL" -q ingest git "${DEVSPM_SCOPE[@]}" "$REPO"
  PG_RE_WALL=$WALL
  PG_BYTES=$(psql -qtA "$BENCH_DB" -c "SELECT pg_database_size('$PG_NAME')")
fi

DB_BYTES=0
for f in "$DB" "$DB-wal" "$DB-shm"; do
  if [ -f "$f" ]; then DB_BYTES=$((DB_BYTES + $(wc -c <"$f"))); fi
done

DEVSPM_VERSION=$("$DEVSPM" --version 2>/dev/null | head -n 1 || true)
GIT_VERSION=$(git --version)

# --- report -----------------------------------------------------------------
MISSED=0
RATIO=$(calc '%.2f' "$FULL_WALL / ($REF_WALL > 0 ? $REF_WALL : 0.001)")
RE_PCT=$(calc '%.2f' "100 * $RE_WALL / ($FULL_WALL > 0 ? $FULL_WALL : 0.001)")
verdict V_RATIO "$RATIO <= 0.70"
if [ "$FULL_RSS" = n/a ]; then V_RSS=n/a; else verdict V_RSS "$FULL_RSS <= 400 * 1024"; fi
verdict V_RE "$RE_PCT <= 1"

row() { printf '  %-30s %10s   %s\n' "$1" "$2" "${3:-}"; }
info() { printf '  %-30s %s\n' "$1" "$2"; }
echo
echo "devspm git ingest benchmark"
info "repository" "$REPO_DESC"
info "commits (rev-list ${GIT_SCOPE[*]})" "$COMMITS"
info "devspm" "${DEVSPM_VERSION:-unknown} ($DEVSPM)"
info "git" "$GIT_VERSION"
info "peak RSS measured with" "$RSS_MODE"
echo "  ------------------------------------------------------------------------"
row "reference git log (s)" "$REF_WALL" "peak RSS $(mb "$REF_RSS") MB"
row "devspm full ingest (s)" "$FULL_WALL"
row "ratio devspm / reference" "$RATIO" "target <= 0.70  [$V_RATIO]"
row "devspm peak RSS (MB)" "$(mb "$FULL_RSS")" "target <= 400   [$V_RSS]"
row "devspm re-ingest (s)" "$RE_WALL" "peak RSS $(mb "$RE_RSS") MB"
row "re-ingest / full ingest (%)" "$RE_PCT" "target <= 1%    [$V_RE]"
row "SQLite db size (MB)" "$(calc '%.1f' "$DB_BYTES / 1048576")" "db + wal + shm"
if [ -n "${BENCH_DB:-}" ]; then
  PG_RATIO=$(calc '%.2f' "$PG_WALL / ($REF_WALL > 0 ? $REF_WALL : 0.001)")
  PG_RE_PCT=$(calc '%.2f' "100 * $PG_RE_WALL / ($PG_WALL > 0 ? $PG_WALL : 0.001)")
  verdict V_PG_RATIO "$PG_RATIO <= 1.0"
  verdict V_PG_RE "$PG_RE_PCT <= 1"
  echo "  PostgreSQL (system of record) + this host's SQLite replica"
  row "devspm full ingest (s)" "$PG_WALL" "peak RSS $(mb "$PG_RSS") MB"
  row "ratio devspm / reference" "$PG_RATIO" "target <= 1.0   [$V_PG_RATIO]"
  row "devspm re-ingest (s)" "$PG_RE_WALL"
  row "re-ingest / full ingest (%)" "$PG_RE_PCT" "target <= 1%    [$V_PG_RE]"
  row "PostgreSQL database size (MB)" "$(calc '%.1f' "$PG_BYTES / 1048576")"
fi
echo

if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$MISSED" -ne 0 ]; then
  log "one or more targets missed (BENCH_STRICT=1)"
  exit 2
fi
