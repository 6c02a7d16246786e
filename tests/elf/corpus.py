"""corpus.py — the differential corpus: every ELF file and ar archive under
the given roots (regular files only; symlinks are not followed, so each
file is visited once; size itself follows symlinks, which the Check tests
cover separately)."""
import os

MAGICS = (b"\x7fELF", b"!<arch>\n", b"!<thin>\n")


def is_candidate(path):
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(MAGICS[0]) or head in MAGICS[1:]


def collect(roots):
    files = []
    for root in roots:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for name in sorted(filenames):
                p = os.path.join(dirpath, name)
                if os.path.islink(p) or not os.path.isfile(p):
                    continue
                if is_candidate(p):
                    files.append(p)
    return files


def batches(items, n):
    for i in range(0, len(items), n):
        yield items[i:i + n]
