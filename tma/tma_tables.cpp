#include "tma/tma_tables.h"
#include "tma/family_tables.h"

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
        {N::ICacheMisses, "ICache_Misses", N::FetchLatency, 3, "ICache_Misses > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "BigFootprint;FetchLat;IcMiss",
         "cycles the front end stalled on instruction-cache misses (fraction of cycles)"},
        {N::ItlbMisses, "ITLB_Misses", N::FetchLatency, 3, "ITLB_Misses > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "BigFootprint;FetchLat;MemoryTLB",
         "cycles the front end stalled on instruction-TLB misses"},
        {N::BranchResteers, "Branch_Resteers", N::FetchLatency, 3, "Branch_Resteers > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "FetchLat",
         "cycles the front end spent re-steering after a clear or an unknown branch"},
        {N::MispredictsResteers, "Mispredicts_Resteers", N::BranchResteers, 4, "Mispredicts_Resteers > 0.05 & Branch_Resteers > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "BadSpec;BrMispredicts",
         "re-steer cycles after mispredicted branches (fraction of cycles)"},
        {N::ClearsResteers, "Clears_Resteers", N::BranchResteers, 4, "Clears_Resteers > 0.05 & Branch_Resteers > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "BadSpec;MachineClears",
         "re-steer cycles after machine clears"},
        {N::UnknownBranches, "Unknown_Branches", N::BranchResteers, 4, "Unknown_Branches > 0.05 & Branch_Resteers > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "BigFootprint;FetchLat",
         "re-steer cycles for branches the branch predictor did not know (BACLEARS)"},
        {N::MsSwitches, "MS_Switches", N::FetchLatency, 3, "MS_Switches > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "FetchLat;MicroSeq",
         "cycles lost switching the uop supply to the microcode sequencer"},
        {N::Lcp, "LCP", N::FetchLatency, 3, "LCP > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "FetchLat",
         "cycles the decoders stalled on length-changing prefixes"},
        {N::DsbSwitches, "DSB_Switches", N::FetchLatency, 3, "DSB_Switches > 0.05 & Fetch_Latency > 0.10 & Frontend_Bound > 0.15", "DSBmiss;FetchLat",
         "cycles lost switching from the decoded-uop cache (DSB) to the legacy decoders (MITE)"},
        {N::FetchBandwidth, "Fetch_Bandwidth", N::FrontendBound, 2, "Fetch_Bandwidth > 0.20", "FetchBW;Frontend;TmaL2",
         "front-end slots lost in cycles that delivered some uops, but fewer than the width"},
        {N::Mite, "MITE", N::FetchBandwidth, 3, "MITE > 0.10 & Fetch_Bandwidth > 0.20", "DSBmiss;FetchBW",
         "cycles the legacy decoders (MITE) limited the uop supply (fraction of cycles)"},
        {N::Dsb, "DSB", N::FetchBandwidth, 3, "DSB > 0.15 & Fetch_Bandwidth > 0.20", "DSB;FetchBW",
         "cycles the decoded-uop cache (DSB) pipeline limited the uop supply"},
        {N::Lsd, "LSD", N::FetchBandwidth, 3, "LSD > 0.15 & Fetch_Bandwidth > 0.20", "FetchBW;LSD",
         "cycles the loop stream detector limited the uop supply (Lunar Lake)"},
        {N::Ms, "MS", N::FetchBandwidth, 3, "MS > 0.05 & Fetch_Bandwidth > 0.20", "MicroSeq",
         "cycles the microcode sequencer limited the uop supply (Ice Lake and later)"},
        {N::BadSpeculation, "Bad_Speculation", N::BadSpeculation, 1, "Bad_Speculation > 0.15", "TmaL1",
         "slots spent on uops that never retire, and on recovering from the speculation"},
        {N::BranchMispredicts, "Branch_Mispredicts", N::BadSpeculation, 2,
         "Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BadSpec;BrMispredicts;TmaL2",
         "bad-speculation slots due to mispredicted branches"},
        {N::CondNtMispredicts, "Cond_NT_Mispredicts", N::BranchMispredicts, 3,
         "Cond_NT_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BrMispredicts",
         "cycles lost to retired mispredicted not-taken conditional branches (Lunar Lake; fraction of cycles)"},
        {N::CondTkBwdMispredicts, "Cond_TK_Bwd_Mispredicts", N::BranchMispredicts, 3,
         "Cond_TK_Bwd_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BrMispredicts",
         "cycles lost to mispredicted backward-taken conditional branches (Lunar Lake)"},
        {N::CondTkFwdMispredicts, "Cond_TK_Fwd_Mispredicts", N::BranchMispredicts, 3,
         "Cond_TK_Fwd_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BrMispredicts",
         "cycles lost to mispredicted forward-taken conditional branches (Lunar Lake)"},
        {N::IndCallMispredicts, "Ind_Call_Mispredicts", N::BranchMispredicts, 3,
         "Ind_Call_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BrMispredicts",
         "cycles lost to retired mispredicted indirect calls (Lunar Lake)"},
        {N::IndJumpMispredicts, "Ind_Jump_Mispredicts", N::BranchMispredicts, 3,
         "Ind_Jump_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BrMispredicts",
         "cycles lost to retired mispredicted indirect jumps (Lunar Lake)"},
        {N::RetMispredicts, "Ret_Mispredicts", N::BranchMispredicts, 3,
         "Ret_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BrMispredicts",
         "cycles lost to retired mispredicted returns (Lunar Lake)"},
        {N::OtherMispredicts, "Other_Mispredicts", N::BranchMispredicts, 3,
         "Other_Mispredicts > 0.05 & Branch_Mispredicts > 0.10 & Bad_Speculation > 0.15", "BvIO;BrMispredicts",
         "mispredict slots of branches that never retire (or of other kinds of misprediction)"},
        {N::MachineClears, "Machine_Clears", N::BadSpeculation, 2, "Machine_Clears > 0.10 & Bad_Speculation > 0.15",
         "BadSpec;MachineClears;TmaL2", "bad-speculation slots due to machine clears (memory ordering, SMC, ...)"},
        {N::OtherNukes, "Other_Nukes", N::MachineClears, 3,
         "Other_Nukes > 0.05 & Machine_Clears > 0.10 & Bad_Speculation > 0.15", "BvIO;Machine_Clears",
         "machine-clear slots of clears not caused by memory ordering"},
        {N::BackendBound, "Backend_Bound", N::BackendBound, 1, "Backend_Bound > 0.20", "TmaL1",
         "slots where no uop was issued because the back end had no room"},
        {N::MemoryBound, "Memory_Bound", N::BackendBound, 2, "Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "Backend;TmaL2", "back-end slots stalled on the memory subsystem"},
        {N::L1Bound, "L1_Bound", N::MemoryBound, 3, "L1_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "CacheHits;MemoryBound;TmaL3mem", "cycles stalled on loads that hit the L1 data cache (fraction of cycles)"},
        {N::StoreFwdBlk, "Store_Fwd_Blk", N::L1Bound, 4,
         "Store_Fwd_Blk > 0.10 & L1_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20", "",
         "cycles loads were blocked on forwarding from an earlier store (13 cycles each, perfmon)"},
        {N::L2Bound, "L2_Bound", N::MemoryBound, 3, "L2_Bound > 0.05 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "CacheHits;MemoryBound;TmaL3mem", "cycles stalled on L1 misses that hit the L2"},
        {N::L3Bound, "L3_Bound", N::MemoryBound, 3, "L3_Bound > 0.05 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "CacheHits;MemoryBound;TmaL3mem", "cycles stalled on L2 misses that hit the L3"},
        {N::DramBound, "DRAM_Bound", N::MemoryBound, 3, "DRAM_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20",
         "MemoryBound;TmaL3mem", "cycles stalled on L3 misses (perfmon names it L3_Miss_Bound on ICX and SPR)"},
        {N::MemBandwidth, "MEM_Bandwidth", N::DramBound, 4,
         "MEM_Bandwidth > 0.20 & DRAM_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20", "BvMB;MemoryBW;Offcore",
         "cycles with enough demand reads outstanding to be limited by memory bandwidth"},
        {N::MemLatency, "MEM_Latency", N::DramBound, 4,
         "MEM_Latency > 0.10 & DRAM_Bound > 0.10 & Memory_Bound > 0.20 & Backend_Bound > 0.20", "BvML;MemoryLat;Offcore",
         "cycles with demand reads outstanding, fewer than the bandwidth-bound number: latency-bound"},
        {N::StoreBound, "Store_Bound", N::MemoryBound, 3,
         "Store_Bound > 0.20 & Memory_Bound > 0.20 & Backend_Bound > 0.20", "MemoryBound;TmaL3mem",
         "cycles stalled because the store buffer was full"},
        {N::CoreBound, "Core_Bound", N::BackendBound, 2, "Core_Bound > 0.10 & Backend_Bound > 0.20",
         "Backend;TmaL2;Compute", "back-end slots stalled on execution resources, not memory"},
        {N::Divider, "Divider", N::CoreBound, 3, "Divider > 0.20 & Core_Bound > 0.10 & Backend_Bound > 0.20", "",
         "cycles the divider unit was busy (fraction of cycles)"},
        {N::SerializingOperation, "Serializing_Operation", N::CoreBound, 3,
         "Serializing_Operation > 0.10 & Core_Bound > 0.10 & Backend_Bound > 0.20", "PortsUtil",
         "cycles stalled on serializing instructions (and, on Sapphire Rapids and Lunar Lake, in the C0.2 wait state)"},
        {N::AmxBusy, "AMX_Busy", N::CoreBound, 3, "AMX_Busy > 0.50 & Core_Bound > 0.10 & Backend_Bound > 0.20",
         "BvCB;Compute;HPC;Server", "cycles the AMX engine was busy with tile operations (Sapphire Rapids)"},
        {N::PortsUtilization, "Ports_Utilization", N::CoreBound, 3,
         "Ports_Utilization > 0.15 & Core_Bound > 0.10 & Backend_Bound > 0.20", "PortsUtil",
         "core-bound cycles limited by the execution ports, not by the divider (fraction of cycles)"},
        {N::PortsUtilized0, "Ports_Utilized_0", N::PortsUtilization, 4,
         "Ports_Utilized_0 > 0.20 & Ports_Utilization > 0.15 & Core_Bound > 0.10 & Backend_Bound > 0.20", "PortsUtil",
         "cycles no uop executed on any port while not waiting on memory"},
        {N::PortsUtilized1, "Ports_Utilized_1", N::PortsUtilization, 4,
         "Ports_Utilized_1 > 0.20 & Ports_Utilization > 0.15 & Core_Bound > 0.10 & Backend_Bound > 0.20", "PortsUtil",
         "cycles one uop executed in all, the reservation station not empty"},
        {N::PortsUtilized2, "Ports_Utilized_2", N::PortsUtilization, 4,
         "Ports_Utilized_2 > 0.15 & Ports_Utilization > 0.15 & Core_Bound > 0.10 & Backend_Bound > 0.20", "PortsUtil",
         "cycles two uops executed in all, the reservation station not empty"},
        {N::PortsUtilized3m, "Ports_Utilized_3m", N::PortsUtilization, 4,
         "Ports_Utilized_3m > 0.40 & Ports_Utilization > 0.15 & Core_Bound > 0.10 & Backend_Bound > 0.20",
         "BvCB;PortsUtil", "cycles three or more uops executed in all"},
        {N::Retiring, "Retiring", N::Retiring, 1, "Retiring > 0.70 | Heavy_Operations > 0.10", "TmaL1",
         "slots that issued a uop which retired"},
        {N::LightOperations, "Light_Operations", N::Retiring, 2, "Light_Operations > 0.60", "Retire;TmaL2",
         "retiring slots of instructions that decode to one uop"},
        {N::FpArith, "FP_Arith", N::LightOperations, 3, "FP_Arith > 0.20 & Light_Operations > 0.60", "HPC",
         "retired FP arithmetic uops (x87, scalar, vector) as a share of retired uops; may exceed its parent"},
        {N::X87Use, "X87_Use", N::FpArith, 4, "X87_Use > 0.10 & FP_Arith > 0.20 & Light_Operations > 0.60", "Compute",
         "retiring slots weighted by the x87 share of executed uops"},
        {N::FpScalar, "FP_Scalar", N::FpArith, 4, "FP_Scalar > 0.10 & FP_Arith > 0.20 & Light_Operations > 0.60", "Compute;Flops",
         "retired scalar FP arithmetic uops as a share of retired uops"},
        {N::FpVector, "FP_Vector", N::FpArith, 4, "FP_Vector > 0.10 & FP_Arith > 0.20 & Light_Operations > 0.60", "Compute;Flops",
         "retired packed FP arithmetic uops (every vector width) as a share of retired uops"},
        {N::IntOperations, "Int_Operations", N::LightOperations, 3, "Int_Operations > 0.10 & Light_Operations > 0.60", "Pipeline",
         "retired integer vector uops counted by INT_VEC_RETIRED (Sapphire Rapids, Lunar Lake)"},
        {N::IntVector128b, "Int_Vector_128b", N::IntOperations, 4,
         "Int_Vector_128b > 0.10 & Int_Operations > 0.10 & Light_Operations > 0.60", "Compute;IntVector;Pipeline",
         "retired 128-bit integer vector ADD/SUB/SAD/VNNI uops as a share of retired uops"},
        {N::IntVector256b, "Int_Vector_256b", N::IntOperations, 4,
         "Int_Vector_256b > 0.10 & Int_Operations > 0.10 & Light_Operations > 0.60", "Compute;IntVector;Pipeline",
         "retired 256-bit integer vector ADD/SUB/SAD/MUL/VNNI uops as a share of retired uops"},
        {N::MemoryOperations, "Memory_Operations", N::LightOperations, 3,
         "Memory_Operations > 0.10 & Light_Operations > 0.60", "Pipeline",
         "light-operation slots of memory accesses (loads and stores)"},
        {N::FusedInstructions, "Fused_Instructions", N::LightOperations, 3, "Fused_Instructions > 0.10 & Light_Operations > 0.60",
         "Branches;BvBO;Pipeline", "light-operation slots of macro-fused uops (one uop for two instructions)"},
        {N::NonFusedBranches, "Non_Fused_Branches", N::LightOperations, 3, "Non_Fused_Branches > 0.10 & Light_Operations > 0.60",
         "Branches;BvBO;Pipeline", "light-operation slots of branches not fused with the instruction before"},
        {N::BranchInstructions, "Branch_Instructions", N::LightOperations, 3, "Branch_Instructions > 0.10 & Light_Operations > 0.60",
         "Branches;BvBO;Pipeline", "light-operation slots of branch instructions (Ice Lake)"},
        {N::OtherLightOps, "Other_Light_Ops", N::LightOperations, 3, "Other_Light_Ops > 0.30 & Light_Operations > 0.60", "Pipeline",
         "the light-operation slots none of its siblings covers"},
        {N::NopInstructions, "Nop_Instructions", N::OtherLightOps, 4,
         "Nop_Instructions > 0.10 & Other_Light_Ops > 0.30 & Light_Operations > 0.60", "BvBO;Pipeline",
         "light-operation slots of NOP instructions"},
        {N::Shuffles256b, "Shuffles_256b", N::OtherLightOps, 4,
         "Shuffles_256b > 0.10 & Other_Light_Ops > 0.30 & Light_Operations > 0.60", "HPC;Pipeline",
         "light-operation slots of 256-bit shuffles (Sapphire Rapids, Lunar Lake)"},
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

std::vector<FormulaRow> with_info(const char* src, std::vector<FormulaRow> rows) {
    using namespace table_terms;
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

const FamilyTable& family_table(Family f) {
    switch (f) {
        case Family::Skylake: return skylake_table();
        case Family::IceLake: return icelake_table();
        case Family::SapphireRapids: return sapphirerapids_table();
        case Family::LunarLake: return lunarlake_family_table();
    }
    throw std::invalid_argument("family_table: unknown family");
}

}  // namespace pmusim::tma
