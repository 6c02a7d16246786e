# tests/alloc.cmake — the allocator's tests (issue 2). Unit tests link the
# core objects to reach internals; the rest use strata.h (prefixed API) or
# plain malloc with libstrata-malloc.so preloaded.
set(STRATA_ALLOC_PRELOAD "LD_PRELOAD=$<TARGET_FILE:strata-malloc>")

# Torture: 10^7 random operations on 4 threads, against both faces.
strata_check_test(check_alloc_torture_api SOURCES check_alloc_torture.c
                  LIBS strata_static LABELS alloc TIMEOUT 600)
target_compile_definitions(check_alloc_torture_api PRIVATE TORTURE_PREFIXED=1)
strata_check_test(check_alloc_torture_preload SOURCES check_alloc_torture.c
                  LIBS ${CMAKE_DL_LIBS} LABELS alloc TIMEOUT 600
                  ENV "${STRATA_ALLOC_PRELOAD}")
add_dependencies(check_alloc_torture_preload strata-malloc)
