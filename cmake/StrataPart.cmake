# strata_part_objects(TARGET GLOB...) — an object library from the files that
# match the globs, or from cmake/empty.c while there are none yet.
function(strata_part_objects target)
  set(srcs)
  foreach(g ${ARGN})
    file(GLOB found CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${g})
    list(APPEND srcs ${found})
  endforeach()
  if(NOT srcs)
    set(srcs ${PROJECT_SOURCE_DIR}/cmake/empty.c)
  endif()
  add_library(${target} OBJECT ${srcs})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                              ${CMAKE_CURRENT_SOURCE_DIR})
endfunction()
