# tests/layout_elf.cmake — the ELF reader's tests (owned by the layout ELF
# part): the crafted corpus + API + CLI Check suite (also under ASan+UBSan),
# the differential tests against binutils on the machine's own files, and a
# libFuzzer smoke run when clang's libFuzzer is there.
find_program(STRATA_PYTHON3 python3)
if(NOT STRATA_PYTHON3)
  message(STATUS "layout-elf: python3 not found; skipping the ELF corpus and differential tests")
  return()
endif()

set(STRATA_ELF_CORPUS_DIR ${CMAKE_CURRENT_BINARY_DIR}/elf-corpus)
add_custom_command(
  OUTPUT ${STRATA_ELF_CORPUS_DIR}/MANIFEST
  COMMAND ${STRATA_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/elf/gen_corpus.py ${STRATA_ELF_CORPUS_DIR}
  DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/elf/gen_corpus.py
  COMMENT "Generating the crafted ELF corpus")
add_custom_target(strata_elf_corpus ALL DEPENDS ${STRATA_ELF_CORPUS_DIR}/MANIFEST)

strata_check_test(check_elf SOURCES check_elf.c LIBS strata_static LABELS sanitize
                  TIMEOUT 300
                  ENV "STRATA_ELF_CORPUS=${STRATA_ELF_CORPUS_DIR};STRATA_CLI=$<TARGET_FILE:strata-cli>")
add_dependencies(check_elf strata_elf_corpus strata-cli)

# `strata size` against binutils' size on the crafted corpus (where binutils
# copes: see diff_size.py's exclusions) and on every ELF file and archive of
# the machine; section/program header tables against readelf -lSW.
find_program(STRATA_SIZE_BIN size)
find_program(STRATA_READELF_BIN readelf)
if(STRATA_SIZE_BIN AND STRATA_READELF_BIN)
  add_test(NAME elf_size_crafted
           COMMAND ${STRATA_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/elf/diff_size.py
                   --crafted $<TARGET_FILE:strata-cli> ${STRATA_ELF_CORPUS_DIR})
  add_test(NAME elf_size_differential
           COMMAND ${STRATA_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/elf/diff_size.py
                   $<TARGET_FILE:strata-cli>)
  add_test(NAME elf_readelf_differential
           COMMAND ${STRATA_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/elf/diff_readelf.py
                   $<TARGET_FILE:strata-cli>)
  set_tests_properties(elf_size_crafted elf_size_differential elf_readelf_differential
                       PROPERTIES TIMEOUT 600 LABELS "differential")
  # The crafted corpus through the CLI is quick: also under ASan+UBSan.
  set_tests_properties(elf_size_crafted PROPERTIES LABELS "differential;sanitize")
else()
  message(STATUS "layout-elf: binutils size/readelf not found; skipping the differential tests")
endif()

# libFuzzer target for the ELF reader, built with clang whatever compiler
# builds the rest (libFuzzer is clang's), with ASan+UBSan. A short smoke
# run, seeded from the crafted corpus, is part of the test suite; the long
# run is documented in tests/fuzz/fuzz_elf.c and the README.
find_program(STRATA_CLANG NAMES clang clang-14)
set(STRATA_ELF_FUZZ_OK FALSE)
if(STRATA_CLANG)
  set(_probe ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe.c)
  file(WRITE ${_probe} "#include <stdint.h>\n#include <stddef.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return d && n > 1000000; }\n")
  execute_process(COMMAND ${STRATA_CLANG} -fsanitize=fuzzer ${_probe} -o ${CMAKE_CURRENT_BINARY_DIR}/fuzz_probe
                  RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_QUIET)
  if(_rc EQUAL 0)
    set(STRATA_ELF_FUZZ_OK TRUE)
  else()
    message(STATUS "layout-elf: ${STRATA_CLANG} cannot link -fsanitize=fuzzer (libclang-rt missing?); skipping fuzz_elf")
  endif()
else()
  message(STATUS "layout-elf: clang not found; skipping the fuzz_elf libFuzzer target")
endif()

if(STRATA_ELF_FUZZ_OK)
  file(GLOB STRATA_ELF_FUZZ_SOURCES CONFIGURE_DEPENDS
       ${PROJECT_SOURCE_DIR}/layout/elf_*.c ${PROJECT_SOURCE_DIR}/layout/size_*.c
       ${PROJECT_SOURCE_DIR}/layout/ar_*.c)
  set(STRATA_ELF_FUZZER ${CMAKE_CURRENT_BINARY_DIR}/fuzz_elf)
  add_custom_command(
    OUTPUT ${STRATA_ELF_FUZZER}
    COMMAND ${STRATA_CLANG} -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined
            -fno-sanitize-recover=undefined -fvisibility=hidden
            -I${PROJECT_SOURCE_DIR}/include -I${PROJECT_SOURCE_DIR}/layout
            ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_elf.c ${STRATA_ELF_FUZZ_SOURCES}
            -o ${STRATA_ELF_FUZZER}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/fuzz/fuzz_elf.c ${STRATA_ELF_FUZZ_SOURCES}
            ${PROJECT_SOURCE_DIR}/include/strata.h ${PROJECT_SOURCE_DIR}/layout/internal.h
            ${PROJECT_SOURCE_DIR}/layout/types.h
    COMMENT "Building the fuzz_elf libFuzzer target with clang")
  add_custom_target(fuzz_elf ALL DEPENDS ${STRATA_ELF_FUZZER})
  add_dependencies(fuzz_elf strata_elf_corpus)
  # Smoke run: a fixed number of runs from the seeds, in a scratch corpus so
  # the seeds stay as generated.
  add_test(NAME fuzz_elf_smoke
           COMMAND sh -c "rm -rf fuzz-elf-work && mkdir -p fuzz-elf-work && exec '${STRATA_ELF_FUZZER}' -runs=500000 -max_total_time=15 -max_len=65536 -rss_limit_mb=1024 -timeout=10 fuzz-elf-work '${STRATA_ELF_CORPUS_DIR}'"
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(fuzz_elf_smoke PROPERTIES TIMEOUT 300 LABELS "fuzz")
endif()
