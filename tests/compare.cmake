# tests/compare.cmake — `strata run` and `strata compare` (tools/cmd_run.c,
# tools/cmd_compare.c): small deterministic programs under tests/compare/
# are run through the CLI and the output, JSON, CSV, charts and exit
# statuses are checked.
foreach(prog probe workload planted stdin_len)
  add_executable(compare_${prog} ${CMAKE_CURRENT_SOURCE_DIR}/compare/${prog}.c)
endforeach()
# A statically linked program: preloading cannot reach it (a warning).
add_executable(compare_static ${CMAKE_CURRENT_SOURCE_DIR}/compare/stdin_len.c)
target_link_options(compare_static PRIVATE -static)
# A program that links jemalloc itself (another warning), when it is there.
find_library(STRATA_TEST_JEMALLOC NAMES jemalloc)
set(compare_env
    "STRATA_CLI=$<TARGET_FILE:strata-cli>"
    "STRATA_MALLOC_LIB=$<TARGET_FILE:strata-malloc>"
    "COMPARE_PROBE=$<TARGET_FILE:compare_probe>"
    "COMPARE_WORKLOAD=$<TARGET_FILE:compare_workload>"
    "COMPARE_PLANTED=$<TARGET_FILE:compare_planted>"
    "COMPARE_STDIN_LEN=$<TARGET_FILE:compare_stdin_len>"
    "COMPARE_STATIC=$<TARGET_FILE:compare_static>")
if(STRATA_TEST_JEMALLOC)
  add_executable(compare_linked ${CMAKE_CURRENT_SOURCE_DIR}/compare/workload.c)
  target_link_libraries(compare_linked PRIVATE ${STRATA_TEST_JEMALLOC})
  list(APPEND compare_env "COMPARE_LINKED=$<TARGET_FILE:compare_linked>")
endif()
strata_check_test(check_compare SOURCES check_compare.c TIMEOUT 300 ENV ${compare_env})
add_dependencies(check_compare strata-cli strata-malloc compare_probe compare_workload
                 compare_planted compare_stdin_len compare_static)
if(STRATA_TEST_JEMALLOC)
  add_dependencies(check_compare compare_linked)
endif()
