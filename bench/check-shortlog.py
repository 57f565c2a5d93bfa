#!/usr/bin/env python3
"""Check devspm's recorded authors against `git shortlog -sne` on a real repository.

The acceptance check of the foundation issue: after `devspm scan`, the commit count equals
`git rev-list --count` and author counts agree with `git shortlog -sne` after .mailmap.

Usage:
    bench/check-shortlog.py REPO DB [--scope all|branches-tags] [--devspm BIN]

REPO is the repository devspm ingested, DB its devspm database (--db), and BIN the devspm
binary (default: $DEVSPM_BIN, else `devspm` on PATH). Names and e-mails are sealed in the
database, so the identities come from `devspm identities --format json` (each identity with its
aliases and authored commits); commit ids are read from the database with sqlite3 (read-only).
Every alias is mapped through the repository's mailmap with `git check-mailmap --stdin`; each
shortlog line must then belong to exactly one devspm identity, and each identity's authored
commits must equal the sum of its shortlog lines (identities without authored commits, e.g. of
trailers only, are not compared), and no identity may hold shortlog lines of different e-mail
addresses (git's people after mailmap; GitHub no-reply addresses of one account count as one):
that would be devspm joining people git keeps apart. Exit 0 when everything agrees, 1 otherwise.

Since resolver 2, a .mailmap link whose line was added by one of the two sides it joins, when
the names they committed under differ, is held back (contested) until the operator confirms it
with an [[identity]] (docs/attribution.md, "Identities and .mailmap"); such links are listed as
notes, and their shortlog lines as disagreements.
"""
import argparse
import collections
import json
import os
import re
import sqlite3
import subprocess
import sys

NOREPLY = re.compile(rb"<(?:\d+\+)?([^@<>]+)@users\.noreply\.github\.com>$", re.I)


def git(repo, *args, stdin=None):
    return subprocess.run(["git", "-C", repo, *args], input=stdin, capture_output=True, check=True).stdout


def email_of(ident):
    return ident[ident.rfind(b"<"):].lower()


def person_of(ident):
    """The e-mail that names a person in git's eyes; one GitHub account's no-reply forms as one."""
    email = email_of(ident)
    match = NOREPLY.search(email)
    return b"github:" + match.group(1) if match else email


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("repo")
    parser.add_argument("db")
    parser.add_argument("--scope", choices=["all", "branches-tags"], default="all")
    parser.add_argument("--devspm", default=os.environ.get("DEVSPM_BIN", "devspm"))
    args = parser.parse_args()
    scope = ["--all"] if args.scope == "all" else ["--branches", "--tags"]

    reachable = set(git(args.repo, "rev-list", *scope).decode().split())
    shortlog = collections.Counter()
    for line in git(args.repo, "shortlog", "-sne", *scope).splitlines():
        count, _, ident = line.strip().partition(b"\t")
        shortlog[ident] += int(count)

    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    repositories = db.execute("SELECT count(*) FROM repositories").fetchone()[0]
    recorded = {r[0] for r in db.execute("SELECT sha FROM commits")}
    db.close()
    listing = subprocess.run(
        [args.devspm, "--db", args.db, "--format", "json", "identities"], capture_output=True, check=True
    ).stdout
    identities = [i for i in json.loads(listing) if not i.get("forgotten")]

    aliases = sorted({a.encode() for i in identities for a in i["alias_list"]})
    mapped = git(args.repo, "check-mailmap", "--stdin", stdin=b"\n".join(aliases) + b"\n").splitlines()
    canonical = dict(zip(aliases, mapped))
    owners_by_ident, owners_by_email = collections.defaultdict(set), collections.defaultdict(set)
    # Only identities that authored commits can own a shortlog line (an identity made of, say, a
    # malformed Helped-by trailer's alias has none, and mailmap may still map it somewhere).
    for i in (i for i in identities if i["commits"]):
        for alias in i["alias_list"]:
            ident = canonical[alias.encode()]
            owners_by_ident[ident].add(i["identity"])
            owners_by_email[email_of(ident)].add(i["identity"])

    problems, notes = [], []
    if repositories != 1:
        notes.append(f"the database holds {repositories} repositories: identity totals count all of them")
    missing = len(reachable - recorded)
    if missing:
        problems.append(f"commits: {missing} of git rev-list's {len(reachable)} commits are not recorded")
    expected = collections.Counter()
    for ident, n in sorted(shortlog.items()):
        owners = owners_by_ident.get(ident)
        if not owners:
            # git re-encodes the names of commits with an `encoding` header when it prints them;
            # devspm keeps the bytes as committed: the e-mail still names the identity.
            owners = owners_by_email.get(email_of(ident), set())
            if len(owners) == 1:
                notes.append(f"{ident.decode(errors='replace')}: matched by e-mail only")
        if len(owners) != 1:
            problems.append(f"{ident.decode(errors='replace')} ({n} commits): belongs to {len(owners)} devspm identities {sorted(owners)}")
            continue
        expected[next(iter(owners))] += n
    people = collections.defaultdict(set)
    for ident, owners in owners_by_ident.items():
        if shortlog.get(ident) and len(owners) == 1:
            people[next(iter(owners))].add(person_of(ident))
    for identity, emails in sorted(people.items()):
        if len(emails) > 1:
            shown = ", ".join(sorted(e.decode(errors="replace") for e in emails))
            problems.append(f"{identity} joins {len(emails)} people git keeps apart: {shown}")
    contested = db_contested(args.db)
    for line in contested:
        notes.append(f"contested .mailmap link (held back): {line}")
    authors = 0
    for i in identities:
        if i["commits"] or expected[i["identity"]]:
            authors += 1
        if i["commits"] != expected[i["identity"]]:
            problems.append(f"{i['name']} <{i['email']}> ({i['identity']}): devspm {i['commits']} authored commits, shortlog {expected[i['identity']]}")

    print(f"commits recorded: {len(recorded & reachable)} of rev-list's {len(reachable)}")
    print(f"contested .mailmap links: {len(contested)}")
    print(f"shortlog lines: {len(shortlog)}; devspm identities with authored commits: {authors}")
    if notes:
        print(f"{len(notes)} notes:")
        for n in notes[:20]:
            print("  " + n)
    if problems:
        print(f"{len(problems)} disagreements:")
        for p in problems[:50]:
            print("  " + p)
        return 1
    print("author counts agree with git shortlog -sne after mailmap; every shortlog line is one identity")
    return 0


def db_contested(path):
    """The .mailmap links whose latest judgement is `contested`, as alias -> canonical ids."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    latest = {}
    for (payload,) in db.execute("SELECT payload FROM events WHERE kind = 'alias_link_judged' ORDER BY seq"):
        j = json.loads(payload)
        latest[(j["repo"], j["alias"], j["canonical"])] = j["verdict"]
    db.close()
    return [f"{a} -> {c}" for (_, a, c), v in sorted(latest.items()) if v == "contested"]


if __name__ == "__main__":
    sys.exit(main())
