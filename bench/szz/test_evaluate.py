#!/usr/bin/env python3
"""Self-test of evaluate.py on hand-computed cases: python3 test_evaluate.py"""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
A, B, C, D, E, F = (ch * 40 for ch in "abcdef")
X, Y, Z, W = ("1" * 39 + "0", "2" * 39 + "0", "3" * 39 + "0", "4" * 39 + "0")

TRUTH = (
    "fix_sha\tinducing_shas\tfix_date\tpure_addition\tfiles_touched\n"
    f"{X}\t{A}\t2020-01-01T00:00:00+00:00\t0\t1\n"
    f"{Y}\t{B},{C}\t2020-01-02T00:00:00+00:00\t0\t2\n"
    f"{Z}\t{D}\t2020-01-03T00:00:00+00:00\t1\t1\n"
    f"{W}\t{E}\t2020-01-04T00:00:00+00:00\t0\t1\n"  # not in results
)


def run(results, *extra, jsonl=False):
    with tempfile.TemporaryDirectory() as d:
        t, r = os.path.join(d, "t.tsv"), os.path.join(d, "r.json")
        open(t, "w").write(TRUTH)
        with open(r, "w") as fh:
            if jsonl:
                fh.write("\n".join(json.dumps(x) for x in results) + "\n")
            else:
                json.dump(results, fh)
        out = subprocess.run([sys.executable, os.path.join(HERE, "evaluate.py"), "--truth", t,
                              "--results", r, "--json", "-", *extra],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out)["rows"]


RESULTS = [
    # X: exact hit (abbreviated sha, object form)
    {"fix": X, "variant": "basic", "inducing": [{"commit": A[:12]}], "status": "attributed"},
    # Y: one of two right, one wrong (string form)
    {"fix": Y, "variant": "basic", "inducing": [B, F], "status": "attributed"},
    # Z: pure addition, nothing predicted
    {"fix": Z, "variant": "basic", "inducing": [], "status": "unattributable", "reason": "pure"},
    # a fix the truth does not know
    {"fix": "9" * 40, "variant": "basic", "inducing": [A], "status": "attributed"},
    # second variant: everything wrong on X only
    {"fix": X[:10], "variant": "devspm", "inducing": [{"commit": F}], "status": "attributed"},
]


class T(unittest.TestCase):
    def test_basic(self):
        rows = {r["variant"]: r for r in run(RESULTS)}
        b = rows["basic"]
        # TP: A, B = 2; FP: F = 1; FN: C, D = 2
        self.assertEqual((b["fixes"], b["tp"], b["fp"], b["fn"]), (3, 2, 1, 2))
        self.assertAlmostEqual(b["precision"], 2 / 3)
        self.assertAlmostEqual(b["recall"], 2 / 4)
        self.assertAlmostEqual(b["f1"], 2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
        self.assertEqual((b["no_prediction"], b["hit_fixes"], b["exact_fixes"]), (1, 2, 1))
        self.assertEqual(b["truth_fixes_not_in_results"], 1)
        self.assertEqual(b["result_fixes_not_in_truth"], 1)
        d = rows["devspm"]
        self.assertEqual((d["fixes"], d["tp"], d["fp"], d["fn"], d["precision"]), (1, 0, 1, 1, 0.0))

    def test_exclude_pure(self):
        b = {r["variant"]: r for r in run(RESULTS, "--exclude-pure-additions")}["basic"]
        self.assertEqual((b["fixes"], b["tp"], b["fp"], b["fn"], b["no_prediction"]), (2, 2, 1, 1, 0))
        self.assertAlmostEqual(b["recall"], 2 / 3)

    def test_jsonl_and_by_pure(self):
        rows = run(RESULTS, "--by-pure", jsonl=True)
        sub = {(r["variant"], r["subset"]): r for r in rows}
        self.assertEqual(sub[("basic", "pure")]["fn"], 1)
        self.assertEqual(sub[("basic", "non-pure")]["tp"], 2)
        self.assertIsNone(sub[("basic", "pure")]["precision"])


if __name__ == "__main__":
    unittest.main()
