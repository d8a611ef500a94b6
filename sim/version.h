// The pmusim version (CMake's project version), printed by `pmusim --version` and written into JSON
// reports and VCD headers so a result names the simulator that produced it.
#pragma once

namespace pmusim {

const char* version();

}  // namespace pmusim
