// Counting what KVM emulates (docs/virtualization.md "Emulated instructions"): an instruction that
// exits retires in KVM's software (kvm_pmu_instruction_retired, kvm_pmu_branch_retired), can
// overflow and raise a PMI; KVM's fastpath completes some exits without put and load, and the
// mediated vPMU refuses it while a counter of instructions is enabled
// (kvm_pmu_is_fastpath_emulation_allowed). Written like KVM's pmu_counters_test.
#include <gtest/gtest.h>

#include "models/virt/emulated_instr.h"
#include "models/virt/kvm_uapi.h"
#include "models/virt/kvm_variants.h"
#include "models/core/workload.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/run_format.h"
#include "sim/virt/scenario.h"
#include "virt_test_util.h"

using namespace pmusim;
using test::first_of;

namespace {

constexpr uint64_t kInstrSel = 0x4300C0;   // INST_RETIRED.ANY_P, OS+USR+EN
constexpr uint64_t kBranchSel = 0x4300C4;  // BR_INST_RETIRED.ALL_BRANCHES

KvmVpmu mediated_vcpu(NoKvmHw& hw, uint64_t sel0, uint64_t global) {
    KvmVpmu v(1, make_cpu_config("sapphirerapids"), VpmuConfig{}, true);
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, sel0, hw);
    v.emulate(AccessKind::Wrmsr, msr::kGlobalCtrl, global, hw);
    return v;
}

Scenario guest_program(const std::string& program, const std::string& protocol = "mediated") {
    return parse_scenario_yaml("cpu: sapphirerapids\ncycles: 300000\nprotocol: " + protocol +
                                   "\nguests:\n  - name: vm0\n    workload: pointer_chase\n"
                                   "    run: {dist: uniform, min: 2000, max: 9000}\n" +
                                   (protocol == "legacy" ? "    vpmu: {version: 2, fixed: 3, perf_metrics: false}\n" : "") +
                                   "    program:\n" + program,
                               "t.yaml");
}

// PMC0 counts instructions and FIXED_CTR0 too; then 50 CPUIDs; then both are read.
std::string count_program(const std::string& instr, uint64_t pmc0 = 0) {
    return "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0}\n"
           "      - {wrmsr: IA32_A_PMC0, value: " + std::to_string(pmc0) + "}\n"
           "      - {wrmsr: IA32_PERFEVTSEL0, value: 0x5300C0}\n"
           "      - {wrmsr: IA32_FIXED_CTR_CTRL, value: 0x3}\n"
           "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0x100000001}\n"
           "      - {loop: 50, body: [{emulate: " + instr + "}]}\n"
           "      - {rdmsr: IA32_PMC0}\n"
           "      - {rdmsr: IA32_FIXED_CTR0}\n";
}

}  // namespace

TEST(EmulatedInstructions, TheTableNamesEachInstructionOnce) {
    const auto& t = emulated_instructions();
    for (unsigned i = 0; i < t.size(); ++i) EXPECT_EQ(emulated_instruction_index(t[i].name), i);
    EXPECT_THROW(emulated_instruction_index("rdtsc"), std::invalid_argument);
}

TEST(KvmEmulatedCounting, AnInstructionsCounterInUseCountsOneAtItsRing) {
    NoKvmHw hw;
    KvmVpmu v = mediated_vcpu(hw, kInstrSel, 1);
    EXPECT_FALSE(v.retire_emulated(false, 0, hw));
    EXPECT_EQ(v.st.gp[0], 1u);
    // KVM matches event select and unit mask only: CMASK does not stop it, another umask does.
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, kInstrSel | (1ull << 24), hw);
    v.retire_emulated(false, 0, hw);
    EXPECT_EQ(v.st.gp[0], 2u);
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, kInstrSel | 0x100, hw);
    v.retire_emulated(false, 0, hw);
    EXPECT_EQ(v.st.gp[0], 2u);
    // USR only: not at CPL 0; not enabled in GLOBAL_CTRL: not at all.
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, kInstrSel & ~evtsel::kOs, hw);
    v.retire_emulated(false, 0, hw);
    EXPECT_EQ(v.st.gp[0], 2u);
    v.retire_emulated(false, 3, hw);
    EXPECT_EQ(v.st.gp[0], 3u);
    v.emulate(AccessKind::Wrmsr, msr::kGlobalCtrl, 0, hw);
    v.retire_emulated(false, 3, hw);
    EXPECT_EQ(v.st.gp[0], 3u);
}

