// Memory_Bound's Level 4 where the model carries it: L1_Bound's Store_Fwd_Blk and DRAM_Bound's
// MEM_Bandwidth and MEM_Latency, each family's perfmon formula (SPR counts 12 outstanding reads as
// bandwidth-bound, the others 4; LNL reads OFFCORE_REQUESTS_OUTSTANDING.DATA_RD).
// Given a phase whose load stalls have a known share of store-forwarding blocks and of
// bandwidth-bound DRAM cycles, when perf measures Memory_Bound's subtree to Level 4, then each
// node equals its truth within multiplexing, and the truth is that share.
#include <cmath>

#include "models/core/workload.h"
#include "pmu_test_util.h"
#include "sim/topdown.h"
#include "tma/tma_engine.h"

using namespace pmusim;
using namespace pmusim::test;
using tma::Node;

namespace {
double node(const tma::Breakdown& b, Node n) { return b[tma::ni(n)]; }
class MemoryLevel4 : public ::testing::TestWithParam<const char*> {};
}  // namespace

TEST_P(MemoryLevel4, StoreForwardingAndBandwidthAreTheirSharesOfTheParentsCycles) {
    SteadyParams p;
    p.slot_mix = {0.2, 0.05, 0.05, 0.02, 0.1, 0.08, 0.4, 0.1};
    p.store_fwd_share = 0.3;  // of the L1-bound cycles
    p.mem_bw_share = 0.6;     // of the DRAM-bound cycles
    auto m = make_machine(GetParam(), {}, TimeMode::Fast, p);
    TopdownOptions o;
    o.level = 4;
    o.cycles = 8'000'000;
    o.nodes = "Memory_Bound*";
    const TopdownReport r = run_topdown(*m, o);
    const tma::Breakdown& t = r.summary.truth;
    const double l1 = node(t, Node::L1Bound), dram = node(t, Node::DramBound);
    ASSERT_GT(l1, 0.01);
    ASSERT_GT(dram, 0.01);
    // Then the truths are the shares of their parents' cycles...
    EXPECT_NEAR(node(t, Node::StoreFwdBlk), 0.3 * l1, 1e-6);
    EXPECT_NEAR(node(t, Node::MemBandwidth), 0.6 * dram, 1e-6);
    EXPECT_NEAR(node(t, Node::MemLatency), 0.4 * dram, 1e-6);
    // ...and the family's formulas report them (multiplexed: 1 % of the cycles they count).
    for (Node n : {Node::StoreFwdBlk, Node::MemBandwidth, Node::MemLatency})
        EXPECT_NEAR(node(r.summary.reported, n), node(t, n), 0.01 * node(t, n) + 1e-4) << tma::node_name(n);
}

TEST_P(MemoryLevel4, ByDefaultNoBlocksAndEveryDramCycleIsLatencyBound) {
    // Given the default phase (no store-forwarding blocks, no bandwidth-bound cycles), on exact
    // counts, then Store_Fwd_Blk and MEM_Bandwidth read 0 and MEM_Latency is DRAM_Bound.
    const CpuConfig cpu = make_cpu_config(GetParam());
    SteadyWorkload w(SteadyParams{});
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 1'000'000);
    tma::Model md{static_cast<tma::Family>(cpu.tma_family), tma::Method::GpEvents, cpu.slots_per_cycle, 4, 0};
    md.nodes = {Node::StoreFwdBlk, Node::MemLatency, Node::MemBandwidth};
    const tma::Breakdown rep = tma::compute(md, exact_inputs(md, cpu, v));
    EXPECT_EQ(node(rep, Node::StoreFwdBlk), 0.0);
    EXPECT_EQ(node(rep, Node::MemBandwidth), 0.0);
    EXPECT_NEAR(node(rep, Node::MemLatency), node(truth_breakdown(v, 4), Node::DramBound), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Presets, MemoryLevel4, ::testing::Values("skylake", "icelake", "sapphirerapids", "lunarlake"));
