#include "tma/family_tables.h"

namespace pmusim::tma {

using namespace table_terms;

// Skylake server: intel/perfmon SKX/metrics/skylakex_metrics.json (no SMT, so CORE_CLKS = CLKS).
const FamilyTable& skylake_table() {
    static const FamilyTable t = {Family::Skylake, "Skylake (GP events)", with_info("PERFMON SKX", {
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
        {"Memory_Operations", A, "Light_Operations * MEM_INST_RETIRED.ANY / INST_RETIRED.ANY", "PERFMON SKX", ""},
        {"X87_Use", A, "Retiring * UOPS_EXECUTED.X87 / UOPS_EXECUTED.THREAD", "PERFMON SKX", ""},
        {"FP_Scalar", A, "FP_ARITH_INST_RETIRED.SCALAR / UOPS_RETIRED.RETIRE_SLOTS", "PERFMON SKX", ""},
        {"FP_Vector", A, "FP_ARITH_INST_RETIRED.128B_PACKED_DOUBLE:u0xfc / UOPS_RETIRED.RETIRE_SLOTS", "PERFMON SKX", ""},
        {"FP_Arith", A, "X87_Use + FP_Scalar + FP_Vector", "PERFMON SKX", ""},
        {"Fused_Instructions", A, "Light_Operations * UOPS_RETIRED.MACRO_FUSED / UOPS_RETIRED.RETIRE_SLOTS", "PERFMON SKX", ""},
        {"Non_Fused_Branches", A, "Light_Operations * (BR_INST_RETIRED.ALL_BRANCHES - UOPS_RETIRED.MACRO_FUSED) / UOPS_RETIRED.RETIRE_SLOTS", "PERFMON SKX", ""},
        {"Other_Light_Ops", A, "max(0, Light_Operations - (FP_Arith + Memory_Operations + Fused_Instructions + Non_Fused_Branches))", "PERFMON SKX", ""},
        {"Nop_Instructions", A, "Light_Operations * INST_RETIRED.NOP / UOPS_RETIRED.RETIRE_SLOTS", "PERFMON SKX", ""},
        {"L1_Bound", A, "max((CYCLE_ACTIVITY.STALLS_MEM_ANY - CYCLE_ACTIVITY.STALLS_L1D_MISS) / CLKS, 0)", "PERFMON SKX", ""},
        {"Load_L2_Hit", A, "MEM_LOAD_RETIRED.L2_HIT * (1 + MEM_LOAD_RETIRED.FB_HIT / MEM_LOAD_RETIRED.L1_MISS)", "PERFMON SKX", ""},
        {"L2_Bound", A, "Load_L2_Hit / (Load_L2_Hit + L1D_PEND_MISS.FB_FULL:c1) * (CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS", "PERFMON SKX", ""},
        {"L3_Bound", A, "(CYCLE_ACTIVITY.STALLS_L2_MISS - CYCLE_ACTIVITY.STALLS_L3_MISS) / CLKS", "PERFMON SKX", ""},
        {"DRAM_Bound", A, "CYCLE_ACTIVITY.STALLS_L3_MISS / CLKS + (CYCLE_ACTIVITY.STALLS_L1D_MISS - CYCLE_ACTIVITY.STALLS_L2_MISS) / CLKS - L2_Bound", "PERFMON SKX", ""},
        {"Store_Bound", A, "EXE_ACTIVITY.BOUND_ON_STORES / CLKS", "PERFMON SKX", ""},
        {"Store_Fwd_Blk", A, "13 * LD_BLOCKS.STORE_FORWARD / CLKS", "PERFMON SKX", ""},
        {"MEM_Bandwidth", A, "min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4) / CLKS", "PERFMON SKX", ""},
        {"MEM_Latency", A, "min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD) / CLKS - min(CLKS, OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4) / CLKS", "PERFMON SKX", ""},
        {"ICache_Misses", A, "(ICACHE_16B.IFDATA_STALL + 2 * ICACHE_16B.IFDATA_STALL:c1:e1) / CLKS", "PERFMON SKX", ""},
        {"ITLB_Misses", A, "ICACHE_TAG.STALLS / CLKS", "PERFMON SKX", ""},
        {"Branch_Resteers", A, "INT_MISC.CLEAR_RESTEER_CYCLES / CLKS + 9 * BACLEARS.ANY / CLKS", "PERFMON SKX", ""},
        {"Mispredicts_Resteers", A, "BR_MISP_RETIRED.ALL_BRANCHES / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT) * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", "PERFMON SKX", ""},
        {"Clears_Resteers", A, "(1 - BR_MISP_RETIRED.ALL_BRANCHES / (BR_MISP_RETIRED.ALL_BRANCHES + MACHINE_CLEARS.COUNT)) * INT_MISC.CLEAR_RESTEER_CYCLES / CLKS", "PERFMON SKX", ""},
        {"Unknown_Branches", A, "9 * BACLEARS.ANY / CLKS", "PERFMON SKX", ""},
        {"MS_Switches", A, "2 * IDQ.MS_SWITCHES / CLKS", "PERFMON SKX", ""},
        {"LCP", A, "DECODE.LCP / CLKS", "PERFMON SKX", ""},
        {"DSB_Switches", A, "DSB2MITE_SWITCHES.PENALTY_CYCLES / CLKS", "PERFMON SKX", ""},
        {"MITE", A, "(IDQ.ALL_MITE_CYCLES_ANY_UOPS - IDQ.ALL_MITE_CYCLES_4_UOPS) / CLKS / 2", "PERFMON SKX", ""},
        {"DSB", A, "(IDQ.DSB_CYCLES_ANY - IDQ.DSB_CYCLES_OK) / CLKS / 2", "PERFMON SKX", ""},
        {"Other_Mispredicts", A, "max(Branch_Mispredicts * (1 - BR_MISP_RETIRED.ALL_BRANCHES / (INT_MISC.CLEARS_COUNT - MACHINE_CLEARS.COUNT)), 0.0001)", "PERFMON SKX", ""},
        {"Other_Nukes", A, "max(Machine_Clears * (1 - MACHINE_CLEARS.MEMORY_ORDERING / MACHINE_CLEARS.COUNT), 0.0001)", "PERFMON SKX", ""},
        {"Ports_Utilized_0", A, "EXE_ACTIVITY.EXE_BOUND_0_PORTS / CLKS", "PERFMON SKX", ""},
        {"Ports_Utilization", A, "(Ports_Utilized_0 * CLKS + (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_PORTS_UTIL)) / CLKS if ARITH.DIVIDER_ACTIVE < (CYCLE_ACTIVITY.STALLS_TOTAL - CYCLE_ACTIVITY.STALLS_MEM_ANY) else (EXE_ACTIVITY.1_PORTS_UTIL + Retiring * EXE_ACTIVITY.2_PORTS_UTIL) / CLKS", "PERFMON SKX", ""},
        {"Ports_Utilized_1", A, "EXE_ACTIVITY.1_PORTS_UTIL / CLKS", "PERFMON SKX", ""},
        {"Ports_Utilized_2", A, "EXE_ACTIVITY.2_PORTS_UTIL / CLKS", "PERFMON SKX", ""},
        {"Ports_Utilized_3m", A, "UOPS_EXECUTED.CORE_CYCLES_GE_3 / CLKS", "PERFMON SKX", ""},
        {"Divider", A, "ARITH.DIVIDER_ACTIVE / CLKS", "PERFMON SKX", ""},
        {"Serializing_Operation", A, "PARTIAL_RAT_STALLS.SCOREBOARD / CLKS", "PERFMON SKX", ""},
        {"Retire_Fraction", A, "UOPS_RETIRED.RETIRE_SLOTS / UOPS_ISSUED.ANY", "RATIOS skl", ""},
        {"Microcode_Sequencer", A, "Retire_Fraction * IDQ.MS_UOPS / SLOTS", "PERFMON SKX", ""},
        {"Few_Uops_Instructions", A, "Heavy_Operations - Microcode_Sequencer", "PERFMON SKX", ""},
        {"UopPI", A, "UOPS_RETIRED.RETIRE_SLOTS / INST_RETIRED.ANY", "PERFMON SKX", ""},
    })};
    return t;
}

}  // namespace pmusim::tma
