#!/usr/bin/env python3
"""Write a SARIF 2.1.0 file with line findings spread over many files of a repository.

For the attribution benchmark (bench/attribute.sh): picks FILES text files of the given
revision (deterministically: every k-th path of the sorted list of files with at least
LINES_PER_FILE lines and one of the given extensions), and LINES_PER_FILE lines in each,
spread evenly over the file. The tool is named `devspm-bench`; messages name the line.

Usage: gen-line-findings.py GIT_DIR REVISION OUT.sarif [--files N] [--lines-per-file N]
       [--ext .rs,.py,...]
"""
import argparse
import json
import subprocess
import sys


def git(git_dir, *args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True,
                          capture_output=True).stdout


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("git_dir")
    p.add_argument("revision")
    p.add_argument("out")
    p.add_argument("--files", type=int, default=220)
    p.add_argument("--lines-per-file", type=int, default=5)
    p.add_argument("--ext", default=".rs,.py,.go,.js,.ts,.c,.h,.java,.rb")
    a = p.parse_args()
    exts = tuple(a.ext.split(","))
    rev = git(a.git_dir, "rev-parse", a.revision).decode().strip()
    listing = git(a.git_dir, "ls-tree", "-r", "-l", rev).decode("utf-8", "replace")
    candidates = []
    for row in listing.splitlines():
        meta, path = row.split("\t", 1)
        mode, kind, oid, size = meta.split()
        if kind == "blob" and mode in ("100644", "100755") and path.endswith(exts) and int(size) > 400:
            candidates.append((path, oid))
    candidates.sort()
    # Line counts via one cat-file --batch.
    batch = subprocess.run(["git", "--git-dir", a.git_dir, "cat-file", "--batch"],
                           input="".join(f"{oid}\n" for _, oid in candidates).encode(),
                           check=True, capture_output=True).stdout
    counts, pos = {}, 0
    for path, oid in candidates:
        header_end = batch.index(b"\n", pos)
        size = int(batch[pos:header_end].split()[2])
        body = batch[header_end + 1:header_end + 1 + size]
        counts[path] = body.count(b"\n")
        pos = header_end + 1 + size + 1
    eligible = [p for p, _ in candidates if counts[p] >= a.lines_per_file * 4]
    if len(eligible) < a.files:
        sys.exit(f"only {len(eligible)} eligible files at {rev}")
    step = len(eligible) / a.files
    chosen = [eligible[int(i * step)] for i in range(a.files)]
    results = []
    for path in chosen:
        n = counts[path]
        for k in range(a.lines_per_file):
            line = 1 + (k * n) // a.lines_per_file + (n // (2 * a.lines_per_file))
            line = max(1, min(line, n))
            results.append({
                "ruleId": "bench-line",
                "level": "warning",
                "message": {"text": f"benchmark finding at line {line}"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": path},
                    "region": {"startLine": line}}}],
            })
    sarif = {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {"driver": {"name": "devspm-bench", "rules": [{"id": "bench-line"}]}},
            "versionControlProvenance": [{"repositoryUri": "bench", "revisionId": rev}],
            "results": results,
        }],
    }
    with open(a.out, "w") as f:
        json.dump(sarif, f)
    with open(a.out + ".files", "w") as f:
        f.write("".join(p + "\n" for p in chosen))
    print(f"{len(results)} findings in {len(chosen)} files at {rev}", file=sys.stderr)


if __name__ == "__main__":
    main()
