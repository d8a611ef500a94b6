// `pmusim run` output: per-context counts and topdown (reported beside truth), where the cycles
// went, the violation summary and the first violations in full; or all of it as JSON.
#pragma once
#include <string>

#include "sim/virt/hypervisor.h"

namespace pmusim {

std::string format_run(const RunReport& r, size_t first_violations = 10);
std::string run_json(const RunReport& r);

}  // namespace pmusim
