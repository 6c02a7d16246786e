# The descriptor reader (layout/fd_*.c) and `strata fds`: the Check suite
# (also under ASan+UBSan), every field of `strata fds --json` on a
# fixture holding one descriptor of each kind, and a differential test
# against util-linux lsfd and lsof on the same process.
add_executable(fds_fixture ${CMAKE_CURRENT_SOURCE_DIR}/proc/fixture_fds.c)

strata_check_test(check_fds SOURCES check_fds.c proc/spawn.c LIBS strata_static
                  LABELS "layout;sanitize" TIMEOUT 300
                  ENV "STRATA_CLI=$<TARGET_FILE:strata-cli>"
                      "FDS_FIXTURE=$<TARGET_FILE:fds_fixture>")
target_include_directories(check_fds PRIVATE ${PROJECT_SOURCE_DIR}/layout)
add_dependencies(check_fds strata-cli fds_fixture)


find_program(STRATA_FDS_PYTHON3 python3)
if(STRATA_FDS_PYTHON3)
  add_test(NAME fds_json
           COMMAND ${STRATA_FDS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/fds/check_json.py
                   $<TARGET_FILE:strata-cli> $<TARGET_FILE:fds_fixture>)
  set_tests_properties(fds_json PROPERTIES LABELS layout TIMEOUT 120)
  add_test(NAME fds_differential
           COMMAND ${STRATA_FDS_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/fds/diff_lsof.py
                   $<TARGET_FILE:strata-cli> $<TARGET_FILE:fds_fixture>)
  set_tests_properties(fds_differential PROPERTIES LABELS "layout;differential" TIMEOUT 300)
else()
  message(STATUS "layout-fds: python3 not found; fds_json and fds_differential not registered")
endif()
