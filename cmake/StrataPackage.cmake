# StrataPackage.cmake — Debian packages with CPack, from the install rules'
# components (included at the end of the top-level CMakeLists.txt, after
# every install rule):
#
#   strata         (component runtime) /usr/bin/strata, libstrata.so.0 and
#                  libstrata-malloc.so.0 (with their shlibs and ldconfig
#                  trigger), strata(1), strata-malloc(3), bash completion
#   libstrata-dev  (component dev) strata.h, the .so links, libstrata.a and
#                  libstrata-malloc.a, strata.pc, strata-malloc.pc, the CMake
#                  package, strata(3); depends on strata (= this version)
#
# Both carry /usr/share/doc/PKG/copyright and changelog.Debian.gz from
# packaging/. Build them in a tree configured for /usr, so that GNUInstallDirs
# picks the multiarch libdir:
#
#   cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DSTRATA_BUILD_TESTS=OFF \
#         -DSTRATA_BUILD_BENCH=OFF && cmake --build build-deb -j && \
#   (cd build-deb && cpack -G DEB)
#
# Depends comes from dpkg-shlibdeps (libc6), the architecture from
# dpkg --print-architecture, the version from project(VERSION) plus
# STRATA_DEB_RELEASE. tests/package/check_deb.sh builds, lints and installs
# them into a scratch root.

set(STRATA_DEB_RELEASE 1 CACHE STRING "Debian revision of the packages (VERSION-RELEASE)")
set(STRATA_DEB_MAINTAINER "strata developers <strata@strata.invalid>"
    CACHE STRING "Maintainer field of the Debian packages")

# ---- doc files of both packages -----------------------------------------------
set(pkgdoc ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${pkgdoc})
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
             ${PROJECT_SOURCE_DIR}/packaging/changelog)
find_program(STRATA_GZIP gzip REQUIRED)
execute_process(COMMAND ${STRATA_GZIP} -9nc ${PROJECT_SOURCE_DIR}/packaging/changelog
                OUTPUT_FILE ${pkgdoc}/changelog.Debian.gz)
file(STRINGS ${PROJECT_SOURCE_DIR}/packaging/changelog top LIMIT_COUNT 1)
set(STRATA_DEB_VERSION ${PROJECT_VERSION}-${STRATA_DEB_RELEASE})
if(NOT top MATCHES "^strata \\(${STRATA_DEB_VERSION}\\) ")
  message(WARNING "packaging/changelog starts with '${top}', but the packages are "
                  "version ${STRATA_DEB_VERSION}: add an entry for it on top")
endif()
# Only in the packages (EXCLUDE_FROM_ALL: a plain `cmake --install` skips them).
foreach(component runtime dev)
  if(component STREQUAL runtime)
    set(pkg strata)
  else()
    set(pkg libstrata-dev)
  endif()
  install(FILES ${PROJECT_SOURCE_DIR}/packaging/copyright ${pkgdoc}/changelog.Debian.gz
          DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/${pkg}
          COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()

# ---- CPack ---------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME strata)
set(CPACK_PACKAGE_VENDOR "the strata developers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${STRATA_DEB_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING IGNORE)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${STRATA_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${STRATA_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME strata)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON) # shlibs of the runtime package (no .so in -dev)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
# The shared libraries are in ld.so's directories: dpkg's ldconfig trigger
# updates its cache (a control file, not a script).
file(WRITE ${pkgdoc}/triggers "activate-noawait ldconfig\n")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA ${pkgdoc}/triggers)
# What strata compare and --plot can use when installed.
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS
    "gnuplot-nox, libjemalloc2, libmimalloc2.0, libgoogle-perftools4")
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
"replaceable, visible and snapshottable process memory
strata makes a process's memory something one can replace, see and
snapshot, on Linux. This package has the strata command-line tool and
the two shared libraries:
 - libstrata-malloc, a hardened heap allocator on brk and mmap that
   replaces malloc in any program (LD_PRELOAD, linking, or strata run);
 - libstrata: the same heap under prefixed names, an ELF and live-process
   layout reader (strata size, byte-identical to binutils size; strata
   elf; strata layout, which ties every mapping of a process to the ELF
   segment and sections it came from) and userfaultfd copy-on-write
   buffers with cheap snapshots (strata cow).
strata run and strata compare run programs under libstrata-malloc,
glibc, jemalloc, mimalloc or tcmalloc and compare them.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libstrata-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "strata (= ${STRATA_DEB_VERSION}), libc6-dev | libc-dev")
set(CPACK_DEBIAN_DEV_DESCRIPTION
"development files for strata's libraries
strata makes a process's memory something one can replace, see and
snapshot, on Linux. This package has what programs need to use it:
the header strata.h, the static libraries libstrata.a and
libstrata-malloc.a, the links to the shared libraries, pkg-config files
(strata, strata-malloc), the CMake package (find_package(strata)) and the
strata(3) manual page of the API.")

# At cpack time: refuse a tree configured for another prefix, whose libdir
# would not be Debian's multiarch one.
set(CPACK_STRATA_CONFIGURED_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRATA_LIBDIR ${CMAKE_INSTALL_LIBDIR})
set(CPACK_PROJECT_CONFIG_FILE ${CMAKE_CURRENT_LIST_DIR}/StrataPackageCheck.cmake)
include(CPack)
