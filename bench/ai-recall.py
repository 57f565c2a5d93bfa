#!/usr/bin/env python3
"""AI-involvement recall of devspm against an independent count of exact markers.

    bench/ai-recall.py REPO DB [--devspm BIN] [--scan]

For every commit reachable from any ref of REPO, this script reads the author, committer and
message with `git log` and finds the exact AI markers of ../shared/design/AI-AGENT-MARKERS.md
with its own simple rules (an agent's e-mail as author or committer, a whole
`Co-authored-by:` line naming an agent's e-mail anywhere in the message, the ` (aider)` name
suffix, the `Claude-Session:` trailer). It then reads devspm's `ai_involvement` events from DB
(`devspm audit log`) and prints, per marker, how many marked commits devspm found with that
agent (recall), and the commits it missed (first five). With --scan it first runs
`devspm --db DB scan --no-detectors REPO`.

The two sides share no code: a difference is a defect of one of them, to be looked at.
"""

import argparse
import json
import re
import subprocess
import sys
from collections import defaultdict

CO_AUTHOR = re.compile(r"^co-authored-by:\s*(.*?)\s*<([^>]*)>\s*$", re.I | re.M)

# marker -> (agent id devspm should report, predicate over (author e-mail, committer e-mail,
# author name, committer name, co-author e-mails, message))
def noreply_login(email, login):
    email = email.lower()
    return email.endswith("@users.noreply.github.com") and (
        email.split("@")[0].split("+")[-1] == login.lower()
    )


MARKERS = {
    "claude co-author (noreply@anthropic.com)": (
        "claude-code",
        lambda a, c, an, cn, co, m: any(e in ("noreply@anthropic.com", "no-reply@anthropic.com") for e in co),
    ),
    "Claude-Session trailer": (
        "claude-code",
        lambda a, c, an, cn, co, m: re.search(r"^Claude-Session:\s*https://claude\.ai/code/session_", m, re.M) is not None,
    ),
    "aider name suffix or aider@aider.chat": (
        "aider",
        lambda a, c, an, cn, co, m: an.endswith(" (aider)") or cn.endswith(" (aider)") or "aider@aider.chat" in co or a == "aider@aider.chat",
    ),
    "Copilot account or copilot@github.com": (
        None,  # copilot, copilot-agent or copilot-autofix
        lambda a, c, an, cn, co, m: any(
            e == "copilot@github.com" or noreply_login(e, "copilot") or noreply_login(e, "copilot-swe-agent[bot]")
            for e in [a, c, *co]
        ),
    ),
    "cursoragent@cursor.com": (
        "cursor",
        lambda a, c, an, cn, co, m: "cursoragent@cursor.com" in (a, c, *co),
    ),
    "Devin bot": (
        "devin",
        lambda a, c, an, cn, co, m: any(noreply_login(e, "devin-ai-integration[bot]") for e in [a, c, *co]),
    ),
    "OpenHands (openhands@all-hands.dev)": (
        "openhands",
        lambda a, c, an, cn, co, m: "openhands@all-hands.dev" in (a, c, *co),
    ),
    "Codex (codex@openai.com, noreply@openai.com)": (
        "codex",
        lambda a, c, an, cn, co, m: any(e in ("codex@openai.com", "noreply@openai.com") for e in [a, c, *co]),
    ),
}


def git_commits(repo):
    out = subprocess.run(
        ["git", "-C", repo, "log", "--all", "--format=%H%x00%ae%x00%ce%x00%an%x00%cn%x00%B%x1e"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8", "replace")
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, ae, ce, an, cn, body = record.split("\x00", 5)
        co = [e.strip().lower() for _, e in CO_AUTHOR.findall(body)]
        yield sha, ae.lower(), ce.lower(), an, cn, co, body


def devspm_agents(devspm, db):
    proc = subprocess.Popen(
        [devspm, "--db", db, "audit", "log", "--kind", "ai_involvement", "--limit", "100000000"],
        stdout=subprocess.PIPE,
    )
    found = defaultdict(set)
    for line in proc.stdout:
        payload = json.loads(line)["payload"]
        found[payload["commit"]].add(payload["agent"])
    if proc.wait() != 0:
        sys.exit("devspm audit log failed")
    return found


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("repo")
    p.add_argument("db")
    p.add_argument("--devspm", default="devspm")
    p.add_argument("--scan", action="store_true")
    a = p.parse_args()
    if a.scan:
        subprocess.run([a.devspm, "--db", a.db, "-q", "scan", "--no-detectors", a.repo], check=True)
    found = devspm_agents(a.devspm, a.db)
    marked = defaultdict(set)
    for sha, ae, ce, an, cn, co, body in git_commits(a.repo):
        for name, (_, rule) in MARKERS.items():
            if rule(ae, ce, an, cn, co, body):
                marked[name].add(sha)
    worst = 1.0
    print(f"{'marker':45} {'marked':>7} {'found':>7} {'recall':>8}")
    for name, (agent, _) in MARKERS.items():
        commits = marked.get(name, set())
        if not commits:
            continue
        hit = {
            c
            for c in commits
            if (agent in found.get(c, ()) if agent else any(x.startswith("copilot") for x in found.get(c, ())))
        }
        recall = len(hit) / len(commits)
        worst = min(worst, recall)
        print(f"{name:45} {len(commits):7} {len(hit):7} {recall:8.2%}")
        for c in sorted(commits - hit)[:5]:
            print(f"    missed {c}")
    print(f"lowest recall: {worst:.2%}")


if __name__ == "__main__":
    main()
