#!/usr/bin/env bash
# Benchmark the PostgreSQL ledger: `devspm migrate` of a real ledger (a scanned repository)
# from SQLite to PostgreSQL, and `audit verify` of the same ledger on both backends in the same
# run (the ratio PostgreSQL / SQLite); then, unless BENCH_MILLION=0, the ledger's
# million-event bench on PostgreSQL (append, verify, proofs; target: verify < 10 s).
#
# Usage:
#   bench/postgres.sh REPO_PATH
#
#   REPO_PATH  repository to scan into a fresh SQLite ledger (work tree or bare, e.g. a
#              clone of git/git)
#
# Environment:
#   CARGO_TARGET_DIR          cargo target dir (default: the checkout's target/); the binary
#                             is $CARGO_TARGET_DIR/release/devspm
#   DEVSPM_BIN                use this binary and skip `cargo build`
#   DEVSPM_TEST_POSTGRES_URL  the server (default postgres://postgres@127.0.0.1:5432/postgres);
#                             a database devspm_bench_<pid> is created there and dropped on exit
#   BENCH_MILLION=0           skip the million-event bench
#   DEVSPM_BENCH_EVENTS       events of the million-event bench (default 1,000,000)
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
case "${1:-}" in
  -h|--help|"") usage; [ -n "${1:-}" ] && exit 0; exit 64 ;;
esac

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SERVER="${DEVSPM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
REPO=$1

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

command -v psql >/dev/null || die "psql is needed (apt-get install postgresql-client)"
psql "$SERVER" -Atqc 'select 1' >/dev/null || die "PostgreSQL does not answer (DEVSPM_TEST_POSTGRES_URL)"
git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "not a git repository: $REPO"

NAME="devspm_bench_$$"
TARGET="${SERVER%/*}/$NAME"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/devspm-bench.XXXXXX")
cleanup() {
  rm -rf "$TMP"
  psql "$SERVER" -Atqc "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "${DEVSPM_BIN:-}" ]; then
  BIN=$DEVSPM_BIN
else
  log "building the release binary"
  (cd "$ROOT" && cargo build --release --locked -p devspm >&2)
  BIN="$CARGO_TARGET_DIR/release/devspm"
fi

# Wall-clock seconds of a command (its output discarded).
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

DB="$TMP/ledger.db"
log "scanning $REPO into $DB"
scan=$(seconds "$BIN" -q --db "$DB" scan "$REPO")
events=$(sqlite3 "$DB" 'select count(*) from events' 2>/dev/null || "$BIN" --db "$DB" --format json audit verify --quick | python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["events"])')
psql "$SERVER" -Atqc "CREATE DATABASE $NAME" >/dev/null

log "migrating $events events"
migrate=$(seconds "$BIN" -q migrate --from "$DB" --to "$TARGET")
again=$(seconds "$BIN" -q migrate --from "$DB" --to "$TARGET")

log "verifying on both backends"
verify_sqlite_quick=$(seconds "$BIN" --db "$DB" audit verify --quick)
verify_sqlite=$(seconds "$BIN" --db "$DB" audit verify)
verify_pg=$(seconds "$BIN" --db "$TARGET" audit verify)
root_sqlite=$("$BIN" --db "$DB" --format json audit verify --quick | python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["tree_root"])')
root_pg=$("$BIN" --db "$TARGET" --format json audit verify | python3 -c 'import json,sys; print(json.load(sys.stdin)["report"]["tree_root"])')
[ "$root_sqlite" = "$root_pg" ] || die "the roots differ: SQLite $root_sqlite, PostgreSQL $root_pg"

printf '\nledger of %s: %s events (scan into SQLite %.1f s)\n' "$REPO" "$events" "$scan"
printf 'migrate to PostgreSQL:            %6.2f s  (%.0f events/s)\n' "$migrate" "$(echo "$events / $migrate" | bc -l)"
printf 'migrate again (nothing to copy):  %6.2f s\n' "$again"
printf 'audit verify, SQLite (--quick):   %6.2f s  (chain, tree, contents)\n' "$verify_sqlite_quick"
printf 'audit verify, SQLite (full):      %6.2f s  (+ projections replayed)\n' "$verify_sqlite"
printf 'audit verify, PostgreSQL:         %6.2f s  (chain, tree, contents); ratio to SQLite --quick %.2f\n' \
  "$verify_pg" "$(echo "$verify_pg / $verify_sqlite_quick" | bc -l)"
printf 'same Merkle root on both:         %s\n' "${root_pg:0:16}"

if [ "${BENCH_MILLION:-1}" != 0 ]; then
  printf '\n'
  (cd "$ROOT" && cargo bench --locked -p devspm-ledger-postgres --bench million)
fi
