// The perf agent and topdown end to end (issue #3): multiplexing with perf's scaling, read-and-
// reset of the slots group, per-interval ground truth, and the archetypes' accuracy.
#include <cmath>

#include "topdown_test_util.h"
#include "sim/perf_stat.h"
#include "sim/topdown.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace pmusim::test;

TEST(PerfAgent, MultiplexedEventsAreScaledByEnabledOverRunning) {
    // Given six GP events on Skylake's four counters, rotated every 10000 cycles...
    SteadyParams wl;
    wl.kernel_share = 0.25;
    wl.period = 777;
    auto m = make_machine("skylake", {}, TimeMode::Fast, wl);
    AgentOptions o;
    o.mux_interval = 10'000;
    PerfAgent a(*m, {"cycles", "branches", "branch-misses", "instructions:u", "cache-references", "r00c0", "r01c2", "branches:k"},
                o);
    ASSERT_TRUE(a.multiplexed());
    a.start();
    a.run_until(1'000'000);
    const IntervalReading r = a.read();
    uint64_t running_sum = 0;
    for (auto& c : r.counts) {
        EXPECT_EQ(c.enabled, 1'000'000u) << c.name;
        if (c.counter == "FIXED_CTR1" || c.counter == "FIXED_CTR0") {
            EXPECT_EQ(c.raw, c.truth) << c.name;  // pinned: exact
            continue;
        }
        EXPECT_EQ(c.counter, "PMC*");
        EXPECT_LT(c.running, c.enabled) << c.name;
        running_sum += c.running;
        // ...then each scaled count estimates the truth (steady rates: within 1%).
        if (c.truth_known && c.truth) {
            EXPECT_NEAR(c.scaled / double(c.truth), 1.0, 0.01) << c.name;
        }
    }
    EXPECT_EQ(running_sum, 4u * 1'000'000u);  // four counters busy all the time
}

TEST(PerfAgent, ReadResetsFc3ThenPerfMetrics) {
    auto m = make_machine("sapphirerapids");
    AgentOptions o;
    o.topdown_group = true;
    PerfAgent a(*m, {"slots"}, o);
    a.start();
    a.run_until(10'000);
    const IntervalReading r = a.read();
    ASSERT_TRUE(r.topdown);
    EXPECT_EQ(r.topdown->slots, 60'000u);
    EXPECT_EQ(r.topdown->fields, 8u);
    double sum = 0;
    for (unsigned k = 0; k < 4; ++k) sum += r.topdown->field_slots[k];
    EXPECT_NEAR(sum, 60'000.0, 60'000.0 * 3 / 255);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_METRICS), 0u);
    a.run_until(20'000);
    EXPECT_EQ(a.read().topdown->slots, 60'000u);  // counted from 0 again
}

TEST(PerfAgent, LunarLakeUsesRdpmcMetricsClear) {
    auto m = make_machine("lunarlake");
    AgentOptions o;
    o.topdown_group = true;
    PerfAgent a(*m, {}, o);
    a.start();
    EXPECT_NE(m->rdmsr(msr::kFixedCtrCtrl) & (1ull << 14), 0u);
    a.run_until(5'000);
    const IntervalReading r = a.read();
    EXPECT_EQ(r.topdown->slots, 40'000u);
    EXPECT_NE(r.topdown->metrics, 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 0u);  // cleared by the RDPMC itself
}

TEST(PerfAgent, TopdownGroupNeedsPerfMetrics) {
    auto m = make_machine("skylake");
    AgentOptions o;
    o.topdown_group = true;
    EXPECT_THROW(PerfAgent(*m, {}, o), std::invalid_argument);
}

TEST(TopdownEndToEnd, EveryArchetypesLevel1IsWithin2LsbOfTruthWhenReadAndResetEveryInterval) {
    for (const char* cpu : {"icelake", "sapphirerapids", "lunarlake"})
        for (auto& name : workload_library()) {
            const TopdownReport r = run_archetype(cpu, name, 1, 1'000'000);
            ASSERT_GE(r.intervals.size(), 20u);
            for (auto& iv : r.intervals)
                for (tma::Node n : tma::nodes_up_to(1)) {
                    const double rep = iv.reported[tma::ni(n)], tru = iv.truth[tma::ni(n)];
                    if (std::isnan(tru)) continue;  // a fully halted interval
                    EXPECT_NEAR(rep, tru, 2.0 / 255) << cpu << " " << name << " [" << iv.begin << ", " << iv.end << ") "
                                                     << tma::node_name(n);
                }
        }
}

TEST(TopdownEndToEnd, Level2FromPerfMetricsIsWithin2LsbOnCoresWithLevel2Bytes) {
    for (const char* cpu : {"sapphirerapids", "lunarlake"})
        for (const char* name : {"interpreter", "mixed_app"}) {
            const TopdownReport r = run_archetype(cpu, name, 2, 2'000'000);
            for (auto& iv : r.intervals)
                for (tma::Node n : tma::nodes_up_to(2))
                    EXPECT_NEAR(iv.reported[tma::ni(n)], iv.truth[tma::ni(n)], 2.0 / 255)
                        << cpu << " " << name << " " << tma::node_name(n);
            EXPECT_EQ(r.summary.bottleneck, r.summary.truth_bottleneck) << cpu << " " << name;
        }
}

TEST(TopdownEndToEnd, OneLongReadLosesPrecisionThatIntervalsKeep) {
    // The 8-bit fields quantise the whole window: over a multi-phase run, per-interval reads
    // track each phase, and their sum is at least as accurate as one read at the end.
    const TopdownReport once = run_archetype("sapphirerapids", "mixed_app", 2, 0);
    ASSERT_EQ(once.intervals.size(), 1u);
    double worst = 0;
    for (tma::Node n : tma::nodes_up_to(2))
        worst = std::max(worst, std::fabs(once.summary.reported[tma::ni(n)] - once.summary.truth[tma::ni(n)]));
    EXPECT_LE(worst, 2.0 / 255);
    EXPECT_GT(worst, 0.0);  // quantisation is visible
}

TEST(TopdownEndToEnd, PerCycleAndFastModeReportTheSame) {
    const TopdownReport a = run_archetype("icelake", "mixed_app", 2, 500'000, TimeMode::Fast, 2'000'000);
    const TopdownReport b = run_archetype("icelake", "mixed_app", 2, 500'000, TimeMode::PerCycle, 2'000'000);
    ASSERT_EQ(a.intervals.size(), b.intervals.size());
    for (size_t i = 0; i < a.intervals.size(); ++i) {
        ASSERT_EQ(a.intervals[i].reading.counts.size(), b.intervals[i].reading.counts.size());
        for (size_t k = 0; k < a.intervals[i].reading.counts.size(); ++k)
            EXPECT_EQ(a.intervals[i].reading.counts[k].raw, b.intervals[i].reading.counts[k].raw);
        EXPECT_EQ(a.intervals[i].reading.topdown->metrics, b.intervals[i].reading.topdown->metrics);
    }
}

TEST(TopdownEndToEnd, SkylakeLevel2FromMultiplexedGpEventsStaysClose) {
    // Skylake reads 13 GP events on 4 counters: multiplexing error, bounded on a steady archetype.
    const TopdownReport r = run_archetype("skylake", "vector_kernel", 2, 0);
    EXPECT_TRUE(r.multiplexed);
    for (tma::Node n : tma::nodes_up_to(2))
        EXPECT_NEAR(r.summary.reported[tma::ni(n)], r.summary.truth[tma::ni(n)], 0.01) << tma::node_name(n);
}
