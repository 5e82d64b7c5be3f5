# Install rules: headers, libpba.a (C++ target pba::pba, which also carries the C
# interface; pba::nn adds Eigen and xsimd for the layer headers), libpba.so (pba::shared, the
# C interface), the CMake package, pba.pc, and the Go package's sources (a Go module
# `replace`s onto them, so Go code and library match).
include(CMakePackageConfigHelpers)

set(PBA_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/pba)
set(PBA_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(TARGETS pba pba_nn pba_shared
  EXPORT pbaTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} NAMELINK_COMPONENT Development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/pba
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.hpp")
install(FILES
  ${PROJECT_BINARY_DIR}/generated/pba/version.hpp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/pba)
install(FILES
  ${PROJECT_SOURCE_DIR}/capi/pba.h
  ${PROJECT_BINARY_DIR}/generated/pba_version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

install(EXPORT pbaTargets NAMESPACE pba:: DESTINATION ${PBA_CMAKE_DIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/pbaConfig.cmake.in
  ${PROJECT_BINARY_DIR}/pbaConfig.cmake
  INSTALL_DESTINATION ${PBA_CMAKE_DIR})
# 0.x: a new minor version may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/pbaConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/pbaConfig.cmake
  ${PROJECT_BINARY_DIR}/pbaConfigVersion.cmake
  DESTINATION ${PBA_CMAKE_DIR})

# pba.pc finds its prefix relative to itself, so a tree installed with `--prefix` or moved
# elsewhere still works.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "pba.pc needs CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR relative to the prefix")
endif()
file(RELATIVE_PATH PBA_PC_TO_PREFIX "/prefix/${PBA_PKGCONFIG_DIR}" "/prefix")
string(REGEX REPLACE "/$" "" PBA_PC_TO_PREFIX "${PBA_PC_TO_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/pba.pc.in ${PROJECT_BINARY_DIR}/pba.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pba.pc DESTINATION ${PBA_PKGCONFIG_DIR})

# The Go package without its tests (and their internal/cref): share/pba/go holds module github.com/pba-project/pba/capi/go.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/capi/go/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/pba/go
  FILES_MATCHING PATTERN "*.go" PATTERN "go.mod"
  PATTERN "*_test.go" EXCLUDE
  PATTERN "testdata" EXCLUDE
  PATTERN "internal" EXCLUDE)
