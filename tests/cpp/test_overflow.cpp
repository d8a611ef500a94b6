// Overflow: the carry out of bit W-1 sets the counter's GLOBAL_STATUS bit in that exact cycle,
// with or without INT/PMI; a PMI is raised iff INT (GP) or PMI (fixed) is set; freeze on PMI
// (kvm-unit-tests check_counter_overflow; SDM 18.2.2, 17.4.7).
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
constexpr uint64_t kUserOs = sel::USR | sel::OS | sel::EN;
class Overflow : public ::testing::TestWithParam<TimeMode> {};
INSTANTIATE_TEST_SUITE_P(BothModes, Overflow, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);
}  // namespace

TEST_P(Overflow, OneMinusNPresetLeavesCounterAtOneWithStatusBit) {
    // KUT: preset 1 - N (width-masked), N events, then the counter reads 1 and the bit is set.
    for (bool with_int : {false, true}) {
        auto m = make_machine("sapphirerapids", {}, GetParam());
        const uint64_t N = 1000, mask = (1ull << 48) - 1;
        m->wrmsr(msr::kGlobalCtrl, 0);
        m->wrmsr(msr::kAPmc0 + 1, (1 - N) & mask);
        m->wrmsr(msr::kPerfEvtSel0 + 1, sel::CYCLES | kUserOs | (with_int ? sel::INT : 0));
        m->wrmsr(msr::kGlobalCtrl, 0b10);
        m->run(N);
        EXPECT_EQ(m->rdpmc(1), 1u);
        EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0b10u);
        ASSERT_EQ(m->pmis().size(), with_int ? 1u : 0u);
        if (with_int) {
            EXPECT_EQ(m->pmis()[0].cycle, N - 2);  // the carry happens at the (N-1)th event
            EXPECT_EQ(m->pmis()[0].sources, 0b10u);
        }
        // Writing the status value to STATUS_RESET clears it (KUT).
        m->wrmsr(msr::kGlobalStatusReset, m->rdmsr(msr::kGlobalStatus));
        EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0u);
    }
}

TEST_P(Overflow, LegacyAliasPresetOverflowsThroughSignExtension) {
    // KUT measure_for_overflow without full-width writes: 1 - N through 0xC1 sign-extends.
    auto m = make_machine("sapphirerapids", {{"fw_write", 0}}, GetParam());
    const uint64_t N = 5000;
    m->wrmsr(msr::kPmc0, 1 - N);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    m->run(N);
    EXPECT_EQ(m->rdpmc(0), 1u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 1u);
    EXPECT_EQ(m->pmis().size(), 1u);
}

TEST_P(Overflow, FixedCounterPmiBitGovernsThePmi) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    const uint64_t mask = (1ull << 48) - 1;
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->wrmsr(msr::kFixedCtr0 + 1, (1 - 100) & mask);  // cycles
    m->wrmsr(msr::kFixedCtr0 + 3, (1 - 600) & mask);  // slots: 6 per cycle -> same cycle
    m->wrmsr(msr::kFixedCtrCtrl, (0x3ull << 4) | (0xbull << 12));  // FC1 no PMI, FC3 PMI
    m->wrmsr(msr::kGlobalCtrl, 0xaull << 32);
    m->run(100);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), (1ull << 33) | (1ull << 35));
    ASSERT_EQ(m->pmis().size(), 1u);
    EXPECT_EQ(m->pmis()[0].sources, 1ull << 35);
    EXPECT_EQ(m->pmis()[0].cycle, 99u);
}

TEST_P(Overflow, WritingMinusOneToARunningCounterOverflowsIt) {
    // KUT check_running_counter_wrmsr.
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | kUserOs);
    m->run(1000);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0u);
    m->wrmsr(msr::kAPmc0, (1ull << 48) - 1);
    m->run(10);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 1u);
}

