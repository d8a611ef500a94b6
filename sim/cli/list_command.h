// `pmusim list [SECTION]`: what the simulator knows, by name with a one-line description each:
// events, presets, overrides, workloads, scenarios, steps, nodes, checkers, kvm-variants.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <utility>
#include <vector>

namespace pmusim {

using ListRows = std::vector<std::pair<std::string, std::string>>;  // name, description

struct ListCommand {
    CLI::App* app = nullptr;
    std::vector<CLI::App*> sections;
    std::string cpu = "sapphirerapids";
    bool names = false;
    bool given() const { return app && *app; }
};

void add_list_command(CLI::App& app, ListCommand& l);
int run_list_command(const ListCommand& l);
// One section's rows (throws std::invalid_argument for an unknown section or preset).
ListRows list_section(const std::string& section, const std::string& cpu);
std::vector<std::string> list_sections();

}  // namespace pmusim
