// The pmusim command line: `pmusim info` and `pmusim stat` (docs/user-guide.md).
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <systemc>

#include "models/pmu/msr_port.h"
#include "sim/info.h"
#include "sim/machine.h"
#include "sim/perf_stat.h"
#include "sim/platform.h"
#include "sim/workload_spec.h"

using namespace pmusim;

namespace {

std::string group_digits(uint64_t v) {
    std::string s = std::to_string(v), out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out;
}

Overrides parse_overrides(const std::vector<std::string>& sets) {
    Overrides ov;
    for (auto& s : sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos) throw ConfigError(s, "expected --set field=value");
        const std::string k = s.substr(0, eq), v = s.substr(eq + 1);
        try {
            size_t used = 0;
            ov[k] = std::stoull(v, &used, 0);
            if (used != v.size()) throw std::invalid_argument(v);
        } catch (const std::exception&) {
            throw ConfigError(k, "not an unsigned integer: '" + v + "'");
        }
    }
    return ov;
}

int run_stat(const std::string& cpu, const std::vector<std::string>& sets, const std::string& workload,
             uint64_t cycles, std::vector<std::string> events, const std::string& mode, uint64_t quantum,
             const std::string& format) {
    MachineOptions o;
    o.cpu = cpu;
    o.overrides = parse_overrides(sets);
    o.mode = mode == "per-cycle" ? TimeMode::PerCycle : TimeMode::Fast;
    o.quantum = quantum;
    Machine m(o);
    m.set_workload(parse_workload_spec(workload));
    if (events.empty()) events = default_stat_events(m.cpu());
    PerfStat stat(m, events);
    stat.start();
    const auto t0 = std::chrono::steady_clock::now();
    m.run(cycles);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto counts = stat.read();

    if (format == "json") {
        nlohmann::json j;
        j["cpu"] = cpu;
        j["workload"] = m.pmu().workload().describe();
        j["cycles"] = cycles;
        j["mode"] = mode;
        j["wall_seconds"] = wall;
        for (auto& c : counts)
            j["events"].push_back({{"event", c.name}, {"counter", c.counter}, {"count", c.count}, {"truth", c.truth}});
        std::cout << j.dump(2) << "\n";
        return 0;
    }
    std::printf("\n Performance counter stats for '%s' on %s (%s cycles, %s mode):\n\n",
                m.pmu().workload().describe().c_str(), cpu.c_str(), group_digits(cycles).c_str(), mode.c_str());
    uint64_t insns = 0, cyc = 0, branches = 0;
    for (auto& c : counts) {
        if (c.name == "instructions") insns = c.count;
        if (c.name == "cycles") cyc = c.count;
        if (c.name == "branches") branches = c.count;
    }
    bool all_exact = true;
    for (auto& c : counts) {
        std::string note;
        char buf[64];
        if (c.name == "instructions" && cyc) {
            std::snprintf(buf, sizeof buf, "#  %5.2f  insn per cycle", double(insns) / double(cyc));
            note = buf;
        } else if (c.name == "branch-misses" && branches) {
            std::snprintf(buf, sizeof buf, "#  %5.2f%% of all branches", 100.0 * double(c.count) / double(branches));
            note = buf;
        }
        all_exact = all_exact && c.count == c.truth;
        std::printf("  %18s      %-22s %-11s %-30s %s\n", group_digits(c.count).c_str(), c.name.c_str(),
                    c.counter.c_str(), note.c_str(), c.count == c.truth ? "" : ("(truth " + group_digits(c.truth) + ")").c_str());
    }
    std::printf("\n  %18.9f seconds simulated (1 GHz core clock), %.3f s wall\n", double(cycles) * 1e-9, wall);
    std::printf("  %s\n\n", all_exact ? "every count equals the workload's exact event count (ground truth)"
                                      : "some counts differ from the ground truth (see 'truth')");
    return 0;
}

}  // namespace

int sc_main(int argc, char** argv) {
    install_report_handler(true);
    CLI::App app{"pmusim: cycle-approximate Intel architectural PMU simulator"};
    app.require_subcommand(1);

    std::string cpu = "sapphirerapids";
    std::vector<std::string> sets;
    bool registers_md = false;
    auto* info = app.add_subcommand("info", "print a preset's CPUID leaf 0xA, PERF_CAPABILITIES and register map");
    info->add_option("--cpu", cpu, "CPU preset (skylake, icelake, sapphirerapids, lunarlake)");
    info->add_option("--set", sets, "override a CPUID/capability field, e.g. --set num_gp=4");
    info->add_flag("--registers-md", registers_md, "print only the register table as Markdown");

    std::string workload = "steady", mode = "fast", format = "table";
    uint64_t cycles = 10'000'000, quantum = 1'000'000;
    std::vector<std::string> events;
    auto* stat = app.add_subcommand("stat", "count events on a workload the way `perf stat` programs the PMU");
    stat->add_option("--cpu", cpu, "CPU preset");
    stat->add_option("--set", sets, "override a CPU or semantics field, e.g. --set gp_width=32");
    stat->add_option("--workload,-w", workload, "workload: steady or steady:key=value,... (e.g. steady:instructions=2)");
    stat->add_option("--cycles,-n", cycles, "cycles to run")->check(CLI::PositiveNumber);
    stat->add_option("-e,--events", events, "events, comma separated (perf names, :u/:k modifiers, rUUEE raw)")
        ->delimiter(',');
    stat->add_option("--mode", mode, "time mode")->check(CLI::IsMember({"fast", "per-cycle"}));
    stat->add_option("--quantum", quantum, "cycles per quantum in fast mode")->check(CLI::PositiveNumber);
    stat->add_option("--format", format, "output format")->check(CLI::IsMember({"table", "json"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    try {
        if (*info) {
            const CpuConfig c = make_cpu_config(cpu, parse_overrides(sets));
            if (registers_md) std::cout << RegisterTable(c).markdown();
            else std::cout << cpu_info_text(c);
            return 0;
        }
        if (*stat) return run_stat(cpu, sets, workload, cycles, events, mode, quantum, format);
    } catch (const ConfigError& e) {
        std::cerr << "pmusim: invalid configuration: " << e.what() << "\n";
        return 2;
    } catch (const GeneralProtection& e) {
        std::cerr << "pmusim: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "pmusim: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
