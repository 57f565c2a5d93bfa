#!/usr/bin/env python3
"""Extract SZZ ground truth from Linux-style ``Fixes:`` trailers.

A ``Fixes: <abbrev-sha> ("subject")`` trailer names the commit that introduced
the bug the current commit fixes.  For every non-merge commit reachable from
REV (default HEAD) that carries one or more such references, resolve each
abbreviated sha, keep the inducing commits that exist and are ancestors of the
fix, and print one TSV row per fix:

    fix_sha  inducing_shas  fix_date  pure_addition  files_touched
    files_with_deletions  lines_deleted  source  unresolved

The first five columns are the contract; the others are informational.

* inducing_shas   comma-separated full shas (only resolved, ancestor ones)
* fix_date        committer date of the fix, ISO 8601 (strict)
* pure_addition   1 if the fix deletes/changes no line of any pre-existing
                  file (B-SZZ has nothing to blame), else 0
* files_touched   number of files the fix touches (renames detected, -M)
* source          trailer  = every reference came from git's trailer parser
                  body     = at least one came from a ``Fixes:`` line outside
                             the final trailer block (a detached paragraph,
                             e.g. separated by a blank line from Signed-off-by)
* unresolved      references of this fix that were dropped (missing,
                  ambiguous, not an ancestor, self-reference)

Statistics go to stderr.  Usage:

    extract_fixes.py --repo GITDIR [--rev HEAD] [--since DATE] [--limit N]
                     [--strict-trailers] [--fixes-out fixes-input.txt] > truth.tsv

``--limit N`` keeps the N most recent usable fixes.  ``--fixes-out`` also
writes the fix shas (one per line, devspm ``--fixes-from`` format).
"""

import argparse
import re
import subprocess
import sys
from collections import Counter

# An abbreviated sha at the start of a Fixes: value, optionally preceded by the
# word "commit" (seen in the wild: "Fixes: commit 1234abcd ...").
SHA_RE = re.compile(r"^\s*(?:commit\s+)?([0-9a-fA-F]{7,40})\b")
# A quoted subject after the sha: ("subject") -- used to disambiguate.
SUBJ_RE = re.compile(r'\(\s*"(.*)"\s*\)', re.S)
# Fixes: lines anywhere in the message (for detached trailer paragraphs).
# Not indented: indented "Fixes:" lines quote other commits (e.g. upstream
# kernel patches being backported) and name shas of another repository.
BODY_RE = re.compile(r"(?i)^Fixes:[ \t]*(.*)$")


def body_fixes(body):
    """Values of unindented Fixes: lines; a quoted subject wrapped onto the
    next lines (indented or not) is joined back."""
    lines = body.splitlines()
    for i, line in enumerate(lines):
        m = BODY_RE.match(line)
        if not m:
            continue
        value = m.group(1)
        j = i + 1
        while '("' in value and '")' not in value and j < len(lines) and j <= i + 3 and lines[j].strip():
            value += " " + lines[j].strip()
            j += 1
        yield value


def norm_subject(s):
    s = " ".join(s.lower().split())
    return s.rstrip(".").rstrip()


def subject_matches(trailer_subj, commit_subj):
    """Lenient: equal, or one contained in the other (a "component: " prefix
    or the tail is often left out), or nearly the same words (Jaccard >= 0.8).
    Catches shas that name a different commit than the quoted subject."""
    a = norm_subject(trailer_subj).rstrip(".…").rstrip()
    b = norm_subject(commit_subj)
    if not a or not b:
        return True
    if a == b or (len(a) >= 15 and a in b) or (len(b) >= 15 and b in a):
        return True
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / len(wa | wb) >= 0.8


def git(gitdir, *args, input=None, check=True):
    r = subprocess.run(
        ["git", "--git-dir", gitdir, *args],
        input=input,
        capture_output=True,
    )
    if check and r.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {r.stderr.decode(errors='replace')}")
    return r


def parse_ref(value):
    """Fixes: value -> (abbrev sha lowercase, subject or None), or None."""
    m = SHA_RE.match(value)
    if not m:
        return None
    sm = SUBJ_RE.search(value)
    subj = " ".join(sm.group(1).split()) if sm else None
    return m.group(1).lower(), subj


