// A VMM in a scenario (docs/virtualization.md "Userspace interface"): the guest's PMU set up
// through KVM_SET_CPUID2 and PERF_CAPABILITIES, and timed KVM_GET_MSRS / KVM_SET_MSRS / RESET.
#include <gtest/gtest.h>

#include "models/virt/kvm_variants.h"
#include "sim/virt/conform.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

const char* kHead =
    "cpu: sapphirerapids\ncycles: 400000\nguests:\n  - name: vm0\n    run: {dist: uniform, min: 2000, max: 9000}\n";

Scenario scenario(const std::string& guest_extra, const std::string& vmm = "") {
    return parse_scenario_yaml(std::string(kHead) + guest_extra + (vmm.empty() ? "" : "vmm:\n" + vmm), "t.yaml");
}

std::string error_of(const std::string& guest_extra, const std::string& vmm = "") {
    try {
        run_scenario(scenario(guest_extra, vmm));
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

std::vector<const ProgramRecord*> vmm_records(const RunReport& r) {
    std::vector<const ProgramRecord*> out;
    for (auto& x : r.programs.records)
        if (x.label.rfind("vmm:", 0) == 0) out.push_back(&x);
    return out;
}

}  // namespace

TEST(UserspaceVpmu, CpuidIsClampedToWhatKvmSupports) {
    // Given a VMM asking for 12 GP counters and version 9 on sapphirerapids, then the guest gets
    // the host's 8 and version 5, and its first RDMSR of GLOBAL_CTRL shows KVM's refresh value.
    const Scenario s = scenario("    cpuid: {version: 9, num_gp: 12}\n    program: [{rdmsr: IA32_PERF_GLOBAL_CTRL, expect: {equals: 0xff}}]\n");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.passed());
    EXPECT_EQ(r.programs.checked, 1u);
}

TEST(UserspaceVpmu, KvmsErrorsNameTheField) {
    EXPECT_NE(error_of("    perf_capabilities: 0x1000\n").find("perf_capabilities: PERF_CAPABILITIES bits KVM does not support: 0x1000"),
              std::string::npos);
    EXPECT_NE(error_of("    cpuid: {pdcm: false}\n    perf_capabilities: 0x2000\n").find("without CPUID PDCM must be 0"),
              std::string::npos);
    EXPECT_EQ(error_of("    vpmu: {gp: 4}\n    cpuid: {num_gp: 4}\n").substr(0, 9), "t.yaml:6:");
}

TEST(VmmActions, SetThenGetAndTheReferenceFollows) {
    // Given a VMM that sets PMC0 (legacy alias, no sign extension) and GLOBAL_STATUS between
    // host slices, then KVM_GET_MSRS returns them, the guest's reference holds them (the guest
    // reads them in its next run as on bare metal) and no checker fires.
    const Scenario s = scenario(
        "    program: [{run: 150000}, {rdmsr: IA32_PMC0, expect: {equals: 0x80000000}}, {rdmsr: IA32_PERF_GLOBAL_STATUS, "
        "expect: {bits_set: 1}}]\n",
        "  - {at: 50000, vcpu: vm0, set_msrs: [{IA32_PMC0: 0x80000000}, {IA32_PERF_GLOBAL_STATUS: 1}]}\n"
        "  - {at: 50000, vcpu: vm0, get_msrs: [IA32_PMC0], expect: {IA32_PMC0: {equals: 0x80000000}}}\n");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.clean());
    EXPECT_TRUE(r.passed()) << (r.programs.records.empty() ? "" : r.programs.records.back().failure);
    const auto v = vmm_records(r);
    ASSERT_EQ(v.size(), 3u);
    EXPECT_EQ(v[2]->seen.value, 0x80000000u);
    EXPECT_EQ(v[2]->ref_value, 0x80000000u);
}

TEST(VmmActions, SetMsrsStopsAtTheEntryKvmRefuses) {
    const Scenario s = scenario("", "  - {at: 1000, vcpu: vm0, set_msrs: [{IA32_PMC1: 5}, {IA32_PERF_GLOBAL_STATUS: 0x10000000000}, {IA32_PMC2: 6}]}\n"
                                    "  - {at: 1000, vcpu: vm0, get_msrs: [IA32_PMC1, IA32_PMC2]}\n");
    const RunReport r = run_scenario(s);
    const auto v = vmm_records(r);
    ASSERT_EQ(v.size(), 4u);  // PMC1 set, STATUS refused (recorded as the failure), then the two reads
    EXPECT_FALSE(v[0]->seen.gp);
    EXPECT_TRUE(v[1]->seen.gp);
    EXPECT_NE(v[1]->where.find("refused"), std::string::npos);
    EXPECT_EQ(v[2]->seen.value, 5u);
    EXPECT_EQ(v[3]->seen.value, 0u);  // never written
}

TEST(VmmActions, ResetZeroesTheVcpuAndTheReferenceFollowsKvm) {
    const Scenario s = scenario(
        "    program: [{wrmsr: IA32_PERFEVTSEL0, value: 0x43003c}, {run: 200000}, {rdmsr: IA32_PERF_GLOBAL_CTRL, expect: {equals: 0}}]\n",
        "  - {at: 100000, vcpu: vm0, reset: true}\n"
        "  - {at: 100000, vcpu: vm0, get_msrs: [IA32_PMC0, IA32_PERFEVTSEL0], expect: {IA32_PMC0: {equals: 0}, IA32_PERFEVTSEL0: {equals: 0}}}\n");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.clean());
    EXPECT_TRUE(r.passed());
}

