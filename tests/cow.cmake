# cow: userfaultfd copy-on-write buffers. The suites probe the kernel when
# they start and register only the cases it supports, printing the others
# with the reason.
add_executable(cow_share_child ${CMAKE_CURRENT_SOURCE_DIR}/cow/share_child.c)
target_include_directories(cow_share_child PRIVATE ${PROJECT_SOURCE_DIR}/include)
target_link_libraries(cow_share_child PRIVATE strata_static)

# Also run in the ASan+UBSan build (label sanitize); handle_segv=0 lets the
# cases that expect a SIGSEGV see it.
strata_check_test(check_cow SOURCES check_cow.c cow/cow_test.c LIBS strata_static
                  LABELS cow sanitize TIMEOUT 300
                  ENV "COW_SHARE_CHILD=$<TARGET_FILE:cow_share_child>;STRATA_CLI=$<TARGET_FILE:strata-cli>;ASAN_OPTIONS=handle_segv=0")
add_dependencies(check_cow cow_share_child strata-cli)

# Point-in-time torture: writer threads against snapshots at random moments.
strata_check_test(check_cow_torture SOURCES check_cow_torture.c cow/cow_test.c
                  LIBS strata_static LABELS cow sanitize TIMEOUT 300)

# Unit tests of the internals (page versions, store), through the static
# library's hidden symbols.
strata_check_test(check_cow_unit SOURCES check_cow_unit.c LIBS strata_static
                  LABELS cow sanitize TIMEOUT 120)
target_include_directories(check_cow_unit PRIVATE ${PROJECT_SOURCE_DIR}/cow)
