// Per-cycle and fast mode agree bit for bit on every built-in scenario (docs/virtualization.md):
// the same time line, counts, samples, violations and guest program accesses.
#include <gtest/gtest.h>

#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

TEST(TimeModes, EveryBuiltInScenarioRunsTheSameInBothModes) {
    for (auto& name : scenario_library()) {
        Scenario s = load_scenario(name);
        s.cycles = std::min<uint64_t>(s.cycles, 1'000'000);
        s.mode = TimeMode::Fast;
        const RunReport fast = run_scenario(s);
        s.mode = TimeMode::PerCycle;
        const RunReport slow = run_scenario(s);
        EXPECT_EQ(slow.cycles, fast.cycles) << name;
        EXPECT_EQ(slow.step_cycles, fast.step_cycles) << name;
        ASSERT_EQ(slow.contexts.size(), fast.contexts.size()) << name;
        for (size_t i = 0; i < fast.contexts.size(); ++i) {
            EXPECT_EQ(slow.contexts[i].counts, fast.contexts[i].counts) << name << " " << fast.contexts[i].name;
            EXPECT_EQ(slow.contexts[i].samples, fast.contexts[i].samples) << name;
            EXPECT_EQ(slow.contexts[i].exits, fast.contexts[i].exits) << name;
        }
        for (auto& k : violation_kinds()) EXPECT_EQ(slow.violations.count(k.kind), fast.violations.count(k.kind)) << name << " " << k.name;
        ASSERT_EQ(slow.violations.recorded().size(), fast.violations.recorded().size()) << name;
        for (size_t i = 0; i < fast.violations.recorded().size(); ++i) {
            EXPECT_EQ(slow.violations.recorded()[i].cycle, fast.violations.recorded()[i].cycle) << name;
            EXPECT_EQ(slow.violations.recorded()[i].actual, fast.violations.recorded()[i].actual) << name;
        }
        ASSERT_EQ(slow.programs.records.size(), fast.programs.records.size()) << name;
        for (size_t i = 0; i < fast.programs.records.size(); ++i) {
            EXPECT_EQ(slow.programs.records[i].cycle, fast.programs.records[i].cycle) << name << " " << i;
            EXPECT_EQ(slow.programs.records[i].seen.value, fast.programs.records[i].seen.value) << name << " " << i;
        }
    }
}
