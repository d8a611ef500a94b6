// `pmusim run` output: per-context counts and topdown (reported beside truth), where the cycles
// went, the violation summary and the first violations in full; or all of it as JSON.
#pragma once
#include <string>

#include "sim/virt/hypervisor.h"

namespace pmusim {

std::string format_run(const RunReport& r, size_t first_violations = 10);
std::string run_json(const RunReport& r);
// Guest programs: the summary and the failed expectations (empty when no guest ran a program).
std::string format_programs(const ProgramLog& p, size_t first_failures = 10);
std::string access_text(const ProgramRecord& x);  // "RDMSR IA32_PMC0: 0x12 (exited)"

}  // namespace pmusim
