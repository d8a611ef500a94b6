#include "tma/tma_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pmusim::tma {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}

const char* node_name(Node n) {
    static const char* names[kNumNodes] = {
        "Frontend_Bound", "Fetch_Latency",    "Fetch_Bandwidth",  "Bad_Speculation", "Branch_Mispredicts",
        "Machine_Clears", "Backend_Bound",    "Memory_Bound",     "Core_Bound",      "Retiring",
        "Light_Operations", "Heavy_Operations", "L1_Bound",       "L2_Bound",        "L3_Bound",
        "DRAM_Bound",     "Store_Bound",      "Microcode_Sequencer", "Few_Uops_Instructions"};
    return names[ni(n)];
}

Node parent(Node n) {
    if (ni(n) < ni(Node::L1Bound)) return static_cast<Node>(ni(n) / 3 * 3);
    if (ni(n) <= ni(Node::StoreBound)) return Node::MemoryBound;
    return Node::HeavyOperations;
}
unsigned level(Node n) {
    if (ni(n) >= ni(Node::L1Bound)) return 3;
    return ni(n) % 3 == 0 ? 1 : 2;
}
bool is_level1(Node n) { return level(n) == 1; }

std::vector<Node> children(Node n) {
    std::vector<Node> v;
    for (unsigned k = 0; k < kNumNodes; ++k) {
        const Node c = static_cast<Node>(k);
        if (c != n && parent(c) == n) v.push_back(c);
    }
    return v;
}

std::vector<Node> nodes_up_to(unsigned lvl) {
    std::vector<Node> out;
    auto walk = [&](auto&& self, Node n) -> void {
        if (level(n) > lvl) return;
        out.push_back(n);
        for (Node c : children(n)) self(self, c);
    };
    for (Node n : {Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring}) walk(walk, n);
    return out;
}

const char* family_name(Family f) {
    switch (f) {
        case Family::Skylake: return "skylake";
        case Family::IceLake: return "icelake";
        case Family::SapphireRapids: return "sapphirerapids";
    }
    return "?";
}
const char* method_name(Method m) { return m == Method::PerfMetrics ? "perf_metrics" : "gp_events"; }

const char* event_name(Ev e, Family f) {
    const bool spr = f == Family::SapphireRapids, skl = f == Family::Skylake;
    switch (e) {
        case Ev::Clks: return "cycles";
        case Ev::Slots: return "slots";
        case Ev::Instructions: return "instructions";
        case Ev::IdqNotDelivered: return spr ? "IDQ_BUBBLES.CORE" : "IDQ_UOPS_NOT_DELIVERED.CORE";
        case Ev::FetchBubbleCycles:
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
        case Ev::Count: break;
    }
    return "?";
}

double Inputs::get(Ev e) const {
    if (!have.test(ei(e))) throw std::invalid_argument(std::string("TMA input missing: ") + event_name(e, Family::SapphireRapids));
    return ev[ei(e)];
}

void check_model(const Model& m) {
    if (m.level < 1 || m.level > 3) throw std::invalid_argument("level: must be 1, 2 or 3, got " + std::to_string(m.level));
    if (m.method == Method::PerfMetrics && m.family == Family::Skylake)
        throw std::invalid_argument("method: Skylake has no PERF_METRICS; use the GP-event method");
    if (m.method == Method::PerfMetrics && m.pm_fields < 4)
        throw std::invalid_argument("method: PERF_METRICS holds fewer than the 4 level-1 fields");
    if (m.slots_per_cycle == 0) throw std::invalid_argument("slots_per_cycle: must be at least 1");
}

namespace {
// Which parts of the tree come from PERF_METRICS.
bool pm_l1(const Model& m) { return m.method == Method::PerfMetrics; }
bool pm_l2(const Model& m) {
    return m.method == Method::PerfMetrics && m.family == Family::SapphireRapids && m.pm_fields >= 8;
}
}  // namespace

