# Compares the dynamic symbols libpba.so defines with the committed list capi/pba.symbols,
# so no symbol appears or disappears from the ABI by accident. After an intended change:
#   cmake -DNM=nm -DLIBRARY=build/release/capi/libpba.so -DEXPECTED=capi/pba.symbols -DUPDATE=ON -P tests/capi/check_symbols.cmake
foreach(var NM LIBRARY EXPECTED)
  if(NOT ${var})
    message(FATAL_ERROR "check_symbols: -D${var}=... is required")
  endif()
endforeach()

execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
  OUTPUT_VARIABLE nm_output RESULT_VARIABLE nm_result ERROR_VARIABLE nm_error)
if(NOT nm_result EQUAL 0)
  message(FATAL_ERROR "check_symbols: ${NM} failed on ${LIBRARY}: ${nm_error}")
endif()

set(actual "")
string(REPLACE "\n" ";" lines "${nm_output}")
foreach(line IN LISTS lines)
  # "<address> <type> <name>[@version]"; absolute symbols (type A) are linker bookkeeping.
  if(line MATCHES "^[0-9a-fA-F]+ ([A-Za-z]) ([^@ ]+)")
    if(NOT CMAKE_MATCH_1 STREQUAL "A")
      list(APPEND actual "${CMAKE_MATCH_2}")
    endif()
  endif()
endforeach()
list(SORT actual)

if(UPDATE)
  list(JOIN actual "\n" text)
  file(WRITE ${EXPECTED} "${text}\n")
  message(STATUS "check_symbols: wrote ${EXPECTED}")
  return()
endif()

file(STRINGS ${EXPECTED} expected)
list(SORT expected)
set(added ${actual})
list(REMOVE_ITEM added ${expected})
set(removed ${expected})
list(REMOVE_ITEM removed ${actual})
if(added OR removed)
  message(FATAL_ERROR "libpba.so's exported symbols differ from ${EXPECTED}:\n"
                      "  exported but not listed: ${added}\n"
                      "  listed but not exported: ${removed}\n"
                      "Update the list (see the top of this script) only for an intended ABI change.")
endif()
foreach(name IN LISTS actual)
  if(NOT name MATCHES "^pba_")
    message(FATAL_ERROR "libpba.so exports ${name}: only pba_* symbols may be exported")
  endif()
endforeach()
list(LENGTH actual count)
message(STATUS "check_symbols: ${count} exported symbols, all listed")
