# bench/cow.cmake — cow buffers against fork() and memcpy (never a test).
# Entry point: bench/cow_bench.sh BUILD_DIR [ROUNDS].
add_executable(cow_bench ${CMAKE_CURRENT_SOURCE_DIR}/cow_bench.c)
target_link_libraries(cow_bench PRIVATE strata_static Threads::Threads)
# A measurement for the next persist design (see its header); run by hand:
#   BUILD_DIR/bench/cow_persist_probe [--size MIB] [--rounds N]
add_executable(cow_persist_probe ${CMAKE_CURRENT_SOURCE_DIR}/cow_persist_probe.c)
target_link_libraries(cow_persist_probe PRIVATE Threads::Threads)
