// The perf agent: software that programs and reads the PMU the way Linux perf does on Intel
// (arch/x86/events/intel/core.c, kernel/events/core.c; docs/tma.md "The perf agent"):
//  - instructions, cycles, ref-cycles and slots on their fixed counters (pinned);
//  - the topdown group {slots, topdown-*}: FIXED_CTR3 + PERF_METRICS with GLOBAL_CTRL[48], read
//    with RDPMC, fields converted as field * slots / 0xFF, then FIXED_CTR3 and PERF_METRICS reset
//    in that order (or, with the Lunar Lake metrics-clear mode, cleared by the RDPMC itself);
//  - every other event a flexible group of one on a GP counter; when there are more of them than
//    counters they are time-sliced: every mux_interval cycles the PMU is disabled, the running
//    events are read and unscheduled, the list is rotated by one and the first events that fit
//    are scheduled; counts are scaled by time_enabled / time_running like perf stat.
#pragma once
#include <array>
#include <optional>
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
    uint64_t config = 0;    // PERFEVTSEL bits 31:0 without USR/OS/EN (event, umask, E, INV, CMASK)
    EventMask truth = 0;    // base events the count should equal
    bool truth_known = false;
};

// Parses perf-style names ("instructions", "branch-misses:u", "INT_MISC.UOP_DROPPING",
// "r01c2", raw "rCCUUEE") for this CPU. Throws std::invalid_argument naming the event.
StatEventSpec parse_stat_event(const std::string& name, const CpuConfig& cpu);
std::vector<std::string> default_stat_events(const CpuConfig& cpu);

struct AgentOptions {
    bool topdown_group = false;      // program {slots, topdown-*} on FIXED_CTR3 + PERF_METRICS
    bool use_metrics_clear = true;   // use RDPMC metrics-clear where the CPU has it (Lunar Lake)
    uint64_t mux_interval = 4'000'000;  // cycles between rotations (perf_event_mux_interval_ms 4 at 1 GHz)
};

struct CountReading {
    std::string name;
    std::string counter;      // "FIXED_CTR0", "PMC2", or "PMC*" when multiplexed
    uint64_t raw = 0;         // counted while scheduled
    uint64_t enabled = 0;     // cycles the event was enabled (the interval)
    uint64_t running = 0;     // cycles it was on a counter
    double scaled = 0;        // raw * enabled / running (perf's estimate)
    uint64_t truth = 0;       // exact count over the whole interval, same rings
    bool truth_known = false;
};

struct TopdownReading {
    uint64_t slots = 0;                  // FIXED_CTR3 as read
    uint64_t metrics = 0;                // PERF_METRICS as read (RDPMC 0x2000_0000)
    unsigned fields = 0;                 // fields the register holds (4 or 8 at 8 bits)
    std::array<double, 8> field{};       // field values as read
    std::array<double, 8> field_slots{}; // field * slots / field_max (perf's topdown-* counts)
};

struct IntervalReading {
    uint64_t begin = 0, end = 0;  // cycles [begin, end)
    std::vector<CountReading> counts;
    std::optional<TopdownReading> topdown;
};

class PerfAgent {
public:
    PerfAgent(Machine& m, const std::vector<std::string>& events, AgentOptions opts = {});
    void start();                          // program and enable, counters from 0
    void run_until(uint64_t cycle);        // advance the machine, rotating multiplexed events
    IntervalReading read();                // everything since the last read(); resets the topdown group
    const std::vector<StatEventSpec>& events() const { return specs_; }
    bool multiplexed() const { return flex_.size() > gp_free_; }
    size_t flexible_events() const { return flex_.size(); }  // the GP events
    void set_mux_interval(uint64_t cycles);                   // before start()
    const AgentOptions& options() const { return opts_; }

private:
    struct Slot {
        int counter = -1;        // GP counter while scheduled, or -1
        uint64_t base = 0;       // counter value at the last read / schedule-in
        uint64_t acc = 0;        // counted this interval
        uint64_t running = 0;    // cycles scheduled this interval
        uint64_t since = 0;      // cycle of schedule-in or last read
    };
    void schedule_in();
    void schedule_out();
    void collect(size_t i);      // fold a scheduled event's counter into its interval totals
    uint64_t global_ctrl() const;

    Machine& m_;
    AgentOptions opts_;
    std::vector<StatEventSpec> specs_;
    std::vector<Slot> slots_;
    std::vector<size_t> flex_;   // GP events in rotation order
    unsigned gp_free_ = 0;
    uint64_t fixed_ctrl_ = 0, fixed_global_ = 0;
    uint64_t interval_begin_ = 0, next_rotation_ = 0;
    bool metrics_clear_ = false;
};

// One-shot counting for `pmusim stat`: start, run, read.
class PerfStat {
public:
    PerfStat(Machine& m, const std::vector<std::string>& events, AgentOptions opts = {}) : agent_(m, events, opts), m_(m) {}
    void start() { agent_.start(); }
    std::vector<CountReading> read() { return agent_.read().counts; }
    void run(uint64_t cycles) { agent_.run_until(m_.cycle() + cycles); }
    const std::vector<StatEventSpec>& events() const { return agent_.events(); }
    bool multiplexed() const { return agent_.multiplexed(); }

private:
    PerfAgent agent_;
    Machine& m_;
};

}  // namespace pmusim
