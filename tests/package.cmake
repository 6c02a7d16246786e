# Debian packages (label package): tests/package/check_deb.sh builds
# BUILD/deb for /usr, runs cpack -G DEB, checks fields, contents and
# lintian, extracts both packages into a scratch root (dpkg -x) and runs
# the installed CLI, LD_PRELOAD of the installed library, programs built
# against the installed -dev files (pkg-config, static, find_package), the
# installed man pages and completion.
add_test(NAME package_deb
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/package/check_deb.sh
                 ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
set_tests_properties(package_deb PROPERTIES LABELS package TIMEOUT 900)
