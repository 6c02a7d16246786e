# bench/layout.cmake — the ELF reader's benchmark (never a test): `strata
# size` over the machine's ELF files and archives against size, size -A,
# readelf -lSW and eu-size. Nothing to build beyond the CLI; run it with
#   sh bench/layout_size_bench.sh BUILD_DIR [ROUNDS]
# or `cmake --build BUILD --target bench_layout_size`.
add_custom_target(bench_layout_size
  COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/layout_size_bench.sh ${PROJECT_BINARY_DIR}
  DEPENDS strata-cli
  USES_TERMINAL
  COMMENT "strata size against size, size -A, readelf -lSW and eu-size")
