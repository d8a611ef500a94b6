// The register suite and `pmusim conform` (docs/virtualization.md "The register suite inside a
// guest"): the suite's expectations hold on bare metal for every preset and PMU variant; inside
// mediated and legacy guests every access matches bare metal; a difference is explained only by
// a documented KVM behaviour that applies to it.
#include <gtest/gtest.h>

#include <set>

#include "models/virt/register_suite.h"
#include "pmu_test_util.h"
#include "sim/virt/conform.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

// Runs a program on a bare Machine: each access costs one cycle of the workload.
std::vector<std::string> failures_on_bare_metal(const std::string& cpu, const Overrides& ov) {
    auto m = make_machine(cpu, ov);
    const GuestProgram p = register_suite(m->cpu());
    ProgramCursor c(p);
    std::vector<std::string> out;
    for (GuestAction a = c.next(); a.kind != GuestAction::Kind::Done; a = c.next()) {
        if (a.kind == GuestAction::Kind::Run) {
            m->run(a.cycles);
            continue;
        }
        AccessResult r;
        if (a.access == AccessKind::Rdmsr) r = m->try_rdmsr(a.index);
        else if (a.access == AccessKind::Wrmsr) r = m->try_wrmsr(a.index, a.value);
        else r = m->try_rdpmc(a.index, 0);
        const std::string f = a.expect.check(!r.ok, r.ok ? r.value : 0);
        if (!f.empty()) out.push_back(a.label + ": " + f);
        m->run(1);
    }
    return out;
}

Scenario builtin(const std::string& name) { return load_scenario(name); }

}  // namespace

TEST(RegisterSuite, ItsExpectationsHoldOnBareMetalForEveryPresetAndVariant) {
    // Given the suite made for each CPU, when it runs on that CPU alone, then every expectation
    // holds: the suite states the SDM's rules, and the bare-metal model keeps them.
    const std::vector<std::pair<std::string, Overrides>> cpus = {
        {"skylake", {}}, {"icelake", {}}, {"sapphirerapids", {}}, {"lunarlake", {}},
        {"sapphirerapids", {{"num_gp", 4}}}, {"sapphirerapids", {{"version", 4}}},
        {"icelake", {{"version", 2}}}, {"skylake", {{"fw_write", 0}}}, {"sapphirerapids", {{"gp_width", 40}}},
    };
    for (auto& [cpu, ov] : cpus) {
        const auto f = failures_on_bare_metal(cpu, ov);
        EXPECT_TRUE(f.empty()) << cpu << " (" << ov.size() << " overrides): " << f.size() << " failures, first: " << f[0];
    }
}

TEST(RegisterSuite, CoversEveryCounterAndSection) {
    const GuestProgram p = register_suite(make_cpu_config("sapphirerapids"));
    std::set<std::string> sections;
    size_t overflow_checks = 0;
    for (auto& in : p.code) {
        if (in.label.empty()) continue;
        sections.insert(in.label.substr(0, in.label.find(':')));
        overflow_checks += in.label.find("overflow sets status bit") != std::string::npos;
    }
    EXPECT_EQ(sections, (std::set<std::string>{"matrix", "rdpmc", "overflow", "running", "cmask", "perf_metrics", "end"}));
    EXPECT_EQ(overflow_checks, 8u + 4u);  // every GP and fixed counter
    // Without PERF_METRICS the sequence is left out; without GLOBAL_CTRL (v1) only the matrix and RDPMC run.
    const GuestProgram v1 = register_suite(make_cpu_config("skylake", {{"version", 1}}));
    for (auto& in : v1.code) EXPECT_TRUE(in.label.empty() || in.label.rfind("matrix", 0) == 0 || in.label.rfind("rdpmc", 0) == 0) << in.label;
}

TEST(Conform, TheSuiteMatchesBareMetalInsideMediatedAndLegacyGuests) {
    // Given the register suite in a guest while the host runs topdown and samples, and the guest
    // exits every 1k-8k cycles, then every access matches bare metal in both time modes.
    for (const char* name : {"conform_sapphirerapids", "conform_icelake", "conform_legacy"}) {
        Scenario s = builtin(name);
        const Protocol p = s.make_protocol();
        const RunReport fast = run_scenario(s);
        const ConformReport c = conform(fast, p.mediated());
        EXPECT_TRUE(c.ok()) << name << "\n" << format_conform(c, false, false);
        EXPECT_EQ(c.same, c.accesses) << name;
        EXPECT_GT(c.accesses, 200u) << name;
        s.mode = TimeMode::PerCycle;
        const RunReport slow = run_scenario(s);
        ASSERT_EQ(slow.programs.records.size(), fast.programs.records.size()) << name;
        for (size_t i = 0; i < fast.programs.records.size(); ++i) {
            EXPECT_EQ(slow.programs.records[i].seen.value, fast.programs.records[i].seen.value) << name << " " << i;
            EXPECT_EQ(slow.programs.records[i].cycle, fast.programs.records[i].cycle) << name << " " << i;
        }
    }
}

TEST(Conform, ADifferenceIsExplainedOnlyWhereTheKvmBehaviourApplies) {
    // Given host perf on all eight GP counters, the legacy vPMU cannot schedule the guest's pinned
    // backing events: its counters do not count. Then every difference is that documented
    // behaviour; judged as if the vPMU were mediated, the same differences are unexplained.
    const Scenario s = load_scenario_file(std::string(PMUSIM_TEST_DATA) + "/conform_legacy_contended.yaml");
    const RunReport r = run_scenario(s);
    const ConformReport legacy = conform(r, false);
    EXPECT_TRUE(legacy.ok());
    EXPECT_GT(legacy.explained, 10u);
    EXPECT_EQ(legacy.unexplained, 0u);
    for (auto& row : legacy.rows)
        if (row.verdict == ConformRow::Verdict::Explained) EXPECT_EQ(row.explanation, "legacy_unscheduled_counts");
    const ConformReport as_mediated = conform(r, true);
    EXPECT_FALSE(as_mediated.ok());
    EXPECT_EQ(as_mediated.unexplained, legacy.explained);
}
