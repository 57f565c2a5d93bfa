#!/usr/bin/env bash
# Peak memory (resident set) of devspm on inputs that once made memory follow input size.
#
#   bench/memory.sh [CASE...]        CASE: big-blob, big-sarif, git-git (default: all three)
#
# Cases, each a fresh ledger, each measured with /usr/bin/time (peak RSS, wall and CPU time):
#   big-blob   `devspm scan` of a generated repository whose one file is BENCH_BLOB_MB MB of
#              one repeated byte (default 1536 MB; ~1.6 MB compressed). Target: peak RSS under
#              500 MB whatever the file's size (files over `[limits] max_blob_bytes` are not read
#              and are recorded as gaps).
#   big-sarif  `devspm import` of a generated SARIF file with BENCH_RESULTS results (default
#              1,000,000; every tenth carries a secret value) against a generated 50-file
#              repository, then the same import again (nothing new). Target: under 500 MB.
#   git-git    `devspm scan` of git/git, every ref (BENCH_MIRROR, default the bare mirror
#              $DEVSPM_TEST_MIRRORS/git+git/repo, by default the .mirror folder beside this
#              checkout), secret detector included; also `devspm ingest git` alone, for the
#              part that is ingest. Target: under 500 MB.
#
# Environment:
#   DEVSPM_BIN        binary to measure (default: a release build in CARGO_TARGET_DIR)
#   CARGO_TARGET_DIR  build directory (default /var/tmp/devspm-target)
#   BENCH_KEEP=1      keep the work folder (printed) instead of deleting it
#   BENCH_STRICT=1    exit 2 when a case misses its target
#
# Prints one line per measured command: case, peak RSS (MB), wall and CPU seconds, exit status.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/devspm-target}"
TARGET_MB=500
WORK="$(mktemp -d "${TMPDIR:-/tmp}/devspm-memory-bench.XXXXXX")"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
    echo "work folder: $WORK" >&2
else
    trap 'rm -rf "$WORK"' EXIT
fi
die() { echo "bench/memory.sh: $*" >&2; exit 1; }

if [ -z "${DEVSPM_BIN:-}" ]; then
    (cd "$ROOT" && cargo build --quiet --release -p devspm)
    DEVSPM_BIN="$CARGO_TARGET_DIR/release/devspm"
fi
[ -x "$DEVSPM_BIN" ] || die "DEVSPM_BIN=$DEVSPM_BIN is not executable"

CASES=("$@")
[ ${#CASES[@]} -gt 0 ] || CASES=(big-blob big-sarif git-git)
MISSED=0

# measure NAME CMD...: runs CMD under /usr/bin/time and prints NAME, peak RSS, wall, CPU.
measure() {
    local name="$1" status=0
    shift
    /usr/bin/time -f '%M %e %U %S' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
    local kb wall user sys
    read -r kb wall user sys < <(tail -1 "$WORK/time")
    local mb=$((kb / 1024))
    printf '%-28s peak RSS %5d MB   wall %7.1f s   cpu %7.1f s   exit %d\n' \
        "$name" "$mb" "$wall" "$(echo "$user + $sys" | bc)" "$status"
    if [ "$status" -ne 0 ]; then
        sed 's/^/    /' "$WORK/err" | tail -5
    fi
    if [ "$mb" -ge "$TARGET_MB" ]; then
        echo "    over the ${TARGET_MB} MB target" >&2
        MISSED=1
    fi
}

git_quiet() { git -c user.name=Bench -c user.email=bench@example.org -c commit.gpgsign=false "$@" >/dev/null; }

for case in "${CASES[@]}"; do
    case "$case" in
    big-blob)
        mb="${BENCH_BLOB_MB:-1536}"
        repo="$WORK/big-blob"
        git_quiet init -q "$repo"
        echo "small file" >"$repo/README"
        # Written straight into the object database (git streams large files).
        head -c "$((mb << 20))" /dev/zero | tr '\0' 'a' >"$repo/huge.log"
        git_quiet -C "$repo" add README huge.log
        git_quiet -C "$repo" commit -q -m "Add a huge log"
        rm "$repo/huge.log"
        git_quiet -C "$repo" checkout -q -- .
        git_quiet -C "$repo" gc -q
        rm -f "$repo/huge.log"
        packed=$(du -sk "$repo/.git/objects" | cut -f1)
        echo "big-blob: one ${mb} MB file, objects ${packed} KB on disk" >&2
        measure "scan (${mb} MB blob)" "$DEVSPM_BIN" --db "$WORK/big-blob.db" -q scan "$repo"
        ;;
    big-sarif)
        results="${BENCH_RESULTS:-1000000}"
        repo="$WORK/sarif-repo"
        git_quiet init -q "$repo"
        paths=()
        for n in $(seq -w 1 50); do
            mkdir -p "$repo/src"
            seq 1 5000 | sed "s/^/line of file $n: /" >"$repo/src/f$n.c"
            paths+=("src/f$n.c")
        done
        git_quiet -C "$repo" add .
        git_quiet -C "$repo" commit -q -m "Fifty files"
        python3 "$ROOT/bench/gen-big-sarif.py" "$WORK/big.sarif" "$results" "${paths[@]}" --secrets
        size=$(du -m "$WORK/big.sarif" | cut -f1)
        echo "big-sarif: $results results, ${size} MB" >&2
        measure "import (${results} results)" "$DEVSPM_BIN" --db "$WORK/sarif.db" -q import "$WORK/big.sarif" --repo "$repo"
        measure "import again (same file)" "$DEVSPM_BIN" --db "$WORK/sarif.db" -q import "$WORK/big.sarif" --repo "$repo"
        echo "    findings recorded: $(sqlite3 "$WORK/sarif.db" 'SELECT count(*) FROM findings' 2>/dev/null || echo '?')" >&2
        ;;
    git-git)
        mirror="${BENCH_MIRROR:-${DEVSPM_TEST_MIRRORS:-$ROOT/../.mirror}/git+git/repo}"
        git -C "$mirror" rev-parse --git-dir >/dev/null 2>&1 || die "$mirror is not a git repository (set BENCH_MIRROR)"
        echo "git-git: $(git -C "$mirror" rev-list --all --count) commits on every ref of $mirror" >&2
        measure "ingest git (git/git)" "$DEVSPM_BIN" --db "$WORK/ingest.db" -q ingest git "$mirror"
        measure "scan (git/git)" "$DEVSPM_BIN" --db "$WORK/git.db" -q scan "$mirror"
        ;;
    *) die "unknown case $case (big-blob, big-sarif, git-git)" ;;
    esac
done

if [ "$MISSED" = 1 ] && [ "${BENCH_STRICT:-0}" = 1 ]; then
    exit 2
fi
