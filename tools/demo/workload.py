"""A real allocation-heavy workload for the strata demo: builds and
transforms dicts, lists and strings, round-trips JSON and sorts; prints a
digest so runs under different allocators can be compared. With --hold it
then waits (memory live) until stdin closes, so its layout can be inspected."""
import hashlib
import json
import sys


def workload(n):
    records = []
    for i in range(n):
        rec = {"id": i, "name": "item-%06d" % i, "tags": [str(i % 7), str(i % 11)],
               "payload": ("x" * (i % 200)) + str(i)}
        records.append(rec)
    index = {r["name"]: r for r in records}
    text = json.dumps(records)
    back = json.loads(text)
    back.sort(key=lambda r: (r["tags"][1], -r["id"]))
    words = " ".join(r["payload"] for r in back[: n // 4]).split("x")
    digest = hashlib.sha256()
    for r in back:
        digest.update(r["name"].encode())
    return len(index), len(text), len(words), digest.hexdigest()[:16]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200000
    keep = workload(n)
    print("records=%d json_bytes=%d words=%d sha=%s" % keep, flush=True)
    if "--hold" in sys.argv:
        data = [bytearray(4096) for _ in range(1000)]  # keep some heap live
        sys.stdin.read()
