// perf's event names and where perf places them (arch/x86/events/intel/core.c fixed event
// constraints; tools/perf/util/parse-events.c for the names and :u/:k modifiers). Shared by
// the one perf model (sim/perf/perf_model.h) and both of its drivers.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "models/core/events.h"
#include "models/cpu/cpu_config.h"

namespace pmusim {

struct StatEventSpec {
    std::string name;       // as given, e.g. "branches:u"
    std::string base;       // without modifiers
    bool user = true, kernel = true;
    bool fixed = false;
    unsigned fixed_index = 0;
    uint64_t config = 0;    // PERFEVTSEL bits 31:0 without USR/OS/EN (event, umask, E, INV, CMASK)
    EventMask truth = 0;    // base events the count should equal
    bool truth_known = false;
    int group = -1;         // `{a,b}`: the index of the group's first event in the session; -1: alone
    bool supported = true;  // false: refused at open, as perf's "<not supported>" (a group too big for the PMU)
    bool retire_latency = false;  // ":R": the mean retire latency of the event's PEBS samples, not a count
    EventMask latency = 0;        // with retire_latency: the base events summing those latencies
};

// Parses perf-style names ("instructions", "branch-misses:u", "INT_MISC.UOP_DROPPING",
// "r01c2", raw "rCCUUEE") for this CPU. Throws std::invalid_argument naming the event.
StatEventSpec parse_stat_event(const std::string& name, const CpuConfig& cpu);
std::vector<std::string> default_stat_events(const CpuConfig& cpu);
// What perf reads for an ":R" event over a window whose exact event sums are `sums`: the mean of
// its samples' retire latency (tools/perf/util/intel-tpebs.c). The model takes the exact mean, the
// sum of the latencies over the count, which perf's sample mean converges to; 0 with no event in
// the window (perf's value without samples when the event list gives no default).
double retire_latency_mean(const StatEventSpec& s, const EventVector& sums);
// perf's names that this CPU places on a fixed counter, with the counter's index (`pmusim list`).
std::vector<std::pair<std::string, unsigned>> fixed_counter_events(const CpuConfig& cpu);

}  // namespace pmusim