TEST(VmmActions, ABadActionNamesItsPlace) {
    EXPECT_NE(error_of("", "  - {at: 5, vcpu: vm9, reset: true}\n").find("no guest named 'vm9'"), std::string::npos);
    EXPECT_NE(error_of("", "  - {at: 5, vcpu: vm0, set_msrs: {IA32_PMC0: 1}}\n").find("t.yaml:7: vmm[0].set_msrs: expected a list"),
              std::string::npos);
    EXPECT_NE(error_of("", "  - {at: 5, vcpu: vm0, get_msrs: [IA32_PMC0], expect: {IA32_PMC1: {equals: 0}}}\n")
                  .find("expects an MSR that get_msrs does not read"),
              std::string::npos);
    EXPECT_NE(error_of("", "  - {at: 5, vcpu: vm0, reset: true, get_msrs: [1]}\n").find("exactly one of set_msrs, get_msrs, reset"),
              std::string::npos);
}

TEST(VmmActions, ConformExplainsAnAbsentMsrOnlyForTheVmm) {
    const Scenario s = scenario("    cpuid: {num_gp: 4}\n", "  - {at: 1000, vcpu: vm0, get_msrs: [IA32_PMC6]}\n");
    const RunReport r = run_scenario(s);
    const ConformReport c = conform(r, true);
    ASSERT_EQ(c.rows.size(), 1u);
    EXPECT_EQ(c.rows[0].verdict, ConformRow::Verdict::Explained);
    EXPECT_EQ(c.rows[0].explanation, "msrs_to_save_absent");
}

TEST(KvmVariants, EachIsCaughtOnTheVmmScenario) {
    // Given vmm_userspace (clean as KVM behaves), when KVM keeps PERF_METRICS across a vCPU RESET,
    // then the guest-state checker reports PERF_METRICS at the load step; when KVM_SET_MSRS
    // sign-extends a legacy PMC write, then the VMM's expectation on the read-back fails.
    Scenario s = load_scenario("vmm_userspace");
    ASSERT_TRUE(run_scenario(s).passed());
    s.kvm_variants = uint32_t(KvmVariant::ResetKeepsPerfMetrics);
    const RunReport keep = run_scenario(s);
    ASSERT_GT(keep.violations.count(ViolationKind::Clobber), 0u);
    EXPECT_EQ(keep.violations.recorded()[0].reg, "PERF_METRICS");
    EXPECT_EQ(keep.violations.recorded()[0].step, "load_perf_metrics");
    s.kvm_variants = uint32_t(KvmVariant::HostPmcWriteSignExtends);
    const RunReport ext = run_scenario(s);
    EXPECT_EQ(ext.programs.failed, 1u);
    EXPECT_THROW(kvm_variant_named("nope"), std::invalid_argument);
}

TEST(VmmActions, AFilterChangeMidRunStopsTheEventOnEveryVcpu) {
    // Given two guests counting branches, when the VMM denies branches at cycle 300000, then both
    // count fewer branches than they ran (the filter took effect at their next VM-entry) and
    // nothing is flagged: the guests' references follow the filter.
    Scenario s = parse_scenario_yaml(
        "cpu: sapphirerapids\ncycles: 600000\nguests:\n"
        "  - {name: vm0, run: {dist: uniform, min: 2000, max: 9000}, perf: {events: [branches], interval: 100000}}\n"
        "  - {name: vm1, run: {dist: uniform, min: 2000, max: 9000}, perf: {events: [branches], interval: 100000}}\n"
        "vmm:\n  - {at: 300000, event_filter: {action: deny, events: [0xc4]}}\n",
        "t.yaml");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.clean());
    for (size_t i = 1; i <= 2; ++i) {
        const auto& [reported, truth] = r.contexts[i].counts.at(0).second;
        EXPECT_GT(reported, 0u);
        EXPECT_LT(reported, truth * 3 / 4) << r.contexts[i].name;
    }
    EXPECT_NE(error_of("", "  - {at: 5, event_filter: {action: maybe}}\n").find("event_filter"), std::string::npos);
}

TEST(VmmActions, MigrationKeepsTheGuestWhole) {
    // Given a guest using topdown with PERF_METRICS, when the VMM migrates it through KVM's
    // msrs_to_save, then the guest goes on as on bare metal; when the VMM's list lacks
    // PERF_METRICS (a VMM that predates it), then the guest's PERF_METRICS is clobbered at the
    // next VM-entry.
    const std::string guest = "    perf: {events: [instructions], topdown: true, interval: 100000}\n";
    const RunReport ok = run_scenario(scenario(guest, "  - {at: 200000, vcpu: vm0, migrate: true}\n"));
    EXPECT_TRUE(ok.clean());
    EXPECT_GT(ok.programs.accesses, 20u);  // the save and the restore of every MSR
    const RunReport lost = run_scenario(scenario(guest, "  - {at: 200000, vcpu: vm0, migrate: {omit: [IA32_PERF_METRICS]}}\n"));
    ASSERT_GT(lost.violations.count(ViolationKind::Clobber), 0u);
    EXPECT_EQ(lost.violations.recorded()[0].reg, "PERF_METRICS");
    EXPECT_EQ(lost.violations.recorded()[0].step, "load_perf_metrics");
}
