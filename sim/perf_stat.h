// The perf agent of `pmusim stat` and `pmusim topdown`: a driver of the one model of Linux perf
// (PerfModel, sim/perf/perf_model.h; docs/tma.md "The perf model"), which says which MSR/RDPMC
// accesses perf issues. The agent performs each of them at once on the Machine (run_ops), runs
// the machine between them, rotates multiplexed events every mux_interval cycles and turns the
// model's counts into perf stat's numbers:
//  - instructions, cycles, ref-cycles and slots on their fixed counters (pinned);
//  - the topdown group {slots, topdown-*}: FIXED_CTR3 + PERF_METRICS with GLOBAL_CTRL[48], read
//    and reset with the PMU disabled every interval (or cleared by the RDPMC with the Lunar Lake
//    metrics-clear mode), fields converted as field * slots / 0xFF;
//  - every other event a flexible group of one on a GP counter, time-sliced when they outnumber
//    the counters; counts are scaled by time_enabled / time_running like perf stat.
#pragma once
#include <array>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/machine.h"
#include "sim/perf/perf_events.h"

namespace pmusim {

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
    bool supported = true;    // false: refused at open (perf's "<not supported>")
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

class PerfModel;

class PerfAgent {
public:
    PerfAgent(Machine& m, const std::vector<std::string>& events, AgentOptions opts = {});
    ~PerfAgent();
    void start();                          // program and enable, counters from 0
    void run_until(uint64_t cycle);        // advance the machine, rotating multiplexed events
    IntervalReading read();                // everything since the last read(); resets the topdown group
    const std::vector<StatEventSpec>& events() const;
    bool multiplexed() const;
    size_t flexible_events() const;        // the GP events
    void set_mux_interval(uint64_t cycles);  // before start()
    const AgentOptions& options() const { return opts_; }

private:
    Machine& m_;
    AgentOptions opts_;
    std::unique_ptr<PerfModel> model_;
    std::vector<uint64_t> running_base_;   // each event's time on a counter at the last read
    uint64_t interval_begin_ = 0, next_rotation_ = 0;
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
