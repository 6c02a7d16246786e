# bench/cow.cmake — cow buffers against fork() and memcpy (never a test).
# Entry point: bench/cow_bench.sh BUILD_DIR [ROUNDS].
add_executable(cow_bench ${CMAKE_CURRENT_SOURCE_DIR}/cow_bench.c)
target_link_libraries(cow_bench PRIVATE strata_static Threads::Threads)
