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
else()
  message(STATUS "layout-elf: binutils size/readelf not found; skipping the differential tests")
endif()
