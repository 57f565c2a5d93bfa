#!/usr/bin/env python3
"""Pick a reproducible sample of fixes from truth.tsv, in devspm --fixes-from
format (one sha per line).

  sample_fixes.py --truth truth.tsv --n 300 [--seed 1] [--recent]
                  [--exclude-pure-additions] > sample.txt

Default: a uniform random sample (random.Random(seed).sample over the truth
rows in file order); --recent: the N most recent fixes instead.
"""
import argparse
import csv
import random
from datetime import datetime

ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
ap.add_argument("--truth", required=True)
ap.add_argument("--n", type=int, required=True)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--recent", action="store_true")
ap.add_argument("--exclude-pure-additions", action="store_true")
a = ap.parse_args()

with open(a.truth, newline="") as fh:
    rows = list(csv.DictReader(fh, delimiter="\t"))
if a.exclude_pure_additions:
    rows = [r for r in rows if r["pure_addition"] != "1"]
if a.recent:
    rows.sort(key=lambda r: datetime.fromisoformat(r["fix_date"]), reverse=True)
    pick = rows[: a.n]
else:
    pick = random.Random(a.seed).sample(rows, min(a.n, len(rows)))
    pick.sort(key=lambda r: datetime.fromisoformat(r["fix_date"]), reverse=True)
for r in pick:
    print(r["fix_sha"])
