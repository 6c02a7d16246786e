#!/bin/sh
# test.sh — the README's test command: install what is missing, build with
# -Werror, and run the whole test suite with ctest. Also builds an
# ASan+UBSan tree for the tests labelled "sanitize" (hostile-input parsing).
set -eu
cd "$(dirname "$0")/.."
sh tools/deps.sh
JOBS=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j"$JOBS" --timeout 1200

if [ -n "$(ls tests/*.cmake 2>/dev/null)" ] && grep -qs 'sanitize' tests/*.cmake; then
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSTRATA_WERROR=ON \
        -DSTRATA_SANITIZE=address,undefined -DSTRATA_BUILD_BENCH=OFF >/dev/null
    cmake --build build-asan -j"$JOBS"
    ctest --test-dir build-asan --output-on-failure -j"$JOBS" -L sanitize
fi
