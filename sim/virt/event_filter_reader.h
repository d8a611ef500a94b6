// The scenario key `event_filter` (docs/virtualization.md "Event filter"): KVM's PMU event filter
// for the VM, read with errors naming file, line and field. A filter KVM would refuse is an error
// that gives KVM's errno and rule.
#pragma once
#include <string>

#include "models/virt/event_filter.h"
#include "sim/yaml_reader.h"

namespace pmusim {

EventFilter read_event_filter(const YamlReader& r, const YAML::Node& n, const std::string& path);
// The key's value from YAML text (Python's pmusim.event_filter); errors name `origin`.
EventFilter parse_event_filter_yaml(const std::string& text, const std::string& origin);

}  // namespace pmusim
