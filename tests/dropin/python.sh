#!/bin/sh
# python.sh — CPython with PYTHONMALLOC=malloc (so every object is a malloc
# of the allocator under test) running workload.py: strings, dicts, JSON round
# trip, sorts, big integers and objects freed on other threads.
# Usage: python.sh LIBSTRATA_MALLOC_SO [SCALE]
. "$(dirname "$0")/lib.sh"
# Debian's python3 (tools/deps.sh installs it), not a version-manager shim
# on PATH that would run the interpreter behind a tree of shell scripts.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3) ||
    dropin_fail "python3 not installed (tools/deps.sh installs it)"

dropin_body()
{
    $DROPIN PYTHONMALLOC=malloc "$PYTHON" "$DROPIN_DIR/workload.py" ${DROPIN_ARGS:-1}
}

dropin_main 1
