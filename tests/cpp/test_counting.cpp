// Counting rules: a counter counts in a cycle iff GLOBAL_CTRL, its local enable and its ring
// filter allow it and counters are not frozen; GP counters count the selected event with
// CMASK/INV/E; the steady workload makes every count predictable (issue #2 items 3 and 4).
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
constexpr uint64_t kUserOs = sel::USR | sel::OS | sel::EN;

class Counting : public ::testing::TestWithParam<TimeMode> {};
INSTANTIATE_TEST_SUITE_P(BothModes, Counting, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);

// Instructions 1.7, branches 0.3 and branch misses 0.013 per cycle.
SteadyParams three_rates() {
    SteadyParams wl;
    wl.instructions = 1.7;
    wl.branches = 0.3;
    wl.branch_misses = 0.013;
    return wl;
}
}  // namespace

TEST_P(Counting, SteadyWorkloadCountsAreFloorOfRateTimesCycles) {
    auto m = make_machine("sapphirerapids", {}, GetParam(), three_rates());
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->wrmsr(msr::kPerfEvtSel0 + 0, sel::INSTRUCTIONS | kUserOs);
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCHES | kUserOs);
    m->wrmsr(msr::kPerfEvtSel0 + 2, sel::BRANCH_MISSES | kUserOs);
    m->wrmsr(msr::kPerfEvtSel0 + 3, sel::SLOTS | kUserOs);
    m->wrmsr(msr::kFixedCtrCtrl, 0x3333);
    m->wrmsr(msr::kGlobalCtrl, 0xf | (0xfull << 32));
    const uint64_t n = 123'457;
    m->run(n);
    EXPECT_EQ(m->rdpmc(0), expected(1.7, n));
    EXPECT_EQ(m->rdpmc(1), expected(0.3, n));
    EXPECT_EQ(m->rdpmc(2), expected(0.013, n));
    EXPECT_EQ(m->rdpmc(3), 6 * n);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 0), expected(1.7, n));
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 1), n);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 2), n);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 6 * n);
    EXPECT_EQ(m->cycle(), n);
}

TEST_P(Counting, CountersHoldWhileDisabledAndAWriteReadsBack) {
    // ST-CNT guest_assert_event_count: after disabling, more work leaves RDPMC unchanged; a WRMSR
    // of 0xdead then reads back 0xdead.
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | kUserOs);
    m->run(1000);
    const uint64_t v = m->rdpmc(0);
    EXPECT_GT(v, 0u);
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->run(5000);
    EXPECT_EQ(m->rdpmc(0), v);
    m->wrmsr(msr::kPmc0, 0xdead);
    m->run(5000);
    EXPECT_EQ(m->rdpmc(0), 0xdeadu);
    m->wrmsr(msr::kGlobalCtrl, 1);
    m->wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | sel::USR | sel::OS);  // EN clear
    m->run(5000);
    EXPECT_EQ(m->rdpmc(0), 0xdeadu);
}

TEST_P(Counting, WritingARunningCounterRestartsIt) {
    // KUT check_running_counter_wrmsr.
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs);
    m->run(10'000);
    m->wrmsr(msr::kPmc0, 0);
    m->run(100);
    EXPECT_EQ(m->rdpmc(0), 100u);
}

TEST_P(Counting, RingFiltersFollowTheCyclesCpl) {
    SteadyParams wl;
    wl.kernel_share = 0.25;
    wl.period = 400;
    auto m = make_machine("sapphirerapids", {}, GetParam(), wl);
    m->wrmsr(msr::kPerfEvtSel0 + 0, sel::CYCLES | sel::USR | sel::EN);
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::CYCLES | sel::OS | sel::EN);
    m->wrmsr(msr::kPerfEvtSel0 + 2, sel::CYCLES | sel::EN);  // neither ring: never counts
    m->wrmsr(msr::kFixedCtrCtrl, 0x1 | (0x2 << 4));           // FC0 OS, FC1 USR
    m->wrmsr(msr::kGlobalCtrl, 0x7 | (0x3ull << 32));
    m->run(4000 + 50);  // 10 periods + 50 kernel cycles
    EXPECT_EQ(m->rdpmc(0), 3000u);
    EXPECT_EQ(m->rdpmc(1), 1050u);
    EXPECT_EQ(m->rdpmc(2), 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 0), expected(1.5, 1050));  // kernel cycles come first
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 1), 3000u);
}

TEST_P(Counting, HaltedCyclesCountNothing) {
    SteadyParams wl;
    wl.halted_share = 0.5;
    wl.period = 100;
    wl.instructions = 1.0;
    auto m = make_machine("sapphirerapids", {}, GetParam(), wl);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs);
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::INSTRUCTIONS | kUserOs | sel::INV | sel::cmask(1));
    m->run(1000);
    EXPECT_EQ(m->rdpmc(0), 500u);
    EXPECT_EQ(m->rdpmc(1), 0u);  // instructions is 1 every active cycle; halted cycles do not count
}