std::vector<Ev> required_events(const Model& m) {
    check_model(m);
    std::vector<Ev> v;
    auto add = [&](std::initializer_list<Ev> es) {
        for (Ev e : es)
            if (std::find(v.begin(), v.end(), e) == v.end()) v.push_back(e);
    };
    add({Ev::Clks});
    if (m.family != Family::Skylake) add({Ev::Slots});
    switch (m.family) {
        case Family::Skylake:
            add({Ev::IdqNotDelivered, Ev::UopsIssued, Ev::UopsRetiredSlots, Ev::RecoveryCycles});
            if (m.level >= 2)
                add({Ev::Instructions, Ev::FetchBubbleCycles, Ev::BrMispRetired, Ev::MachineClearsCount, Ev::StallsMemAny,
                     Ev::BoundOnStores, Ev::StallsTotal, Ev::Ports1Util, Ev::Ports2Util, Ev::MacroFused});
            if (m.level >= 3) add({Ev::IdqMsUops, Ev::StallsL1dMiss, Ev::StallsL2Miss, Ev::StallsL3Miss});
            break;
        case Family::IceLake:
            add({Ev::UopDropping, Ev::ClearsCount});
            if (!pm_l1(m)) add({Ev::IdqNotDelivered, Ev::BackendBoundSlots, Ev::UopsRetiredSlots});
            if (m.level >= 2)
                add({Ev::FetchBubbleCycles, Ev::BrMispRetired, Ev::MachineClearsCount, Ev::StallsMemAny, Ev::BoundOnStores,
                     Ev::StallsTotal, Ev::Ports1Util, Ev::Ports2Util, Ev::UopsRetiredSlots, Ev::UopsIssued, Ev::IdqMsUops,
                     Ev::Dec0, Ev::Dec0C1, Ev::MiteUops});
            if (m.level >= 3) add({Ev::StallsL1dMiss, Ev::StallsL2Miss, Ev::StallsL3Miss});
            break;
        case Family::SapphireRapids:
            add({Ev::UopDropping});
            if (!pm_l1(m)) add({Ev::IdqNotDelivered, Ev::BackendBoundSlots, Ev::UopsRetiredSlots});
            if (m.level >= 2 && !pm_l2(m))
                add({Ev::FetchBubbleCycles, Ev::BrMispredictSlots, Ev::MemoryBoundSlots, Ev::UopsRetiredHeavy});
            if (m.level >= 3)
                add({Ev::UopsRetiredMs, Ev::BoundOnLoads, Ev::StallsL1dMiss, Ev::StallsL2Miss, Ev::StallsL3Miss,
                     Ev::BoundOnStores});
            break;
    }
    return v;
}

