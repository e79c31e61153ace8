#!/usr/bin/env python3
"""Reads one altworld4 world and duanka's scan of it; prints, beside `duanka eval`:
the severity at which each key entity (rogue hosts, jump host, insider) was claimed,
every false positive at medium or above with its explanation and its hard-negative
kind, every miss per label, and the chain cluster's reach.

    python3 analyze.py WORLD SCANDIR
"""
import csv
import json
import os
import sys
from collections import Counter, defaultdict

RANK = {"low": 1, "medium": 2, "high": 3}


def main(world, scan):
    truth = defaultdict(set)
    with open(os.path.join(world, "truth.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            truth[(r["entity_type"], r["entity_id"])].add(r["label"])
    neg = {}
    with open(os.path.join(world, "hard_negatives.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            neg[(r["entity_type"], r["entity_id"])] = r["kind"]
    alerts = defaultdict(list)
    with open(os.path.join(scan, "alerts.jsonl"), encoding="utf-8") as f:
        for l in f:
            if l.strip():
                a = json.loads(l)
                alerts[(a["entity_type"], a["entity_id"])].append(a)

    def best(e):
        al = alerts.get(e, [])
        return max(al, key=lambda a: RANK.get(a.get("severity"), 3)) if al else None

    print("alerts per detector and severity:")
    c = Counter((a["detector"], a.get("severity")) for al in alerts.values() for a in al)
    for (d, s), n in sorted(c.items()):
        print(f"  {d:<28} {s:<7} {n}")

    print("\nkey entities:")
    for lab in ("rogue_host", "jump_host", "insider"):
        for e, ls in sorted(truth.items()):
            if lab in ls:
                b = best(e)
                if b:
                    print(f"  {lab:<11} {e[1]:<16} {b['severity']:<7} {b['detector']}: "
                          f"{b['explanation']}")
                    print(f"  {'':<11} evidence {json.dumps(b.get('evidence'), ensure_ascii=False)[:400]}")
                else:
                    print(f"  {lab:<11} {e[1]:<16} NOT FLAGGED")

    print("\nper label: claimed at medium+ / any severity / truth")
    labs = sorted({l for ls in truth.values() for l in ls})
    for lab in labs:
        ents = [e for e, ls in truth.items() if lab in ls]
        med = [e for e in ents if best(e) and RANK.get(best(e).get("severity"), 3) >= 2]
        anyl = [e for e in ents if best(e)]
        print(f"  {lab:<16} {len(med):>6} {len(anyl):>6} {len(ents):>6}")
        misses = [e for e in ents if e not in med]
        if misses and lab not in ("linked_case", "other_gang_case"):
            low = [e for e in misses if best(e)]
            ex = misses[:3]
            print(f"    missed at medium+: {len(misses)} ({len(low)} only as low leads); e.g. "
                  + ", ".join(f"{e[1]}" + (f" [low: {best(e)['detector']}: {best(e)['explanation']}]"
                                           if best(e) else "") for e in ex))

    print("\nfalse positives at medium or above (not in truth):")
    fps = []
    for e, al in alerts.items():
        if e in truth:
            continue
        b = best(e)
        if RANK.get(b.get("severity"), 3) >= 2:
            fps.append((neg.get(e, "other (ordinary)"), e, b))
    byk = Counter(k for k, _, _ in fps)
    for k, n in byk.most_common():
        print(f"  {k:<30} {n}")
    shown = Counter()
    for k, e, b in sorted(fps, key=lambda x: (x[0], x[1])):
        if shown[k] < 3:
            shown[k] += 1
            print(f"  - {k}: {e[0]} {e[1]} {b['severity']} {b['detector']}: {b['explanation']}")
            print(f"      evidence {json.dumps(b.get('evidence'), ensure_ascii=False)[:300]}")

    print("\nleads (low) on hard negatives, by kind:")
    lows = Counter(neg[e] for e in alerts if e in neg and e not in truth)
    for k, n in lows.most_common():
        print(f"  {k:<30} {n}")

    cl = os.path.join(scan, "clusters.jsonl")
    linked = {e[1] for e, ls in truth.items() if "linked_case" in ls}
    other = {e[1] for e, ls in truth.items() if "other_gang_case" in ls}
    if os.path.exists(cl):
        cls = [json.loads(l) for l in open(cl, encoding="utf-8") if l.strip()]
        print(f"\nclusters: {len(cls)}")
        for c in cls:
            ids = set(c.get("case_ids", []))
            nl, no = len(ids & linked), len(ids & other)
            if nl or no:
                ms = c.get("members", []) + c.get("chain", [])
                kinds = Counter(m["entity_type"] for m in c.get("members", []))
                reach = {lab: any(lab in truth.get((m["entity_type"], m["entity_id"]), ())
                                  for m in ms) for lab in ("rogue_host", "jump_host", "insider")}
                hneg = Counter(neg[(m["entity_type"], m["entity_id"])] for m in c.get("members", [])
                               if (m["entity_type"], m["entity_id"]) in neg)
                print(f"  {c['cluster_id']}: linked {nl}/{len(linked)}, other-gang {no}, "
                      f"members {dict(kinds)}, reach {reach}, hard negatives inside {dict(hneg)}")
                print("    chain: " + " -> ".join(f"{h['entity_type']}:{h['entity_id']}"
                                                   f"({h.get('via')})" for h in c.get("chain", [])))


if __name__ == "__main__":
    main(*sys.argv[1:3])
