// Scenario files as a user varies them: `--set path=value` overrides, and workload and program
// files found beside the scenario file (docs/virtualization.md "Scenario files").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

const std::string kFile = "cpu: sapphirerapids\ncycles: 400000\nprotocol: {base: mediated}\nguests:\n  - name: vm0\n  - name: vm1\n";

std::string error_of(const std::string& text, const std::vector<std::string>& sets) {
    try {
        parse_scenario_yaml(text, "s.yaml", sets);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}

void write(const std::filesystem::path& p, const std::string& text) {
    std::ofstream(p) << text;
}

}  // namespace

TEST(ScenarioSets, OverrideFieldsByPathBeforeTheFileIsRead) {
    // Given a file and overrides of a scalar, a new mapping, a guest by name and by index, and a
    // flow list,
    const Scenario s = parse_scenario_yaml(kFile, "s.yaml",
                                           {"cycles=123456", "checks.max_recorded=7", "guests.vm1.workload=mixed_app",
                                            "guests.0.run=5000", "protocol.edits=[remove:put_perf_metrics]"});
    // then the scenario has the overridden values and keeps the others.
    EXPECT_EQ(s.cycles, 123456u);
    EXPECT_EQ(s.checks.max_recorded, 7u);
    EXPECT_EQ(s.guests[1].workload, "mixed_app");
    EXPECT_EQ(s.guests[0].workload, "steady");
    EXPECT_EQ(s.guests[0].run.kind, Dist::Kind::Fixed);
    ASSERT_EQ(s.edits.size(), 1u);
    EXPECT_EQ(s.edits[0].describe(), "remove:put_perf_metrics");
    EXPECT_EQ(s.cpu, "sapphirerapids");
}

TEST(ScenarioSets, BadOverridesNameTheSetAndTheFile) {
    EXPECT_EQ(error_of(kFile, {"cycles"}), "--set 'cycles': scenario s.yaml: expected path=value");
    EXPECT_EQ(error_of(kFile, {"guests.vm7.run=5"}),
              "--set 'guests.vm7.run=5': scenario s.yaml: guests.vm7: no entry 'vm7' in the list (an index below 2 or an entry's name)");
    EXPECT_EQ(error_of(kFile, {"cpu.x=1"}),
              "--set 'cpu.x=1': scenario s.yaml: cpu.x: the field above it holds a value, not a mapping or a list");
    EXPECT_EQ(error_of(kFile, {"guests=[a"}).substr(0, 46), "--set 'guests=[a': scenario s.yaml: the value ");
    // A value the reader refuses: the reader's message, the file, and which --set gave it.
    EXPECT_EQ(error_of(kFile, {"cycles=lots"}), "s.yaml: cycles: expected a number, got 'lots' (from --set 'cycles=lots')");
    EXPECT_EQ(error_of(kFile, {"no_such_key=1"}).rfind("s.yaml: scenario.no_such_key: unknown key", 0), 0u)
        << error_of(kFile, {"no_such_key=1"});
}

TEST(ScenarioFiles, WorkloadAndProgramFilesAreFoundBesideTheScenario) {
    // Given a scenario in its own folder naming a workload file and a program file beside it,
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "pmusim_scenario_dir";
    fs::create_directories(dir);
    write(dir / "w.yaml", "phases:\n  a: {cycles: 1000, ipc: 1.5}\nschedule: [a]\n");
    write(dir / "p.yaml", "- {wrmsr: IA32_PMC0, value: 5}\n- {rdmsr: IA32_PMC0, expect: {equals: 5}}\n");
    const std::string text = "cpu: sapphirerapids\nguests:\n  - name: vm0\n    workload: w.yaml\n    program: p.yaml\n";
    write(dir / "s.yaml", text);
    // when it is loaded from another directory, then both are read from its folder;
    const Scenario s = load_scenario((dir / "s.yaml").string());
    EXPECT_EQ(s.guests[0].workload, (dir / "w.yaml").string());
    EXPECT_EQ(s.guests[0].program.code.size(), 2u);
    // a missing one is an error at its line of the scenario file.
    write(dir / "s.yaml", text + "    perf: {events: [instructions]}\n  - name: vm1\n    workload: gone.yaml\n");
    try {
        load_scenario((dir / "s.yaml").string());
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()),
                  (dir / "s.yaml").string() + ":8: guests.vm1.workload: " + (dir / "gone.yaml").string() + ": cannot open workload file");
    }
    // An error inside the program file names that file and its line.
    write(dir / "p.yaml", "- {wrmsr: IA32_PMC0, value: 1}\n- {bogus: 1}\n");
    write(dir / "s.yaml", text);
    try {
        load_scenario((dir / "s.yaml").string());
        ADD_FAILURE() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).rfind((dir / "p.yaml").string() + ":2: ", 0), 0u) << e.what();
    }
    fs::remove_all(dir);
}
