// The rest of the Level-3 tree (and Level 4 below it): Fetch_Bandwidth's children, each as the
// family's perfmon formula defines it, on the nodes each family's tree has.
// Given a workload that describes each cause, when perf measures the subtree, then each node
// equals its truth within the multiplexing error, and the truth is what the workload says.
#include <cmath>

#include "topdown_test_util.h"

using namespace pmusim;
using namespace pmusim::test;
using tma::Node;

namespace {

// A steady phase whose causes are all non-zero and distinct.
SteadyParams tree_phase() {
    SteadyParams p;
    p.slot_mix = {0.25, 0.05, 0.08, 0.04, 0.15, 0.2, 0.15, 0.08};
    p.instructions = 2.0;
    p.fb_causes = {0.45, 0.3, 0.15, 0.1};
    p.other_mispredicts = 0.2;
    p.memory_ordering_share = 0.6;
    p.divider_share = 0.15;
    p.serializing_share = 0.1;
    return p;
}

TopdownReport tree_run(const std::string& cpu, const std::string& nodes, unsigned level = 3,
                       const SteadyParams& phase = tree_phase(), uint64_t cycles = 8'000'000) {
    return subtree_run(cpu, phase, nodes, level, cycles);
}

tma::Family family_of(const std::string& cpu) { return static_cast<tma::Family>(make_cpu_config(cpu).tma_family); }

class Level3Tree : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(Level3Tree, FetchBandwidthChildrenEqualTheWorkloadsSuppliers) {
    // Given fetch bandwidth at 20 % of slots, 45/30/15/10 % of its cycles limited by MITE/DSB/MS/LSD...
    const TopdownReport r = tree_run(GetParam(), "Fetch_Bandwidth*");
    const double fb = node(r.summary.truth, Node::FetchBandwidth);
    EXPECT_NEAR(fb, 0.2, 1e-3);
    const std::pair<Node, double> causes[] = {{Node::Mite, 0.45}, {Node::Dsb, 0.3}, {Node::Ms, 0.15}, {Node::Lsd, 0.1}};
    unsigned measured = 0;
    for (auto [n, share] : causes) {
        if (!tma::family_defines(r.model.family, n)) {
            // ...a node the family's tree lacks is neither reported nor given a truth...
            EXPECT_TRUE(std::isnan(node(r.summary.reported, n))) << tma::node_name(n);
            continue;
        }
        ++measured;
        // ...then each child's truth is its share of the fetch-bandwidth cycles...
        EXPECT_NEAR(node(r.summary.truth, n), share * fb, 1e-6) << tma::node_name(n);
        // ...and the family's formula on the measured counts recovers it (multiplexed: 1 %).
        EXPECT_NEAR(node(r.summary.reported, n), node(r.summary.truth, n), 0.01 * fb + 1e-4) << tma::node_name(n);
    }
    // perfmon: SKX has MITE and DSB (MS_Switches stays under Fetch_Latency), ICX and SPR add MS,
    // LNL adds LSD (its MITE, DSB and LSD read the EQ-compare cycles; docs/tma.md).
    const unsigned expected[] = {2, 3, 3, 4};
    EXPECT_EQ(measured, expected[static_cast<unsigned>(r.model.family)]);
}

TEST_P(Level3Tree, BadSpeculationChildrenSplitByTheKindOfClear) {
    // Given mispredicts at 8 % of slots, a fifth of their clears on branches that never retire,
    // and machine clears at 4 %, 60 % of them for memory ordering...
    const TopdownReport r = tree_run(GetParam(), "Bad_Speculation*");
    const double brm = node(r.summary.truth, Node::BranchMispredicts), mc = node(r.summary.truth, Node::MachineClears);
    EXPECT_NEAR(brm, 0.08, 1e-3);
    EXPECT_NEAR(mc, 0.04, 1e-3);
    // ...then Other_Mispredicts is a fifth of the mispredict slots and Other_Nukes 40 % of the clear slots...
    EXPECT_NEAR(node(r.summary.truth, Node::OtherMispredicts), 0.2 * brm, 1e-6);
    EXPECT_NEAR(node(r.summary.truth, Node::OtherNukes), 0.4 * mc, 1e-6);
    // ...and the formulas report them, their parents too (Ice Lake's clear correction counts the
    // clears of non-retired branches as well): within multiplexing and, where the parents come
    // from PERF_METRICS bytes, half an LSB of each of the four Level-1 bytes.
    const double pm = r.model.method == tma::Method::PerfMetrics ? 2.0 / 255 : 0.0;
    for (auto [n, share] : {std::pair<Node, double>{Node::BranchMispredicts, 1.0}, {Node::MachineClears, 1.0},
                            {Node::OtherMispredicts, 0.2}, {Node::OtherNukes, 0.4}})
        EXPECT_NEAR(node(r.summary.reported, n), node(r.summary.truth, n), 0.01 * (brm + mc) + share * pm + 1e-4)
            << tma::node_name(n);
}

TEST_P(Level3Tree, PortsUtilizationIsTheCoreBoundCyclesTheDividerAndSerializingLeave) {
    // Given core bound at 8 % of slots, half of its cycles stalls with no port busy, 15 % of them
    // on the divider and 10 % serializing...
    const TopdownReport r = tree_run(GetParam(), "Ports_Utilization*", 4);
    const double core = node(r.summary.truth, Node::CoreBound);
    EXPECT_NEAR(core, 0.08, 1e-3);
    // ...then Ports_Utilization is the other 75 %: the busy-port half and a quarter of idle ports...
    EXPECT_NEAR(node(r.summary.truth, Node::PortsUtilization), 0.75 * core, 1e-6);
    EXPECT_NEAR(node(r.summary.truth, Node::PortsUtilized0), 0.25 * core, 1e-6);
    // ...and each family's formula reports it and its Level-4 children (multiplexed: 1 % of the
    // cycles they count; Ports_Utilization reads Retiring, from a byte on PERF_METRICS presets).
    const double pm = r.model.method == tma::Method::PerfMetrics ? 1.0 / 255 : 0.0;
    for (Node n : {Node::PortsUtilization, Node::PortsUtilized0, Node::PortsUtilized1, Node::PortsUtilized2,
                   Node::PortsUtilized3m}) {
        const double t = node(r.summary.truth, n);
        EXPECT_GT(t, 0) << tma::node_name(n);
        EXPECT_NEAR(node(r.summary.reported, n), t, 0.01 * t + pm * core + 1e-4) << tma::node_name(n);
    }
}

TEST_P(Level3Tree, PortsUtilizationLeavesOutTheIdleCyclesWhenTheDividerFillsTheStalls) {
    // Given the divider busy for 60 % of the core-bound cycles (more than the stalls), on exact
    // counts, then Intel's formula takes its else part (no idle-port term) and equals the truth,
    // the busy-port half.
    SteadyParams p = tree_phase();
    p.divider_share = 0.6;
    const CpuConfig cpu = make_cpu_config(GetParam());
    SteadyWorkload w(p);
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 2'000'000);
    const tma::Breakdown truth = truth_breakdown(v, 4);
    EXPECT_NEAR(node(truth, Node::PortsUtilization), 0.5 * node(truth, Node::CoreBound), 1e-6);
    EXPECT_EQ(node(truth, Node::PortsUtilized0), 0.0);
    tma::Model md{family_of(GetParam()), tma::Method::GpEvents, cpu.slots_per_cycle, 4, 0};
    md.nodes = {Node::PortsUtilization};
    EXPECT_NEAR(node(tma::compute(md, exact_inputs(md, cpu, v)), Node::PortsUtilization),
                node(truth, Node::PortsUtilization), 1e-6);
}

