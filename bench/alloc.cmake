# bench/alloc.cmake — allocator benchmarks (built, never run as tests).
#   alloc_bench_run   the runner: interleaved rounds under each allocator,
#                     medians, ratios to jemalloc, CSV (bench/alloc/run.c)
#   alloc_wl_*        the workloads, plain programs using the malloc ABI so
#                     that every allocator is put under them with LD_PRELOAD
# Entry point: bench/alloc_bench.sh BUILD_DIR [ROUNDS] (after the build).
add_executable(alloc_bench_run alloc/run.c)

foreach(wl pairs batch xthread churn realloc large frag
          larson mstress xmalloc threadlocal mixed server espresso)
  add_executable(alloc_wl_${wl} alloc/wl_${wl}.c)
  target_link_libraries(alloc_wl_${wl} PRIVATE Threads::Threads)
  # -fno-builtin-malloc: keep gcc from pairing and deleting malloc/free.
  target_compile_options(alloc_wl_${wl} PRIVATE -fno-builtin-malloc -fno-builtin-free)
endforeach()
