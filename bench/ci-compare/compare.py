#!/usr/bin/env python3
"""Compare devspm's CI audit with zizmor's on the same directories.

Usage: compare.py --devspm CMD --zizmor CMD [--details FILE] DIR...

CMD is a shell-style command prefix; the directory is appended. Both tools must print JSON:
devspm `{"findings": [...]}`, zizmor `--format json` (a list of findings).

Findings are matched per file and rule: first when devspm's line is one of the lines of the
zizmor finding's locations (zizmor attaches several: the step, the key, the value), then on
the nearest line within 3 lines of zizmor's primary location, last on the same evidence
anywhere in the file (zizmor reports a YAML alias at its anchor, devspm at the alias). Only rules both tools implement
are compared; the mapping is ZIZMOR_TO_DEVSPM below. zizmor reports `uses: docker://…` under
unpinned-images; devspm under unpinned-uses, so those are mapped there.
"""
import argparse
import collections
import json
import os
import shlex
import subprocess
import sys
import time

# zizmor audit id -> devspm rule id, for the rules both implement.
ZIZMOR_TO_DEVSPM = {
    "unpinned-uses": "unpinned-uses",
    "dangerous-triggers": "dangerous-triggers",
    "template-injection": "template-injection",
    "excessive-permissions": "excessive-permissions",
    "secrets-inherit": "secrets-inherit",
    "overprovisioned-secrets": "secrets-tojson",
    "artipacked": "artipacked",
    "cache-poisoning": "cache-poisoning",
    "unpinned-images": "unpinned-images",
    "self-hosted-runner": "self-hosted-runner",
    "use-trusted-publishing": "use-trusted-publishing",
    "insecure-commands": "insecure-commands",
    "dependabot-execution": "dependabot-execution",
    "known-vulnerable-actions": "known-compromised-action",
}
WINDOW = 3


def run(cmd, directory):
    argv = shlex.split(cmd) + [directory]
    start = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    return proc.stdout, proc.stderr, elapsed


def zizmor_findings(out, directory):
    found = []
    if not out.strip():
        return found
    for f in json.loads(out):
        rule = ZIZMOR_TO_DEVSPM.get(f["ident"])
        if rule is None:
            continue
        locs = f.get("locations", [])
        primary = next((l for l in locs if l["symbolic"].get("kind") == "Primary"), locs[0] if locs else None)
        if primary is None:
            continue
        feature = primary["concrete"].get("feature", "")
        route = primary["symbolic"].get("route", {}).get("route", [])
        if rule == "unpinned-images" and "docker://" in feature and {"Key": "uses"} in route:
            rule = "unpinned-uses"
        key = primary["symbolic"]["key"]
        path = key.get("Local", {}).get("verbatim_path") or str(key)
        path = os.path.relpath(path, directory) if os.path.isabs(path) else path
        path = path.replace(os.sep, "/").removeprefix("./")
        line = primary["concrete"]["location"]["start_point"]["row"] + 1
        lines = frozenset(l["concrete"]["location"]["start_point"]["row"] + 1 for l in locs) | {line}
        found.append((path, rule, line, feature.strip().splitlines()[0][:100] if feature.strip() else "", lines))
    return found


def devspm_findings(out):
    data = json.loads(out)
    return [(f["path"], f["rule_id"], f["line"], f["evidence"]) for f in data["findings"]]


def match(z, d):
    """Return (both, only_z, only_d) lists of findings."""
    zg, dg = collections.defaultdict(list), collections.defaultdict(list)
    for f in z:
        zg[(f[0], f[1])].append(f)
    for f in d:
        dg[(f[0], f[1])].append(f)
    both, only_z, only_d = [], [], []
    for key in set(zg) | set(dg):
        zs, ds = sorted(zg.get(key, []), key=lambda f: f[2]), sorted(dg.get(key, []), key=lambda f: f[2])
        used = [False] * len(ds)
        pending = []
        for zf in zs:  # on one of zizmor's location lines first
            j = next((j for j, df in enumerate(ds) if not used[j] and df[2] == zf[2]), None)
            if j is None:
                j = next((j for j, df in enumerate(ds) if not used[j] and df[2] in zf[4]), None)
            if j is None:
                pending.append(zf)
            else:
                used[j] = True
                both.append((zf, ds[j]))
        for zf in pending:  # then nearest within the window
            cands = [(abs(df[2] - zf[2]), j) for j, df in enumerate(ds) if not used[j] and abs(df[2] - zf[2]) <= WINDOW]
            if cands:
                _, j = min(cands)
                used[j] = True
                both.append((zf, ds[j]))
            else:
                # Last: the same evidence elsewhere in the file (zizmor reports an aliased
                # node at its anchor, devspm at the alias).
                j = next((j for j, df in enumerate(ds) if not used[j] and df[3] and (df[3] in zf[3] or zf[3] in df[3])), None)
                if j is None:
                    only_z.append(zf)
                else:
                    used[j] = True
                    both.append((zf, ds[j]))
        only_d.extend(df for j, df in enumerate(ds) if not used[j])
    return both, only_z, only_d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devspm", required=True)
    ap.add_argument("--zizmor", required=True)
    ap.add_argument("--details")
    ap.add_argument("dirs", nargs="+")
    args = ap.parse_args()

    z_all, d_all = [], []
    z_time = d_time = 0.0
    for directory in args.dirs:
        name = os.path.basename(directory.rstrip("/"))
        out, err, t = run(args.zizmor, directory)
        z_time += t
        z_all += [(f"{name}/{p}", r, l, e, ls) for p, r, l, e, ls in zizmor_findings(out, directory)]
        out, err, t = run(args.devspm, directory)
        d_time += t
        if not out.strip():
            sys.exit(f"devspm printed nothing for {directory}: {err}")
        d_all += [(f"{name}/{p}", r, l, e) for p, r, l, e in devspm_findings(out)]

    compared = sorted(set(ZIZMOR_TO_DEVSPM.values()))
    d_cmp = [f for f in d_all if f[1] in compared]
    both, only_z, only_d = match(z_all, d_cmp)
    rows = []
    for rule in compared:
        b = sum(1 for zf, _ in both if zf[1] == rule)
        oz = sum(1 for f in only_z if f[1] == rule)
        od = sum(1 for f in only_d if f[1] == rule)
        if b or oz or od:
            rows.append((rule, b, oz, od))
    print(f"{'rule':28} {'both':>6} {'only zizmor':>12} {'only devspm':>12}")
    for rule, b, oz, od in rows:
        print(f"{rule:28} {b:>6} {oz:>12} {od:>12}")
    tb, toz, tod = len(both), len(only_z), len(only_d)
    print(f"{'total':28} {tb:>6} {toz:>12} {tod:>12}")
    z_total = tb + toz
    if z_total:
        print(f"\ndevspm reports {tb}/{z_total} = {100.0 * tb / z_total:.1f}% of zizmor's findings on shared rules")
    print(f"time: zizmor {z_time:.2f}s, devspm {d_time:.2f}s over {len(args.dirs)} directories")
    if args.details:
        with open(args.details, "w") as fh:
            for f in sorted(only_z):
                fh.write("only-zizmor\t%s\t%s\t%d\t%s\n" % f[:4])
            for f in sorted(only_d):
                fh.write("only-devspm\t%s\t%s\t%d\t%s\n" % f)
        print(f"disagreements written to {args.details}")


if __name__ == "__main__":
    main()
