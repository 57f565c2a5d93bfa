#!/usr/bin/env python3
"""Build c-truth.tsv and c-fixes.txt from the hand-checked c-cases.tsv.

  build_c_truth.py --repo GITDIR [--rev master] [--cases c-cases.tsv] \
                   [--truth-out c-truth.tsv] [--fixes-out c-fixes.txt]

Checks, for every case, that the fix commit exists, is on the first-parent
line of REV, has one parent and touches at least one .c file, and that every
inducing commit exists and is an ancestor of the fix (exits non-zero if not).
Writes the truth in the format of extract_fixes.py / evaluate.py (same nine
columns) plus informational columns cve, advisory_introduced_in,
advisory_agrees, published, repo_name; and the fixes list in devspm
`attribute --fixes-from` format: `FIXSHA CVE-ID YYYY-MM-DD` (advisory date).
"""

import argparse
import csv
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from extract_fixes import change_stats  # noqa: E402


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, text=True)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--rev", default="master")
    ap.add_argument("--cases", default=os.path.join(here, "c-cases.tsv"))
    ap.add_argument("--truth-out", default=os.path.join(here, "c-truth.tsv"))
    ap.add_argument("--fixes-out", default=os.path.join(here, "c-fixes.txt"))
    ap.add_argument("--repo-name", default="curl/curl")
    a = ap.parse_args()

    with open(a.cases, newline="") as fh:
        cases = list(csv.DictReader((l for l in fh if not l.startswith("#")), delimiter="\t"))
    firstparent = set(git(a.repo, "rev-list", "--first-parent", a.rev).stdout.split())
    bad = 0
    for c in cases:
        fix = c["fix_sha"]
        parents = git(a.repo, "rev-list", "--parents", "-n1", fix).stdout.split()[1:]
        cfiles = [f for f in git(a.repo, "diff", "--name-only", fix + "^", fix).stdout.split() if f.endswith(".c")]
        problems = []
        if fix not in firstparent:
            problems.append("fix not on first-parent line")
        if len(parents) != 1:
            problems.append(f"fix has {len(parents)} parents")
        if not cfiles:
            problems.append("fix touches no .c file")
        for ind in c["inducing_shas"].split(","):
            if git(a.repo, "cat-file", "-e", ind + "^{commit}").returncode:
                problems.append(f"inducing {ind[:12]} missing")
            elif git(a.repo, "merge-base", "--is-ancestor", ind, fix).returncode:
                problems.append(f"inducing {ind[:12]} not an ancestor")
        if problems:
            bad += 1
            print(f"{c['cve']}: " + "; ".join(problems), file=sys.stderr)
    if bad:
        sys.exit(f"{bad} cases failed the checks")

    stats = change_stats(a.repo, [c["fix_sha"] for c in cases])
    with open(a.truth_out, "w") as out, open(a.fixes_out, "w") as fx:
        out.write("fix_sha\tinducing_shas\tfix_date\tpure_addition\tfiles_touched\t"
                  "files_with_deletions\tlines_deleted\tsource\tunresolved\t"
                  "cve\tadvisory_introduced_in\tadvisory_agrees\tpublished\trepo_name\n")
        for c in cases:
            fix = c["fix_sha"]
            date = git(a.repo, "log", "-1", "--format=%cI", fix).stdout.strip()
            ft, fd, ld = stats[fix]
            pure = 1 if ld == 0 else 0
            out.write("\t".join([fix, c["inducing_shas"], date, str(pure), str(ft), str(fd), str(ld),
                                 "advisory+manual", "0", c["cve"], c["advisory_introduced_in"],
                                 c["advisory_agrees"], c["published"], a.repo_name]) + "\n")
            fx.write(f"{fix} {c['cve']} {c['published']}\n")
    n_pairs = sum(len(c["inducing_shas"].split(",")) for c in cases)
    print(f"{len(cases)} fixes, {n_pairs} pairs, "
          f"{sum(1 for c in cases if c['advisory_agrees'] != 'yes')} differing from the advisory",
          file=sys.stderr)


if __name__ == "__main__":
    main()
