#include "models/core/phase_model.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

#include "models/core/workload.h"
#include "models/cpu/cpu_config.h"

namespace pmusim {

const std::array<const char*, kNumLeaves> kLeafNames = {"light_ops",     "heavy_ops",       "br_mispredict",
                                                        "machine_clears", "fetch_latency", "fetch_bandwidth",
                                                        "memory_bound",  "core_bound"};

namespace {

[[noreturn]] void fail(const std::string& field, const std::string& msg) {
    throw std::invalid_argument(field + ": " + msg);
}

void check_range(double v, const char* field, double lo, double hi) {
    if (!(v >= lo && v <= hi)) {
        std::ostringstream os;
        os << "must be within " << lo << ".." << hi << ", got " << v;
        fail(field, os.str());
    }
}

const char* const kMemLevelNames[4] = {"mem_l1", "mem_l2", "mem_l3", "mem_dram"};
}  // namespace

const std::array<const char*, 6> kFetchCauseNames = {"fl_icache", "fl_itlb", "fl_resteers",
                                                     "fl_ms_switches", "fl_lcp", "fl_dsb_switches"};
const std::array<const char*, 4> kFbCauseNames = {"fb_mite", "fb_dsb", "fb_ms", "fb_lsd"};
const std::array<const char*, 6> kMispKindNames = {"misp_cond_nt", "misp_cond_tk_bwd", "misp_cond_tk_fwd",
                                                   "misp_ind_call", "misp_ind_jump", "misp_ret"};
const std::array<const char*, 6> kMispCostNames = {"misp_cost_cond_nt", "misp_cost_cond_tk_bwd", "misp_cost_cond_tk_fwd",
                                                   "misp_cost_ind_call", "misp_cost_ind_jump", "misp_cost_ret"};

namespace {

struct ScalarParam {
    const char* name;
    double PhaseParams::*field;
    double lo, hi;
};
const ScalarParam kScalars[] = {
    {"instructions", &PhaseParams::instructions, 0, 64},
    {"branches", &PhaseParams::branches, 0, 64},
    {"branch_misses", &PhaseParams::branch_misses, 0, 64},
    {"llc_references", &PhaseParams::llc_references, 0, 64},
    {"llc_misses", &PhaseParams::llc_misses, 0, 64},
    {"ref_cycles", &PhaseParams::ref_cycles, 0, 64},
    {"kernel_share", &PhaseParams::kernel_share, 0, 1},
    {"halted_share", &PhaseParams::halted_share, 0, 1},
    {"uop_dropping", &PhaseParams::uop_dropping, 0, 1},
    {"recovery_share", &PhaseParams::recovery_share, 0, 1},
    {"other_mispredicts", &PhaseParams::other_mispredicts, 0, 0.99},
    {"memory_ordering_share", &PhaseParams::memory_ordering_share, 0, 1},
    {"ms_share", &PhaseParams::ms_share, 0, 1},
    {"store_share", &PhaseParams::store_share, 0, 1},
    {"fb_full_share", &PhaseParams::fb_full_share, 0, 1},
    {"divider_share", &PhaseParams::divider_share, 0, 1},
    {"serializing_share", &PhaseParams::serializing_share, 0, 1},
    {"amx_share", &PhaseParams::amx_share, 0, 1},
    {"mem_ops_share", &PhaseParams::mem_ops_share, 0, 1},
    {"x87_share", &PhaseParams::x87_share, 0, 1},
    {"fp_scalar", &PhaseParams::fp_scalar, 0, 1},
    {"fp_vector", &PhaseParams::fp_vector, 0, 1},
    {"fp16_share", &PhaseParams::fp16_share, 0, 1},
    {"int_vec_128", &PhaseParams::int_vec_128, 0, 1},
    {"int_vec_256", &PhaseParams::int_vec_256, 0, 1},
    {"shuffles_256", &PhaseParams::shuffles_256, 0, 1},
    {"fused_share", &PhaseParams::fused_share, 0, 1},
    {"nop_share", &PhaseParams::nop_share, 0, 1},
    {"store_fwd_share", &PhaseParams::store_fwd_share, 0, 1},
    {"mem_bw_share", &PhaseParams::mem_bw_share, 0, 1},
};

uint64_t num(double per_cycle) { return per_cycle <= 0 ? 0 : rate_numerator(per_cycle); }

}  // namespace

void validate(const PhaseParams& p) {
    for (auto& s : kScalars) check_range(p.*(s.field), s.name, s.lo, s.hi);
    if (p.branch_misses > p.branches) fail("branch_misses", "cannot exceed branches");
    if (p.llc_misses > p.llc_references) fail("llc_misses", "cannot exceed llc_references");
    double sum = 0;
    for (unsigned k = 0; k < kNumLeaves; ++k) {
        if (!(p.slot_mix[k] >= 0.0 && std::isfinite(p.slot_mix[k])))
            fail(std::string("slot_mix.") + kLeafNames[k], "fractions must be finite and >= 0");
        sum += p.slot_mix[k];
    }
    if (!(sum > 0.0)) fail("slot_mix", "fractions must not all be 0");
    double ml = 0;
    for (unsigned k = 0; k < 4; ++k) {
        check_range(p.mem_levels[k], kMemLevelNames[k], 0, 1);
        ml += p.mem_levels[k];
    }
    if (!(ml > 0.0)) fail("mem_levels", "the L1/L2/L3/DRAM shares must not all be 0");
    double fc = 0;
    for (unsigned k = 0; k < kFetchCauseNames.size(); ++k) {
        check_range(p.fetch_causes[k], kFetchCauseNames[k], 0, 1);
        fc += p.fetch_causes[k];
    }
    if (fc > 1.0 + 1e-12) fail("fl_icache", "the fetch-latency causes fl_* must not add up to more than 1");
    double fb = 0;
    for (unsigned k = 0; k < kFbCauseNames.size(); ++k) {
        check_range(p.fb_causes[k], kFbCauseNames[k], 0, 1);
        fb += p.fb_causes[k];
    }
    if (fb > 1.0 + 1e-12) fail("fb_mite", "the fetch-bandwidth causes fb_* must not add up to more than 1");
    double mk = 0;
    for (unsigned k = 0; k < kMispKindNames.size(); ++k) {
        check_range(p.misp_kinds[k], kMispKindNames[k], 0, 1);
        check_range(p.misp_costs[k], kMispCostNames[k], 0, 1e6);
        mk += p.misp_kinds[k];
    }
    if (mk > 1.0 + 1e-12) fail("misp_cond_nt", "the mispredict kinds misp_* must not add up to more than 1");
    if (p.divider_share + p.serializing_share > 1.0 + 1e-12)
        fail("divider_share", "divider_share + serializing_share must not exceed 1");
    if (p.kernel_share + p.halted_share > 1.0 + 1e-12)
        fail("kernel_share", "kernel_share + halted_share must not exceed 1");
    if (p.period == 0) fail("period", "must be at least 1 cycle");
    if (p.halted_share >= 1.0) fail("halted_share", "a fully halted phase has no cycles to count");
}

namespace {

// Leaves: S * mix, the rounding remainder given to the largest leaf so they add up to S.
std::array<uint64_t, kNumLeaves> leaf_rates(const PhaseParams& p, uint64_t S) {
    double sum = 0;
    for (double f : p.slot_mix) sum += f;
    std::array<uint64_t, kNumLeaves> leaf{};
    uint64_t given = 0;
    unsigned largest = 0;
    for (unsigned k = 0; k < kNumLeaves; ++k) {
        leaf[k] = static_cast<uint64_t>(std::llround(static_cast<double>(S) * p.slot_mix[k] / sum));
        given += leaf[k];
        if (p.slot_mix[k] > p.slot_mix[largest]) largest = k;
    }
    leaf[largest] = leaf[largest] + S - given;
    return leaf;
}

// The slot atoms (slot_split.h): d of the machine-clear slots go to the front end, x of the
// backend slots to Bad Speculation, out of Core Bound first (so Memory_Bound = min(M, M + K - x)).
// Each slot event's rate is the sum of its atoms: the leaves, and the hardware's view (Bad Spec
// B + C - d + x, Frontend FL + FB + d, Backend M + K - x, ...).
void split_slots(const std::array<uint64_t, kNumLeaves>& l, uint64_t d, uint64_t x, Phase& out) {
    const uint64_t xk = std::min(x, l[7]), xm = x - xk;
    out.slots = make_slot_split({l[0], l[1], l[2], l[3] - d, d, l[4], l[5], xm, l[6] - xm, xk, l[7] - xk});
    kAtomEvents.for_each([&](unsigned e) {
        uint64_t v = 0;
        for (uint16_t at = atoms_of(e); at; at &= at - 1) v += out.slots.rate[__builtin_ctz(at)];
        out.rate[e] = v;
    });
}

// Backend cycles (slots / W): loads and stores stall for the memory-bound share; the core-bound
// cycles R split 0.5 stalls / 0.3 one port / 0.2 two ports so that the SKL/ICL Memory_Bound
// ratio (STALLS_MEM_ANY + BOUND_ON_STORES) / (STALLS_TOTAL + 1P + Ret * 2P + BOUND_ON_STORES)
// is exactly M / (M + K). rf: the retiring share of slots. With `fb_shift` (Skylake, Ice Lake),
// fb_full_share of the DRAM stalls fall in the L1D-miss-not-L2-miss window, as the fill-buffer
// weighting of their L2_Bound assumes (docs/workloads.md "Level-3 events").
void derive_backend(const PhaseParams& p, uint64_t M, uint64_t K, unsigned W, double rf, bool fb_shift, Phase& out) {
    auto set = [&](Event e, uint64_t v) { out.rate[idx(e)] = v; };
    const double mem_c = double(M) / W, R = double(K) / W;
    const double sma = (1 - p.store_share) * mem_c, bos = p.store_share * mem_c;
    double ml = 0;
    for (double v : p.mem_levels) ml += v;
    const double l2p = (p.mem_levels[1] + p.mem_levels[2] + p.mem_levels[3]) / ml;
    const double l3p = (p.mem_levels[2] + p.mem_levels[3]) / ml, drp = p.mem_levels[3] / ml;
    const double fs = fb_shift ? p.fb_full_share * drp : 0.0, fbs = fs * sma;
    set(Event::StallsMemAny, num(sma / kRateDen));
    set(Event::BoundOnStores, num(bos / kRateDen));
    set(Event::BoundOnLoads, num(sma / kRateDen));
    set(Event::StallsL1dMiss, num(l2p * sma / kRateDen));
    set(Event::StallsL2Miss, num((l3p * sma - fbs) / kRateDen));
    set(Event::StallsL3Miss, num((drp * sma - fbs) / kRateDen));
    set(Event::FbFullStalls, num(fbs / kRateDen));
    // MEMORY_STALLS.* are the differences of the nested stall counts, so each level's rate is exact.
    const auto less = [&](Event a, Event b) {
        const uint64_t x = out.rate[idx(a)], y = out.rate[idx(b)];
        return x > y ? x - y : 0;
    };
    set(Event::MemStallsL1, less(Event::BoundOnLoads, Event::StallsL1dMiss));
    set(Event::MemStallsL2, less(Event::StallsL1dMiss, Event::StallsL2Miss));
    set(Event::MemStallsL3, less(Event::StallsL2Miss, Event::StallsL3Miss));
    set(Event::MemStallsMem, out.rate[idx(Event::StallsL3Miss)]);
    set(Event::StallsTotal, num((sma + kCoreStallShare * R) / kRateDen));
    if (rf > 0) {
        set(Event::Ports1Util, num(0.3 * R / kRateDen));
        set(Event::Ports2Util, num(0.2 * R / rf / kRateDen));
    } else {
        set(Event::Ports1Util, num(0.5 * R / kRateDen));
    }
    // Retired loads by where they hit (5 per 100 instructions miss the L1, 1 in 5 of those hits a
    // fill buffer); FB_FULL periods so that the L2-hit weight L2_HIT x (1 + FB_HIT / L1_MISS) /
    // (that + FB_FULL) is the true L2 share of the window, l2 / (l2 + fs).
    const double lm = 0.05 * p.instructions, l2s = p.mem_levels[1] / ml;
    const double l1_miss = lm * l2p, l2_hit = lm * l2s, load_l2_hit = l2_hit * 1.2;
    set(Event::MemL1Miss, num(l1_miss));
    set(Event::MemL2Hit, num(l2_hit));
    set(Event::MemFbHit, num(0.2 * l1_miss));
    set(Event::FbFullPeriods, num(l2s > 0 ? load_l2_hit * fs / l2s : lm * fs));
}

}  // namespace

void derive_rates(const PhaseParams& p, const CpuConfig& cpu, Phase& out) {
    out = Phase{};
    auto& r = out.rate;
    auto set = [&](Event e, uint64_t v) { r[idx(e)] = v; };
    const unsigned W = cpu.slots_per_cycle;
    const uint64_t S = static_cast<uint64_t>(W) * kRateDen;
    set(Event::CoreCycles, kRateDen);
    set(Event::RefCycles, num(p.ref_cycles));
    set(Event::Instructions, num(p.instructions));
    set(Event::Branches, num(p.branches));
    set(Event::BranchMisses, num(p.branch_misses));
    set(Event::LlcReferences, num(p.llc_references));
    set(Event::LlcMisses, num(p.llc_misses));
    set(Event::Slots, S);

    const std::array<uint64_t, kNumLeaves> leaf = leaf_rates(p, S);
    const uint64_t L = leaf[0], H = leaf[1], B = leaf[2], C = leaf[3], FL = leaf[4], M = leaf[6], K = leaf[7];
    const uint64_t ret = L + H, bs = B + C;

    // Clears: mispredicts are the workload's rate; machine clears are sized so that the
    // BR_MISP / (BR_MISP + MACHINE_CLEARS.COUNT) split of Bad Speculation gives the mix.
    const uint64_t bm = r[idx(Event::BranchMisses)];
    uint64_t mcc = 0;
    if (B > 0 && bm > 0) mcc = static_cast<uint64_t>(static_cast<unsigned __int128>(bm) * C / B);
    else if (C > 0) mcc = C / (25ull * W);  // no mispredicts to scale by: 25 cycles per clear
    set(Event::MachineClears, mcc);
    set(Event::MachineClearsMemOrdering, num(p.memory_ordering_share * double(mcc) / kRateDen));
    // Mispredict clears of branches that never retire: other_mispredicts of all mispredict clears.
    const uint64_t other = num(p.other_mispredicts / (1 - p.other_mispredicts) * double(bm) / kRateDen);
    set(Event::OtherMispredictClears, other);  // INT_MISC.CLEARS_COUNT counts all three (event_table.cpp)

    // Hardware attribution. Ice Lake and Sapphire Rapids report the slots of dropped uops as
    // front-end bubbles (the formulas subtract INT_MISC.UOP_DROPPING); Ice Lake also reports W slots
    // per clear as Bad Speculation instead of Backend Bound (the formulas add W * CLEARS_COUNT).
    // Lunar Lake's formulas read every category directly: its hardware attributes them as they
    // are (assumption, docs/workloads.md), so nothing is moved and UOP_DROPPING counts 0.
    const TmaFamily fam = cpu.tma_family;
    const bool drops_to_fe = fam == TmaFamily::IceLake || fam == TmaFamily::SapphireRapids;
    const uint64_t d = drops_to_fe ? static_cast<uint64_t>(std::llround(p.uop_dropping * double(C))) : 0;
    const uint64_t x = fam == TmaFamily::IceLake ? std::min<uint64_t>(uint64_t(W) * (bm + other + mcc), M + K) : 0;
    split_slots(leaf, d, x, out);

    const double Wd = W, rf = double(ret) / double(S);
    // Bad speculation: recovery_share of its slots are recovery cycles (all W slots lost), the rest
    // are uops issued and never retired, so (ISSUED - RETIRED + W * RECOVERY) / SLOTS = bs.
    const uint64_t recn = static_cast<uint64_t>(std::llround(p.recovery_share * double(bs) / Wd));
    set(Event::RecoveryCycles, recn);
    set(Event::UopsIssued, ret + (bs - std::min<uint64_t>(bs, recn * W)));
    // Cycles with no uop delivered: W * CYCLES_0_UOPS / SLOTS = reported fetch latency.
    set(Event::FetchBubbleCycles, (FL + d) / W);
    // Skylake Heavy = (RETIRE_SLOTS + MACRO_FUSED - INST) / SLOTS: exact while instructions >= light slots.
    const uint64_t inst = r[idx(Event::Instructions)];
    set(Event::MacroFused, inst > L ? inst - L : 0);
    // Memory accesses: mem_ops_share of the retired instructions and of the retired uops alike, as
    // Memory_Operations (Light_Operations * MEM / INST or / retired uops) reads them (assumption).
    set(Event::MemInstRetired, num(p.mem_ops_share * double(inst) / kRateDen));
    set(Event::MemUopRetired, num(p.mem_ops_share * double(ret) / kRateDen));
    // Heavy operations: ms_share from the microcode sequencer, the rest few-uop instructions
    // (Ice Lake: Retiring * (DEC0 - DEC0:c1) / MITE_UOPS).
    const double issued = double(r[idx(Event::UopsIssued)]);
    const double ms_ret = p.ms_share * double(H);
    set(Event::MsUopsRetired, num(ms_ret / kRateDen));
    set(Event::MsUopsIssued, ret > 0 ? num(ms_ret * issued / double(ret) / kRateDen) : 0);
    const double mite = 0.4 * issued, dec0c = 0.1 * mite;
    set(Event::MiteUops, num(mite / kRateDen));
    set(Event::Dec0Cycles, num(dec0c / kRateDen));
    set(Event::Dec0Uops, num((dec0c + (ret > 0 ? mite * (1 - p.ms_share) * double(H) / double(ret) : 0)) / kRateDen));
    derive_backend(p, M, K, W, rf, fam <= TmaFamily::IceLake, out);
    derive_level3(p, cpu, FL, K, issued > 0 ? double(ret) / issued : 0.0, out);
    derive_fetch_bandwidth(p, cpu, leaf[5], issued > 0 ? double(ret) / issued : 0.0, out);
    derive_mispredict_kinds(p, cpu, B, out);
    derive_ports(p, cpu, K, rf, out);
    derive_light_ops(p, cpu, ret, out);
    derive_memory_level4(p, out);
}

const std::vector<std::string>& phase_param_names() {
    static const std::vector<std::string> n = [] {
        std::vector<std::string> v;
        for (auto& s : kScalars) v.push_back(s.name);
        v.push_back("period");
        for (auto m : kLeafNames) v.push_back(m);
        for (auto m : kMemLevelNames) v.push_back(m);
        for (auto m : kFetchCauseNames) v.push_back(m);
        for (auto m : kFbCauseNames) v.push_back(m);
        for (auto m : kMispKindNames) v.push_back(m);
        for (auto m : kMispCostNames) v.push_back(m);
        return v;
    }();
    return n;
}

bool is_phase_param(const std::string& name) {
    for (auto& n : phase_param_names())
        if (n == name) return true;
    return false;
}

int leaf_index(const std::string& name) {
    for (unsigned k = 0; k < kNumLeaves; ++k)
        if (name == kLeafNames[k]) return static_cast<int>(k);
    return -1;
}

namespace {
// The double-valued parameter called `name` (every parameter but period), or nullptr.
template <class P>
auto param_slot(P& p, const std::string& name) -> decltype(&p.instructions) {
    for (auto& s : kScalars)
        if (name == s.name) return &(p.*(s.field));
    if (const int k = leaf_index(name); k >= 0) return &p.slot_mix[k];
    for (unsigned k = 0; k < 4; ++k)
        if (name == kMemLevelNames[k]) return &p.mem_levels[k];
    for (unsigned k = 0; k < kFetchCauseNames.size(); ++k)
        if (name == kFetchCauseNames[k]) return &p.fetch_causes[k];
    for (unsigned k = 0; k < kFbCauseNames.size(); ++k)
        if (name == kFbCauseNames[k]) return &p.fb_causes[k];
    for (unsigned k = 0; k < kMispKindNames.size(); ++k) {
        if (name == kMispKindNames[k]) return &p.misp_kinds[k];
        if (name == kMispCostNames[k]) return &p.misp_costs[k];
    }
    return nullptr;
}
}  // namespace

void set_phase_param(PhaseParams& p, const std::string& name, double v) {
    if (name == "period") {
        if (!(v >= 1.0) || v != std::floor(v) || v > 1e15) fail("period", "must be a whole number of cycles >= 1");
        p.period = static_cast<uint64_t>(v);
        return;
    }
    if (double* slot = param_slot(p, name)) {
        *slot = v;
        return;
    }
    std::string known;
    for (auto& n : phase_param_names()) known += " " + n;
    fail(name, "unknown phase parameter (known:" + known + ")");
}

double get_phase_param(const PhaseParams& p, const std::string& name) {
    if (name == "period") return double(p.period);
    if (const double* slot = param_slot(p, name)) return *slot;
    fail(name, "unknown phase parameter");
}

}  // namespace pmusim
