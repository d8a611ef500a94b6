// `pmusim run`, `mutate` and `conform`: virtualization scenarios from the command line
// (docs/user-guide.md, docs/virtualization.md).
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace pmusim {

struct ScenarioArgs {
    std::string scenario;
    std::vector<std::string> edits;
    std::vector<std::string> kvm_variants;
    std::vector<std::string> sets;  // --set path=value
    uint64_t cycles = 0, seed = 0;
    bool seed_set = false;
    std::string mode;
};

struct VirtCommands {
    CLI::App *run = nullptr, *mutate = nullptr, *conform = nullptr;
    ScenarioArgs run_args, mut_args, conf_args;
    std::string seeds;  // run --seeds A..B or A,B,C
    std::string vcd, vcd_window, run_format = "text", mut_format = "text", conf_format = "text";
    std::vector<std::string> vcd_signals;
    uint64_t vcd_sample = 0;
    size_t first = 10;
    bool list = false, steps = false, checkers = false, conf_all = false;
    bool given() const { return *run || *mutate || *conform; }
};

void add_virt_commands(CLI::App& app, VirtCommands& v);
// The exit status: 0 clean (conforms), 1 a check fired (does not conform); throws on bad input.
int run_virt_commands(const VirtCommands& v);

}  // namespace pmusim
