// Local time (TLM-2.0 temporal decoupling, docs/performance.md "Cost per VM exit"): a Machine may
// run cycles without entering the SystemC scheduler (Machine::advance); the PMU then stands ahead
// of SystemC time and accesses carry that lead as their annotated delay. Results equal a run's.
// Also: one reused transaction carries each access's own value and #GP reason, and the context
// schedule answers for any cycle it holds whatever order it is asked in.
#include <algorithm>

#include "models/virt/context_workload.h"
#include "pmu_test_util.h"
#include "sim/platform.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

// PMC0 counts cycles with its PMI enabled, `left` cycles from overflow; FIXED_CTR0 counts instructions.
void program_near_overflow(Machine& m, uint64_t left) {
    m.wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::INT | sel::EN);
    m.wrmsr(msr::kAPmc0, m.cpu().gp_mask() + 1 - left);
    m.wrmsr(msr::kFixedCtrCtrl, 0x3);
    m.wrmsr(msr::kGlobalCtrl, (1ull << 32) | 1);
}

void expect_same_pmu(const Machine& a, const Machine& b) {
    EXPECT_EQ(a.cycle(), b.cycle());
    EXPECT_EQ(a.pmu().state().counter, b.pmu().state().counter);
    EXPECT_EQ(a.pmu().state().global_status, b.pmu().state().global_status);
    ASSERT_EQ(a.pmis().size(), b.pmis().size());
    for (size_t i = 0; i < a.pmis().size(); ++i) {
        EXPECT_EQ(a.pmis()[i].cycle, b.pmis()[i].cycle);
        EXPECT_EQ(a.pmis()[i].sources, b.pmis()[i].sources);
    }
}

class LocalTime : public ::testing::TestWithParam<TimeMode> {};

}  // namespace

TEST_P(LocalTime, AdvanceStopsAtTheSamePmiAndStateAsARun) {
    // Given two machines programmed alike, 1000 cycles from a PMI,
    auto ran = make_machine("sapphirerapids", {}, GetParam());
    auto advanced = make_machine("sapphirerapids", {}, GetParam());
    program_near_overflow(*ran, 1000);
    program_near_overflow(*advanced, 1000);
    // when one runs through SystemC and the other advances on its local time, stopping at a PMI,
    const RunResult r = ran->run(5000, true);
    const RunResult a = advanced->advance(5000, true);
    // then both stop in the overflow's cycle with the same counters, status and PMI record,
    EXPECT_TRUE(r.stopped_on_pmi);
    EXPECT_TRUE(a.stopped_on_pmi);
    EXPECT_EQ(r.cycles, a.cycles);
    EXPECT_EQ(a.cycles, 1000u);
    expect_same_pmu(*ran, *advanced);
    // and so they stay for the cycles that follow, counted without stopping.
    ran->run(3000);
    advanced->advance(3000);
    expect_same_pmu(*ran, *advanced);
}

TEST_P(LocalTime, AccessesAfterAnAdvanceSeeItsCycleAndARunFollowsOn) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    m->wrmsr(msr::kGlobalCtrl, 1);
    // Given 700 cycles run on the local time, ahead of SystemC's,
    m->advance(700);
    EXPECT_EQ(m->ahead_of_systemc(), 700u);
    // when the counter is read (its annotated delay is that lead), then it holds 700 cycles,
    EXPECT_EQ(m->try_rdpmc(0).value, 700u);
    EXPECT_EQ(m->try_rdmsr(msr::kPmc0).value, 700u);
    EXPECT_EQ(m->cycle(), 700u);
    // and a run through SystemC continues from there, with SystemC time caught up.
    m->run(300);
    EXPECT_EQ(m->ahead_of_systemc(), 0u);
    EXPECT_EQ(m->try_rdpmc(0).value, 1000u);
}

TEST_P(LocalTime, AnotherMachineUsingThePlatformDoesNotMoveTheLead) {
    auto a = make_machine("sapphirerapids", {}, GetParam());
    auto b = make_machine("sapphirerapids", {}, GetParam());
    a->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    a->wrmsr(msr::kGlobalCtrl, 1);
    // Given machine a 500 cycles ahead of SystemC time,
    a->advance(500);
    // when machine b takes the platform and runs, and a is read again,
    b->run(2000);
    // then a's counter shows its own 500 cycles: its lead is not applied a second time.
    EXPECT_EQ(a->try_rdpmc(0).value, 500u);
    EXPECT_EQ(a->cycle(), 500u);
}

