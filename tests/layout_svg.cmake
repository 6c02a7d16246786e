# `strata layout --svg/--png` and `strata elf --svg/--png`: the pictures
# parsed as XML against `strata layout --json`, rendered by rsvg-convert,
# hostile file names, and every file of the crafted ELF corpus.
find_program(STRATA_SVG_PYTHON3 python3)
if(STRATA_SVG_PYTHON3)
  add_test(NAME layout_svg
           COMMAND ${STRATA_SVG_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/svg/check_svg.py
                   $<TARGET_FILE:strata-cli> $<TARGET_FILE:fds_fixture>
                   ${CMAKE_CURRENT_BINARY_DIR}/elf-corpus)
  set_tests_properties(layout_svg PROPERTIES LABELS layout TIMEOUT 300)
else()
  message(STATUS "layout-svg: python3 not found; layout_svg not registered")
endif()
