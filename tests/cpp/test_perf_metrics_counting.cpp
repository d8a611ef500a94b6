// PERF_METRICS counting (issue #3): the write-order hazard, the level-1 sum, the resolution
// what-if, and GLOBAL_STATUS[48]. Given this programming, when these slots pass, then these bytes.
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
unsigned l1_sum(uint64_t pm, unsigned bits = 8) {
    unsigned s = 0;
    for (unsigned k = 0; k < 4; ++k) s += (pm >> (bits * k)) & ((1u << bits) - 1);
    return s;
}
}  // namespace

TEST(PerfMetricsCounting, RestoringFc3BeforePerfMetricsKeepsTheFractions) {
    // Given a slots group that has counted for a while (a guest's saved context)...
    auto m = make_machine("sapphirerapids");
    start_slots_group(*m);
    m->run(100'000);
    const uint64_t saved_fc3 = m->rdpmc(RDPMC_FIXED | 3), saved_pm = m->rdpmc(RDPMC_METRICS);
    ASSERT_EQ(saved_fc3, 600'000u);
    // ...and other activity leaving non-zero state in FC3 ...
    m->wrmsr(msr::kFixedCtr0 + 3, 0);
    m->wrmsr(msr::kPerfMetrics, 0);
    m->run(50'000);
    ASSERT_NE(m->rdpmc(RDPMC_FIXED | 3), 0u);
    m->wrmsr(msr::kGlobalCtrl, 0);
    // when FIXED_CTR3 is restored first, then PERF_METRICS, the saved bytes read back exactly.
    m->wrmsr(msr::kFixedCtr0 + 3, saved_fc3);
    m->wrmsr(msr::kPerfMetrics, saved_pm);
    EXPECT_EQ(m->rdpmc(RDPMC_METRICS), saved_pm);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), saved_fc3);
}

TEST(PerfMetricsCounting, RestoringPerfMetricsBeforeFc3WithNonZeroStateCorruptsTheFractions) {
    auto m = make_machine("sapphirerapids");
    start_slots_group(*m);
    m->run(100'000);
    const uint64_t saved_fc3 = m->rdpmc(RDPMC_FIXED | 3), saved_pm = m->rdpmc(RDPMC_METRICS);
    m->wrmsr(msr::kFixedCtr0 + 3, 0);
    m->wrmsr(msr::kPerfMetrics, 0);
    m->run(50'000);  // FC3 now holds 300000 slots of other activity
    m->wrmsr(msr::kGlobalCtrl, 0);
    // PERF_METRICS first: the accumulators are re-seeded against the stale FC3 (300000), then
    // FC3 := 600000 halves every fraction.
    m->wrmsr(msr::kPerfMetrics, saved_pm);
    m->wrmsr(msr::kFixedCtr0 + 3, saved_fc3);
    const uint64_t got = m->rdpmc(RDPMC_METRICS);
    EXPECT_NE(got, saved_pm);
    for (unsigned k = 0; k < 8; ++k) {
        const unsigned want = (saved_pm >> (8 * k)) & 0xff, have = (got >> (8 * k)) & 0xff;
        EXPECT_NEAR(double(have), want / 2.0, 0.51) << "field " << k;
    }
    EXPECT_LT(l1_sum(got), 0xfcu);  // no longer a breakdown of the slots
}

TEST(PerfMetricsCounting, Level1FieldsSumTo255WithinRoundingForAnyMix) {
    // Seeded random mixes and lengths, on both cores with PERF_METRICS and in both time modes.
    uint64_t seed = 12345;
    auto next = [&] { return (seed = seed * 6364136223846793005ull + 1442695040888963407ull) >> 33; };
    for (int i = 0; i < 40; ++i) {
        SteadyParams wl;
        for (auto& f : wl.slot_mix) f = double(next() % 1000);
        wl.slot_mix[0] += 1;
        wl.kernel_share = double(next() % 50) / 100.0;
        const char* cpu = i % 2 ? "icelake" : "lunarlake";
        auto m = make_machine(cpu, {}, i % 3 ? TimeMode::Fast : TimeMode::PerCycle, wl);
        start_slots_group(*m);
        m->run(1 + next() % 20'000);
        const unsigned s = l1_sum(m->rdpmc(RDPMC_METRICS));
        EXPECT_GE(s, 0xfcu) << cpu << " case " << i;
        EXPECT_LE(s, 0x102u) << cpu << " case " << i;
    }
}

TEST(PerfMetricsCounting, FieldResolutionIsAWhatIfParameter) {
    // 16-bit fields: four level-1 fields fill the 64-bit register; 4-bit fields: all eight fit.
    auto metrics_after_10k_cycles = [](uint64_t bits) {
        auto m = make_machine("sapphirerapids", {{"metrics_field_bits", bits}});
        start_slots_group(*m);
        m->run(10'000);
        return m->rdpmc(RDPMC_METRICS);
    };
    const uint64_t w = metrics_after_10k_cycles(16);
    EXPECT_GE(l1_sum(w, 16), 0xfffcu);
    EXPECT_LE(l1_sum(w, 16), 0x10002u);
    const uint64_t n = metrics_after_10k_cycles(4);
    EXPECT_GE(l1_sum(n, 4), 13u);
    EXPECT_LE(l1_sum(n, 4), 17u);
    EXPECT_NE(n >> 16, 0u);  // level-2 nibbles present
    EXPECT_THROW(make_machine("sapphirerapids", {{"metrics_field_bits", 17}}), ConfigError);
}

TEST(PerfMetricsCounting, MetricsStopWithoutFc3Enable) {
    // GLOBAL_CTRL[48] set but FC3 disabled in FIXED_CTR_CTRL: nothing accumulates.
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    m->run(10'000);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_METRICS), 0u);
}

TEST(PerfMetricsCounting, Fc3WrapSetsStatusBit48AndThePmiFollowsFc3sPmiBit) {
    auto m = make_machine("sapphirerapids", {{"fixed_width", 16}});
    m->wrmsr(msr::kFixedCtr0 + 3, 0xffff - 59);  // wraps after 10 cycles at 6 slots per cycle
    m->wrmsr(msr::kPerfMetrics, 0);
    m->wrmsr(msr::kFixedCtrCtrl, 0xbull << 12);  // OS + USR + PMI
    m->wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    m->run(9);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus) & (1ull << 48), 0u);
    m->run(1);
    EXPECT_NE(m->rdmsr(msr::kGlobalStatus) & (1ull << 48), 0u);
    EXPECT_NE(m->rdmsr(msr::kGlobalStatus) & (1ull << 35), 0u);
    ASSERT_EQ(m->pmis().size(), 1u);
    EXPECT_EQ(m->pmis()[0].cycle, 9u);
}
