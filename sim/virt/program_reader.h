// Guest programs in scenario files (docs/virtualization.md "Guest programs"): a list of
// instructions under guests[].program, read with errors naming file, line and field.
#pragma once
#include <set>
#include <string>

#include "models/virt/guest_program.h"
#include "sim/yaml_reader.h"

namespace pmusim {

GuestProgram read_guest_program(const YamlReader& r, const YAML::Node& n, const std::string& path);

// The pieces, for other readers (VMM actions): a mapping with only these keys; an exact 64-bit
// number (negative: two's complement); an MSR by address or name; an expectation.
void require_keys(const YamlReader& r, const YAML::Node& n, const std::string& path, const std::set<std::string>& known);
uint64_t read_u64(const YamlReader& r, const YAML::Node& n, const std::string& path);
uint32_t read_msr(const YamlReader& r, const YAML::Node& n, const std::string& path);
Expectation read_expectation(const YamlReader& r, const YAML::Node& n, const std::string& path);

// A PMU MSR address from its SDM name (IA32_PMC0, IA32_PERF_GLOBAL_CTRL, ...); false if none.
bool msr_address_of(const std::string& name, uint32_t& out);

}  // namespace pmusim
