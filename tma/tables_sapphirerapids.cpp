#include "tma/family_tables.h"

namespace pmusim::tma {

using namespace table_terms;

// Sapphire Rapids: intel/perfmon SPR/metrics/sapphirerapids_metrics.json (PERF_METRICS forms);
// the GP-event forms are toplev's fallback (pmu-tools spr_server_ratios.py).
const FamilyTable& sapphirerapids_table() {
    static const FamilyTable t = {Family::SapphireRapids, "Sapphire Rapids", with_info("PERFMON SPR", {
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
        {"Memory_Operations", A, "Light_Operations * MEM_UOP_RETIRED.ANY / (Retiring * SLOTS)", "PERFMON SPR", ""},
        {"L1_Bound", A, "max((EXE_ACTIVITY.BOUND_ON_LOADS - MEMORY_ACTIVITY.STALLS_L1D_MISS) / CLKS, 0)", "PERFMON SPR", ""},
        {"L2_Bound", A, "(MEMORY_ACTIVITY.STALLS_L1D_MISS - MEMORY_ACTIVITY.STALLS_L2_MISS) / CLKS", "PERFMON SPR", ""},
        {"L3_Bound", A, "(MEMORY_ACTIVITY.STALLS_L2_MISS - MEMORY_ACTIVITY.STALLS_L3_MISS) / CLKS", "PERFMON SPR", ""},
        {"DRAM_Bound", A, "MEMORY_ACTIVITY.STALLS_L3_MISS / CLKS", "PERFMON SPR", ""},
        {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", "PERFMON SPR", ""},
        {"ICache_Misses", A, "ICACHE_DATA.STALLS / CLKS", "PERFMON SPR", ""},
        {"ITLB_Misses", A, "ICACHE_TAG.STALLS / CLKS", "PERFMON SPR", ""},
        {"Branch_Resteers", A, "INT_MISC.CLEAR_RESTEER_CYCLES / CLKS + INT_MISC.UNKNOWN_BRANCH_CYCLES / CLKS", "PERFMON SPR", ""},
        {"Mispredicts_Resteers", A, "Branch_Mispredicts / Bad_Speculation * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", "PERFMON SPR", ""},
        {"Clears_Resteers", A, "(1 - Branch_Mispredicts / Bad_Speculation) * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", "PERFMON SPR", ""},
        {"Unknown_Branches", A, "INT_MISC.UNKNOWN_BRANCH_CYCLES / CLKS", "PERFMON SPR", ""},
        {"MS_Switches", A, "3 * UOPS_RETIRED.MS:c1:e1 / (UOPS_RETIRED.SLOTS / UOPS_ISSUED.ANY) / CLKS", "PERFMON SPR", ""},
        {"LCP", A, "DECODE.LCP / CLKS", "PERFMON SPR", ""},
        {"DSB_Switches", A, "DSB2MITE_SWITCHES.PENALTY_CYCLES / CLKS", "PERFMON SPR", ""},
        {"MITE", A, "(IDQ.MITE_CYCLES_ANY - IDQ.MITE_CYCLES_OK) / CLKS / 2", "PERFMON SPR", ""},
        {"DSB", A, "(IDQ.DSB_CYCLES_ANY - IDQ.DSB_CYCLES_OK) / CLKS / 2", "PERFMON SPR", ""},
        {"MS", A, "max(IDQ.MS_CYCLES_ANY, UOPS_RETIRED.MS:c1 / (UOPS_RETIRED.SLOTS / UOPS_ISSUED.ANY)) / CLKS / 2.4", "PERFMON SPR", ""},
        {"Other_Mispredicts", A, "max(Branch_Mispredicts * (1 - BR_MISP_RETIRED.ALL_BRANCHES / (INT_MISC.CLEARS_COUNT - MACHINE_CLEARS.COUNT)), 0.0001)", "PERFMON SPR", ""},
        {"Other_Nukes", A, "max(Machine_Clears * (1 - MACHINE_CLEARS.MEMORY_ORDERING / MACHINE_CLEARS.COUNT), 0.0001)", "PERFMON SPR", ""},
        {"Ports_Utilized_0", A, "(EXE_ACTIVITY.EXE_BOUND_0_PORTS + max(RS.EMPTY_RESOURCE - RESOURCE_STALLS.SCOREBOARD, 0)) / CLKS * (CYCLE_ACTIVITY.STALLS_TOTAL - EXE_ACTIVITY.BOUND_ON_LOADS) / CLKS", "PERFMON SPR", ""},
        {"Ports_Utilization", A, "(Ports_Utilized_0 * CLKS + (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_3_PORTS_UTIL)) / CLKS if ARITH.DIV_ACTIVE < (CYCLE_ACTIVITY.STALLS_TOTAL - EXE_ACTIVITY.BOUND_ON_LOADS) else (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_3_PORTS_UTIL) / CLKS", "PERFMON SPR", ""},
        {"Ports_Utilized_1", A, "EXE_ACTIVITY.1_PORTS_UTIL / CLKS", "PERFMON SPR", ""},
        {"Ports_Utilized_2", A, "EXE_ACTIVITY.2_PORTS_UTIL / CLKS", "PERFMON SPR", ""},
        {"Ports_Utilized_3m", A, "UOPS_EXECUTED.CYCLES_GE_3 / CLKS", "PERFMON SPR", ""},
        {"AMX_Busy", A, "EXE.AMX_BUSY / CLKS", "PERFMON SPR", ""},
        {"Divider", A, "ARITH.DIV_ACTIVE / CLKS", "PERFMON SPR", ""},
        {"Serializing_Operation", A, "RESOURCE_STALLS.SCOREBOARD / CLKS + CPU_CLK_UNHALTED.C02 / CLKS", "PERFMON SPR", ""},
        {"Microcode_Sequencer", A, "UOPS_RETIRED.MS / SLOTS", "PERFMON SPR", ""},
        {"Few_Uops_Instructions", A, "max(0, Heavy_Operations - Microcode_Sequencer)", "PERFMON SPR", ""},
        {"UopPI", A, "Retiring * SLOTS / INST_RETIRED.ANY", "PERFMON SPR", ""},
        {"Spec_Clears_Ratio", A, "INT_MISC.CLEARS_COUNT / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)", "PERFMON SPR", ""},
    })};
    return t;
}

}  // namespace pmusim::tma
