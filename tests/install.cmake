# cmake --install lays out every artefact where users expect it.
add_test(NAME install_layout
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/install/check_install.sh ${PROJECT_BINARY_DIR})
set_tests_properties(install_layout PROPERTIES TIMEOUT 300)
