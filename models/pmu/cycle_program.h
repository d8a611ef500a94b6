// Per-cycle mode's compiled data: what a Pmu derives from its plans and the cursor's run to
// evaluate cycles without walking event masks (pmu_cycle_program.cpp), to replay periodic runs
// from a table (pmu_cycle_replay.cpp) and to take runs without a short period in blocks
// (pmu_cycle_block.cpp). Plain data; the behaviour is the Pmu's, in those files.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "models/core/events.h"
#include "models/core/workload.h"  // Phase
#include "models/pmu/pmu_state.h"

namespace pmusim::percycle {

// Per-cycle mode's form of the plans (compiled at the first per-cycle advance after
// finish_plan, pmu_cycle_program.cpp): per ring, the counting slots with the base events each
// sums, as index lists, so that a cycle walks no event mask. A counter without CMASK/INV/E/EQ
// and narrower than 64 bits (almost all) is "dense": its events are CycleEvents. The others are
// CycleTerms: conditional_increment, or a sum with a 64-bit carry.
struct CycleEvent {
    uint8_t slot, ev;
    bool operator==(const CycleEvent& o) const { return slot == o.slot && ev == o.ev; }
};
struct CycleTerm {
    uint8_t slot = 0;
    bool conditional = false;   // CMASK/INV/E/EQ: conditional_increment
    uint16_t first = 0, count = 0;
};

// The dense counters' program for the cursor's current run: the sum of each counter's events
// that are constant in the run (whole rates), added every cycle to all slots at once, and the
// events that vary. A slot's bits above its width show a carry (0 for a slot that is not dense).
struct RunProgram {
    alignas(16) std::array<uint64_t, kNumCounterSlots> inc{};
    alignas(16) std::array<uint64_t, kNumCounterSlots> above{};
    std::vector<CycleEvent> vary;
    // vary's events, and PERF_METRICS' that vary in the run: what a block sums
    // (pmu_cycle_block.cpp), the latter when the block's ring accumulates the metrics.
    EventMask vary_events, metric_vary;
    EventMask block_events(bool metrics) const { return metrics ? vary_events | metric_vary : vary_events; }
    uint64_t run = ~0ull;  // the cursor's run_serial() it was built for
    uint64_t stepped = 0;  // cycles of the run stepped (pmu_cycle_replay.cpp)
    uint64_t period = 0;   // the run's period, once asked (0: none within the limit)
    // kTry: try_replay after each stepped cycle; kCount: the run has no period within the
    // limit and edge detect keeps it stepping (without E it steps in blocks instead,
    // pmu_cycle_block.cpp), a stepped cycle only counts; kNever: replay is off or a ring's
    // term reads every cycle.
    enum : uint8_t { kTry, kCount, kNever } replay = kTry;
};

// A periodic run replayed (pmu_cycle_replay.cpp): row j holds each dense counter's and each
// PERF_METRICS field's increments in the phase's active cycles k = j (mod period), for one
// ring's program. Kept for the last few (phase, ring, program)s, so that runs of a phase that
// come back (a ring change, a VM transition) replay at once.
struct ReplayRow {
    alignas(16) std::array<uint64_t, kNumCounterSlots> ctr{};
    std::array<uint64_t, kNumMetricFields> metric{};  // F x slots, as accumulate_metrics_cycle adds
};
struct ReplayTable {
    Phase phase{};  // the rates it was built from
    unsigned ring = 0;
    bool metrics = false;
    uint64_t fmax = 0;
    std::vector<CycleEvent> events;
    std::vector<ReplayRow> rows;
};

// A block of a run with no period within the replay limit: the next cycles' increments computed
// at once, a column per event (EventBlock); the cycles before the first carry then only move the
// cycle, and the registers take the columns' sums when anything reads or writes them.
struct CycleBlock {
    bool active = false;
    bool metrics = false;         // PERF_METRICS accumulates in the block's ring
    uint64_t begin = 0, end = 0;  // its cycles [begin, end)
    // The first cycle stepped again: end, or a counter's carry; 0 when not active. A block
    // runs only with no PMI pending and the counters not frozen, and anything that could
    // change that (a write, a PMI, a seek) ends it: before it, a cycle only moves the cycle.
    uint64_t stop = 0;
    uint64_t applied = 0;         // the registers hold cycles [begin, begin + applied)
    std::array<uint64_t, kNumEvents> full{}; // the varying events' sums over the block (RunProgram::block_events)
};

}  // namespace pmusim::percycle
