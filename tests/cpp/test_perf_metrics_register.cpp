// IA32_PERF_METRICS access rules (the counting model is exercised further by issue #3's tests).
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

TEST(PerfMetricsRegister, ExistsOnlyWithTheCapability) {
    EXPECT_GP(make_machine("skylake")->try_rdmsr(msr::kPerfMetrics));
    EXPECT_GP(make_machine("sapphirerapids", {{"perf_metrics", 0}})->try_wrmsr(msr::kPerfMetrics, 0));
    EXPECT_OK(make_machine("icelake")->try_rdmsr(msr::kPerfMetrics));
}

TEST(PerfMetricsRegister, WrittenValueReadsBackWhileNoSlotsPass) {
    // ST-CNT[dev] __guest_test_perf_metrics: WRMSR 0xdeaddead, RDPMC(1<<29) returns it.
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kPerfMetrics, 0xdeaddead);
    EXPECT_EQ(m->rdpmc(RDPMC_METRICS), 0xdeaddeadu);
    // FC3 written after PERF_METRICS: the accumulators were seeded against FC3 = 0, so the
    // fractions are lost (the write-order hazard, docs/semantics.md assumption A1).
    m->wrmsr(msr::kFixedCtr0 + 3, 123456);
    EXPECT_EQ(m->rdmsr(msr::kPerfMetrics), 0u);
    m->wrmsr(msr::kPerfMetrics, 0x1122334455667788ull);  // written against non-zero FC3
    EXPECT_EQ(m->rdmsr(msr::kPerfMetrics), 0x1122334455667788ull);
    m->run(1000);  // counting is off: nothing changes
    EXPECT_EQ(m->rdmsr(msr::kPerfMetrics), 0x1122334455667788ull);
}

TEST(PerfMetricsRegister, Level2BytesReadZeroOnIcelake) {
    auto m = make_machine("icelake");
    EXPECT_OK(m->try_wrmsr(msr::kPerfMetrics, 0xdeadbeefcafef00dull));  // accepted, not reserved
    EXPECT_EQ(m->rdmsr(msr::kPerfMetrics), 0xcafef00du);
}

TEST(PerfMetricsRegister, FieldsAccumulateWithFc3AndGlobalBit48) {
    auto m = make_machine("sapphirerapids");
    start_slots_group(*m);
    m->run(10'000);
    const uint64_t pm = m->rdpmc(RDPMC_METRICS);
    unsigned sum = 0;
    for (int k = 0; k < 4; ++k) sum += (pm >> (8 * k)) & 0xff;
    EXPECT_GE(sum, 0xfcu);
    EXPECT_LE(sum, 0x102u);
    EXPECT_NE(pm & 0xff, 0u);  // retiring
    // Without bit 48 nothing accumulates (docs/semantics.md assumption A2).
    auto n = make_machine("sapphirerapids");
    n->wrmsr(msr::kFixedCtrCtrl, 0x3ull << 12);
    n->wrmsr(msr::kGlobalCtrl, 1ull << 35);
    n->run(10'000);
    EXPECT_EQ(n->rdpmc(RDPMC_FIXED | 3), 60'000u);
    EXPECT_EQ(n->rdpmc(RDPMC_METRICS), 0u);
}

TEST(PerfMetricsRegister, MetricsClearModeClearsAfterRdpmc) {
    auto m = make_machine("lunarlake");
    m->wrmsr(msr::kFixedCtrCtrl, (0x3ull << 12) | (1ull << 14));
    m->wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    m->run(1000);
    EXPECT_NE(m->rdpmc(RDPMC_METRICS), 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 0u);
    EXPECT_EQ(m->rdmsr(msr::kPerfMetrics), 0u);
}
