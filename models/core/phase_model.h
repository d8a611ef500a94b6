// A phase's behaviour as the user describes it (slot mix over the eight TMA leaves, rates, shares)
// and its derivation into per-cycle rates of every base event, for one CPU. The derivation makes
// the auxiliary events consistent with the mix, so that each family's TMA formulas recover the mix
// exactly up to counter rounding; where the hardware mis-attributes slots (uop dropping on Ice
// Lake and later, clears on Ice Lake) the Hw* events carry the bias and the aux events carry the
// correction. Every rule is listed in docs/workloads.md.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/core/events.h"

namespace pmusim {

struct CpuConfig;
struct Phase;

constexpr unsigned kNumLeaves = 8;
// Leaf names in slot-mix order (SlotsLightOps .. SlotsCoreBound).
extern const std::array<const char*, kNumLeaves> kLeafNames;

struct PhaseParams {
    // Retired-event rates per unhalted cycle.
    double instructions = 1.5;
    double branches = 0.25;
    double branch_misses = 0.005;
    double llc_references = 0.02;
    double llc_misses = 0.004;
    double ref_cycles = 1.0;  // reference cycles per unhalted core cycle
    // Fractions of slots per TMA leaf: light ops, heavy ops, branch mispredicts, machine clears,
    // fetch latency, fetch bandwidth, memory bound, core bound. Normalised to sum 1.
    std::array<double, kNumLeaves> slot_mix{0.35, 0.05, 0.05, 0.01, 0.12, 0.08, 0.22, 0.12};
    double kernel_share = 0.0;
    double halted_share = 0.0;
    uint64_t period = 1000;  // cycles of one halted/kernel/user pattern
    // Auxiliary-event shape (docs/workloads.md "Derived events").
    double uop_dropping = 0.5;     // share of machine-clear slots the front end reports as bubbles (ICL+)
    double recovery_share = 0.4;   // share of bad-speculation slots lost as recovery cycles
    // Level 3 of Bad Speculation: the share of mispredict clears on branches that never retire
    // (INT_MISC.CLEARS_COUNT counts them, BR_MISP_RETIRED does not), and of machine clears caused
    // by memory ordering.
    double other_mispredicts = 0.0;
    double memory_ordering_share = 0.5;
    double ms_share = 0.5;         // share of heavy-op slots delivered by the microcode sequencer
    double store_share = 0.15;     // share of memory-bound slots that are store-bound
    std::array<double, 4> mem_levels{0.3, 0.15, 0.15, 0.4};  // load stalls served by L1, L2, L3, DRAM
    // Level 3 (docs/workloads.md "Level-3 events").
    double fb_full_share = 0.25;     // share of DRAM load stalls seen with no L2 miss pending yet (SKL/ICL)
    double divider_share = 0.2;      // share of core-bound cycles with the divider busy
    double serializing_share = 0.1;  // share of core-bound cycles stalled on serializing operations
    double amx_share = 0.0;          // share of core-bound cycles with the AMX engine busy (SPR)
    double mem_ops_share = 0.0;      // share of retired uops (and instructions) that access memory
    // Light_Operations' other children: shares of the retired uops by kind (docs/workloads.md
    // "Level-3 events"; default 0: nothing moves), x87 as a share of the executed uops.
    double x87_share = 0.0;       // x87 uops among the executed ones
    double fp_scalar = 0.0;       // scalar FP arithmetic
    double fp_vector = 0.0;       // packed FP arithmetic
    double fp16_share = 0.0;      // of the FP arithmetic, half precision (SPR's FP_ARITH_INST_RETIRED2)
    double int_vec_128 = 0.0;     // 128-bit integer vector ADD/SUB/SAD/VNNI (SPR, LNL)
    double int_vec_256 = 0.0;     // 256-bit integer vector ADD/SUB/SAD/MUL/VNNI (SPR, LNL)
    double shuffles_256 = 0.0;    // 256-bit shuffles (SPR, LNL)
    double fused_share = 0.0;     // macro-fused uops (ICL+; SKL's count is instructions - light slots)
    double nop_share = 0.0;       // NOP instructions
    // Memory_Bound's Level 4 (default 0: nothing moves).
    double store_fwd_share = 0.0;  // share of L1-bound load-stall cycles blocked on store forwarding
    double mem_bw_share = 0.0;     // share of DRAM-bound cycles limited by bandwidth, not latency
    // Fetch-latency cycles by cause (kFetchCauseNames); the rest has no Level-3 node in the model.
    std::array<double, 6> fetch_causes{0.3, 0.1, 0.3, 0.1, 0.05, 0.15};
    // Fetch-bandwidth cycles by the uop supplier that limited them: legacy decoders (MITE), the
    // decoded-uop cache (DSB), the microcode sequencer (MS), the loop stream detector (LSD, a
    // Lunar Lake node; default 0); the rest has no Level-3 node here.
    std::array<double, 4> fb_causes{0.4, 0.4, 0.1, 0.0};
    // Lunar Lake's mispredict kinds (kMispKindNames): each kind's share of the retired mispredicts
    // (at most 1 in all; default 0: none counted), and its cost (kMispCostNames), the mean retire
    // latency in cycles of one such mispredict; 0: the phase's mean cost, its mispredict cycles
    // (Branch_Mispredicts slots / W) per retired mispredict.
    std::array<double, 6> misp_kinds{};
    std::array<double, 6> misp_costs{};
};
// Names of PhaseParams::fetch_causes and fb_causes as phase parameters.
extern const std::array<const char*, 6> kFetchCauseNames;
extern const std::array<const char*, 4> kFbCauseNames;
extern const std::array<const char*, 6> kMispKindNames, kMispCostNames;

// Throws std::invalid_argument whose message starts with the offending field.
void validate(const PhaseParams& p);  // instructions is reported as "instructions" (ipc in files)

// Per-cycle rates (numerators over kRateDen) of every base event for `cpu`.
void derive_rates(const PhaseParams& p, const CpuConfig& cpu, Phase& out);

// The Level-3 front-end and core-bound events (models/core/level3_events.cpp), from the fetch-latency
// and core-bound slot rates FL and K, and the retired share of issued uops.
void derive_level3(const PhaseParams& p, const CpuConfig& cpu, uint64_t FL, uint64_t K, double retire_fraction,
                   Phase& out);
// Core-bound cycles: this share are stalls with no port busy (CYCLE_ACTIVITY.STALLS_TOTAL), 0.3
// of them one port busy, 0.2 two (derive_backend, docs/workloads.md).
constexpr double kCoreStallShare = 0.5;
// Ports_Utilization's events (models/core/level3_events.cpp), from the core-bound slot rate K and
// the retiring share of slots; after derive_level3 (they read the divider and scoreboard rates).
void derive_ports(const PhaseParams& p, const CpuConfig& cpu, uint64_t K, double retiring_share, Phase& out);
// Lunar Lake's mispredict kinds' counts and retire-latency sums (models/core/level3_events.cpp),
// from the mispredict slot rate B.
void derive_mispredict_kinds(const PhaseParams& p, const CpuConfig& cpu, uint64_t B, Phase& out);
// Fetch_Bandwidth's children's events (models/core/level3_events.cpp), from the fetch-bandwidth
// slot rate FB and the uop-supply events already in `out`.
void derive_fetch_bandwidth(const PhaseParams& p, const CpuConfig& cpu, uint64_t FB, double retire_fraction,
                            Phase& out);

// Memory_Bound's Level-4 events (models/core/level3_events.cpp), from the load-stall events
// derive_backend put in `out`.
void derive_memory_level4(const PhaseParams& p, Phase& out);
// Light_Operations' children's events (models/core/light_ops_events.cpp), from the retired-uop
// rate and the issued and macro-fused uops already in `out`.
void derive_light_ops(const PhaseParams& p, const CpuConfig& cpu, uint64_t retired, Phase& out);

// Named access for the CLI ("steady:k=v"), Python and workload files.
const std::vector<std::string>& phase_param_names();
bool is_phase_param(const std::string& name);
// Index of a slot-mix leaf by name (kLeafNames), or -1.
int leaf_index(const std::string& name);
// Sets a scalar parameter; slot-mix leaves by name; mem levels as mem_l1 .. mem_dram. Throws
// std::invalid_argument naming an unknown parameter or a value of the wrong kind.
void set_phase_param(PhaseParams& p, const std::string& name, double value);
double get_phase_param(const PhaseParams& p, const std::string& name);

}  // namespace pmusim
