# Writes man pages for pmusim and each of its commands with help2man (run by the build; see
# cmake/install.cmake). -DPMUSIM=<pmusim> -DOUT=<dir> -DVERSION=<x.y.z> -DINCLUDE=<pmusim.h2m>
set(commands info stat topdown run mutate conform wave list)
set(wrappers ${OUT}/wrappers)
file(MAKE_DIRECTORY ${wrappers})
# help2man names the page after the program it runs: a wrapper `pmusim-run` runs `pmusim run`.
set(pages "")
foreach(cmd "" ${commands})
  if(cmd STREQUAL "")
    set(name pmusim)
    set(desc "cycle-approximate simulator of the Intel architectural PMU")
    set(prog ${PMUSIM})
  else()
    set(name pmusim-${cmd})
    execute_process(COMMAND ${PMUSIM} ${cmd} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "${PMUSIM} ${cmd} --help failed")
    endif()
    string(REGEX MATCH "^[^\n]*" desc "${help}")  # the command's one-line description
    set(prog ${wrappers}/${name})
    file(WRITE ${prog} "#!/bin/sh\nexec '${PMUSIM}' ${cmd} \"$@\"\n")
    file(CHMOD ${prog} PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endif()
  execute_process(COMMAND help2man --no-info --section=1 --version-string=${VERSION} "--name=${desc}"
                          --include=${INCLUDE} --output=${OUT}/${name}.1 ${prog}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man for ${name} failed: ${err}")
  endif()
endforeach()
