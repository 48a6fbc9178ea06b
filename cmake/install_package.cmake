# The installable C++ client package: `cmake --install BUILD --prefix P` puts
# the client library and the generated code (static, position-independent),
# their headers, the .proto files, a CMake package (indicatorsConfig.cmake,
# with its version file; `find_package(indicators 1 CONFIG)`) and a
# pkg-config file (indicators.pc) under P. tests/package/ builds a project
# against it.
include(CMakePackageConfigHelpers)

set(INDICATORS_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/indicators)
set(INDICATORS_INSTALL_PROTODIR ${CMAKE_INSTALL_DATADIR}/indicators/proto)

install(TARGETS indicators_client indicators_proto
  EXPORT indicatorsTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT indicatorsTargets NAMESPACE indicators::
  DESTINATION ${INDICATORS_INSTALL_CMAKEDIR})

# The client's header, and the generated headers it and its users include.
install(FILES client/cpp/indicator_client.h client/cpp/observation_columns.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/indicators/client)
install(DIRECTORY ${PROJECT_BINARY_DIR}/proto/indicators
                  ${PROJECT_BINARY_DIR}/proto/google
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.pb.h")
install(DIRECTORY proto/indicators proto/google
  DESTINATION ${INDICATORS_INSTALL_PROTODIR}
  FILES_MATCHING PATTERN "*.proto")

configure_package_config_file(cmake/indicatorsConfig.cmake.in
  ${PROJECT_BINARY_DIR}/indicatorsConfig.cmake
  INSTALL_DESTINATION ${INDICATORS_INSTALL_CMAKEDIR}
  PATH_VARS INDICATORS_INSTALL_PROTODIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/indicatorsConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/indicatorsConfig.cmake
              ${PROJECT_BINARY_DIR}/indicatorsConfigVersion.cmake
  DESTINATION ${INDICATORS_INSTALL_CMAKEDIR})

# pkg-config: the prefix relative to the .pc file, so the tree can move.
file(RELATIVE_PATH INDICATORS_PC_TO_PREFIX
  /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
string(REGEX REPLACE "/$" "" INDICATORS_PC_TO_PREFIX "${INDICATORS_PC_TO_PREFIX}")
configure_file(cmake/indicators.pc.in ${PROJECT_BINARY_DIR}/indicators.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/indicators.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
