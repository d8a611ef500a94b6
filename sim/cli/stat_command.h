// `pmusim stat`: its options and the run (docs/user-guide.md "stat").
#pragma once
#include <CLI/CLI.hpp>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "sim/machine.h"

namespace pmusim {

struct StatArgs {
    std::string cpu = "sapphirerapids";
    std::vector<std::string> sets;
    std::string workload = "steady", mode = "fast", format = "table";
    uint64_t cycles = 10'000'000, quantum = 1'000'000, mux_interval = 4'000'000;
    std::vector<std::string> events;
    std::string sep;          // -x: perf's CSV
    bool json_lines = false;  // -j: perf's JSON Lines
    std::string output;       // -o FILE
    std::string interval;     // -I: milliseconds, or cycles with a 'c' suffix
    double ghz = 1.0;         // --freq: converts cycles to perf's times
    unsigned repeat = 1;      // -r: runs, seeds the workload's + 0, 1, ...
};

CLI::App* add_stat_command(CLI::App& app, StatArgs& a);
// Runs `pmusim stat`; `attach` adds the --vcd trace to the machine of the first run.
int run_stat_command(const StatArgs& a, const std::function<void(Machine&)>& attach);

// -o FILE, or stdout; opened before a run so that a bad path fails at once.
class Output {
public:
    explicit Output(const std::string& path);
    std::ostream& stream() { return to_file_ ? file_ : std::cout; }

private:
    std::ofstream file_;
    bool to_file_ = false;
};

std::string group_digits(uint64_t v);                          // 1234567 -> "1,234,567"
Overrides parse_overrides(const std::vector<std::string>& sets);  // --set field=value

}  // namespace pmusim
