// What a VMM does, in scenario files (docs/virtualization.md "Userspace interface"): a guest's
// CPUID leaf 0xA and PERF_CAPABILITIES, and timed KVM_SET_MSRS / KVM_GET_MSRS / RESET actions.
#pragma once
#include <string>
#include <vector>

#include "sim/virt/scenario.h"
#include "sim/yaml_reader.h"

namespace pmusim {

// Fields not given are KVM's supported value for `host`.
PmuCpuid read_cpuid(const YamlReader& r, const YAML::Node& n, const std::string& path, const PmuCpuid& supported);
std::vector<VmmAction> read_vmm_actions(const YamlReader& r, const YAML::Node& n, const std::string& path);

}  // namespace pmusim
