# tests/dropin.cmake — the drop-in suite: real programs (python3, gcc, git,
# sqlite3, a threaded C++ program, a -static program) run with and without
# libstrata-malloc, compared on exit status, stdout and stderr. One ctest
# test per program (label `dropin`) so a failure names its program. The
# scripts are in tests/dropin/ (lib.sh says how a case works).
set(STRATA_DROPIN_DIR ${CMAKE_CURRENT_SOURCE_DIR}/dropin)

add_executable(dropin_cxx_threads dropin/cxx_threads.cpp)
target_include_directories(dropin_cxx_threads PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${STRATA_DROPIN_DIR})
target_link_libraries(dropin_cxx_threads PRIVATE Threads::Threads ${CMAKE_DL_LIBS})
# The same program linked with -lstrata-malloc instead of preloading it.
add_executable(dropin_cxx_threads_linked dropin/cxx_threads.cpp)
target_include_directories(dropin_cxx_threads_linked PRIVATE ${PROJECT_SOURCE_DIR}/include
                           ${STRATA_DROPIN_DIR})
target_link_libraries(dropin_cxx_threads_linked PRIVATE strata-malloc Threads::Threads
                      ${CMAKE_DL_LIBS})

# strata_dropin_test(NAME SCRIPT ARGS... [STRATA_ENV VAR=VAL...]) — registers
# dropin_NAME; STRATA_ENV words apply to the strata run only.
function(strata_dropin_test name script)
  cmake_parse_arguments(D "" "" "STRATA_ENV" ${ARGN})
  add_test(NAME dropin_${name} COMMAND sh ${STRATA_DROPIN_DIR}/${script} ${D_UNPARSED_ARGUMENTS})
  string(REPLACE ";" " " strata_env "${D_STRATA_ENV}")
  set_tests_properties(dropin_${name} PROPERTIES LABELS dropin TIMEOUT 180
                       ENVIRONMENT "DROPIN_STRATA_ENV=${strata_env}")
endfunction()

set(STRATA_DROPIN_SO $<TARGET_FILE:strata-malloc>)
strata_dropin_test(python python.sh ${STRATA_DROPIN_SO})
strata_dropin_test(gcc gcc.sh ${STRATA_DROPIN_SO} ${CMAKE_C_COMPILER} ${CMAKE_CXX_COMPILER}
                   ${PROJECT_SOURCE_DIR}/include)
strata_dropin_test(git git.sh ${STRATA_DROPIN_SO})
strata_dropin_test(sqlite sqlite.sh ${STRATA_DROPIN_SO})
strata_dropin_test(redis redis.sh ${STRATA_DROPIN_SO})
strata_dropin_test(cxx_threads cxx_threads.sh ${STRATA_DROPIN_SO}
                   $<TARGET_FILE:dropin_cxx_threads>)
strata_dropin_test(cxx_linked cxx_linked.sh ${STRATA_DROPIN_SO} $<TARGET_FILE:dropin_cxx_threads>
                   $<TARGET_FILE:dropin_cxx_threads_linked>)
strata_dropin_test(static static.sh $<TARGET_FILE:strata-malloc_static> ${CMAKE_C_COMPILER}
                   ${PROJECT_SOURCE_DIR}/include)

# The same programs on the other backends and with immediate purging: the
# brk/mmap switch and the purge path under real programs.
strata_dropin_test(python_mmap python.sh ${STRATA_DROPIN_SO} STRATA_ENV STRATA_BACKEND=mmap)
strata_dropin_test(git_brk git.sh ${STRATA_DROPIN_SO} STRATA_ENV STRATA_BACKEND=brk)
strata_dropin_test(cxx_threads_purge0 cxx_threads.sh ${STRATA_DROPIN_SO}
                   $<TARGET_FILE:dropin_cxx_threads> STRATA_ENV STRATA_PURGE_DELAY_MS=0)
strata_dropin_test(static_mmap static.sh $<TARGET_FILE:strata-malloc_static> ${CMAKE_C_COMPILER}
                   ${PROJECT_SOURCE_DIR}/include STRATA_ENV STRATA_BACKEND=mmap)
