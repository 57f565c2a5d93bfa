#!/usr/bin/env python3
"""Convert the developer-informed oracle of Rosa et al. (ICSE 2021,
github.com/grosa1/icse2021-szz-replication-package,
json-input-raw/bugfix_commits_all.json) to the truth.tsv format of
extract_fixes.py, for the repositories that are available locally.

  dio_to_truth.py --dio bugfix_commits_all.json --mirror-root "$MIRROR" \
                  [--repo-name owner/name ...] [--fixes-dir DIR] > truth-dio.tsv

Each oracle entry: {"repo_name", "fix_commit_hash", "bug_commit_hash": [...],
"best_scenario_issue_date"|"earliest_issue_date", "language": [...]}.
A repository owner/name is looked up as MIRROR_ROOT/owner+name/repo (bare) or
MIRROR_ROOT/owner+name/repo/.git (what the `fetch` tool produces).  Entries
whose fix or inducing commits are absent are dropped (counted on stderr).
Extra column repo_name says which repository each row belongs to; devspm and
basic_szz_git.py run per repository, so --fixes-dir writes one
<owner+name>.txt fixes file per repository.
"""

import argparse
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from extract_fixes import change_stats  # noqa: E402


def gitdir_for(root, name):
    base = os.path.join(root, name.replace("/", "+"), "repo")
    for d in (base, os.path.join(base, ".git")):
        if os.path.isfile(os.path.join(d, "HEAD")) and os.path.isdir(os.path.join(d, "objects")):
            return d
    return None


def exists(gitdir, sha):
    return subprocess.run(["git", "--git-dir", gitdir, "cat-file", "-e", f"{sha}^{{commit}}"],
                          capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dio", required=True)
    ap.add_argument("--mirror-root", required=True,
                    help="folder holding <owner>+<name>/repo bare git directories (as the fetch tool writes them)")
    ap.add_argument("--repo-name", action="append", help="only these repositories (repeatable)")
    ap.add_argument("--fixes-dir", help="write <owner+name>.txt fix lists here")
    a = ap.parse_args()

    st = Counter()
    entries = json.load(open(a.dio))
    byrepo = defaultdict(list)
    for e in entries:
        if a.repo_name and e["repo_name"] not in a.repo_name:
            continue
        byrepo[e["repo_name"]].append(e)
    print("fix_sha\tinducing_shas\tfix_date\tpure_addition\tfiles_touched\t"
          "files_with_deletions\tlines_deleted\tsource\tunresolved\trepo_name")
    for name in sorted(byrepo):
        g = gitdir_for(a.mirror_root, name)
        if not g:
            st["repositories not available locally"] += 1
            st["entries in unavailable repositories"] += len(byrepo[name])
            continue
        st["repositories available"] += 1
        rows = []
        for e in byrepo[name]:
            fix = e["fix_commit_hash"]
            if not exists(g, fix):
                st["entries dropped: fix commit missing"] += 1
                continue
            ind = [b for b in e["bug_commit_hash"] if exists(g, b)]
            if len(ind) < len(e["bug_commit_hash"]):
                st["inducing commits missing"] += len(e["bug_commit_hash"]) - len(ind)
            if not ind:
                st["entries dropped: no inducing commit present"] += 1
                continue
            date = subprocess.run(["git", "--git-dir", g, "log", "-1", "--format=%cI", fix],
                                  capture_output=True, text=True).stdout.strip()
            rows.append((fix, ind, date, len(e["bug_commit_hash"]) - len(ind)))
        cs = change_stats(g, [r[0] for r in rows])
        for fix, ind, date, dropped in rows:
            ft, fd, ld = cs.get(fix, (0, 0, 0))
            st["usable entries"] += 1
            st["usable pairs"] += len(ind)
            st["usable entries: pure additions"] += ld == 0
            print(f"{fix}\t{','.join(ind)}\t{date}\t{int(ld == 0)}\t{ft}\t{fd}\t{ld}\tdio\t{dropped}\t{name}")
        if a.fixes_dir and rows:
            os.makedirs(a.fixes_dir, exist_ok=True)
            with open(os.path.join(a.fixes_dir, name.replace("/", "+") + ".txt"), "w") as fh:
                fh.writelines(r[0] + "\n" for r in rows)
    st["oracle entries considered"] = sum(len(v) for v in byrepo.values())
    st["oracle repositories considered"] = len(byrepo)
    for k in sorted(st):
        print(f"{k}: {st[k]}", file=sys.stderr)


if __name__ == "__main__":
    main()
