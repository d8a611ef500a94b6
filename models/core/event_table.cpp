#include "models/core/event_table.h"

#include <cctype>

namespace pmusim {

const char* event_name(Event e) {
    static const char* names[kNumEvents] = {
        "core_cycles", "ref_cycles", "instructions", "branches", "branch_misses", "llc_references",
        "llc_misses", "slots", "slots_light_ops", "slots_heavy_ops", "slots_br_mispredict",
        "slots_machine_clears", "slots_fetch_latency", "slots_fetch_bandwidth", "slots_memory_bound",
        "slots_core_bound", "hw_bad_spec", "hw_frontend", "hw_backend", "hw_fetch_latency", "hw_memory_bound",
        "uop_dropping", "recovery_cycles", "fetch_bubble_cycles", "uops_issued", "macro_fused",
        "ms_uops_issued", "ms_uops_retired", "mite_uops", "dec0_uops", "dec0_cycles", "machine_clears",
        "stalls_total", "stalls_mem_any", "bound_on_loads", "bound_on_stores", "stalls_l1d_miss",
        "stalls_l2_miss", "stalls_l3_miss", "ports_1_util", "ports_2_util", "mem_l2_hit", "mem_fb_hit",
        "mem_l1_miss", "fb_full_periods", "fb_full_stalls", "divider_active", "scoreboard_stalls", "c02_cycles",
        "icache_stalls", "icache_stall_edges", "itlb_stalls", "clear_resteer_cycles", "unknown_branch_cycles",
        "baclears", "ms_switch_cycles", "ms_switches", "lcp_stalls", "dsb_switch_penalty", "mem_stalls_l1", "mem_stalls_l2",
        "mem_stalls_l3", "mem_stalls_mem", "mite_cycles_any", "mite_cycles_ok", "dsb_cycles_any", "dsb_cycles_ok",
        "ms_cycles_any", "ms_retired_cycles", "fb_mite_cycles", "fb_dsb_cycles", "fb_ms_cycles",
        "machine_clears_memory_ordering", "other_mispredict_clears", "exe_bound_0_ports", "rs_empty_resource",
        "ports_2_3_util", "ports_3m_cycles", "amx_busy", "mem_inst_retired", "mem_uop_retired", "x87_uops",
        "fp_scalar", "fp_vector", "fp_scalar_half", "fp_vector_half", "fused_retired", "nop_retired",
        "int_vec_add_128", "int_vec_vnni_128", "int_vec_add_256", "int_vec_mul_256", "int_vec_vnni_256",
        "int_vec_shuffles", "store_fwd_cycles", "store_fwd_blocks", "data_rd_cycles", "data_rd_bw_cycles",
        "dsb_uops", "lsd_uops", "mite_partial_cycles", "dsb_partial_cycles", "lsd_partial_cycles", "fb_lsd_cycles",
        "misp_cond_nt", "misp_cond_tk_bwd", "misp_cond_tk_fwd", "misp_ind_call", "misp_ind_jump", "misp_ret",
        "misp_cond_nt_latency", "misp_cond_tk_bwd_latency", "misp_cond_tk_fwd_latency", "misp_ind_call_latency",
        "misp_ind_jump_latency", "misp_ret_latency"};
    return names[idx(e)];
}

namespace {
constexpr EventMask kRetiring = bit(Event::SlotsLightOps) | bit(Event::SlotsHeavyOps);
// INT_MISC.CLEARS_COUNT: every pipeline clear, the mispredicts of retired branches and of branches
// that never retire, and the machine clears (so CLEARS_COUNT - MACHINE_CLEARS.COUNT is exact).
constexpr EventMask kClears = bit(Event::BranchMisses) | bit(Event::OtherMispredictClears) | bit(Event::MachineClears);
constexpr EventMask kIntVec128 = bit(Event::IntVecAdd128) | bit(Event::IntVecVnni128);
constexpr EventMask kIndirect = bit(Event::MispIndCall) | bit(Event::MispIndJump);
constexpr EventMask kIndirectLat = bit(Event::MispIndCallLat) | bit(Event::MispIndJumpLat);
constexpr EventMask kIntVec256 = bit(Event::IntVecAdd256) | bit(Event::IntVecMul256) | bit(Event::IntVecVnni256);
// CMASK value meaning "the pipeline width" (CYCLES_0_UOPS_DELIV.CORE uses cmask = W).
constexpr uint8_t kCmaskWidth = 0xff;
using namespace fam;
}  // namespace

const std::vector<EventEncoding>& event_table() {
    // Architectural encodings: KVM selftests include/x86/pmu.h, SDM Table 18-1. Model-specific
    // ones: Linux tools/perf/pmu-events/arch/x86/{skylake,icelake,sapphirerapids}/*.json.
    static const std::vector<EventEncoding> t = {
        {"cycles", "CPU_CLK_UNHALTED.THREAD_P", 0x3c, 0x00, bit(Event::CoreCycles), 0, false},
        {"instructions", "INST_RETIRED.ANY_P", 0xc0, 0x00, bit(Event::Instructions), 1, false},
        {"ref-cycles", "CPU_CLK_UNHALTED.REF_XCLK", 0x3c, 0x01, bit(Event::RefCycles), 2, false},
        {"cache-references", "LONGEST_LAT_CACHE.REFERENCE", 0x2e, 0x4f, bit(Event::LlcReferences), 3, false},
        {"cache-misses", "LONGEST_LAT_CACHE.MISS", 0x2e, 0x41, bit(Event::LlcMisses), 4, false},
        {"branches", "BR_INST_RETIRED.ALL_BRANCHES", 0xc4, 0x00, bit(Event::Branches), 5, false},
        {"branch-misses", "BR_MISP_RETIRED.ALL_BRANCHES", 0xc5, 0x00, bit(Event::BranchMisses), 6, false},
        {"topdown.slots", "TOPDOWN.SLOTS_P", 0xa4, 0x01, bit(Event::Slots), 7, true},
        {"topdown.backend_bound_slots", "TOPDOWN.BACKEND_BOUND_SLOTS", 0xa4, 0x02, bit(Event::HwBackend), 8, true},
        {"topdown.bad_spec_slots", "TOPDOWN.BAD_SPEC_SLOTS", 0x73, 0x00, bit(Event::HwBadSpec), 9, true},
        {"topdown.fe_bound_slots", "IDQ_BUBBLES.CORE", 0x9c, 0x01, bit(Event::HwFrontend), 10, true},
        {"topdown.retiring_slots", "UOPS_RETIRED.SLOTS", 0xc2, 0x02, kRetiring, 11, true},
        {"lbr-inserts", "LBR_INSERTS.ANY", 0xe4, 0x01, bit(Event::Branches), 12, false},
        // Skylake names of the same slot counts.
        {"idq_uops_not_delivered.core", "IDQ_UOPS_NOT_DELIVERED.CORE", 0x9c, 0x01, bit(Event::HwFrontend), -1, false, 0, false, kSkl | kIcl},
        {"uops_retired.retire_slots", "UOPS_RETIRED.RETIRE_SLOTS", 0xc2, 0x02, kRetiring, -1, false, 0, false, kSkl},
        // Level-2 slot events (SPR+; intel/perfmon issue #225).
        // The model-specific encoding of the same count (0x73 is the architectural one, SDM Table 18-1).
        {"topdown.bad_spec_slots", "TOPDOWN.BAD_SPEC_SLOTS", 0xa4, 0x04, bit(Event::HwBadSpec), -1, true, 0, false, kSprUp},
        {"topdown.br_mispredict_slots", "TOPDOWN.BR_MISPREDICT_SLOTS", 0xa4, 0x08, bit(Event::SlotsBrMispredict), -1, true, 0, false, kSprUp},
        {"topdown.memory_bound_slots", "TOPDOWN.MEMORY_BOUND_SLOTS", 0xa4, 0x10, bit(Event::HwMemoryBound), -1, true, 0, false, kSprUp},
        {"uops_retired.heavy", "UOPS_RETIRED.HEAVY", 0xc2, 0x01, bit(Event::SlotsHeavyOps), -1, true, 0, false, kSprUp},
        {"uops_retired.ms", "UOPS_RETIRED.MS", 0xc2, 0x04, bit(Event::MsUopsRetired), -1, false, 0, false, kSprUp},
        {"uops_retired.macro_fused", "UOPS_RETIRED.MACRO_FUSED", 0xc2, 0x04, bit(Event::MacroFused), -1, false, 0, false, kSkl},
        // Front end.
        {"idq_uops_not_delivered.cycles_0_uops_deliv.core", "IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE", 0x9c, 0x01,
         bit(Event::FetchBubbleCycles), -1, false, kCmaskWidth, false, kSkl | kIcl},
        {"idq_bubbles.cycles_0_uops_deliv.core", "IDQ_BUBBLES.CYCLES_0_UOPS_DELIV.CORE", 0x9c, 0x01,
         bit(Event::FetchBubbleCycles), -1, false, kCmaskWidth, false, kSprUp},
        {"idq.ms_uops", "IDQ.MS_UOPS", 0x79, 0x30, bit(Event::MsUopsIssued), -1, false, 0, false, kSkl | kIcl},
        {"idq.ms_uops", "IDQ.MS_UOPS", 0x79, 0x20, bit(Event::MsUopsIssued), -1, false, 0, false, kSprUp},
        {"idq.mite_uops", "IDQ.MITE_UOPS", 0x79, 0x04, bit(Event::MiteUops), -1, false},
        {"uops_decoded.dec0", "UOPS_DECODED.DEC0", 0x56, 0x01, bit(Event::Dec0Uops), -1, false, 0, false, kIcl},
        {"uops_decoded.dec0:c1", "UOPS_DECODED.DEC0:c1", 0x56, 0x01, bit(Event::Dec0Cycles), -1, false, 1, false, kIcl},
        // Speculation and recovery.
        {"uops_issued.any", "UOPS_ISSUED.ANY", 0x0e, 0x01, bit(Event::UopsIssued), -1, false, 0, false, kSkl | kIcl},
        {"uops_issued.any", "UOPS_ISSUED.ANY", 0xae, 0x01, bit(Event::UopsIssued), -1, false, 0, false, kSprUp},
        {"int_misc.recovery_cycles", "INT_MISC.RECOVERY_CYCLES", 0x0d, 0x01, bit(Event::RecoveryCycles), -1, false, 0, false, kSkl | kIcl},
        {"int_misc.recovery_cycles", "INT_MISC.RECOVERY_CYCLES", 0xad, 0x01, bit(Event::RecoveryCycles), -1, false, 0, false, kSprUp},
        {"int_misc.clears_count", "INT_MISC.CLEARS_COUNT", 0x0d, 0x01, kClears, -1, false, 1, true, kSkl | kIcl},
        {"int_misc.clears_count", "INT_MISC.CLEARS_COUNT", 0xad, 0x01, kClears, -1, false, 1, true, kSprUp},
        {"int_misc.uop_dropping", "INT_MISC.UOP_DROPPING", 0x0d, 0x10, bit(Event::UopDropping), -1, false, 0, false, kIcl},
        {"int_misc.uop_dropping", "INT_MISC.UOP_DROPPING", 0xad, 0x10, bit(Event::UopDropping), -1, false, 0, false, kSprUp},
        {"machine_clears.count", "MACHINE_CLEARS.COUNT", 0xc3, 0x01, bit(Event::MachineClears), -1, false, 1, true},
        {"machine_clears.memory_ordering", "MACHINE_CLEARS.MEMORY_ORDERING", 0xc3, 0x02, bit(Event::MachineClearsMemOrdering), -1, false},
        // Back end.
        {"cycle_activity.stalls_total", "CYCLE_ACTIVITY.STALLS_TOTAL", 0xa3, 0x04, bit(Event::StallsTotal), -1, false, 4, false},
        {"cycle_activity.stalls_mem_any", "CYCLE_ACTIVITY.STALLS_MEM_ANY", 0xa3, 0x14, bit(Event::StallsMemAny), -1, false, 20, false, kSkl | kIcl},
        {"exe_activity.bound_on_loads", "EXE_ACTIVITY.BOUND_ON_LOADS", 0xa6, 0x21, bit(Event::BoundOnLoads), -1, false, 5, false, kSprUp},
        {"exe_activity.bound_on_stores", "EXE_ACTIVITY.BOUND_ON_STORES", 0xa6, 0x40, bit(Event::BoundOnStores), -1, false, 0, false, kSkl},
        {"exe_activity.bound_on_stores", "EXE_ACTIVITY.BOUND_ON_STORES", 0xa6, 0x40, bit(Event::BoundOnStores), -1, false, 2, false, kIclUp},
        {"exe_activity.1_ports_util", "EXE_ACTIVITY.1_PORTS_UTIL", 0xa6, 0x02, bit(Event::Ports1Util), -1, false},
        {"exe_activity.2_ports_util", "EXE_ACTIVITY.2_PORTS_UTIL", 0xa6, 0x04, bit(Event::Ports2Util), -1, false},
        {"cycle_activity.stalls_l1d_miss", "CYCLE_ACTIVITY.STALLS_L1D_MISS", 0xa3, 0x0c, bit(Event::StallsL1dMiss), -1, false, 12, false, kSkl | kIcl},
        {"cycle_activity.stalls_l2_miss", "CYCLE_ACTIVITY.STALLS_L2_MISS", 0xa3, 0x05, bit(Event::StallsL2Miss), -1, false, 5, false, kSkl | kIcl},
        {"cycle_activity.stalls_l3_miss", "CYCLE_ACTIVITY.STALLS_L3_MISS", 0xa3, 0x06, bit(Event::StallsL3Miss), -1, false, 6, false, kSkl | kIcl},
        {"memory_activity.stalls_l1d_miss", "MEMORY_ACTIVITY.STALLS_L1D_MISS", 0x47, 0x03, bit(Event::StallsL1dMiss), -1, false, 3, false, kSpr},
        {"memory_activity.stalls_l2_miss", "MEMORY_ACTIVITY.STALLS_L2_MISS", 0x47, 0x05, bit(Event::StallsL2Miss), -1, false, 5, false, kSpr},
        {"memory_activity.stalls_l3_miss", "MEMORY_ACTIVITY.STALLS_L3_MISS", 0x47, 0x09, bit(Event::StallsL3Miss), -1, false, 9, false, kSpr},
        // Level 3 (intel/perfmon {SKX,ICX,SPR,LNL}/events/*_core.json).
        {"mem_load_retired.l2_hit", "MEM_LOAD_RETIRED.L2_HIT", 0xd1, 0x02, bit(Event::MemL2Hit), -1, false},
        {"mem_load_retired.l1_miss", "MEM_LOAD_RETIRED.L1_MISS", 0xd1, 0x08, bit(Event::MemL1Miss), -1, false},
        {"mem_load_retired.fb_hit", "MEM_LOAD_RETIRED.FB_HIT", 0xd1, 0x40, bit(Event::MemFbHit), -1, false},
        {"l1d_pend_miss.fb_full:c1", "L1D_PEND_MISS.FB_FULL:c1", 0x48, 0x02, bit(Event::FbFullPeriods), -1, false, 1, false, kSkl},
        {"l1d_pend_miss.fb_full_periods", "L1D_PEND_MISS.FB_FULL_PERIODS", 0x48, 0x02, bit(Event::FbFullPeriods), -1, false, 1, true, kIcl},
        {"arith.divider_active", "ARITH.DIVIDER_ACTIVE", 0x14, 0x01, bit(Event::DividerActive), -1, false, 1, false, kSkl},
        {"arith.divider_active", "ARITH.DIVIDER_ACTIVE", 0x14, 0x09, bit(Event::DividerActive), -1, false, 1, false, kIcl},
        {"arith.div_active", "ARITH.DIV_ACTIVE", 0xb0, 0x09, bit(Event::DividerActive), -1, false, 1, false, kSprUp},
        {"partial_rat_stalls.scoreboard", "PARTIAL_RAT_STALLS.SCOREBOARD", 0x59, 0x01, bit(Event::ScoreboardStalls), -1, false, 0, false, kSkl},
        {"resource_stalls.scoreboard", "RESOURCE_STALLS.SCOREBOARD", 0xa2, 0x02, bit(Event::ScoreboardStalls), -1, false, 0, false, kIcl | kSpr},
        {"cpu_clk_unhalted.c02", "CPU_CLK_UNHALTED.C02", 0xec, 0x20, bit(Event::C02Cycles), -1, false, 0, false, kSprUp},
        {"icache_16b.ifdata_stall", "ICACHE_16B.IFDATA_STALL", 0x80, 0x04, bit(Event::IcacheStalls), -1, false, 0, false, kSkl},
        {"icache_16b.ifdata_stall:c1:e1", "ICACHE_16B.IFDATA_STALL:c1:e1", 0x80, 0x04, bit(Event::IcacheStallEdges), -1, false, 1, true, kSkl},
        {"icache_data.stalls", "ICACHE_DATA.STALLS", 0x80, 0x04, bit(Event::IcacheStalls), -1, false, 0, false, kIclUp},
        {"icache_tag.stalls", "ICACHE_TAG.STALLS", 0x83, 0x04, bit(Event::ItlbStalls), -1, false},
        {"int_misc.clear_resteer_cycles", "INT_MISC.CLEAR_RESTEER_CYCLES", 0x0d, 0x80, bit(Event::ClearResteerCycles), -1, false, 0, false, kSkl | kIcl},
        {"int_misc.clear_resteer_cycles", "INT_MISC.CLEAR_RESTEER_CYCLES", 0xad, 0x80, bit(Event::ClearResteerCycles), -1, false, 0, false, kSprUp},
        {"int_misc.unknown_branch_cycles", "INT_MISC.UNKNOWN_BRANCH_CYCLES", 0xad, 0x40, bit(Event::UnknownBranchCycles), -1, false, 0, false, kSprUp},
        {"baclears.any", "BACLEARS.ANY", 0xe6, 0x01, bit(Event::Baclears), -1, false, 0, false, kSkl | kIcl},
        {"baclears.any", "BACLEARS.ANY", 0x60, 0x01, bit(Event::Baclears), -1, false, 0, false, kSpr},
        {"idq.ms_switches", "IDQ.MS_SWITCHES", 0x79, 0x30, bit(Event::MsSwitches), -1, false, 1, true, kSkl | kIcl},
        {"uops_retired.ms:c1:e1", "UOPS_RETIRED.MS:c1:e1", 0xc2, 0x04, bit(Event::MsSwitches), -1, false, 1, true, kSpr},
        {"decode.lcp", "DECODE.LCP", 0x87, 0x01, bit(Event::LcpStalls), -1, false},
        {"dsb2mite_switches.penalty_cycles", "DSB2MITE_SWITCHES.PENALTY_CYCLES", 0xab, 0x02, bit(Event::DsbSwitchPenalty), -1, false, 0, false, kSkl | kIcl},
        {"dsb2mite_switches.penalty_cycles", "DSB2MITE_SWITCHES.PENALTY_CYCLES", 0x61, 0x02, bit(Event::DsbSwitchPenalty), -1, false, 0, false, kSprUp},
        // Lunar Lake P-core (Lion Cove): load stalls by serving level (0x46, no MEMORY_ACTIVITY),
        // fetch-latency cycles.
        {"memory_stalls.l1", "MEMORY_STALLS.L1", 0x46, 0x01, bit(Event::MemStallsL1), -1, false, 0, false, kLnl},
        {"memory_stalls.l2", "MEMORY_STALLS.L2", 0x46, 0x02, bit(Event::MemStallsL2), -1, false, 0, false, kLnl},
        {"memory_stalls.l3", "MEMORY_STALLS.L3", 0x46, 0x04, bit(Event::MemStallsL3), -1, false, 0, false, kLnl},
        {"memory_stalls.mem", "MEMORY_STALLS.MEM", 0x46, 0x08, bit(Event::MemStallsMem), -1, false, 0, false, kLnl},
        {"idq_bubbles.fetch_latency", "IDQ_BUBBLES.FETCH_LATENCY", 0x9c, 0x04, bit(Event::FetchBubbleCycles), -1, false, 0, false, kLnl},
        // Its Level-3 names where they differ from Sapphire Rapids' (LNL/events/lunarlake_lioncove_core.json):
        // the scoreboard stall is BE_STALLS.*, microcode switches are counted at issue as on ICL.
        {"be_stalls.scoreboard", "BE_STALLS.SCOREBOARD", 0xa2, 0x02, bit(Event::ScoreboardStalls), -1, false, 0, false, kLnl},
        {"idq.ms_switches", "IDQ.MS_SWITCHES", 0x79, 0x20, bit(Event::MsSwitches), -1, false, 1, true, kLnl},
        // Fetch_Bandwidth's children: the suppliers' cycles with any uop (c1) and with the full
        // width (cW: 4 on SKL, 5 on ICL, 6 on SPR, 8 on LNL), the sequencer's active cycles.
        {"idq.all_mite_cycles_any_uops", "IDQ.ALL_MITE_CYCLES_ANY_UOPS", 0x79, 0x24, bit(Event::MiteCyclesAny), -1, false, 1, false, kSkl},
        {"idq.all_mite_cycles_4_uops", "IDQ.ALL_MITE_CYCLES_4_UOPS", 0x79, 0x24, bit(Event::MiteCyclesOk), -1, false, kCmaskWidth, false, kSkl},
        {"idq.dsb_cycles_any", "IDQ.DSB_CYCLES_ANY", 0x79, 0x18, bit(Event::DsbCyclesAny), -1, false, 1, false, kSkl},
        {"idq.dsb_cycles_ok", "IDQ.DSB_CYCLES_OK", 0x79, 0x18, bit(Event::DsbCyclesOk), -1, false, kCmaskWidth, false, kSkl},
        {"idq.mite_cycles_any", "IDQ.MITE_CYCLES_ANY", 0x79, 0x04, bit(Event::MiteCyclesAny), -1, false, 1, false, kIclUp},
        {"idq.mite_cycles_ok", "IDQ.MITE_CYCLES_OK", 0x79, 0x04, bit(Event::MiteCyclesOk), -1, false, kCmaskWidth, false, kIclUp},
        {"idq.dsb_cycles_any", "IDQ.DSB_CYCLES_ANY", 0x79, 0x08, bit(Event::DsbCyclesAny), -1, false, 1, false, kIclUp},
        {"idq.dsb_cycles_ok", "IDQ.DSB_CYCLES_OK", 0x79, 0x08, bit(Event::DsbCyclesOk), -1, false, kCmaskWidth, false, kIclUp},
        {"idq.ms_uops:c1", "IDQ.MS_UOPS:c1", 0x79, 0x30, bit(Event::MsCyclesAny), -1, false, 1, false, kIcl},
        {"idq.ms_cycles_any", "IDQ.MS_CYCLES_ANY", 0x79, 0x20, bit(Event::MsCyclesAny), -1, false, 1, false, kSprUp},
        {"uops_retired.ms:c1", "UOPS_RETIRED.MS:c1", 0xc2, 0x04, bit(Event::MsRetiredCycles), -1, false, 1, false, kSpr},
        // Ports_Utilization: cycles with no port busy (not waiting on memory), 2 or 3 ports busy,
        // and 3 or more uops executed.
        {"exe_activity.exe_bound_0_ports", "EXE_ACTIVITY.EXE_BOUND_0_PORTS", 0xa6, 0x01, bit(Event::ExeBound0Ports), -1, false, 0, false, kSkl},
        {"exe_activity.3_ports_util:u0x80", "EXE_ACTIVITY.3_PORTS_UTIL:u0x80", 0xa6, 0x80, bit(Event::ExeBound0Ports), -1, false, 0, false, kIcl},
        {"exe_activity.exe_bound_0_ports", "EXE_ACTIVITY.EXE_BOUND_0_PORTS", 0xa6, 0x80, bit(Event::ExeBound0Ports), -1, false, 0, false, kSprUp},
        {"rs.empty_resource", "RS.EMPTY_RESOURCE", 0xa5, 0x01, bit(Event::RsEmptyResource), -1, false, 0, false, kSprUp},
        {"exe_activity.2_3_ports_util", "EXE_ACTIVITY.2_3_PORTS_UTIL", 0xa6, 0x0c, bit(Event::Ports23Util), -1, false, 0, false, kSprUp},
        {"uops_executed.core_cycles_ge_3", "UOPS_EXECUTED.CORE_CYCLES_GE_3", 0xb1, 0x02, bit(Event::Ports3mCycles), -1, false, 3, false, kSkl},
        {"uops_executed.cycles_ge_3", "UOPS_EXECUTED.CYCLES_GE_3", 0xb1, 0x01, bit(Event::Ports3mCycles), -1, false, 3, false, kIclUp},
        {"exe.amx_busy", "EXE.AMX_BUSY", 0xb7, 0x02, bit(Event::AmxBusy), -1, false, 0, false, kSpr},
        // Memory_Operations: retired memory instructions (SKL, ICL) or memory uops (SPR, LNL).
        {"mem_inst_retired.any", "MEM_INST_RETIRED.ANY", 0xd0, 0x83, bit(Event::MemInstRetired), -1, false, 0, false, kSkl | kIcl},
        {"mem_uop_retired.any", "MEM_UOP_RETIRED.ANY", 0xe5, 0x03, bit(Event::MemUopRetired), -1, false, 0, false, kSpr},
        {"mem_uop_retired.any", "MEM_UOP_RETIRED.ANY", 0xe5, 0x0f, bit(Event::MemUopRetired), -1, false, 0, false, kLnl},
        // Light_Operations' other children: x87 uops among the executed ones (every issued uop
        // executes: assumption), FP arithmetic by width and precision, fused and NOP instructions,
        // integer vector uops (SPR, LNL; 128BIT and 256BIT are the sums of their umask bits).
        {"uops_executed.x87", "UOPS_EXECUTED.X87", 0xb1, 0x10, bit(Event::X87Uops), -1, false},
        {"uops_executed.thread", "UOPS_EXECUTED.THREAD", 0xb1, 0x01, bit(Event::UopsIssued), -1, false},
        {"fp_arith_inst_retired.scalar", "FP_ARITH_INST_RETIRED.SCALAR", 0xc7, 0x03, bit(Event::FpScalar), -1, false, 0, false, kSkl | kIcl | kSpr},
        {"fp_arith_inst_retired.128b_packed_double:u0xfc", "FP_ARITH_INST_RETIRED.128B_PACKED_DOUBLE:u0xfc", 0xc7, 0xfc, bit(Event::FpVector), -1, false, 0, false, kSkl},
        {"fp_arith_inst_retired.vector", "FP_ARITH_INST_RETIRED.VECTOR", 0xc7, 0xfc, bit(Event::FpVector), -1, false, 0, false, kIcl | kSpr},
        {"fp_arith_inst_retired2.scalar", "FP_ARITH_INST_RETIRED2.SCALAR", 0xcf, 0x03, bit(Event::FpScalarHalf), -1, false, 0, false, kSpr},
        {"fp_arith_inst_retired2.vector", "FP_ARITH_INST_RETIRED2.VECTOR", 0xcf, 0x1c, bit(Event::FpVectorHalf), -1, false, 0, false, kSpr},
        {"fp_arith_ops_retired.scalar", "FP_ARITH_OPS_RETIRED.SCALAR", 0xc7, 0x03, bit(Event::FpScalar), -1, false, 0, false, kLnl},
        {"fp_arith_ops_retired.vector", "FP_ARITH_OPS_RETIRED.VECTOR", 0xc7, 0x3c, bit(Event::FpVector), -1, false, 0, false, kLnl},
        {"inst_retired.nop", "INST_RETIRED.NOP", 0xc0, 0x02, bit(Event::NopRetired), -1, false},
        {"inst_retired.macro_fused", "INST_RETIRED.MACRO_FUSED", 0xc0, 0x10, bit(Event::FusedRetired), -1, false, 0, false, kSpr},
        {"inst_retired.macro_fused", "INST_RETIRED.MACRO_FUSED", 0xc0, 0x30, bit(Event::FusedRetired), -1, false, 0, false, kLnl},
        {"inst_retired.br_fused", "INST_RETIRED.BR_FUSED", 0xc0, 0x10, bit(Event::FusedRetired), -1, false, 0, false, kLnl},
        {"int_vec_retired.add_128", "INT_VEC_RETIRED.ADD_128", 0xe7, 0x03, bit(Event::IntVecAdd128), -1, false, 0, false, kSprUp},
        {"int_vec_retired.vnni_128", "INT_VEC_RETIRED.VNNI_128", 0xe7, 0x10, bit(Event::IntVecVnni128), -1, false, 0, false, kSprUp},
        {"int_vec_retired.add_256", "INT_VEC_RETIRED.ADD_256", 0xe7, 0x0c, bit(Event::IntVecAdd256), -1, false, 0, false, kSprUp},
        {"int_vec_retired.mul_256", "INT_VEC_RETIRED.MUL_256", 0xe7, 0x80, bit(Event::IntVecMul256), -1, false, 0, false, kSprUp},
        {"int_vec_retired.vnni_256", "INT_VEC_RETIRED.VNNI_256", 0xe7, 0x20, bit(Event::IntVecVnni256), -1, false, 0, false, kSprUp},
        {"int_vec_retired.shuffles", "INT_VEC_RETIRED.SHUFFLES", 0xe7, 0x40, bit(Event::IntVecShuffles), -1, false, 0, false, kSprUp},
        {"int_vec_retired.128bit", "INT_VEC_RETIRED.128BIT", 0xe7, 0x13, kIntVec128, -1, false, 0, false, kSprUp},
        {"int_vec_retired.256bit", "INT_VEC_RETIRED.256BIT", 0xe7, 0xac, kIntVec256, -1, false, 0, false, kSprUp},
        // Memory_Bound's Level 4: store-forwarding blocks, cycles with demand data reads outstanding
        // (c1) and with at least N of them (the bandwidth-bound cycles; N per Intel's formula).
        {"ld_blocks.store_forward", "LD_BLOCKS.STORE_FORWARD", 0x03, 0x02, bit(Event::StoreFwdBlocks), -1, false, 0, false, kSkl | kIcl},
        {"ld_blocks.store_forward", "LD_BLOCKS.STORE_FORWARD", 0x03, 0x82, bit(Event::StoreFwdBlocks), -1, false, 0, false, kSprUp},
        {"offcore_requests_outstanding.cycles_with_data_rd", "OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD", 0x60, 0x08, bit(Event::DataRdCycles), -1, false, 1, false, kSkl | kIcl},
        {"offcore_requests_outstanding.cycles_with_data_rd", "OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD", 0x20, 0x08, bit(Event::DataRdCycles), -1, false, 1, false, kSprUp},
        {"offcore_requests_outstanding.all_data_rd:c4", "OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c4", 0x60, 0x08, bit(Event::DataRdBwCycles), -1, false, 4, false, kSkl | kIcl},
        {"offcore_requests_outstanding.all_data_rd:c12", "OFFCORE_REQUESTS_OUTSTANDING.ALL_DATA_RD:c12", 0x20, 0x08, bit(Event::DataRdBwCycles), -1, false, 12, false, kSpr},
        {"offcore_requests_outstanding.data_rd:c4", "OFFCORE_REQUESTS_OUTSTANDING.DATA_RD:c4", 0x20, 0x08, bit(Event::DataRdBwCycles), -1, false, 4, false, kLnl},
        // Lunar Lake's MITE, DSB and LSD: each supplier's uops, the cycles with no uop delivered
        // (STARVATION_CYCLES, the model's FETCH_LATENCY cycles: docs/workloads.md), and the cycles
        // a supplier delivered some but fewer than 8 uops, programmed as CMASK 8 with INV and EQ
        // (perfmon v6), a cycle event of its own like the other CMASK views.
        {"idq.dsb_uops", "IDQ.DSB_UOPS", 0x79, 0x08, bit(Event::DsbUops), -1, false, 0, false, kLnl},
        {"lsd.uops", "LSD.UOPS", 0xa8, 0x01, bit(Event::LsdUops), -1, false, 0, false, kLnl},
        {"idq_bubbles.starvation_cycles", "IDQ_BUBBLES.STARVATION_CYCLES", 0x9c, 0x01, bit(Event::FetchBubbleCycles), -1, false, kCmaskWidth, false, kLnl},
        {"idq.mite_uops:c8:i1:eq1", "IDQ.MITE_UOPS:c8:i1:eq1", 0x79, 0x04, bit(Event::MitePartialCycles), -1, false, 8, false, kLnl, 0, true, true},
        {"idq.dsb_uops:c8:i1:eq1", "IDQ.DSB_UOPS:c8:i1:eq1", 0x79, 0x08, bit(Event::DsbPartialCycles), -1, false, 8, false, kLnl, 0, true, true},
        {"lsd.uops:c8:i1:eq1", "LSD.UOPS:c8:i1:eq1", 0xa8, 0x01, bit(Event::LsdPartialCycles), -1, false, 8, false, kLnl, 0, true, true},
        // Lunar Lake's mispredicts by kind, the precise *_COST events whose PEBS records carry the
        // retire latency (perf's :R reads its mean: `latency`). INDIRECT is calls and jumps, not RETs.
        {"br_misp_retired.cond_ntaken_cost", "BR_MISP_RETIRED.COND_NTAKEN_COST", 0xc5, 0x50, bit(Event::MispCondNt), -1, false, 0, false, kLnl, 0, false, false, bit(Event::MispCondNtLat)},
        {"br_misp_retired.cond_taken_bwd_cost", "BR_MISP_RETIRED.COND_TAKEN_BWD_COST", 0xc5, 0x41, bit(Event::MispCondTkBwd), -1, false, 0, false, kLnl, 0, false, false, bit(Event::MispCondTkBwdLat)},
        {"br_misp_retired.cond_taken_fwd_cost", "BR_MISP_RETIRED.COND_TAKEN_FWD_COST", 0xc5, 0x40, bit(Event::MispCondTkFwd), -1, false, 0, false, kLnl, 0x01, false, false, bit(Event::MispCondTkFwdLat)},
        {"br_misp_retired.indirect_call_cost", "BR_MISP_RETIRED.INDIRECT_CALL_COST", 0xc5, 0x42, bit(Event::MispIndCall), -1, false, 0, false, kLnl, 0, false, false, bit(Event::MispIndCallLat)},
        {"br_misp_retired.indirect_cost", "BR_MISP_RETIRED.INDIRECT_COST", 0xc5, 0xc0, kIndirect, -1, false, 0, false, kLnl, 0, false, false, kIndirectLat},
        {"br_misp_retired.ret_cost", "BR_MISP_RETIRED.RET_COST", 0xc5, 0x48, bit(Event::MispRet), -1, false, 0, false, kLnl, 0, false, false, bit(Event::MispRetLat)},
    };
    return t;
}

namespace {
uint8_t family_bit(const CpuConfig& cpu) { return static_cast<uint8_t>(1u << static_cast<unsigned>(cpu.tma_family)); }
uint8_t effective_cmask(const EventEncoding& e, const CpuConfig& cpu) {
    return e.cmask == kCmaskWidth ? static_cast<uint8_t>(cpu.slots_per_cycle) : e.cmask;
}
std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}
}  // namespace

