# The consumer_high_level_headers test: the consumer's include directories hold neither Eigen
# nor xsimd, it compiles (its source refuses Eigen and xsimd headers), and it runs.
#   cmake -DBUILD_DIR=... -DTARGET=... -DPROGRAM=... -DINCLUDE_DIRS=a|b -P build_and_run.cmake
string(REPLACE "|" ";" include_dirs "${INCLUDE_DIRS}")
if(NOT include_dirs)
  message(FATAL_ERROR "no include directories given")
endif()
foreach(dir IN LISTS include_dirs)
  message(STATUS "include directory: ${dir}")
  if(dir MATCHES "[Ee]igen|xsimd|xtl")
    message(FATAL_ERROR "${TARGET} is compiled with ${dir}: pba::pba must not carry Eigen or xsimd")
  endif()
endforeach()

execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target ${TARGET} RESULT_VARIABLE built)
if(NOT built EQUAL 0)
  message(FATAL_ERROR "${TARGET} did not build (above)")
endif()
execute_process(COMMAND ${PROGRAM} RESULT_VARIABLE ran)
if(NOT ran EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed (${ran})")
endif()
