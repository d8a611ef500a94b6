// A write re-plans only the counters whose programming it changed, and a write that changes no
// counter's plan re-plans nothing (docs/performance.md "Cost per VM exit"). Whatever the order of
// the writes, counting must be what the final programming gives.
#include <random>

#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

class Replan : public ::testing::TestWithParam<TimeMode> {};

}  // namespace

TEST_P(Replan, AV3FreezeStopsCountingInTheCycleAfterThePmiWithinOneAdvance) {
    // Given a version-3 PMU (freeze on PMI clears GLOBAL_CTRL) with Freeze_PerfMon_On_PMI set,
    // PMC0 counting cycles with INT 10 cycles from its carry, and PMC1 counting cycles,
    auto m = make_machine("sapphirerapids", {{"version", 3}}, GetParam());
    m->wrmsr(msr::kDebugCtl, 1ull << 12);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::INT | sel::EN);
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    m->wrmsr(msr::kPmc0, 0xfffffff6);  // -10, sign-extended to the counter width
    m->wrmsr(msr::kGlobalCtrl, 0x3);
    // when 100 cycles pass in one advance that does not stop on the PMI,
    m->advance(100);
    // then the PMI came at the end of cycle 9, GLOBAL_CTRL reads 0 and nothing counted after it.
    ASSERT_EQ(m->pmis().size(), 1u);
    EXPECT_EQ(m->pmis()[0].cycle, 9u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), 0u);
    EXPECT_EQ(m->rdpmc(1), 10u);
    EXPECT_EQ(m->rdpmc(0), 0u);
}

TEST_P(Replan, ASelectorWrittenWhileDisabledCountsItsLastEventOnceEnabled) {
    // Given GLOBAL_CTRL clear and PMC0's selector written twice (instructions, then branches),
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | sel::USR | sel::OS | sel::EN);
    m->wrmsr(msr::kPerfEvtSel0, sel::BRANCHES | sel::USR | sel::OS | sel::EN);
    // when PMC0 is enabled and 1,000 cycles pass, then it counted branches (0.25 a cycle);
    m->wrmsr(msr::kGlobalCtrl, 1);
    m->advance(1000);
    EXPECT_EQ(m->rdpmc(0), 250u);
    // and when it is disabled, re-programmed for cycles and enabled again, it counts cycles.
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    m->advance(500);
    EXPECT_EQ(m->rdpmc(0), 250u);
    m->wrmsr(msr::kGlobalCtrl, 1);
    m->advance(1000);
    EXPECT_EQ(m->rdpmc(0), 1250u);
}

TEST_P(Replan, AFixedFieldWrittenWhileDisabledCountsAsWrittenOnceEnabled) {
    // Given FIXED_CTR1's GLOBAL_CTRL bit clear and its field written for both rings, then user only,
    SteadyParams wl;
    wl.kernel_share = 0.3;  // 300 kernel cycles in every 1000
    auto m = make_machine("sapphirerapids", {}, GetParam(), wl);
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->wrmsr(msr::kFixedCtrCtrl, 0x3 << 4);
    m->wrmsr(msr::kFixedCtrCtrl, 0x2 << 4);
    // when its bit is set and 2,000 cycles pass, then it counted the 1,400 user cycles.
    m->wrmsr(msr::kGlobalCtrl, 1ull << 33);
    m->advance(2000);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 1), 1400u);
}

TEST_P(Replan, WithoutGlobalCtrlASelectorWriteStartsCountingAtOnce) {
    // Given a version-1 PMU (no GLOBAL_CTRL: the selector's EN alone enables),
    auto m = make_machine("sapphirerapids", {{"version", 1}}, GetParam());
    // when PMC0 is programmed for cycles and 100 cycles pass, then it counted them.
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    m->advance(100);
    EXPECT_EQ(m->rdpmc(0), 100u);
}

TEST_P(Replan, GlobalCtrlBit48AloneStartsAndStopsPerfMetrics) {
    // Given FIXED_CTR3 counting slots with GLOBAL_CTRL[48] clear,
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kFixedCtrCtrl, 0x3ull << 12);
    m->wrmsr(msr::kGlobalCtrl, 1ull << 35);
    m->advance(1000);
    EXPECT_EQ(m->pmu().state().metric_acc[0], 0u);
    // when only bit 48 is set, then the metric bytes accumulate (Retiring is 40 % of the slots),
    m->wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    m->advance(1000);
    const auto acc = m->pmu().state().metric_acc;
    EXPECT_NE(acc[0], 0u);
    EXPECT_EQ(m->pmu().perf_metrics_value() & 0xff, 51u);  // round(255 * 0.4 * 1000 / 2000)
    // and when only bit 48 is cleared again, they stop while FIXED_CTR3 goes on.
    m->wrmsr(msr::kGlobalCtrl, 1ull << 35);
    const uint64_t fc3 = m->rdpmc(RDPMC_FIXED | 3);
    m->advance(1000);
    EXPECT_EQ(m->pmu().state().metric_acc, acc);
    EXPECT_GT(m->rdpmc(RDPMC_FIXED | 3), fc3);
}

