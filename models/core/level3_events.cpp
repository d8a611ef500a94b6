// The events of the Level-3 front-end and core-bound nodes, derived from a phase's fetch-latency
// and core-bound cycles so that each family's formula (intel/perfmon {SKX,ICX,SPR} metrics files)
// gives the cause's share of cycles. The costs per event (2 or 3 cycles per microcode-sequencer
// switch, 9 or 10 per BACLEAR) are the constants of those formulas; the splits marked as
// assumptions are this model's choices (docs/workloads.md "Level-3 events").
#include <algorithm>
#include <cstdint>

#include "models/core/phase_model.h"
#include "models/core/workload.h"
#include "models/cpu/cpu_config.h"

namespace pmusim {

namespace {
uint64_t num(double per_cycle) { return per_cycle <= 0 ? 0 : rate_numerator(per_cycle); }

// Costs the formulas of each family multiply counts by (perfmon's MS_Switches and Branch_Resteers).
struct FamilyCosts {
    double ms_switch, baclear;
};
FamilyCosts costs(TmaFamily f) {
    return f == TmaFamily::Skylake ? FamilyCosts{2, 9} : FamilyCosts{3, 10};
}
}  // namespace

void derive_level3(const PhaseParams& p, const CpuConfig& cpu, uint64_t FL, uint64_t K, double retire_fraction,
                   Phase& out) {
    auto set = [&](Event e, double per_cycle) { out.rate[idx(e)] = num(per_cycle); };
    const TmaFamily fam = cpu.tma_family;
    const FamilyCosts c = costs(fam);
    const double W = cpu.slots_per_cycle;
    const double fl = double(FL) / W / kRateDen, core = double(K) / W / kRateDen;  // cycles per cycle

    // Instruction-cache misses. Skylake's ICACHE_16B.IFDATA_STALL misses 2 cycles per miss that its
    // formula adds back from the :c1:e1 edge count; assumption: a miss stalls 20 cycles.
    const double ic = p.fetch_causes[0] * fl;
    const double edges = fam == TmaFamily::Skylake ? ic / 20 : 0.0;
    set(Event::IcacheStalls, ic - 2 * edges);
    set(Event::IcacheStallEdges, edges);
    set(Event::ItlbStalls, p.fetch_causes[1] * fl);
    // Resteers: assumption 70 % after clears, 30 % for branches the BPU did not know; the latter
    // counted as cycles on Sapphire Rapids and as BACLEARS (x the family's cost) before it.
    const double resteer = p.fetch_causes[2] * fl;
    set(Event::ClearResteerCycles, 0.7 * resteer);
    set(Event::UnknownBranchCycles, 0.3 * resteer);
    set(Event::Baclears, 0.3 * resteer / c.baclear);
    // Switches to the microcode sequencer: the truth in cycles, the count so that the family's
    // formula gives them (Sapphire Rapids counts retired switches, its formula divides by the
    // retired share of issued uops).
    const double ms = p.fetch_causes[3] * fl;
    set(Event::MsSwitchCycles, ms);
    set(Event::MsSwitches, fam == TmaFamily::SapphireRapids ? ms * retire_fraction / c.ms_switch : ms / c.ms_switch);
    set(Event::LcpStalls, p.fetch_causes[4] * fl);
    set(Event::DsbSwitchPenalty, p.fetch_causes[5] * fl);

    // Core bound: the divider, and serializing operations (assumption: on Sapphire Rapids a fifth
    // of those cycles are TPAUSE/UMWAIT in C0.2, which its Serializing_Operation adds).
    set(Event::DividerActive, p.divider_share * core);
    const double ser = p.serializing_share * core;
    const double c02 = fam == TmaFamily::SapphireRapids ? 0.2 * ser : 0.0;
    set(Event::ScoreboardStalls, ser - c02);
    set(Event::C02Cycles, c02);
}

// Fetch_Bandwidth's children. Intel estimates each supplier's lost cycles as half of its cycles
// with some but not all of the width delivered, (ANY - OK) / 2, and the sequencer's as its active
// cycles over a family constant (3.3 on ICX, 2.4 on SPR, 1.8 on LNL: perfmon's MS). The truth is
// fb_causes x the fetch-bandwidth cycles; the counts are sized so those formulas give it.
// Lunar Lake reads those cycles directly, as IDQ.*_UOPS:c8:i1:eq1 (and the LSD's LSD.UOPS:c8:i1:eq1):
// the model counts them as ANY - OK, 2 x the truth.
// Assumption: half of each supplier's uops come in full-width cycles (the OK counts); the loop
// stream detector delivers W/2 uops in each of its partial cycles and none in full ones; the uops
// from neither MITE, the sequencer nor the LSD come from the DSB.
void derive_fetch_bandwidth(const PhaseParams& p, const CpuConfig& cpu, uint64_t FB, double retire_fraction,
                            Phase& out) {
    auto set = [&](Event e, double per_cycle) { out.rate[idx(e)] = num(per_cycle); };
    auto per_cycle = [&](Event e) { return double(out.rate[idx(e)]) / kRateDen; };
    const double W = cpu.slots_per_cycle, fb = double(FB) / W / kRateDen;
    const double mite = per_cycle(Event::MiteUops), ms_uops = per_cycle(Event::MsUopsIssued);
    const double t_mite = p.fb_causes[0] * fb, t_dsb = p.fb_causes[1] * fb, t_ms = p.fb_causes[2] * fb;
    const double t_lsd = p.fb_causes[3] * fb, lsd = t_lsd * W;
    const double dsb = std::max(0.0, per_cycle(Event::UopsIssued) - mite - ms_uops - lsd);
    set(Event::FbMiteCycles, t_mite);
    set(Event::FbDsbCycles, t_dsb);
    set(Event::FbMsCycles, t_ms);
    set(Event::FbLsdCycles, t_lsd);
    set(Event::DsbUops, dsb);
    set(Event::LsdUops, lsd);
    set(Event::MitePartialCycles, 2 * t_mite);
    set(Event::DsbPartialCycles, 2 * t_dsb);
    set(Event::LsdPartialCycles, 2 * t_lsd);
    set(Event::MiteCyclesOk, 0.5 * mite / W);
    set(Event::MiteCyclesAny, 0.5 * mite / W + 2 * t_mite);
    set(Event::DsbCyclesOk, 0.5 * dsb / W);
    set(Event::DsbCyclesAny, 0.5 * dsb / W + 2 * t_dsb);
    const TmaFamily fam = cpu.tma_family;
    const double ms_cost = fam == TmaFamily::IceLake ? 3.3 : fam == TmaFamily::LunarLake ? 1.8 : 2.4;
    set(Event::MsCyclesAny, ms_cost * t_ms);
    // Sapphire Rapids also reads the retired sequencer cycles over the retired share of issued uops
    // and takes the larger: the model retires that share of them, so both terms agree.
    set(Event::MsRetiredCycles, ms_cost * t_ms * retire_fraction);
}

// Ports_Utilization: the core-bound cycles neither the divider nor serializing operations explain.
// They are the no-port stall cycles less those two (EXE_BOUND_0_PORTS; none if the two fill them:
// assumption, the divider then runs beside other uops), plus the cycles some ports were busy. Intel
// counts the no-port cycles only while the divider is busy for fewer cycles than the core stalls.
// Sapphire Rapids multiplies (EXE_BOUND_0_PORTS + RS.EMPTY_RESOURCE - SCOREBOARD) by the core-stall
// fraction: RS.EMPTY_RESOURCE is sized so that the product is those cycles. EXE_ACTIVITY.2_3_PORTS_UTIL
// is the two-port count (no core-bound cycle has three ports busy), UOPS_EXECUTED.CYCLES_GE_3 half
// the cycles' worth of retiring slots (assumptions; docs/workloads.md "Level-3 events").
void derive_ports(const PhaseParams& p, const CpuConfig& cpu, uint64_t K, double retiring_share, Phase& out) {
    auto set = [&](Event e, double per_cycle) { out.rate[idx(e)] = num(per_cycle); };
    const double R = double(K) / cpu.slots_per_cycle / kRateDen;
    const double idle = std::max(0.0, kCoreStallShare - p.divider_share - p.serializing_share) * R;
    set(Event::ExeBound0Ports, idle);
    const double stall = kCoreStallShare * R, sb = double(out.rate[idx(Event::ScoreboardStalls)]) / kRateDen;
    set(Event::RsEmptyResource, sb + (stall > 0 ? idle / stall - idle : 0.0));
    out.rate[idx(Event::Ports23Util)] = out.rate[idx(Event::Ports2Util)];
    set(Event::Ports3mCycles, 0.5 * retiring_share);
    // AMX tile operations (Sapphire Rapids' AMX_Busy): amx_share of the core-bound cycles, beside
    // the ports' accounting (the AMX unit is its own engine; assumption).
    set(Event::AmxBusy, p.amx_share * R);
}

// Memory_Bound's Level 4. Store_Fwd_Blk: store_fwd_share of the L1-bound cycles (load stalls that
// miss no cache) blocked on store forwarding; perfmon costs each LD_BLOCKS.STORE_FORWARD 13 cycles,
// so the count is those cycles / 13. MEM_Bandwidth / MEM_Latency: with demand data reads
// outstanding in every DRAM-bound cycle (CYCLES_WITH_DATA_RD), mem_bw_share of them with at least
// N outstanding (the bandwidth-bound ones). Assumption: no read is outstanding outside DRAM-bound
// cycles (docs/workloads.md "Level-3 events").
void derive_memory_level4(const PhaseParams& p, Phase& out) {
    auto rate = [&](Event e) { return out.rate[idx(e)]; };
    auto set = [&](Event e, double per_cycle) { out.rate[idx(e)] = num(per_cycle); };
    const uint64_t loads = rate(Event::BoundOnLoads), l1d_miss = rate(Event::StallsL1dMiss);
    const double l1 = double(loads > l1d_miss ? loads - l1d_miss : 0) / kRateDen;
    set(Event::StoreFwdCycles, p.store_fwd_share * l1);
    set(Event::StoreFwdBlocks, p.store_fwd_share * l1 / 13);
    const double dram = double(rate(Event::StallsL3Miss) + rate(Event::FbFullStalls)) / kRateDen;
    set(Event::DataRdCycles, dram);
    set(Event::DataRdBwCycles, p.mem_bw_share * dram);
}

// Lunar Lake's mispredict kinds: misp_kinds of the retired mispredicts, each with its mean retire
// latency misp_costs (0: the phase's mean, its mispredict cycles B/W per retired mispredict). The
// latency events sum count x cost, so their ratio is the mean perf's :R reads, and their share of
// the cycles is each kind's truth (perfmon LNL: count x :retire_latency / CLKS).
void derive_mispredict_kinds(const PhaseParams& p, const CpuConfig& cpu, uint64_t B, Phase& out) {
    static constexpr Event kCount[] = {Event::MispCondNt, Event::MispCondTkBwd, Event::MispCondTkFwd,
                                       Event::MispIndCall, Event::MispIndJump, Event::MispRet};
    static constexpr Event kLatency[] = {Event::MispCondNtLat, Event::MispCondTkBwdLat, Event::MispCondTkFwdLat,
                                         Event::MispIndCallLat, Event::MispIndJumpLat, Event::MispRetLat};
    const double misses = double(out.rate[idx(Event::BranchMisses)]) / kRateDen;
    const double mean_cost = misses > 0 ? double(B) / cpu.slots_per_cycle / kRateDen / misses : 0.0;
    for (unsigned k = 0; k < 6; ++k) {
        const double n = p.misp_kinds[k] * misses, cost = p.misp_costs[k] > 0 ? p.misp_costs[k] : mean_cost;
        out.rate[idx(kCount[k])] = num(n);
        out.rate[idx(kLatency[k])] = num(n * cost);
    }
}

}  // namespace pmusim
