// TMA engine: the Sapphire Rapids PERF_METRICS formulas against hand-computed values, clamps,
// thresholds with the parent rule, and toplev's bottleneck walk (docs/tma.md).
#include <gtest/gtest.h>

#include <cmath>

#include "models/pmu/register_table.h"
#include "pmu_test_util.h"
#include "tma/tma_engine.h"

using namespace pmusim;
using namespace pmusim::tma;

namespace {
PerfMetricsReading reading(std::array<uint8_t, 8> f, uint64_t slots = 1'000'000, uint64_t drop = 0) {
    PerfMetricsReading r;
    r.fields = f;
    r.slots = slots;
    r.uop_dropping = drop;
    return r;
}
}  // namespace

TEST(TmaSpr, FieldsNormalisedByTheLevel1SumNotBy255) {
    // L1 bytes 100 + 20 + 50 + 80 = 250 (not 255): every node divides by 250.
    const Breakdown b = breakdown_spr(reading({100, 20, 50, 80, 30, 15, 40, 60}));
    EXPECT_DOUBLE_EQ(b[ni(Node::Retiring)], 100.0 / 250);
    EXPECT_DOUBLE_EQ(b[ni(Node::FrontendBound)], 50.0 / 250);
    EXPECT_DOUBLE_EQ(b[ni(Node::BackendBound)], 80.0 / 250);
    EXPECT_NEAR(b[ni(Node::BadSpeculation)], 1.0 - (100.0 + 50 + 80) / 250, 1e-12);  // residual, not the byte
    EXPECT_DOUBLE_EQ(b[ni(Node::HeavyOperations)], 30.0 / 250);
    EXPECT_DOUBLE_EQ(b[ni(Node::LightOperations)], 70.0 / 250);
    EXPECT_DOUBLE_EQ(b[ni(Node::BranchMispredicts)], 15.0 / 250);
    EXPECT_NEAR(b[ni(Node::MachineClears)], 20.0 / 250 - 15.0 / 250, 1e-12);
    EXPECT_DOUBLE_EQ(b[ni(Node::FetchLatency)], 40.0 / 250);
    EXPECT_DOUBLE_EQ(b[ni(Node::MemoryBound)], 60.0 / 250);
    EXPECT_DOUBLE_EQ(b[ni(Node::CoreBound)], 20.0 / 250);
}

