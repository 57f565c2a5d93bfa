#!/usr/bin/env python3
"""Plain B-SZZ with git commands only -- a reference baseline for evaluate.py.

For each fix commit F (first parent P = F^):
  1. `git diff -U0 -M P F`: for every file that existed in P (modified,
     renamed or deleted -- a deleted file's lines count too; added files are
     skipped), collect the line ranges of P that F deleted or changed (the
     `-a,b` side of each hunk with b > 0).  Binary files have no hunks.
  2. `git blame --porcelain -L a,+b [-L ...] P -- oldpath`, all ranges of a
     file in one call.
  3. Every commit blamed for at least one of those lines is a bug-inducing
     candidate.  No filter at all (no whitespace/comment/test-file skipping,
     no date filter, no size cap): this is the textbook B-SZZ.

Fixes that delete nothing (pure additions) get status "unattributable".

Output: a JSON array on stdout, one object per fix, in devspm's format:
  {"fix": sha, "variant": "git-basic", "status": "attributed"|"unattributable",
   "reason": str, "inducing": [{"commit": sha, "lines": n, "files": [...]}]}

Usage:
  basic_szz_git.py --repo GITDIR --fixes fixes-input.txt [--jobs 1] [-w] > results.json

fixes-input.txt: one fix sha per line; anything after the first whitespace
(CVE id, date) is ignored; blank lines and lines starting with # are skipped.
"""

import argparse
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
BLAME_HDR_RE = re.compile(r"^([0-9a-f]{40}) \d+ \d+(?: \d+)?$")


def git(gitdir, *args, check=True):
    r = subprocess.run(["git", "--git-dir", gitdir, "-c", "core.quotePath=false", *args],
                       capture_output=True)
    if check and r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:3])}...: {r.stderr.decode(errors='replace').strip()}")
    return r.stdout.decode("utf-8", errors="replace")


def unquote(path):
    """Undo git's C-style quoting of unusual paths ("a/x\\ty")."""
    if len(path) >= 2 and path[0] == '"' and path[-1] == '"':
        b = path[1:-1].encode("latin-1", errors="backslashreplace").decode("unicode_escape")
        return b.encode("latin-1", errors="replace").decode("utf-8", errors="replace")
    return path


def deleted_ranges(gitdir, parent, fix):
    """{old_path: [(start, count), ...]} of lines of `parent` that `fix` removes."""
    out = git(gitdir, "diff", "-U0", "-M", "--no-color", "--no-ext-diff", "--no-textconv",
              parent, fix)
    ranges = defaultdict(list)
    old = None
    for line in out.splitlines():
        if line.startswith("diff --git "):
            old = None
        elif line.startswith("--- "):
            p = unquote(line[4:].rstrip("\t"))
            old = None if p == "/dev/null" else (p[2:] if p.startswith("a/") else p)
        elif line.startswith("@@") and old is not None:
            m = HUNK_RE.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
                if count > 0:
                    ranges[old].append((start, count))
    return ranges


def blame(gitdir, parent, path, ranges, ignore_ws):
    """Counter commit -> number of the given lines it last touched."""
    args = ["blame", "--porcelain"]
    if ignore_ws:
        args.append("-w")
    for start, count in ranges:
        args += ["-L", f"{start},+{count}"]
    args += [parent, "--", path]
    out = git(gitdir, *args)
    counts = defaultdict(int)
    for line in out.splitlines():
        if line.startswith("\t"):
            continue
        m = BLAME_HDR_RE.match(line)
        if m:
            counts[m.group(1)] += 1
    return counts


def szz_one(gitdir, fix, ignore_ws):
    rec = {"fix": fix, "variant": "git-basic", "inducing": [], "status": "unattributable", "reason": ""}
    try:
        full = git(gitdir, "rev-parse", "--verify", f"{fix}^{{commit}}").strip()
        rec["fix"] = full
        parent = git(gitdir, "rev-parse", "--verify", "--quiet", f"{full}^1", check=False).strip()
        if not parent:
            rec["reason"] = "root commit (no parent)"
            return rec
        ranges = deleted_ranges(gitdir, parent, full)
        if not ranges:
            rec["reason"] = "pure addition: the fix deletes or changes no existing line"
            return rec
        lines = defaultdict(int)
        files = defaultdict(set)
        errors = []
        for path, rs in ranges.items():
            try:
                for c, n in blame(gitdir, parent, path, rs, ignore_ws).items():
                    lines[c] += n
                    files[c].add(path)
            except RuntimeError as e:
                errors.append(f"{path}: {e}")
        rec["inducing"] = [
            {"commit": c, "lines": lines[c], "files": sorted(files[c])}
            for c in sorted(lines, key=lambda c: (-lines[c], c))
        ]
        if rec["inducing"]:
            rec["status"] = "attributed"
            rec["reason"] = f"blamed {sum(lines.values())} deleted/changed lines in {len(ranges)} files"
        else:
            rec["reason"] = "blame found no commit"
        if errors:
            rec["errors"] = errors
    except RuntimeError as e:
        rec["reason"] = f"error: {e}"
    return rec


def read_fixes(path):
    fixes = []
    with open(path) as fh:
        for line in fh:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            fixes.append(line.split()[0])
    return fixes


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True, help="git directory (bare mirror or .git)")
    ap.add_argument("--fixes", required=True, help="fix shas, one per line")
    ap.add_argument("--jobs", type=int, default=1, help="parallel fixes (default 1)")
    ap.add_argument("-w", dest="ignore_ws", action="store_true",
                    help="git blame -w (ignore whitespace changes); not plain B-SZZ")
    a = ap.parse_args()

    fixes = read_fixes(a.fixes)
    t0 = time.time()
    results = [None] * len(fixes)
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = {ex.submit(szz_one, a.repo, f, a.ignore_ws): i for i, f in enumerate(fixes)}
        done = 0
        for fut in futs:
            results[futs[fut]] = fut.result()
            done += 1
            if done % 25 == 0 or done == len(fixes):
                print(f"[{done}/{len(fixes)}] {time.time() - t0:.1f}s", file=sys.stderr)
    if a.ignore_ws:
        for r in results:
            r["variant"] = "git-basic-w"
    json.dump(results, sys.stdout, indent=1)
    sys.stdout.write("\n")
    att = sum(r["status"] == "attributed" for r in results)
    print(f"{len(results)} fixes, {att} attributed, "
          f"{sum(len(r['inducing']) for r in results)} inducing candidates, "
          f"{time.time() - t0:.1f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
