#!/bin/sh
# cxx_threads.sh — the threaded C++ program (std::string, std::map, new on
# one thread and delete on another) with and without strata preloaded.
# Usage: cxx_threads.sh LIBSTRATA_MALLOC_SO PROGRAM [ROUNDS]
. "$(dirname "$0")/lib.sh"
set -- $DROPIN_ARGS
PROG=${1:?path to dropin_cxx_threads}
ROUNDS=${2:-100000}

dropin_body()
{
    $DROPIN "$PROG" "$ROUNDS"
}

dropin_main 1
