// The guest's LVTPC (docs/virtualization.md "LVTPC and PMI delivery"): the register as KVM's
// local APIC keeps it, a PMI accepted only while it is unmasked and masking it as it is accepted
// (SDM 11.5.1; kvm_apic_local_deliver), on bare metal and through KVM, in both vPMUs.
#include <gtest/gtest.h>

#include "models/virt/kvm_variants.h"
#include "models/virt/lvtpc.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/run_format.h"
#include "sim/virt/scenario.h"
#include "virt_test_util.h"

using namespace pmusim;
using test::first_of;

namespace {

Scenario guest_program(const std::string& program, const std::string& protocol = "mediated") {
    return parse_scenario_yaml("cpu: sapphirerapids\ncycles: 200000\nprotocol: " + protocol +
                                   "\nguests:\n  - name: vm0\n    run: {dist: uniform, min: 2000, max: 9000}\n" +
                                   (protocol == "legacy" ? "    vpmu: {version: 2, fixed: 3, perf_metrics: false}\n" : "") +
                                   "    program:\n" + program,
                               "t.yaml");
}

// PMC0 counts cycles with a PMI, 1000 cycles before its overflow.
const char* kArmPmc0 =
    "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0}\n"
    "      - {wrmsr: IA32_A_PMC0, value: 0xFFFFFFFFFC18}\n"
    "      - {wrmsr: IA32_PERFEVTSEL0, value: 0x53003C}\n"
    "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 1}\n";

std::string failures(const RunReport& r) {
    std::string s;
    for (auto& p : r.programs.records)
        if (!p.failure.empty()) s += p.where + ": " + p.failure + "\n";
    return s;
}

}  // namespace

TEST(LvtpcRegister, KeepsKvmsWritableBitsAndRefusesTheHighHalf) {
    Lvtpc l;
    EXPECT_EQ(l.value, Lvtpc::kNmi);
    EXPECT_TRUE(l.wrmsr(0xFFFFFFFFu).ok);
    EXPECT_EQ(l.value, 0x117FFu);  // vector, delivery mode, delivery status, mask
    const AccessResult gp = l.wrmsr(1ull << 32);
    EXPECT_FALSE(gp.ok);
    EXPECT_EQ(l.value, 0x117FFu);  // a refused write changes nothing
}

TEST(LvtpcRegister, AcceptsAPmiOnlyUnmaskedAndMasksItselfOnIntel) {
    Lvtpc l;
    EXPECT_TRUE(l.accept_pmi(true));
    EXPECT_TRUE(l.masked());
    EXPECT_FALSE(l.accept_pmi(true));  // held off until the handler clears the mask
    l.wrmsr(Lvtpc::kNmi);
    EXPECT_TRUE(l.accept_pmi(false));  // without the auto-mask (KVM before a16eb25b09c0)
    EXPECT_FALSE(l.masked());
}

TEST(LvtpcMask, AnOverflowWhileTheGuestMasksItsLvtpcRaisesNoPmi) {
    // Given a guest that masks its LVTPC and arms PMC0 with a PMI, when PMC0 overflows, then the
    // physical LVTPC (the mediated vector under the guest's mask) does not accept the PMI, the
    // status bit is set, and nothing is owed to the guest: bare metal takes no PMI either.
    const std::string p = std::string("      - {wrmsr: X2APIC_LVTPC, value: 0x10400}\n") + kArmPmc0 +
                          "      - {run: 5000}\n"
                          "      - {rdmsr: IA32_PERF_GLOBAL_STATUS, expect: {bits_set: 1}}\n"
                          "      - {rdmsr: X2APIC_LVTPC, expect: {equals: 0x10400}}\n"
                          "      - {wrmsr: X2APIC_LVTPC, value: 0x400}\n"
                          "      - {run: 5000}\n"
                          "      - {wrmsr: X2APIC_LVTPC, value: 0x100000400, expect: {gp: true}}\n";
    const RunReport r = run_scenario(guest_program(p));
    EXPECT_TRUE(r.passed()) << failures(r) << format_run(r, 5);
    EXPECT_GE(r.contexts.at(1).pmis_inhibited, 1u);
    EXPECT_EQ(r.contexts.at(1).pmis_masked, 0u);
}

TEST(LvtpcMask, AcceptingAPmiMasksTheGuestsLvtpc) {
    // Given an unmasked LVTPC and PMC0 armed, when the PMI is injected, then the guest reads its
    // LVTPC masked, as on its own CPU. KVM without the auto-mask leaves it unmasked: the
    // expectation fails and the read differs from bare metal.
    const std::string p = std::string(kArmPmc0) +
                          "      - {run: 5000}\n"
                          "      - {rdmsr: X2APIC_LVTPC, expect: {equals: 0x10400}}\n";
    const RunReport r = run_scenario(guest_program(p));
    EXPECT_TRUE(r.passed()) << failures(r);
    Scenario s = guest_program(p);
    s.kvm_variants |= uint32_t(KvmVariant::LvtpcNoAutoMask);
    const RunReport m = run_scenario(s);
    EXPECT_EQ(m.programs.failed, 1u);
    ASSERT_FALSE(m.programs.records.empty());
    const ProgramRecord& last = m.programs.records.back();
    EXPECT_EQ(last.seen.value, 0x400u);
    EXPECT_EQ(last.ref_value, 0x10400u);
}

TEST(LvtpcMask, TheLegacyVpmuDropsThePmiRequestOfAMaskedLvtpc) {
    // Given the legacy vPMU (PMC0 backed by a host perf event), when the backing event overflows
    // while the guest's LVTPC is masked, then kvm_perf_overflow requests a PMI and
    // kvm_apic_local_deliver drops it at the next VM-entry; the guest is owed none.
    const std::string p = std::string("      - {wrmsr: X2APIC_LVTPC, value: 0x10400}\n") + kArmPmc0 +
                          "      - {run: 5000}\n"
                          "      - {rdmsr: IA32_PERF_GLOBAL_STATUS, expect: {bits_set: 1}}\n";
    const RunReport r = run_scenario(guest_program(p, "legacy"));
    EXPECT_TRUE(r.passed()) << failures(r) << format_run(r, 5);
    EXPECT_GE(r.contexts.at(1).pmis_masked, 1u);
}

TEST(LvtpcLateAck, OverflowsInsideTheHandlerAreHandledByItsLoopNotByAnotherPmi) {
    // Given the built-in lvtpc_late_ack scenario (a sampling period shorter than the handler),
    // then about every second overflow lands inside a handler: the physical LVTPC does not take
    // it, the handler's status loop samples it, and no checker fires. KVM without the auto-mask
    // injects those PMIs too: the guest gets PMIs bare metal would not deliver.
    const RunReport r = run_scenario(test::scenario("lvtpc_late_ack", 600000));
    EXPECT_TRUE(r.clean()) << format_run(r, 5);
    const ContextSummary& g = r.contexts.at(1);
    EXPECT_GT(g.pmis_inhibited, 0u);
    EXPECT_GT(g.samples, g.pmis);  // the status loop took the inhibited overflows' samples
    Scenario s = test::scenario("lvtpc_late_ack", 600000);
    s.kvm_variants |= uint32_t(KvmVariant::LvtpcNoAutoMask);
    const RunReport m = run_scenario(s);
    const Violation* d = first_of(m, ViolationKind::PmiDuplicated);
    ASSERT_NE(d, nullptr);
    EXPECT_EQ(d->reader, "vm0");
    EXPECT_EQ(m.contexts.at(1).pmis_inhibited, 0u);
}
