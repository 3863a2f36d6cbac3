# Install layout and the Debian package (CPack DEB): `cmake --build build --target package` or
# `cd build && cpack -G DEB` writes build/x402-gateway_<version>_<arch>.deb. packaging/deb/test.sh
# builds, installs, checks and removes it; it must pass lintian with no errors.
include(GNUInstallDirs)
set(X402GW_PKG ${PROJECT_SOURCE_DIR}/packaging/debian)
set(X402GW_PKG_DOC ${CMAKE_BINARY_DIR}/package-doc)

install(TARGETS x402-gateway RUNTIME DESTINATION bin COMPONENT gateway)
# Absolute destinations: the package installs into /etc and /lib whatever the prefix (/usr).
install(FILES ${PROJECT_SOURCE_DIR}/gateway.example.yaml DESTINATION /etc/x402-gateway RENAME gateway.yaml
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT gateway)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/systemd/x402-gateway.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT gateway)
# Debian wants the changelog gzip -9n compressed (no name, no time stamp: reproducible).
file(MAKE_DIRECTORY ${X402GW_PKG_DOC})
add_custom_command(OUTPUT ${X402GW_PKG_DOC}/changelog.gz
                   COMMAND gzip -9n -c ${X402GW_PKG}/changelog > ${X402GW_PKG_DOC}/changelog.gz
                   DEPENDS ${X402GW_PKG}/changelog)
add_custom_target(x402gw_package_doc ALL DEPENDS ${X402GW_PKG_DOC}/changelog.gz)
install(FILES ${X402GW_PKG}/copyright ${X402GW_PKG_DOC}/changelog.gz DESTINATION share/doc/x402-gateway
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT gateway)
install(FILES ${PROJECT_SOURCE_DIR}/gateway.example.yaml DESTINATION share/doc/x402-gateway/examples
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ COMPONENT gateway)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME x402-gateway)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};${PROJECT_NAME};gateway;/")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT "x402-gateway maintainers <maintainers@x402-gateway.example.org>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://x402-gateway.example.org")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "reverse proxy that charges for HTTP APIs with x402 payments")
# CPack writes the summary as the synopsis and this as the extended description (an empty line
# becomes the " ." paragraph separator).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "x402-gateway puts x402 pay-per-request payments (HTTP 402) in front of an
unmodified HTTP API: it answers unpaid requests with a payment challenge,
verifies and settles payments through a facilitator, and forwards paid
requests to the upstream.

The package installs the binary, a systemd unit (not enabled: edit
/etc/x402-gateway/gateway.yaml first, then enable it) and the example
configuration.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${X402GW_PKG}/conffiles ${X402GW_PKG}/postinst ${X402GW_PKG}/prerm ${X402GW_PKG}/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