TEST(KvmEmulatedCounting, FixedCounterZeroCountsInstructionsAndBranchesCountOnlyForBranches) {
    NoKvmHw hw;
    KvmVpmu v = mediated_vcpu(hw, kBranchSel, 1 | (1ull << 32));
    v.emulate(AccessKind::Wrmsr, msr::kFixedCtrCtrl, 0x3, hw);
    v.retire_emulated(false, 0, hw);
    EXPECT_EQ(v.st.fixed[0], 1u);
    EXPECT_EQ(v.st.gp[0], 0u);
    v.retire_emulated(true, 0, hw);
    EXPECT_EQ(v.st.fixed[0], 2u);
    EXPECT_EQ(v.st.gp[0], 1u);
}

TEST(KvmEmulatedCounting, AnOverflowSetsTheStatusBitAndRequestsAPmiWhenAskedFor) {
    NoKvmHw hw;
    KvmVpmu v = mediated_vcpu(hw, kInstrSel | evtsel::kInt, 1);
    v.emulate(AccessKind::Wrmsr, msr::kAPmc0, 0xFFFFFFFFFFFF, hw);
    EXPECT_TRUE(v.retire_emulated(false, 0, hw));
    EXPECT_EQ(v.st.gp[0], 0u);
    EXPECT_EQ(v.st.global_status & 1u, 1u);
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, kInstrSel, hw);  // no INT: status only
    v.emulate(AccessKind::Wrmsr, msr::kAPmc0, 0xFFFFFFFFFFFF, hw);
    EXPECT_FALSE(v.retire_emulated(false, 0, hw));
}

TEST(KvmEmulatedCounting, TheMediatedVpmuRefusesTheFastpathWhileInstructionsAreCounted) {
    NoKvmHw hw;
    EXPECT_FALSE(mediated_vcpu(hw, kInstrSel, 1).fastpath_emulation_allowed());
    EXPECT_TRUE(mediated_vcpu(hw, kInstrSel, 0).fastpath_emulation_allowed());   // not in GLOBAL_CTRL
    EXPECT_TRUE(mediated_vcpu(hw, 0x43003C, 1).fastpath_emulation_allowed());    // cycles
    VpmuConfig v2;
    v2.version = 2;
    v2.num_fixed = 3;
    v2.perf_metrics = false;
    KvmVpmu legacy(1, make_cpu_config("sapphirerapids"), v2, false);
    legacy.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, kInstrSel, hw);
    legacy.emulate(AccessKind::Wrmsr, msr::kGlobalCtrl, 1, hw);
    EXPECT_TRUE(legacy.fastpath_emulation_allowed());  // perf events keep the legacy count right
}

TEST(PmuRetire, AnUnmodelledInstructionCountsOnceAndCanOverflowInBothModes) {
    for (bool fast : {false, true}) {
        Pmu p(make_cpu_config("sapphirerapids"), Semantics{}, std::make_unique<SteadyWorkload>(SteadyParams{}));
        p.wrmsr(msr::kAPmc0, 0xFFFFFFFFFFFF);
        p.wrmsr(msr::kPerfEvtSel0, kInstrSel | evtsel::kInt);
        p.wrmsr(msr::kPerfEvtSel0 + 1, kBranchSel);
        p.wrmsr(msr::kGlobalCtrl, 3);
        p.retire(bit(Event::Instructions), 0);
        EXPECT_EQ(p.counter(0), 0u);
        EXPECT_EQ(p.counter(1), 0u);
        EXPECT_EQ(p.state().global_status & 1u, 1u);
        const uint64_t at = p.cycle();
        ASSERT_EQ(p.pmis().size(), 1u);  // raised as it retires (no skid)
        EXPECT_EQ(p.pmis()[0].cycle, at);
        if (fast) p.advance_fast(at + 10);
        else p.advance_per_cycle(at + 10);
        EXPECT_EQ(p.pmis().size(), 1u) << (fast ? "fast" : "per-cycle");
        EXPECT_GT(p.counter(0), 0u);
    }
}

TEST(EmulatedExits, KvmCountsEveryEmulatedInstructionAsBareMetalRetiresIt) {
    // Given PMC0 and FIXED_CTR0 counting instructions, when the guest executes 50 CPUIDs, then
    // each exits and KVM counts it: both counters read what the guest's own CPU would. Without
    // the counting, the reads differ by 50.
    const RunReport r = run_scenario(guest_program(count_program("cpuid")));
    EXPECT_TRUE(r.passed()) << format_run(r, 5);
    EXPECT_EQ(r.contexts.at(1).emulated, 50u);
    EXPECT_EQ(r.contexts.at(1).exits.at("cpuid"), 50u);
    Scenario s = guest_program(count_program("cpuid"));
    s.kvm_variants |= uint32_t(KvmVariant::EmulatedNotCounted);
    const RunReport m = run_scenario(s);
    const Violation* c = first_of(m, ViolationKind::Clobber);
    ASSERT_NE(c, nullptr) << format_run(m, 5);
    EXPECT_EQ(c->reader, "vm0");
}

