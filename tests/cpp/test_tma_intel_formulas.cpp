// Every node and Info metric equals Intel's published formula evaluated on the same raw counts, to
// 1e-9. The formulas below are transcribed by hand from intel/perfmon SKX/ICX/SPR/LNL *_metrics.json
// (PERF_METRICS forms) and pmu-tools *_ratios.py (the GP-event fallbacks), independently of the
// engine's formula table, and evaluated with perf's arithmetic: x / 0 is NaN, max(a, b) is
// a > b ? a : b. Counts are random, including zeros that make a term 0/0.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <string>

#include "intel_formula_reading.h"
#include "tma/tma_tables.h"

using namespace pmusim::tma;
using namespace intel_formulas;

namespace {

// SKX (GP events only; SMT off).
Expected skx(const Reading& r) {
    Expected x;
    const double clks = r("CPU_CLK_UNHALTED.THREAD"), S = 4 * clks, rec = r("INT_MISC.RECOVERY_CYCLES");
    const double ret_slots = r("UOPS_RETIRED.RETIRE_SLOTS"), issued = r("UOPS_ISSUED.ANY");
    x["Frontend_Bound"] = dv(r("IDQ_UOPS_NOT_DELIVERED.CORE"), S);
    x["Bad_Speculation"] = dv(issued - ret_slots + 4 * rec, S);
    x["Retiring"] = dv(ret_slots, S);
    x["Backend_Bound"] = 1 - dv(r("IDQ_UOPS_NOT_DELIVERED.CORE"), S) - dv(issued + 4 * rec, S);
    x["Fetch_Latency"] = dv(4 * r("IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE"), S);
    x["Fetch_Bandwidth"] = x["Frontend_Bound"] - x["Fetch_Latency"];
    const double bm = r("BR_MISP_RETIRED.ALL_BRANCHES"), mc = r("MACHINE_CLEARS.COUNT");
    x["Branch_Mispredicts"] = dv(bm, bm + mc) * x["Bad_Speculation"];
    x["Machine_Clears"] = x["Bad_Speculation"] - x["Branch_Mispredicts"];
    const double st = r("EXE_ACTIVITY.BOUND_ON_STORES");
    const double bbc = r("CYCLE_ACTIVITY.STALLS_TOTAL") +
                       (r("EXE_ACTIVITY.1_PORTS_UTIL") + dv(ret_slots, S) * r("EXE_ACTIVITY.2_PORTS_UTIL")) + st;
    x["Memory_Bound"] = dv(r("CYCLE_ACTIVITY.STALLS_MEM_ANY") + st, bbc) * x["Backend_Bound"];
    x["Core_Bound"] = x["Backend_Bound"] - x["Memory_Bound"];
    x["Heavy_Operations"] = dv(ret_slots + r("UOPS_RETIRED.MACRO_FUSED") - r("INST_RETIRED.ANY"), S);
    x["Light_Operations"] = dv(ret_slots, S) - x["Heavy_Operations"];
    x["L1_Bound"] = mx(dv(r("CYCLE_ACTIVITY.STALLS_MEM_ANY") - r("CYCLE_ACTIVITY.STALLS_L1D_MISS"), clks), 0);
    x["L3_Bound"] = dv(r("CYCLE_ACTIVITY.STALLS_L2_MISS") - r("CYCLE_ACTIVITY.STALLS_L3_MISS"), clks);
    x["Store_Bound"] = dv(st, clks);
    x["Microcode_Sequencer"] = dv(dv(ret_slots, issued) * r("IDQ.MS_UOPS"), S);
    x["Few_Uops_Instructions"] = x["Heavy_Operations"] - x["Microcode_Sequencer"];
    x["UopPI"] = dv(ret_slots, r("INST_RETIRED.ANY"));
    return x;
}

// ICX: PERF_METRICS for Level 1 (pm), or toplev's GP fallback.
Expected icx(const Reading& r, bool pm) {
    Expected x;
    const double clks = r("CPU_CLK_UNHALTED.THREAD"), S = r("TOPDOWN.SLOTS"), drop = r("INT_MISC.UOP_DROPPING");
    const double clears = r("INT_MISC.CLEARS_COUNT");
    const double ret = pm ? dv(r.RET, r.PMSUM) : dv(r("UOPS_RETIRED.SLOTS"), S);
    x["Frontend_Bound"] = pm ? dv(r.FE, r.PMSUM) - dv(drop, S) : dv(r("IDQ_UOPS_NOT_DELIVERED.CORE") - drop, S);
    x["Backend_Bound"] = pm ? dv(r.BE, r.PMSUM) + dv(5 * clears, S) : dv(r("TOPDOWN.BACKEND_BOUND_SLOTS") + 5 * clears, S);
    x["Retiring"] = ret;
    x["Bad_Speculation"] = mx(1 - (x["Frontend_Bound"] + x["Backend_Bound"] + ret), 0);
    x["Fetch_Latency"] = dv(5 * r("IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE") - drop, S);
    x["Fetch_Bandwidth"] = mx(0, x["Frontend_Bound"] - x["Fetch_Latency"]);
    const double bm = r("BR_MISP_RETIRED.ALL_BRANCHES"), mc = r("MACHINE_CLEARS.COUNT");
    x["Branch_Mispredicts"] = dv(bm, bm + mc) * x["Bad_Speculation"];
    x["Machine_Clears"] = mx(0, x["Bad_Speculation"] - x["Branch_Mispredicts"]);
    const double st = r("EXE_ACTIVITY.BOUND_ON_STORES");
    const double bbc =
        r("CYCLE_ACTIVITY.STALLS_TOTAL") + (r("EXE_ACTIVITY.1_PORTS_UTIL") + ret * r("EXE_ACTIVITY.2_PORTS_UTIL")) + st;
    x["Memory_Bound"] = dv(r("CYCLE_ACTIVITY.STALLS_MEM_ANY") + st, bbc) * x["Backend_Bound"];
    x["Core_Bound"] = mx(0, x["Backend_Bound"] - x["Memory_Bound"]);
    const double ms = dv(dv(r("UOPS_RETIRED.SLOTS"), r("UOPS_ISSUED.ANY")) * r("IDQ.MS_UOPS"), S);
    x["Microcode_Sequencer"] = ms;
    x["Heavy_Operations"] = ms + ret * dv(r("UOPS_DECODED.DEC0") - r("UOPS_DECODED.DEC0:c1"), r("IDQ.MITE_UOPS"));
    x["Light_Operations"] = mx(0, ret - x["Heavy_Operations"]);
    x["Few_Uops_Instructions"] = x["Heavy_Operations"] - ms;
    x["L1_Bound"] = mx(dv(r("CYCLE_ACTIVITY.STALLS_MEM_ANY") - r("CYCLE_ACTIVITY.STALLS_L1D_MISS"), clks), 0);
    x["L3_Bound"] = dv(r("CYCLE_ACTIVITY.STALLS_L2_MISS") - r("CYCLE_ACTIVITY.STALLS_L3_MISS"), clks);
    x["Store_Bound"] = dv(st, clks);
    x["UopPI"] = dv(ret * S, r("INST_RETIRED.ANY"));
    x["Spec_Clears_Ratio"] = dv(clears, bm + mc);
    return x;
}

// What SPR and LNL write alike, given their Level 1 and Fetch_Latency: the other Level-2 nodes
// (PERF_METRICS bytes or TOPDOWN.* slot events), Store_Bound, Heavy_Operations' children, UopPI
// and Spec_Clears_Ratio.
void level2_and_info(const Reading& r, bool pm, Expected& x) {
    const double clks = r("CPU_CLK_UNHALTED.THREAD"), S = r("TOPDOWN.SLOTS");
    auto f = [&](double byte, const char* ev) { return pm ? dv(byte, r.PMSUM) : dv(r(ev), S); };
    x["Fetch_Bandwidth"] = mx(0, x["Frontend_Bound"] - x["Fetch_Latency"]);
    x["Branch_Mispredicts"] = f(r.BRM, "TOPDOWN.BR_MISPREDICT_SLOTS");
    x["Machine_Clears"] = mx(0, x["Bad_Speculation"] - x["Branch_Mispredicts"]);
    x["Memory_Bound"] = f(r.MB, "TOPDOWN.MEMORY_BOUND_SLOTS");
    x["Core_Bound"] = mx(0, x["Backend_Bound"] - x["Memory_Bound"]);
    x["Heavy_Operations"] = f(r.HEAVY, "UOPS_RETIRED.HEAVY");
    x["Light_Operations"] = mx(0, x["Retiring"] - x["Heavy_Operations"]);
    x["Store_Bound"] = dv(r("EXE_ACTIVITY.BOUND_ON_STORES"), clks);
    x["Microcode_Sequencer"] = dv(r("UOPS_RETIRED.MS"), S);
    x["Few_Uops_Instructions"] = mx(0, x["Heavy_Operations"] - x["Microcode_Sequencer"]);
    x["UopPI"] = dv(x["Retiring"] * S, r("INST_RETIRED.ANY"));
    x["Spec_Clears_Ratio"] =
        dv(r("INT_MISC.CLEARS_COUNT"), r("BR_MISP_RETIRED.ALL_BRANCHES") + r("MACHINE_CLEARS.COUNT"));
}

// SPR: PERF_METRICS for Levels 1 and 2 (pm), or toplev's GP fallback.
Expected spr(const Reading& r, bool pm) {
    Expected x;
    const double clks = r("CPU_CLK_UNHALTED.THREAD"), S = r("TOPDOWN.SLOTS"), drop = r("INT_MISC.UOP_DROPPING");
    auto f = [&](double byte, const char* ev) { return pm ? dv(byte, r.PMSUM) : dv(r(ev), S); };
    x["Frontend_Bound"] = pm ? dv(r.FE, r.PMSUM) - dv(drop, S) : dv(r("IDQ_BUBBLES.CORE") - drop, S);
    x["Backend_Bound"] = f(r.BE, "TOPDOWN.BACKEND_BOUND_SLOTS");
    x["Retiring"] = f(r.RET, "UOPS_RETIRED.SLOTS");
    x["Bad_Speculation"] = mx(1 - (x["Frontend_Bound"] + x["Backend_Bound"] + x["Retiring"]), 0);
    x["Fetch_Latency"] = pm ? dv(r.FL, r.PMSUM) - dv(drop, S) : dv(6 * r("IDQ_BUBBLES.CYCLES_0_UOPS_DELIV.CORE") - drop, S);
    level2_and_info(r, pm, x);
    x["L1_Bound"] = mx(dv(r("EXE_ACTIVITY.BOUND_ON_LOADS") - r("MEMORY_ACTIVITY.STALLS_L1D_MISS"), clks), 0);
    x["L2_Bound"] = dv(r("MEMORY_ACTIVITY.STALLS_L1D_MISS") - r("MEMORY_ACTIVITY.STALLS_L2_MISS"), clks);
    x["L3_Bound"] = dv(r("MEMORY_ACTIVITY.STALLS_L2_MISS") - r("MEMORY_ACTIVITY.STALLS_L3_MISS"), clks);
    x["DRAM_Bound"] = dv(r("MEMORY_ACTIVITY.STALLS_L3_MISS"), clks);  // perfmon: L3_Miss_Bound
    x["ICache_Misses"] = dv(r("ICACHE_DATA.STALLS"), clks);
    x["Branch_Resteers"] = dv(r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks) + dv(r("INT_MISC.UNKNOWN_BRANCH_CYCLES"), clks);
    x["MS_Switches"] = dv(dv(3 * r("UOPS_RETIRED.MS:c1:e1"), dv(r("UOPS_RETIRED.SLOTS"), r("UOPS_ISSUED.ANY"))), clks);
    x["Divider"] = dv(r("ARITH.DIV_ACTIVE"), clks);
    x["Serializing_Operation"] = dv(r("RESOURCE_STALLS.SCOREBOARD"), clks) + dv(r("CPU_CLK_UNHALTED.C02"), clks);
    const double misp = dv(x["Branch_Mispredicts"], x["Bad_Speculation"]);
    x["Mispredicts_Resteers"] = dv(misp * r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks);
    x["Clears_Resteers"] = dv((1 - misp) * r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks);
    x["Unknown_Branches"] = dv(r("INT_MISC.UNKNOWN_BRANCH_CYCLES"), clks);
    return x;
}

// Level 3 beyond memory and heavy operations, and SKX/ICX's fill-buffer-weighted L2_Bound and
// DRAM_Bound (L3_Miss_Bound on ICX); `skl` picks the SKX form where the two differ.
void skx_icx_level3(const Reading& r, bool skl, Expected& x) {
    const double clks = r("CPU_CLK_UNHALTED.THREAD");
    const double ll2 = r("MEM_LOAD_RETIRED.L2_HIT") * (1 + dv(r("MEM_LOAD_RETIRED.FB_HIT"), r("MEM_LOAD_RETIRED.L1_MISS")));
    const double win = dv(r("CYCLE_ACTIVITY.STALLS_L1D_MISS") - r("CYCLE_ACTIVITY.STALLS_L2_MISS"), clks);
    const double fb = r(skl ? "L1D_PEND_MISS.FB_FULL:c1" : "L1D_PEND_MISS.FB_FULL_PERIODS");
    x["L2_Bound"] = dv(ll2, ll2 + fb) * win;
    x["DRAM_Bound"] = dv(r("CYCLE_ACTIVITY.STALLS_L3_MISS"), clks) + win - dv(ll2, ll2 + fb) * win;
    x["ICache_Misses"] = skl ? dv(r("ICACHE_16B.IFDATA_STALL") + 2 * r("ICACHE_16B.IFDATA_STALL:c1:e1"), clks)
                             : dv(r("ICACHE_DATA.STALLS"), clks);
    x["Branch_Resteers"] = dv(r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks) + dv((skl ? 9 : 10) * r("BACLEARS.ANY"), clks);
    x["MS_Switches"] = dv((skl ? 2 : 3) * r("IDQ.MS_SWITCHES"), clks);
    x["Divider"] = dv(r("ARITH.DIVIDER_ACTIVE"), clks);
    x["Serializing_Operation"] = dv(r(skl ? "PARTIAL_RAT_STALLS.SCOREBOARD" : "RESOURCE_STALLS.SCOREBOARD"), clks);
    const double bm = r("BR_MISP_RETIRED.ALL_BRANCHES"), misp = dv(bm, bm + r("MACHINE_CLEARS.COUNT"));
    x["Mispredicts_Resteers"] = dv(misp * r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks);
    x["Clears_Resteers"] = dv((1 - misp) * r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks);
    x["Unknown_Branches"] = dv((skl ? 9 : 10) * r("BACLEARS.ANY"), clks);
}

// The Level-3 nodes every family writes alike.
void common_level3(const Reading& r, Expected& x) {
    const double clks = r("CPU_CLK_UNHALTED.THREAD");
    x["ITLB_Misses"] = dv(r("ICACHE_TAG.STALLS"), clks);
    x["LCP"] = dv(r("DECODE.LCP"), clks);
    x["DSB_Switches"] = dv(r("DSB2MITE_SWITCHES.PENALTY_CYCLES"), clks);
}

// LNL (Lion Cove P-core): perfmon's lunarlake_metrics_lioncove_core.json reads every PERF_METRICS
// byte directly (no UOP_DROPPING term, Bad_Speculation its own byte) and Level-3 memory from
// MEMORY_STALLS.*; the GP fallback is lnl_lnc_ratios.py's.
Expected lnl(const Reading& r, bool pm) {
    Expected x;
    const double clks = r("CPU_CLK_UNHALTED.THREAD"), S = r("TOPDOWN.SLOTS");
    auto f = [&](double byte, const char* ev) { return pm ? dv(byte, r.PMSUM) : dv(r(ev), S); };
    x["Frontend_Bound"] = f(r.FE, "IDQ_BUBBLES.CORE");
    x["Backend_Bound"] = f(r.BE, "TOPDOWN.BACKEND_BOUND_SLOTS");
    x["Retiring"] = f(r.RET, "UOPS_RETIRED.SLOTS");
    x["Bad_Speculation"] =
        pm ? dv(r.BS, r.PMSUM) : mx(1 - (x["Frontend_Bound"] + x["Backend_Bound"] + x["Retiring"]), 0);
    x["Fetch_Latency"] = pm ? dv(r.FL, r.PMSUM) : dv(r("IDQ_BUBBLES.FETCH_LATENCY"), clks);
    level2_and_info(r, pm, x);
    x["L1_Bound"] = dv(r("MEMORY_STALLS.L1"), clks);
    x["L2_Bound"] = dv(r("MEMORY_STALLS.L2"), clks);
    x["L3_Bound"] = dv(r("MEMORY_STALLS.L3"), clks);
    x["DRAM_Bound"] = dv(r("MEMORY_STALLS.MEM"), clks);
    // Level 3 front end and core bound: IDQ.MS_SWITCHES at issue (no retire fraction, unlike SPR),
    // BE_STALLS.SCOREBOARD plus C0.2 cycles; Level 4 split by Branch_Mispredicts / Bad_Speculation.
    x["ICache_Misses"] = dv(r("ICACHE_DATA.STALLS"), clks);
    x["Branch_Resteers"] = dv(r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks) + dv(r("INT_MISC.UNKNOWN_BRANCH_CYCLES"), clks);
    x["MS_Switches"] = dv(3 * r("IDQ.MS_SWITCHES"), clks);
    x["Divider"] = dv(r("ARITH.DIV_ACTIVE"), clks);
    x["Serializing_Operation"] = dv(r("BE_STALLS.SCOREBOARD") + r("CPU_CLK_UNHALTED.C02"), clks);
    const double misp = dv(x["Branch_Mispredicts"], x["Bad_Speculation"]);
    x["Mispredicts_Resteers"] = dv(misp * r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks);
    x["Clears_Resteers"] = dv((1 - misp) * r("INT_MISC.CLEAR_RESTEER_CYCLES"), clks);
    x["Unknown_Branches"] = dv(r("INT_MISC.UNKNOWN_BRANCH_CYCLES"), clks);
    return x;
}

// Fetch_Bandwidth's children as each family's file writes them (SMT off: CORE_CLKS = CLKS). SKX
// has MITE and DSB, ICX and SPR add MS; LNL reads each supplier's cycles with fewer than 8 uops
// (the EQ compare) plus its uop share of the one-cycle bubbles, and adds LSD.
void fetch_bandwidth_children(const Reading& r, Family f, Expected& x) {
    if (f == Family::LunarLake) {
        const double clks = r("CPU_CLK_UNHALTED.THREAD"), mite = r("IDQ.MITE_UOPS"), dsb = r("IDQ.DSB_UOPS");
        const double bubbles = r("IDQ_BUBBLES.STARVATION_CYCLES") - r("IDQ_BUBBLES.FETCH_LATENCY");
        x["MITE"] = dv(r("IDQ.MITE_UOPS:c8:i1:eq1") / 2 + dv(mite, dsb + mite) * bubbles, clks);
        x["DSB"] = dv(r("IDQ.DSB_UOPS:c8:i1:eq1") / 2 + dv(dsb, dsb + mite) * bubbles, clks);
        x["LSD"] = dv(r("LSD.UOPS:c8:i1:eq1"), clks) / 2;
    }
    const double clks = r("CPU_CLK_UNHALTED.THREAD");
    if (f == Family::Skylake) {
        x["MITE"] = dv(r("IDQ.ALL_MITE_CYCLES_ANY_UOPS") - r("IDQ.ALL_MITE_CYCLES_4_UOPS"), clks) / 2;
    } else if (f != Family::LunarLake) {
        x["MITE"] = dv(r("IDQ.MITE_CYCLES_ANY") - r("IDQ.MITE_CYCLES_OK"), clks) / 2;
    }
    if (f != Family::LunarLake) x["DSB"] = dv(r("IDQ.DSB_CYCLES_ANY") - r("IDQ.DSB_CYCLES_OK"), clks) / 2;
    if (f == Family::IceLake) x["MS"] = dv(r("IDQ.MS_UOPS:c1"), clks) / 3.3;
    if (f == Family::SapphireRapids) {
        const double retire_fraction = dv(r("UOPS_RETIRED.SLOTS"), r("UOPS_ISSUED.ANY"));
        x["MS"] = dv(mx(r("IDQ.MS_CYCLES_ANY"), dv(r("UOPS_RETIRED.MS:c1"), retire_fraction)), clks) / 2.4;
    }
    if (f == Family::LunarLake) x["MS"] = dv(r("IDQ.MS_CYCLES_ANY"), clks) / 1.8;
}

// Lunar Lake's mispredict kinds: each *_COST count times its :retire_latency over CLKS; indirect
// jumps are the indirect branches' product less the indirect calls', floored at 0.
void mispredict_kinds(const Reading& r, Family f, Expected& x) {
    if (f != Family::LunarLake) return;
    const double clks = r("CPU_CLK_UNHALTED.THREAD");
    auto cost = [&](const std::string& e) { return r("BR_MISP_RETIRED." + e) * r("BR_MISP_RETIRED." + e + ":retire_latency"); };
    x["Cond_NT_Mispredicts"] = dv(cost("COND_NTAKEN_COST"), clks);
    x["Cond_TK_Bwd_Mispredicts"] = dv(cost("COND_TAKEN_BWD_COST"), clks);
    x["Cond_TK_Fwd_Mispredicts"] = dv(cost("COND_TAKEN_FWD_COST"), clks);
    x["Ind_Call_Mispredicts"] = dv(cost("INDIRECT_CALL_COST"), clks);
    x["Ind_Jump_Mispredicts"] = mx(dv(cost("INDIRECT_COST") - cost("INDIRECT_CALL_COST"), clks), 0);
    x["Ret_Mispredicts"] = dv(cost("RET_COST"), clks);
}

// Branch_Mispredicts' and Machine_Clears' children: every file writes them alike on its own parent.
void bad_speculation_children(const Reading& r, Expected& x) {
    const double bm = r("BR_MISP_RETIRED.ALL_BRANCHES"), mc = r("MACHINE_CLEARS.COUNT");
    x["Other_Mispredicts"] = mx(x["Branch_Mispredicts"] * (1 - dv(bm, r("INT_MISC.CLEARS_COUNT") - mc)), 0.0001);
    x["Other_Nukes"] = mx(x["Machine_Clears"] * (1 - dv(r("MACHINE_CLEARS.MEMORY_ORDERING"), mc)), 0.0001);
}

// Ports_Utilization and its Level-4 children: perfmon's `x if DIV < core stalls else y`.
void ports_utilization(const Reading& r, Family f, Expected& x) {
    const double clks = r("CPU_CLK_UNHALTED.THREAD"), ret = x["Retiring"];
    const bool spr_up = f == Family::SapphireRapids || f == Family::LunarLake;
    const double p1 = r("EXE_ACTIVITY.1_PORTS_UTIL"), p2 = r(spr_up ? "EXE_ACTIVITY.2_3_PORTS_UTIL" : "EXE_ACTIVITY.2_PORTS_UTIL");
    const double div = r(spr_up ? "ARITH.DIV_ACTIVE" : "ARITH.DIVIDER_ACTIVE");
    const double core_stalls =
        r("CYCLE_ACTIVITY.STALLS_TOTAL") - r(spr_up ? "EXE_ACTIVITY.BOUND_ON_LOADS" : "CYCLE_ACTIVITY.STALLS_MEM_ANY");
    double zero = dv(r(f == Family::IceLake ? "EXE_ACTIVITY.3_PORTS_UTIL:u0x80" : "EXE_ACTIVITY.EXE_BOUND_0_PORTS"), clks);
    if (f == Family::SapphireRapids)
        zero = dv(r("EXE_ACTIVITY.EXE_BOUND_0_PORTS") + mx(r("RS.EMPTY_RESOURCE") - r("RESOURCE_STALLS.SCOREBOARD"), 0), clks) *
               dv(core_stalls, clks);
    x["Ports_Utilized_0"] = zero;
    x["Ports_Utilization"] = div < core_stalls ? dv(zero * clks + p1 + ret * p2, clks) : dv(p1 + ret * p2, clks);
    x["Ports_Utilized_1"] = dv(p1, clks);
    x["Ports_Utilized_2"] = dv(r("EXE_ACTIVITY.2_PORTS_UTIL"), clks);
    if (f == Family::SapphireRapids) x["AMX_Busy"] = dv(r("EXE.AMX_BUSY"), clks);
    x["Ports_Utilized_3m"] = dv(r(f == Family::Skylake ? "UOPS_EXECUTED.CORE_CYCLES_GE_3" : "UOPS_EXECUTED.CYCLES_GE_3"), clks);
}

// Light_Operations' children. SKX and ICX weight Memory_Operations by memory instructions per
// instruction, SPR and LNL by memory uops per retired uop (Retiring * SLOTS; SKX: RETIRE_SLOTS).
// The FP and integer nodes are per retired uop; SKX/SPR/LNL split branches into fused and not, ICX
// has Branch_Instructions; only SPR/LNL have Int_Operations and Shuffles_256b.
void light_operations_children(const Reading& r, Family f, Expected& x) {
    const double light = x["Light_Operations"], ret = x["Retiring"];
    const bool skl = f == Family::Skylake, icl = f == Family::IceLake, lnl = f == Family::LunarLake;
    const double uops = skl ? r("UOPS_RETIRED.RETIRE_SLOTS") : ret * r("TOPDOWN.SLOTS");
    if (skl || icl)
        x["Memory_Operations"] = dv(light * r("MEM_INST_RETIRED.ANY"), r("INST_RETIRED.ANY"));
    else
        x["Memory_Operations"] = dv(light * r("MEM_UOP_RETIRED.ANY"), uops);
    x["X87_Use"] = dv(ret * r("UOPS_EXECUTED.X87"), r("UOPS_EXECUTED.THREAD"));
    const char* fp = lnl ? "FP_ARITH_OPS_RETIRED." : "FP_ARITH_INST_RETIRED.";
    const double scalar = r(std::string(fp) + "SCALAR") + (f == Family::SapphireRapids ? r("FP_ARITH_INST_RETIRED2.SCALAR") : 0);
    const double vector = r(skl ? "FP_ARITH_INST_RETIRED.128B_PACKED_DOUBLE:u0xfc" : std::string(fp) + "VECTOR") +
                          (f == Family::SapphireRapids ? r("FP_ARITH_INST_RETIRED2.VECTOR") : 0);
    x["FP_Scalar"] = dv(scalar, uops);
    x["FP_Vector"] = dv(vector, uops);
    x["FP_Arith"] = x["X87_Use"] + dv(scalar, uops) + dv(vector, uops);
    x["Nop_Instructions"] = dv(light * r("INST_RETIRED.NOP"), uops);
    if (icl) {
        x["Branch_Instructions"] = dv(light * r("BR_INST_RETIRED.ALL_BRANCHES"), uops);
        x["Other_Light_Ops"] = mx(0, light - (x["FP_Arith"] + x["Memory_Operations"] + x["Branch_Instructions"]));
        return;
    }
    const double fused = r(skl ? "UOPS_RETIRED.MACRO_FUSED" : "INST_RETIRED.MACRO_FUSED");
    x["Fused_Instructions"] = dv(light * fused, uops);
    x["Non_Fused_Branches"] = dv(light * (r("BR_INST_RETIRED.ALL_BRANCHES") - r(lnl ? "INST_RETIRED.BR_FUSED" : skl ? "UOPS_RETIRED.MACRO_FUSED" : "INST_RETIRED.MACRO_FUSED")), uops);
    const double branches = x["Fused_Instructions"] + x["Non_Fused_Branches"];
    if (skl) {
        x["Other_Light_Ops"] = mx(0, light - (x["FP_Arith"] + x["Memory_Operations"] + branches));
        return;
    }
    const double i128 = r("INT_VEC_RETIRED.ADD_128") + r("INT_VEC_RETIRED.VNNI_128");
    const double i256 = r("INT_VEC_RETIRED.ADD_256") + r("INT_VEC_RETIRED.MUL_256") + r("INT_VEC_RETIRED.VNNI_256");
    x["Int_Vector_128b"] = dv(lnl ? r("INT_VEC_RETIRED.128BIT") : i128, uops);
    x["Int_Vector_256b"] = dv(lnl ? r("INT_VEC_RETIRED.256BIT") : i256, uops);
    x["Int_Operations"] = x["Int_Vector_128b"] + x["Int_Vector_256b"];
    x["Shuffles_256b"] = dv(light * r("INT_VEC_RETIRED.SHUFFLES"), uops);
    // LNL's remainder subtracts the umask events, SPR's its Int_Operations (the same events there).
    const double fp_int = lnl ? x["X87_Use"] + dv(scalar + vector, uops) + dv(i128 + i256, uops)
                              : x["FP_Arith"] + x["Int_Operations"];
    x["Other_Light_Ops"] = mx(0, light - (fp_int + x["Memory_Operations"] + branches));
}

// Memory_Bound's Level 4 built so far: Store_Fwd_Blk, and DRAM_Bound's MEM_Bandwidth / MEM_Latency
// (bandwidth: reads outstanding >= 4, on SPR >= 12; LNL's event is DATA_RD, not ALL_DATA_RD).
void memory_level4(const Reading& r, Family f, Expected& x) {
    const double clks = r("CPU_CLK_UNHALTED.THREAD");
    auto mn = [](double a, double b) { return a < b ? a : b; };
    const double bw = r(f == Family::LunarLake        ? "OFFCORE_REQUESTS_OUTSTANDING.DATA_RD:c4"
                        : f == Family::SapphireRapids ? "OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c12"
                                                      : "OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4");
    x["Store_Fwd_Blk"] = dv(13 * r("LD_BLOCKS.STORE_FORWARD"), clks);
    x["MEM_Bandwidth"] = dv(mn(clks, bw), clks);
    x["MEM_Latency"] = dv(mn(clks, r("OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD")), clks) - dv(mn(clks, bw), clks);
}

// The Info metrics every family defines alike (SMT off: CORE_CLKS = CLKS).
void common_info(const Reading& r, Expected& x) {
    const double inst = r("INST_RETIRED.ANY"), clks = r("CPU_CLK_UNHALTED.THREAD");
    x["CLKS"] = clks;
    x["IPC"] = dv(inst, clks);
    x["CPI"] = dv(1, dv(inst, clks));
    x["CoreIPC"] = dv(inst, clks);
    x["Instructions"] = inst;
    x["IpBranch"] = dv(inst, r("BR_INST_RETIRED.ALL_BRANCHES"));
    x["IpMispredict"] = dv(inst, r("BR_MISP_RETIRED.ALL_BRANCHES"));
}

struct Case { Family family; Method method; };
class IntelFormulas : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(IntelFormulas, EveryNodeAndInfoMetricEqualsIntelsFormulaOnTheSameCounts) {
    const auto [fam, method] = GetParam();
    const bool pm = method == Method::PerfMetrics;
    std::mt19937_64 rng(7 + int(fam) * 3 + int(method));
    Model m{fam, method, unsigned(width(fam)), 4, pm ? 8u : 0u};
    for (auto& d : describe(fam, method))
        if (d.kind == "metric" && !d.formula.empty()) m.metrics.push_back(d.name);
    int nan_seen = 0, compared = 0;
    for (int i = 0; i < 400; ++i) {
        const Reading r = random_reading(fam, rng, i % 2 == 1);
        Expected x = fam == Family::Skylake ? skx(r) : fam == Family::IceLake ? icx(r, pm)
                     : fam == Family::SapphireRapids ? spr(r, pm) : lnl(r, pm);
        if (fam == Family::Skylake || fam == Family::IceLake) skx_icx_level3(r, fam == Family::Skylake, x);
        common_level3(r, x);
        fetch_bandwidth_children(r, fam, x);
        bad_speculation_children(r, x);
        mispredict_kinds(r, fam, x);
        ports_utilization(r, fam, x);
        light_operations_children(r, fam, x);
        memory_level4(r, fam, x);
        common_info(r, x);
        x["SLOTS"] = fam == Family::Skylake ? 4 * r("CPU_CLK_UNHALTED.THREAD") : r("TOPDOWN.SLOTS");
        const Result got = evaluate(m, inputs(fam, r));
        auto check = [&](const std::string& name, double v) {
            auto it = x.find(name);
            ASSERT_NE(it, x.end()) << name << ": no transcription of Intel's formula";
            ++compared;
            if (std::isnan(it->second)) {
                ++nan_seen;
                EXPECT_TRUE(std::isnan(v)) << name << " case " << i << ": Intel's formula gives NaN, got " << v;
            } else {
                EXPECT_NEAR(v, it->second, 1e-9) << name << " case " << i;
            }
        };
        for (Node n : nodes_up_to(4)) {
            // The family's tree is exactly the nodes Intel's file for it defines.
            EXPECT_EQ(family_defines(fam, n), x.count(node_name(n)) == 1) << node_name(n);
            if (family_defines(fam, n)) check(node_name(n), got.nodes[ni(n)]);
        }
        for (size_t k = 0; k < m.metrics.size(); ++k) check(m.metrics[k], got.metrics[k]);
    }
    EXPECT_GT(nan_seen, 20);  // the 0/0 cases were exercised
    EXPECT_GT(compared, 400 * 20);
}

INSTANTIATE_TEST_SUITE_P(Families, IntelFormulas,
                         ::testing::Values(Case{Family::Skylake, Method::GpEvents},
                                           Case{Family::IceLake, Method::PerfMetrics},
                                           Case{Family::IceLake, Method::GpEvents},
                                           Case{Family::SapphireRapids, Method::PerfMetrics},
                                           Case{Family::SapphireRapids, Method::GpEvents},
                                           Case{Family::LunarLake, Method::PerfMetrics},
                                           Case{Family::LunarLake, Method::GpEvents}),
                         [](const auto& i) {
                             return std::string(family_name(i.param.family)) + "_" + method_name(i.param.method);
                         });

TEST(IntelFormulas, OnlyTheDocumentedSubstitutesDepartFromPerfmon) {
    // The rows the test above cannot compare are exactly the rows with a note saying why.
    for (Family f : {Family::Skylake, Family::IceLake, Family::SapphireRapids, Family::LunarLake})
        for (const FormulaRow& r : family_table(f).rows) {
            const std::string t = r.target;
            const bool generalised = t == "CoreIPC" || (f == Family::Skylake && t == "SLOTS");
            EXPECT_EQ(*r.note != 0, generalised) << family_name(f) << " " << t;
        }
}

TEST(IntelFormulas, SkylakeSiblingsAreNotClamped) {
    // Given a reading where Fetch_Latency exceeds Frontend_Bound, Intel's SKX Fetch_Bandwidth is
    // negative (no max(0, ...) in skylakex_metrics.json); Ice Lake's is clamped at 0.
    Inputs in;
    for (unsigned e = 0; e < kNumEv; ++e) in.set(static_cast<Ev>(e), 10);
    in.set(Ev::Clks, 1000);
    in.set(Ev::Slots, 5000);
    in.set(Ev::IdqNotDelivered, 400);      // FE 0.10 on Skylake (4000 slots)
    in.set(Ev::FetchBubbleCycles, 200);    // FL 800 / 4000 = 0.20
    const Breakdown skl = compute({Family::Skylake, Method::GpEvents, 4, 2, 0}, in);
    EXPECT_NEAR(skl[ni(Node::FetchBandwidth)], 0.10 - 0.20, 1e-12);
    const Breakdown icl = compute({Family::IceLake, Method::GpEvents, 5, 2, 0}, in);
    EXPECT_EQ(icl[ni(Node::FetchBandwidth)], 0.0);
}
