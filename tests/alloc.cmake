# tests/alloc.cmake — the allocator's tests (issue 2). Unit tests link the
# core objects to reach internals; the rest use strata.h (prefixed API) or
# plain malloc with libstrata-malloc.so preloaded.
set(STRATA_ALLOC_PRELOAD "LD_PRELOAD=$<TARGET_FILE:strata-malloc>")

# Torture: 10^7 random operations on 4 threads, against both faces.
strata_check_test(check_alloc_torture_api SOURCES check_alloc_torture.c
                  LIBS strata_alloc_testlib LABELS alloc TIMEOUT 600)
target_compile_definitions(check_alloc_torture_api PRIVATE TORTURE_PREFIXED=1)
strata_check_test(check_alloc_torture_preload SOURCES check_alloc_torture.c
                  LIBS ${CMAKE_DL_LIBS} LABELS alloc TIMEOUT 600
                  ENV "${STRATA_ALLOC_PRELOAD}")
add_dependencies(check_alloc_torture_preload strata-malloc)
# The same with a purge delay of 2 ms: idle parked heaps are trimmed and
# absorbed, freed slices purged and re-faulted, all the time.
add_test(NAME check_alloc_torture_purge COMMAND check_alloc_torture_preload 3000000 4)
set_tests_properties(check_alloc_torture_purge PROPERTIES LABELS alloc TIMEOUT 600
    ENVIRONMENT "CK_DEFAULT_TIMEOUT=120;${STRATA_ALLOC_PRELOAD};STRATA_PURGE_DELAY_MS=2")

# The allocator alone (core + prefixed API), for tests that must not depend
# on the other parts being buildable.
add_library(strata_alloc_testlib STATIC $<TARGET_OBJECTS:strata_alloc_core>
            $<TARGET_OBJECTS:strata_alloc_api>)
target_link_libraries(strata_alloc_testlib PUBLIC Threads::Threads)

strata_check_test(check_alloc_unit SOURCES check_alloc_unit.c
                  LIBS strata_alloc_testlib LABELS "alloc;sanitize" TIMEOUT 300)
target_include_directories(check_alloc_unit PRIVATE ${PROJECT_SOURCE_DIR}/alloc)

# Misuse: double/invalid/interior frees abort with one clear line.
strata_check_test(check_alloc_misuse_api SOURCES check_alloc_misuse.c
                  LIBS strata_alloc_testlib ${CMAKE_DL_LIBS} LABELS "alloc;sanitize")
target_compile_definitions(check_alloc_misuse_api PRIVATE MISUSE_PREFIXED=1)
strata_check_test(check_alloc_misuse_preload SOURCES check_alloc_misuse.c
                  LIBS ${CMAKE_DL_LIBS} LABELS alloc ENV "${STRATA_ALLOC_PRELOAD}")
add_dependencies(check_alloc_misuse_preload strata-malloc)

# Fork while threads allocate, 40 times; the child allocates and threads.
strata_check_test(check_alloc_fork_api SOURCES check_alloc_fork.c
                  LIBS strata_alloc_testlib LABELS alloc TIMEOUT 180)
target_compile_definitions(check_alloc_fork_api PRIVATE FORK_PREFIXED=1)
strata_check_test(check_alloc_fork_preload SOURCES check_alloc_fork.c
                  LABELS alloc TIMEOUT 180 ENV "${STRATA_ALLOC_PRELOAD}")
add_dependencies(check_alloc_fork_preload strata-malloc)

# The glibc ABI and the STRATA_* options as a preloaded program sees them.
strata_check_test(check_alloc_abi SOURCES check_alloc_abi.c LIBS ${CMAKE_DL_LIBS}
                  LABELS alloc
                  ENV "${STRATA_ALLOC_PRELOAD};STRATA_TEST_MALLOC_SO=$<TARGET_FILE:strata-malloc>")
add_dependencies(check_alloc_abi strata-malloc)

# C++ new/delete (all forms) end up in strata.
strata_check_test(check_alloc_cxx SOURCES check_alloc_cxx.cc LIBS ${CMAKE_DL_LIBS}
                  LABELS alloc ENV "${STRATA_ALLOC_PRELOAD}")
add_dependencies(check_alloc_cxx strata-malloc)

# Thread create/exit churn, nearly every free cross-thread onto pages of
# dead threads: zero corruptions, peak RSS near the live set.
strata_check_test(check_alloc_churn SOURCES check_alloc_churn.c LABELS alloc
                  TIMEOUT 240 ENV "${STRATA_ALLOC_PRELOAD}")
add_dependencies(check_alloc_churn strata-malloc)
