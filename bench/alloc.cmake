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

# libstrata-malloc-nohardening.so: the same allocator with the fast paths'
# checks compiled out (ALLOC_HARDEN=0, see alloc/fast.h), only so that
# bench/alloc_bench.sh can measure what hardening costs. Never installed.
file(GLOB STRATA_NOHARD_SOURCES CONFIGURE_DEPENDS
     ${PROJECT_SOURCE_DIR}/alloc/core_*.c ${PROJECT_SOURCE_DIR}/alloc/api_*.c
     ${PROJECT_SOURCE_DIR}/alloc/version.c ${PROJECT_SOURCE_DIR}/alloc/override_*.c)
add_library(strata-malloc-nohardening SHARED ${STRATA_NOHARD_SOURCES})
target_compile_definitions(strata-malloc-nohardening PRIVATE ALLOC_HARDEN=0)
target_include_directories(strata-malloc-nohardening PRIVATE ${STRATA_INCLUDE_DIR}
                           ${PROJECT_SOURCE_DIR}/alloc)
target_compile_options(strata-malloc-nohardening PRIVATE -fno-plt -ftls-model=initial-exec
                       -fno-tree-slp-vectorize)
target_link_libraries(strata-malloc-nohardening PRIVATE Threads::Threads)
target_link_options(strata-malloc-nohardening PRIVATE -Wl,-z,nodelete)
set_source_files_properties(${PROJECT_SOURCE_DIR}/alloc/override_cxx.c TARGET_DIRECTORY
                            strata-malloc-nohardening PROPERTIES COMPILE_OPTIONS "-fexceptions")
