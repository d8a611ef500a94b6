// The per-cycle event vector the core source produces and the PMU counts.
// Slot categories are the eight TMA level-2 leaves; everything a TMA formula or a GP
// event needs is a sum of these base events (see models/core/event_table.cpp).
#pragma once
#include <Eigen/Core>
#include <array>
#include <cstdint>

namespace pmusim {

enum class Event : uint8_t {
    CoreCycles,     // CPU_CLK_UNHALTED.THREAD: 1 per unhalted cycle
    RefCycles,      // CPU_CLK_UNHALTED.REF_TSC
    Instructions,   // INST_RETIRED.ANY
    Branches,       // BR_INST_RETIRED.ALL_BRANCHES
    BranchMisses,   // BR_MISP_RETIRED.ALL_BRANCHES
    LlcReferences,  // LONGEST_LAT_CACHE.REFERENCE
    LlcMisses,      // LONGEST_LAT_CACHE.MISS
    Slots,          // TOPDOWN.SLOTS: pipeline width per unhalted cycle
    // TMA level-2 leaves, in slots. They add up to Slots.
    SlotsLightOps,
    SlotsHeavyOps,
    SlotsBrMispredict,
    SlotsMachineClears,
    SlotsFetchLatency,
    SlotsFetchBandwidth,
    SlotsMemoryBound,
    SlotsCoreBound,
    Count
};

constexpr unsigned kNumEvents = static_cast<unsigned>(Event::Count);
constexpr unsigned idx(Event e) { return static_cast<unsigned>(e); }

// One cycle's increments (or an interval's sums) for every base event.
using EventVector = Eigen::Array<uint64_t, kNumEvents, 1>;
// A set of base events whose counts are summed (bit idx(e)).
using EventMask = uint32_t;
constexpr EventMask bit(Event e) { return 1u << idx(e); }

const char* event_name(Event e);

}  // namespace pmusim