def scan_log(gitdir, rev, since, strict):
    """Yield (fix_sha, date, parents, [(abbrev, subject, source)])."""
    fmt = "%H%x00%P%x00%cI%x00%(trailers:key=Fixes,valueonly,unfold,separator=%x1f)%x00%B%x00%x1e"
    args = ["log", "--no-merges", "--no-show-signature", f"--format={fmt}"]
    if since:
        args.append(f"--since={since}")
    args.append(rev)
    out = git(gitdir, *args).stdout.decode("utf-8", errors="replace")
    for rec in out.split("\x1e"):
        rec = rec.lstrip("\n")
        if not rec:
            continue
        parts = rec.split("\x00")
        if len(parts) < 5:
            continue
        sha, parents, date, trailers, body = parts[:5]
        refs = []
        seen = set()
        for v in trailers.split("\x1f"):
            v = v.strip()
            if not v:
                continue
            p = parse_ref(v)
            if p and p[0] not in seen:
                seen.add(p[0])
                refs.append((p[0], p[1], "trailer"))
        if not strict and "fixes:" in body.lower():
            for value in body_fixes(body):
                p = parse_ref(value)
                if p and not any(s.startswith(p[0]) or p[0].startswith(s) for s in seen):
                    seen.add(p[0])
                    refs.append((p[0], p[1], "body"))
        if refs:
            yield sha, date, parents.split(), refs


def resolve_batch(gitdir, abbrevs):
    """abbrev -> ('ok', full) | ('ambiguous', None) | ('missing', None)."""
    abbrevs = sorted(set(abbrevs))
    inp = "".join(f"{a}^{{commit}}\n" for a in abbrevs).encode()
    out = git(gitdir, "cat-file", "--batch-check=%(objectname) %(objecttype)", input=inp).stdout.decode()
    res = {}
    for a, line in zip(abbrevs, out.splitlines()):
        f = line.split()
        if len(f) == 2 and f[1] == "commit":
            res[a] = ("ok", f[0])
        elif line.endswith("ambiguous"):
            res[a] = ("ambiguous", None)
        else:
            res[a] = ("missing", None)
    return res


def disambiguate(gitdir, abbrev, subject):
    """Pick the commit candidate whose subject matches the trailer's subject."""
    if not subject:
        return None
    r = git(gitdir, "rev-parse", f"--disambiguate={abbrev}", check=False)
    cands = [c for c in r.stdout.decode().split() if c]
    hits = []
    for c in cands:
        t = git(gitdir, "cat-file", "-t", c, check=False).stdout.decode().strip()
        if t != "commit":
            continue
        s = git(gitdir, "log", "-1", "--format=%s", c).stdout.decode().strip()
        if " ".join(s.split()) == subject:
            hits.append(c)
    return hits[0] if len(hits) == 1 else None


def commit_subjects(gitdir, shas):
    shas = sorted(set(shas))
    if not shas:
        return {}
    inp = "".join(s + "\n" for s in shas).encode()
    out = git(gitdir, "log", "--no-walk=unsorted", "--stdin", "--format=%H%x00%s",
              input=inp).stdout.decode("utf-8", errors="replace")
    return dict(l.split("\x00", 1) for l in out.splitlines() if "\x00" in l)


def is_ancestor(gitdir, a, b):
    return git(gitdir, "merge-base", "--is-ancestor", a, b, check=False).returncode == 0


