// A counting agent that programs the PMU the way `perf stat` does on Intel: instructions,
// cycles, ref-cycles and slots on their fixed counters, everything else on GP counters, all
// started together through GLOBAL_CTRL and read with RDPMC (linux arch/x86/events/intel/core.c).
#pragma once
#include <string>
#include <vector>

#include "sim/machine.h"

namespace pmusim {

struct StatEventSpec {
    std::string name;       // as given, e.g. "branches:u"
    std::string base;       // without modifiers
    bool user = true, kernel = true;
    bool fixed = false;
    unsigned fixed_index = 0;
    uint8_t event_select = 0, umask = 0;
    EventMask truth = 0;    // base events the count should equal
};

struct StatCount {
    std::string name;
    std::string counter;  // e.g. "FIXED_CTR0", "PMC2"
    uint64_t count = 0;   // as read with RDPMC
    uint64_t truth = 0;   // exact count from the workload for the same cycles and rings
};

// Parses perf-style names ("instructions", "branch-misses:u", "r01c2") for this CPU.
// Throws std::invalid_argument naming the event.
StatEventSpec parse_stat_event(const std::string& name, const CpuConfig& cpu);
std::vector<std::string> default_stat_events(const CpuConfig& cpu);

class PerfStat {
public:
    PerfStat(Machine& m, const std::vector<std::string>& events);
    void start();                       // program and enable, counters from 0
    std::vector<StatCount> read();      // RDPMC every counter; truth over [start, now)
    const std::vector<StatEventSpec>& events() const { return specs_; }

private:
    Machine& m_;
    std::vector<StatEventSpec> specs_;
    std::vector<std::string> counter_names_;
    std::vector<uint32_t> rdpmc_ecx_;
    uint64_t start_cycle_ = 0;
};

}  // namespace pmusim
