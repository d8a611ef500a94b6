// perf's event groups `{a,b}` (tools/perf/util/parse-events.y): a group's events go on counters
// together or not at all (kernel/events/core.c merge_sched_in), rotate as one (rotate_ctx), and a
// group larger than the GP counters has its extra events refused at open (x86 validate_group):
// perf stat's "<not supported>".
#include <gtest/gtest.h>

#include "pmu_test_util.h"
#include "sim/perf_stat.h"
#include "sim/perf_stat_format.h"

using namespace pmusim;
using pmusim::test::make_machine;

namespace {

IntervalReading run(const std::vector<std::string>& events, uint64_t cycles) {
    auto m = make_machine("skylake");  // 4 GP counters
    AgentOptions o;
    o.mux_interval = 1'000;
    PerfAgent a(*m, events, o);
    a.start();
    a.run_until(cycles);
    return a.read();
}

}  // namespace

// Given a group of three and a group of two on four GP counters, rotated every 1000 cycles, when
// 10000 cycles run, then the groups take turns: each group's events run the same cycles, the two
// groups' times add up to the run (never both on), and the counts scale to the truth.
TEST(EventGroups, GroupsGoOnCountersTogetherAndTakeTurns) {
    const auto r = run({"{branches", "branch-misses", "cache-misses}", "{cache-references", "r00c5}"}, 10'000);
    ASSERT_EQ(r.counts.size(), 5u);
    EXPECT_EQ(r.counts[0].running, r.counts[1].running);
    EXPECT_EQ(r.counts[1].running, r.counts[2].running);
    EXPECT_EQ(r.counts[3].running, r.counts[4].running);
    EXPECT_EQ(r.counts[0].running + r.counts[3].running, 10'000u);
    EXPECT_EQ(r.counts[0].running, 5'000u);  // on in the even slices (first, then after each two rotations)
    for (auto& c : r.counts) EXPECT_DOUBLE_EQ(c.scaled, double(c.truth)) << c.name;
}

// Without groups the same five events share the counters one by one: the contrast.
TEST(EventGroups, LoneEventsRotateOneByOne) {
    const auto r = run({"branches", "branch-misses", "cache-misses", "cache-references", "r00c5"}, 10'000);
    EXPECT_EQ(r.counts[0].running, 8'000u);  // on 4 slices in 5
    EXPECT_NE(r.counts[0].running + r.counts[3].running, 10'000u);
}

// Given a group of five events on four GP counters, then the fifth is refused (perf stat prints
// "<not supported>") and the other four count the whole run together, not multiplexed.
TEST(EventGroups, AGroupLargerThanTheCountersLosesItsExtraEvents) {
    const auto r = run({"{branches", "branch-misses", "cache-misses", "cache-references", "r00c5}"}, 10'000);
    for (size_t k = 0; k < 4; ++k) {
        EXPECT_TRUE(r.counts[k].supported);
        EXPECT_EQ(r.counts[k].running, 10'000u) << r.counts[k].name;
    }
    EXPECT_FALSE(r.counts[4].supported);
    EXPECT_EQ(r.counts[4].running, 0u);
    EXPECT_EQ(perf_stat_rows({r.counts[4]}, {",", false, 1.0}), "<not supported>,,r00c5,0,0.00,,\n");
}

TEST(EventGroups, UnbalancedBracesAreRefusedNamingTheEvent) {
    auto m = make_machine("skylake");
    EXPECT_THROW(PerfAgent(*m, {"{branches", "branch-misses"}), std::invalid_argument);
    EXPECT_THROW(PerfAgent(*m, {"branches}"}), std::invalid_argument);
    EXPECT_THROW(PerfAgent(*m, {"{branches", "{branch-misses}"}), std::invalid_argument);
    try {
        PerfAgent(*m, {"{branches}:u"});
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("'{branches}:u'"), std::string::npos) << e.what();
    }
}