TEST_P(Counting, CmaskInvAndEdge) {
    SteadyParams wl;
    wl.instructions = 2.5;  // per-cycle increments alternate 2, 3, 2, 3, ...
    auto m = make_machine("sapphirerapids", {}, GetParam(), wl);
    m->wrmsr(msr::kPerfEvtSel0 + 0, sel::INSTRUCTIONS | kUserOs | sel::cmask(3));
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::INSTRUCTIONS | kUserOs | sel::cmask(3) | sel::INV);
    m->wrmsr(msr::kPerfEvtSel0 + 2, sel::INSTRUCTIONS | kUserOs | sel::cmask(3) | sel::E);
    m->wrmsr(msr::kPerfEvtSel0 + 3, sel::INSTRUCTIONS | kUserOs | sel::cmask(2));
    m->wrmsr(msr::kPerfEvtSel0 + 4, sel::INSTRUCTIONS | kUserOs | sel::INV);  // INV ignored without CMASK
    m->run(1000);
    EXPECT_EQ(m->rdpmc(0), 500u);
    EXPECT_EQ(m->rdpmc(1), 500u);
    EXPECT_EQ(m->rdpmc(2), 500u);  // every >=3 cycle follows a 2 cycle
    EXPECT_EQ(m->rdpmc(3), 1000u);
    EXPECT_EQ(m->rdpmc(4), 2500u);
    // KUT check_gp_counter_cmask: CMASK = 2 counts fewer than the events themselves.
    EXPECT_LT(m->rdpmc(3), m->rdpmc(4));
}

TEST_P(Counting, TopdownSlotEventsOnlyWhereTheCoreHasThem) {
    auto spr = make_machine("sapphirerapids", {}, GetParam());
    auto skl = make_machine("skylake", {}, GetParam());
    for (Machine* m : {spr.get(), skl.get()}) {
        m->wrmsr(msr::kPerfEvtSel0, sel::SLOTS | kUserOs);
        m->wrmsr(msr::kPerfEvtSel0 + 1, 0x02a4 | kUserOs);  // TOPDOWN.BACKEND_BOUND_SLOTS
        m->wrmsr(msr::kPerfEvtSel0 + 2, 0x00ff | kUserOs);  // an encoding the model does not know
        m->run(1000);
    }
    EXPECT_EQ(spr->rdpmc(0), 6000u);
    const SteadyParams d;
    EXPECT_NEAR(double(spr->rdpmc(1)), 6000.0 * (d.slot_mix[6] + d.slot_mix[7]), 2.0);
    EXPECT_EQ(spr->rdpmc(2), 0u);
    EXPECT_EQ(skl->rdpmc(0), 0u);
}

TEST_P(Counting, VersionOneHasNoGlobalCtrlAndCountsOnLocalEnable) {
    auto m = make_machine("skylake", {{"version", 1}}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs);
    m->run(777);
    EXPECT_EQ(m->rdpmc(0), 777u);
}

// A write re-plans only the counters it changes (pmu.cpp replan_slots) and each GP selector
// remembers the encoding it found last: given counters reprogrammed event after event, through
// their selectors, FIXED_CTR_CTRL and GLOBAL_CTRL, when the same cycles run, then each counts
// exactly its event of that moment, as the steady workload's floor(rate x cycles) says.
TEST_P(Counting, ReprogrammingCountsTheNewEventEveryTime) {
    auto m = make_machine("sapphirerapids", {}, GetParam(), three_rates());
    struct Step { uint64_t sel; double rate; };
    const Step steps[] = {{sel::INSTRUCTIONS, 1.7}, {sel::BRANCHES, 0.3}, {sel::INSTRUCTIONS, 1.7},
                          {sel::BRANCH_MISSES, 0.013}, {sel::CYCLES, 1.0}, {sel::BRANCHES, 0.3}};
    uint64_t at = 0;
    for (const Step& s : steps) {
        const uint64_t n = 10'007;
        m->wrmsr(msr::kGlobalCtrl, 0);
        m->wrmsr(msr::kPerfEvtSel0 + 1, s.sel | kUserOs);
        m->wrmsr(msr::kPmc0 + 1, 0);
        m->wrmsr(msr::kFixedCtrCtrl, s.rate == 1.0 ? 0x30 : 0x3);   // FC1 (cycles) or FC0 (instructions)
        m->wrmsr(msr::kFixedCtr0, 0);
        m->wrmsr(msr::kFixedCtr0 + 1, 0);
        m->wrmsr(msr::kGlobalCtrl, 0x2 | (0x3ull << 32));
        m->run(n);
        EXPECT_EQ(m->rdpmc(1), expected(s.rate, at + n) - expected(s.rate, at)) << std::hex << s.sel;
        if (s.rate == 1.0) EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 1), n);
        else EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 0), expected(1.7, at + n) - expected(1.7, at));
        EXPECT_EQ(m->rdpmc(RDPMC_FIXED | (s.rate == 1.0 ? 0 : 1)), 0u);  // the other field is off
        at += n;
    }
}
