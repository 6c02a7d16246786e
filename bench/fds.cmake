# bench/fds.cmake — `strata fds` against lsof and lsfd (never a test).
# Entry point: bench/fds_bench.sh BUILD_DIR [ROUNDS] [DESCRIPTORS].
add_executable(fds_many_fds ${CMAKE_CURRENT_SOURCE_DIR}/fds/many_fds.c)
