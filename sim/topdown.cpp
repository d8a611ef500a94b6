#include "sim/topdown.h"
#include "sim/input_limits.h"
#include "models/core/phase_model.h"
#include "models/core/quote_value.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include "sim/perf/perf_events.h"

namespace pmusim {

using tma::Ev;
using tma::Node;

// The engine has its own family enum (it does not depend on models/); the values correspond.
static_assert(static_cast<int>(tma::Family::Skylake) == static_cast<int>(TmaFamily::Skylake) &&
              static_cast<int>(tma::Family::IceLake) == static_cast<int>(TmaFamily::IceLake) &&
              static_cast<int>(tma::Family::SapphireRapids) == static_cast<int>(TmaFamily::SapphireRapids) &&
              static_cast<int>(tma::Family::LunarLake) == static_cast<int>(TmaFamily::LunarLake));

tma::Model topdown_model(const Machine& m, unsigned level, const std::string& method) {
    const CpuConfig& cpu = m.cpu();
    tma::Model md;
    md.family = static_cast<tma::Family>(cpu.tma_family);
    md.slots_per_cycle = cpu.slots_per_cycle;
    md.level = level;
    md.pm_fields = cpu.perf_metrics() ? m.pmu().perf_metrics_fields() : 0;
    if (method == "auto") {
        md.method = cpu.perf_metrics() && md.family != tma::Family::Skylake ? tma::Method::PerfMetrics
                                                                            : tma::Method::GpEvents;
    } else if (method == "perf_metrics") {
        if (!cpu.perf_metrics()) throw std::invalid_argument("method: " + cpu.preset + " has no PERF_METRICS");
        md.method = tma::Method::PerfMetrics;
    } else if (method == "gp_events") {
        md.method = tma::Method::GpEvents;
    } else {
        throw std::invalid_argument("method: expected auto, perf_metrics or gp_events, got " + quote_value(method));
    }
    if (md.method == tma::Method::GpEvents && md.family != tma::Family::Skylake && !cpu.has_fixed(3))
        throw std::invalid_argument("method: the " + std::string(tma::family_name(md.family)) +
                                    " formulas need TOPDOWN.SLOTS on fixed counter 3");
    tma::check_model(md);
    return md;
}

namespace {
// Light_Operations' other children: each kind's share of the retired uops (per uop for the FP and
// integer nodes, of the light slots for the others), as the workload spreads them
// (docs/workloads.md "Level-3 events"); Other_Light_Ops the light slots no sibling covers.
void light_ops_truth(const EventVector& v, tma::Breakdown& b) {
    const double uops = double(v[idx(Event::SlotsLightOps)] + v[idx(Event::SlotsHeavyOps)]);
    const double issued = double(v[idx(Event::UopsIssued)]);
    auto per_uop = [&](Event e) { return uops > 0 ? double(v[idx(e)]) / uops : 0.0; };
    auto get = [&](Node n) { return b[tma::ni(n)]; };
    auto set = [&](Node n, double x) { b[tma::ni(n)] = x; };
    const double light = get(Node::LightOperations);
    set(Node::X87Use, get(Node::Retiring) * (issued > 0 ? double(v[idx(Event::X87Uops)]) / issued : 0.0));
    set(Node::FpScalar, per_uop(Event::FpScalar) + per_uop(Event::FpScalarHalf));
    set(Node::FpVector, per_uop(Event::FpVector) + per_uop(Event::FpVectorHalf));
    set(Node::FpArith, get(Node::X87Use) + get(Node::FpScalar) + get(Node::FpVector));
    set(Node::IntVector128b, per_uop(Event::IntVecAdd128) + per_uop(Event::IntVecVnni128));
    set(Node::IntVector256b, per_uop(Event::IntVecAdd256) + per_uop(Event::IntVecMul256) + per_uop(Event::IntVecVnni256));
    set(Node::IntOperations, get(Node::IntVector128b) + get(Node::IntVector256b));
    set(Node::FusedInstructions, light * per_uop(Event::FusedRetired));
    set(Node::NonFusedBranches, light * (per_uop(Event::Branches) - per_uop(Event::FusedRetired)));
    set(Node::BranchInstructions, light * per_uop(Event::Branches));
    set(Node::NopInstructions, light * per_uop(Event::NopRetired));
    set(Node::Shuffles256b, light * per_uop(Event::IntVecShuffles));
    set(Node::OtherLightOps, std::max(0.0, light - (get(Node::FpArith) + get(Node::IntOperations) +
                                                   get(Node::MemoryOperations) + get(Node::BranchInstructions))));
}
}  // namespace

// Nodes whose truth is one event's slots over all slots (the Level-2 leaves of the slot tree).
constexpr std::pair<Node, Event> kSlotShareTruths[] = {
    {Node::LightOperations, Event::SlotsLightOps},       {Node::HeavyOperations, Event::SlotsHeavyOps},
    {Node::BranchMispredicts, Event::SlotsBrMispredict}, {Node::MachineClears, Event::SlotsMachineClears},
    {Node::FetchLatency, Event::SlotsFetchLatency},      {Node::FetchBandwidth, Event::SlotsFetchBandwidth},
    {Node::MemoryBound, Event::SlotsMemoryBound},        {Node::CoreBound, Event::SlotsCoreBound},
};

// Nodes whose truth is one event's cycles over all cycles (docs/workloads.md names each event).
constexpr std::pair<Node, Event> kCycleShareTruths[] = {
    {Node::StoreBound, Event::BoundOnStores}, {Node::ItlbMisses, Event::ItlbStalls},
    {Node::MsSwitches, Event::MsSwitchCycles}, {Node::Lcp, Event::LcpStalls},
    {Node::DsbSwitches, Event::DsbSwitchPenalty}, {Node::Divider, Event::DividerActive},
    {Node::Mite, Event::FbMiteCycles}, {Node::Dsb, Event::FbDsbCycles}, {Node::Ms, Event::FbMsCycles},
    {Node::Lsd, Event::FbLsdCycles}, {Node::AmxBusy, Event::AmxBusy},
    // Lunar Lake's mispredict kinds: each kind's retire-latency cycles (count x its cost).
    {Node::CondNtMispredicts, Event::MispCondNtLat}, {Node::CondTkBwdMispredicts, Event::MispCondTkBwdLat},
    {Node::CondTkFwdMispredicts, Event::MispCondTkFwdLat}, {Node::IndCallMispredicts, Event::MispIndCallLat},
    {Node::IndJumpMispredicts, Event::MispIndJumpLat}, {Node::RetMispredicts, Event::MispRetLat},
    // Level 4: unknown-branch re-steers, cycles by the number of ports busy, store-forwarding
    // blocks among the L1-bound cycles, and DRAM-bound cycles limited by bandwidth.
    {Node::UnknownBranches, Event::UnknownBranchCycles}, {Node::PortsUtilized0, Event::ExeBound0Ports},
    {Node::PortsUtilized1, Event::Ports1Util}, {Node::PortsUtilized2, Event::Ports2Util},
    {Node::PortsUtilized3m, Event::Ports3mCycles}, {Node::StoreFwdBlk, Event::StoreFwdCycles},
    {Node::MemBandwidth, Event::DataRdBwCycles},
};

tma::Breakdown truth_breakdown(const EventVector& v, unsigned level) {
    tma::Breakdown b = tma::Breakdown::Constant(std::numeric_limits<double>::quiet_NaN());
    const double slots = double(v[idx(Event::Slots)]);
    if (!(slots > 0)) return b;
    auto leaf = [&](Event e) { return double(v[idx(e)]) / slots; };
    auto set = [&](Node n, double x) { b[tma::ni(n)] = x; };
    for (const auto& [n, e] : kSlotShareTruths) set(n, leaf(e));
    for (Node p : {Node::FrontendBound, Node::BadSpeculation, Node::BackendBound, Node::Retiring}) {
        double s = 0;
        for (Node c : tma::children(p))
            if (tma::level(c) == 2) s += b[tma::ni(c)];
        set(p, s);
    }
    if (level >= 3) {
        const double clks = double(v[idx(Event::CoreCycles)]);
        auto cyc = [&](Event e) { return clks > 0 ? double(v[idx(e)]) / clks : 0.0; };
        for (const auto& [n, e] : kCycleShareTruths) set(n, cyc(e));  // Level-4 rows: cleared below if not asked
        set(Node::L1Bound, std::max(0.0, cyc(Event::BoundOnLoads) - cyc(Event::StallsL1dMiss)));
        // Fill-buffer-full stalls fall in the L2 window but are DRAM's (docs/workloads.md).
        set(Node::L2Bound, std::max(0.0, cyc(Event::StallsL1dMiss) - cyc(Event::StallsL2Miss) - cyc(Event::FbFullStalls)));
        set(Node::L3Bound, std::max(0.0, cyc(Event::StallsL2Miss) - cyc(Event::StallsL3Miss)));
        set(Node::DramBound, cyc(Event::StallsL3Miss) + cyc(Event::FbFullStalls));
        set(Node::MicrocodeSequencer, double(v[idx(Event::MsUopsRetired)]) / slots);
        set(Node::FewUopsInstructions,
            std::max(0.0, b[tma::ni(Node::HeavyOperations)] - b[tma::ni(Node::MicrocodeSequencer)]));
        set(Node::ICacheMisses, cyc(Event::IcacheStalls) + 2 * cyc(Event::IcacheStallEdges));
        set(Node::BranchResteers, cyc(Event::ClearResteerCycles) + cyc(Event::UnknownBranchCycles));
        set(Node::SerializingOperation, cyc(Event::ScoreboardStalls) + cyc(Event::C02Cycles));
        // The clears of each kind, as shares of their parent's slots.
        const double bm = double(v[idx(Event::BranchMisses)]), other = double(v[idx(Event::OtherMispredictClears)]);
        const double mc = double(v[idx(Event::MachineClears)]), mo = double(v[idx(Event::MachineClearsMemOrdering)]);
        set(Node::OtherMispredicts, leaf(Event::SlotsBrMispredict) * (bm + other > 0 ? other / (bm + other) : 0.0));
        set(Node::OtherNukes, leaf(Event::SlotsMachineClears) * (mc > 0 ? 1 - mo / mc : 0.0));
        // Core-bound cycles with ports busy, and the no-port stalls neither divider nor serializing.
        set(Node::PortsUtilization, cyc(Event::ExeBound0Ports) + (1 - kCoreStallShare) * leaf(Event::SlotsCoreBound));
        // Light-operation slots spent on memory accesses: their share of the retired uops.
        const double uops = double(v[idx(Event::SlotsLightOps)] + v[idx(Event::SlotsHeavyOps)]);
        set(Node::MemoryOperations, leaf(Event::SlotsLightOps) * (uops > 0 ? double(v[idx(Event::MemUopRetired)]) / uops : 0.0));
        light_ops_truth(v, b);
        if (level >= 4) {
            // Re-steers after clears, split by the true share of mispredicts in bad speculation.
            const double bm = double(v[idx(Event::SlotsBrMispredict)]), mc = double(v[idx(Event::SlotsMachineClears)]);
            const double misp = bm + mc > 0 ? bm / (bm + mc) : 0.0;
            set(Node::MispredictsResteers, misp * cyc(Event::ClearResteerCycles));
            set(Node::ClearsResteers, (1 - misp) * cyc(Event::ClearResteerCycles));
            // DRAM-bound cycles less the bandwidth-bound ones are latency-bound.
            set(Node::MemLatency, b[tma::ni(Node::DramBound)] - cyc(Event::DataRdBwCycles));
        }
    }
    for (unsigned k = 0; k < tma::kNumNodes; ++k)
        if (tma::level(static_cast<Node>(k)) > level) b[k] = std::numeric_limits<double>::quiet_NaN();
    return b;
}

tma::Inputs exact_inputs(const tma::Model& md, const CpuConfig& cpu, const EventVector& sums, double scale) {
    tma::Inputs in;
    for (Ev e : tma::required_events(md)) {
        const StatEventSpec s = parse_stat_event(tma::event_name(e, md.family), cpu);
        if (s.retire_latency) in.set(e, retire_latency_mean(s, sums));  // a mean: not scaled
        else in.set(e, s.truth_known ? scale * double(masked_sum(sums, s.truth)) : std::numeric_limits<double>::quiet_NaN());
    }
    if (md.method == tma::Method::PerfMetrics) in.pm_fields = md.pm_fields;  // not read: nodes are given
    return in;
}

namespace {

// The retire latencies among the inputs, as perf's tpebs reads them over the window whose exact
// event sums are `sums` (retire_latency_mean: the exact mean; docs/tma.md).
void fill_retire_latencies(const std::vector<Ev>& evs, const std::vector<std::string>& names, const CpuConfig& cpu,
                           const EventVector& sums, std::vector<double>& counts,
                           std::vector<std::pair<std::string, double>>* shown = nullptr) {
    for (size_t i = 0; i < evs.size(); ++i) {
        if (!tma::is_retire_latency(evs[i])) continue;
        counts[i] = retire_latency_mean(parse_stat_event(names[i], cpu), sums);
        if (shown) shown->emplace_back(names[i], counts[i]);
    }
}

tma::Inputs inputs_from(const tma::Model& md, const std::vector<Ev>& evs, const std::vector<double>& counts,
                        const std::array<double, 8>& pm) {
    tma::Inputs in;
    for (size_t i = 0; i < evs.size(); ++i) in.set(evs[i], counts[i]);
    if (md.method == tma::Method::PerfMetrics) {
        in.pm = pm;
        in.pm_fields = md.pm_fields;
    }
    return in;
}

void evaluate(const tma::Model& md, const CpuConfig& cpu, TopdownInterval& iv, const std::vector<Ev>& evs,
              const std::vector<double>& counts, const std::array<double, 8>& pm, const EventVector& truth_sums,
              double truth_scale = 1.0) {
    const tma::Breakdown all = truth_breakdown(truth_sums, 4);
    iv.truth = tma::Breakdown::Constant(std::numeric_limits<double>::quiet_NaN());
    for (Node n : tma::selected_nodes(md)) iv.truth[tma::ni(n)] = all[tma::ni(n)];
    iv.truth_bottleneck = tma::bottleneck(iv.truth);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    try {
        const tma::Result r = tma::evaluate(md, inputs_from(md, evs, counts, pm));
        iv.reported = r.nodes;
        iv.metrics = r.metrics;
        iv.bottleneck = tma::bottleneck(iv.reported);
    } catch (const std::invalid_argument&) {
        // An interval without slots (fully halted) has nothing to break down.
        iv.reported = tma::Breakdown::Constant(nan);
        iv.metrics.assign(md.metrics.size(), nan);
        iv.bottleneck = iv.truth_bottleneck;
    }
    if (md.metrics.empty()) return;
    try {
        iv.metrics_truth = tma::evaluate(md, exact_inputs(md, cpu, truth_sums, truth_scale), &all).metrics;
    } catch (const std::invalid_argument&) {
        iv.metrics_truth.assign(md.metrics.size(), nan);
    }
}

}  // namespace

void evaluate_totals(const TopdownReport& r, const CpuConfig& cpu, const TopdownTotals& t, double scale,
                     TopdownInterval& iv) {
    std::vector<double> counts = t.counts;
    for (double& c : counts) c *= scale;
    iv.retire_latencies.clear();
    fill_retire_latencies(tma::required_events(r.model), r.events, cpu, t.truth, counts, &iv.retire_latencies);
    std::array<double, 8> pm = t.pm;
    for (double& f : pm) f *= scale;
    evaluate(r.model, cpu, iv, tma::required_events(r.model), counts, pm, t.truth, scale);
}

TopdownReport run_topdown(Machine& m, const TopdownOptions& o) {
    if (o.cycles == 0) throw std::invalid_argument("cycles: must be at least 1");
    const uint64_t step = o.interval ? o.interval : o.cycles;
    const uint64_t count = o.cycles / step + (o.cycles % step != 0);
    const uint64_t limit = o.sink ? kMaxIntervals : kMaxKeptIntervals;
    if (count > limit)
        throw std::invalid_argument("interval: " + std::to_string(o.cycles) + " cycles in intervals of " + std::to_string(step) +
                                    " make " + std::to_string(count) + " intervals; at most " + std::to_string(limit) +
                                    (o.sink ? "" : " kept in memory") + " (lengthen the interval)");
    if (m.cycle() > ~uint64_t(0) - o.cycles) throw std::invalid_argument("cycles: the run would end past 2^64 cycles");
    TopdownReport rep;
    rep.model = topdown_model(m, o.level, o.method);
    if (!o.nodes.empty()) rep.model.nodes = tma::parse_nodes(o.nodes, rep.model.family);
    if (!o.groups.empty()) tma::select_groups(rep.model, o.groups);
    tma::check_model(rep.model);
    rep.cpu = m.cpu().preset;
    rep.workload = m.pmu().workload().describe();
    const std::vector<Ev> evs = tma::required_events(rep.model);
    for (Ev e : evs) rep.events.push_back(tma::event_name(e, rep.model.family));
    AgentOptions ao;
    ao.topdown_group = rep.model.method == tma::Method::PerfMetrics;
    if (o.mux_interval) ao.mux_interval = o.mux_interval;
    std::vector<std::string> counted;  // the retire latencies are sampled, not counted
    for (size_t i = 0; i < evs.size(); ++i)
        if (!tma::is_retire_latency(evs[i])) counted.push_back(rep.events[i]);
    PerfAgent agent(m, counted, ao);
    if (o.mux_interval == 0 && agent.multiplexed())
        // Auto: perf's 4 ms tick (4e6 cycles at 1 GHz), shortened so that each interval sees every
        // event on a counter for several ticks (the window slides by one event per tick).
        agent.set_mux_interval(std::min<uint64_t>(
            ao.mux_interval, std::max<uint64_t>(1000, step / (4 * agent.flexible_events()))));
    rep.mux_interval = agent.options().mux_interval;
    rep.multiplexed = agent.multiplexed();
    const uint64_t start = m.cycle(), end = start + o.cycles;
    rep.summary.begin = start;
    rep.summary.end = end;
    if (o.sink) o.sink->begin(rep, count);
    agent.start();
    std::vector<double> total(evs.size(), 0.0);
    std::array<double, 8> pm_total{};
    EventVector truth_total = EventVector::Zero();
    for (uint64_t a = start; a < end;) {
        const uint64_t b = end - a > step ? a + step : end;  // a + step may pass 2^64
        agent.run_until(b);
        TopdownInterval iv;
        iv.reading = agent.read();
        iv.begin = iv.reading.begin;
        iv.end = iv.reading.end;
        // Readings by event name; "slots" leads the topdown group when there is one.
        const EventVector sums = count_all_events(m.pmu().workload(), iv.begin, iv.end);
        std::vector<double> counts(evs.size(), 0.0);
        for (size_t i = 0; i < evs.size(); ++i) {
            if (evs[i] == Ev::Slots && iv.reading.topdown) counts[i] = double(iv.reading.topdown->slots);
            else
                for (auto& c : iv.reading.counts)
                    if (c.name == rep.events[i]) counts[i] = c.scaled;
            total[i] += counts[i];
        }
        fill_retire_latencies(evs, rep.events, m.cpu(), sums, counts, &iv.retire_latencies);
        std::array<double, 8> pm{};
        if (iv.reading.topdown)
            for (unsigned k = 0; k < 8; ++k) {
                pm[k] = iv.reading.topdown->field[k];
                pm_total[k] += iv.reading.topdown->field_slots[k];
            }
        truth_total += sums;
        evaluate(rep.model, m.cpu(), iv, evs, counts, pm, sums);
        ++rep.interval_count;
        if (o.sink) o.sink->interval(rep, iv);
        else rep.intervals.push_back(std::move(iv));
        a = b;
    }
    rep.summary.begin = start;
    rep.summary.end = end;
    fill_retire_latencies(evs, rep.events, m.cpu(), truth_total, total, &rep.summary.retire_latencies);
    evaluate(rep.model, m.cpu(), rep.summary, evs, total, pm_total, truth_total);
    rep.totals = {std::move(total), pm_total, truth_total};
    return rep;
}

}  // namespace pmusim
