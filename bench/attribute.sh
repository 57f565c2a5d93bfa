#!/usr/bin/env bash
# Benchmark finding attribution against `git blame --porcelain` on a real repository.
#
# Usage:
#   bench/attribute.sh REPO_PATH [REVISION]
#
#   REPO_PATH  a repository with >= 10,000 commits (work tree or bare, e.g. the
#              nushell repository brought by the `fetch` tool, source github:nushell/nushell)
#   REVISION   the commit to attribute at (default HEAD)
#
# What it does, in one run:
#   1. writes a SARIF file with 1,100 line findings over 220 files of REVISION
#      (bench/gen-line-findings.py; 5 lines per file, spread over the file);
#   2. records the repository (`devspm scan`, not timed as attribution) and imports
#      the SARIF with --no-attribute;
#   3. times `devspm attribute` (cold: every file blamed) and the reference,
#      `git blame --porcelain REVISION -- FILE` once per affected file, one after
#      the other;
#   4. times `devspm attribute --again` (every finding attributed again, blame
#      results served from the cache).
#
# Environment:
#   CARGO_TARGET_DIR  cargo target dir (default /var/tmp/devspm-target)
#   DEVSPM_BIN        use this binary and skip `cargo build`
#   BENCH_FILES, BENCH_LINES_PER_FILE   (default 220 and 5)
#   BENCH_STRICT=1    exit 2 when a target is missed
#
# Targets: cold devspm <= 0.5 x the git blame total; warm <= 0.05 x.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
case "${1:-}" in -h|--help|"") usage; [ -n "${1:-}" ] && exit 0 || exit 64 ;; esac

SCRIPT_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$SCRIPT_DIR")
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"
REPO=$1
REV_ARG=${2:-HEAD}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/devspm-attr-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
log() { printf '[bench] %s\n' "$*" >&2; }

GIT_DIR=$(git -C "$REPO" rev-parse --absolute-git-dir)
REV=$(git --git-dir "$GIT_DIR" rev-parse "$REV_ARG^{commit}")
COMMITS=$(git --git-dir "$GIT_DIR" rev-list --count "$REV")
log "repository $REPO at $REV ($COMMITS commits reachable)"

if [ -n "${DEVSPM_BIN:-}" ]; then
  BIN=$DEVSPM_BIN
else
  (cd "$ROOT" && cargo build --release -q -p devspm)
  BIN=$CARGO_TARGET_DIR/release/devspm
fi

python3 "$SCRIPT_DIR/gen-line-findings.py" "$GIT_DIR" "$REV" "$TMP/findings.sarif" \
  --files "${BENCH_FILES:-220}" --lines-per-file "${BENCH_LINES_PER_FILE:-5}"
export DEVSPM_DB="$TMP/bench.db"
"$BIN" -q scan "$REPO" >/dev/null
"$BIN" -q import "$TMP/findings.sarif" --repo "$REPO" --no-attribute >/dev/null

now() { date +%s.%N; }
t0=$(now)
"$BIN" --format json attribute --repo "$REPO" > "$TMP/cold.json"
t1=$(now)
while IFS= read -r file; do
  git --git-dir "$GIT_DIR" blame --porcelain "$REV" -- "$file" > /dev/null
done < "$TMP/findings.sarif.files"
t2=$(now)
"$BIN" --format json attribute --repo "$REPO" --again > "$TMP/warm.json"
t3=$(now)

python3 - "$t0" "$t1" "$t2" "$t3" "$TMP/cold.json" "$TMP/warm.json" "${BENCH_STRICT:-0}" <<'PY'
import json, sys
t0, t1, t2, t3 = map(float, sys.argv[1:5])
cold, warm = json.load(open(sys.argv[5])), json.load(open(sys.argv[6]))
strict = sys.argv[7] == "1"
devspm, git, again = t1 - t0, t2 - t1, t3 - t2
print(f"findings attributed: {cold['attributed']} (+{cold['unattributable']} unattributable), "
      f"files blamed {cold['files_blamed']}")
print(f"git blame --porcelain, once per file: {git:8.2f} s")
print(f"devspm attribute (cold):              {devspm:8.2f} s  ratio {devspm / git:.3f}  (target <= 0.5)")
print(f"devspm attribute --again (warm):      {again:8.2f} s  ratio {again / git:.3f}  (target <= 0.05)"
      f"  [{warm['files_cached']} files from cache]")
missed = devspm / git > 0.5 or again / git > 0.05
if missed:
    print("target missed")
sys.exit(2 if missed and strict else 0)
PY
