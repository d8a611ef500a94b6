// Workload specifications on the command line: "steady", "steady:key=value,key=value", a YAML
// file path, or the name of a library workload in workloads/ (e.g. "pointer_chase").
#pragma once
#include <memory>
#include <string>

#include "models/core/workload.h"

namespace pmusim {
// Throws std::invalid_argument naming the spec and the offending part.
std::unique_ptr<Workload> parse_workload_spec(const std::string& spec);
}  // namespace pmusim
