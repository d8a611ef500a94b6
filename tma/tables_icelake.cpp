#include "tma/family_tables.h"

namespace pmusim::tma {

using namespace table_terms;

// Ice Lake server: intel/perfmon ICX/metrics/icelakex_metrics.json (PERF_METRICS forms); the
// GP-event forms of Level 1 are toplev's fallback (pmu-tools icl_client_ratios.py).
const FamilyTable& icelake_table() {
    static const FamilyTable t = {Family::IceLake, "Ice Lake", with_info("PERFMON ICX", {
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
        {"Memory_Operations", A, "Light_Operations * MEM_INST_RETIRED.ANY / INST_RETIRED.ANY", "PERFMON ICX", ""},
        {"X87_Use", A, "Retiring * UOPS_EXECUTED.X87 / UOPS_EXECUTED.THREAD", "PERFMON ICX", ""},
        {"FP_Scalar", A, "FP_ARITH_INST_RETIRED.SCALAR / (Retiring * SLOTS)", "PERFMON ICX", ""},
        {"FP_Vector", A, "FP_ARITH_INST_RETIRED.VECTOR / (Retiring * SLOTS)", "PERFMON ICX", ""},
        {"FP_Arith", A, "X87_Use + FP_Scalar + FP_Vector", "PERFMON ICX", ""},
        {"Branch_Instructions", A, "Light_Operations * BR_INST_RETIRED.ALL_BRANCHES / (Retiring * SLOTS)", "PERFMON ICX", ""},
        {"Other_Light_Ops", A, "max(0, Light_Operations - (FP_Arith + Memory_Operations + Branch_Instructions))", "PERFMON ICX", ""},
        {"Nop_Instructions", A, "Light_Operations * INST_RETIRED.NOP / (Retiring * SLOTS)", "PERFMON ICX", ""},
        {"L1_Bound", A, "max((CYCLE_ACTIVITY.STALLS_MEM_ANY - CYCLE_ACTIVITY.STALLS_L1D_MISS) / CLKS, 0)", "PERFMON ICX", ""},
        {"Load_L2_Hit", A, "MEM_LOAD_RETIRED.L2_HIT * (1 + MEM_LOAD_RETIRED.FB_HIT / MEM_LOAD_RETIRED.L1_MISS)", "PERFMON ICX", ""},
        {"L2_Bound", A, "Load_L2_Hit / (Load_L2_Hit + L1D_PEND_MISS.FB_FULL_PERIODS) * (CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS", "PERFMON ICX", ""},
        {"L3_Bound", A, "(CYCLE_ACTIVITY.STALLS_L2_MISS - CYCLE_ACTIVITY.STALLS_L3_MISS) / CLKS", "PERFMON ICX", ""},
        {"DRAM_Bound", A, "CYCLE_ACTIVITY.STALLS_L3_MISS / CLKS + (CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS - L2_Bound", "PERFMON ICX", ""},
        {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", "PERFMON ICX", ""},
        {"Store_Fwd_Blk", A, "13 * LD_BLOCKS.STORE_FORWARD / CLKS", "PERFMON ICX", ""},
        {"MEM_Bandwidth", A, "min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4) / CLKS", "PERFMON ICX", ""},
        {"MEM_Latency", A, "min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD) / CLKS - min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4) / CLKS", "PERFMON ICX", ""},
        {"ICache_Misses", A, "ICACHE_DATA.STALLS / CLKS", "PERFMON ICX", ""},
        {"ITLB_Misses", A, "ICACHE_TAG.STALLS / CLKS", "PERFMON ICX", ""},
        {"Branch_Resteers", A, "INT_MISC.CLEAR_RESTEER_CYCLES / CLKS + 10 * BACLEARS.ANY / CLKS", "PERFMON ICX", ""},
        {"Mispredicts_Resteers", A, "BR_MISP_RETIRED.ALL_BRANCHES / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT) * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", "PERFMON ICX", ""},
        {"Clears_Resteers", A, "(1 - BR_MISP_RETIRED.ALL_BRANCHES / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)) * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", "PERFMON ICX", ""},
        {"Unknown_Branches", A, "10 * BACLEARS.ANY / CLKS", "PERFMON ICX", ""},
        {"MS_Switches", A, "3 * IDQ.MS_SWITCHES / CLKS", "PERFMON ICX", ""},
        {"LCP", A, "DECODE.LCP / CLKS", "PERFMON ICX", ""},
        {"DSB_Switches", A, "DSB2MITE_SWITCHES.PENALTY_CYCLES / CLKS", "PERFMON ICX", ""},
        {"MITE", A, "(IDQ.MITE_CYCLES_ANY - IDQ.MITE_CYCLES_OK) / CLKS / 2", "PERFMON ICX", ""},
        {"DSB", A, "(IDQ.DSB_CYCLES_ANY - IDQ.DSB_CYCLES_OK) / CLKS / 2", "PERFMON ICX", ""},
        {"MS", A, "IDQ.MS_UOPS:c1 / CLKS / 3.3", "PERFMON ICX", ""},
        {"Other_Mispredicts", A, "max(Branch_Mispredicts * (1 - BR_MISP_RETIRED.ALL_BRANCHES / (INT_MISC.CLEARS_COUNT - MACHINE_CLEARS.COUNT)), 0.0001)", "PERFMON ICX", ""},
        {"Other_Nukes", A, "max(Machine_Clears * (1 - MACHINE_CLEARS.MEMORY_ORDERING / MACHINE_CLEARS.COUNT), 0.0001)", "PERFMON ICX", ""},
        {"Ports_Utilized_0", A, "EXE_ACTIVITY.3_PORTS_UTIL:u0x80 / CLKS", "PERFMON ICX", ""},
        {"Ports_Utilization", A, "(Ports_Utilized_0 * CLKS + (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_PORTS_UTIL)) / CLKS if ARITH.DIVIDER_ACTIVE < (CYCLE_ACTIVITY.STALLS_TOTAL - CYCLE_ACTIVITY.STALLS_MEM_ANY) else (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_PORTS_UTIL) / CLKS", "PERFMON ICX", ""},
        {"Ports_Utilized_1", A, "EXE_ACTIVITY.1_PORTS_UTIL / CLKS", "PERFMON ICX", ""},
        {"Ports_Utilized_2", A, "EXE_ACTIVITY.2_PORTS_UTIL / CLKS", "PERFMON ICX", ""},
        {"Ports_Utilized_3m", A, "UOPS_EXECUTED.CYCLES_GE_3 / CLKS", "PERFMON ICX", ""},
        {"Divider", A, "ARITH.DIVIDER_ACTIVE / CLKS", "PERFMON ICX", ""},
        {"Serializing_Operation", A, "RESOURCE_STALLS.SCOREBOARD / CLKS", "PERFMON ICX", ""},
        {"Few_Uops_Instructions", A, "Heavy_Operations - Microcode_Sequencer", "PERFMON ICX", ""},
        {"UopPI", A, "Retiring * SLOTS / INST_RETIRED.ANY", "PERFMON ICX", ""},
        {"Spec_Clears_Ratio", A, "INT_MISC.CLEARS_COUNT / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)", "PERFMON ICX", ""},
    })};
    return t;
}

}  // namespace pmusim::tma
