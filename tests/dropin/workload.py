"""workload.py — a deterministic, allocation-heavy Python program for the
drop-in suite: with PYTHONMALLOC=malloc every object below is a malloc/free
(or realloc) of the allocator under test, so any corruption shows up as a
different digest, a crash or an exception.

Usage: python3 workload.py [SCALE]   (SCALE defaults to 1)
"""
import collections
import hashlib
import heapq
import json
import math
import random
import re
import sys

SCALE = int(sys.argv[1]) if len(sys.argv) > 1 else 1
rng = random.Random(20241126)
digest = hashlib.sha256()


def report(name, value):
    """Prints one result line and folds it into the running digest."""
    line = f"{name}: {value}"
    print(line)
    digest.update(line.encode())


SYLLABLES = ["ka", "to", "ri", "mu", "se", "lan", "dor", "vex", "qu", "il", "on", "strat"]


def make_word():
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 5)))


def text_statistics():
    """Word frequencies over generated text: many short strings and a dict."""
    words = [make_word() for _ in range(60000 * SCALE)]
    text = " ".join(words)
    counts = collections.Counter(re.findall(r"[a-z]+", text))
    top = counts.most_common(5)
    report("words", len(words))
    report("distinct", len(counts))
    report("top5", top)
    report("longest", max(counts, key=lambda w: (len(w), w)))
    return counts


def records(counts):
    """Nested dicts and lists, then a JSON round trip that must be exact."""
    people = []
    names = sorted(counts)[: 4000 * SCALE]
    for i, name in enumerate(names):
        people.append({
            "id": i,
            "name": name.title(),
            "tags": sorted({make_word() for _ in range(rng.randint(0, 6))}),
            "score": round(rng.random() * 1000, 3),
            "history": [rng.randint(-50, 50) for _ in range(rng.randint(0, 30))],
            "friends": {str(rng.randint(0, 5000)): rng.random() < 0.5 for _ in range(3)},
        })
    blob = json.dumps(people, sort_keys=True, indent=1)
    back = json.loads(blob)
    if back != people:
        raise SystemExit("json round trip changed the data")
    report("json bytes", len(blob))
    report("json sha256", hashlib.sha256(blob.encode()).hexdigest())
    return people


def sorting(people):
    """Sorts by several keys, a heap, and list growth by appends."""
    by_score = sorted(people, key=lambda p: (-p["score"], p["name"]))
    report("best", [p["name"] for p in by_score[:3]])
    by_history = sorted(people, key=lambda p: (sum(p["history"]), len(p["tags"]), p["id"]))
    report("lowest history", [p["id"] for p in by_history[:5]])
    heap = []
    for p in people:
        heapq.heappush(heap, (len(p["name"]), p["name"]))
    report("shortest names", [heapq.heappop(heap)[1] for _ in range(5)])
    grown = []
    for i in range(200000 * SCALE):
        grown.append(i * i % 7919)
    report("grown sum", sum(grown))


def churn():
    """Many objects of varied sizes created and dropped in waves."""
    live = {}
    total = 0
    for step in range(150000 * SCALE):
        key = rng.randint(0, 20000)
        if key in live and rng.random() < 0.5:
            total += len(live.pop(key))
        else:
            live[key] = "x" * rng.randint(1, 3000) + str(step)
    report("churn live", len(live))
    report("churn freed bytes", total)


def bignum():
    """Big integers: their digit arrays are reallocated as they grow."""
    a, b = 0, 1
    for _ in range(20000):
        a, b = b, a + b
    report("fib digits", len(str(a)))
    report("factorial digit sum", sum(int(c) for c in str(math.factorial(1500))))


def threads():
    """Objects built on worker threads and dropped on the main thread: frees
    that cross threads."""
    from concurrent.futures import ThreadPoolExecutor

    def build(seed):
        r = random.Random(seed)
        return [{"k": str(r.random()), "v": [r.randint(0, 99)] * r.randint(1, 40)}
                for _ in range(20000 * SCALE)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(build, range(8)))
    report("thread items", sum(len(b) for b in batches))
    report("thread checksum", sum(sum(d["v"]) for b in batches for d in b))
    del batches


def forks():
    """fork() while another thread allocates: the child must find a working
    heap (no lock left held by the thread that did not survive the fork)."""
    import os
    import threading

    stop = threading.Event()

    def churn_forever():
        r = random.Random(7)
        keep = []
        while not stop.is_set():
            keep.append({str(r.random()): "z" * r.randint(1, 2000)})
            if len(keep) > 500:
                del keep[: r.randint(1, 500)]

    t = threading.Thread(target=churn_forever)
    t.start()
    ok = 0
    for i in range(20):
        pid = os.fork()
        if pid == 0:
            data = [str(j) * (j % 50) for j in range(20000)]
            good = json.loads(json.dumps(data)) == data
            os._exit(0 if good else 1)
        _, status = os.waitpid(pid, 0)
        ok += os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    stop.set()
    t.join()
    report("fork children ok", ok)


counts = text_statistics()
people = records(counts)
sorting(people)
churn()
bignum()
threads()
forks()
print("digest:", digest.hexdigest())