bool encoding_available(const EventEncoding& e, const CpuConfig& cpu) {
    if (!(e.families & family_bit(cpu))) return false;
    return !e.needs_topdown || cpu.topdown_events;
}

const EventEncoding* find_encoding(const CpuConfig& cpu, uint8_t event_select, uint8_t umask, uint8_t cmask,
                                   bool edge, uint8_t umask2, bool inv, bool eq) {
    const EventEncoding* plain = nullptr;
    for (auto& e : event_table()) {
        if (e.event_select != event_select || e.umask != umask || e.umask2 != umask2 || !encoding_available(e, cpu))
            continue;
        const bool exact = e.cmask != 0 || e.edge;
        if (exact && effective_cmask(e, cpu) == cmask && e.edge == edge && e.inv == inv && e.eq == eq) return &e;
        if (!exact && !plain) plain = &e;
    }
    return plain;
}

const EventEncoding* find_event_by_name(const std::string& name, const CpuConfig& cpu) {
    const std::string n = lower(name);
    for (auto& e : event_table())
        if ((n == e.name || n == lower(e.intel_name)) && encoding_available(e, cpu)) return &e;
    return nullptr;
}

uint64_t encoding_bits(const EventEncoding& e, const CpuConfig& cpu) {
    return e.event_select | (uint64_t(e.umask) << 8) | (e.edge ? 1ull << 18 : 0) | (e.inv ? 1ull << 23 : 0) |
           (uint64_t(effective_cmask(e, cpu)) << 24) | (e.eq ? 1ull << 36 : 0) | (uint64_t(e.umask2) << 40);
}

}  // namespace pmusim
