// TMA engine (no SystemC inside): turns counter readings into the Level-1/2 topdown breakdown the
// way Linux perf's metric JSON and pmu-tools' toplev compute it, with per-node thresholds and
// toplev's bottleneck walk. Sources: shared/reference/tma-and-peers.md sections 1.5 and 1.6
// (intel/perfmon sapphirerapids_metrics.json; pmu-tools spr_server_ratios.py, toplev.py find_bn).
//
// Status (issue #3, in progress): the PERF_METRICS form for cores with level-2 metrics
// (sapphirerapids, lunarlake) is implemented and tested; the Ice Lake correction terms, the
// Skylake GP-event form and Level 3 are not yet.
#pragma once
#include <Eigen/Core>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace pmusim::tma {

enum class Node : uint8_t {
    FrontendBound, FetchLatency, FetchBandwidth,
    BadSpeculation, BranchMispredicts, MachineClears,
    BackendBound, MemoryBound, CoreBound,
    Retiring, LightOperations, HeavyOperations,
    Count
};
constexpr unsigned kNumNodes = static_cast<unsigned>(Node::Count);
constexpr unsigned ni(Node n) { return static_cast<unsigned>(n); }

const char* node_name(Node n);
Node parent(Node n);          // the Level-1 parent of a Level-2 node; itself for Level 1
bool is_level1(Node n);

using Breakdown = Eigen::Array<double, kNumNodes, 1>;  // fractions of slots per node

// One reading of the slots group: TOPDOWN.SLOTS, the eight PERF_METRICS bytes and the
// auxiliary count the SPR formulas subtract (INT_MISC.UOP_DROPPING).
struct PerfMetricsReading {
    uint64_t slots = 0;
    std::array<uint8_t, 8> fields{};  // retiring, bad spec, FE, BE, heavy, br misp, fetch lat, mem bound
    uint64_t uop_dropping = 0;
};

// Sapphire Rapids / Lunar Lake PERF_METRICS formulas: every field normalised by the sum of the
// four L1 bytes (perf never assumes 0xFF), FE and Fetch_Latency minus UOP_DROPPING/SLOTS,
// Bad_Speculation as the clamped residual, siblings as max(0, parent - child).
// Throws std::invalid_argument when the reading cannot be evaluated (slots or the L1 sum is 0).
Breakdown breakdown_spr(const PerfMetricsReading& r);

// toplev thresholds (spr_server_ratios.py `thresh`), with the parent rule.
std::array<bool, kNumNodes> flagged(const Breakdown& b);

// toplev's bottleneck: the highest flagged Level-1 node, then down into its flagged children
// unless the top two are within `sibling_threshold` (ambiguous: stop at the parent).
Node bottleneck(const Breakdown& b, double sibling_threshold = 0.05);

}  // namespace pmusim::tma
