// KVM's userspace interface to a vCPU's PMU (docs/virtualization.md "Userspace interface"),
// written like KVM's selftests vmx_pmu_caps_test and pmu_counters_test: given this userspace
// configuration, when userspace or the guest does this, then these values or this error.
#include <gtest/gtest.h>

#include <cerrno>

#include "models/virt/kvm_uapi.h"

using namespace pmusim;

namespace {

// No backing counters in these tests: the vCPU's state is its software copy (NoKvmHw).
struct Vcpu {
    explicit Vcpu(bool mediated = true, const std::string& cpu = "sapphirerapids")
        : host(make_cpu_config(cpu)), v(1, host, host_vpmu(host, mediated), mediated), api(v, host) {}
    CpuConfig host;
    KvmVpmu v;
    KvmVcpuUapi api;
    NoKvmHw hw;
    bool set(uint32_t msr, uint64_t x) { return api.set_msrs({{msr, x}}, hw) == 1; }
    uint64_t get(uint32_t msr) {
        std::vector<uint64_t> out;
        EXPECT_EQ(api.get_msrs({msr}, out, hw), 1u) << std::hex << msr;
        return out[0];
    }
    bool guest_gp(AccessKind k, uint32_t msr, uint64_t x = 0) { return v.emulate(k, msr, x, hw).gp; }
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// PERF_CAPABILITIES (vmx_pmu_caps_test).

TEST(PerfCapabilities, TheGuestCannotWriteItAndReadsWhatUserspaceSet) {
    Vcpu c;
    const uint64_t full = supported_perf_capabilities(c.host, true);
    ASSERT_TRUE(c.set(msr::kPerfCapabilities, full));
    for (uint64_t x : {full, uint64_t(0), full ^ perf_cap::kFwWrite}) EXPECT_TRUE(c.guest_gp(AccessKind::Wrmsr, msr::kPerfCapabilities, x));
    EXPECT_EQ(c.v.emulate(AccessKind::Rdmsr, msr::kPerfCapabilities, 0, c.hw).value, full);
    EXPECT_EQ(c.get(msr::kPerfCapabilities), full);
}

TEST(PerfCapabilities, ZeroOrFullBeforeRunAndImmutableAfter) {
    Vcpu c;
    const uint64_t full = supported_perf_capabilities(c.host, true);
    EXPECT_TRUE(c.set(msr::kPerfCapabilities, 0));
    EXPECT_TRUE(c.set(msr::kPerfCapabilities, full));
    c.api.run();
    EXPECT_TRUE(c.set(msr::kPerfCapabilities, full));  // the same value is accepted
    EXPECT_FALSE(c.set(msr::kPerfCapabilities, 0));
    EXPECT_FALSE(c.set(msr::kPerfCapabilities, full ^ perf_cap::kFwWrite));
    EXPECT_EQ(c.get(msr::kPerfCapabilities), full);
}

TEST(PerfCapabilities, FungibleBitsAloneUnsupportedAndImmutableBitsFail) {
    Vcpu c;
    for (uint64_t bit : {perf_cap::kFwWrite, perf_cap::kPerfMetrics}) {
        EXPECT_TRUE(c.set(msr::kPerfCapabilities, bit)) << bit;
        EXPECT_EQ(c.get(msr::kPerfCapabilities), bit);
    }
    EXPECT_FALSE(c.set(msr::kPerfCapabilities, perf_cap::kFreezeWhileSmm));  // not offered by KVM
    EXPECT_FALSE(c.set(msr::kPerfCapabilities, 1ull << 40));
    const uint64_t lbr = supported_perf_capabilities(c.host, true) & perf_cap_field::kLbrFormat;
    if (lbr) EXPECT_FALSE(c.set(msr::kPerfCapabilities, lbr ^ 1));  // LBR format: 0 or the host's
}

TEST(PerfCapabilities, PerfMetricsOnlyWithTheMediatedVpmu) {
    Vcpu mediated(true), legacy(false);
    EXPECT_TRUE(mediated.set(msr::kPerfCapabilities, perf_cap::kPerfMetrics));
    EXPECT_TRUE(mediated.v.config.perf_metrics);
    EXPECT_FALSE(legacy.set(msr::kPerfCapabilities, perf_cap::kPerfMetrics));
    Vcpu icelake_legacy(false, "icelake");
    EXPECT_EQ(supported_perf_capabilities(icelake_legacy.host, false) & perf_cap::kPerfMetrics, 0u);
}

TEST(PerfCapabilities, WithoutPdcmGetIsZeroAndOnlyZeroCanBeSet) {
    Vcpu c;
    PmuCpuid id = c.api.cpuid();
    id.pdcm = false;
    ASSERT_TRUE(c.api.set_cpuid(id).ok());
    EXPECT_EQ(c.get(msr::kPerfCapabilities), 0u);
    EXPECT_TRUE(c.set(msr::kPerfCapabilities, 0));
    EXPECT_FALSE(c.set(msr::kPerfCapabilities, perf_cap::kFwWrite));
    EXPECT_TRUE(c.guest_gp(AccessKind::Rdmsr, msr::kPerfCapabilities));  // no PDCM: no such MSR
}

// ---------------------------------------------------------------------------------------------
// CPUID (pmu_counters_test): KVM clamps what userspace asks to what it supports.

TEST(Cpuid, VersionAndCountersAreClampedToWhatKvmSupports) {
    Vcpu mediated(true), legacy(false);
    PmuCpuid id = supported_pmu_cpuid(mediated.host);
    id.version = 9;
    id.num_gp = 12;
    ASSERT_TRUE(mediated.api.set_cpuid(id).ok());
    EXPECT_EQ(mediated.v.config.version, mediated.host.version);
    EXPECT_EQ(mediated.v.config.num_gp, mediated.host.num_gp);
    ASSERT_TRUE(legacy.api.set_cpuid(id).ok());
    EXPECT_EQ(legacy.v.config.version, 2u);  // kvm_init_pmu_capability caps the legacy vPMU at v2
    EXPECT_FALSE(legacy.v.config.has_fixed(3));  // three fixed counters at most
}

TEST(Cpuid, VersionZeroMeansNoPmuAndVersionOneNoFixedCounters) {
    Vcpu c;
    PmuCpuid id = c.api.cpuid();
    id.version = 0;
    ASSERT_TRUE(c.api.set_cpuid(id).ok());
    for (uint32_t m : {msr::kPmc0, msr::kFixedCtr0, msr::kGlobalCtrl}) EXPECT_TRUE(c.guest_gp(AccessKind::Rdmsr, m)) << m;
    EXPECT_TRUE(c.v.emulate(AccessKind::Rdpmc, 0, 0, c.hw).gp);
    id.version = 1;
    ASSERT_TRUE(c.api.set_cpuid(id).ok());
    EXPECT_FALSE(c.guest_gp(AccessKind::Rdmsr, msr::kPmc0));
    EXPECT_TRUE(c.guest_gp(AccessKind::Rdmsr, msr::kFixedCtr0));
    EXPECT_TRUE(c.guest_gp(AccessKind::Rdmsr, msr::kGlobalCtrl));
}

TEST(Cpuid, ANonContiguousFixedCounterBitmap) {
    // Given EDX[4:0] = 1 and ECX = {0, 2} on a v5 vPMU, then fixed counters 0 and 2 exist and 1
    // #GPs on its MSR, its RDPMC and its GLOBAL_CTRL bit (pmu_counters_test guest_test_fixed_counters).
    Vcpu c;
    PmuCpuid id = c.api.cpuid();
    id.num_fixed = 1;
    id.fixed_bitmap = 0b101;
    ASSERT_TRUE(c.api.set_cpuid(id).ok());
    EXPECT_FALSE(c.guest_gp(AccessKind::Rdmsr, msr::kFixedCtr0));
    EXPECT_TRUE(c.guest_gp(AccessKind::Rdmsr, msr::kFixedCtr0 + 1));
    EXPECT_FALSE(c.guest_gp(AccessKind::Rdmsr, msr::kFixedCtr0 + 2));
    EXPECT_TRUE(c.v.emulate(AccessKind::Rdpmc, rdpmc_ecx::fixed(1), 0, c.hw).gp);
    EXPECT_FALSE(c.v.emulate(AccessKind::Rdpmc, rdpmc_ecx::fixed(2), 0, c.hw).gp);
    EXPECT_TRUE(c.guest_gp(AccessKind::Wrmsr, msr::kGlobalCtrl, 1ull << 33));
    EXPECT_FALSE(c.guest_gp(AccessKind::Wrmsr, msr::kGlobalCtrl, 1ull << 34));
    EXPECT_TRUE(c.v.icpt.intercepted(msr::kFixedCtr0 + 1));
}

TEST(Cpuid, ImmutableAfterRun) {
    Vcpu c;
    PmuCpuid id = c.api.cpuid();
    c.api.run();
    EXPECT_TRUE(c.api.set_cpuid(id).ok());
    id.num_gp = 4;
    const UapiStatus s = c.api.set_cpuid(id);
    EXPECT_EQ(s.err, -EINVAL);
    EXPECT_NE(s.why.find("after KVM_RUN"), std::string::npos);
    EXPECT_EQ(c.v.config.num_gp, 8u);
}

TEST(Cpuid, RefreshSetsEveryGpEnableInGlobalCtrl) {
    Vcpu c;
    PmuCpuid id = c.api.cpuid();
    id.num_gp = 3;
    ASSERT_TRUE(c.api.set_cpuid(id).ok());
    EXPECT_EQ(c.get(msr::kGlobalCtrl), 0x7u);
}

// ---------------------------------------------------------------------------------------------
// KVM_GET_MSRS / KVM_SET_MSRS (kvm_pmu_set_msr, intel_pmu_set_msr with host_initiated).

TEST(HostInitiated, LegacyPmcWritesAreNotSignExtended) {
    Vcpu c;
    ASSERT_TRUE(c.set(msr::kPmc0, 0x80000000));
    EXPECT_EQ(c.get(msr::kPmc0), 0x80000000u);
    c.v.emulate(AccessKind::Wrmsr, msr::kPmc0, 0x80000000, c.hw);  // the guest's write sign-extends
    EXPECT_EQ(c.get(msr::kPmc0), 0xffff80000000u);
}

TEST(HostInitiated, GlobalStatusIsWritableResetClearsNothing) {
    Vcpu c;
    EXPECT_TRUE(c.guest_gp(AccessKind::Wrmsr, msr::kGlobalStatus, 1));
    ASSERT_TRUE(c.set(msr::kGlobalStatus, 0x5 | (1ull << 48)));
    EXPECT_EQ(c.get(msr::kGlobalStatus), 0x5u | (1ull << 48));
    EXPECT_FALSE(c.set(msr::kGlobalStatus, 1ull << 40));  // reserved
    EXPECT_TRUE(c.set(msr::kGlobalStatusReset, 0x1));
    EXPECT_EQ(c.get(msr::kGlobalStatus), 0x5u | (1ull << 48));  // host-initiated: nothing cleared
    EXPECT_EQ(c.get(msr::kGlobalStatusReset), 0u);
    c.v.emulate(AccessKind::Wrmsr, msr::kGlobalStatusReset, 0x1, c.hw);
    EXPECT_EQ(c.get(msr::kGlobalStatus), 0x4u | (1ull << 48));  // the guest's write clears
}

TEST(HostInitiated, PerfMetricsIsSavedAndRestored) {
    Vcpu c;
    ASSERT_TRUE(c.set(msr::kFixedCtr0 + 3, 1000));
    ASSERT_TRUE(c.set(msr::kPerfMetrics, 0x10203040));
    EXPECT_EQ(c.get(msr::kPerfMetrics), 0x10203040u);
    EXPECT_FALSE(c.set(msr::kGlobalCtrl, 1ull << 40));  // reserved bits fail as for the guest
}

TEST(HostInitiated, SetMsrsStopsAtTheFirstFailure) {
    Vcpu c;
    std::string why;
    const size_t n = c.api.set_msrs({{msr::kPmc0, 1}, {msr::kGlobalStatus, 1ull << 40}, {msr::kPmc0 + 1, 2}}, c.hw, &why);
    EXPECT_EQ(n, 1u);
    EXPECT_NE(why.find("0x38e"), std::string::npos);
    EXPECT_EQ(c.get(msr::kPmc0 + 1), 0u);
}

TEST(HostInitiated, MsrsToSaveTheVcpuLacksReadZeroAndTakeZero) {
    // Given a vCPU with 4 GP counters, when a VMM saves and restores the host's msrs_to_save,
    // then PMC4..7 read 0, a write of 0 succeeds and any other value fails.
    Vcpu c;
    PmuCpuid id = c.api.cpuid();
    id.num_gp = 4;
    ASSERT_TRUE(c.api.set_cpuid(id).ok());
    EXPECT_EQ(c.get(msr::kPmc0 + 6), 0u);
    EXPECT_TRUE(c.set(msr::kPmc0 + 6, 0));
    EXPECT_FALSE(c.set(msr::kPmc0 + 6, 1));
    std::vector<uint64_t> out;
    EXPECT_EQ(c.api.get_msrs({0x999}, out, c.hw), 0u);  // not a PMU MSR at all
}

TEST(MsrsToSave, FixedCtr3AndPerfMetricsOnlyWhereSupported) {
    auto has = [](const std::vector<uint32_t>& l, uint32_t m) { return std::find(l.begin(), l.end(), m) != l.end(); };
    const CpuConfig spr = make_cpu_config("sapphirerapids"), skl = make_cpu_config("skylake");
    EXPECT_TRUE(has(msrs_to_save(spr, true), msr::kPerfMetrics));
    EXPECT_TRUE(has(msrs_to_save(spr, true), msr::kFixedCtr0 + 3));
    EXPECT_FALSE(has(msrs_to_save(spr, false), msr::kPerfMetrics));  // the legacy vPMU has neither
    EXPECT_FALSE(has(msrs_to_save(spr, false), msr::kFixedCtr0 + 3));
    EXPECT_FALSE(has(msrs_to_save(skl, true), msr::kPerfMetrics));
    EXPECT_FALSE(has(msrs_to_save(skl, true), msr::kFixedCtr0 + 3));
    EXPECT_TRUE(has(msrs_to_save(skl, true), msr::kPmc0 + skl.num_gp - 1));
    EXPECT_FALSE(has(msrs_to_save(skl, true), msr::kPmc0 + skl.num_gp));
}

TEST(Reset, ZeroesCountersSelectorsControlsStatusAndPerfMetrics) {
    Vcpu c;
    c.set(msr::kPmc0, 5);
    c.set(msr::kPerfEvtSel0, 0x43003c);
    c.set(msr::kFixedCtrCtrl, 0x3);
    c.set(msr::kGlobalStatus, 1);
    c.set(msr::kPerfMetrics, 0x01020304);
    c.api.reset();
    for (uint32_t m : {msr::kPmc0, msr::kPerfEvtSel0, msr::kFixedCtrCtrl, msr::kGlobalStatus, msr::kPerfMetrics, msr::kGlobalCtrl})
        EXPECT_EQ(c.get(m), 0u) << std::hex << m;
}
