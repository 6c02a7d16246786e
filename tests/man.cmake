# man pages (label man): tests/man/check_man.py — strata(1) documents every
# command and option of the CLI's --help and the exit statuses it names,
# strata-malloc(3) every STRATA_* option STRATA_HELP=1 lists with its
# default, strata(3) every STRATA_API function; groff -ww and man --warnings
# print nothing for any page.
if(STRATA_MAN)
  find_program(STRATA_PYTHON3 python3 REQUIRED)
  add_test(NAME man_pages
           COMMAND ${STRATA_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/man/check_man.py
                   --strata $<TARGET_FILE:strata-cli>
                   --malloc-lib $<TARGET_FILE:strata-malloc>
                   --header ${PROJECT_SOURCE_DIR}/include/strata.h
                   --pages ${PROJECT_BINARY_DIR}/man)
  set_tests_properties(man_pages PROPERTIES LABELS man TIMEOUT 120)
endif()