TEST(EmulatedExits, ABranchCountsOnBranchCounters) {
    const std::string p = "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0}\n"
                          "      - {wrmsr: IA32_PERFEVTSEL1, value: 0x5300C4}\n"
                          "      - {wrmsr: IA32_PMC1, value: 0}\n"
                          "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 2}\n"
                          "      - {loop: 20, body: [{emulate: fep_jmp}, {emulate: fep_nop}]}\n"
                          "      - {rdmsr: IA32_PMC1}\n";
    const RunReport r = run_scenario(guest_program(p));
    EXPECT_TRUE(r.passed()) << format_run(r, 5);
    EXPECT_EQ(r.contexts.at(1).exits.at("emulation"), 40u);
}

TEST(EmulatedExits, AnEmulatedOverflowRaisesThePmiBareMetalRaises) {
    // PMC0 counts kernel instructions with INT, one before its overflow; the guest's workload
    // runs in user mode, so the first CPUID (CPL 0) overflows it. KVM sets the status bit and
    // requests the PMI, injected at the next VM-entry, as the guest's own CPU raises it.
    // Without the counting, the status bit and the PMI are lost.
    const std::string p = "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0}\n"
                          "      - {wrmsr: IA32_A_PMC0, value: 0xFFFFFFFFFFFF}\n"
                          "      - {wrmsr: IA32_PERFEVTSEL0, value: 0x5200C0}\n"
                          "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 1}\n"
                          "      - {run: 1000}\n"
                          "      - {rdmsr: IA32_PERF_GLOBAL_STATUS, expect: {equals: 0}}\n"
                          "      - {emulate: cpuid}\n"
                          "      - {rdmsr: IA32_PERF_GLOBAL_STATUS, expect: {bits_set: 1}}\n";
    const RunReport r = run_scenario(guest_program(p));
    EXPECT_TRUE(r.passed()) << format_run(r, 5);
    Scenario s = guest_program(p);
    s.kvm_variants |= uint32_t(KvmVariant::EmulatedNotCounted);
    const RunReport m = run_scenario(s);
    EXPECT_NE(first_of(m, ViolationKind::PmiLost), nullptr) << format_run(m, 5);
    EXPECT_EQ(m.programs.failed, 1u);
}

TEST(EmulatedExits, TheFastpathRunsOnlyTheTransitionsAndIsRefusedWhileInstructionsAreCounted) {
    // Given no counter counting instructions, when the guest executes HLT 30 times, then KVM
    // completes each in its fastpath: no put, no load (no new VM-entry of the load path).
    const std::string idle = "      - {loop: 30, body: [{emulate: hlt}, {run: 100}]}\n";
    const RunReport r = run_scenario(guest_program(idle));
    EXPECT_TRUE(r.passed()) << format_run(r, 5);
    EXPECT_EQ(r.contexts.at(1).exits.at("hlt_fastpath"), 30u);
    EXPECT_EQ(r.contexts.at(1).exits.count("hlt"), 0u);
    // With instructions counted, every HLT takes the full exit, and is counted.
    const RunReport c = run_scenario(guest_program(count_program("hlt")));
    EXPECT_TRUE(c.passed()) << format_run(c, 5);
    EXPECT_EQ(c.contexts.at(1).exits.at("hlt"), 50u);
    EXPECT_EQ(c.contexts.at(1).exits.count("hlt_fastpath"), 0u);
    // A KVM that takes the fastpath anyway counts on its stale software copy: the count is lost,
    // and the guest's counters differ from bare metal at the fastpath's VM-entry.
    Scenario s = guest_program(count_program("wrmsr_tsc_deadline"));
    s.kvm_variants |= uint32_t(KvmVariant::FastpathIgnoresCounting);
    const RunReport m = run_scenario(s);
    EXPECT_EQ(m.contexts.at(1).exits.at("msr_fastpath"), 50u);
    const Violation* v = first_of(m, ViolationKind::Clobber);
    ASSERT_NE(v, nullptr) << format_run(m, 5);
    EXPECT_NE(v->detail.find("at VM-entry"), std::string::npos) << v->detail;
}

TEST(EmulatedExits, TheLegacyVpmuCountsThroughTheBackingEventAndAlwaysAllowsTheFastpath) {
    const RunReport r = run_scenario(guest_program(count_program("invd"), "legacy"));
    EXPECT_TRUE(r.passed()) << format_run(r, 5);
    EXPECT_EQ(r.contexts.at(1).exits.at("invd_fastpath"), 50u);
}
