# bash completion (label completion): tests/completion/check_completion.sh
# sources bash-completion and tools/completion/strata.bash and checks what
# _strata offers for typed lines (commands, options, values, PIDs, files,
# commands after --), also for a command the CLI adds later.
add_test(NAME bash_completion
         COMMAND bash --norc --noprofile ${CMAKE_CURRENT_SOURCE_DIR}/completion/check_completion.sh
                 $<TARGET_FILE:strata-cli> ${PROJECT_SOURCE_DIR}/tools/completion/strata.bash)
set_tests_properties(bash_completion PROPERTIES LABELS completion TIMEOUT 120)