TEST(TmaSpr, UopDroppingMovesSlotsFromFrontendToBadSpeculation) {
    const Breakdown b = breakdown_spr(reading({100, 25, 50, 80, 0, 0, 40, 0}, 1'000'000, 50'000));
    EXPECT_DOUBLE_EQ(b[ni(Node::FrontendBound)], 50.0 / 255 - 0.05);
    EXPECT_DOUBLE_EQ(b[ni(Node::FetchLatency)], 40.0 / 255 - 0.05);
    EXPECT_NEAR(b[ni(Node::BadSpeculation)], 25.0 / 255 + 0.05, 1e-12);
}

TEST(TmaSpr, ClampsWhereSapphireRapidsFormulasClamp) {
    // Fetch latency byte above its parent: SPR's Fetch_Bandwidth is max(0, FE - FL), so 0; an L1
    // sum above 1 after the correction leaves Bad_Speculation at max(..., 0) = 0.
    const Breakdown b = breakdown_spr(reading({100, 0, 60, 95, 0, 0, 80, 0}));
    EXPECT_DOUBLE_EQ(b[ni(Node::FetchBandwidth)], 0.0);
    EXPECT_GE(b[ni(Node::BadSpeculation)], 0.0);
}

TEST(TmaSpr, ZeroFieldSumGivesNaNAsPerfComputesIt) {
    // Given slots but four zero Level-1 bytes, every byte divides 0 by PM_SUM = 0: perf's metric
    // expressions make that NaN (tools/perf/util/expr.y), and max(NaN, 0) is 0 as perf takes it.
    const Breakdown b = breakdown_spr(reading({0, 0, 0, 0, 0, 0, 0, 0}));
    EXPECT_TRUE(std::isnan(b[ni(Node::Retiring)]));
    EXPECT_TRUE(std::isnan(b[ni(Node::FrontendBound)]));
    EXPECT_TRUE(std::isnan(b[ni(Node::MemoryBound)]));
    EXPECT_EQ(b[ni(Node::BadSpeculation)], 0.0);  // max(1 - NaN, 0)
    EXPECT_TRUE(std::isnan(b[ni(Node::MachineClears)]));  // max(0, 0 - NaN)
    // No slots at all: nothing to break down, refused.
    EXPECT_THROW(breakdown_spr(reading({1, 1, 1, 1, 0, 0, 0, 0}, 0)), std::invalid_argument);
}

TEST(TmaThresholds, ParentRuleAndRetiringRule) {
    Breakdown b = Breakdown::Zero();
    b[ni(Node::MemoryBound)] = 0.5;    // above 0.20, but its parent is not flagged
    b[ni(Node::BackendBound)] = 0.19;
    b[ni(Node::FetchBandwidth)] = 0.25;  // no parent term
    b[ni(Node::HeavyOperations)] = 0.11;
    b[ni(Node::Retiring)] = 0.3;
    const auto t = flagged(b);
    EXPECT_FALSE(t[ni(Node::MemoryBound)]);
    EXPECT_TRUE(t[ni(Node::FetchBandwidth)]);
    EXPECT_TRUE(t[ni(Node::Retiring)]);  // Heavy_Operations flagged
    EXPECT_FALSE(t[ni(Node::FrontendBound)]);
}

TEST(TmaBottleneck, WalksDownIntoTheClearChild) {
    const Breakdown b = breakdown_spr(reading({50, 10, 35, 160, 5, 5, 20, 120}));
    EXPECT_EQ(bottleneck(b), Node::MemoryBound);
}

TEST(TmaBottleneck, AmbiguousSiblingsStopAtTheParent) {
    // Memory 0.30 vs Core 0.27 of slots: both flagged, within 0.05 -> Backend_Bound.
    const Breakdown b = breakdown_spr(reading({60, 10, 11, 145, 5, 5, 5, 77}, 1'000'000));
    ASSERT_TRUE(flagged(b)[ni(Node::MemoryBound)]);
    ASSERT_TRUE(flagged(b)[ni(Node::CoreBound)]);
    EXPECT_EQ(bottleneck(b), Node::BackendBound);
    EXPECT_EQ(bottleneck(b, 0.01), Node::MemoryBound);
}

TEST(TmaEndToEnd, SimulatedPerfMetricsMatchTheWorkloadMixWithin2Lsb) {
    // Read-and-reset once on a steady workload: each reported L1/L2 node within 2/255 of truth.
    using namespace pmusim::test;
    SteadyParams wl;
    wl.slot_mix = {0.30, 0.06, 0.07, 0.02, 0.14, 0.06, 0.25, 0.10};
    auto m = make_machine("sapphirerapids", {}, TimeMode::Fast, wl);
    // INT_MISC.UOP_DROPPING (0xAD/0x10) on PMC0: the front-end byte includes dropped uops.
    m->wrmsr(msr::kPerfEvtSel0, 0xad | (0x10 << 8) | (3ull << 16) | (1ull << 22));
    start_slots_group(*m);
    m->wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48) | 1);
    m->run(1'000'000);
    PerfMetricsReading r;
    r.uop_dropping = m->rdpmc(0);
    EXPECT_GT(r.uop_dropping, 0u);
    r.slots = m->rdpmc(RDPMC_FIXED | 3);
    const uint64_t pm = m->rdpmc(RDPMC_METRICS);
    for (unsigned k = 0; k < 8; ++k) r.fields[k] = (pm >> (8 * k)) & 0xff;
    const Breakdown b = breakdown_spr(r);
    const auto& x = wl.slot_mix;
    const std::pair<Node, double> truth[] = {
        {Node::Retiring, x[0] + x[1]}, {Node::HeavyOperations, x[1]}, {Node::LightOperations, x[0]},
        {Node::BadSpeculation, x[2] + x[3]}, {Node::BranchMispredicts, x[2]}, {Node::MachineClears, x[3]},
        {Node::FrontendBound, x[4] + x[5]}, {Node::FetchLatency, x[4]}, {Node::FetchBandwidth, x[5]},
        {Node::BackendBound, x[6] + x[7]}, {Node::MemoryBound, x[6]}, {Node::CoreBound, x[7]}};
    for (auto [n, v] : truth) EXPECT_NEAR(b[ni(n)], v, 2.0 / 255) << node_name(n);
    EXPECT_EQ(bottleneck(b), Node::MemoryBound);
}
