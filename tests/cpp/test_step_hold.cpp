// The engine takes the platform once per path (a VM-entry's load steps, a VM exit's steps), not
// once per protocol step (Hypervisor::run_steps; docs/performance.md "Seventh round: the engine"):
// given a scenario on a built-in protocol, when it runs, then this thread took the platform once
// for each entry and each exit, while each path ran several steps.
#include <gtest/gtest.h>

#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

Scenario two_guests(const std::string& protocol) {
    // The legacy vPMU exposes neither FIXED_CTR3 nor PERF_METRICS.
    const std::string vpmu = protocol == "legacy" ? "    vpmu: {version: 5, gp: 8, fixed: 3, perf_metrics: false}\n" : "";
    const std::string y = "cpu: sapphirerapids\ncycles: 2000000\nprotocol: " + protocol +
                          "\nhost: {perf: {events: [branches, instructions], interval: 300000}}\n"
                          "guests:\n"
                          "  - name: vm0\n    perf: {events: [cycles, branches], interval: 200000}\n"
                          "    run: {dist: uniform, min: 20000, max: 60000}\n" +
                          vpmu + "  - name: vm1\n    perf: {events: [instructions]}\n" +
                          "    run: {dist: uniform, min: 30000, max: 90000}\n" + vpmu;
    return parse_scenario_yaml(y, "t.yaml");
}

struct Paths {
    uint64_t entries = 0, exits = 0;
};

Paths paths_of(const RunReport& r) {
    Paths p;
    for (const ContextSummary& c : r.contexts) {
        p.entries += c.entries;
        for (const auto& [why, n] : c.exits) p.exits += n;
    }
    return p;
}

}  // namespace

TEST(StepHold, TheEngineTakesThePlatformOncePerPath) {
    for (const char* name : {"mediated", "legacy"}) {
        SCOPED_TRACE(name);
        const Scenario s = two_guests(name);
        const Protocol proto = Protocol::builtin(s.protocol);
        const uint64_t before = PlatformHold::taken_here();
        const RunReport r = run_scenario(s, proto);
        const uint64_t taken = PlatformHold::taken_here() - before;
        const Paths p = paths_of(r);
        ASSERT_GT(p.entries, 10u);
        ASSERT_GT(p.exits, 10u);
        EXPECT_EQ(taken, p.entries + p.exits);
        // Once a step would have taken it this often: more.
        const uint64_t per_step = p.entries * proto.steps(Path::Load).size() + p.exits * proto.steps(Path::Exit).size();
        EXPECT_GT(per_step, taken);
        EXPECT_FALSE(PlatformHold::held_here());  // every hold ended with its path
    }
}

TEST(StepHold, AHoldTakenAlreadyIsNotTakenAgain) {
    // Given this thread holding the platform, when a scenario runs inside the hold, then its
    // paths take it no more (they nest) and it is still held after the run.
    const Scenario s = two_guests("mediated");
    const PlatformHold outer;
    const uint64_t before = PlatformHold::taken_here();
    run_scenario(s);
    EXPECT_EQ(PlatformHold::taken_here(), before);
    EXPECT_TRUE(PlatformHold::held_here());
}
