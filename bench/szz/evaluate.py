#!/usr/bin/env python3
"""Score SZZ results against Fixes:-trailer ground truth.

  evaluate.py --truth truth.tsv --results results.json
              [--exclude-pure-additions] [--by-pure] [--json FILE|-]

truth.tsv   from extract_fixes.py (header row; columns fix_sha, inducing_shas
            (comma-separated), pure_addition, ... are used).
results     a JSON array of objects, or JSON Lines, or {"results": [...]}:
              {"fix": sha, "variant": "basic", "status": ...,
               "inducing": [{"commit": sha, ...} | sha, ...]}
            A missing variant is reported as "(none)".  Abbreviated shas (>= 7
            hex digits) in results match a truth sha they prefix.

Per variant, over the fixes present in both files (pair level, micro-averaged):
  TP  predicted inducing commit that is in the fix's truth set
  FP  predicted inducing commit that is not
  FN  truth inducing commit not predicted
  precision = TP/(TP+FP), recall = TP/(TP+FN), F1 = harmonic mean
Also: fixes with no prediction, fixes with at least one correct commit
(hit@fix), fixes whose predicted set equals the truth set (exact), mean
number of predicted commits per fix, and how many truth fixes the results do
not cover (not counted anywhere else).

--exclude-pure-additions  drop fixes flagged pure_addition=1 in the truth.
--by-pure                 one row per variant and subset: all / non-pure / pure.
"""

import argparse
import csv
import json
import sys
from collections import OrderedDict, defaultdict


def load_truth(path):
    truth = {}
    with open(path, newline="") as fh:
        rd = csv.DictReader((l for l in fh if not l.startswith("#")), delimiter="\t")
        for row in rd:
            fix = row["fix_sha"].strip().lower()
            ind = {s.strip().lower() for s in row["inducing_shas"].split(",") if s.strip()}
            if not fix or not ind:
                continue
            pure = row.get("pure_addition", "0").strip() == "1"
            if fix in truth:  # duplicate rows: merge
                truth[fix]["inducing"] |= ind
            else:
                truth[fix] = {"inducing": ind, "pure": pure}
    return truth


def load_results(path):
    with open(path) as fh:
        text = fh.read()
    try:
        data = json.loads(text)
        if isinstance(data, dict):
            data = data.get("results", [data])
    except json.JSONDecodeError:
        data = [json.loads(l) for l in text.splitlines() if l.strip()]
    return data


def commit_of(item):
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        for k in ("commit", "sha", "hash", "inducing_commit"):
            if isinstance(item.get(k), str):
                return item[k]
    return None


def resolve_fix(fix, truth):
    """Map a (possibly abbreviated) fix sha from the results to a truth key."""
    if fix in truth:
        return fix
    if len(fix) >= 7:
        c = [k for k in truth if k.startswith(fix)]
        if len(c) == 1:
            return c[0]
    return None


def score(preds, truth, fixes):
    tp = fp = fn = nopred = hit = exact = npred = 0
    for fix in fixes:
        t = truth[fix]["inducing"]
        p = preds.get(fix, set())
        # an abbreviated prediction counts as the truth commit it prefixes
        pm = set()
        for c in p:
            m = [x for x in t if x.startswith(c)] if len(c) >= 7 else []
            pm.add(m[0] if m else c)
        k = len(pm & t)
        tp += k
        fp += len(pm - t)
        fn += len(t - pm)
        npred += len(pm)
        nopred += not pm
        hit += k > 0
        exact += pm == t
    prec = tp / (tp + fp) if tp + fp else None
    rec = tp / (tp + fn) if tp + fn else None
    f1 = 2 * prec * rec / (prec + rec) if prec and rec else (0.0 if prec is not None and rec is not None else None)
    n = len(fixes)
    return OrderedDict(
        fixes=n, tp=tp, fp=fp, fn=fn, precision=prec, recall=rec, f1=f1,
        no_prediction=nopred, hit_fixes=hit, exact_fixes=exact,
        mean_predicted=(npred / n if n else None),
    )


