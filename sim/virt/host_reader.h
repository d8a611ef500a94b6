// A host with several CPUs in scenario files (docs/virtualization.md "A host with several
// CPUs"): host.cpus and host.migrate, each guest's affinity, and the scheduler's timed moves.
#pragma once
#include <string>
#include <vector>

#include "sim/virt/scenario.h"
#include "sim/yaml_reader.h"

namespace pmusim {

constexpr unsigned kMaxHostCpus = 256;
// Guests of one scenario: 30 on one CPU (a provenance bit each, beside the host's), up to 1024
// on several (a bit each among the guests that can share a CPU: sim/virt/host.h).
constexpr unsigned kMaxHostGuests = 1024;
inline unsigned max_guests(const HostSpec& h) { return h.cpus > 1 ? kMaxHostGuests : 30; }

void read_host_cpus(const YamlReader& r, const YAML::Node& host, HostSpec& out);
std::vector<unsigned> read_affinity(const YamlReader& r, const YAML::Node& n, const std::string& path);
// Affinities within host.cpus; `guests` is the scenario's guests node (for error lines).
void check_affinities(const YamlReader& r, const YAML::Node& guests, const Scenario& s);
std::vector<CpuMove> read_cpu_moves(const YamlReader& r, const YAML::Node& n, const std::string& path, const Scenario& s);

}  // namespace pmusim
