# tests/compare.cmake — `strata run` and `strata compare` (tools/commands/run.c,
# tools/commands/compare.c): small deterministic programs under tests/compare/
# are run through the CLI and the output, JSON, CSV, charts and exit
# statuses are checked.
# The helper programs are never built with sanitizers (STRATA_SANITIZE): an
# ASan program refuses to start unless its runtime comes first in the
# preload list, and cannot be linked -static.
function(compare_program name src)
  add_executable(${name} ${CMAKE_CURRENT_SOURCE_DIR}/compare/${src})
  target_compile_options(${name} PRIVATE -fno-sanitize=all)
  target_link_options(${name} PRIVATE -fno-sanitize=all ${ARGN})
endfunction()
foreach(prog probe workload planted stdin_len)
  compare_program(compare_${prog} ${prog}.c)
endforeach()
# A statically linked program: preloading cannot reach it (a warning).
compare_program(compare_static stdin_len.c -static)
# A program that links jemalloc itself (another warning), when it is there.
find_library(STRATA_TEST_JEMALLOC NAMES jemalloc)
set(compare_env
    "STRATA_CLI=$<TARGET_FILE:strata-cli>"
    "STRATA_MALLOC_LIB=$<TARGET_FILE:strata-malloc>"
    "COMPARE_PROBE=$<TARGET_FILE:compare_probe>"
    "COMPARE_WORKLOAD=$<TARGET_FILE:compare_workload>"
    "COMPARE_PLANTED=$<TARGET_FILE:compare_planted>"
    "COMPARE_STDIN_LEN=$<TARGET_FILE:compare_stdin_len>"
    "COMPARE_STATIC=$<TARGET_FILE:compare_static>"
    "COMPARE_REPORT_BUILD=${PROJECT_SOURCE_DIR}/bench/report_build.py")
if(STRATA_TEST_JEMALLOC)
  compare_program(compare_linked workload.c)
  target_link_libraries(compare_linked PRIVATE ${STRATA_TEST_JEMALLOC})
  list(APPEND compare_env "COMPARE_LINKED=$<TARGET_FILE:compare_linked>")
endif()
strata_check_test(check_compare SOURCES check_compare.c LABELS compare TIMEOUT 300
                  ENV ${compare_env})
add_dependencies(check_compare strata-cli strata-malloc compare_probe compare_workload
                 compare_planted compare_stdin_len compare_static)
if(STRATA_TEST_JEMALLOC)
  add_dependencies(check_compare compare_linked)
endif()
