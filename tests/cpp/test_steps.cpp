// Protocol steps on their own: a bare Machine behind a minimal StepContext. Given this vCPU
// state and PMU, when the step runs, then these register values and this software copy.
#include <gtest/gtest.h>

#include "tests/cpp/bare_step_context.h"

using namespace pmusim;

TEST(Steps, PutPerfMetricsSavesThenZeroes) {
    // Given slots counted with PERF_METRICS enabled,
    BareContext c;
    c.m.wrmsr(msr::kFixedCtrCtrl, 0x3ull << 12);
    c.m.wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    c.m.run(10'000);
    const uint64_t pm = c.m.rdpmc(rdpmc_ecx::metrics());
    ASSERT_NE(pm, 0u);
    // when put_perf_metrics runs, then the vCPU holds the value and the register reads 0.
    c.run("put_perf_metrics");
    EXPECT_EQ(c.v.st.perf_metrics, pm);
    EXPECT_EQ(c.m.rdmsr(msr::kPerfMetrics), 0u);
    // The save-only variant saves and leaves it.
    BareContext d;
    d.m.wrmsr(msr::kFixedCtrCtrl, 0x3ull << 12);
    d.m.wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    d.m.run(10'000);
    d.run("put_perf_metrics_save_only");
    EXPECT_EQ(d.m.rdmsr(msr::kPerfMetrics), d.v.st.perf_metrics);
    EXPECT_TRUE(d.writes.empty());
}

TEST(Steps, LoadGuestPmcsElidesMatchingValuesAndWritesTheOthers) {
    // Given a saved PMC0 of 0 (already in hardware) and PMC1 of 1234,
    BareContext c;
    c.v.st.gp[1] = 1234;
    c.run("load_guest_pmcs");
    // then only PMC1's value is written (PMC0 verified by RDPMC), and every selector.
    EXPECT_EQ(c.m.rdpmc(1), 1234u);
    EXPECT_EQ(std::count(c.writes.begin(), c.writes.end(), msr::kAPmc0 + 0), 0);
    EXPECT_EQ(std::count(c.writes.begin(), c.writes.end(), msr::kAPmc0 + 1), 1);
    EXPECT_EQ(std::count(c.writes.begin(), c.writes.end(), msr::kPerfEvtSel0), 1);
    BareContext d;
    d.run("load_guest_pmcs_no_elide");
    EXPECT_EQ(std::count(d.writes.begin(), d.writes.end(), msr::kAPmc0 + 0), 1);
}

TEST(Steps, LoadGlobalStatusTogglesToTheGuestValue) {
    // Given hardware status bit 1 set and a guest status of bit 0,
    BareContext c;
    c.m.wrmsr(msr::kGlobalStatusSet, 1ull << 1);
    c.v.st.global_status = 1ull << 0;
    c.run("load_global_status");
    // then GLOBAL_STATUS reads the guest's bit only.
    EXPECT_EQ(c.m.rdmsr(msr::kGlobalStatus), 1ull << 0);
    // The set-only variant leaves the stale bit.
    BareContext d;
    d.m.wrmsr(msr::kGlobalStatusSet, 1ull << 1);
    d.v.st.global_status = 1ull << 0;
    d.run("load_global_status_set_only");
    EXPECT_EQ(d.m.rdmsr(msr::kGlobalStatus), 0x3u);
}

TEST(Steps, VmexitSavesTheGuestGlobalCtrlAndLoadsTheHostZero) {
    BareContext c;
    c.m.wrmsr(msr::kGlobalCtrl, 0x5);
    c.run("vmexit");
    EXPECT_EQ(c.v.vmcs.guest_global_ctrl, 0x5u);
    EXPECT_EQ(c.m.rdmsr(msr::kGlobalCtrl), 0u);
    BareContext d;
    d.m.wrmsr(msr::kGlobalCtrl, 0x5);
    d.run("vmexit_no_host_load");
    EXPECT_EQ(d.m.rdmsr(msr::kGlobalCtrl), 0x5u);
    BareContext e;
    e.m.wrmsr(msr::kGlobalCtrl, 0x5);
    const uint64_t before = e.v.vmcs.guest_global_ctrl;
    e.run("vmexit_no_save");
    EXPECT_EQ(e.v.vmcs.guest_global_ctrl, before);
}

TEST(Steps, HandoversAndLvtpcAreCallsOnTheContext) {
    BareContext c;
    c.run("load_guest_lvtpc");
    EXPECT_TRUE(c.lvtpc_guest);
    c.run("vmentry");
    EXPECT_TRUE(c.entered);
    c.run("put_guest_lvtpc");
    EXPECT_FALSE(c.lvtpc_guest);
    c.run("perf_put_guest_context");
    EXPECT_TRUE(c.handed);
}

TEST(KvmVpmuEmulation, InterceptedAccessesOnTheSoftwareCopy) {
    // Given a vCPU with 4 GP counters and no PERF_METRICS, on a bare Machine,
    BareContext c;
    VpmuConfig small;
    small.num_gp = 4;
    small.num_fixed = 3;
    small.perf_metrics = false;
    KvmVpmu v(1, c.m.cpu(), small, true);
    // a legacy-alias PMC write sign-extends bit 31 (SDM), RDPMC of a missing counter or of
    // PERF_METRICS injects #GP, a reserved GLOBAL_CTRL bit injects #GP.
    EXPECT_FALSE(v.emulate(AccessKind::Wrmsr, msr::kPmc0 + 2, 0x80000000u, c).gp);
    EXPECT_EQ(v.st.gp[2], v.cpu.gp_mask() & ~0x7fffffffull);
    EXPECT_EQ(v.emulate(AccessKind::Rdpmc, 2, 0, c).value, v.st.gp[2]);
    EXPECT_TRUE(v.emulate(AccessKind::Rdpmc, 4, 0, c).gp);
    EXPECT_TRUE(v.emulate(AccessKind::Rdpmc, rdpmc_ecx::metrics(), 0, c).gp);
    EXPECT_TRUE(v.emulate(AccessKind::Wrmsr, msr::kGlobalCtrl, 1ull << 48, c).gp);
    EXPECT_FALSE(v.emulate(AccessKind::Wrmsr, msr::kGlobalCtrl, 0x3, c).gp);
    EXPECT_EQ(v.vmcs.guest_global_ctrl, 0x3u);  // propagated to the VMCS field
    EXPECT_TRUE(v.exits(AccessKind::Rdpmc, 0));  // counter sets differ: RDPMC exits
}
