#!/usr/bin/env bash
# Benchmark `devspm report` on a real repository: the time to generate the HTML report, its
# size, and the time headless Chromium takes to render it, against a blank page rendered the
# same way in the same run (browser start-up is not the report's cost).
#
# Usage:
#   bench/report.sh REPO_PATH
#
#   REPO_PATH  a repository to record first (e.g. a clone of git/git); the ledger is made in a
#              temporary folder with `devspm scan` (its time is printed too).
#
# Environment:
#   CARGO_TARGET_DIR  cargo target dir (default: target/ of the checkout); the binary is
#                     $CARGO_TARGET_DIR/release/devspm
#   DEVSPM_BIN        use this binary and skip `cargo build`
#   DEVSPM_DB         use this existing ledger instead of scanning REPO_PATH into a new one
#   BENCH_SCAN_ARGS   extra arguments of that scan, e.g. "--ref refs/heads/* --ref refs/tags/*"
#                     for a mirror whose pull-request refs should not count (split on spaces)
#   CHROMIUM          the browser (default /usr/bin/chromium)
#   BENCH_RUNS        runs of each timed step (default 3; min and max are printed)
#   BENCH_SINCE       also time a report of this window (e.g. 2000-01-01 for all history)
#   BENCH_STRICT=1    exit 2 when a target is missed
#
# Targets (issue 14): the report generated in under 5 s, under 5 MB, rendered by Chromium in
# under 2 s more than a blank page.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") usage >&2; exit 64 ;;
esac
repo="$1"
runs="${BENCH_RUNS:-3}"
chromium="${CHROMIUM:-/usr/bin/chromium}"
root="$(cd "$(dirname "$0")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
if [ -z "${DEVSPM_BIN:-}" ]; then
  (cd "$root" && cargo build --release --locked -q -p devspm)
  DEVSPM_BIN="$CARGO_TARGET_DIR/release/devspm"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
db="${DEVSPM_DB:-$work/ledger.db}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

if [ -z "${DEVSPM_DB:-}" ]; then
  t0=$(now)
  # shellcheck disable=SC2086 # split on purpose; `set -f` keeps the globs for devspm
  (set -f; "$DEVSPM_BIN" --db "$db" --quiet scan ${BENCH_SCAN_ARGS:-} "$repo" > /dev/null)
  echo "scan (ledger made once):     $(elapsed "$t0" "$(now)") s"
fi

# Times `devspm report ARGS -o FILE` BENCH_RUNS times; prints min and max, leaves the file.
time_report() {
  local out="$1"; shift
  local times=()
  for _ in $(seq "$runs"); do
    local t0; t0=$(now)
    "$DEVSPM_BIN" --db "$db" report "$@" -o "$out"
    times+=("$(elapsed "$t0" "$(now)")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk 'NR == 1 { min = $1 } { max = $1 } END { printf "%s–%s", min, max }'
}

# Times a headless screenshot of a page BENCH_RUNS times; prints min and max.
time_render() {
  local page="$1"
  local times=()
  for _ in $(seq "$runs"); do
    local t0; t0=$(now)
    "$chromium" --headless --disable-gpu --no-sandbox --no-first-run --user-data-dir="$work/profile" \
      --window-size=1400,3000 --screenshot="$work/shot.png" "file://$page" > /dev/null 2>&1
    times+=("$(elapsed "$t0" "$(now)")")
  done
  printf '%s\n' "${times[@]}" | sort -n | awk 'NR == 1 { min = $1 } { max = $1 } END { printf "%s–%s", min, max }'
}

html="$work/report.html"
generate=$(time_report "$html")
bytes=$(stat -c %s "$html")
echo "report generation (90 days): ${generate} s over $runs runs"
echo "report size:                 $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }') MiB)"
render_miss=0
if [ -x "$chromium" ]; then
  echo '<!DOCTYPE html><title>blank</title>' > "$work/blank.html"
  blank=$(time_render "$work/blank.html")
  page=$(time_render "$html")
  echo "chromium, blank page:        ${blank} s"
  echo "chromium, the report:        ${page} s"
  render_extra=$(awk -v p="${page%%–*}" -v b="${blank%%–*}" 'BEGIN { printf "%.2f", p - b }')
  echo "render time (report − blank, fastest runs): ${render_extra} s"
  render_miss=$(awk -v x="$render_extra" 'BEGIN { print (x >= 2) ? 1 : 0 }')
else
  echo "chromium: not found at $chromium (render time not measured)"
fi
if [ -n "${BENCH_SINCE:-}" ]; then
  all=$(time_report "$work/all.html" --since "$BENCH_SINCE")
  echo "report generation (--since $BENCH_SINCE): ${all} s, $(stat -c %s "$work/all.html") bytes"
fi

miss=0
awk -v t="${generate%%–*}" 'BEGIN { exit !(t >= 5) }' && { echo "MISSED: generation >= 5 s"; miss=1; }
[ "$bytes" -ge $((5 * 1024 * 1024)) ] && { echo "MISSED: size >= 5 MB"; miss=1; }
[ "$render_miss" = 1 ] && { echo "MISSED: render >= 2 s"; miss=1; }
[ "$miss" = 0 ] && echo "targets met: generation < 5 s, size < 5 MB, render < 2 s"
if [ "${BENCH_STRICT:-0}" = 1 ] && [ "$miss" = 1 ]; then
  exit 2
fi
