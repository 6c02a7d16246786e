#!/bin/sh
# gcc.sh — the compiler as the program under test: gcc compiles prog.c and
# g++ compiles cxx_threads.cpp (-O2 -g; the driver, cc1/cc1plus, as and ld
# all run with strata preloaded). The objects must be byte-identical to
# those built without strata, and the linked program must print the same.
# Usage: gcc.sh LIBSTRATA_MALLOC_SO C_COMPILER CXX_COMPILER INCLUDE_DIR
. "$(dirname "$0")/lib.sh"
set -- $DROPIN_ARGS
CC=${1:?C compiler}
CXX=${2:?C++ compiler}
INC=${3:?include dir}

dropin_body()
{
    # The working directory differs between the runs; keep it out of the
    # debug information so the objects can be compared byte for byte.
    map=-ffile-prefix-map=$PWD=.
    $DROPIN "$CC" -O2 -g -Wall "$map" -c "$DROPIN_DIR/prog.c" -o prog.o &&
        $DROPIN "$CC" prog.o -o prog &&
        $DROPIN "$CXX" -std=c++17 -O2 -g "$map" -I"$INC" -I"$DROPIN_DIR" \
            -c "$DROPIN_DIR/cxx_threads.cpp" -o cxx.o || return 1
    sha256sum prog.o cxx.o
    nm prog.o
    ./prog 20000
}

dropin_main 3
