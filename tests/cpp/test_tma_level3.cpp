// Level 3 beyond Memory_Bound's and Heavy_Operations' children: Fetch_Latency's and Core_Bound's
// children, Branch_Resteers' children at Level 4, and Intel's fill-buffer weighting of L2_Bound /
// DRAM_Bound on Skylake and Ice Lake.
// Given a workload that describes each cause, when perf measures the tree, then each
// node equals its truth within the multiplexing error, and the truth is what the workload says.
#include <cmath>

#include "models/core/workload.h"
#include "pmu_test_util.h"
#include "sim/topdown.h"
#include "tma/tma_engine.h"

using namespace pmusim;
using namespace pmusim::test;
using tma::Node;

namespace {

// A steady phase whose Level-3 causes are all non-zero and distinct.
SteadyParams level3_phase() {
    SteadyParams p;
    p.slot_mix = {0.25, 0.05, 0.04, 0.01, 0.2, 0.05, 0.25, 0.15};
    p.instructions = 2.0;
    p.fetch_causes = {0.25, 0.1, 0.3, 0.15, 0.05, 0.1};
    p.divider_share = 0.3;
    p.serializing_share = 0.2;
    p.fb_full_share = 0.5;
    p.mem_levels = {0.2, 0.3, 0.1, 0.4};
    return p;
}

TopdownReport level3_run(const std::string& cpu, const std::string& nodes) {
    auto m = make_machine(cpu, {}, TimeMode::Fast, level3_phase());
    TopdownOptions o;
    o.level = 3;
    o.cycles = 8'000'000;
    o.nodes = nodes;
    return run_topdown(*m, o);
}

double node(const tma::Breakdown& b, Node n) { return b[tma::ni(n)]; }

class Level3 : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(Level3, FetchLatencyChildrenEqualTheWorkloadsCauses) {
    // Given fetch latency at 20 % of slots, split 25/10/30/15/5/10 % by cause...
    const TopdownReport r = level3_run(GetParam(), "Fetch_Latency*");
    const double fl = node(r.summary.truth, Node::FetchLatency);
    EXPECT_NEAR(fl, 0.2, 1e-3);
    const std::pair<Node, double> causes[] = {{Node::ICacheMisses, 0.25}, {Node::ItlbMisses, 0.1},
                                              {Node::BranchResteers, 0.3}, {Node::MsSwitches, 0.15},
                                              {Node::Lcp, 0.05},           {Node::DsbSwitches, 0.1}};
    for (auto [n, share] : causes) {
        // ...then each child's truth is its share of the fetch-latency cycles...
        EXPECT_NEAR(node(r.summary.truth, n), share * fl, 1e-6) << tma::node_name(n);
        // ...and the family's formula on the measured counts recovers it (multiplexed: 1 %).
        EXPECT_NEAR(node(r.summary.reported, n), node(r.summary.truth, n), 0.01 * fl + 1e-4) << tma::node_name(n);
    }
}

TEST_P(Level3, CoreBoundChildrenEqualTheWorkloadsShares) {
    // Given core bound at 15 % of slots, 30 % of its cycles on the divider, 20 % serializing...
    const TopdownReport r = level3_run(GetParam(), "Core_Bound*");
    const double core = node(r.summary.truth, Node::CoreBound);
    EXPECT_NEAR(core, 0.15, 1e-3);
    EXPECT_NEAR(node(r.summary.truth, Node::Divider), 0.3 * core, 1e-6);
    EXPECT_NEAR(node(r.summary.truth, Node::SerializingOperation), 0.2 * core, 1e-6);
    for (Node n : {Node::Divider, Node::SerializingOperation})
        EXPECT_NEAR(node(r.summary.reported, n), node(r.summary.truth, n), 0.01 * core + 1e-4) << tma::node_name(n);
}

TEST_P(Level3, MemoryBoundChildrenEqualTheWorkloadsLevels) {
    // Given load stalls served 20/30/10/40 % by L1/L2/L3/DRAM, half of DRAM's with the fill buffer
    // full (seen before any L2 miss on Skylake and Ice Lake)...
    const TopdownReport r = level3_run(GetParam(), "Memory_Bound*");
    const double loads = node(r.summary.truth, Node::L1Bound) + node(r.summary.truth, Node::L2Bound) +
                         node(r.summary.truth, Node::L3Bound) + node(r.summary.truth, Node::DramBound);
    EXPECT_NEAR(node(r.summary.truth, Node::L2Bound), 0.3 * loads, 1e-6);
    EXPECT_NEAR(node(r.summary.truth, Node::DramBound), 0.4 * loads, 1e-6);
    for (Node n : {Node::L1Bound, Node::L2Bound, Node::L3Bound, Node::DramBound, Node::StoreBound})
        EXPECT_NEAR(node(r.summary.reported, n), node(r.summary.truth, n), 0.01 * loads + 1e-4) << tma::node_name(n);
}

TEST_P(Level3, BranchResteersChildrenSplitByTheMispredictShare) {
    // Given re-steers at 30 % of fetch latency (70 % after clears, 30 % unknown branches) and bad
    // speculation 4 : 1 mispredicts to machine clears...
    const TopdownReport r = level3_run(GetParam(), "Branch_Resteers*,Branch_Mispredicts");
    const double fl = node(r.summary.truth, Node::FetchLatency), resteers = 0.3 * fl;
    // ...then Level 4 splits the clear re-steers 0.8 / 0.2 and the rest is unknown branches...
    EXPECT_NEAR(node(r.summary.truth, Node::MispredictsResteers), 0.8 * 0.7 * resteers, 1e-6);
    EXPECT_NEAR(node(r.summary.truth, Node::ClearsResteers), 0.2 * 0.7 * resteers, 1e-6);
    EXPECT_NEAR(node(r.summary.truth, Node::UnknownBranches), 0.3 * resteers, 1e-6);
    // ...as the formulas report it: SKX/ICX weight by BR_MISP / (BR_MISP + MACHINE_CLEARS), exact
    // up to multiplexing; SPR and LNL by Branch_Mispredicts / Bad_Speculation from the 8-bit bytes,
    // whose rounding (half an LSB each, four bytes in SPR's Bad_Speculation, one in LNL's) bounds
    // the share's error.
    const double brm = node(r.summary.reported, Node::BranchMispredicts);
    const double bs = node(r.summary.reported, Node::BadSpeculation);
    const double share_err = r.model.method == tma::Method::PerfMetrics ? (0.5 / brm + 2.0 / bs) / 255 * (brm / bs) : 0;
    for (Node n : {Node::MispredictsResteers, Node::ClearsResteers})
        EXPECT_NEAR(node(r.summary.reported, n), node(r.summary.truth, n), 0.01 * fl + share_err * 0.7 * resteers)
            << tma::node_name(n);
    EXPECT_NEAR(node(r.summary.reported, Node::UnknownBranches), 0.3 * resteers, 0.01 * fl);
}

INSTANTIATE_TEST_SUITE_P(Presets, Level3, ::testing::Values("skylake", "icelake", "sapphirerapids", "lunarlake"));

TEST(Level3Memory, IntelsFillBufferWeightMovesTheFullBufferStallsFromL2ToDram) {
    // Given Skylake, where half of the DRAM stalls fall in the L1D-miss-not-L2-miss window...
    const CpuConfig cpu = make_cpu_config("skylake");
    SteadyWorkload w(level3_phase());
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 10'000'000);
    const double clks = double(v[idx(Event::CoreCycles)]);
    const double window = double(v[idx(Event::StallsL1dMiss)] - v[idx(Event::StallsL2Miss)]) / clks;
    // ...the unweighted window overstates L2_Bound by the fill-buffer-full stalls...
    const tma::Breakdown truth = truth_breakdown(v, 3);
    EXPECT_GT(window - node(truth, Node::L2Bound), 0.01);
    // ...and Intel's weight L2_HIT x (1 + FB_HIT / L1_MISS) / (that + FB_FULL:c1) removes them.
    tma::Model md{tma::Family::Skylake, tma::Method::GpEvents, cpu.slots_per_cycle, 3, 0};
    md.nodes = {Node::L2Bound, Node::DramBound};
    const tma::Inputs in = exact_inputs(md, cpu, v);
    const tma::Breakdown rep = tma::compute(md, in);
    EXPECT_NEAR(node(rep, Node::L2Bound), node(truth, Node::L2Bound), 1e-6);
    EXPECT_NEAR(node(rep, Node::DramBound), node(truth, Node::DramBound), 1e-6);
    const double load_l2 = in.ev[tma::ei(tma::Ev::MemL2Hit)] *
                           (1 + in.ev[tma::ei(tma::Ev::MemFbHit)] / in.ev[tma::ei(tma::Ev::MemL1Miss)]);
    EXPECT_NEAR(node(rep, Node::L2Bound), load_l2 / (load_l2 + in.ev[tma::ei(tma::Ev::FbFull)]) * window, 1e-12);
}

