#!/usr/bin/env python3
"""Generate a deterministic synthetic git repository for devspm ingest benchmarks.

Usage:
    bench/gen-synthetic-repo.py OUT_DIR [--commits N] [--seed S] [--no-repack]

OUT_DIR must not exist (or be empty). The same --commits/--seed always produce
the same history, byte for byte (same commit ids): no wall clock is read and all
timestamps are fixed raw "<epoch> <tz>" values, like GIT_AUTHOR_DATE. The history
is streamed into `git fast-import` (50k commits take well under a minute), then
the working tree of `main` is checked out.

What the history contains (the awkward cases an ingester must survive):
  * ~200 text files across nested directories; each ordinary commit changes
    1-6 files with a few added/removed lines, so line diffs are non-trivial;
  * occasional new files, deletions, renames (same content at a new path,
    sometimes with a small edit), a chmod +x, a symlink, a CRLF file and files
    without a trailing newline;
  * a few binary files (NUL bytes), a non-UTF-8 path (b'docs/caf\\xe9.txt'),
    paths with spaces and UTF-8, a commit message with raw Latin-1 bytes (no
    encoding header) and one with an `encoding ISO-8859-1` header;
  * feature branches forked and merged back every ~50 commits (PR-style merges
    committed by GitHub, plain merges, back-merges of main into branches), at
    least one octopus merge with 3 parents, dependabot branches, an orphan
    gh-pages branch and a few branches that are never merged;
  * ~40 human authors (some with two e-mails, mapped by a committed .mailmap),
    GitHub noreply addresses (12345+login@users.noreply.github.com), bots
    (dependabot[bot], github-actions[bot]), committers different from
    authors, varied timezones (+0200, -0700, +0530, ...);
  * trailers: Co-authored-by, Signed-off-by, Reviewed-by and
    "Co-Authored-By: Claude <noreply@anthropic.com>";
  * lightweight and annotated tags.

`git rev-list --all --count` equals --commits exactly. Merged branch refs are
deleted after the import; unmerged ones stay. The objects are then repacked
with `git repack -adF` so the pack has same-file deltas like a real clone
(reading it is markedly faster than fast-import's own pack; ~half the run
time). --no-repack skips that and keeps fast-import's (delta-less) pack.
Needs only Python 3.11 stdlib and git >= 2.27.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time
import unicodedata

# ---------------------------------------------------------------------------
# Static vocabulary
# ---------------------------------------------------------------------------

WORDS = (
    "alpha beta gamma delta cache index ledger event commit author stream "
    "buffer parser token reader writer config option value result error state "
    "batch chunk queue worker handle path tree blob diff patch hunk line count "
    "total window offset limit cursor record schema table column row query "
    "filter mapper reducer scope frame slot entry node edge graph walk visit "
    "merge branch tag ref head base root leaf child parent owner sink source "
    "metric sample bucket range span label name id key hash digest checksum "
    "timer clock delay retry backoff timeout signal channel socket client "
    "server request response header body payload encode decode flush sync"
).split()

MODULES = (
    "core ledger ingest git cli config store schema metrics report query "
    "mailmap identity diff walker cache util"
).split()

FIRST = (
    "Alice Bob Carol David Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia "
    "Peggy Rupert Sybil Trent Victor Walter Yuki Zoë José Ana Priya Rahul Chen "
    "Mei Søren Ingrid Lars Fatima Omar Kwame Amara Diego Lucía Hiroshi Sakura "
    "Dmitri Olga"
).split()

LAST = (
    "Johnson Smith Nguyen Müller García Kowalski Andersen Tanaka Okafor Rossi "
    "Dubois Silva Petrov Kim Patel Cohen O'Brien Haddad Novak Larsen Schmidt "
    "Moreau Fernández Ito Mensah Singh Li Wang Berg Costa Ivanova Nakamura "
    "Hughes Klein Romano Eriksson Jansen Yilmaz Popescu Horvat"
).split()

TIMEZONES = [
    "+0000", "+0100", "+0200", "+0300", "-0700", "-0800", "-0500", "-0400",
    "+0530", "+0545", "+0800", "+0900", "+1000", "-0300", "+1300", "-0930",
]

DEPS = (
    "serde serde_json anyhow thiserror clap rusqlite gix tokio rayon regex "
    "chrono time tracing tracing-subscriber indicatif once_cell bstr memchr "
    "smallvec hashbrown itertools tempfile walkdir crossbeam-channel parking_lot "
    "libc log env_logger toml sha1 sha2 hex base64 bytes flate2 zstd "
    "miniz_oxide crc32fast adler cfg-if bitflags unicode-ident proc-macro2 "
    "quote syn autocfg byteorder either equivalent fallible-iterator "
    "fallible-streaming-iterator hashlink libsqlite3-sys pkg-config vcpkg cc "
    "jobserver strsim anstream anstyle anstyle-parse anstyle-query colorchoice "
    "utf8parse heck clap_builder clap_derive clap_lex is_terminal_polyfill "
    "ryu itoa num-traits iana-time-zone js-sys wasm-bindgen windows-sys "
    "windows-targets windows_x86_64_gnu windows_x86_64_msvc rustix linux-raw-sys "
    "errno fastrand getrandom rand rand_core rand_chacha ppv-lite86 zerocopy "
    "ahash allocator-api2 aho-corasick regex-syntax regex-automata lazy_static "
    "nu-ansi-term overload sharded-slab thread_local tracing-core tracing-log "
    "pin-project-lite valuable console unicode-width number_prefix portable-atomic"
).split()

DIRS = [
    "src", "src/core", "src/ledger", "src/ingest", "src/ingest/git", "src/cli",
    "src/util", "tests", "tests/fixtures", "docs", "docs/design", "scripts",
    "web/src", "web/src/components", "web/styles", "config", "tools/py",
]
EXT_FOR_DIR = {
    "src": ".rs", "tests": ".rs", "docs": ".md", "scripts": ".sh",
    "web/src": ".ts", "web/styles": ".css", "config": ".toml", "tools": ".py",
}

START_EPOCH = 1_514_764_800  # 2018-01-01T00:00:00Z, fixed (no wall clock)
MEAN_GAP = 3_600  # seconds between consecutive commits, on average

TEXT, TEXT_NOEOL, BINARY, SYMLINK = 0, 1, 2, 3


def to_ascii(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


def ext_of(d: str) -> str:
    for prefix, ext in EXT_FOR_DIR.items():
        if d == prefix or d.startswith(prefix + "/"):
            return ext
    return ".txt"


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------


class Identity:
    __slots__ = ("name", "email", "tz", "alts", "login")

    def __init__(self, name, email, tz, login, alts=()):
        self.name, self.email, self.tz, self.login = name, email, tz, login
        self.alts = list(alts)  # (name, email) pairs used instead, sometimes


class Branch:
    __slots__ = ("name", "ref", "tip", "state", "changed", "ncommits", "target",
                 "owner", "merged", "never_merge", "kind", "dep", "pr")

    def __init__(self, name, tip, state, owner, target, kind="feature"):
        self.name = name
        self.ref = b"refs/heads/" + name.encode()
        self.tip = tip
        self.state = dict(state)
        self.changed = {}  # path -> entry or None (deleted), since the fork
        self.ncommits = 0
        self.target = target
        self.owner = owner
        self.merged = False
        self.never_merge = False
        self.kind = kind
        self.dep = None
        self.pr = 0


class Gen:
    def __init__(self, n_commits: int, seed: int, out):
        self.N = n_commits
        self.rng = random.Random(seed)
        self.out = out  # binary file-like (fast-import stdin)
        self.buf = []
        self.buflen = 0
        self.mark = 0
        self.count = 0  # commits emitted
        self.t = START_EPOCH
        self.main_state: dict[bytes, tuple] = {}
        self.main_tip = 0
        self.branches: list[Branch] = []  # active (unmerged, still growing)
        self.all_branches: list[Branch] = []
        self.branch_names: dict[str, int] = {}
        self.next_branch_at = 20
        self.pr = 100
        self.merges = 0
        self.octopus = 0
        self.tags = 0
        # never deleted or renamed by random changes
        self.protected = {b".mailmap", b"README.md", b"Cargo.toml", b"Cargo.lock",
                          b"LICENSE", b"docs/caf\xe9.txt", b"docs/README.md",
                          "docs/Überblick.md".encode()}
        # only changed by their dedicated events (dependabot, .mailmap updates)
        self.generated = {b".mailmap", b"Cargo.toml", b"Cargo.lock"}
        self.make_people()
        self.dep_versions = {}
        for d in DEPS:
            self.dep_versions[d] = [self.rng.randint(0, 2), self.rng.randint(0, 30),
                                    self.rng.randint(0, 20)]
        self.direct_deps = DEPS[:20]

    # -- people -------------------------------------------------------------
    def make_people(self):
        rng = self.rng
        lasts = list(LAST)
        rng.shuffle(lasts)
        self.humans: list[Identity] = []
        for i, (first, last) in enumerate(zip(FIRST, lasts)):
            ascii_first = to_ascii(first).lower() or "user"
            ascii_last = to_ascii(last).lower().replace("'", "") or f"user{i}"
            login = ascii_first[0] + ascii_last
            tz = TIMEZONES[rng.randrange(len(TIMEZONES))]
            if i % 5 == 3:
                # GitHub noreply address as the main e-mail
                email = f"{1_000_000 + i * 7919}+{login}@users.noreply.github.com"
            else:
                email = f"{ascii_first}.{ascii_last}@acme.example"
            name = f"{first} {last}"
            alts = []
            if i % 6 == 1:
                alts.append((name, f"{ascii_first}{i}@mail.example"))  # personal
            if i % 6 == 4:
                alts.append((login, f"{login}@users.noreply.github.com"))  # old noreply
            if i == 7:
                alts.append((first, f"{ascii_first}@laptop.local"))  # misconfigured box
            self.humans.append(Identity(name, email, tz, login, alts))
        # Zipf-like activity: a few people write most of the commits.
        self.weights = [1.0 / (k + 1) ** 0.9 for k in range(len(self.humans))]
        self.maintainers = self.humans[:4]
        self.dependabot = Identity(
            "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com",
            "+0000", "dependabot[bot]")
        self.actions = Identity(
            "github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com",
            "+0000", "github-actions[bot]")
        self.github = Identity("GitHub", "noreply@github.com", "+0000", "web-flow")

    def pick_human(self) -> Identity:
        return self.rng.choices(self.humans, weights=self.weights)[0]

    def ident(self, who: Identity, when: int, tz: str | None = None) -> bytes:
        name, email = who.name, who.email
        if who.alts and self.rng.random() < 0.3:
            name, email = who.alts[self.rng.randrange(len(who.alts))]
        if tz is None:
            tz = who.tz if self.rng.random() < 0.95 else self.rng.choice(TIMEZONES)
        return f"{name} <{email}> {when} {tz}".encode()

    def mailmap_text(self, full: bool) -> bytes:
        lines = ["# Map alternate identities to the canonical ones", ""]
        for k, h in enumerate(self.humans):
            if not full and k > len(self.humans) // 2:
                break
            for (an, ae) in h.alts:
                if an == h.name:
                    lines.append(f"{h.name} <{h.email}> <{ae}>")
                else:
                    lines.append(f"{h.name} <{h.email}> {an} <{ae}>")
        return ("\n".join(lines) + "\n").encode()

    # -- output -------------------------------------------------------------
    def w(self, data: bytes):
        self.buf.append(data)
        self.buflen += len(data)
        if self.buflen > (1 << 20):
            self.flush()

    def flush(self):
        if self.buf:
            self.out.write(b"".join(self.buf))
            self.buf.clear()
            self.buflen = 0

    def new_mark(self) -> int:
        self.mark += 1
        return self.mark

    def blob(self, data: bytes) -> int:
        m = self.new_mark()
        self.w(b"blob\nmark :%d\ndata %d\n%s\n" % (m, len(data), data))
        return m

    @staticmethod
    def qpath(p: bytes) -> bytes:
        if b'"' in p or b"\\" in p or b"\n" in p:
            return b'"' + p.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(
                b"\n", b"\\n") + b'"'
        return p

    def commit(self, ref: bytes, parents: list[int], author: bytes, committer: bytes,
               msg: bytes, ops: list[bytes], encoding: bytes | None = None) -> int:
        assert self.count < self.N, "commit budget exceeded"
        m = self.new_mark()
        parts = [b"commit ", ref, b"\nmark :%d\nauthor " % m, author,
                 b"\ncommitter ", committer, b"\n"]
        if encoding:
            parts.append(b"encoding " + encoding + b"\n")
        parts.append(b"data %d\n" % len(msg))
        parts.append(msg)
        parts.append(b"\n")
        if parents:
            parts.append(b"from :%d\n" % parents[0])
            for p in parents[1:]:
                parts.append(b"merge :%d\n" % p)
        else:
            parts.append(b"deleteall\n")
        parts.extend(ops)
        parts.append(b"\n")
        self.w(b"".join(parts))
        self.count += 1
        return m

    def tick(self) -> int:
        # Exponential-ish gaps, with the odd quiet week.
        gap = int(self.rng.expovariate(1.0 / MEAN_GAP)) + 30
        if self.rng.random() < 0.002:
            gap += self.rng.randint(3, 10) * 86_400
        self.t += gap
        return self.t

    # -- file content ---------------------------------------------------------
    def word(self) -> str:
        return WORDS[self.rng.randrange(len(WORDS))]

    def gen_line(self, ext: str) -> bytes:
        r = self.rng
        w = self.word
        k = r.randrange(10)
        if ext == ".rs":
            s = (f"    let {w()}_{w()} = {w()}(&{w()}, {r.randint(0, 999)});",
                 f"    if {w()}.is_{w()}() {{ return Err(Error::{w().title()}); }}",
                 f"pub fn {w()}_{w()}({w()}: &{w().title()}) -> Result<{w().title()}> {{",
                 f"    // {w()} {w()} {w()} {w()}",
                 "}", "",
                 f"    {w()}.{w()}_{w()}()?;",
                 f"        .map(|{w()[0]}| {w()}({w()[0]}))",
                 f"use crate::{w()}::{{{w().title()}, {w().title()}}};",
                 f"    assert_eq!({w()}.len(), {r.randint(0, 64)});")[k]
        elif ext == ".md":
            s = ("" if k < 2 else
                 ("## " if k == 2 else "- " if k < 5 else "") +
                 " ".join(w() for _ in range(r.randint(3, 12))).capitalize() + ".")
        elif ext == ".ts":
            s = (f"export const {w()}{w().title()} = {r.randint(0, 99)};",
                 f"  const {w()} = await {w()}.{w()}({w()});",
                 f"import {{ {w()} }} from './{w()}';",
                 f"  if (!{w()}) return {w()};", "}", "",
                 f"  // TODO: {w()} {w()} {w()}",
                 f"  {w()}.{w()}({w()}, {w()});",
                 f"function {w()}({w()}: {w().title()}): void {{",
                 f"  return {w()}?.{w()} ?? null;")[k]
        elif ext == ".py":
            s = (f"    {w()} = {w()}({w()}, {r.randint(0, 99)})",
                 f"def {w()}_{w()}({w()}, {w()}=None):",
                 f"    if not {w()}:", f"        return {w()}", "",
                 f"    # {w()} {w()} {w()}", f"import {w()}",
                 f"    for {w()} in {w()}:", f"        {w()}.append({w()})",
                 f"    raise ValueError('{w()} {w()}')")[k]
        elif ext == ".sh":
            s = (f'{w().upper()}="${{{w().upper()}:-{w()}}}"',
                 f"if [ -n \"${w()}\" ]; then", "fi", "",
                 f"  {w()} --{w()} \"${w()}\"", f"# {w()} {w()} {w()}",
                 f"echo \"{w()} {w()}\"", f"{w()}() {{", "}",
                 f"  exit {r.randint(0, 3)}")[k]
        elif ext == ".css":
            s = (f".{w()}-{w()} {{", "}", "",
                 f"  margin: {r.randint(0, 32)}px;", f"  color: #{r.randrange(1 << 24):06x};",
                 f"  display: {r.choice(('flex', 'grid', 'block', 'none'))};",
                 f"  padding: {r.randint(0, 16)}px {r.randint(0, 16)}px;",
                 f"/* {w()} {w()} */", f"  font-size: {r.randint(10, 24)}px;",
                 f"  border: 1px solid #{r.randrange(1 << 24):06x};")[k]
        elif ext in (".toml", ".yaml"):
            s = ("" if k == 0 else f"[{w()}]" if k == 1 else
                 f"{w()}_{w()} = {r.randint(0, 9999)}" if k < 6 else
                 f'{w()} = "{w()}"')
        else:
            s = " ".join(w() for _ in range(r.randint(2, 10)))
        return s.encode()

    def new_text(self, path: bytes) -> tuple:
        ext = os.path.splitext(path)[1].decode("latin-1")
        n = self.rng.randint(8, 90)
        lines = tuple(self.gen_line(ext) for _ in range(n))
        kind = TEXT_NOEOL if self.rng.random() < 0.03 else TEXT
        return self.store(0o100755 if ext == ".sh" else 0o100644, kind, lines)

    def store(self, mode: int, kind: int, data) -> tuple:
        if kind == TEXT:
            raw = b"\n".join(data) + b"\n"
        elif kind == TEXT_NOEOL:
            raw = b"\n".join(data)
        else:
            raw = data
        return (mode, self.blob(raw), kind, data)

    def edit_text(self, path: bytes, entry: tuple) -> tuple:
        mode, _, kind, lines = entry
        r = self.rng
        ext = os.path.splitext(path)[1].decode("latin-1")
        crlf = path.endswith(b".bat")
        lines = list(lines)
        for _ in range(r.choice((1, 1, 1, 2, 2, 3))):
            n = len(lines)
            pos = r.randint(0, n)
            dels = r.randint(0, 4) if n > 12 else r.randint(0, 1)
            if n > 160:
                dels += 3
            ins = r.randint(0, 4)
            if dels == 0 and ins == 0:
                ins = 1
            del lines[pos:pos + dels]
            new = [self.gen_line(ext) for _ in range(ins)]
            if crlf:
                new = [x + b"\r" for x in new]
            lines[pos:pos] = new
        if not lines:
            lines = [self.gen_line(ext)]
        return self.store(mode, kind, tuple(lines))

    def binary(self, path: bytes, size: int) -> tuple:
        if path.endswith(b".png"):
            head = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
        elif path.endswith(b".pdf"):
            head = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n\x00"
        else:
            head = b"\x00\x01\x02\x03BIN\x00"
        return self.store(0o100644, BINARY, head + self.rng.randbytes(size))

    def new_path(self, state: dict, like: bytes | None = None) -> bytes:
        """A fresh path; with `like`, one with the same extension (for renames)."""
        r = self.rng
        while True:
            d = DIRS[r.randrange(len(DIRS))]
            if like is not None:
                d = like.rsplit(b"/", 1)[0].decode("utf-8", "replace") if b"/" in like else d
                if r.random() < 0.4:
                    same = [x for x in DIRS if ext_of(x) == ext_of(d)]
                    d = same[r.randrange(len(same))]
                name = f"{self.word()}_{self.word()}"
                p = d.encode() + b"/" + name.encode() + os.path.splitext(like)[1]
                if p not in state:
                    return p
                continue
            name = f"{self.word()}_{self.word()}" if r.random() < 0.7 else self.word()
            p = f"{d}/{name}{ext_of(d)}".encode()
            if p not in state:
                return p

    # -- change sets ------------------------------------------------------------
    def random_changes(self, state: dict, changed: dict | None, allow_structural=True
                       ) -> list[bytes]:
        """Mutate `state` like an ordinary commit; return fast-import file ops."""
        r = self.rng
        ops = []
        keys = list(state)
        touched = set()

        def put(p, e):
            state[p] = e
            if changed is not None:
                changed[p] = e
            ops.append(b"M %o :%d %s\n" % (e[0], e[1], self.qpath(p)))
            touched.add(p)

        def rm(p):
            del state[p]
            if changed is not None:
                changed[p] = None
            ops.append(b"D %s\n" % self.qpath(p))
            touched.add(p)

        nfiles = r.choices((1, 2, 3, 4, 5, 6), weights=(34, 25, 17, 11, 8, 5))[0]
        for _ in range(nfiles):
            p = keys[r.randrange(len(keys))]
            if p in touched or p not in state:
                continue
            e = state[p]
            if e[2] in (TEXT, TEXT_NOEOL) and p not in self.generated:
                put(p, self.edit_text(p, e))
            elif e[2] == BINARY and r.random() < 0.3:
                put(p, self.binary(p, r.randint(2_000, 12_000)))
        if allow_structural:
            nf = len(state)
            x = r.random()
            if x < (0.03 if nf < 200 else 0.01):  # new file
                p = self.new_path(state)
                put(p, self.new_text(p))
            elif x < 0.045 and nf > 150:  # deletion
                p = keys[r.randrange(len(keys))]
                if p in state and p not in touched and p not in self.protected:
                    rm(p)
            elif x < 0.055:  # rename (git mv), sometimes with a small edit
                p = keys[r.randrange(len(keys))]
                if p in state and p not in touched and p not in self.protected:
                    e = state[p]
                    q = self.new_path(state, like=p)
                    if e[2] in (TEXT, TEXT_NOEOL) and r.random() < 0.4:
                        e = self.edit_text(p, e)
                    rm(p)
                    put(q, e)
        return ops

    def message(self, who: Identity, coauthor_ok=True) -> bytes:
        r = self.rng
        w = self.word
        m = MODULES[r.randrange(len(MODULES))]
        subj = r.choice((
            f"Fix {w()} {w()} in {m}", f"Add {w()} support to {m}",
            f"Refactor {m} {w()} handling", f"Update {m} docs",
            f"Remove unused {w()} {w()}", f"Improve {m} performance",
            f"Handle empty {w()} in {m}", f"fix({m}): {w()} {w()} off by one",
            f"feat({m}): add {w()} {w()}", f"chore: tidy {w()} {w()}",
            f"docs: explain {w()} {m}", f"test({m}): cover {w()} {w()}",
            "WIP", "typo", "Apply suggestions from code review",
            f"Rename {w()} to {w()}", f"Speed up {w()} {w()} by caching {w()}",
        ))
        parts = [subj]
        if r.random() < 0.4:
            for _ in range(r.randint(1, 3)):
                words = [w() for _ in range(r.randint(8, 40))]
                lines, cur = [], []
                for x in words:
                    cur.append(x)
                    if sum(len(y) + 1 for y in cur) > 66:
                        lines.append(" ".join(cur))
                        cur = []
                if cur:
                    lines.append(" ".join(cur))
                parts.append("\n".join(lines).capitalize() + ".")
            if r.random() < 0.2:
                parts.append(f"Fixes #{r.randint(1, self.pr + 1)}")
        trailers = []
        if coauthor_ok and r.random() < 0.04:
            for _ in range(r.randint(1, 2)):
                c = self.pick_human()
                if c is not who:
                    cn, ce = (c.alts[0] if c.alts and r.random() < 0.3 else (c.name, c.email))
                    trailers.append(f"Co-authored-by: {cn} <{ce}>")
        late = self.count > self.N * 0.8
        if coauthor_ok and r.random() < (0.08 if late else 0.005):
            if r.random() < 0.5:
                parts.append("\U0001F916 Generated with [Claude Code](https://claude.com/claude-code)")
            trailers.append("Co-Authored-By: Claude <noreply@anthropic.com>")
        if r.random() < 0.02:
            rv = self.maintainers[r.randrange(len(self.maintainers))]
            trailers.append(f"Reviewed-by: {rv.name} <{rv.email}>")
        if r.random() < 0.10:
            trailers.append(f"Signed-off-by: {who.name} <{who.email}>")
        if trailers:
            parts.append("\n".join(trailers))
        msg = "\n\n".join(parts)
        if r.random() < 0.995:
            msg += "\n"
        return msg.encode()

    # -- commit kinds -----------------------------------------------------------
    def author_and_committer(self, who: Identity) -> tuple[bytes, bytes]:
        t = self.tick()
        if self.rng.random() < 0.05:
            # authored earlier, applied/rebased later by a maintainer
            at = t - self.rng.randint(600, 5 * 86_400)
            c = self.maintainers[self.rng.randrange(len(self.maintainers))]
            return self.ident(who, at), self.ident(c, t)
        a = self.ident(who, t)
        return a, a

    def main_commit(self, who: Identity | None = None, ops=None, msg=None,
                    encoding=None):
        who = who or self.pick_human()
        if ops is None:
            ops = self.random_changes(self.main_state, None)
        a, c = self.author_and_committer(who)
        msg = msg if msg is not None else self.message(who)
        self.main_tip = self.commit(b"refs/heads/main", [self.main_tip], a, c, msg,
                                    ops, encoding)

    def unique_branch(self, base: str) -> str:
        k = self.branch_names.get(base, 0)
        self.branch_names[base] = k + 1
        return base if k == 0 else f"{base}-{k + 1}"

    def start_branch(self, kind="feature", target=None) -> Branch:
        r = self.rng
        owner = self.pick_human()
        if kind == "dependabot":
            dep = self.direct_deps[r.randrange(len(self.direct_deps))]
            v = self.dep_versions[dep]
            new = [v[0], v[1], v[2] + 1] if r.random() < 0.7 else [v[0], v[1] + 1, 0]
            name = self.unique_branch(f"dependabot/cargo/{dep}-{'.'.join(map(str, new))}")
            b = Branch(name, self.main_tip, self.main_state, self.dependabot, 1, kind)
            b.dep = (dep, v, new)
        else:
            prefix = r.choice(("feature", "fix", "refactor", owner.login))
            name = self.unique_branch(f"{prefix}/{self.word()}-{self.word()}")
            b = Branch(name, self.main_tip, self.main_state, owner,
                       target or r.choice((1, 2, 2, 3, 3, 4, 5, 6, 8, 10, 14)), kind)
        self.pr += 1
        b.pr = self.pr
        self.branches.append(b)
        self.all_branches.append(b)
        return b

    def dependabot_commit(self, b: Branch):
        dep, old, new = b.dep
        olds, news = ".".join(map(str, old)), ".".join(map(str, new))
        ops = []
        for path in (b"Cargo.toml", b"Cargo.lock"):
            e = b.state[path]
            lines = list(e[3])
            for i, ln in enumerate(lines):
                if path == b"Cargo.toml" and ln.startswith(dep.encode() + b" = "):
                    lines[i] = f'{dep} = "{news}"'.encode()
                elif path == b"Cargo.lock" and ln == f'name = "{dep}"'.encode():
                    lines[i + 1] = f'version = "{news}"'.encode()
                    lines[i + 3] = f'checksum = "{self.rng.randbytes(32).hex()}"'.encode()
            e = self.store(e[0], e[2], tuple(lines))
            b.state[path] = e
            b.changed[path] = e
            ops.append(b"M %o :%d %s\n" % (e[0], e[1], path))
        self.dep_versions[dep] = new
        msg = (f"Bump {dep} from {olds} to {news}\n\n"
               f"Bumps [{dep}](https://github.com/example/{dep}) from {olds} to {news}.\n"
               f"- [Release notes](https://github.com/example/{dep}/releases)\n"
               f"- [Commits](https://github.com/example/{dep}/compare/v{olds}...v{news})\n\n"
               f"---\nupdated-dependencies:\n- dependency-name: {dep}\n"
               f"  dependency-type: direct:production\n"
               f"  update-type: version-update:semver-patch\n...\n\n"
               f"Signed-off-by: dependabot[bot] <support@github.com>\n").encode()
        t = self.tick()
        a = self.ident(self.dependabot, t)
        c = self.ident(self.github, t)
        b.tip = self.commit(b.ref, [b.tip], a, c, msg, ops)
        b.ncommits += 1

    def branch_commit(self, b: Branch):
        if b.kind == "dependabot":
            return self.dependabot_commit(b)
        r = self.rng
        if b.ncommits >= 1 and r.random() < 0.08:
            # back-merge main into the branch
            result = dict(self.main_state)
            for p, e in b.changed.items():
                if e is None:
                    result.pop(p, None)
                else:
                    result[p] = e
            ops = self.tree_diff(b.state, result)
            b.state = result
            t = self.tick()
            a = self.ident(b.owner, t)
            msg = f"Merge branch 'main' into {b.name}\n".encode()
            b.tip = self.commit(b.ref, [b.tip, self.main_tip], a, a, msg, ops)
            return
        who = b.owner if r.random() < 0.85 else self.pick_human()
        ops = self.random_changes(b.state, b.changed)
        a, c = self.author_and_committer(who)
        b.tip = self.commit(b.ref, [b.tip], a, c, self.message(who), ops)
        b.ncommits += 1

    def tree_diff(self, old: dict, new: dict) -> list[bytes]:
        ops = []
        for p, e in new.items():
            o = old.get(p)
            if o is None or o[0] != e[0] or o[1] != e[1]:
                ops.append(b"M %o :%d %s\n" % (e[0], e[1], self.qpath(p)))
        for p in old:
            if p not in new:
                ops.append(b"D %s\n" % self.qpath(p))
        return ops

    def merge(self, bs: list[Branch]):
        r = self.rng
        result = dict(self.main_state)
        for b in bs:
            for p, e in b.changed.items():
                if e is None:
                    result.pop(p, None)
                else:
                    result[p] = e
        ops = self.tree_diff(self.main_state, result)
        t = self.tick()
        merger = self.maintainers[r.randrange(len(self.maintainers))] \
            if r.random() < 0.6 else bs[0].owner
        if merger.name.endswith("[bot]"):
            merger = self.maintainers[0]
        if len(bs) > 1:
            names = ", ".join(f"'{b.name}'" for b in bs[:-1])
            msg = f"Merge branches {names} and '{bs[-1].name}'\n"
            a = c = self.ident(merger, t)
            self.octopus += 1
        elif r.random() < 0.7:
            b = bs[0]
            login = b.owner.login
            msg = (f"Merge pull request #{b.pr} from {login}/{b.name}\n\n"
                   f"{self.message(b.owner, coauthor_ok=False).decode().splitlines()[0]}\n")
            a = self.ident(merger, t)
            c = self.ident(self.github, t)
        else:
            msg = f"Merge branch '{bs[0].name}'\n"
            a = c = self.ident(merger, t)
        self.main_tip = self.commit(b"refs/heads/main", [self.main_tip] + [b.tip for b in bs],
                                    a, c, msg.encode(), ops)
        self.main_state = result
        self.merges += 1
        for b in bs:
            b.merged = True
            self.branches.remove(b)

    def tag(self, annotated: bool):
        """Release candidates are lightweight tags, releases are annotated."""
        self.tags += 1
        major, minor = divmod((self.tags + 1) // 2, 6)
        name = f"v{major}.{minor}.0" if annotated else f"v{major}.{minor}.0-rc.1"
        if annotated:
            tg = self.maintainers[0]
            msg = f"Release {name}\n\nHighlights:\n- {self.word()} {self.word()}\n".encode()
            self.w(b"tag %s\nfrom :%d\ntagger %s\ndata %d\n%s\n" % (
                name.encode(), self.main_tip, self.ident(tg, self.t + 60), len(msg), msg))
        else:
            self.w(b"reset refs/tags/%s\nfrom :%d\n\n" % (name.encode(), self.main_tip))

    # -- the special one-off events ------------------------------------------------
    def initial_commit(self):
        r = self.rng
        st = self.main_state
        st[b"README.md"] = self.store(0o100644, TEXT, tuple(
            [b"# devspm-synthetic", b""] + [self.gen_line(".md") for _ in range(30)]))
        st[b"LICENSE"] = self.store(0o100644, TEXT, (
            b"MIT License", b"", b"Copyright (c) 2018 The Synthetic Authors", b"",
            b"Permission is hereby granted, free of charge, to any person obtaining a copy"))
        toml = [b"[package]", b'name = "synthetic"', b'version = "0.1.0"',
                b'edition = "2021"', b"", b"[dependencies]"]
        for d in self.direct_deps:
            toml.append(f'{d} = "{".".join(map(str, self.dep_versions[d]))}"'.encode())
        st[b"Cargo.toml"] = self.store(0o100644, TEXT, tuple(toml))
        lock = [b"# This file is automatically @generated by Cargo.",
                b"# It is not intended for manual editing.", b"version = 3", b""]
        for d in DEPS:
            lock += [b"[[package]]", f'name = "{d}"'.encode(),
                     f'version = "{".".join(map(str, self.dep_versions[d]))}"'.encode(),
                     b'source = "registry+https://github.com/rust-lang/crates.io-index"',
                     f'checksum = "{r.randbytes(32).hex()}"'.encode(), b""]
        st[b"Cargo.lock"] = self.store(0o100644, TEXT, tuple(lock))
        st[b"scripts/build.bat"] = self.store(0o100644, TEXT, tuple(
            x + b"\r" for x in (b"@echo off", b"cargo build --release", b"if errorlevel 1 exit /b 1")))
        st[b"assets/logo.png"] = self.binary(b"assets/logo.png", 6_000)
        st[b"assets/fonts/icons.woff2"] = self.binary(b"assets/fonts/icons.woff2", 9_000)
        for _ in range(150):
            p = self.new_path(st)
            st[p] = self.new_text(p)
        ops = [b"M %o :%d %s\n" % (e[0], e[1], self.qpath(p)) for p, e in st.items()]
        who = self.maintainers[0]
        a = self.ident(who, self.t)
        self.main_tip = self.commit(b"refs/heads/main", [], a, a, b"Initial commit\n", ops)

    def add_files(self, files: dict, msg: str, who: Identity | None = None):
        ops = []
        for p, e in files.items():
            self.main_state[p] = e
            ops.append(b"M %o :%d %s\n" % (e[0], e[1], self.qpath(p)))
        self.main_commit(who or self.maintainers[0], ops, msg.encode())

    def ev_mailmap(self, full: bool):
        e = self.store(0o100644, TEXT, tuple(self.mailmap_text(full).rstrip(b"\n").split(b"\n")))
        self.add_files({b".mailmap": e}, "Update .mailmap" if full else "Add .mailmap")

    def ev_odd_paths(self):
        files = {}
        for p in (b"docs/caf\xe9.txt", "docs/Überblick.md".encode(),
                  b"docs/release notes.md", b'docs/"quoted".txt'):
            files[p] = self.new_text(p)
        self.add_files(files, "Add notes with unusual file names")

    def ev_binaries(self):
        self.add_files({
            b"docs/design/architecture.pdf": self.binary(b"docs/design/architecture.pdf", 15_000),
            b"tests/fixtures/sample.bin": self.binary(b"tests/fixtures/sample.bin", 3_000),
        }, "Add design document and binary test fixture")

    def ev_latin1_messages(self):
        who = self.humans[20 % len(self.humans)]
        ops = self.random_changes(self.main_state, None, False)
        # raw ISO-8859-1 bytes without an encoding header (what old tools did)
        self.main_commit(who, ops, b"Corrige le probl\xe8me d'encodage dans caf\xe9\n\n"
                         b"Na\xefve fix, voir \xab ticket \xbb.\n")

    def ev_latin1_header(self):
        who = self.humans[21 % len(self.humans)]
        ops = self.random_changes(self.main_state, None, False)
        self.main_commit(who, ops, b"M\xe4rz: \xdcbersetzung aktualisiert\n",
                         encoding=b"ISO-8859-1")

    def ev_octopus(self):
        b1 = self.start_branch(target=1)
        b2 = self.start_branch(target=2)
        self.branch_commit(b1)
        self.branch_commit(b2)
        self.branch_commit(b2)
        self.merge([b1, b2])

    def ev_orphan(self):
        st: dict = {}
        ref = b"refs/heads/gh-pages"
        tip = None
        who = self.maintainers[1]
        for i in range(3):
            ops = []
            for _ in range(2 if i == 0 else 1):
                p = b"index.html" if i == 0 and not st else self.new_path(st)
                e = self.new_text(p)
                st[p] = e
                ops.append(b"M %o :%d %s\n" % (e[0], e[1], self.qpath(p)))
            t = self.tick()
            a = self.ident(who, t)
            tip = self.commit(ref, [tip] if tip else [], a, a,
                              b"Deploy docs\n" if i else b"Create gh-pages branch\n", ops)

    def ev_symlink_chmod(self):
        st = self.main_state
        ops = []
        e = self.store(0o120000, SYMLINK, b"../README.md")
        st[b"docs/README.md"] = e
        ops.append(b"M 120000 :%d docs/README.md\n" % e[1])
        for p in list(st):
            e = st[p]
            if e[0] == 0o100644 and e[2] == TEXT and p.startswith(b"tools/"):
                e = (0o100755,) + e[1:]
                st[p] = e
                ops.append(b"M 100755 :%d %s\n" % (e[1], self.qpath(p)))
                break
        self.main_commit(self.maintainers[2], ops, b"Link docs README; make tool executable\n")

    def ev_stale_branch(self):
        b = self.start_branch(target=self.rng.randint(2, 5))
        b.never_merge = True  # grows like any other branch, keeps its ref

    # -- main loop -------------------------------------------------------------
    def run(self):
        N, r = self.N, self.rng
        self.initial_commit()
        events = sorted([
            (0.01, self.ev_mailmap, (False,), 1),
            (0.04, self.ev_binaries, (), 1),
            (0.10, self.ev_odd_paths, (), 1),
            (0.15, self.ev_latin1_messages, (), 1),
            (0.16, self.ev_latin1_header, (), 1),
            (0.25, self.ev_octopus, (), 6),
            (0.30, self.ev_orphan, (), 3),
            (0.35, self.ev_stale_branch, (), 0),
            (0.50, self.ev_mailmap, (True,), 1),
            (0.55, self.ev_stale_branch, (), 0),
            (0.60, self.ev_symlink_chmod, (), 1),
            (0.75, self.ev_stale_branch, (), 0),
        ], key=lambda x: x[0])
        ei = 0
        main_since_tag = 0
        tag_every = max(20, N // 24)
        while self.count < N:
            left = N - self.count
            if ei < len(events) and self.count >= events[ei][0] * N:
                _, fn, args, cost = events[ei]
                ei += 1
                if cost <= left:
                    fn(*args)
                continue
            if self.count >= self.next_branch_at and left > 10:
                self.next_branch_at = self.count + r.randint(25, 75)
                self.start_branch("dependabot" if r.random() < 0.15 else "feature")
                if r.random() < 0.2 and left > 20:  # bursts of parallel work
                    self.start_branch()
            # pick what the next commit is
            ready = [b for b in self.branches
                     if b.ncommits >= b.target and not b.never_merge]
            if ready and r.random() < 0.5:
                bs = [ready[0]]
                others = [b for b in self.branches if b is not bs[0]
                          and b.ncommits >= 1 and not b.never_merge]
                if others and r.random() < 0.04:
                    bs.append(others[0])
                self.merge(bs)
                main_since_tag += 1
            else:
                growing = [b for b in self.branches if b.ncommits < b.target]
                if growing and r.random() < 0.35:
                    self.branch_commit(growing[r.randrange(len(growing))])
                elif r.random() < 0.004:
                    who = self.pick_human()
                    self.main_commit(who, [], b"Trigger CI\n")  # empty commit
                elif r.random() < 0.005:
                    p = b"CHANGELOG.md"
                    e = self.main_state.get(p)
                    e = self.edit_text(p, e) if e else self.new_text(p)
                    self.main_state[p] = e
                    self.main_commit(self.actions, [b"M %o :%d %s\n" % (e[0], e[1], p)],
                                     b"chore: update CHANGELOG.md [skip ci]\n")
                else:
                    self.main_commit()
                main_since_tag += 1
            if main_since_tag >= tag_every:
                main_since_tag = 0
                self.tag(annotated=self.tags % 2 == 1)
        self.w(b"done\n")
        self.flush()


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--commits", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-repack", dest="repack", action="store_false",
                    help="keep fast-import's own pack (no deltas, ~3x bigger; not faster)")
    args = ap.parse_args()
    if args.commits < 50:
        ap.error("--commits must be at least 50")
    out = args.out_dir
    if os.path.exists(out) and os.listdir(out):
        ap.error(f"{out} exists and is not empty")
    t0 = time.monotonic()  # only for the summary line; never written to the repo
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    # Nothing from the user's environment may leak into the objects.
    for k in ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "GIT_DIR", "GIT_WORK_TREE",
              "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY"):
        env.pop(k, None)
    run(["git", "init", "-q", "-b", "main", out], env=env)
    run(["git", "-C", out, "config", "core.quotePath", "true"], env=env)
    # fast-import only tries deltas against the previous blob (another file, so
    # they mostly fail) and zlib dominates its run time: import uncompressed and
    # without deltas, then let `git repack -adF` build a pack like a real clone's.
    level = "0" if args.repack else "-1"
    fi = subprocess.Popen(["git", "-C", out, "-c", f"pack.compression={level}",
                           "fast-import", "--quiet", "--done", "--depth=0"],
                          stdin=subprocess.PIPE, env=env)
    gen = Gen(args.commits, args.seed, fi.stdin)
    try:
        gen.run()
    finally:
        fi.stdin.close()
        rc = fi.wait()
    if rc != 0:
        sys.exit(f"git fast-import failed with status {rc}")
    merged = [b for b in gen.all_branches if b.merged]
    if merged:
        run(["git", "-C", out, "update-ref", "--stdin"], env=env,
            input=b"".join(b"delete " + b.ref + b"\n" for b in merged))
    if args.repack:
        run(["git", "-C", out, "repack", "-adFq", "--window=10", "--depth=50"], env=env)
    run(["git", "-C", out, "reset", "-q", "--hard", "main"], env=env)

    def out_of(*cmd):
        return subprocess.run(["git", "-C", out, *cmd], check=True, env=env,
                              capture_output=True).stdout.decode().strip()

    commits = out_of("rev-list", "--all", "--count")
    merges = out_of("rev-list", "--all", "--count", "--min-parents=2")
    branches = len(out_of("for-each-ref", "refs/heads").splitlines())
    tags = len(out_of("for-each-ref", "refs/tags").splitlines())
    files = len(out_of("ls-files").splitlines())
    print(f"{out}: commits={commits} merges={merges} octopus={gen.octopus} "
          f"branches={branches} tags={tags} files={files} seed={args.seed} "
          f"({time.monotonic() - t0:.1f}s)")
    if int(commits) != args.commits:
        sys.exit(f"expected {args.commits} commits, found {commits}")


if __name__ == "__main__":
    main()
