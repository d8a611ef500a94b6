// Workload specifications on the command line: "steady" or "steady:key=value,key=value".
#pragma once
#include <memory>
#include <string>

#include "models/core/workload.h"

namespace pmusim {
// Throws std::invalid_argument naming the spec and the offending part.
std::unique_ptr<Workload> parse_workload_spec(const std::string& spec);
}  // namespace pmusim
