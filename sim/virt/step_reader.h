// Custom protocol steps in scenario files (docs/virtualization.md "Custom steps"): the `steps:`
// mapping, read into StepInfo with operations (models/virt/custom_steps.h), with errors naming
// file, line and field.
#pragma once
#include <string>
#include <vector>

#include "models/virt/protocol.h"
#include "sim/yaml_reader.h"

namespace pmusim {

std::vector<StepInfo> read_custom_steps(const YamlReader& r, const YAML::Node& n, const std::string& path);

}  // namespace pmusim
