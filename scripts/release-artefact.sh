#!/usr/bin/env bash
# A release artefact: the stripped binary with its man pages and shell completions, as the
# tarball the GitHub Action (action.yml) downloads from a release —
# devspm-<target>.tar.gz holding `devspm` at its top level, `man/man1/*.1` and
# `completions/` (bash, zsh, fish, PowerShell, elvish).
#
#   cargo build --locked --profile dist -p devspm
#   scripts/release-artefact.sh                      # → dist/devspm-x86_64-unknown-linux-gnu.tar.gz
#
# Inputs (environment): DEVSPM (the binary; default target/dist/devspm), TARGET (the target
# triple in the name; default the build host's, from rustc), OUT (the folder written; default
# dist). crates/devspm/tests/install.rs runs it on the test build. Prints the tarball's path.
set -euo pipefail

bin="${DEVSPM:-target/dist/devspm}"
out="${OUT:-dist}"
[ -x "$bin" ] || { echo "release-artefact: $bin is not an executable (build it with: cargo build --locked --profile dist -p devspm)" >&2; exit 1; }
target="${TARGET:-$(rustc -vV | sed -n 's/^host: //p')}"
[ -n "$target" ] || { echo "release-artefact: no target triple (set TARGET)" >&2; exit 1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp "$bin" "$stage/devspm"
mkdir -p "$stage/man/man1" "$stage/completions"
"$stage/devspm" man --out "$stage/man/man1" >/dev/null
"$stage/devspm" completions bash > "$stage/completions/devspm.bash"
"$stage/devspm" completions zsh > "$stage/completions/_devspm"
"$stage/devspm" completions fish > "$stage/completions/devspm.fish"
"$stage/devspm" completions powershell > "$stage/completions/_devspm.ps1"
"$stage/devspm" completions elvish > "$stage/completions/devspm.elv"

mkdir -p "$out"
tarball="$out/devspm-$target.tar.gz"
# Sorted names, fixed owner and time: the same binary gives the same tarball.
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime='2000-01-01 00:00Z' \
    -C "$stage" -czf "$tarball" devspm man completions
printf '%s\n' "$tarball"
