// Workload specifications on the command line: "steady", "steady:key=value,key=value", a YAML
// file path, or the name of a library workload in workloads/ (e.g. "pointer_chase").
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "models/core/workload.h"

namespace pmusim {
// Throws std::invalid_argument naming the spec and the offending part. `seed_offset` is added to a
// workload file's seed (a steady workload has none).
std::unique_ptr<Workload> parse_workload_spec(const std::string& spec, uint64_t seed_offset = 0);
}  // namespace pmusim
