# page.cmake — cmake -P script that builds one man page: the scdoc(5)
# fragments of a page folder, concatenated in the order given, with
# @STRATA_VERSION@ replaced, become OUT.scd; scdoc(1) turns that into roff
# (OUT), and gzip -9n into OUT.gz, which is what gets installed.
#   -DSCDOC=path -DGZIP=path -DOUT=file -DVERSION=x.y.z
#   -DFRAGMENTS=a.scd|b.scd|...   ('|'-separated: ';' would split the argument)
string(REPLACE "|" ";" fragments "${FRAGMENTS}")
set(text "")
foreach(f ${fragments})
  file(READ "${f}" part)
  string(APPEND text "${part}")
  if(NOT part MATCHES "\n$")
    string(APPEND text "\n")
  endif()
  string(APPEND text "\n")
endforeach()
string(REPLACE "@STRATA_VERSION@" "${VERSION}" text "${text}")
file(WRITE "${OUT}.scd" "${text}")
execute_process(COMMAND "${SCDOC}" INPUT_FILE "${OUT}.scd" OUTPUT_FILE "${OUT}"
                ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  file(REMOVE "${OUT}")
  message(FATAL_ERROR "scdoc failed on ${OUT}.scd (made from ${FRAGMENTS}): ${err}")
endif()
# -n: no name or time stamp in the .gz, so the package is reproducible
execute_process(COMMAND "${GZIP}" -9nc "${OUT}" OUTPUT_FILE "${OUT}.gz" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed on ${OUT}")
endif()
