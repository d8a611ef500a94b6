// Lunar Lake (Lion Cove P-core) formulas: intel/perfmon LNL/metrics/lunarlake_metrics_lioncove_core.json
// for the PERF_METRICS forms, pmu-tools lnl_lnc_ratios.py for the GP-event fallback. They differ
// from Sapphire Rapids: no INT_MISC.UOP_DROPPING correction, Bad_Speculation read from its
// PERF_METRICS byte rather than as the remainder, and Level-3 memory from MEMORY_STALLS.* (event
// 0x46; the P-core has no MEMORY_ACTIVITY.*). Level-3 front end as on Sapphire Rapids but with
// IDQ.MS_SWITCHES (counted at issue, no retire-fraction term) and BE_STALLS.SCOREBOARD; the Level-4
// resteer split is pmu-tools' Mispred_Clears_Fraction (Branch_Mispredicts / Bad_Speculation).
// perfmon's file has no CoreIPC (docs/tma.md).
#include "tma/tma_tables.h"

namespace pmusim::tma {

namespace {
constexpr Form A = Form::Any, PM = Form::PerfMetrics, PM2 = Form::PerfMetricsL2, GP = Form::GpEvents;
constexpr const char* kSrc = "PERFMON LNL";
constexpr const char* kRatios = "RATIOS lnl";
}  // namespace

const FamilyTable& lunarlake_family_table() {
    static const FamilyTable t = {Family::LunarLake, "Lunar Lake", {
        {"CLKS", A, "CPU_CLK_UNHALTED.THREAD", kSrc, ""},
        {"SLOTS", A, "TOPDOWN.SLOTS", kSrc, ""},
        {"PM_SUM", PM, "PERF_METRICS.FRONTEND_BOUND + PERF_METRICS.BAD_SPECULATION + PERF_METRICS.RETIRING + PERF_METRICS.BACKEND_BOUND", kSrc, ""},
        {"Frontend_Bound", PM, "PERF_METRICS.FRONTEND_BOUND / PM_SUM", kSrc, ""},
        {"Frontend_Bound", GP, "IDQ_BUBBLES.CORE / SLOTS", kRatios, ""},
        {"Backend_Bound", PM, "PERF_METRICS.BACKEND_BOUND / PM_SUM", kSrc, ""},
        {"Backend_Bound", GP, "TOPDOWN.BACKEND_BOUND_SLOTS / SLOTS", kRatios, ""},
        {"Retiring", PM, "PERF_METRICS.RETIRING / PM_SUM", kSrc, ""},
        {"Retiring", GP, "UOPS_RETIRED.SLOTS / SLOTS", kRatios, ""},
        {"Bad_Speculation", PM, "PERF_METRICS.BAD_SPECULATION / PM_SUM", kSrc, ""},
        {"Bad_Speculation", GP, "max(1 - (Frontend_Bound + Backend_Bound + Retiring), 0)", kRatios, ""},
        {"Fetch_Latency", PM2, "PERF_METRICS.FETCH_LATENCY / PM_SUM", kSrc, ""},
        {"Fetch_Latency", GP, "IDQ_BUBBLES.FETCH_LATENCY / CLKS", kRatios, ""},
        {"Fetch_Bandwidth", A, "max(0, Frontend_Bound - Fetch_Latency)", kSrc, ""},
        {"Branch_Mispredicts", PM2, "PERF_METRICS.BRANCH_MISPREDICTS / PM_SUM", kSrc, ""},
        {"Branch_Mispredicts", GP, "TOPDOWN.BR_MISPREDICT_SLOTS / SLOTS", kRatios, ""},
        {"Machine_Clears", A, "max(0, Bad_Speculation - Branch_Mispredicts)", kSrc, ""},
        {"Memory_Bound", PM2, "PERF_METRICS.MEMORY_BOUND / PM_SUM", kSrc, ""},
        {"Memory_Bound", GP, "TOPDOWN.MEMORY_BOUND_SLOTS / SLOTS", kRatios, ""},
        {"Core_Bound", A, "max(0, Backend_Bound - Memory_Bound)", kSrc, ""},
        {"Heavy_Operations", PM2, "PERF_METRICS.HEAVY_OPERATIONS / PM_SUM", kSrc, ""},
        {"Heavy_Operations", GP, "UOPS_RETIRED.HEAVY / SLOTS", kRatios, ""},
        {"Light_Operations", A, "max(0, Retiring - Heavy_Operations)", kSrc, ""},
        {"Memory_Operations", A, "Light_Operations * MEM_UOP_RETIRED.ANY / (Retiring * SLOTS)", kSrc, ""},
        {"X87_Use", A, "Retiring * UOPS_EXECUTED.X87 / UOPS_EXECUTED.THREAD", kSrc, ""},
        {"FP_Scalar", A, "FP_ARITH_OPS_RETIRED.SCALAR / (Retiring * SLOTS)", kSrc, ""},
        {"FP_Vector", A, "FP_ARITH_OPS_RETIRED.VECTOR / (Retiring * SLOTS)", kSrc, ""},
        {"FP_Arith", A, "X87_Use + FP_Scalar + FP_Vector", kSrc, ""},
        {"Int_Vector_128b", A, "INT_VEC_RETIRED.128BIT / (Retiring * SLOTS)", kSrc, ""},
        {"Int_Vector_256b", A, "INT_VEC_RETIRED.256BIT / (Retiring * SLOTS)", kSrc, ""},
        {"Int_Operations", A, "Int_Vector_128b + Int_Vector_256b", kSrc, ""},
        {"Fused_Instructions", A, "Light_Operations * INST_RETIRED.MACRO_FUSED / (Retiring * SLOTS)", kSrc, ""},
        {"Non_Fused_Branches", A, "Light_Operations * (BR_INST_RETIRED.ALL_BRANCHES - INST_RETIRED.BR_FUSED) / (Retiring * SLOTS)", kSrc, ""},
        // Its remainder subtracts the integer events by umask, not the 128BIT/256BIT sums Int_Operations reads.
        {"Other_Light_Ops", A, "max(0, Light_Operations - (X87_Use + (FP_ARITH_OPS_RETIRED.SCALAR + FP_ARITH_OPS_RETIRED.VECTOR) / (Retiring * SLOTS) + (INT_VEC_RETIRED.ADD_128 + INT_VEC_RETIRED.VNNI_128 + INT_VEC_RETIRED.ADD_256 + INT_VEC_RETIRED.MUL_256 + INT_VEC_RETIRED.VNNI_256) / (Retiring * SLOTS) + Memory_Operations + Fused_Instructions + Non_Fused_Branches))", kSrc, ""},
        {"Nop_Instructions", A, "Light_Operations * INST_RETIRED.NOP / (Retiring * SLOTS)", kSrc, ""},
        {"Shuffles_256b", A, "Light_Operations * INT_VEC_RETIRED.SHUFFLES / (Retiring * SLOTS)", kSrc, ""},
        {"L1_Bound", A, "MEMORY_STALLS.L1 / CLKS", kSrc, ""},
        {"L2_Bound", A, "MEMORY_STALLS.L2 / CLKS", kSrc, ""},
        {"L3_Bound", A, "MEMORY_STALLS.L3 / CLKS", kSrc, ""},
        {"DRAM_Bound", A, "MEMORY_STALLS.MEM / CLKS", kSrc, ""},
        {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", kSrc, ""},
        {"Store_Fwd_Blk", A, "13 * LD_BLOCKS.STORE_FORWARD / CLKS", kSrc, ""},
        {"MEM_Bandwidth", A, "min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.DATA_RD:c4) / CLKS", kSrc, ""},
        {"MEM_Latency", A, "min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD) / CLKS - min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.DATA_RD:c4) / CLKS", kSrc, ""},
        {"ICache_Misses", A, "ICACHE_DATA.STALLS / CLKS", kSrc, ""},
        {"ITLB_Misses", A, "ICACHE_TAG.STALLS / CLKS", kSrc, ""},
        {"Branch_Resteers", A, "INT_MISC.CLEAR_RESTEER_CYCLES / CLKS + INT_MISC.UNKNOWN_BRANCH_CYCLES / CLKS", kSrc, ""},
        {"Mispredicts_Resteers", A, "Branch_Mispredicts / Bad_Speculation * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", kSrc, ""},
        {"Clears_Resteers", A, "(1 - Branch_Mispredicts / Bad_Speculation) * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", kSrc, ""},
        {"Unknown_Branches", A, "INT_MISC.UNKNOWN_BRANCH_CYCLES / CLKS", kSrc, ""},
        {"MS_Switches", A, "3 * IDQ.MS_SWITCHES / CLKS", kSrc, ""},
        {"LCP", A, "DECODE.LCP / CLKS", kSrc, ""},
        {"DSB_Switches", A, "DSB2MITE_SWITCHES.PENALTY_CYCLES / CLKS", kSrc, ""},
        {"MITE", A, "(IDQ.MITE_UOPS:c8:i1:eq1 / 2 + IDQ.MITE_UOPS / (IDQ.DSB_UOPS + IDQ.MITE_UOPS) * (IDQ_BUBBLES.STARVATION_CYCLES - IDQ_BUBBLES.FETCH_LATENCY)) / CLKS", kSrc, ""},
        {"DSB", A, "(IDQ.DSB_UOPS:c8:i1:eq1 / 2 + IDQ.DSB_UOPS / (IDQ.DSB_UOPS + IDQ.MITE_UOPS) * (IDQ_BUBBLES.STARVATION_CYCLES - IDQ_BUBBLES.FETCH_LATENCY)) / CLKS", kSrc, ""},
        {"LSD", A, "LSD.UOPS:c8:i1:eq1 / CLKS / 2", kSrc, ""},
        {"MS", A, "IDQ.MS_CYCLES_ANY / CLKS / 1.8", kSrc, ""},
        {"Cond_NT_Mispredicts", A, "BR_MISP_RETIRED.COND_NTAKEN_COST * BR_MISP_RETIRED.COND_NTAKEN_COST:retire_latency / CLKS", kSrc, ""},
        {"Cond_TK_Bwd_Mispredicts", A, "BR_MISP_RETIRED.COND_TAKEN_BWD_COST * BR_MISP_RETIRED.COND_TAKEN_BWD_COST:retire_latency / CLKS", kSrc, ""},
        {"Cond_TK_Fwd_Mispredicts", A, "BR_MISP_RETIRED.COND_TAKEN_FWD_COST * BR_MISP_RETIRED.COND_TAKEN_FWD_COST:retire_latency / CLKS", kSrc, ""},
        {"Ind_Call_Mispredicts", A, "BR_MISP_RETIRED.INDIRECT_CALL_COST * BR_MISP_RETIRED.INDIRECT_CALL_COST:retire_latency / CLKS", kSrc, ""},
        {"Ind_Jump_Mispredicts", A, "max((BR_MISP_RETIRED.INDIRECT_COST * BR_MISP_RETIRED.INDIRECT_COST:retire_latency - BR_MISP_RETIRED.INDIRECT_CALL_COST * BR_MISP_RETIRED.INDIRECT_CALL_COST:retire_latency) / CLKS, 0)", kSrc, ""},
        {"Ret_Mispredicts", A, "BR_MISP_RETIRED.RET_COST * BR_MISP_RETIRED.RET_COST:retire_latency / CLKS", kSrc, ""},
        {"Other_Mispredicts", A, "max(Branch_Mispredicts * (1 - BR_MISP_RETIRED.ALL_BRANCHES / (INT_MISC.CLEARS_COUNT - MACHINE_CLEARS.COUNT)), 0.0001)", kSrc, ""},
        {"Other_Nukes", A, "max(Machine_Clears * (1 - MACHINE_CLEARS.MEMORY_ORDERING / MACHINE_CLEARS.COUNT), 0.0001)", kSrc, ""},
        {"Ports_Utilized_0", A, "EXE_ACTIVITY.EXE_BOUND_0_PORTS / CLKS", kSrc, ""},
        {"Ports_Utilization", A, "(Ports_Utilized_0 * CLKS + (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_3_PORTS_UTIL)) / CLKS if ARITH.DIV_ACTIVE < (CYCLE_ACTIVITY.STALLS_TOTAL - EXE_ACTIVITY.BOUND_ON_LOADS) else (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_3_PORTS_UTIL) / CLKS", kSrc, ""},
        {"Ports_Utilized_1", A, "EXE_ACTIVITY.1_PORTS_UTIL / CLKS", kSrc, ""},
        {"Ports_Utilized_2", A, "EXE_ACTIVITY.2_PORTS_UTIL / CLKS", kSrc, ""},
        {"Ports_Utilized_3m", A, "UOPS_EXECUTED.CYCLES_GE_3 / CLKS", kSrc, ""},
        {"Divider", A, "ARITH.DIV_ACTIVE / CLKS", kSrc, ""},
        {"Serializing_Operation", A, "(BE_STALLS.SCOREBOARD + CPU_CLK_UNHALTED.C02) / CLKS", kSrc, ""},
        {"Microcode_Sequencer", A, "UOPS_RETIRED.MS / SLOTS", kSrc, ""},
        {"Few_Uops_Instructions", A, "max(0, Heavy_Operations - Microcode_Sequencer)", kSrc, ""},
        {"IPC", A, "INST_RETIRED.ANY / CLKS", kSrc, ""},
        {"CPI", A, "1 / IPC", kSrc, ""},
        {"UopPI", A, "Retiring * SLOTS / INST_RETIRED.ANY", kSrc, ""},
        {"Instructions", A, "INST_RETIRED.ANY", kSrc, ""},
        {"IpBranch", A, "INST_RETIRED.ANY / BR_INST_RETIRED.ALL_BRANCHES", kSrc, ""},
        {"IpMispredict", A, "INST_RETIRED.ANY / BR_MISP_RETIRED.ALL_BRANCHES", kSrc, ""},
        {"Spec_Clears_Ratio", A, "INT_MISC.CLEARS_COUNT / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)", kSrc, ""},
    }};
    return t;
}

}  // namespace pmusim::tma
