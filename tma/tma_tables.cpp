#include "tma/tma_tables.h"

#include <stdexcept>

namespace pmusim::tma {

// Thresholds and metric groups: intel/perfmon *_metrics.json (Threshold, MetricGroup), the same
// on SKX, ICX and SPR for these nodes; pmu-tools *_ratios.py `thresh` agree.
const std::vector<NodeRow>& node_table() {
    using N = Node;
    static const std::vector<NodeRow> t = {
        {N::FrontendBound, "Frontend_Bound", N::FrontendBound, 1, "Frontend_Bound > 0.15", "TmaL1;PGO",
         "slots where the front end delivered no uop though the back end could take one"},
        {N::FetchLatency, "Fetch_Latency", N::FrontendBound, 2, "Fetch_Latency > 0.10 & Frontend_Bound > 0.15",
         "Frontend;TmaL2", "front-end slots lost in cycles where no uop at all was delivered"},
        {N::FetchBandwidth, "Fetch_Bandwidth", N::FrontendBound, 2, "Fetch_Bandwidth > 0.20", "FetchBW;Frontend;TmaL2",
         "front-end slots lost in cycles that delivered some uops, but fewer than the width"},
        {N::BadSpeculation, "Bad_Speculation", N::BadSpeculation, 1, "Bad_Speculation > 0.15", "TmaL1",
         "slots spent on uops that never retire, and on recovering from the speculation"},
        {N::BranchMispredicts, "Branch_Mispredicts", N::BadSpeculation, 2,
         "Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BadSpec;BrMispredicts;TmaL2",
         "bad-speculation slots due to mispredicted branches"},
        {N::MachineClears, "Machine_Clears", N::BadSpeculation, 2, "Machine_Clears > 0.10 & Bad_Speculation > 0.15",
         "BadSpec;MachineClears;TmaL2", "bad-speculation slots due to machine clears (memory ordering, SMC, ...)"},
        {N::BackendBound, "Backend_Bound", N::BackendBound, 1, "Backend_Bound > 0.20", "TmaL1",
         "slots where no uop was issued because the back end had no room"},
        {N::MemoryBound, "Memory_Bound", N::BackendBound, 2, "Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "Backend;TmaL2", "back-end slots stalled on the memory subsystem"},
        {N::L1Bound, "L1_Bound", N::MemoryBound, 3, "L1_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "CacheHits;MemoryBound;TmaL3mem", "cycles stalled on loads that hit the L1 data cache (fraction of cycles)"},
        {N::L2Bound, "L2_Bound", N::MemoryBound, 3, "L2_Bound > 0.05 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "CacheHits;MemoryBound;TmaL3mem", "cycles stalled on L1 misses that hit the L2"},
        {N::L3Bound, "L3_Bound", N::MemoryBound, 3, "L3_Bound > 0.05 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "CacheHits;MemoryBound;TmaL3mem", "cycles stalled on L2 misses that hit the L3"},
        {N::DramBound, "DRAM_Bound", N::MemoryBound, 3, "DRAM_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "MemoryBound;TmaL3mem", "cycles stalled on L3 misses (perfmon names it L3_Miss_Bound on ICX and SPR)"},
        {N::StoreBound, "Store_Bound", N::MemoryBound, 3,
         "Store_Bound > 0.20 & Memory_Bound > 0.20 & Backend_Bound > 0.20", "MemoryBound;TmaL3mem",
         "cycles stalled because the store buffer was full"},
        {N::CoreBound, "Core_Bound", N::BackendBound, 2, "Core_Bound > 0.10 & Backend_Bound > 0.20",
         "Backend;TmaL2;Compute", "back-end slots stalled on execution resources, not memory"},
        {N::Retiring, "Retiring", N::Retiring, 1, "Retiring > 0.70 | Heavy_Operations > 0.10", "TmaL1",
         "slots that issued a uop which retired"},
        {N::LightOperations, "Light_Operations", N::Retiring, 2, "Light_Operations > 0.60", "Retire;TmaL2",
         "retiring slots of instructions that decode to one uop"},
        {N::HeavyOperations, "Heavy_Operations", N::Retiring, 2, "Heavy_Operations > 0.10", "Retire;TmaL2",
         "retiring slots of instructions that need two or more uops or the microcode sequencer"},
        {N::MicrocodeSequencer, "Microcode_Sequencer", N::HeavyOperations, 3,
         "Microcode_Sequencer > 0.05 & Heavy_Operations > 0.10", "MicroSeq",
         "retiring slots of uops from the microcode sequencer"},
        {N::FewUopsInstructions, "Few_Uops_Instructions", N::HeavyOperations, 3,
         "Few_Uops_Instructions > 0.05 & Heavy_Operations > 0.10", "",
         "retiring slots of instructions that decode to a few uops without the sequencer"},
    };
    return t;
}

const NodeRow& node_row(Node n) {
    static const auto index = [] {
        std::array<const NodeRow*, kNumNodes> a{};
        for (const NodeRow& r : node_table()) a[ni(r.node)] = &r;
        for (const NodeRow* p : a)
            if (!p) throw std::logic_error("node_table(): a Node has no row");
        return a;
    }();
    return *index[ni(n)];
}

// Info metrics whose events the model has (perfmon Info_<area>_<name>). The others need events
// pmusim does not model (docs/tma.md "Info metrics").
const std::vector<MetricRow>& metric_table() {
    static const std::vector<MetricRow> t = {
        {"CLKS", "Thread", "", "Pipeline", "unhalted core cycles"},
        {"SLOTS", "Thread", "", "TmaL1", "issue slots: pipeline width x unhalted cycles"},
        {"IPC", "Thread", "", "Ret;Summary", "instructions retired per unhalted cycle"},
        {"CPI", "Thread", "", "Pipeline;Mem", "unhalted cycles per instruction retired"},
        {"UopPI", "Thread", "UopPI > 1.05", "Pipeline;Ret;Retire", "uops (retiring slots) per instruction"},
        {"CoreIPC", "Core", "", "Ret;SMT;TmaL1", "instructions per core cycle (one thread per core in pmusim)"},
        {"Instructions", "Inst_Mix", "", "Summary;TmaL1", "instructions retired"},
        {"IpBranch", "Inst_Mix", "IpBranch < 8", "Branches;Fed;InsType", "instructions per retired branch"},
        {"IpMispredict", "Bad_Spec", "IpMispredict < 200", "Bad;BadSpec;BrMispredicts",
         "instructions per mispredicted branch"},
        {"Spec_Clears_Ratio", "Bad_Spec", "", "BrMispredicts",
         "pipeline clears per mispredict or machine clear (INT_MISC.CLEARS_COUNT over both)"},
    };
    return t;
}

const char* form_name(Form f) {
    switch (f) {
        case Form::Any: return "any";
        case Form::PerfMetrics: return "PERF_METRICS";
        case Form::PerfMetricsL2: return "PERF_METRICS L2";
        case Form::GpEvents: return "GP events";
    }
    return "?";
}

const char* pm_field_name(unsigned k) {
    static const char* n[8] = {"PERF_METRICS.RETIRING",        "PERF_METRICS.BAD_SPECULATION",
                               "PERF_METRICS.FRONTEND_BOUND",  "PERF_METRICS.BACKEND_BOUND",
                               "PERF_METRICS.HEAVY_OPERATIONS", "PERF_METRICS.BRANCH_MISPREDICTS",
                               "PERF_METRICS.FETCH_LATENCY",   "PERF_METRICS.MEMORY_BOUND"};
    return k < 8 ? n[k] : "?";
}

namespace {
constexpr Form A = Form::Any, PM = Form::PerfMetrics, PM2 = Form::PerfMetricsL2, GP = Form::GpEvents;

// Shared wording of the departures (docs/tma.md explains them).
constexpr const char* kL2Weight =
    "perfmon weights the stall difference by the L2-hit share of L1 misses (MEM_LOAD_RETIRED.L2_HIT, "
    ".FB_HIT, .L1_MISS, L1D_PEND_MISS.FB_FULL), events pmusim does not model: the whole difference";
constexpr const char* kDramWeight = "perfmon's form with its weighted L2 term replaced by L2_Bound (above)";
constexpr const char* kSmtOff = "SMT off: pmusim models one thread per core";
constexpr const char* kSlotsW = "4 x CLKS in perfmon; W is the preset's width (4 on skylake)";

// A family's rows followed by the Info metrics every family writes alike (source: its perfmon file).
std::vector<FormulaRow> with_info(const char* src, std::vector<FormulaRow> rows) {
    rows.insert(rows.end(), {
        {"IPC", A, "INST_RETIRED.ANY / CLKS", src, ""},
        {"CPI", A, "1 / IPC", src, ""},
        {"CoreIPC", A, "INST_RETIRED.ANY / CLKS", src, kSmtOff},
        {"Instructions", A, "INST_RETIRED.ANY", src, ""},
        {"IpBranch", A, "INST_RETIRED.ANY / BR_INST_RETIRED.ALL_BRANCHES", src, ""},
        {"IpMispredict", A, "INST_RETIRED.ANY / BR_MISP_RETIRED.ALL_BRANCHES", src, ""},
    });
    return rows;
}
}  // namespace

// Skylake server: intel/perfmon SKX/metrics/skylakex_metrics.json (no SMT, so CORE_CLKS = CLKS).
static const FamilyTable kSkylake = {Family::Skylake, "Skylake (GP events)", with_info("PERFMON SKX", {
    {"CLKS", A, "CPU_CLK_UNHALTED.THREAD", "PERFMON SKX", ""},
    {"SLOTS", A, "W * CLKS", "PERFMON SKX", kSlotsW},
    {"Frontend_Bound", A, "IDQ_UOPS_NOT_DELIVERED.CORE / SLOTS", "PERFMON SKX", ""},
    {"Bad_Speculation", A, "(UOPS_ISSUED.ANY - UOPS_RETIRED.RETIRE_SLOTS + W * INT_MISC.RECOVERY_CYCLES) / SLOTS", "PERFMON SKX", ""},
    {"Backend_Bound", A, "1 - Frontend_Bound - (UOPS_ISSUED.ANY + W * INT_MISC.RECOVERY_CYCLES) / SLOTS", "PERFMON SKX", ""},
    {"Retiring", A, "UOPS_RETIRED.RETIRE_SLOTS / SLOTS", "PERFMON SKX", ""},
    {"Fetch_Latency", A, "W * IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE / SLOTS", "PERFMON SKX", ""},
    {"Fetch_Bandwidth", A, "Frontend_Bound - Fetch_Latency", "PERFMON SKX", ""},
    {"Branch_Mispredicts", A, "BR_MISP_RETIRED.ALL_BRANCHES / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT) * Bad_Speculation", "PERFMON SKX", ""},
    {"Machine_Clears", A, "Bad_Speculation - Branch_Mispredicts", "PERFMON SKX", ""},
    {"Backend_Bound_Cycles", A, "CYCLE_ACTIVITY.STALLS_TOTAL + EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_PORTS_UTIL + EXE_ACTIVITY.BOUND_ON_STORES", "PERFMON SKX", ""},
    {"Memory_Bound", A, "(CYCLE_ACTIVITY.STALLS_MEM_ANY + EXE_ACTIVITY.BOUND_ON_STORES) / Backend_Bound_Cycles * Backend_Bound", "PERFMON SKX", ""},
    {"Core_Bound", A, "Backend_Bound - Memory_Bound", "PERFMON SKX", ""},
    {"Heavy_Operations", A, "(UOPS_RETIRED.RETIRE_SLOTS + UOPS_RETIRED.MACRO_FUSED - INST_RETIRED.ANY) / SLOTS", "PERFMON SKX", ""},
    {"Light_Operations", A, "Retiring - Heavy_Operations", "PERFMON SKX", ""},
    {"L1_Bound", A, "max((CYCLE_ACTIVITY.STALLS_MEM_ANY - CYCLE_ACTIVITY.STALLS_L1D_MISS) / CLKS, 0)", "PERFMON SKX", ""},
    {"L2_Bound", A, "(CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS", "PERFMON SKX", kL2Weight},
    {"L3_Bound", A, "(CYCLE_ACTIVITY.STALLS_L2_MISS - CYCLE_ACTIVITY.STALLS_L3_MISS) / CLKS", "PERFMON SKX", ""},
    {"DRAM_Bound", A, "CYCLE_ACTIVITY.STALLS_L3_MISS / CLKS + (CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS - L2_Bound", "PERFMON SKX", kDramWeight},
    {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", "PERFMON SKX", ""},
    {"Retire_Fraction", A, "UOPS_RETIRED.RETIRE_SLOTS / UOPS_ISSUED.ANY", "RATIOS skl", ""},
    {"Microcode_Sequencer", A, "Retire_Fraction * IDQ.MS_UOPS / SLOTS", "PERFMON SKX", ""},
    {"Few_Uops_Instructions", A, "Heavy_Operations - Microcode_Sequencer", "PERFMON SKX", ""},
    {"UopPI", A, "UOPS_RETIRED.RETIRE_SLOTS / INST_RETIRED.ANY", "PERFMON SKX", ""},
})};

// Ice Lake server: intel/perfmon ICX/metrics/icelakex_metrics.json (PERF_METRICS forms); the
// GP-event forms of Level 1 are toplev's fallback (pmu-tools icl_client_ratios.py).
static const FamilyTable kIceLake = {Family::IceLake, "Ice Lake", with_info("PERFMON ICX", {
    {"CLKS", A, "CPU_CLK_UNHALTED.THREAD", "PERFMON ICX", ""},
    {"SLOTS", A, "TOPDOWN.SLOTS", "PERFMON ICX", ""},
    {"PM_SUM", PM, "PERF_METRICS.FRONTEND_BOUND + PERF_METRICS.BAD_SPECULATION + PERF_METRICS.RETIRING + PERF_METRICS.BACKEND_BOUND", "PERFMON ICX", ""},
    {"Frontend_Bound", PM, "PERF_METRICS.FRONTEND_BOUND / PM_SUM - INT_MISC.UOP_DROPPING / SLOTS", "PERFMON ICX", ""},
    {"Frontend_Bound", GP, "(IDQ_UOPS_NOT_DELIVERED.CORE - INT_MISC.UOP_DROPPING) / SLOTS", "RATIOS icl", ""},
    {"Backend_Bound", PM, "PERF_METRICS.BACKEND_BOUND / PM_SUM + W * INT_MISC.CLEARS_COUNT / SLOTS", "PERFMON ICX", ""},
    {"Backend_Bound", GP, "(TOPDOWN.BACKEND_BOUND_SLOTS + W * INT_MISC.CLEARS_COUNT) / SLOTS", "RATIOS icl", ""},
    {"Retiring", PM, "PERF_METRICS.RETIRING / PM_SUM", "PERFMON ICX", ""},
    {"Retiring", GP, "UOPS_RETIRED.SLOTS / SLOTS", "RATIOS icl", ""},
    {"Bad_Speculation", A, "max(1 - (Frontend_Bound + Backend_Bound + Retiring), 0)", "PERFMON ICX", ""},
    {"Fetch_Latency", A, "(W * IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE - INT_MISC.UOP_DROPPING) / SLOTS", "PERFMON ICX", ""},
    {"Fetch_Bandwidth", A, "max(0, Frontend_Bound - Fetch_Latency)", "PERFMON ICX", ""},
    {"Branch_Mispredicts", A, "BR_MISP_RETIRED.ALL_BRANCHES / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT) * Bad_Speculation", "PERFMON ICX", ""},
    {"Machine_Clears", A, "max(0, Bad_Speculation - Branch_Mispredicts)", "PERFMON ICX", ""},
    {"Backend_Bound_Cycles", A, "CYCLE_ACTIVITY.STALLS_TOTAL + EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_PORTS_UTIL + EXE_ACTIVITY.BOUND_ON_STORES", "PERFMON ICX", ""},
    {"Memory_Bound", A, "(CYCLE_ACTIVITY.STALLS_MEM_ANY + EXE_ACTIVITY.BOUND_ON_STORES) / Backend_Bound_Cycles * Backend_Bound", "PERFMON ICX", ""},
    {"Core_Bound", A, "max(0, Backend_Bound - Memory_Bound)", "PERFMON ICX", ""},
    {"Retire_Fraction", A, "UOPS_RETIRED.SLOTS / UOPS_ISSUED.ANY", "RATIOS icl", ""},
    {"Microcode_Sequencer", A, "Retire_Fraction * IDQ.MS_UOPS / SLOTS", "PERFMON ICX", ""},
    {"Heavy_Operations", A, "Microcode_Sequencer + Retiring * (UOPS_DECODED.DEC0 - UOPS_DECODED.DEC0:c1) / IDQ.MITE_UOPS", "PERFMON ICX", ""},
    {"Light_Operations", A, "max(0, Retiring - Heavy_Operations)", "PERFMON ICX", ""},
    {"L1_Bound", A, "max((CYCLE_ACTIVITY.STALLS_MEM_ANY - CYCLE_ACTIVITY.STALLS_L1D_MISS) / CLKS, 0)", "PERFMON ICX", ""},
    {"L2_Bound", A, "(CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS", "PERFMON ICX", kL2Weight},
    {"L3_Bound", A, "(CYCLE_ACTIVITY.STALLS_L2_MISS - CYCLE_ACTIVITY.STALLS_L3_MISS) / CLKS", "PERFMON ICX", ""},
    {"DRAM_Bound", A, "CYCLE_ACTIVITY.STALLS_L3_MISS / CLKS + (CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS - L2_Bound", "PERFMON ICX", kDramWeight},
    {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", "PERFMON ICX", ""},
    {"Few_Uops_Instructions", A, "Heavy_Operations - Microcode_Sequencer", "PERFMON ICX", ""},
    {"UopPI", A, "Retiring * SLOTS / INST_RETIRED.ANY", "PERFMON ICX", ""},
    {"Spec_Clears_Ratio", A, "INT_MISC.CLEARS_COUNT / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)", "PERFMON ICX", ""},
})};

// Sapphire Rapids: intel/perfmon SPR/metrics/sapphirerapids_metrics.json (PERF_METRICS forms);
// the GP-event forms are toplev's fallback (pmu-tools spr_server_ratios.py).
static const FamilyTable kSapphireRapids = {Family::SapphireRapids, "Sapphire Rapids", with_info("PERFMON SPR", {
    {"CLKS", A, "CPU_CLK_UNHALTED.THREAD", "PERFMON SPR", ""},
    {"SLOTS", A, "TOPDOWN.SLOTS", "PERFMON SPR", ""},
    {"PM_SUM", PM, "PERF_METRICS.FRONTEND_BOUND + PERF_METRICS.BAD_SPECULATION + PERF_METRICS.RETIRING + PERF_METRICS.BACKEND_BOUND", "PERFMON SPR", ""},
    {"Frontend_Bound", PM, "PERF_METRICS.FRONTEND_BOUND / PM_SUM - INT_MISC.UOP_DROPPING / SLOTS", "PERFMON SPR", ""},
    {"Frontend_Bound", GP, "(IDQ_BUBBLES.CORE - INT_MISC.UOP_DROPPING) / SLOTS", "RATIOS spr", ""},
    {"Backend_Bound", PM, "PERF_METRICS.BACKEND_BOUND / PM_SUM", "PERFMON SPR", ""},
    {"Backend_Bound", GP, "TOPDOWN.BACKEND_BOUND_SLOTS / SLOTS", "RATIOS spr", ""},
    {"Retiring", PM, "PERF_METRICS.RETIRING / PM_SUM", "PERFMON SPR", ""},
    {"Retiring", GP, "UOPS_RETIRED.SLOTS / SLOTS", "RATIOS spr", ""},
    {"Bad_Speculation", A, "max(1 - (Frontend_Bound + Backend_Bound + Retiring), 0)", "PERFMON SPR", ""},
    {"Fetch_Latency", PM2, "PERF_METRICS.FETCH_LATENCY / PM_SUM - INT_MISC.UOP_DROPPING / SLOTS", "PERFMON SPR", ""},
    {"Fetch_Latency", GP, "(W * IDQ_BUBBLES.CYCLES_0_UOPS_DELIV.CORE - INT_MISC.UOP_DROPPING) / SLOTS", "RATIOS spr", ""},
    {"Fetch_Bandwidth", A, "max(0, Frontend_Bound - Fetch_Latency)", "PERFMON SPR", ""},
    {"Branch_Mispredicts", PM2, "PERF_METRICS.BRANCH_MISPREDICTS / PM_SUM", "PERFMON SPR", ""},
    {"Branch_Mispredicts", GP, "TOPDOWN.BR_MISPREDICT_SLOTS / SLOTS", "RATIOS spr", ""},
    {"Machine_Clears", A, "max(0, Bad_Speculation - Branch_Mispredicts)", "PERFMON SPR", ""},
    {"Memory_Bound", PM2, "PERF_METRICS.MEMORY_BOUND / PM_SUM", "PERFMON SPR", ""},
    {"Memory_Bound", GP, "TOPDOWN.MEMORY_BOUND_SLOTS / SLOTS", "RATIOS spr", ""},
    {"Core_Bound", A, "max(0, Backend_Bound - Memory_Bound)", "PERFMON SPR", ""},
    {"Heavy_Operations", PM2, "PERF_METRICS.HEAVY_OPERATIONS / PM_SUM", "PERFMON SPR", ""},
    {"Heavy_Operations", GP, "UOPS_RETIRED.HEAVY / SLOTS", "RATIOS spr", ""},
    {"Light_Operations", A, "max(0, Retiring - Heavy_Operations)", "PERFMON SPR", ""},
    {"L1_Bound", A, "max((EXE_ACTIVITY.BOUND_ON_LOADS - MEMORY_ACTIVITY.STALLS_L1D_MISS) / CLKS, 0)", "PERFMON SPR", ""},
    {"L2_Bound", A, "(MEMORY_ACTIVITY.STALLS_L1D_MISS - MEMORY_ACTIVITY.STALLS_L2_MISS) / CLKS", "PERFMON SPR", ""},
    {"L3_Bound", A, "(MEMORY_ACTIVITY.STALLS_L2_MISS - MEMORY_ACTIVITY.STALLS_L3_MISS) / CLKS", "PERFMON SPR", ""},
    {"DRAM_Bound", A, "MEMORY_ACTIVITY.STALLS_L3_MISS / CLKS", "PERFMON SPR", ""},
    {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", "PERFMON SPR", ""},
    {"Microcode_Sequencer", A, "UOPS_RETIRED.MS / SLOTS", "PERFMON SPR", ""},
    {"Few_Uops_Instructions", A, "max(0, Heavy_Operations - Microcode_Sequencer)", "PERFMON SPR", ""},
    {"UopPI", A, "Retiring * SLOTS / INST_RETIRED.ANY", "PERFMON SPR", ""},
    {"Spec_Clears_Ratio", A, "INT_MISC.CLEARS_COUNT / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)", "PERFMON SPR", ""},
})};

const FamilyTable& family_table(Family f) {
    switch (f) {
        case Family::Skylake: return kSkylake;
        case Family::IceLake: return kIceLake;
        case Family::SapphireRapids: return kSapphireRapids;
        case Family::LunarLake: return lunarlake_family_table();
    }
    throw std::invalid_argument("family_table: unknown family");
}

}  // namespace pmusim::tma
