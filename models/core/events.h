// The per-cycle event vector the core source produces and the PMU counts.
// Slot categories are the eight TMA level-2 leaves (the ground truth); the hardware-attributed
// slot events and the auxiliary events are derived from them per phase (models/core/phase_model.cpp).
// A GP event counts a sum of base events (models/core/event_table.cpp).
#pragma once
#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <stdexcept>

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
    // Slots as the hardware attributes them (TOPDOWN.*_SLOTS, IDQ_BUBBLES and the PERF_METRICS
    // bytes). Where a core mis-attributes slots, these differ from the leaves above, and the TMA
    // correction terms (UOP_DROPPING, CLEARS_COUNT) undo the difference (docs/workloads.md).
    HwBadSpec,       // TOPDOWN.BAD_SPEC_SLOTS
    HwFrontend,      // IDQ_BUBBLES.CORE / IDQ_UOPS_NOT_DELIVERED.CORE
    HwBackend,       // TOPDOWN.BACKEND_BOUND_SLOTS
    HwFetchLatency,  // PERF_METRICS fetch-latency byte
    HwMemoryBound,   // TOPDOWN.MEMORY_BOUND_SLOTS
    // Auxiliary events the TMA formulas of each family read, derived from the slot mix.
    UopDropping,        // INT_MISC.UOP_DROPPING (slots)
    RecoveryCycles,     // INT_MISC.RECOVERY_CYCLES
    FetchBubbleCycles,  // IDQ_*.CYCLES_0_UOPS_DELIV.CORE
    UopsIssued,         // UOPS_ISSUED.ANY
    MacroFused,         // UOPS_RETIRED.MACRO_FUSED
    MsUopsIssued,       // IDQ.MS_UOPS
    MsUopsRetired,      // UOPS_RETIRED.MS
    MiteUops,           // IDQ.MITE_UOPS
    Dec0Uops,           // UOPS_DECODED.DEC0
    Dec0Cycles,         // UOPS_DECODED.DEC0:c1
    MachineClears,      // MACHINE_CLEARS.COUNT
    StallsTotal,        // CYCLE_ACTIVITY.STALLS_TOTAL
    StallsMemAny,       // CYCLE_ACTIVITY.STALLS_MEM_ANY
    BoundOnLoads,       // EXE_ACTIVITY.BOUND_ON_LOADS
    BoundOnStores,      // EXE_ACTIVITY.BOUND_ON_STORES
    StallsL1dMiss,      // *.STALLS_L1D_MISS
    StallsL2Miss,       // *.STALLS_L2_MISS
    StallsL3Miss,       // *.STALLS_L3_MISS
    Ports1Util,         // EXE_ACTIVITY.1_PORTS_UTIL
    Ports2Util,         // EXE_ACTIVITY.2_PORTS_UTIL
    // Level-3 leaves and the events their formulas read (docs/workloads.md "Level-3 events").
    MemL2Hit,           // MEM_LOAD_RETIRED.L2_HIT
    MemFbHit,           // MEM_LOAD_RETIRED.FB_HIT
    MemL1Miss,          // MEM_LOAD_RETIRED.L1_MISS
    FbFullPeriods,      // L1D_PEND_MISS.FB_FULL:c1 (SKL) / .FB_FULL_PERIODS (ICL)
    FbFullStalls,       // truth: DRAM-bound stall cycles inside the L1D-miss-not-L2-miss window
    DividerActive,      // ARITH.DIVIDER_ACTIVE / ARITH.DIV_ACTIVE
    ScoreboardStalls,   // PARTIAL_RAT_STALLS.SCOREBOARD (SKL) / RESOURCE_STALLS.SCOREBOARD
    C02Cycles,          // CPU_CLK_UNHALTED.C02 (SPR)
    IcacheStalls,       // ICACHE_16B.IFDATA_STALL (SKL) / ICACHE_DATA.STALLS
    IcacheStallEdges,   // ICACHE_16B.IFDATA_STALL:c1:e1 (SKL)
    ItlbStalls,         // ICACHE_TAG.STALLS
    ClearResteerCycles, // INT_MISC.CLEAR_RESTEER_CYCLES
    UnknownBranchCycles,// INT_MISC.UNKNOWN_BRANCH_CYCLES (SPR); truth of the BACLEARS term elsewhere
    Baclears,           // BACLEARS.ANY
    MsSwitchCycles,     // truth: cycles lost switching to the microcode sequencer
    MsSwitches,         // IDQ.MS_SWITCHES (SKL, ICL) / UOPS_RETIRED.MS:c1:e1 (SPR)
    LcpStalls,          // DECODE.LCP
    DsbSwitchPenalty,   // DSB2MITE_SWITCHES.PENALTY_CYCLES
    // Lunar Lake's MEMORY_STALLS.* (event 0x46): the load-stall cycles split by the level that
    // serves the oldest load, so the four add up to BOUND_ON_LOADS (intel/perfmon LNL).
    MemStallsL1,        // MEMORY_STALLS.L1
    MemStallsL2,        // MEMORY_STALLS.L2
    MemStallsL3,        // MEMORY_STALLS.L3
    MemStallsMem,       // MEMORY_STALLS.MEM
    // Fetch_Bandwidth's children: cycles each uop supplier delivered some uops but fewer than the
    // width (ANY - OK), the microcode sequencer's active cycles, and the truth of each.
    MiteCyclesAny,      // IDQ.MITE_CYCLES_ANY (SKL: IDQ.ALL_MITE_CYCLES_ANY_UOPS)
    MiteCyclesOk,       // IDQ.MITE_CYCLES_OK (SKL: IDQ.ALL_MITE_CYCLES_4_UOPS)
    DsbCyclesAny,       // IDQ.DSB_CYCLES_ANY
    DsbCyclesOk,        // IDQ.DSB_CYCLES_OK
    MsCyclesAny,        // IDQ.MS_CYCLES_ANY (ICL: IDQ.MS_UOPS:c1)
    MsRetiredCycles,    // UOPS_RETIRED.MS:c1 (SPR)
    FbMiteCycles,       // truth: cycles of fetch bandwidth lost to the legacy decoders
    FbDsbCycles,        // truth: ... to the decoded-uop cache
    FbMsCycles,         // truth: ... to the microcode sequencer
    // Branch_Mispredicts' and Machine_Clears' children.
    MachineClearsMemOrdering,  // MACHINE_CLEARS.MEMORY_ORDERING
    OtherMispredictClears,     // truth: mispredict clears of branches that never retire
    // Ports_Utilization and its children.
    ExeBound0Ports,     // EXE_ACTIVITY.EXE_BOUND_0_PORTS (ICL: EXE_ACTIVITY.3_PORTS_UTIL:u0x80)
    RsEmptyResource,    // RS.EMPTY_RESOURCE (SPR, LNL)
    Ports23Util,        // EXE_ACTIVITY.2_3_PORTS_UTIL (SPR, LNL)
    Ports3mCycles,      // UOPS_EXECUTED.CYCLES_GE_3 (SKL: UOPS_EXECUTED.CORE_CYCLES_GE_3)
    AmxBusy,            // EXE.AMX_BUSY (SPR)
    // Light_Operations' Memory_Operations.
    MemInstRetired,     // MEM_INST_RETIRED.ANY (SKL, ICL)
    MemUopRetired,      // MEM_UOP_RETIRED.ANY (SPR, LNL)
    // Light_Operations' other children (models/core/light_ops_events.cpp): retired uops by kind.
    X87Uops,            // UOPS_EXECUTED.X87 (UOPS_EXECUTED.THREAD counts UopsIssued)
    FpScalar,           // FP_ARITH_INST_RETIRED.SCALAR (LNL: FP_ARITH_OPS_RETIRED.SCALAR)
    FpVector,           // FP_ARITH_INST_RETIRED.VECTOR (umask 0xfc; LNL: FP_ARITH_OPS_RETIRED.VECTOR)
    FpScalarHalf,       // FP_ARITH_INST_RETIRED2.SCALAR (SPR: half precision)
    FpVectorHalf,       // FP_ARITH_INST_RETIRED2.VECTOR (SPR)
    FusedRetired,       // INST_RETIRED.MACRO_FUSED (SPR, LNL; LNL's BR_FUSED too); SKL: = MacroFused
    NopRetired,         // INST_RETIRED.NOP
    IntVecAdd128,       // INT_VEC_RETIRED.ADD_128 (SPR, LNL)
    IntVecVnni128,      // INT_VEC_RETIRED.VNNI_128
    IntVecAdd256,       // INT_VEC_RETIRED.ADD_256
    IntVecMul256,       // INT_VEC_RETIRED.MUL_256
    IntVecVnni256,      // INT_VEC_RETIRED.VNNI_256
    IntVecShuffles,     // INT_VEC_RETIRED.SHUFFLES
    // Level 4 of Memory_Bound (models/core/level3_events.cpp).
    StoreFwdCycles,     // truth: L1-bound cycles with a load blocked on store forwarding
    StoreFwdBlocks,     // LD_BLOCKS.STORE_FORWARD
    DataRdCycles,       // OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD
    DataRdBwCycles,     // OFFCORE_REQUESTS_OUTSTANDING.(ALL_)DATA_RD:cN (N: 4, SPR 12)
    // Lunar Lake's Fetch_Bandwidth children: each supplier's uops, and its cycles with some but
    // fewer than 8 uops (IDQ.*_UOPS:c8:i1:eq1, LSD.UOPS:c8:i1:eq1), the LSD's truth.
    DsbUops,            // IDQ.DSB_UOPS
    LsdUops,            // LSD.UOPS
    MitePartialCycles,  // IDQ.MITE_UOPS:c8:i1:eq1
    DsbPartialCycles,   // IDQ.DSB_UOPS:c8:i1:eq1
    LsdPartialCycles,   // LSD.UOPS:c8:i1:eq1
    FbLsdCycles,        // truth: cycles of fetch bandwidth lost to the loop stream detector
    // Lunar Lake's mispredict kinds (BR_MISP_RETIRED.*_COST, precise events): the retired
    // mispredicts of each kind, and the sum of their retire latencies in cycles (what perf's :R
    // averages over PEBS samples; each kind's truth over CLKS).
    MispCondNt,         // BR_MISP_RETIRED.COND_NTAKEN_COST
    MispCondTkBwd,      // BR_MISP_RETIRED.COND_TAKEN_BWD_COST
    MispCondTkFwd,      // BR_MISP_RETIRED.COND_TAKEN_FWD_COST
    MispIndCall,        // BR_MISP_RETIRED.INDIRECT_CALL_COST
    MispIndJump,        // BR_MISP_RETIRED.INDIRECT_COST counts calls and jumps
    MispRet,            // BR_MISP_RETIRED.RET_COST
    MispCondNtLat, MispCondTkBwdLat, MispCondTkFwdLat, MispIndCallLat, MispIndJumpLat, MispRetLat,
    Count
};

