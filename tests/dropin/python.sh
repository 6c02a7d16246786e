#!/bin/sh
# python.sh — CPython with PYTHONMALLOC=malloc (so every object is a malloc
# of the allocator under test) running workload.py: strings, dicts, JSON round
# trip, sorts, big integers and objects freed on other threads.
# Usage: python.sh LIBSTRATA_MALLOC_SO [SCALE]
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || dropin_fail "python3 not installed (tools/deps.sh installs it)"

dropin_body()
{
    $DROPIN PYTHONMALLOC=malloc python3 "$DROPIN_DIR/workload.py" ${DROPIN_ARGS:-1}
}

dropin_main 1
