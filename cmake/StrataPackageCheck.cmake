# StrataPackageCheck.cmake — CPACK_PROJECT_CONFIG_FILE: read by cpack before
# it builds each package. A Debian package must come from a tree configured
# with -DCMAKE_INSTALL_PREFIX=/usr: only then does GNUInstallDirs choose
# Debian's multiarch libdir (lib/x86_64-linux-gnu) that the paths inside the
# pkg-config and CMake files are computed from.
if(CPACK_GENERATOR STREQUAL "DEB" AND NOT CPACK_STRATA_CONFIGURED_PREFIX STREQUAL "/usr")
  message(FATAL_ERROR
    "strata: this tree is configured for prefix ${CPACK_STRATA_CONFIGURED_PREFIX} "
    "(libdir ${CPACK_STRATA_LIBDIR}); Debian packages are built from one configured with "
    "-DCMAKE_INSTALL_PREFIX=/usr, e.g.\n"
    "  cmake -S . -B build-deb -DCMAKE_INSTALL_PREFIX=/usr -DSTRATA_BUILD_TESTS=OFF "
    "-DSTRATA_BUILD_BENCH=OFF && cmake --build build-deb -j && (cd build-deb && cpack -G DEB)")
endif()