TEST_P(Level3Tree, MemoryOperationsAreTheLightSlotsOfMemoryAccesses) {
    // Given light operations at 25 % of slots and 30 % of the retired uops accessing memory...
    SteadyParams p = tree_phase();
    p.mem_ops_share = 0.3;
    const TopdownReport r = tree_run(GetParam(), "Light_Operations*", 3, p);
    const double light = node(r.summary.truth, Node::LightOperations);
    EXPECT_NEAR(light, 0.25, 1e-3);
    // ...then Memory_Operations' truth is 30 % of the light-operation slots...
    EXPECT_NEAR(node(r.summary.truth, Node::MemoryOperations), 0.3 * light, 1e-6);
    // ...and the family's formula (per instruction on SKX/ICX, per retired uop on SPR/LNL) recovers it.
    EXPECT_NEAR(node(r.summary.reported, Node::MemoryOperations), 0.3 * light, 0.01 * light);
    // With no memory accesses (the default) the node reads 0.
    const TopdownReport r0 = tree_run(GetParam(), "Light_Operations*", 3, tree_phase(), 1'000'000);
    EXPECT_NEAR(node(r0.summary.reported, Node::MemoryOperations), 0.0, 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Presets, Level3Tree, ::testing::Values("skylake", "icelake", "sapphirerapids", "lunarlake"));

TEST(Level3Tree, ANodeOutsideTheFamilysTreeIsAnErrorNamingIt) {
    // Given Skylake, whose perfmon tree has no MS node under Fetch_Bandwidth...
    auto m = make_machine("skylake", {}, TimeMode::Fast, tree_phase());
    TopdownOptions o;
    o.level = 3;
    o.cycles = 100'000;
    o.nodes = "MS";
    // ...when it is selected, then the error names the node and the family.
    try {
        run_topdown(*m, o);
        FAIL() << "selected MS on skylake";
    } catch (const std::invalid_argument& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("MS"), std::string::npos) << w;
        EXPECT_NE(w.find("skylake"), std::string::npos) << w;
    }
}

