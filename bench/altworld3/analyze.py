#!/usr/bin/env python3
"""List false positives and misses of a duanka scan against an altworld3 world.

    python3 bench/altworld3/analyze.py WORLD OUT [--examples 3]

Scores like `duanka eval`: alerts of severity medium or high are claims on (entity_type, entity_id).
A claim is a false positive when the entity is not in truth.csv; a truth entity with no claim is a
miss. Misses also show any low-severity alert (a lead) the entity got.
"""
import collections
import csv
import json
import os
import sys


def main():
    world, out = sys.argv[1], sys.argv[2]
    k = int(sys.argv[4]) if len(sys.argv) > 4 and sys.argv[3] == "--examples" else 3
    truth = {}
    with open(os.path.join(world, "truth.csv")) as f:
        for r in csv.DictReader(f):
            truth[(r["entity_type"], r["entity_id"])] = r["label"]
    hn = {}
    p = os.path.join(world, "hard_negatives.csv")
    if os.path.exists(p):
        with open(p) as f:
            for r in csv.DictReader(f):
                hn[(r["entity_type"], r["entity_id"])] = r["kind"]
    claims, leads = collections.defaultdict(list), collections.defaultdict(list)
    with open(os.path.join(out, "alerts.jsonl")) as f:
        for line in f:
            a = json.loads(line)
            key = (a["entity_type"], a["entity_id"])
            (claims if a["severity"] in ("medium", "high") else leads)[key].append(a)
    fp = collections.defaultdict(list)
    for key, al in claims.items():
        if key not in truth:
            fp[(key[0], hn.get(key, "unlisted"), tuple(sorted({a["detector"] for a in al})))].append((key, al))
    print("== false positives (claimed, not in truth), by entity type / trap / detectors")
    for g, items in sorted(fp.items(), key=lambda x: -len(x[1])):
        print("-- %s %s via %s: %d" % (g[0], g[1], "+".join(g[2]), len(items)))
        for key, al in items[:k]:
            for a in al:
                print("   %s %s [%s %s %.2f] %s | %s" % (key[0], key[1], a["detector"], a["severity"], a["score"], a.get("explanation", ""), json.dumps(a.get("evidence", {}), ensure_ascii=False)[:400]))
    miss = collections.defaultdict(list)
    for key, lab in truth.items():
        if key not in claims:
            miss[lab].append(key)
    print("\n== misses (in truth, no medium/high alert), by label")
    for lab, items in sorted(miss.items(), key=lambda x: -len(x[1])):
        nlead = sum(1 for key in items if key in leads)
        print("-- %s: %d missed (%d of them have only low-severity leads)" % (lab, len(items), nlead))
        for key in items[:k]:
            ls = leads.get(key, [])
            if ls:
                for a in ls:
                    print("   %s %s lead [%s %.2f] %s | %s" % (key[0], key[1], a["detector"], a["score"], a.get("explanation", ""), json.dumps(a.get("evidence", {}), ensure_ascii=False)[:300]))
            else:
                print("   %s %s (no alert)" % key)
    wrong = collections.Counter()
    for key, al in claims.items():
        if key in truth:
            for a in al:
                wrong[(truth[key], a["detector"])] += 1
    print("\n== claims on truth entities: (truth label, detector) -> count")
    for (lab, det), n in sorted(wrong.items()):
        print("   %-20s %-20s %d" % (lab, det, n))


if __name__ == "__main__":
    main()