constexpr unsigned kNumEvents = static_cast<unsigned>(Event::Count);
constexpr unsigned idx(Event e) { return static_cast<unsigned>(e); }

// One cycle's increments (or an interval's sums) for every base event.
using EventVector = Eigen::Array<uint64_t, kNumEvents, 1>;
// A set of base events whose counts are summed: one bit per base event (bit idx(e)), in as many
// 64-bit words as the event list needs. `EventMask m = 0` (and `c ? bit(e) : 0`) is the empty set.
class EventMask {
public:
    static constexpr unsigned kWords = (kNumEvents + 63) / 64;
    constexpr EventMask() = default;
    // Only 0 converts: a mask is built from bit(e), not from an integer's bits.
    constexpr EventMask(int zero) {
        if (zero != 0) throw std::invalid_argument("EventMask: only 0 converts to an event set");
    }
    static constexpr EventMask of(unsigned e) {
        EventMask m;
        m.w_[e / 64] = 1ull << (e % 64);
        return m;
    }
    constexpr bool test(unsigned e) const { return (w_[e / 64] >> (e % 64)) & 1u; }
    constexpr unsigned count() const {
        unsigned n = 0;
        for (uint64_t w : w_) n += unsigned(__builtin_popcountll(w));
        return n;
    }
    constexpr explicit operator bool() const {
        for (uint64_t w : w_)
            if (w) return true;
        return false;
    }
    constexpr EventMask& operator|=(const EventMask& o) {
        for (unsigned i = 0; i < kWords; ++i) w_[i] |= o.w_[i];
        return *this;
    }
    constexpr EventMask& operator&=(const EventMask& o) {
        for (unsigned i = 0; i < kWords; ++i) w_[i] &= o.w_[i];
        return *this;
    }
    friend constexpr EventMask operator|(EventMask a, const EventMask& b) { return a |= b; }
    friend constexpr EventMask operator&(EventMask a, const EventMask& b) { return a &= b; }
    // The complement within the base events (the unused bits of the last word stay 0).
    constexpr EventMask operator~() const {
        EventMask m;
        for (unsigned i = 0; i < kWords; ++i) m.w_[i] = ~w_[i];
        if (kNumEvents % 64) m.w_[kWords - 1] &= (1ull << (kNumEvents % 64)) - 1;
        return m;
    }
    friend constexpr bool operator==(const EventMask& a, const EventMask& b) {
        for (unsigned i = 0; i < kWords; ++i)
            if (a.w_[i] != b.w_[i]) return false;
        return true;
    }
    friend constexpr bool operator!=(const EventMask& a, const EventMask& b) { return !(a == b); }
    // f(e) for each event e of the set, in increasing order.
    template <class F>
    void for_each(F&& f) const {
        for (unsigned i = 0; i < kWords; ++i)
            for (uint64_t w = w_[i]; w; w &= w - 1) f(i * 64 + unsigned(__builtin_ctzll(w)));
    }

private:
    uint64_t w_[kWords] = {};
};
constexpr EventMask bit(Event e) { return EventMask::of(idx(e)); }
constexpr EventMask kAllEvents = ~EventMask();

// Sum of the events of `m` in `v`.
inline uint64_t masked_sum(const EventVector& v, const EventMask& m) {
    uint64_t s = 0;
    m.for_each([&](unsigned e) { s += v[e]; });
    return s;
}

const char* event_name(Event e);

}  // namespace pmusim
