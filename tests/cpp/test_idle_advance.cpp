// An idle PMU (nothing counts, no PMI pending) advances by moving its cycle only
// (Machine::advance_if_idle): the virtualization engine's cost chunks inside protocol steps, when
// the counters are stopped, take this path (docs/performance.md "Cost per VM exit"). Its result
// must be an advance()'s, and it must refuse whenever an advance could change anything else.
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

class IdleAdvance : public ::testing::TestWithParam<TimeMode> {};

void expect_same_pmu(const Machine& a, const Machine& b) {
    EXPECT_EQ(a.cycle(), b.cycle());
    EXPECT_EQ(a.ahead_of_systemc(), b.ahead_of_systemc());
    EXPECT_EQ(a.pmu().state().counter, b.pmu().state().counter);
    EXPECT_EQ(a.pmu().state().global_status, b.pmu().state().global_status);
    ASSERT_EQ(a.pmis().size(), b.pmis().size());
    for (size_t i = 0; i < a.pmis().size(); ++i) EXPECT_EQ(a.pmis()[i].cycle, b.pmis()[i].cycle);
}

// PMC0 counts cycles, PMC1 branch edges (E: a per-cycle cursor's previous cycle matters), FC1
// cycles; all programmed, none enabled in GLOBAL_CTRL.
void program_stopped(Machine& m) {
    m.wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    m.wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCHES | sel::USR | sel::OS | sel::E | sel::EN);
    m.wrmsr(msr::kFixedCtrCtrl, 0x3 << 4);
    m.wrmsr(msr::kGlobalCtrl, 0);
}

}  // namespace

TEST_P(IdleAdvance, OnlyTheCycleMovesAndWhatFollowsIsAnAdvancesResult) {
    // Given two machines with counters programmed and GLOBAL_CTRL clear,
    auto skipped = make_machine("sapphirerapids", {}, GetParam());
    auto advanced = make_machine("sapphirerapids", {}, GetParam());
    program_stopped(*skipped);
    program_stopped(*advanced);
    skipped->run(123);
    advanced->run(123);
    // when one skips 777 idle cycles and the other advances them,
    EXPECT_TRUE(skipped->advance_if_idle(777));
    advanced->advance(777);
    // then both stand at the same cycle and lead over SystemC time with the same state,
    expect_same_pmu(*skipped, *advanced);
    EXPECT_EQ(skipped->cycle(), 900u);
    EXPECT_EQ(skipped->ahead_of_systemc(), 777u);
    // and once counting starts, both count alike (edge detect included) on local time and in a run.
    for (Machine* m : {skipped.get(), advanced.get()}) {
        m->wrmsr(msr::kGlobalCtrl, 0x3 | (1ull << 33));
        m->advance(50);
        m->run(1000);
    }
    expect_same_pmu(*skipped, *advanced);
    EXPECT_EQ(skipped->try_rdpmc(0).value, 1050u);
}

TEST_P(IdleAdvance, RefusesWhileACounterCounts) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kFixedCtrCtrl, 0x3 << 4);
    m->wrmsr(msr::kGlobalCtrl, 1ull << 33);
    // Given FIXED_CTR1 counting, when an idle advance is asked, then nothing runs.
    EXPECT_FALSE(m->advance_if_idle(100));
    EXPECT_EQ(m->cycle(), 0u);
    EXPECT_EQ(m->ahead_of_systemc(), 0u);
}

TEST_P(IdleAdvance, RefusesWhileAPmiIsPendingSoTheSkidStillRaisesIt) {
    // Given PMC0 overflowing with its PMI 20 cycles of skid away, then counting stopped,
    auto m = make_machine("sapphirerapids", {{"pmi_skid", 20}}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::INT | sel::EN);
    m->wrmsr(msr::kAPmc0, m->cpu().gp_mask() - 9);  // carries in cycle 9
    m->wrmsr(msr::kGlobalCtrl, 1);
    m->advance(12);
    m->wrmsr(msr::kGlobalCtrl, 0);
    ASSERT_TRUE(m->pmis().empty());
    // when an idle advance is asked, then it refuses (the PMI is pending),
    EXPECT_FALSE(m->advance_if_idle(100));
    EXPECT_EQ(m->cycle(), 12u);
    // and an advance raises the PMI at the end of cycle 9 + 20; after it the PMU is idle.
    m->advance(100);
    ASSERT_EQ(m->pmis().size(), 1u);
    EXPECT_EQ(m->pmis()[0].cycle, 29u);
    EXPECT_TRUE(m->advance_if_idle(100));
}

TEST_P(IdleAdvance, RefusesWhileTheMachineWritesAWaveform) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    const std::string vcd = ::testing::TempDir() + "idle_advance.vcd";
    m->trace(vcd);
    // Given a waveform written after every advance, when an idle advance is asked, then it
    // refuses, so that advance() writes the sample.
    EXPECT_FALSE(m->advance_if_idle(10));
    m->end_trace();
    EXPECT_TRUE(m->advance_if_idle(10));
}

INSTANTIATE_TEST_SUITE_P(Modes, IdleAdvance, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);
