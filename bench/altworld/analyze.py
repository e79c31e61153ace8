#!/usr/bin/env python3
"""List false positives and misses of one scan against an altworld world.

python3 bench/altworld/analyze.py WORLD OUT [--min-severity medium] [--examples 3]
False positives: alerts (severity >= min) on entities not in truth.csv, grouped by detector
and hard-negative kind, with explanation and evidence. Misses: truth entities with no
alert >= min, grouped by label, with the best lower-severity alert if any.
"""
import csv, json, sys, collections, argparse

ap = argparse.ArgumentParser()
ap.add_argument("world"); ap.add_argument("out")
ap.add_argument("--min-severity", default="medium")
ap.add_argument("--examples", type=int, default=3)
a = ap.parse_args()
rank = {"low": 0, "medium": 1, "high": 2}
truth = {}
for r in csv.DictReader(open(a.world + "/truth.csv")):
    truth[(r["entity_type"], r["entity_id"])] = r["label"]
hn = {}
try:
    for r in csv.DictReader(open(a.world + "/hard_negatives.csv")):
        hn[(r["entity_type"], r["entity_id"])] = r["kind"]
except FileNotFoundError:
    pass
alerts = [json.loads(l) for l in open(a.out + "/alerts.jsonl")]
claimed = collections.defaultdict(list)
for al in alerts:
    claimed[(al["entity_type"], al["entity_id"])].append(al)
fp = collections.defaultdict(list)
for k, als in claimed.items():
    for al in als:
        if rank[al["severity"]] >= rank[a.min_severity] and k not in truth:
            fp[(al["detector"], hn.get(k, "other"))].append(al)
print("== false positives (severity >= %s) ==" % a.min_severity)
for (det, kind), als in sorted(fp.items(), key=lambda x: -len(x[1])):
    print("-- %s on %s: %d" % (det, kind, len(als)))
    for al in als[:a.examples]:
        print("   %s %s [%s %.2f] %s | %s" % (al["entity_type"], al["entity_id"], al["severity"], al["score"],
                                             al["explanation"], json.dumps(al["evidence"], ensure_ascii=False)))
print("== misses (no alert >= %s) ==" % a.min_severity)
miss = collections.defaultdict(list)
for k, lab in truth.items():
    if not any(rank[al["severity"]] >= rank[a.min_severity] for al in claimed.get(k, [])):
        miss[lab].append(k)
for lab, ks in sorted(miss.items(), key=lambda x: -len(x[1])):
    print("-- %s: %d missed" % (lab, len(ks)))
    for k in ks[:a.examples]:
        low = claimed.get(k, [])
        s = "; ".join("%s[%s %.2f] %s %s" % (al["detector"], al["severity"], al["score"], al["explanation"],
                                              json.dumps(al["evidence"], ensure_ascii=False)) for al in low) or "no alert at all"
        print("   %s %s: %s" % (k[0], k[1], s))
