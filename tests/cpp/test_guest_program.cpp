// Guest programs (docs/virtualization.md "Guest programs"): the program model on its own, its
// scenario-file form, and programs run inside a guest as the guest's instructions.
#include <gtest/gtest.h>

#include "models/pmu/register_table.h"
#include "models/virt/guest_program.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/program_reader.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

std::vector<GuestAction> actions(const GuestProgram& p) {
    ProgramCursor c(p);
    std::vector<GuestAction> out;
    for (GuestAction a = c.next(); a.kind != GuestAction::Kind::Done; a = c.next()) out.push_back(a);
    return out;
}

std::string error_of(const std::string& yaml) {
    try {
        parse_scenario_yaml(yaml, "t.yaml");
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

const char* kHead = "cpu: sapphirerapids\ncycles: 300000\nguests:\n  - name: vm0\n    program:\n";

Scenario with_program(const std::string& program_yaml, const std::string& extra = "") {
    return parse_scenario_yaml(std::string(kHead) + program_yaml + extra, "t.yaml");
}

const ProgramRecord* record(const RunReport& r, const std::string& label) {
    for (auto& x : r.programs.records)
        if (x.label == label) return &x;
    return nullptr;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// The model.

TEST(GuestProgram, LoopsRepeatTheirBodyWithoutUnrolling) {
    // Given loop 3 { rdmsr; loop 2 { run 5 } }, when the cursor runs, then 3 x (1 + 2) actions.
    const Scenario s = with_program(
        "      - loop: 3\n        body:\n          - rdmsr: IA32_PMC0\n"
        "          - loop: 2\n            body:\n              - run: 5\n");
    const GuestProgram& p = s.guests[0].program;
    EXPECT_EQ(p.code.size(), 6u);  // flat: loop, rdmsr, loop, run, end, end
    const auto a = actions(p);
    ASSERT_EQ(a.size(), 9u);
    EXPECT_EQ(a[0].kind, GuestAction::Kind::Access);
    EXPECT_EQ(a[1].kind, GuestAction::Kind::Run);
    EXPECT_EQ(a[2].kind, GuestAction::Kind::Run);
    EXPECT_EQ(a[3].kind, GuestAction::Kind::Access);
}

TEST(GuestProgram, ExpectationsCheckValueRangeBitsAndFault) {
    Expectation eq;
    eq.value = Expectation::Value::Equals;
    eq.lo = 0x10;
    EXPECT_EQ(eq.check(false, 0x10), "");
    EXPECT_EQ(eq.check(false, 0x12), "expected 0x10, read 0x12");
    EXPECT_EQ(eq.check(true, 0), "expected no #GP, got #GP");
    Expectation rg;
    rg.value = Expectation::Value::Range;
    rg.lo = 5;
    rg.hi = 9;
    EXPECT_EQ(rg.check(false, 9), "");
    EXPECT_NE(rg.check(false, 10), "");
    Expectation bits;
    bits.set = 0x1;
    bits.clear = 0x4;
    EXPECT_EQ(bits.check(false, 0x3), "");
    EXPECT_NE(bits.check(false, 0x2), "");
    EXPECT_NE(bits.check(false, 0x5), "");
    Expectation gp;
    gp.fault = Expectation::Fault::Gp;
    EXPECT_EQ(gp.check(true, 0), "");
    EXPECT_EQ(gp.check(false, 0), "expected #GP, got none");
    EXPECT_TRUE(Expectation{}.any());
}

TEST(GuestProgram, ValidationRejectsLoopsThatCouldSpinInPlace) {
    GuestProgram p;
    GuestInstr loop;
    loop.op = GuestInstr::Op::Loop;
    loop.count = 5;
    loop.match = 1;
    loop.where = "p[0]";
    GuestInstr end;
    end.op = GuestInstr::Op::EndLoop;
    end.match = 0;
    p.code = {loop, end};
    EXPECT_THROW(validate_program(p), std::invalid_argument);  // empty body
    GuestInstr run;
    run.count = 0;
    p.code = {run};
    EXPECT_THROW(validate_program(p), std::invalid_argument);  // a run of 0 cycles
}

// ----------------------------------------------------------------------------------------------
// Scenario files.

TEST(GuestProgramFile, ValuesAreExact64BitAndNegativesAreTwosComplement) {
    const Scenario s = with_program(
        "      - wrmsr: IA32_PMC0\n        value: 0xffffffffffff\n"
        "      - wrmsr: 0x4c1\n        value: -1000\n"
        "      - rdmsr: IA32_PERF_GLOBAL_OVF_CTRL\n        expect: {equals: 0x8000000000000001}\n");
    const auto& c = s.guests[0].program.code;
    EXPECT_EQ(c[0].index, msr::kPmc0);
    EXPECT_EQ(c[0].value, 0xffffffffffffull);
    EXPECT_EQ(c[1].value, uint64_t(0) - 1000);
    EXPECT_EQ(c[2].index, msr::kGlobalStatusReset);
    EXPECT_EQ(c[2].expect.lo, 0x8000000000000001ull);
    EXPECT_EQ(c[2].where, "t.yaml:10: guests.vm0.program[2]");
}

TEST(GuestProgramFile, ErrorsNameFileLineAndField) {
    EXPECT_EQ(error_of(std::string(kHead) + "      - wrmsr: IA32_PMC0\n"),
              "t.yaml:6: guests.vm0.program[0].value: a wrmsr needs a value");
    EXPECT_EQ(error_of(std::string(kHead) + "      - rdmsr: IA32_NOPE\n"),
              "t.yaml:6: guests.vm0.program[0].rdmsr: expected a 64-bit whole number (decimal, 0x hex or 0b binary), got 'IA32_NOPE'");
    EXPECT_EQ(error_of(std::string(kHead) + "      - run: 10\n        rdmsr: 1\n"),
              "t.yaml:6: guests.vm0.program[0]: expected exactly one of rdmsr, wrmsr, rdpmc, run, loop, emulate");
    EXPECT_EQ(error_of(std::string(kHead) + "      - rdmsr: 0xc1\n        expect: {equal: 1}\n"),
              "t.yaml:7: guests.vm0.program[0].expect.equal: unknown key (known: bits_clear, bits_set, byte_sum, equals, gp, range)");
    EXPECT_EQ(error_of(std::string(kHead) + "      - loop: 0\n        body: [{run: 1}]\n"),
              "t.yaml:6: guests.vm0.program[0].loop: expected a whole number >= 1, got '0'");
    EXPECT_EQ(error_of(std::string(kHead) + "      - rdmsr: 0xc1\n        expect: {gp: true, equals: 1}\n"),
              "t.yaml:7: guests.vm0.program[0].expect.gp: an access that #GPs reads no value to expect");
    EXPECT_EQ(error_of(std::string(kHead) + "      - wrmsr: 0xc1\n        value: 0x10000000000000000\n"),
              "t.yaml:7: guests.vm0.program[0].value: expected a 64-bit whole number (decimal, 0x hex or 0b binary), got "
              "'0x10000000000000000'");
}

// ----------------------------------------------------------------------------------------------
// Inside a mediated guest (sapphirerapids, the guest's vPMU = the host's PMU: counters and the
// global registers passed through, event selectors intercepted; SDM 18.2, KVM mediated vPMU).

TEST(GuestProgramRun, AccessesExecuteAsTheGuestsInstructions) {
    // Given a guest without perf that programs PMC0 to count cycles and runs 10000 cycles, then
    // the selector write exits (intercepted), PMC0 and GLOBAL_CTRL are passed through, and an
    // unknown MSR #GPs. GLOBAL_CTRL's reset value enables PMC0 (SDM 18.2.2), so the count is the
    // guest's 10000 cycles plus the cost of the two writes after the selector's.
    const Scenario s = with_program(
        "      - {wrmsr: IA32_PERFEVTSEL0, value: 0x43003c, label: sel}\n"
        "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 1, label: enable}\n"
        "      - run: 10000\n"
        "      - {wrmsr: IA32_PERF_GLOBAL_CTRL, value: 0, label: disable}\n"
        "      - {rdmsr: IA32_PMC0, label: count, expect: {range: [10000, 10200]}}\n"
        "      - {rdmsr: 0x999, label: bad, expect: {gp: true}}\n");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.passed());
    EXPECT_EQ(r.programs.accesses, 5u);
    EXPECT_EQ(r.programs.checked, 2u);
    EXPECT_EQ(r.programs.failed, 0u);
    ASSERT_TRUE(record(r, "sel") && record(r, "enable") && record(r, "count") && record(r, "bad"));
    EXPECT_TRUE(record(r, "sel")->seen.exited);
    EXPECT_FALSE(record(r, "enable")->seen.exited);
    const ProgramRecord& count = *record(r, "count");
    EXPECT_FALSE(count.seen.exited);
    EXPECT_EQ(count.seen.value, 10000u + 2 * Costs{}.msr_write);
    EXPECT_EQ(count.seen.value, count.ref_value);  // bare metal: the guest's reference PMU
    EXPECT_TRUE(record(r, "bad")->seen.gp);
    EXPECT_TRUE(record(r, "bad")->seen.exited);
    EXPECT_TRUE(record(r, "bad")->ref_gp);
}

TEST(GuestProgramRun, AFailedExpectationIsRecordedWithItsPlace) {
    const Scenario s = with_program("      - {rdmsr: IA32_PMC0, expect: {equals: 5}}\n");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.clean());
    EXPECT_FALSE(r.passed());
    ASSERT_EQ(r.programs.failed, 1u);
    EXPECT_EQ(r.programs.records[0].failure, "expected 0x5, read 0x0");
    EXPECT_EQ(r.programs.records[0].where, "t.yaml:6: guests.vm0.program[0]");
}

TEST(GuestProgramRun, RdpmcExitingFollowsKvmsRule) {
    // Given a guest with fewer GP counters than the host, KVM intercepts RDPMC
    // (kvm_need_rdpmc_intercept): the guest's RDPMC exits; with the host's counters it does not.
    const std::string prog = "      - {rdpmc: 0, label: r}\n";
    const RunReport same = run_scenario(with_program(prog));
    const RunReport fewer = run_scenario(with_program(prog, "    vpmu: {gp: 4}\n"));
    ASSERT_TRUE(record(same, "r") && record(fewer, "r"));
    EXPECT_FALSE(record(same, "r")->seen.exited);
    EXPECT_TRUE(record(fewer, "r")->seen.exited);
}

TEST(GuestProgramRun, ProgramsAndPerfShareAGuestAndTimeModesAgree) {
    // Given guest perf sampling cycles on a GP counter and a program reading fixed counter 1,
    // then perf's PMIs are delivered, nothing is flagged and both time modes see the same values.
    const std::string prog =
        "      - loop: 50\n        body:\n          - {rdpmc: 0x40000001}\n          - run: 3000\n";
    const std::string perf = "    perf: {events: [instructions], sample: {event: cycles, period: 20000}}\n"
                             "    run: {dist: uniform, min: 2000, max: 9000}\n";
    Scenario s = with_program(prog, perf);
    s.cycles = 1'500'000;
    const RunReport fast = run_scenario(s);
    s.mode = TimeMode::PerCycle;
    const RunReport slow = run_scenario(s);
    EXPECT_TRUE(fast.clean());
    EXPECT_EQ(fast.programs.accesses, 50u);
    EXPECT_GT(fast.contexts[1].samples, 3u);
    ASSERT_EQ(fast.programs.records.size(), slow.programs.records.size());
    for (size_t i = 0; i < fast.programs.records.size(); ++i) {
        EXPECT_EQ(fast.programs.records[i].seen.value, slow.programs.records[i].seen.value) << i;
        EXPECT_EQ(fast.programs.records[i].cycle, slow.programs.records[i].cycle) << i;
    }
}

TEST(GuestProgramRun, RecordsAreBoundedAndFailuresKeptBeyondTheBound) {
    Scenario s = with_program("      - loop: 100\n        body:\n          - {rdmsr: IA32_PMC0}\n"
                              "      - {rdmsr: IA32_PMC0, expect: {equals: 7}}\n");
    s.checks.max_program_records = 10;
    const RunReport r = run_scenario(s);
    EXPECT_EQ(r.programs.accesses, 101u);
    ASSERT_EQ(r.programs.records.size(), 11u);
    EXPECT_FALSE(r.programs.records.back().failure.empty());
}
