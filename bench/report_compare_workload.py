"""report_compare_workload.py — the program bench/report_compare.sh hands to
`strata compare`: an allocation-heavy, deterministic Python script (many
small objects, growing containers, strings, JSON) that prints a digest, so
a wrong result under any allocator shows up as a stdout difference.

Usage: python3 report_compare_workload.py [SCALE]
"""
import hashlib
import json
import random
import sys

scale = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rng = random.Random(5)
h = hashlib.sha256()
for rnd in range(scale * 4):
    table = {}
    for i in range(60000):
        key = "k%d-%d" % (i, rng.randrange(1000))
        table[key] = [rng.random() for _ in range(i % 7)]
    rows = sorted(table.items(), key=lambda kv: (len(kv[1]), kv[0]))[:5000]
    text = json.dumps(rows)
    h.update(text.encode())
    words = text.split(",")
    h.update(str(len(words)).encode())
    del table, rows, text, words
print(h.hexdigest())
