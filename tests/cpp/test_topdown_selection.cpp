// Topdown end to end with a selection: Info metrics beside their truth, --nodes programming only
// what the chosen nodes read, and a division by zero reported as NaN (docs/tma.md).
#include <cmath>

#include "pmu_test_util.h"
#include "sim/topdown.h"
#include "sim/topdown_format.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
size_t index_of(const std::vector<std::string>& v, const std::string& x) {
    return size_t(std::find(v.begin(), v.end(), x) - v.begin());
}
}  // namespace

TEST(TopdownInfo, UnsharedCounterMetricsEqualTheirTruthAndQuantisedOnesStayClose) {
    // Given sapphirerapids with every Info metric, read and reset every 1M cycles...
    auto m = make_machine("sapphirerapids");
    TopdownOptions o;
    o.cycles = 4'000'000;
    o.interval = 1'000'000;
    o.groups = "Info";
    const TopdownReport r = run_topdown(*m, o);
    ASSERT_EQ(r.model.metrics.size(), 10u);
    ASSERT_FALSE(r.multiplexed);
    for (const TopdownInterval& iv : r.intervals) {
        for (const char* exact : {"CLKS", "SLOTS", "IPC", "CPI", "CoreIPC", "Instructions", "IpBranch", "IpMispredict",
                                  "Spec_Clears_Ratio"}) {
            const size_t k = index_of(r.model.metrics, exact);
            // ...then what fixed and unshared GP counters give is the truth itself...
            EXPECT_NEAR(iv.metrics[k], iv.metrics_truth[k], 1e-9 * std::fabs(iv.metrics_truth[k])) << exact;
            EXPECT_GT(iv.metrics_truth[k], 0) << exact;
        }
        // ...and UopPI, which reads the 8-bit Retiring byte, is within the byte's resolution.
        const size_t u = index_of(r.model.metrics, "UopPI");
        EXPECT_NEAR(iv.metrics[u], iv.metrics_truth[u], iv.metrics_truth[u] * 2.0 / 255);
    }
    const size_t ipc = index_of(r.model.metrics, "IPC");
    EXPECT_NEAR(r.summary.metrics_truth[ipc], SteadyParams{}.instructions, 1e-9);  // the workload's IPC
}

TEST(TopdownInfo, MultiplexedMetricsAreEstimatesOfTheirTruth) {
    // Given skylake at Level 3 with the branch metrics: 20 events share 4 GP counters.
    auto m = make_machine("skylake");
    TopdownOptions o;
    o.cycles = 4'000'000;
    o.level = 3;
    o.groups = "IpBranch,IpMispredict,IPC";
    const TopdownReport r = run_topdown(*m, o);
    ASSERT_TRUE(r.multiplexed);
    const auto& s = r.summary;
    EXPECT_DOUBLE_EQ(s.metrics[index_of(r.model.metrics, "IPC")], s.metrics_truth[index_of(r.model.metrics, "IPC")]);
    for (const char* est : {"IpBranch", "IpMispredict"}) {
        const size_t k = index_of(r.model.metrics, est);
        EXPECT_NEAR(s.metrics[k] / s.metrics_truth[k], 1.0, 0.02) << est;  // steady rates: scaling is close
    }
}

TEST(TopdownSelection, NodesProgramOnlyWhatTheyReadAndReportOnlyThemselves) {
    // Given skylake and --nodes Memory_Bound*, when topdown runs, then no front-end or retiring-split
    // event is programmed and only Backend_Bound, Memory_Bound and the nodes below it are reported.
    auto m = make_machine("skylake");
    TopdownOptions o;
    o.cycles = 2'000'000;
    o.nodes = "Memory_Bound*";
    const TopdownReport r = run_topdown(*m, o);
    EXPECT_EQ(index_of(r.events, "IDQ_UOPS_NOT_DELIVERED.CYCLES_0_UOPS_DELIV.CORE"), r.events.size());
    EXPECT_EQ(index_of(r.events, "IDQ.MS_UOPS"), r.events.size());
    // 13, SKX L2_Bound's MEM_LOAD_RETIRED.L2_HIT, FB_HIT, L1_MISS, FB_FULL:c1, and Level 4's
    // LD_BLOCKS.STORE_FORWARD and OFFCORE_REQUESTS_OUTSTANDING.CYCLES_WITH_DATA_RD / ALL_DATA_RD:c4.
    EXPECT_EQ(r.events.size(), 20u);
    for (unsigned k = 0; k < tma::kNumNodes; ++k) {
        const auto n = static_cast<tma::Node>(k);
        const bool chosen = n == tma::Node::BackendBound || n == tma::Node::MemoryBound ||
                            (tma::level(n) == 3 && tma::parent(n) == tma::Node::MemoryBound) ||
                            (tma::level(n) == 4 && tma::parent(tma::parent(n)) == tma::Node::MemoryBound);
        EXPECT_EQ(std::isnan(r.summary.reported[k]), !chosen) << tma::node_name(n);
        EXPECT_EQ(std::isnan(r.summary.truth[k]), !chosen) << tma::node_name(n);
    }
    EXPECT_THROW(
        {
            TopdownOptions bad = o;
            bad.nodes = "Memory_Bnd";
            run_topdown(*m, bad);
        },
        std::invalid_argument);
}

TEST(TopdownNaN, ADivisionByZeroIsNaNInTheTableAndNullInJson) {
    // Given a workload without mispredicted branches, IpMispredict divides by 0: NaN, as perf.
    SteadyParams wl;
    wl.branch_misses = 0;
    wl.slot_mix[2] = 0;  // no mispredict slots either
    auto m = make_machine("sapphirerapids", {}, TimeMode::Fast, wl);
    TopdownOptions o;
    o.cycles = 1'000'000;
    o.groups = "IpMispredict";
    const TopdownReport r = run_topdown(*m, o);
    ASSERT_EQ(r.model.metrics, std::vector<std::string>{"IpMispredict"});
    EXPECT_TRUE(std::isnan(r.summary.metrics[0]));
    EXPECT_TRUE(std::isnan(r.summary.metrics_truth[0]));
    EXPECT_NE(topdown_table(r).find("IpMispredict                             nan          nan"), std::string::npos)
        << topdown_table(r);
    EXPECT_NE(topdown_json(r, 0).find("\"IpMispredict\": {\n        \"error\": null,\n        \"reported\": null,"),
              std::string::npos);
}
