// TMA engine (no SystemC inside): turns counter readings into the Level-1/2/3 topdown breakdown
// the way Linux perf's metric JSON and pmu-tools' toplev compute it, per CPU family and method
// (PERF_METRICS or GP events only), with per-node thresholds and toplev's bottleneck walk.
// The formulas are data (tma/tma_tables.cpp, tma/tables_<family>.cpp); each with its source: docs/tma.md.
#pragma once
#include <Eigen/Core>
#include <array>
#include <bitset>
#include <cstdint>
#include <string>
#include <vector>

namespace pmusim::tma {

enum class Node : uint8_t {
    // Level 1 at multiples of 3, each followed by its two Level-2 children.
    FrontendBound, FetchLatency, FetchBandwidth,
    BadSpeculation, BranchMispredicts, MachineClears,
    BackendBound, MemoryBound, CoreBound,
    Retiring, LightOperations, HeavyOperations,
    // Level 3 (where the modelled events allow): Memory_Bound's and Heavy_Operations' children.
    L1Bound, L2Bound, L3Bound, DramBound, StoreBound,
    MicrocodeSequencer, FewUopsInstructions,
    // Level 3: Fetch_Latency's and Core_Bound's children (listed in tree order by node_table()).
    ICacheMisses, ItlbMisses, BranchResteers, MsSwitches, Lcp, DsbSwitches,
    Divider, SerializingOperation,
    // Level 4: Branch_Resteers' children (their events are Level 3's).
    MispredictsResteers, ClearsResteers, UnknownBranches,
    // Level 3: Fetch_Bandwidth's children (a family's tree has the nodes its table defines).
    Mite, Dsb, Ms,
    // Level 3: Branch_Mispredicts' and Machine_Clears' children.
    OtherMispredicts, OtherNukes,
    // Level 3: Core_Bound's Ports_Utilization, and its Level-4 children.
    PortsUtilization, PortsUtilized0, PortsUtilized1, PortsUtilized2, PortsUtilized3m,
    // Level 3: Sapphire Rapids' AMX_Busy (Core_Bound).
    AmxBusy,
    // Level 3: Light_Operations' Memory_Operations.
    MemoryOperations,
    // Level 3: Light_Operations' other children as each family's file defines them, and Level 4.
    FpArith, X87Use, FpScalar, FpVector, IntOperations, IntVector128b, IntVector256b,
    FusedInstructions, NonFusedBranches, BranchInstructions, OtherLightOps, NopInstructions, Shuffles256b,
    // Level 4 of Memory_Bound, where the model carries it.
    StoreFwdBlk, MemBandwidth, MemLatency,
    // Level 3: Lunar Lake's loop stream detector (Fetch_Bandwidth).
    Lsd,
    // Level 3: Lunar Lake's mispredict kinds (Branch_Mispredicts).
    CondNtMispredicts, CondTkBwdMispredicts, CondTkFwdMispredicts, IndCallMispredicts, IndJumpMispredicts,
    RetMispredicts,
    Count
};
constexpr unsigned kNumNodes = static_cast<unsigned>(Node::Count);
constexpr unsigned ni(Node n) { return static_cast<unsigned>(n); }

const char* node_name(Node n);  // toplev's names, e.g. "Frontend_Bound"
Node parent(Node n);            // the parent node; itself for Level 1
unsigned level(Node n);         // 1 to 4
bool is_level1(Node n);
std::vector<Node> children(Node n);
std::vector<Node> nodes_up_to(unsigned lvl);  // in tree (pre-)order

// Fractions of slots per node; NaN where a node was not computed.
using Breakdown = Eigen::Array<double, kNumNodes, 1>;

enum class Family : uint8_t { Skylake, IceLake, SapphireRapids, LunarLake };
enum class Method : uint8_t { PerfMetrics, GpEvents };
const char* family_name(Family f);
const char* method_name(Method m);

// The counts the formulas read. Names follow the Intel event names of each family
// (IdqNotDelivered is IDQ_UOPS_NOT_DELIVERED.CORE before Sapphire Rapids, IDQ_BUBBLES.CORE after).
enum class Ev : uint8_t {
    // Ordered so that required_events() lists each level's events in the order the perf agent
    // has always programmed them (which counter an event lands on is visible in waveforms).
    Clks, Slots, UopDropping, ClearsCount, IdqNotDelivered, UopsIssued, BackendBoundSlots, UopsRetiredSlots,
    RecoveryCycles, Instructions, FetchBubbleCycles, BrMispRetired, MachineClearsCount, StallsMemAny, BoundOnStores,
    StallsTotal, Ports1Util, Ports2Util, MacroFused, IdqMsUops, Dec0, Dec0C1, MiteUops, BrMispredictSlots,
    MemoryBoundSlots, UopsRetiredHeavy, UopsRetiredMs, BoundOnLoads, StallsL1dMiss, StallsL2Miss, StallsL3Miss,
    Branches,
    // Level 3 (after the others, so that Level 1-2 programming keeps its order).
    MemL2Hit, MemFbHit, MemL1Miss, FbFull, DividerActive, Scoreboard, C02, IcacheStalls, IcacheStallEdges,
    ItlbStalls, ClearResteerCycles, UnknownBranchCycles, Baclears, MsSwitches, LcpStalls, DsbSwitchPenalty,
    // Lunar Lake's MEMORY_STALLS.* (intel/perfmon LNL).
    MemStallsL1, MemStallsL2, MemStallsL3, MemStallsMem,
    // Fetch_Bandwidth's children.
    MiteCyclesAny, MiteCyclesOk, DsbCyclesAny, DsbCyclesOk, MsCyclesAny, MsRetiredCycles,
    // Machine_Clears' children.
    MachineClearsMemOrdering,
    // Ports_Utilization and its children.
    ExeBound0Ports, RsEmptyResource, Ports23Util, Ports3m,
    AmxBusy,
    MemInst, MemUop,
    // Light_Operations' other children.
    X87Uops, UopsExecuted, FpScalar, FpVector, FpScalarHalf, FpVectorHalf, InstMacroFused, BrFused, Nop,
    IntVecAdd128, IntVecVnni128, IntVecAdd256, IntVecMul256, IntVecVnni256, IntVecShuffles, IntVec128, IntVec256,
    // Memory_Bound's Level 4.
    StoreForward, DataRdCycles, DataRdBwCycles,
    // Lunar Lake's MITE, DSB and LSD.
    DsbUops, StarvationCycles, MitePartialCycles, DsbPartialCycles, LsdPartialCycles,
    // Lunar Lake's mispredict kinds: the precise *_COST counts, then each one's retire latency
    // (perf's :R, formulas' :retire_latency): a mean of PEBS samples, not a counter.
    CondNtCost, CondTkBwdCost, CondTkFwdCost, IndCallCost, IndirectCost, RetCost,
    CondNtCostR, CondTkBwdCostR, CondTkFwdCostR, IndCallCostR, IndirectCostR, RetCostR,
    Count
};
constexpr unsigned kNumEv = static_cast<unsigned>(Ev::Count);
constexpr unsigned ei(Ev e) { return static_cast<unsigned>(e); }
// The event's name on this family (perf/Intel spelling, e.g. "INT_MISC.UOP_DROPPING"; the fixed
// counters as "cycles", "slots", "instructions").
const char* event_name(Ev e, Family f);
// The name formulas use: as event_name(), but the fixed counters by their Intel names
// (CPU_CLK_UNHALTED.THREAD, TOPDOWN.SLOTS, INST_RETIRED.ANY).
const char* formula_event_name(Ev e, Family f);
// Whether the input is a retire latency (event_name "X:R", formula name "X:retire_latency"): perf
// reads it as the mean of the PEBS samples' retire-latency field (tools/perf/util/intel-tpebs.c),
// with no counter of its own.
bool is_retire_latency(Ev e);

struct Inputs {
    std::array<double, kNumEv> ev{};  // counts (scaled, if multiplexed)
    std::bitset<kNumEv> have;
    std::array<double, 8> pm{};       // PERF_METRICS fields as read
    unsigned pm_fields = 0;           // fields read: 0, 4 (Level 1) or 8 (Level 1 and 2)
    void set(Ev e, double v) { ev[ei(e)] = v; have.set(ei(e)); }
};

struct Model {
    Model() = default;
    Model(Family f, Method m, unsigned width, unsigned lvl, unsigned fields)
        : family(f), method(m), slots_per_cycle(width), level(lvl), pm_fields(fields) {}
    Family family = Family::SapphireRapids;
    Method method = Method::PerfMetrics;
    unsigned slots_per_cycle = 6;  // Pipeline_Width (SLOTS = W x CLKS on Skylake; W in the corrections)
    unsigned level = 2;            // 1..4
    unsigned pm_fields = 8;        // PERF_METRICS fields the CPU has (PerfMetrics method)
    std::vector<Node> nodes;       // a selection (with their ancestors); empty: every node up to `level`
    std::vector<std::string> metrics;  // Info metrics to compute (names of metric_table())
};

// Whether the family's formula table defines node n: a family's tree is the nodes it defines (MS
// is no Skylake node, AMX_Busy only Sapphire Rapids'; docs/tma.md).
bool family_defines(Family f, Node n);
// The nodes a model reports, in tree pre-order: those of its family's tree.
std::vector<Node> selected_nodes(const Model& m);

// The GP and fixed events the model needs (besides PERF_METRICS), in a stable order.
std::vector<Ev> required_events(const Model& m);
// Throws std::invalid_argument when the model is impossible (PERF_METRICS on Skylake, level out
// of range) or the reading cannot be evaluated (slots or the L1 field sum is 0, an event missing).
void check_model(const Model& m);
// The breakdown by the family's formula table (tma/tables_<family>.cpp). A division by zero inside a
// formula gives NaN, as perf computes it; a reading whose SLOTS is 0 throws (nothing to break down).
Breakdown compute(const Model& m, const Inputs& in);

struct Result {
    Breakdown nodes;
    std::vector<double> metrics;  // in Model::metrics order
};
// compute() plus the Info metrics. With `nodes_given`, formulas read those node values instead of
// computing them (the ground truth of an Info metric: its formula on exact counts and true nodes).
Result evaluate(const Model& m, const Inputs& in, const Breakdown* nodes_given = nullptr);

// One reading of the slots group on a Sapphire Rapids / Lunar Lake core: TOPDOWN.SLOTS, the eight
// PERF_METRICS bytes and INT_MISC.UOP_DROPPING (kept for the simple single-reading use).
struct PerfMetricsReading {
    uint64_t slots = 0;
    std::array<uint8_t, 8> fields{};  // retiring, bad spec, FE, BE, heavy, br misp, fetch lat, mem bound
    uint64_t uop_dropping = 0;
};
Breakdown breakdown_spr(const PerfMetricsReading& r);

// toplev thresholds (spr_server_ratios.py `thresh`), with the parent rule. NaN is not flagged.
std::array<bool, kNumNodes> flagged(const Breakdown& b);

// toplev's bottleneck: the highest flagged Level-1 node, then down into its flagged children
// unless the top two are within `sibling_threshold` (ambiguous: stop at the parent).
Node bottleneck(const Breakdown& b, double sibling_threshold = 0.05);

// Selection as `pmusim topdown --nodes` and `-M` take it (docs/tma.md "Selecting nodes and
// metrics"): node names, NAME* for a node and everything below it; metric groups or metric names.
// Unknown names throw std::invalid_argument listing what is valid. With a family, NAME* and the
// groups take the nodes of that family's tree, and a node outside it is an error.
std::vector<Node> parse_nodes(const std::string& spec);
std::vector<Node> parse_nodes(const std::string& spec, Family family);
void select_groups(Model& m, const std::string& groups);

}  // namespace pmusim::tma
