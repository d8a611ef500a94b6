// Errors from input files (docs/user-guide.md "Limits" and "Errors"): every failure is
// std::invalid_argument naming the file, the line and the field; the bad value is quoted escaped
// and cut; numbers are range-checked, never truncated; yaml-cpp's own exceptions never escape.
#include <gtest/gtest.h>

#include <fstream>

#include "sim/input_limits.h"
#include "sim/machine.h"
#include "models/core/quote_value.h"
#include "sim/virt/event_filter_reader.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/run_format.h"
#include "sim/virt/scenario.h"
#include "sim/workload_file.h"

using namespace pmusim;

namespace {

const std::string kHead = "cpu: sapphirerapids\ncycles: 400000\n";
const std::string kGuest = "guests:\n  - name: vm0\n    run: {dist: uniform, min: 2000, max: 9000}\n";

// The message of the std::invalid_argument that `f` throws; any other exception fails the test.
template <class F>
std::string invalid(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("wrong exception type: ") + e.what();
    }
    return "(no error)";
}

std::string scenario_error(const std::string& text) {
    return invalid([&] { parse_scenario_yaml(text, "s.yaml"); });
}

std::string workload_error(const std::string& text) {
    return invalid([&] { parse_workload_yaml(text, "w.yaml"); });
}

}  // namespace

// Given a guest entry that is a plain value, not a mapping, then the error names its place.
TEST(InputErrors, GuestThatIsNotAMappingNamesFileLineField) {
    EXPECT_EQ(scenario_error(kHead + "guests:\n  - vm0\n"), "s.yaml:4: guests[0]: expected a mapping");
}

// Given a uniform distribution without its min, then the error names the distribution's line.
TEST(InputErrors, DistributionMissingMinNamesTheField) {
    EXPECT_EQ(scenario_error(kHead + "guests:\n  - name: vm0\n    run: {dist: uniform, max: 9000}\n"),
              "s.yaml:5: guests.vm0.run.min: missing: a uniform distribution needs min");
    EXPECT_EQ(scenario_error(kHead + "costs:\n  exit_handling: {dist: exponential}\n"),
              "s.yaml:4: costs.exit_handling.mean: missing: a exponential distribution needs mean");
}

// Given a structure yaml-cpp cannot index, then the error still names the file and line.
TEST(InputErrors, NoYamlCppExceptionEscapes) {
    for (const std::string& text : std::vector<std::string>{kHead + "guests:\n  - [a, b]\n", kHead + "guests: {a: 1}\n", kHead + "costs: [1]\n",
                                   kHead + "steps:\n  s: {ops: [5]}\n", "phases: [1, 2]\n", "- a\n", "phases:\n  a: 5\n"}) {
        const std::string e = text.rfind("phases", 0) == 0 || text[0] == '-' ? workload_error(text) : scenario_error(text);
        EXPECT_TRUE(e.rfind("s.yaml:", 0) == 0 || e.rfind("w.yaml:", 0) == 0) << text << " -> " << e;
    }
    EXPECT_EQ(invalid([] { parse_event_filter_yaml("action: allow\nevents: [1, {a: [}]\n", "f.yaml"); }).substr(0, 16),
              "f.yaml:2: YAML s");
}

// Given a bad value with control and non-ASCII bytes, then the message quotes it escaped and cut.
TEST(InputErrors, BadValueIsQuotedEscapedAndCut) {
    EXPECT_EQ(scenario_error(kHead + "mode: \"a\\x01\\xff'\"\n"), "s.yaml:3: mode: expected fast or per_cycle, got 'a\\x01\\xc3\\xbf\\''");
    const std::string e = scenario_error(kHead + "mode: " + std::string(5000, 'x') + "\n");
    EXPECT_LT(e.size(), 200u);
    EXPECT_NE(e.find("xxx...'"), std::string::npos) << e;
    EXPECT_EQ(quote_value(std::string("\xff\n", 2)), "'\\xff\\n'");
}

