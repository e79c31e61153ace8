#!/usr/bin/env python3
"""Writes an alerts.jsonl of N alerts shaped like a province's day: the detectors in
their usual proportions, mostly low and medium, a few thousand high, realistic entity
ids (numbers, IMEIs, accounts, hosts) and evidence of a few figures. For the server's
load bench only: the store does not care that no scan made them.

    bench/serve-data.py N > alerts.jsonl
"""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = random.Random(15)
detectors = [
    ("otp_sink", "msisdn", 0.30), ("signup_sink", "msisdn", 0.15), ("leaked_block", "msisdn", 0.05),
    ("sim_farm", "imsi", 0.10), ("tampered_imei", "imei", 0.10), ("bulk_account", "account", 0.20),
    ("rogue_host", "ip", 0.02), ("jump_host", "ip", 0.02), ("insider", "user", 0.01),
    ("case_linkage", "msisdn", 0.05),
]
weights = [d[2] for d in detectors]
out = sys.stdout
for k in range(n):
    det, etype, _ = rng.choices(detectors, weights)[0]
    if etype == "msisdn":
        eid = "86" + rng.choice(["133", "138", "170", "171", "186"]) + "%08d" % rng.randrange(10**8)
    elif etype == "imsi":
        eid = "46000" + "%010d" % rng.randrange(10**10)
    elif etype == "imei":
        eid = "8601234" + "%08d" % rng.randrange(10**8)
    elif etype == "account":
        eid = "wxid_%012x" % rng.randrange(16**12)
    elif etype == "ip":
        eid = "10.%d.%d.%d" % (rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
    else:
        eid = "ops_%04d" % rng.randrange(10_000)
    score = round(min(1.0, rng.betavariate(2, 5) + (0.4 if rng.random() < 0.05 else 0.0)), 4)
    severity = "high" if score >= 0.8 else "medium" if score >= 0.5 else "low"
    t0 = 1_760_400_000 + rng.randrange(86_400)
    alert = {
        "detector": det, "entity_type": etype, "entity_id": eid, "score": score, "severity": severity,
        "first_seen": t0, "last_seen": t0 + rng.randrange(3_600),
        "explanation": f"{eid} flagged by {det}",
        "evidence": {"otp_in": rng.randrange(100), "services": rng.randrange(20), "peers": rng.randrange(50)},
    }
    out.write(json.dumps(alert, separators=(",", ":")) + "\n")