TEST_P(Overflow, StatusBitLandsInTheCarryCycle) {
    auto m = make_machine("sapphirerapids", {{"gp_width", 16}}, GetParam());
    m->wrmsr(msr::kPmc0, 0xfff0);  // 16 cycles to the carry
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs);
    m->run(15);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0u);
    EXPECT_EQ(m->rdpmc(0), 0xffffu);
    m->run(1);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 1u);
    EXPECT_EQ(m->rdpmc(0), 0u);
}

TEST_P(Overflow, PmiSkidDelaysThePmiNotTheStatusBit) {
    auto m = make_machine("sapphirerapids", {{"pmi_skid", 7}}, GetParam());
    m->wrmsr(msr::kAPmc0, (1ull << 48) - 10);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    m->run(12);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 1u);
    EXPECT_TRUE(m->pmis().empty());
    m->run(20);
    ASSERT_EQ(m->pmis().size(), 1u);
    EXPECT_EQ(m->pmis()[0].cycle, 9u + 7u);
}

TEST_P(Overflow, FreezeOnPmiV4SetsCtrFrzAndStopsCountingUntilReset) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kDebugCtl, 1ull << 12 | 1ull << 11);
    m->wrmsr(msr::kAPmc0, (1ull << 48) - 100);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::CYCLES | kUserOs);
    m->run(1000);
    const uint64_t st = m->rdmsr(msr::kGlobalStatus);
    EXPECT_EQ(st, 1u | (1ull << 58) | (1ull << 59));
    EXPECT_EQ(m->rdpmc(0), 0u);    // frozen right after the carry cycle
    EXPECT_EQ(m->rdpmc(1), 100u);  // every counter stops
    EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), 0xffu);  // GLOBAL_CTRL untouched in v4
    m->wrmsr(msr::kGlobalStatusReset, st);          // ack + unfreeze
    m->run(50);
    EXPECT_EQ(m->rdpmc(1), 150u);
}

TEST_P(Overflow, FreezeOnPmiV3ClearsGlobalCtrl) {
    auto m = make_machine("skylake", {{"version", 3}}, GetParam());
    m->wrmsr(msr::kDebugCtl, 1ull << 12);
    m->wrmsr(msr::kAPmc0, (1ull << 48) - 100);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    m->run(1000);
    EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), 0u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 1u);
    EXPECT_EQ(m->rdpmc(0), 0u);
}

TEST_P(Overflow, StatusSetRaisesNoPmiByDefault) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    m->wrmsr(msr::kGlobalStatusSet, 1);
    EXPECT_TRUE(m->pmis().empty());
    auto p = make_machine("sapphirerapids", {{"status_set_raises_pmi", 1}}, GetParam());
    p->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    p->wrmsr(msr::kGlobalStatusSet, 1);
    EXPECT_EQ(p->pmis().size(), 1u);
}

TEST_P(Overflow, StopOnPmiEndsTheRunAtThePmiCycle) {
    auto m = make_machine("sapphirerapids", {}, GetParam());
    m->wrmsr(msr::kAPmc0, (1ull << 48) - 5000);
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    const RunResult r = m->run(1'000'000, /*stop_on_pmi=*/true);
    EXPECT_TRUE(r.stopped_on_pmi);
    EXPECT_EQ(m->cycle(), 5000u);  // the PMI is raised at the end of cycle 4999
    EXPECT_EQ(r.cycles, 5000u);
    EXPECT_EQ(m->rdpmc(0), 0u);
    const RunResult rest = m->run(100);
    EXPECT_FALSE(rest.stopped_on_pmi);
    EXPECT_EQ(m->cycle(), 5100u);
    EXPECT_EQ(m->rdpmc(0), 100u);
}

TEST_P(Overflow, SmallWidthsWrapRepeatedlyAndEveryCarryRaisesAPmi) {
    auto m = make_machine("sapphirerapids", {{"gp_width", 8}}, GetParam());
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | kUserOs | sel::INT);
    m->run(256 * 10);
    EXPECT_EQ(m->pmis().size(), 10u);
    EXPECT_EQ(m->pmis()[3].cycle, 256u * 4 - 1);
    EXPECT_EQ(m->rdpmc(0), 0u);
}