// Given integers wider than their fields, then they are refused, never truncated.
TEST(InputErrors, IntegersAreRangeCheckedNotTruncated) {
    EXPECT_EQ(scenario_error(kHead + kGuest + "    vpmu: {version: 4294967301}\n"),
              "s.yaml:6: guests.vm0.vpmu.version: expected a whole number from 0 to 255, got '4294967301'");
    EXPECT_EQ(scenario_error(kHead + "steps:\n  s:\n    ops: [{wrmsr: 0x100000186, value: 1}]\n"),
              "s.yaml:5: steps.s.ops.wrmsr: an MSR address has 32 bits, got '0x100000186'");
    EXPECT_EQ(scenario_error(kHead + "steps:\n  s:\n    ops: [{rdpmc: 4294967296}]\n"),
              "s.yaml:5: steps.s.ops.rdpmc: expected a whole number from 0 to 4294967295, got '4294967296'");
    // Exact above 2^53: a double would round 2^53 + 1 down.
    const Scenario s = parse_scenario_yaml(kHead + "seed: 9007199254740993\n", "s.yaml");
    EXPECT_EQ(s.seed, 9007199254740993ull);
    EXPECT_EQ(scenario_error(kHead + "seed: 18446744073709551616\n"),
              "s.yaml:3: seed: expected a whole number >= 0, got '18446744073709551616'");
    EXPECT_EQ(scenario_error(kHead + "seed: 1e300\n").substr(0, 32), "s.yaml:3: seed: expected a whole");
}

// Given a negative tolerance, then it is refused (it would flag every restore as a clobber).
TEST(InputErrors, NegativeToleranceIsRefused) {
    EXPECT_EQ(scenario_error(kHead + "checks: {perf_metrics_tolerance_lsb: -1}\n"),
              "s.yaml:3: checks.perf_metrics_tolerance_lsb: must be within 0..255, got '-1'");
}

// Given exit weights that cannot be drawn from (all zero, or summing past the largest double),
// then they are refused.
TEST(InputErrors, ExitWeightsMustHaveAFiniteSumAboveZero) {
    for (const char* w : {"{timer: 0, external: 0, hlt: 0}", "{timer: 1e308, external: 1e308}"})
        EXPECT_EQ(scenario_error(kHead + kGuest + "    exits: " + w + "\n"),
                  "s.yaml:6: guests.vm0.exits: weights must be >= 0, with a finite sum above 0");
}

// Given a Markov probability outside 0..1, then it is refused.
TEST(InputErrors, ProbabilityOutOfRangeIsRefused) {
    const std::string w = "phases:\n  a: {cycles: 10}\n  b: {cycles: 10}\nschedule:\n  - markov: {start: a, steps: 4, transitions: "
                          "{a: {a: 1.5, b: -0.5}, b: {a: 1}}}\n";
    EXPECT_NE(workload_error(w).find("w.yaml:5: schedule[0].markov.transitions.a."), std::string::npos) << workload_error(w);
}

// Given a scenario naming a workload that does not exist, then reading it fails with the
// scenario file, the line and the field (not later, when it runs).
TEST(InputErrors, BadWorkloadIsReportedAtItsLineOfTheScenarioFile) {
    const std::string e = invalid([&] { parse_scenario_yaml(kHead + kGuest + "    workload: no_such_workload\n", "dir/s.yaml"); });
    EXPECT_EQ(e.rfind("dir/s.yaml:6: guests.vm0.workload: workload 'no_such_workload'", 0), 0u) << e;
}

// Given a run past the end of SystemC's 64-bit time base, then a clear error, before sc_start.
TEST(InputErrors, RunBeyondSystemCTimeBaseIsRefused) {
    Machine m(MachineOptions{});
    const std::string e = invalid([&] { m.run(~uint64_t(0) - 1); });
    EXPECT_NE(e.find("cycles: 18446744073709551614 more cycles pass the end of SystemC's time base"), std::string::npos) << e;
    EXPECT_EQ(m.run(1000).cycles, 1000u);  // and the machine still runs
}

// Given a guest name that is not UTF-8, when the report is written as JSON, then the byte becomes
// U+FFFD instead of the writer throwing after the run.
TEST(InputErrors, JsonReportSurvivesAnyName) {
    const Scenario s = parse_scenario_yaml("cpu: sapphirerapids\ncycles: 40000\nguests:\n  - name: \"v\xff\"\n", "s.yaml");
    const std::string j = run_json(run_scenario(s));
    EXPECT_NE(j.find("\"name\": \"v\xef\xbf\xbd\""), std::string::npos);
}