TEST(ReplanModes, AnEdgeCounterAcrossAMaskChangeAndBackCountsAlikeInBothModes) {
    // Given PMC0 counting branch edges (E) in both modes,
    auto fast = make_machine("sapphirerapids", {}, TimeMode::Fast);
    auto slow = make_machine("sapphirerapids", {}, TimeMode::PerCycle);
    for (Machine* m : {fast.get(), slow.get()}) {
        m->wrmsr(msr::kPerfEvtSel0, sel::BRANCHES | sel::E | sel::USR | sel::OS | sel::EN);
        m->wrmsr(msr::kGlobalCtrl, 0x3);
        m->advance(37);
        // when PMC1 starts counting misses and stops again with no cycle between (the events the
        // per-cycle cursor produces change and change back), and later for a while,
        m->wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCH_MISSES | sel::USR | sel::OS | sel::EN);
        m->wrmsr(msr::kPerfEvtSel0 + 1, 0);
        m->advance(101);
        m->wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCH_MISSES | sel::USR | sel::OS | sel::EN);
        m->advance(1003);
        m->wrmsr(msr::kPerfEvtSel0 + 1, 0);
        m->advance(99);
    }
    // then both modes count the same edges and misses.
    EXPECT_EQ(fast->rdpmc(0), slow->rdpmc(0));
    EXPECT_EQ(fast->rdpmc(1), slow->rdpmc(1));
    EXPECT_GT(fast->rdpmc(0), 0u);
}

INSTANTIATE_TEST_SUITE_P(Modes, Replan, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);

// Given two PMUs taking the same random sequence of GLOBAL_CTRL, selector and FIXED_CTR_CTRL
// writes (the same selectors recurring, as host and guest alternate), one re-planning only what
// each write changed (a GLOBAL_CTRL write: the counters whose enable bit changed, a started one
// from the plan kept since its last start when its control is unchanged) and the other re-planned
// whole after every write (set_semantics), when cycles pass between the writes, then every
// counter, status bit and PMI is the same.
TEST_P(Replan, GlobalCtrlReplanningOnlyTheChangedCountersEqualsAFullReplan) {
    const uint64_t selectors[] = {0, sel::CYCLES | sel::USR | sel::OS | sel::EN, sel::INSTRUCTIONS | sel::USR | sel::EN,
                                  sel::BRANCHES | sel::USR | sel::OS | sel::EN | sel::INT, sel::BRANCHES | sel::E | sel::USR | sel::EN};
    const uint64_t fixed[] = {0, 0x3333, 0x2222, 0x0b31};
    const uint64_t globals[] = {0, 0xf | (0xfull << 32) | (1ull << 48), 0x5 | (0x9ull << 32), 0xff | (0x7ull << 32)};
    std::mt19937_64 rng(17);
    Pmu part(make_cpu_config("sapphirerapids"), Semantics{}, nullptr), whole(make_cpu_config("sapphirerapids"), Semantics{}, nullptr);
    for (int i = 0; i < 4000; ++i) {
        uint32_t msr;
        uint64_t v;
        switch (rng() % 4) {
            case 0: msr = msr::kPerfEvtSel0 + unsigned(rng() % 4), v = selectors[rng() % std::size(selectors)]; break;
            case 1: msr = msr::kFixedCtrCtrl, v = fixed[rng() % std::size(fixed)]; break;
            case 2: msr = msr::kPmc0 + unsigned(rng() % 4), v = 0xffff'ff00; break;  // near the wrap: overflows and PMIs
            default: msr = msr::kGlobalCtrl, v = globals[rng() % std::size(globals)]; break;
        }
        ASSERT_TRUE(part.wrmsr(msr, v).ok);
        ASSERT_TRUE(whole.wrmsr(msr, v).ok);
        whole.set_semantics(whole.semantics());  // every plan derived again
        const uint64_t to = part.cycle() + rng() % 200;
        if (GetParam() == TimeMode::Fast) part.advance_fast(to), whole.advance_fast(to);
        else part.advance_per_cycle(to), whole.advance_per_cycle(to);
        ASSERT_TRUE(same_counting_state(part, whole)) << i;
        ASSERT_EQ(part.pmis().size(), whole.pmis().size()) << i;
        for (Pmu* p : {&part, &whole}) ASSERT_TRUE(p->wrmsr(msr::kGlobalStatusReset, p->state().global_status & 0xff).ok);
    }
    EXPECT_GT(part.pmis().size(), 10u);
}
