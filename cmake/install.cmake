# Install rules and the Debian package (docs/install.md). Layout under the prefix:
#   bin/pmusim                                   the CLI
#   <site dir>/pmusim/                           the Python package with its extension
#   share/pmusim/{workloads,scenarios}/          the libraries, found relative to bin/ and to the package
#   share/man/man1/pmusim*.1                     man pages (when help2man is present)
#   share/bash-completion/completions/pmusim     bash completion
#   share/doc/pmusim/                            README, docs, Python examples
include(GNUInstallDirs)

# The interpreter's site directory relative to the prefix (Debian: lib/python3/dist-packages for
# /usr, lib/python3.X/dist-packages otherwise). Both have the same depth, so the relative path from
# the package to share/pmusim does not depend on the prefix.
if(NOT DEFINED PMUSIM_PYTHON_INSTALL_DIR)
  execute_process(COMMAND ${PYTHON_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/cmake/python_site_dir.py ${CMAKE_INSTALL_PREFIX}
                  OUTPUT_VARIABLE _site OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR _site STREQUAL "")
    message(FATAL_ERROR "cannot ask ${PYTHON_EXECUTABLE} for its site directory")
  endif()
  set(PMUSIM_PYTHON_INSTALL_DIR ${_site} CACHE STRING "Python package directory, relative to the install prefix")
endif()
set(PMUSIM_DATA_INSTALL_DIR ${CMAKE_INSTALL_DATADIR}/pmusim)

# Relative paths compiled into the lookup (sim/library_paths.cpp); computed under a dummy root so
# they hold for any prefix the install is later moved to.
file(RELATIVE_PATH PMUSIM_BIN_TO_DATA /root/${CMAKE_INSTALL_BINDIR} /root/${PMUSIM_DATA_INSTALL_DIR})
file(RELATIVE_PATH PMUSIM_PYTHON_TO_DATA /root/${PMUSIM_PYTHON_INSTALL_DIR}/pmusim /root/${PMUSIM_DATA_INSTALL_DIR})
set_property(SOURCE sim/library_paths.cpp APPEND PROPERTY COMPILE_DEFINITIONS
  PMUSIM_SOURCE_DIR="${CMAKE_CURRENT_SOURCE_DIR}"
  PMUSIM_BUILD_DIR="${CMAKE_CURRENT_BINARY_DIR}"
  PMUSIM_PYTHON_BUILD_DIR="${PMUSIM_PYTHON_OUTPUT_DIR}"
  PMUSIM_BIN_TO_DATA="${PMUSIM_BIN_TO_DATA}"
  PMUSIM_PYTHON_TO_DATA="${PMUSIM_PYTHON_TO_DATA}")

install(TARGETS pmusim RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY workloads/ DESTINATION ${PMUSIM_DATA_INSTALL_DIR}/workloads FILES_MATCHING PATTERN "*.yaml")
install(DIRECTORY scenarios/ DESTINATION ${PMUSIM_DATA_INSTALL_DIR}/scenarios FILES_MATCHING PATTERN "*.yaml")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(DIRECTORY python/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples FILES_MATCHING PATTERN "*.py")
if(PMUSIM_PYTHON)
  install(DIRECTORY python/pmusim/ DESTINATION ${PMUSIM_PYTHON_INSTALL_DIR}/pmusim
          FILES_MATCHING PATTERN "*.py" PATTERN "__pycache__" EXCLUDE)
  install(TARGETS _pmusim LIBRARY DESTINATION ${PMUSIM_PYTHON_INSTALL_DIR}/pmusim)
endif()


# Man pages for pmusim and each command, generated from --help by help2man at build time (when
# help2man is installed), and the bash completion (sim/cli/pmusim-completion.bash).
find_program(HELP2MAN_EXECUTABLE help2man)
if(HELP2MAN_EXECUTABLE)
  set(PMUSIM_HELP2MAN 1 CACHE INTERNAL "man pages are generated")
  set(_man_dir ${CMAKE_CURRENT_BINARY_DIR}/man)
  set(_pages ${_man_dir}/pmusim.1)
  foreach(cmd info stat topdown run mutate conform wave list)
    list(APPEND _pages ${_man_dir}/pmusim-${cmd}.1)
  endforeach()
  add_custom_command(OUTPUT ${_pages}
    COMMAND ${CMAKE_COMMAND} -DPMUSIM=$<TARGET_FILE:pmusim> -DOUT=${_man_dir} -DVERSION=${PROJECT_VERSION}
            -DINCLUDE=${CMAKE_CURRENT_SOURCE_DIR}/cmake/pmusim.h2m -P ${CMAKE_CURRENT_SOURCE_DIR}/cmake/gen_manpages.cmake
    DEPENDS pmusim ${CMAKE_CURRENT_SOURCE_DIR}/cmake/gen_manpages.cmake ${CMAKE_CURRENT_SOURCE_DIR}/cmake/pmusim.h2m
    COMMENT "man pages (help2man)")
  add_custom_target(pmusim_man ALL DEPENDS ${_pages})
  install(FILES ${_pages} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
else()
  set(PMUSIM_HELP2MAN 0 CACHE INTERNAL "man pages are generated")
  message(STATUS "help2man not found: no man pages")
endif()
install(FILES sim/cli/pmusim-completion.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME pmusim)

# The Debian package: `cpack -G DEB` in the build directory (docs/install.md).
set(CPACK_PACKAGE_NAME pmusim)
set(CPACK_PACKAGE_VENDOR "pmusim")
if(NOT CPACK_PACKAGE_CONTACT)  # the Maintainer field; set -DCPACK_PACKAGE_CONTACT=... for a published package
  set(CPACK_PACKAGE_CONTACT "pmusim maintainers <pmusim@localhost>")
endif()
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cycle-approximate simulator of the Intel architectural PMU")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The extension is built for one interpreter version (its ABI tag).
execute_process(COMMAND ${PYTHON_EXECUTABLE} -c "import sys; print(sys.version_info[0], sys.version_info[1])"
                OUTPUT_VARIABLE _pyver OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REPLACE " " ";" _pyver "${_pyver}")
list(GET _pyver 0 _pymajor)
list(GET _pyver 1 _pyminor)
math(EXPR _pynext "${_pyminor} + 1")
set(CPACK_DEBIAN_PACKAGE_DEPENDS
    "python3 (>= ${_pymajor}.${_pyminor}), python3 (<< ${_pymajor}.${_pynext}), python3-numpy")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3-pandas, python3-matplotlib")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "python3-distributed, gtkwave")
set(CPACK_GENERATOR DEB)
include(CPack)
