# The layout process reader (layout/proc_*.c, layout/attr_*.c) and
# `strata layout`: parser unit tests (also under ASan+UBSan), live tests on
# fixture processes, and a smoke run of the /proc-parser fuzzer.

# ---- fixtures: processes with a known layout ---------------------------------
add_library(proc_fixture_dl SHARED ${CMAKE_CURRENT_SOURCE_DIR}/proc/fixture_dl.c)
set_target_properties(proc_fixture_dl PROPERTIES C_VISIBILITY_PRESET default)
add_executable(proc_fixture_layout ${CMAKE_CURRENT_SOURCE_DIR}/proc/fixture_layout.c)
target_link_libraries(proc_fixture_layout PRIVATE Threads::Threads ${CMAKE_DL_LIBS} rt)
add_executable(proc_fixture_static ${CMAKE_CURRENT_SOURCE_DIR}/proc/fixture_layout.c)
target_compile_definitions(proc_fixture_static PRIVATE FIXTURE_STATIC=1)
# -static cannot link the sanitizer runtimes (the ASan tree builds everything)
target_compile_options(proc_fixture_static PRIVATE -fno-sanitize=all)
target_link_options(proc_fixture_static PRIVATE -fno-sanitize=all -static)
target_link_libraries(proc_fixture_static PRIVATE Threads::Threads rt)
add_executable(proc_fixture_strata ${CMAKE_CURRENT_SOURCE_DIR}/proc/fixture_strata.c)
target_link_libraries(proc_fixture_strata PRIVATE strata)

# ---- tests -------------------------------------------------------------------
strata_check_test(check_proc_parse SOURCES check_proc_parse.c LIBS strata_static
                  LABELS "sanitize;layout" TIMEOUT 60)
target_include_directories(check_proc_parse PRIVATE ${PROJECT_SOURCE_DIR}/layout)

strata_check_test(check_proc_live SOURCES check_proc_live.c proc/spawn.c LIBS strata_static
                  LABELS layout TIMEOUT 180
                  ENV "STRATA_CLI=$<TARGET_FILE:strata-cli>"
                      "PROC_FIXTURE=$<TARGET_FILE:proc_fixture_layout>"
                      "PROC_FIXTURE_DL=$<TARGET_FILE:proc_fixture_dl>"
                      "PROC_FIXTURE_STATIC=$<TARGET_FILE:proc_fixture_static>"
                      "PROC_FIXTURE_STRATA=$<TARGET_FILE:proc_fixture_strata>"
                      "STRATA_MALLOC_SO=$<TARGET_FILE:strata-malloc>")
add_dependencies(check_proc_live strata-cli proc_fixture_layout proc_fixture_dl
                 proc_fixture_static proc_fixture_strata strata-malloc)

# ---- fuzzing: libFuzzer needs clang; the tree may be built with gcc, so the
# target is built by invoking clang directly when a probe links. Long run:
#   build/tests/fuzz_proc -max_total_time=3600 -max_len=65536 DIR tests/fuzz/proc_seeds
find_program(STRATA_PROC_CLANG NAMES clang clang-14)
set(proc_fuzz_ok FALSE)
if(STRATA_PROC_CLANG)
  set(probe ${CMAKE_CURRENT_BINARY_DIR}/proc_fuzz_probe.c)
  file(WRITE ${probe} "int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n"
                      "{ (void)d; (void)n; return 0; }\n")
  execute_process(COMMAND ${STRATA_PROC_CLANG} -fsanitize=fuzzer,address,undefined ${probe}
                          -o ${CMAKE_CURRENT_BINARY_DIR}/proc_fuzz_probe
                  RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_QUIET)
  if(probe_rc EQUAL 0)
    set(proc_fuzz_ok TRUE)
  endif()
endif()
if(proc_fuzz_ok)
  set(fuzz_srcs ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_proc.c
      ${PROJECT_SOURCE_DIR}/layout/proc_parse.c ${PROJECT_SOURCE_DIR}/layout/proc_layout.c
      ${PROJECT_SOURCE_DIR}/layout/pool.c)
  add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc
      COMMAND ${STRATA_PROC_CLANG} -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined
              -fno-sanitize-recover=undefined -I${PROJECT_SOURCE_DIR}/include
              -I${PROJECT_SOURCE_DIR}/layout ${fuzz_srcs} -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc
      DEPENDS ${fuzz_srcs} ${PROJECT_SOURCE_DIR}/layout/internal.h
              ${PROJECT_SOURCE_DIR}/layout/types.h ${PROJECT_SOURCE_DIR}/include/strata.h
      COMMENT "Building the /proc parser fuzzer with clang")
  add_custom_target(fuzz_proc_bin ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc)
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc_corpus)
  add_test(NAME fuzz_proc_smoke
           COMMAND ${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc -runs=100000 -max_total_time=15 -max_len=8192
                   -artifact_prefix=${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc_
                   ${CMAKE_CURRENT_BINARY_DIR}/fuzz_proc_corpus
                   ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/proc_seeds)
  set_tests_properties(fuzz_proc_smoke PROPERTIES LABELS "fuzz;layout" TIMEOUT 120)
else()
  message(STATUS "layout-proc: clang with libFuzzer not found; "
                 "fuzz_proc_smoke is not registered")
endif()