TEST(Level3Memory, SapphireRapidsHasNoFillBufferShiftItsFormulaWouldMiss) {
    // Sapphire Rapids' L2_Bound is the plain window (perfmon SPR): the model keeps DRAM's
    // fill-buffer stalls out of it there.
    const CpuConfig cpu = make_cpu_config("sapphirerapids");
    SteadyWorkload w(level3_phase());
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 1'000'000);
    EXPECT_EQ(v[idx(Event::FbFullStalls)], 0u);
}

TEST(Level3Workload, FetchCausesAndCoreSharesAreCheckedByName) {
    SteadyParams p;
    p.fetch_causes = {0.5, 0.5, 0.5, 0, 0, 0};
    try {
        validate(p);
        FAIL() << "accepted fetch causes adding up to 1.5";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("fl_"), std::string::npos) << e.what();
    }
    p = SteadyParams{};
    set_phase_param(p, "fl_lcp", 0.2);
    EXPECT_EQ(p.fetch_causes[4], 0.2);
    EXPECT_EQ(get_phase_param(p, "fl_lcp"), 0.2);
    p.divider_share = 0.8;
    p.serializing_share = 0.4;
    EXPECT_THROW(validate(p), std::invalid_argument);
}

TEST(Level3Workload, Level3SharesLeaveEveryLevel1And2EventAlone) {
    // Given two phases that differ only in their Level-3 shares, then every event that existed
    // before Level 3 grew (all Level-1/2 inputs among them) has the same rate on every preset;
    // only the L2/L3-miss stall windows move, by the fill-buffer share, on Skylake and Ice Lake.
    SteadyParams a, b;
    b.fetch_causes = {0.5, 0.1, 0.1, 0.1, 0.1, 0.1};
    b.divider_share = 0.9;
    b.serializing_share = 0.1;
    b.fb_full_share = 1.0;
    for (const char* name : {"skylake", "icelake", "sapphirerapids", "lunarlake"}) {
        const CpuConfig cpu = make_cpu_config(name);
        Phase pa, pb;
        derive_rates(a, cpu, pa);
        derive_rates(b, cpu, pb);
        for (unsigned e = 0; e < idx(Event::MemL2Hit); ++e) {
            const bool window = e == idx(Event::StallsL2Miss) || e == idx(Event::StallsL3Miss);
            if (window && cpu.tma_family != TmaFamily::SapphireRapids) continue;
            EXPECT_EQ(pa.rate[e], pb.rate[e]) << name << " " << event_name(static_cast<Event>(e));
        }
        EXPECT_EQ(pa.slots.rate, pb.slots.rate) << name;
    }
}
