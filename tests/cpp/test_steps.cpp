// Protocol steps on their own: a bare Machine behind a minimal StepContext. Given this vCPU
// state and PMU, when the step runs, then these register values and this software copy.
#include <gtest/gtest.h>

#include "models/virt/costs.h"
#include "models/virt/protocol.h"
#include "models/virt/step_context.h"
#include "sim/machine.h"

using namespace pmusim;

namespace {

class BareContext : public StepContext {
public:
    BareContext() : m(MachineOptions{}), v(1, m.cpu(), VpmuConfig{}, true) {}
    Result rdmsr(uint32_t a) override { return result(m.try_rdmsr(a)); }
    Result rdpmc(uint32_t e) override { return result(m.try_rdpmc(e)); }
    void wrmsr(uint32_t a, uint64_t x, Taint) override { writes.push_back(a), m.wrmsr(a, x); }
    KvmVpmu& vcpu() override { return v; }
    const CpuConfig& host() const override { return m.cpu(); }
    const Costs& costs() const override { return c; }
    void elapse(uint64_t n) override { m.run(n); }
    void vmx_load_global_ctrl(uint64_t x, Taint) override { m.wrmsr(msr::kGlobalCtrl, x); }
    Result hw_global_ctrl() const override { return {true, m.pmu().state().global_ctrl, 0}; }
    void verified_counter(unsigned, Taint) override {}
    void verified_status(uint64_t, uint64_t, Taint) override {}
    void set_lvtpc_guest(bool g, bool) override { lvtpc_guest = g; }
    void host_perf_sched_out() override {}
    void host_perf_sched_in() override {}
    uint64_t host_perf_counter_bits() const override { return 0; }
    uint64_t gp_counters_in_use() const override { return 0; }
    void host_counting(bool) override {}
    void enter_guest() override { entered = true; }
    void pmu_to_host(bool) override { handed = true; }

    void run(const std::string& step) { find_step(step)->behaviour(*this); }

    Machine m;
    KvmVpmu v;
    Costs c;
    std::vector<uint32_t> writes;
    bool lvtpc_guest = false, entered = false, handed = false;

private:
    static Result result(const AccessResult& a) { return {a.ok, a.value, 0}; }
};

}  // namespace

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
