// Human-readable description of a CPU preset: CPUID.0AH, PERF_CAPABILITIES and the register map.
#pragma once
#include <string>

#include "models/cpu/cpu_config.h"

namespace pmusim {
std::string cpu_info_text(const CpuConfig& cpu);
}