def change_stats(gitdir, shas):
    """fix sha -> (files_touched, files_with_deletions, lines_deleted).

    One `git log --no-walk --stdin --numstat -M` over all fixes.  Binary files
    ("-\t-") count as touched, not as deleted lines.
    """
    stats = {}
    if not shas:
        return stats
    inp = "".join(s + "\n" for s in shas).encode()
    out = git(
        gitdir, "log", "--no-walk=unsorted", "--stdin", "--format=@@%H",
        "--numstat", "-M", "--first-parent", input=inp,
    ).stdout.decode("utf-8", errors="replace")
    cur = None
    for line in out.splitlines():
        if line.startswith("@@"):
            cur = line[2:].strip()
            stats[cur] = [0, 0, 0]
            continue
        if not line.strip() or cur is None:
            continue
        f = line.split("\t")
        if len(f) < 3:
            continue
        stats[cur][0] += 1
        if f[1] != "-" and int(f[1]) > 0:
            stats[cur][1] += 1
            stats[cur][2] += int(f[1])
    return {k: tuple(v) for k, v in stats.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repo", required=True, help="git directory (bare mirror or .git)")
    ap.add_argument("--rev", default="HEAD", help="history to scan (default HEAD)")
    ap.add_argument("--since", help="only fixes committed after DATE (git --since)")
    ap.add_argument("--limit", type=int, help="keep the N most recent usable fixes")
    ap.add_argument("--strict-trailers", action="store_true",
                    help="only git's trailer parser; ignore detached Fixes: lines")
    ap.add_argument("--subject-check", choices=["drop", "flag", "off"], default="drop",
                    help="when the Fixes: value quotes a subject and the resolved commit's "
                         "subject differs: drop the reference (default), keep it and list it "
                         "on stderr (flag), or do not compare (off)")
    ap.add_argument("--fixes-out", help="also write fix shas, one per line, here")
    a = ap.parse_args()

    st = Counter()
    fixes = list(scan_log(a.repo, a.rev, a.since, a.strict_trailers))
    st["fix commits with Fixes: refs"] = len(fixes)
    st["Fixes: references"] = sum(len(r) for _, _, _, r in fixes)
    st["  of which from detached (non-trailer) lines"] = sum(
        1 for _, _, _, r in fixes for x in r if x[2] == "body")

    res = resolve_batch(a.repo, [x[0] for _, _, _, r in fixes for x in r])

    subjects = commit_subjects(a.repo, [f for k, f in res.values() if k == "ok"])
    mismatches = []

    rows = []
    for sha, date, parents, refs in fixes:
        if not parents:
            st["fixes skipped: root commit"] += 1
            continue
        good, dropped, src = [], 0, set()
        for abbrev, subj, source in refs:
            kind, full = res[abbrev]
            if kind == "ambiguous":
                full = disambiguate(a.repo, abbrev, subj)
                if full:
                    st["refs ambiguous, resolved by subject"] += 1
                else:
                    st["refs dropped: ambiguous"] += 1
                    dropped += 1
                    continue
            elif kind == "missing":
                st["refs dropped: no such commit"] += 1
                dropped += 1
                continue
            if full == sha:
                st["refs dropped: self-reference"] += 1
                dropped += 1
                continue
            if subj and a.subject_check != "off":
                cs_ = subjects.get(full)
                if cs_ is None:
                    cs_ = commit_subjects(a.repo, [full]).get(full, "")
                if not subject_matches(subj, cs_):
                    mismatches.append((sha, abbrev, subj, cs_))
                    if a.subject_check == "drop":
                        st["refs dropped: subject differs from the named commit"] += 1
                        dropped += 1
                        continue
                    st["refs kept despite a subject mismatch"] += 1
            if not is_ancestor(a.repo, full, sha):
                st["refs dropped: not an ancestor of the fix"] += 1
                dropped += 1
                continue
            if full not in good:
                good.append(full)
                src.add(source)
        if not good:
            st["fixes dropped: no usable reference"] += 1
            continue
        rows.append([sha, good, date, dropped, "body" if "body" in src else "trailer"])

    if a.limit is not None:
        rows = rows[: a.limit]  # git log order: most recent first

    cs = change_stats(a.repo, [r[0] for r in rows])
    print("fix_sha\tinducing_shas\tfix_date\tpure_addition\tfiles_touched\t"
          "files_with_deletions\tlines_deleted\tsource\tunresolved")
    for sha, good, date, dropped, source in rows:
        ft, fd, ld = cs.get(sha, (0, 0, 0))
        pure = 1 if ld == 0 else 0
        st["usable fixes"] += 1
        st["usable pairs"] += len(good)
        st["usable fixes: pure additions"] += pure
        st["usable fixes: >1 inducing commit"] += len(good) > 1
        print(f"{sha}\t{','.join(good)}\t{date}\t{pure}\t{ft}\t{fd}\t{ld}\t{source}\t{dropped}")
    if a.fixes_out:
        with open(a.fixes_out, "w") as fh:
            for r in rows:
                fh.write(r[0] + "\n")

    for sha, abbrev, subj, cs_ in mismatches:
        print(f"subject mismatch: fix {sha[:12]} Fixes: {abbrev} (\"{subj}\") "
              f"-> commit subject \"{cs_}\"", file=sys.stderr)
    nc = git(a.repo, "rev-list", "--count", "--no-merges", a.rev).stdout.decode().strip()
    print(f"non-merge commits in {a.rev}: {nc}", file=sys.stderr)
    for k in sorted(st, key=lambda k: (not k.startswith(("fix commits", "Fixes:", "  ")), k)):
        print(f"{k}: {st[k]}", file=sys.stderr)


if __name__ == "__main__":
    main()
