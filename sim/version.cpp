#include "sim/version.h"

// PMUSIM_VERSION is set by CMakeLists.txt for this file only (project(pmusim VERSION ...)).
#ifndef PMUSIM_VERSION
#error "PMUSIM_VERSION must be defined by the build"
#endif

namespace pmusim {

const char* version() { return PMUSIM_VERSION; }

}  // namespace pmusim