Breakdown compute(const Model& m, const Inputs& in) {
    check_model(m);
    Breakdown b = Breakdown::Constant(kNaN);
    auto set = [&](Node n, double v) { b[ni(n)] = v; };
    auto val = [&](Node n) { return b[ni(n)]; };
    auto E = [&](Ev e) { return in.get(e); };
    const double W = m.slots_per_cycle;
    const double clks = E(Ev::Clks);
    const double S = m.family == Family::Skylake ? W * clks : E(Ev::Slots);
    if (!(S > 0)) throw std::invalid_argument("TOPDOWN.SLOTS is 0: nothing to break down");
    auto ratio = [](double a, double c) { return c > 0 ? a / c : 0.0; };
    double sum = 0;
    if (pm_l1(m)) {
        if (in.pm_fields < 4) throw std::invalid_argument("PERF_METRICS fields missing from the reading");
        sum = in.pm[0] + in.pm[1] + in.pm[2] + in.pm[3];
        if (!(sum > 0)) throw std::invalid_argument("PERF_METRICS level-1 fields sum to 0");
    }
    auto pm = [&](unsigned k) { return in.pm[k] / sum; };
    auto sibling = [&](Node s, Node p, Node c) { set(s, std::max(0.0, val(p) - val(c))); };

    // ---- Level 1
    switch (m.family) {
        case Family::Skylake:  // tma-and-peers 1.5(a)
            set(Node::FrontendBound, E(Ev::IdqNotDelivered) / S);
            set(Node::BadSpeculation,
                (E(Ev::UopsIssued) - E(Ev::UopsRetiredSlots) + W * E(Ev::RecoveryCycles)) / S);
            set(Node::Retiring, E(Ev::UopsRetiredSlots) / S);
            set(Node::BackendBound,
                1 - (val(Node::FrontendBound) + val(Node::BadSpeculation) + val(Node::Retiring)));
            break;
        case Family::IceLake: {  // 1.5(b): corrections, Bad_Speculation as the residual
            const double drop = E(Ev::UopDropping) / S, clears = W * E(Ev::ClearsCount) / S;
            if (pm_l1(m)) {
                set(Node::FrontendBound, pm(2) - drop);
                set(Node::BackendBound, pm(3) + clears);
                set(Node::Retiring, pm(0));
            } else {
                set(Node::FrontendBound, (E(Ev::IdqNotDelivered) - E(Ev::UopDropping)) / S);
                set(Node::BackendBound, (E(Ev::BackendBoundSlots) + W * E(Ev::ClearsCount)) / S);
                set(Node::Retiring, E(Ev::UopsRetiredSlots) / S);
            }
            break;
        }
        case Family::SapphireRapids: {  // 1.5(c)
            const double drop = E(Ev::UopDropping) / S;
            if (pm_l1(m)) {
                set(Node::FrontendBound, pm(2) - drop);
                set(Node::BackendBound, pm(3));
                set(Node::Retiring, pm(0));
            } else {
                set(Node::FrontendBound, (E(Ev::IdqNotDelivered) - E(Ev::UopDropping)) / S);
                set(Node::BackendBound, E(Ev::BackendBoundSlots) / S);
                set(Node::Retiring, E(Ev::UopsRetiredSlots) / S);
            }
            break;
        }
    }
    if (m.family != Family::Skylake)
        set(Node::BadSpeculation,
            std::max(1 - (val(Node::FrontendBound) + val(Node::BackendBound) + val(Node::Retiring)), 0.0));
    if (m.level < 2) return b;

    // ---- Level 2
    if (m.family == Family::SapphireRapids) {
        const double drop = E(Ev::UopDropping) / S;
        if (pm_l2(m)) {
            set(Node::FetchLatency, pm(6) - drop);
            set(Node::BranchMispredicts, pm(5));
            set(Node::MemoryBound, pm(7));
            set(Node::HeavyOperations, pm(4));
        } else {
            set(Node::FetchLatency, (W * E(Ev::FetchBubbleCycles) - E(Ev::UopDropping)) / S);
            set(Node::BranchMispredicts, E(Ev::BrMispredictSlots) / S);
            set(Node::MemoryBound, E(Ev::MemoryBoundSlots) / S);
            set(Node::HeavyOperations, E(Ev::UopsRetiredHeavy) / S);
        }
    } else {
        const bool icl = m.family == Family::IceLake;
        const double fl = icl ? (W * E(Ev::FetchBubbleCycles) - E(Ev::UopDropping)) / S : W * E(Ev::FetchBubbleCycles) / S;
        set(Node::FetchLatency, fl);
        const double bm = E(Ev::BrMispRetired), mc = E(Ev::MachineClearsCount);
        set(Node::BranchMispredicts, ratio(bm, bm + mc) * val(Node::BadSpeculation));
        const double ret = val(Node::Retiring);
        const double be_cycles = E(Ev::StallsTotal) + E(Ev::Ports1Util) + ret * E(Ev::Ports2Util) + E(Ev::BoundOnStores);
        set(Node::MemoryBound, ratio(E(Ev::StallsMemAny) + E(Ev::BoundOnStores), be_cycles) * val(Node::BackendBound));
        if (icl) {
            const double ms = ratio(E(Ev::UopsRetiredSlots), E(Ev::UopsIssued)) * E(Ev::IdqMsUops) / S;
            set(Node::HeavyOperations, ms + ret * ratio(E(Ev::Dec0) - E(Ev::Dec0C1), E(Ev::MiteUops)));
        } else {
            set(Node::HeavyOperations, (E(Ev::UopsRetiredSlots) + E(Ev::MacroFused) - E(Ev::Instructions)) / S);
        }
    }
    sibling(Node::FetchBandwidth, Node::FrontendBound, Node::FetchLatency);
    sibling(Node::MachineClears, Node::BadSpeculation, Node::BranchMispredicts);
    sibling(Node::CoreBound, Node::BackendBound, Node::MemoryBound);
    sibling(Node::LightOperations, Node::Retiring, Node::HeavyOperations);
    if (m.level < 3) return b;

    // ---- Level 3: Memory_Bound's children as stall-cycle differences (the SPR form, applied to
    // every family with its loads-bound event), Heavy_Operations' microcode share.
    if (!(clks > 0)) throw std::invalid_argument("CPU_CLK_UNHALTED.THREAD is 0");
    const double loads = m.family == Family::SapphireRapids ? E(Ev::BoundOnLoads) : E(Ev::StallsMemAny);
    set(Node::L1Bound, std::max((loads - E(Ev::StallsL1dMiss)) / clks, 0.0));
    set(Node::L2Bound, std::max((E(Ev::StallsL1dMiss) - E(Ev::StallsL2Miss)) / clks, 0.0));
    set(Node::L3Bound, std::max((E(Ev::StallsL2Miss) - E(Ev::StallsL3Miss)) / clks, 0.0));
    set(Node::DramBound, E(Ev::StallsL3Miss) / clks);
    set(Node::StoreBound, E(Ev::BoundOnStores) / clks);
    double ms;
    if (m.family == Family::SapphireRapids) ms = E(Ev::UopsRetiredMs) / S;
    else ms = ratio(E(Ev::UopsRetiredSlots), E(Ev::UopsIssued)) * E(Ev::IdqMsUops) / S;
    set(Node::MicrocodeSequencer, ms);
    sibling(Node::FewUopsInstructions, Node::HeavyOperations, Node::MicrocodeSequencer);
    return b;
}

