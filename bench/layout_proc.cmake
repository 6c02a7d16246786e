# bench/layout_proc.cmake — `strata layout PID` against pmap (never a test).
# Entry point: bench/layout_proc_bench.sh BUILD_DIR [ROUNDS].
add_executable(layout_proc_many_maps ${CMAKE_CURRENT_SOURCE_DIR}/layout_proc/many_maps.c)
