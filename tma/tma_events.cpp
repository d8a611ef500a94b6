// The name of each TMA input event on each family, as that family's event list spells it
// (Linux tools/perf/pmu-events/arch/x86/<cpu>/*.json, intel/perfmon <CPU>/events/*_core.json).
#include "tma/tma_engine.h"

namespace pmusim::tma {

const char* event_name(Ev e, Family f) {
    const bool lnl = f == Family::LunarLake, spr = f == Family::SapphireRapids || lnl, skl = f == Family::Skylake;
    switch (e) {
        case Ev::Clks: return "cycles";
        case Ev::Slots: return "slots";
        case Ev::Instructions: return "instructions";
        case Ev::IdqNotDelivered: return spr ? "IDQ_BUBBLES.CORE" : "IDQ_UOPS_NOT_DELIVERED.CORE";
        case Ev::FetchBubbleCycles:
            if (lnl) return "IDQ_BUBBLES.FETCH_LATENCY";
            return spr ? "IDQ_BUBBLES.CYCLES_0_UOPS_DELIV.CORE" : "IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE";
        case Ev::UopDropping: return "INT_MISC.UOP_DROPPING";
        case Ev::ClearsCount: return "INT_MISC.CLEARS_COUNT";
        case Ev::RecoveryCycles: return "INT_MISC.RECOVERY_CYCLES";
        case Ev::UopsIssued: return "UOPS_ISSUED.ANY";
        case Ev::UopsRetiredSlots: return skl ? "UOPS_RETIRED.RETIRE_SLOTS" : "UOPS_RETIRED.SLOTS";
        case Ev::UopsRetiredHeavy: return "UOPS_RETIRED.HEAVY";
        case Ev::MacroFused: return "UOPS_RETIRED.MACRO_FUSED";
        case Ev::IdqMsUops: return "IDQ.MS_UOPS";
        case Ev::UopsRetiredMs: return "UOPS_RETIRED.MS";
        case Ev::MiteUops: return "IDQ.MITE_UOPS";
        case Ev::Dec0: return "UOPS_DECODED.DEC0";
        case Ev::Dec0C1: return "UOPS_DECODED.DEC0:c1";
        case Ev::BrMispRetired: return "BR_MISP_RETIRED.ALL_BRANCHES";
        case Ev::MachineClearsCount: return "MACHINE_CLEARS.COUNT";
        case Ev::BackendBoundSlots: return "TOPDOWN.BACKEND_BOUND_SLOTS";
        case Ev::BrMispredictSlots: return "TOPDOWN.BR_MISPREDICT_SLOTS";
        case Ev::MemoryBoundSlots: return "TOPDOWN.MEMORY_BOUND_SLOTS";
        case Ev::StallsTotal: return "CYCLE_ACTIVITY.STALLS_TOTAL";
        case Ev::StallsMemAny: return "CYCLE_ACTIVITY.STALLS_MEM_ANY";
        case Ev::BoundOnLoads: return "EXE_ACTIVITY.BOUND_ON_LOADS";
        case Ev::BoundOnStores: return "EXE_ACTIVITY.BOUND_ON_STORES";
        case Ev::Ports1Util: return "EXE_ACTIVITY.1_PORTS_UTIL";
        case Ev::Ports2Util: return "EXE_ACTIVITY.2_PORTS_UTIL";
        case Ev::StallsL1dMiss: return spr ? "MEMORY_ACTIVITY.STALLS_L1D_MISS" : "CYCLE_ACTIVITY.STALLS_L1D_MISS";
        case Ev::StallsL2Miss: return spr ? "MEMORY_ACTIVITY.STALLS_L2_MISS" : "CYCLE_ACTIVITY.STALLS_L2_MISS";
        case Ev::StallsL3Miss: return spr ? "MEMORY_ACTIVITY.STALLS_L3_MISS" : "CYCLE_ACTIVITY.STALLS_L3_MISS";
        case Ev::Branches: return "BR_INST_RETIRED.ALL_BRANCHES";
        case Ev::MemL2Hit: return "MEM_LOAD_RETIRED.L2_HIT";
        case Ev::MemFbHit: return "MEM_LOAD_RETIRED.FB_HIT";
        case Ev::MemL1Miss: return "MEM_LOAD_RETIRED.L1_MISS";
        case Ev::FbFull: return skl ? "L1D_PEND_MISS.FB_FULL:c1" : "L1D_PEND_MISS.FB_FULL_PERIODS";
        case Ev::DividerActive: return spr ? "ARITH.DIV_ACTIVE" : "ARITH.DIVIDER_ACTIVE";
        case Ev::Scoreboard:
            if (lnl) return "BE_STALLS.SCOREBOARD";
            return skl ? "PARTIAL_RAT_STALLS.SCOREBOARD" : "RESOURCE_STALLS.SCOREBOARD";
        case Ev::C02: return "CPU_CLK_UNHALTED.C02";
        case Ev::IcacheStalls: return skl ? "ICACHE_16B.IFDATA_STALL" : "ICACHE_DATA.STALLS";
        case Ev::IcacheStallEdges: return "ICACHE_16B.IFDATA_STALL:c1:e1";
        case Ev::ItlbStalls: return "ICACHE_TAG.STALLS";
        case Ev::ClearResteerCycles: return "INT_MISC.CLEAR_RESTEER_CYCLES";
        case Ev::UnknownBranchCycles: return "INT_MISC.UNKNOWN_BRANCH_CYCLES";
        case Ev::Baclears: return "BACLEARS.ANY";
        case Ev::MsSwitches: return spr && !lnl ? "UOPS_RETIRED.MS:c1:e1" : "IDQ.MS_SWITCHES";
        case Ev::LcpStalls: return "DECODE.LCP";
        case Ev::DsbSwitchPenalty: return "DSB2MITE_SWITCHES.PENALTY_CYCLES";
        case Ev::MemStallsL1: return "MEMORY_STALLS.L1";
        case Ev::MemStallsL2: return "MEMORY_STALLS.L2";
        case Ev::MemStallsL3: return "MEMORY_STALLS.L3";
        case Ev::MemStallsMem: return "MEMORY_STALLS.MEM";
        case Ev::MiteCyclesAny: return skl ? "IDQ.ALL_MITE_CYCLES_ANY_UOPS" : "IDQ.MITE_CYCLES_ANY";
        case Ev::MiteCyclesOk: return skl ? "IDQ.ALL_MITE_CYCLES_4_UOPS" : "IDQ.MITE_CYCLES_OK";
        case Ev::DsbCyclesAny: return "IDQ.DSB_CYCLES_ANY";
        case Ev::DsbCyclesOk: return "IDQ.DSB_CYCLES_OK";
        case Ev::MsCyclesAny: return spr ? "IDQ.MS_CYCLES_ANY" : "IDQ.MS_UOPS:c1";
        case Ev::MsRetiredCycles: return "UOPS_RETIRED.MS:c1";
        case Ev::MachineClearsMemOrdering: return "MACHINE_CLEARS.MEMORY_ORDERING";
        case Ev::ExeBound0Ports:
            return f == Family::IceLake ? "EXE_ACTIVITY.3_PORTS_UTIL:u0x80" : "EXE_ACTIVITY.EXE_BOUND_0_PORTS";
        case Ev::RsEmptyResource: return "RS.EMPTY_RESOURCE";
        case Ev::Ports23Util: return "EXE_ACTIVITY.2_3_PORTS_UTIL";
        case Ev::Ports3m: return skl ? "UOPS_EXECUTED.CORE_CYCLES_GE_3" : "UOPS_EXECUTED.CYCLES_GE_3";
        case Ev::AmxBusy: return "EXE.AMX_BUSY";
        case Ev::MemInst: return "MEM_INST_RETIRED.ANY";
        case Ev::MemUop: return "MEM_UOP_RETIRED.ANY";
        case Ev::X87Uops: return "UOPS_EXECUTED.X87";
        case Ev::UopsExecuted: return "UOPS_EXECUTED.THREAD";
        case Ev::FpScalar: return lnl ? "FP_ARITH_OPS_RETIRED.SCALAR" : "FP_ARITH_INST_RETIRED.SCALAR";
        case Ev::FpVector:
            if (lnl) return "FP_ARITH_OPS_RETIRED.VECTOR";
            return skl ? "FP_ARITH_INST_RETIRED.128B_PACKED_DOUBLE:u0xfc" : "FP_ARITH_INST_RETIRED.VECTOR";
        case Ev::FpScalarHalf: return "FP_ARITH_INST_RETIRED2.SCALAR";
        case Ev::FpVectorHalf: return "FP_ARITH_INST_RETIRED2.VECTOR";
        case Ev::InstMacroFused: return "INST_RETIRED.MACRO_FUSED";
        case Ev::BrFused: return "INST_RETIRED.BR_FUSED";
        case Ev::Nop: return "INST_RETIRED.NOP";
        case Ev::IntVecAdd128: return "INT_VEC_RETIRED.ADD_128";
        case Ev::IntVecVnni128: return "INT_VEC_RETIRED.VNNI_128";
        case Ev::IntVecAdd256: return "INT_VEC_RETIRED.ADD_256";
        case Ev::IntVecMul256: return "INT_VEC_RETIRED.MUL_256";
        case Ev::IntVecVnni256: return "INT_VEC_RETIRED.VNNI_256";
        case Ev::IntVecShuffles: return "INT_VEC_RETIRED.SHUFFLES";
        case Ev::IntVec128: return "INT_VEC_RETIRED.128BIT";
        case Ev::IntVec256: return "INT_VEC_RETIRED.256BIT";
        case Ev::StoreForward: return "LD_BLOCKS.STORE_FORWARD";
        case Ev::DataRdCycles: return "OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD";
        case Ev::DataRdBwCycles:
            if (lnl) return "OFFCORE_REQUESTS_OUTSTANDING.DATA_RD:c4";
            return spr ? "OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c12" : "OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4";
        case Ev::DsbUops: return "IDQ.DSB_UOPS";
        case Ev::StarvationCycles: return "IDQ_BUBBLES.STARVATION_CYCLES";
        case Ev::MitePartialCycles: return "IDQ.MITE_UOPS:c8:i1:eq1";
        case Ev::DsbPartialCycles: return "IDQ.DSB_UOPS:c8:i1:eq1";
        case Ev::LsdPartialCycles: return "LSD.UOPS:c8:i1:eq1";
        case Ev::CondNtCost: return "BR_MISP_RETIRED.COND_NTAKEN_COST";
        case Ev::CondTkBwdCost: return "BR_MISP_RETIRED.COND_TAKEN_BWD_COST";
        case Ev::CondTkFwdCost: return "BR_MISP_RETIRED.COND_TAKEN_FWD_COST";
        case Ev::IndCallCost: return "BR_MISP_RETIRED.INDIRECT_CALL_COST";
        case Ev::IndirectCost: return "BR_MISP_RETIRED.INDIRECT_COST";
        case Ev::RetCost: return "BR_MISP_RETIRED.RET_COST";
        case Ev::CondNtCostR: return "BR_MISP_RETIRED.COND_NTAKEN_COST:R";
        case Ev::CondTkBwdCostR: return "BR_MISP_RETIRED.COND_TAKEN_BWD_COST:R";
        case Ev::CondTkFwdCostR: return "BR_MISP_RETIRED.COND_TAKEN_FWD_COST:R";
        case Ev::IndCallCostR: return "BR_MISP_RETIRED.INDIRECT_CALL_COST:R";
        case Ev::IndirectCostR: return "BR_MISP_RETIRED.INDIRECT_COST:R";
        case Ev::RetCostR: return "BR_MISP_RETIRED.RET_COST:R";
        case Ev::Count: break;
    }
    return "?";
}

const char* formula_event_name(Ev e, Family f) {
    switch (e) {
        case Ev::Clks: return "CPU_CLK_UNHALTED.THREAD";
        case Ev::Slots: return "TOPDOWN.SLOTS";
        case Ev::Instructions: return "INST_RETIRED.ANY";
        // perfmon's metric files spell perf's :R as :retire_latency.
        case Ev::CondNtCostR: return "BR_MISP_RETIRED.COND_NTAKEN_COST:retire_latency";
        case Ev::CondTkBwdCostR: return "BR_MISP_RETIRED.COND_TAKEN_BWD_COST:retire_latency";
        case Ev::CondTkFwdCostR: return "BR_MISP_RETIRED.COND_TAKEN_FWD_COST:retire_latency";
        case Ev::IndCallCostR: return "BR_MISP_RETIRED.INDIRECT_CALL_COST:retire_latency";
        case Ev::IndirectCostR: return "BR_MISP_RETIRED.INDIRECT_COST:retire_latency";
        case Ev::RetCostR: return "BR_MISP_RETIRED.RET_COST:retire_latency";
        default: return event_name(e, f);
    }
}

bool is_retire_latency(Ev e) { return e >= Ev::CondNtCostR && e <= Ev::RetCostR; }

}  // namespace pmusim::tma
