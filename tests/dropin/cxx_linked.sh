#!/bin/sh
# cxx_linked.sh — the threaded C++ program linked with -lstrata-malloc (the
# shared library, no LD_PRELOAD) against the same program on the system
# allocator: linking is the other way to get strata's heap, and the
# program's own check demands that operator new memory is strata's.
# Usage: cxx_linked.sh LIBSTRATA_MALLOC_SO PLAIN_PROGRAM LINKED_PROGRAM [ROUNDS]
. "$(dirname "$0")/lib.sh"
set -- $DROPIN_ARGS
PLAIN=${1:?path to dropin_cxx_threads}
LINKED=${2:?path to dropin_cxx_threads_linked}
ROUNDS=${3:-100000}

# The linked program must really depend on libstrata-malloc.
ldd "$LINKED" | grep -q 'libstrata-malloc\.so' ||
    dropin_fail "$LINKED does not load libstrata-malloc.so: $(ldd "$LINKED")"

dropin_body()
{
    if [ "$DROPIN_MODE" = strata ]; then
        env STRATA_STATS=1 ${DROPIN_STRATA_ENV:-} "$LINKED" "$ROUNDS"
    else
        "$PLAIN" "$ROUNDS"
    fi
}

dropin_main 1