Breakdown breakdown_spr(const PerfMetricsReading& r) {
    Model m;
    m.family = Family::SapphireRapids;
    m.level = 2;
    Inputs in;
    in.set(Ev::Slots, double(r.slots));
    in.set(Ev::Clks, double(r.slots) / m.slots_per_cycle);
    in.set(Ev::UopDropping, double(r.uop_dropping));
    for (unsigned k = 0; k < 8; ++k) in.pm[k] = r.fields[k];
    in.pm_fields = 8;
    return compute(m, in);
}

std::array<bool, kNumNodes> flagged(const Breakdown& b) {
    std::array<bool, kNumNodes> t{};
    auto v = [&](Node n) { return b[ni(n)]; };  // NaN compares false: never flagged
    auto with_parent = [&](Node n, double th) { t[ni(n)] = v(n) > th && t[ni(parent(n))]; };
    t[ni(Node::FrontendBound)] = v(Node::FrontendBound) > 0.15;
    with_parent(Node::FetchLatency, 0.10);
    t[ni(Node::FetchBandwidth)] = v(Node::FetchBandwidth) > 0.20;
    t[ni(Node::BadSpeculation)] = v(Node::BadSpeculation) > 0.15;
    with_parent(Node::BranchMispredicts, 0.10);
    with_parent(Node::MachineClears, 0.10);
    t[ni(Node::BackendBound)] = v(Node::BackendBound) > 0.20;
    with_parent(Node::MemoryBound, 0.20);
    with_parent(Node::CoreBound, 0.10);
    t[ni(Node::HeavyOperations)] = v(Node::HeavyOperations) > 0.10;
    t[ni(Node::LightOperations)] = v(Node::LightOperations) > 0.60;
    t[ni(Node::Retiring)] = v(Node::Retiring) > 0.70 || t[ni(Node::HeavyOperations)];
    with_parent(Node::L1Bound, 0.10);
    with_parent(Node::L2Bound, 0.05);
    with_parent(Node::L3Bound, 0.05);
    with_parent(Node::DramBound, 0.10);
    with_parent(Node::StoreBound, 0.20);
    with_parent(Node::MicrocodeSequencer, 0.05);
    with_parent(Node::FewUopsInstructions, 0.05);
    return t;
}

Node bottleneck(const Breakdown& b, double sib) {
    const auto t = flagged(b);
    auto larger = [&](Node x, Node y) { return b[ni(x)] < b[ni(y)]; };
    std::vector<Node> l1;
    for (Node n : {Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring})
        if (t[ni(n)]) l1.push_back(n);
    if (l1.empty()) {  // nothing crosses a threshold: report the largest Level-1 node
        const std::array<Node, 4> all{Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring};
        return *std::max_element(all.begin(), all.end(), larger);
    }
    Node cur = *std::max_element(l1.begin(), l1.end(), larger);
    for (;;) {
        std::vector<Node> kids;
        for (Node c : children(cur))
            if (t[ni(c)]) kids.push_back(c);
        if (kids.empty()) return cur;
        std::sort(kids.begin(), kids.end(), [&](Node x, Node y) { return b[ni(x)] > b[ni(y)]; });
        if (kids.size() >= 2 && b[ni(kids[0])] - b[ni(kids[1])] < sib) return cur;  // ambiguous siblings
        cur = kids[0];
    }
}

}  // namespace pmusim::tma