TEST(Level3Tree, SapphireRapidsMsTakesTheLargerOfIssuedAndRetiredSequencerCycles) {
    // Given Sapphire Rapids' MS = max(IDQ.MS_CYCLES_ANY, UOPS_RETIRED.MS:c1 / Retire_Fraction) / CLKS / 2.4
    // on exact counts, when only the retired term is raised, then MS follows it.
    const CpuConfig cpu = make_cpu_config("sapphirerapids");
    SteadyWorkload w(tree_phase());
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 1'000'000);
    tma::Model md{tma::Family::SapphireRapids, tma::Method::GpEvents, cpu.slots_per_cycle, 3, 0};
    md.nodes = {Node::Ms};
    tma::Inputs in = exact_inputs(md, cpu, v);
    const double base = node(tma::compute(md, in), Node::Ms);
    EXPECT_NEAR(base, double(v[idx(Event::FbMsCycles)]) / double(v[idx(Event::CoreCycles)]), 1e-6);
    in.ev[tma::ei(tma::Ev::MsRetiredCycles)] *= 2;
    EXPECT_NEAR(node(tma::compute(md, in), Node::Ms), 2 * base, 1e-6);
}

TEST(Level3Tree, IntelFloorsTheBadSpeculationChildrenAtOneBasisPoint) {
    // Given no clear of a non-retired branch and every machine clear a memory-ordering one, then
    // the truth of both children is 0 and Intel's formulas give their floor, max(x, 0.0001).
    SteadyParams p = tree_phase();
    p.other_mispredicts = 0;
    p.memory_ordering_share = 1;
    const CpuConfig cpu = make_cpu_config("icelake");
    SteadyWorkload w(p);
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 1'000'000);
    const tma::Breakdown truth = truth_breakdown(v, 3);
    EXPECT_EQ(node(truth, Node::OtherMispredicts), 0.0);
    EXPECT_EQ(node(truth, Node::OtherNukes), 0.0);
    tma::Model md{tma::Family::IceLake, tma::Method::GpEvents, cpu.slots_per_cycle, 3, 0};
    md.nodes = {Node::OtherMispredicts, Node::OtherNukes};
    const tma::Breakdown rep = tma::compute(md, exact_inputs(md, cpu, v));
    EXPECT_EQ(node(rep, Node::OtherMispredicts), 0.0001);
    EXPECT_EQ(node(rep, Node::OtherNukes), 0.0001);
}

TEST(Level3Tree, AmxBusyIsSapphireRapidsOnlyAndEqualsTheWorkloadsShare) {
    // Given a phase whose AMX engine is busy for 40 % of the core-bound cycles...
    SteadyParams p = tree_phase();
    p.amx_share = 0.4;
    auto m = make_machine("sapphirerapids", {}, TimeMode::Fast, p);
    TopdownOptions o;
    o.level = 3;
    o.cycles = 4'000'000;
    o.nodes = "AMX_Busy";
    const TopdownReport r = run_topdown(*m, o);
    // ...then Sapphire Rapids reports it (EXE.AMX_BUSY / CLKS) as its truth...
    const double core = node(r.summary.truth, Node::CoreBound);
    EXPECT_NEAR(node(r.summary.truth, Node::AmxBusy), 0.4 * core, 1e-6);
    EXPECT_NEAR(node(r.summary.reported, Node::AmxBusy), 0.4 * core, 0.01 * core);
    // ...and no other family's tree has the node.
    for (auto f : {tma::Family::Skylake, tma::Family::IceLake, tma::Family::LunarLake})
        EXPECT_FALSE(tma::family_defines(f, Node::AmxBusy)) << tma::family_name(f);
}

TEST(Level3Tree, FetchBandwidthCausesAreCheckedByName) {
    SteadyParams p;
    p.fb_causes = {0.6, 0.6, 0};
    try {
        validate(p);
        FAIL() << "accepted fetch-bandwidth causes adding up to 1.2";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("fb_"), std::string::npos) << e.what();
    }
    p = SteadyParams{};
    set_phase_param(p, "fb_dsb", 0.25);
    EXPECT_EQ(p.fb_causes[1], 0.25);
    EXPECT_EQ(get_phase_param(p, "fb_dsb"), 0.25);
}
