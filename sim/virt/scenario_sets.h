// `pmusim run --set path=value` (docs/virtualization.md "Scenario files"): a field of a scenario
// file replaced before the file is read, so the value gets the same checks as one written there.
#pragma once
#include <string>
#include <vector>

#include "sim/yaml_reader.h"

namespace pmusim {

// Each "path=value": path is dotted keys (`host.perf.interval`); in a list, an index or the
// `name:` of an entry (`guests.vm0.workload`, `guests.1.run`). Missing mappings are created.
// The value is YAML: a scalar, or a flow list or mapping (`[remove:put_perf_metrics]`).
// Throws std::invalid_argument naming the --set and the scenario file.
void apply_scenario_sets(YAML::Node root, const std::vector<std::string>& sets, const std::string& origin);

}  // namespace pmusim
