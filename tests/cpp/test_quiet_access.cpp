// The PMU's accesses without their #GP text (Pmu::access_quiet, the engine's direct path inside
// a protocol step) beside rdmsr / wrmsr / rdpmc: given the same accesses of every address the
// register table could hold and of every RDPMC counter type, with counting in between, when each
// form runs them on its own PMU, then every result, the register reached, the PMU state and the
// PMIs are the same; and the table names each register as the one MSR decoder does.
#include <gtest/gtest.h>

#include "models/pmu/pmu.h"
#include "models/pmu/pmu_quiet_access.h"
#include "models/pmu/register_table.h"

using namespace pmusim;

namespace {

void expect_same_state(const Pmu& a, const Pmu& b, const std::string& where) {
    const PmuState &x = a.state(), &y = b.state();
    ASSERT_EQ(x.counter, y.counter) << where;
    ASSERT_EQ(x.evtsel, y.evtsel) << where;
    ASSERT_EQ(x.fixed_ctr_ctrl, y.fixed_ctr_ctrl) << where;
    ASSERT_EQ(x.global_ctrl, y.global_ctrl) << where;
    ASSERT_EQ(x.global_status, y.global_status) << where;
    ASSERT_EQ(x.debugctl, y.debugctl) << where;
    ASSERT_TRUE(x.metric_acc == y.metric_acc) << where;
    ASSERT_EQ(x.perf_metrics_written, y.perf_metrics_written) << where;
    ASSERT_EQ(x.cycle, y.cycle) << where;
    ASSERT_EQ(a.pmis().size(), b.pmis().size()) << where;
}

// Values that enable, reserve, count and overflow: selectors that count (with a PMI), all fixed
// counters on, every GLOBAL_CTRL enable, a counter near its wrap, all ones (reserved bits).
constexpr uint64_t kValues[] = {0,
                                0x5300c0,  // INST_RETIRED.ANY, USR|OS|INT|EN
                                0x43003c,  // CPU_CLK_UNHALTED.THREAD, USR|EN
                                0xbbbb,
                                0xffffull | (0xfull << 32) | (1ull << 48),
                                0xffff'fff0,
                                0x0000'ffff'ffff'ff00ull,
                                ~0ull};

class QuietAccess : public ::testing::TestWithParam<std::string> {};
INSTANTIATE_TEST_SUITE_P(EveryPreset, QuietAccess, ::testing::ValuesIn(preset_names()),
                         [](const auto& info) { return info.param; });

}  // namespace

TEST_P(QuietAccess, RdmsrAndWrmsrOfEveryAddressEqualTheFullAccess) {
    Pmu full(make_cpu_config(GetParam()), Semantics{}, nullptr), quiet(make_cpu_config(GetParam()), Semantics{}, nullptr);
    int gps = 0, oks = 0;
    for (uint64_t v : kValues) {
        for (Pmu* p : {&full, &quiet}) {  // PMC0 near its wrap, counting with a PMI, at each pass's first advance
            p->wrmsr(msr::kPmc0, 0xffff'ff00);
            p->wrmsr(msr::kPerfEvtSel0, 0x5300c0);
            p->wrmsr(msr::kGlobalCtrl, 1);
        }
        for (uint32_t a = 0; a < 0x1000 + 2; ++a) {
            const uint32_t msr = a < 0x1000 ? a : a == 0x1000 ? 0x12345 : 0xc0000080;  // and two far addresses
            for (AccessKind k : {AccessKind::Wrmsr, AccessKind::Rdmsr}) {
                const AccessResult f = k == AccessKind::Wrmsr ? full.wrmsr(msr, v) : full.rdmsr(msr);
                const Pmu::QuietResult q = quiet.access_quiet(k, msr, v);
                const std::string where = std::string(access_kind_name(k)) + " " + hex_string(msr) + " " + hex_string(v);
                ASSERT_EQ(f.ok, q.ok) << where;
                ASSERT_EQ(f.value, q.value) << where;
                ASSERT_EQ(q.reg, q.ok ? quiet.registers().find(msr) : nullptr) << where;
                ASSERT_EQ(f.ok, f.reason.empty()) << where;  // the full form explains each #GP
                gps += !f.ok, oks += f.ok;
            }
            if (a % 64 == 0) {  // counting between the accesses, overflows and PMIs included
                full.advance_fast(full.cycle() + 997);
                quiet.advance_fast(quiet.cycle() + 997);
            }
            expect_same_state(full, quiet, hex_string(msr));
        }
    }
    EXPECT_GT(gps, 1000);
    EXPECT_GT(oks, 100);
    EXPECT_GT(full.pmis().size(), 0u);
}

TEST_P(QuietAccess, RdpmcOfEveryCounterTypeEqualsTheFullAccess) {
    for (bool pce : {true, false}) {
        Semantics sem;
        sem.cr4_pce = pce;
        Pmu full(make_cpu_config(GetParam()), sem, nullptr), quiet(make_cpu_config(GetParam()), sem, nullptr);
        for (Pmu* p : {&full, &quiet}) {
            p->wrmsr(msr::kPerfEvtSel0, 0x5300c0);
            p->wrmsr(msr::kFixedCtrCtrl, 0x3333);
            p->wrmsr(msr::kGlobalCtrl, 1 | (0xfull << 32) | (p->cpu().perf_metrics() ? 1ull << 48 : 0));
            p->advance_fast(50'000);
        }
        int gps = 0;
        for (uint32_t type : {0x0000u, 0x4000u, 0x2000u, 0x1000u, 0x8000u})
            for (uint32_t index = 0; index < 20; ++index)
                for (unsigned cpl : {0u, 3u}) {
                    const uint32_t ecx = type << 16 | index;
                    const AccessResult f = full.rdpmc(ecx, cpl);
                    const Pmu::QuietResult q = quiet.access_quiet(AccessKind::Rdpmc, ecx, 0, cpl);
                    ASSERT_EQ(f.ok, q.ok) << hex_string(ecx) << " cpl " << cpl;
                    ASSERT_EQ(f.value, q.value) << hex_string(ecx) << " cpl " << cpl;
                    ASSERT_EQ(q.reg, nullptr);
                    gps += !f.ok;
                    expect_same_state(full, quiet, hex_string(ecx));  // a metrics-clearing RDPMC clears both
                }
        EXPECT_GT(gps, 0);
    }
}

// The engine hands the register an access reached to provenance and the last-write table as the
// decoder would name its address.
TEST(DecodedRegister, TheTableNamesEachRegisterAsTheDecoder) {
    for (const std::string& preset : preset_names()) {
        const RegisterTable table(make_cpu_config(preset));
        for (const RegisterDesc& r : table.all()) {
            MsrRef m{RegKind::Pmc, 0};
            ASSERT_TRUE(decode_msr(r.address, m)) << preset << " " << r.name;
            EXPECT_EQ(m.kind, r.kind) << preset << " " << r.name;
            EXPECT_EQ(m.index, r.index) << preset << " " << r.name;
        }
    }
}
