// Custom steps written in scenario files (docs/virtualization.md "Custom steps"): given steps in
// YAML and this PMU and vCPU state, when they run, then these register values and software copy.
#include <gtest/gtest.h>

#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"
#include "tests/cpp/bare_step_context.h"

using namespace pmusim;

namespace {

const std::string kHead = "cpu: sapphirerapids\ncycles: 400000\n";

// The custom steps of a scenario whose `steps:` mapping is `steps`.
Protocol steps_of(const std::string& steps) {
    return parse_scenario_yaml(kHead + "steps:\n" + steps, "s.yaml").make_protocol();
}

std::string error_of(const std::string& steps) {
    try {
        steps_of(steps);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}

// FIXED_CTR3 and PERF_METRICS counting for 10,000 cycles.
void count_slots(BareContext& c) {
    c.m.wrmsr(msr::kFixedCtrCtrl, 0x3ull << 12);
    c.m.wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
    c.m.run(10'000);
    c.m.wrmsr(msr::kGlobalCtrl, 0);
}

// put_perf_metrics and load_perf_metrics as a scenario file writes them.
const std::string kPerfMetricsSteps = R"(
  yaml_put:
    path: exit
    ops:
      - if_nonzero: cap.perf_metrics
        then:
          - {rdpmc: metrics, into: vcpu.perf_metrics}
          - if_nonzero: vcpu.perf_metrics
            then: [{wrmsr: IA32_PERF_METRICS, value: 0}]
  yaml_load:
    path: load
    ops:
      - if_nonzero: cap.perf_metrics
        then: [{wrmsr: IA32_PERF_METRICS, value: vcpu.perf_metrics}]
)";

// The earliest recorded violation of a kind.
const Violation& first_of(const RunReport& r, ViolationKind k) {
    const Violation* best = nullptr;
    for (const Violation& v : r.violations.recorded())
        if (v.kind == k && (!best || v.cycle < best->cycle)) best = &v;
    if (!best) throw std::logic_error("no violation of that kind");
    return *best;
}

}  // namespace

TEST(CustomSteps, PerfMetricsSaveAndRestoreInYamlDoWhatTheBuiltInStepsDo) {
    // Given slots counted with PERF_METRICS enabled on two identical PMUs and a vCPU with it,
    const Protocol p = steps_of(kPerfMetricsSteps);
    VpmuConfig pm;
    pm.perf_metrics = true;
    BareContext builtin, custom;
    builtin.v.config = custom.v.config = pm;
    count_slots(builtin);
    count_slots(custom);
    const uint64_t value = custom.m.rdpmc(rdpmc_ecx::metrics());
    ASSERT_NE(value, 0u);
    // when the YAML put runs on one and put_perf_metrics on the other, then both saved the value
    // into the vCPU with the same accesses, and PERF_METRICS reads 0;
    builtin.run("put_perf_metrics");
    custom.run(*p.step("yaml_put"));
    EXPECT_EQ(custom.v.st.perf_metrics, value);
    EXPECT_EQ(custom.v.st.perf_metrics, builtin.v.st.perf_metrics);
    EXPECT_EQ(custom.writes, builtin.writes);
    EXPECT_EQ(custom.m.rdmsr(msr::kPerfMetrics), 0u);
    // when the loads run, then PERF_METRICS reads the saved value again and the restore counts
    // for the checkers' rounding tolerance as the built-in one does.
    builtin.run("load_perf_metrics");
    custom.run(*p.step("yaml_load"));
    EXPECT_EQ(custom.m.rdmsr(msr::kPerfMetrics), builtin.m.rdmsr(msr::kPerfMetrics));
    EXPECT_EQ(custom.writes, builtin.writes);
    EXPECT_EQ(custom.v.pm_restored, builtin.v.pm_restored);
}

TEST(CustomSteps, AGuestWithoutPerfMetricsSkipsTheBlock) {
    // Given a vCPU without PERF_METRICS, when the YAML put runs, then it issues nothing.
    const Protocol p = steps_of(kPerfMetricsSteps);
    BareContext c;
    c.v.config.perf_metrics = false;
    count_slots(c);
    c.writes.clear();
    c.run(*p.step("yaml_put"));
    EXPECT_TRUE(c.writes.empty());
    EXPECT_EQ(c.v.st.perf_metrics, 0u);
}

TEST(CustomSteps, GlobalStatusToggleWithXorAndMasks) {
    // load_global_status written with let/xor/and/andnot: STATUS_RESET = H & (G^H),
    // STATUS_SET = G & (G^H), each only when non-zero.
    const Protocol p = steps_of(R"(
  toggle_status:
    path: load
    ops:
      - {rdmsr: IA32_PERF_GLOBAL_STATUS, into: h}
      - {let: t, xor: [vcpu.global_status, h]}
      - {let: clear, and: [h, t]}
      - {let: set, andnot: [t, h]}
      - if_nonzero: clear
        then: [{wrmsr: IA32_PERF_GLOBAL_STATUS_RESET, value: clear}]
      - if_nonzero: set
        then: [{wrmsr: IA32_PERF_GLOBAL_STATUS_SET, value: set}]
)");
    // Given hardware status bits 0 and 1 and a saved guest status of bits 1 and 2,
    BareContext c;
    c.m.wrmsr(msr::kGlobalStatusSet, 0x3);
    c.v.st.global_status = 0x6;
    // when the step runs, then GLOBAL_STATUS is the guest's, through one RESET and one SET.
    c.run(*p.step("toggle_status"));
    EXPECT_EQ(c.m.rdmsr(msr::kGlobalStatus), 0x6u);
    EXPECT_EQ(c.writes, (std::vector<uint32_t>{msr::kGlobalStatusReset, msr::kGlobalStatusSet}));
    // Run again: nothing differs, nothing is written.
    c.writes.clear();
    c.run(*p.step("toggle_status"));
    EXPECT_TRUE(c.writes.empty());
}

TEST(CustomSteps, IfDiffersElidesAWriteOfTheValueAlreadyThere) {
    // load_guest_pmcs's elision for PMC1: RDPMC, and WRMSR the saved value only if it differs.
    const Protocol p = steps_of(R"(
  load_pmc1:
    path: load
    ops:
      - {rdpmc: gp1, into: now}
      - if_differs: [now, vcpu.pmc1]
        then: [{wrmsr: IA32_A_PMC1, value: vcpu.pmc1}]
        else: [{let: elided, add: [now, 1]}, {wrmsr: IA32_PMC0, value: elided}]
)");
    BareContext c;
    c.v.st.gp[1] = 1234;
    c.run(*p.step("load_pmc1"));
    EXPECT_EQ(c.m.rdpmc(1), 1234u);
    EXPECT_EQ(c.writes, std::vector<uint32_t>{msr::kAPmc0 + 1});
    // Given the value already there, then the else block runs instead (PMC0 = 1234 + 1).
    c.writes.clear();
    c.run(*p.step("load_pmc1"));
    EXPECT_EQ(c.writes, std::vector<uint32_t>{msr::kPmc0});
    EXPECT_EQ(c.m.rdpmc(0), 1235u);
}

TEST(CustomSteps, ArithmeticOnLocals) {
    const Protocol p = steps_of(R"(
  arith:
    ops:
      - {let: a, value: 0xf0}
      - {let: b, shl: [a, 4]}
      - {let: c, shr: [b, 2]}
      - {let: d, sub: [c, 1]}
      - {let: e, or: [d, 0x10000]}
      - {wrmsr: IA32_PMC0, value: e}
      - {let: vcpu.pmc2, add: [e, -1]}
)");
    BareContext c;
    c.run(*p.step("arith"));
    EXPECT_EQ(c.m.rdpmc(0), 0x103bfu);  // ((0xf0 << 4) >> 2) - 1 | 0x10000
    EXPECT_EQ(c.v.st.gp[2], 0x103beu);  // -1 is two's complement: add wraps to subtract
}

TEST(CustomSteps, FootprintComesFromTheRegistersTheOperationsTouch) {
    // A load step writing PERF_METRICS is order-sensitive with load_guest_pmcs (FIXED_CTR3).
    Scenario s = parse_scenario_yaml(kHead + "steps:" + kPerfMetricsSteps, "s.yaml");
    s.edits.push_back(parse_protocol_edit("replace:load_perf_metrics=yaml_load"));
    const Protocol p = s.make_protocol();
    EXPECT_EQ(p.step("yaml_load")->writes, std::vector<std::string>{"PERF_METRICS"});
    EXPECT_EQ(p.step("yaml_put")->reads, std::vector<std::string>{"PERF_METRICS"});
    const auto pairs = p.order_sensitive_pairs(Path::Load);
    EXPECT_NE(std::find(pairs.begin(), pairs.end(), std::make_pair(std::string("load_guest_pmcs"), std::string("yaml_load"))),
              pairs.end());
}

TEST(CustomSteps, ReplacingTheBuiltInPerfMetricsStepsWithYamlGivesTheSameRun) {
    // Given perf_metrics_patch, when its PERF_METRICS steps are replaced by the YAML ones, then
    // the run is the same: the same cycles, counts, topdown and verdict.
    Scenario base = load_scenario("perf_metrics_patch");
    base.cycles = 600'000;
    Scenario yaml = base;
    for (StepInfo& st : parse_scenario_yaml(kHead + "steps:" + kPerfMetricsSteps, "s.yaml").custom_steps) yaml.custom_steps.push_back(st);
    yaml.edits.push_back(parse_protocol_edit("replace:put_perf_metrics=yaml_put"));
    yaml.edits.push_back(parse_protocol_edit("replace:load_perf_metrics=yaml_load"));
    const RunReport a = run_scenario(base), b = run_scenario(yaml);
    EXPECT_TRUE(a.clean());
    EXPECT_TRUE(b.clean());
    ASSERT_EQ(a.contexts.size(), b.contexts.size());
    for (size_t i = 0; i < a.contexts.size(); ++i) {
        EXPECT_EQ(a.contexts[i].cycles, b.contexts[i].cycles);
        EXPECT_EQ(a.contexts[i].counts, b.contexts[i].counts);
        const auto& x = a.contexts[i].reported;
        const auto& y = b.contexts[i].reported;
        EXPECT_TRUE(((x == y) || (x.isNaN() && y.isNaN())).all()) << a.contexts[i].name;
    }
    EXPECT_EQ(a.step_cycles.at("put_perf_metrics"), b.step_cycles.at("yaml_put"));
}

TEST(CustomSteps, TheYamlPatchVariantIsCleanAndItsWrongOrderTwinIsCaught) {
    // Given the built-in example variant and its twin that restores PERF_METRICS before FIXED_CTR3,
    const RunReport ok = run_scenario(load_scenario("perf_metrics_yaml_patch"));
    const RunReport bad = run_scenario(load_scenario("perf_metrics_yaml_patch_wrong_order"));
    // then the first is clean and the second clobbers the guest's PERF_METRICS at its load step.
    EXPECT_TRUE(ok.clean()) << ok.violations.total();
    ASSERT_GT(bad.violations.count(ViolationKind::Clobber), 0u);
    const Violation& first = first_of(bad, ViolationKind::Clobber);
    EXPECT_EQ(first.step, "topdown_load");
    EXPECT_EQ(first.reg, "PERF_METRICS");
    EXPECT_EQ(first.reader, "vm0");
}

TEST(CustomSteps, BadOperationsAreRefusedWithFileLineAndField) {
    EXPECT_EQ(error_of("  s:\n    ops: [{wrmsr: IA32_PMC0, value: nope}]\n"),
              "s.yaml:5: steps.s.ops.value: slot 'nope' has no value yet (assign it with into: or let: first)");
    EXPECT_EQ(error_of("  s:\n    ops: [{let: cap.gp, value: 1}]\n"), "s.yaml:5: steps.s.ops.let: cap.gp is read-only (the guest's vPMU)");
    EXPECT_EQ(error_of("  s:\n    ops: [{rdmsr: IA32_PMC0, into: vcpu.pmc10}]\n").substr(0, 40), "s.yaml:5: steps.s.ops.into: no slot vcpu");
    EXPECT_EQ(error_of("  s:\n    ops: [{rdmsr: IA32_PMC0, wrmsr: IA32_PMC0}]\n"),
              "s.yaml:5: steps.s.ops: expected exactly one of rdmsr, rdpmc, wrmsr, let, if_nonzero, if_differs");
    EXPECT_EQ(error_of("  s:\n    ops: [{let: x, add: [1]}]\n"), "s.yaml:5: steps.s.ops.add: expected [a, b]");
    EXPECT_EQ(error_of("  s:\n    ops: [{rdpmc: fixedx}]\n"),
              "s.yaml:5: steps.s.ops.rdpmc: expected an RDPMC ECX: a number, gp<i>, fixed<i> or metrics, got 'fixedx'");
    EXPECT_EQ(error_of("  s:\n    ops: [{if_nonzero: 1}]\n"),
              "s.yaml:5: steps.s.ops.then: missing: the operations run when the condition holds");
    EXPECT_EQ(error_of("  s:\n    ops: [{wrmsr: IA32_PMC0, into: x}]\n"), "s.yaml:5: steps.s.ops.into: not allowed here");
    std::string deep = "[{wrmsr: IA32_PMC0}]";
    for (int i = 0; i < 20; ++i) deep = "[{if_nonzero: 1, then: " + deep + "}]";
    EXPECT_NE(error_of("  s:\n    ops: " + deep + "\n").find("nested deeper than 16"), std::string::npos);
}
