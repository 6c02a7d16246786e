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

# strata_dropin_test(NAME SCRIPT ARGS...) — registers dropin_NAME.
function(strata_dropin_test name script)
  add_test(NAME dropin_${name} COMMAND sh ${STRATA_DROPIN_DIR}/${script} ${ARGN})
  set_tests_properties(dropin_${name} PROPERTIES LABELS dropin TIMEOUT 180)
endfunction()

set(STRATA_DROPIN_SO $<TARGET_FILE:strata-malloc>)
strata_dropin_test(python python.sh ${STRATA_DROPIN_SO})
strata_dropin_test(gcc gcc.sh ${STRATA_DROPIN_SO} ${CMAKE_C_COMPILER} ${CMAKE_CXX_COMPILER}
                   ${PROJECT_SOURCE_DIR}/include)
strata_dropin_test(git git.sh ${STRATA_DROPIN_SO})
strata_dropin_test(sqlite sqlite.sh ${STRATA_DROPIN_SO})
strata_dropin_test(cxx_threads cxx_threads.sh ${STRATA_DROPIN_SO}
                   $<TARGET_FILE:dropin_cxx_threads>)
strata_dropin_test(static static.sh $<TARGET_FILE:strata-malloc_static> ${CMAKE_C_COMPILER}
                   ${PROJECT_SOURCE_DIR}/include)