INSTANTIATE_TEST_SUITE_P(Modes, LocalTime, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);

TEST(ReusedTransaction, EachAccessCarriesItsOwnValueAndGpReason) {
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kAPmc0 + 2, 0x1234);
    // Given accesses alternating between success and #GP on the one transaction,
    const AccessResult ok1 = m->try_rdmsr(msr::kPmc0 + 2);
    const AccessResult gp1 = m->try_wrmsr(msr::kGlobalStatus, 1);
    const AccessResult ok2 = m->try_rdpmc(2);
    const AccessResult gp2 = m->try_rdpmc(RDPMC_FIXED | 7);
    const AccessResult ok3 = m->try_wrmsr(msr::kPerfEvtSel0, 0);
    // then each result is its own: no value or reason left over from the one before.
    EXPECT_TRUE(ok1.ok);
    EXPECT_EQ(ok1.value, 0x1234u);
    EXPECT_FALSE(gp1.ok);
    EXPECT_NE(gp1.reason.find("read-only"), std::string::npos) << gp1.reason;
    EXPECT_TRUE(ok2.ok);
    EXPECT_EQ(ok2.value, 0x1234u);
    EXPECT_TRUE(ok2.reason.empty());
    EXPECT_FALSE(gp2.ok);
    EXPECT_EQ(gp2.reason, "RDPMC ECX=0x40000007: fixed counter 7 does not exist");
    EXPECT_TRUE(ok3.ok);
    EXPECT_EQ(ok3.value, 0u);
    EXPECT_TRUE(ok3.reason.empty());
}

TEST(ContextSchedule, AnswersForEveryHeldCycleInAnyOrder) {
    // Given a schedule of segments of different sources and owners,
    ContextWorkload cw;
    cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "host");
    cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "vm0");
    const uint64_t lengths[] = {10, 3, 7, 1, 20, 5, 2, 9};
    for (size_t i = 0; i < std::size(lengths); ++i) cw.append(unsigned(i % 2), lengths[i], int(i % 2), int(i));
    auto expect_segment = [&](uint64_t c) {
        const auto& s = cw.segment_at(c);
        EXPECT_LE(s.begin, c);
        EXPECT_LT(c, s.end);
        uint64_t b = 0;  // the segment that holds c, by summing the lengths
        size_t i = 0;
        while (b + lengths[i] <= c) b += lengths[i++];
        EXPECT_EQ(s.begin, b) << "cycle " << c;
        EXPECT_EQ(s.tag, int(i)) << "cycle " << c;
    };
    // when it is asked forwards, backwards and at random jumps, then every answer is the segment
    // that holds the cycle (the remembered segment is only a shortcut),
    for (uint64_t c = 0; c < cw.end(); ++c) expect_segment(c);
    for (uint64_t c = cw.end(); c-- > 0;) expect_segment(c);
    for (uint64_t c : {40ull, 2ull, 56ull, 11ull, 12ull, 30ull, 0ull, 50ull}) expect_segment(c);
    // and after the front is forgotten and the back truncated, the rest still answer right.
    cw.forget_before(25);
    cw.truncate(cw.end() - 4);
    for (uint64_t c = cw.segments().front().begin; c < cw.end(); ++c) expect_segment(c);
    EXPECT_THROW(cw.segment_at(cw.end()), std::out_of_range);
    EXPECT_THROW(cw.segment_at(0), std::out_of_range);
    // A remembered segment that is removed (the last truncated to nothing, the first forgotten)
    // is not answered again: its replacement is.
    const uint64_t last_begin = cw.segments().back().begin;
    EXPECT_EQ(cw.segment_at(last_begin).tag, 7);
    cw.truncate(last_begin);
    cw.append(0, 6, 0, 99);
    EXPECT_EQ(cw.segment_at(last_begin).tag, 99);
    const uint64_t first = cw.segments().front().begin;
    EXPECT_EQ(cw.segment_at(first).tag, 4);
    cw.forget_before(cw.segments()[1].begin);
    EXPECT_THROW(cw.segment_at(first), std::out_of_range);
}