def first_rows(rows):
    seen = set()
    for r in rows:
        if r["variant"] not in seen:
            seen.add(r["variant"])
            yield r


def fmt(x):
    if x is None:
        return "n/a"
    if isinstance(x, float):
        return f"{x:.3f}"
    return str(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--truth", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--exclude-pure-additions", action="store_true")
    ap.add_argument("--by-pure", action="store_true")
    ap.add_argument("--primary-only", action="store_true",
                    help="score only the candidate marked primary (devspm's best single answer; "
                         "else the first listed), as variant '<variant>-primary'")
    ap.add_argument("--json", metavar="FILE", help="also write the figures as JSON ('-' = stdout only)")
    a = ap.parse_args()

    truth = load_truth(a.truth)
    results = load_results(a.results)

    preds = defaultdict(dict)  # variant -> fix -> set(commits)
    unknown = defaultdict(set)
    for r in results:
        if not isinstance(r, dict) or not isinstance(r.get("fix"), str):
            continue
        v = r.get("variant") or "(none)"
        items = r.get("inducing") or []
        if a.primary_only:
            v += "-primary"
            marked = [it for it in items if isinstance(it, dict) and it.get("primary")]
            items = marked[:1] or items[:1]
        fix = resolve_fix(r["fix"].strip().lower(), truth)
        if fix is None:
            unknown[v].add(r["fix"])
            continue
        s = preds[v].setdefault(fix, set())
        for it in items:
            c = commit_of(it)
            if c:
                s.add(c.strip().lower())

    rows = []
    for v in sorted(preds):
        fixes = [f for f in preds[v] if not (a.exclude_pure_additions and truth[f]["pure"])]
        subsets = [("all" if not a.exclude_pure_additions else "non-pure", fixes)]
        if a.by_pure:
            subsets = [("all", fixes),
                       ("non-pure", [f for f in fixes if not truth[f]["pure"]]),
                       ("pure", [f for f in fixes if truth[f]["pure"]])]
        uncovered = sum(1 for f in truth if f not in preds[v]
                        and not (a.exclude_pure_additions and truth[f]["pure"]))
        for name, fs in subsets:
            m = score(preds[v], truth, fs)
            rows.append(OrderedDict(variant=v, subset=name, **m,
                                    truth_fixes_not_in_results=uncovered,
                                    result_fixes_not_in_truth=len(unknown[v])))
    for v in unknown:
        if v not in preds:
            rows.append(OrderedDict(variant=v, subset="all", fixes=0,
                                    result_fixes_not_in_truth=len(unknown[v])))

    if a.json != "-":
        cols = ["variant", "subset", "fixes", "precision", "recall", "f1", "tp", "fp", "fn",
                "no_prediction", "hit_fixes", "exact_fixes", "mean_predicted"]
        print("| " + " | ".join(cols) + " |")
        print("|" + "|".join("---" for _ in cols) + "|")
        for r in rows:
            print("| " + " | ".join(fmt(r.get(c)) for c in cols) + " |")
        if rows:
            print()
            print(f"truth: {len(truth)} fixes, {sum(len(t['inducing']) for t in truth.values())} pairs, "
                  f"{sum(t['pure'] for t in truth.values())} pure additions; "
                  + "; ".join(f"{r['variant']}: {r.get('truth_fixes_not_in_results', 0)} truth fixes not in "
                              f"results, {r['result_fixes_not_in_truth']} result fixes not in truth"
                              for r in first_rows(rows)))
    if a.json:
        out = json.dumps({"truth": a.truth, "results": a.results,
                          "exclude_pure_additions": a.exclude_pure_additions, "rows": rows}, indent=1)
        if a.json == "-":
            print(out)
        else:
            with open(a.json, "w") as fh:
                fh.write(out + "\n")


if __name__ == "__main__":
    main()
