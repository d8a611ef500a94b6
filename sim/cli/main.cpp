// The pmusim command line: `pmusim info`, `stat`, `topdown`, `wave`; `run`, `mutate` and `conform`
// in virt_commands.cpp (docs/user-guide.md).
#include <CLI/CLI.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <systemc>
#include <unistd.h>

#include "models/pmu/msr_port.h"
#include "models/core/quote_value.h"
#include "sim/info.h"
#include "sim/machine.h"
#include "sim/perf_stat.h"
#include "sim/platform.h"
#include "sim/topdown.h"
#include "sim/topdown_format.h"
#include "tma/tma_tables.h"
#include "sim/workload_file.h"
#include "sim/workload_spec.h"
#include "sim/gtkw_writer.h"
#include "sim/vcd_diff.h"
#include "sim/vcd_window.h"
#include "sim/cli/cli_checks.h"
#include "sim/cli/virt_commands.h"
#include "sim/cli/help_examples.h"
#include "sim/cli/list_command.h"
#include "sim/cli/stat_command.h"
#include "sim/version.h"

using namespace pmusim;

namespace {

// --vcd for any machine run (stat, topdown): docs/waveforms.md.
struct TraceArgs {
    std::string path;
    std::vector<std::string> signals;
    std::string window;
    uint64_t sample = 0;
    void attach(Machine& m) const {
        if (!window.empty()) (void)parse_vcd_window(window);  // bad input fails before the run
        if (!path.empty()) m.trace(path, signals, sample);
    }
    // After the machine is gone (its VCD closed): the window, then the GTKWave save file beside it.
    int finish(int rc) const {
        if (path.empty()) return rc;
        if (!window.empty()) window_vcd(path, parse_vcd_window(window));
        std::cerr << "waveform: " << path << " (GTKWave: gtkwave " << write_gtkw(path) << ")\n";
        return rc;
    }
    void add_to(CLI::App* c) {
        CLI::Option* vcd = c->add_option("--vcd", path, "write a waveform (VCD) of the PMU: global registers, counters, PERF_METRICS, PMI");
        c->add_option("--vcd-window", window, "keep only cycles FROM:TO of the waveform (FROM: or :TO for one bound)")->needs(vcd);
        c->add_option("--vcd-signals", signals, "signals to write, comma separated (names, or prefixes ending in *)")
            ->delimiter(',');
        c->add_option("--vcd-sample", sample, "also sample every N cycles inside runs")->check(whole_number(false));
    }
};
TraceArgs g_trace;

// -I (milliseconds at --freq as perf stat -I and toplev -I, or cycles as Nc) and what -r refuses.
void check_topdown_args(TopdownOptions& t, const std::string& interval, double ghz, const std::string& format,
                        unsigned repeat) {
    if (!interval.empty()) {
        t.interval = parse_interval(interval, ghz);
        const std::string w = short_interval_warning(t.interval, ghz);
        if (!w.empty()) std::cerr << "pmusim: warning: topdown -I " << interval << ": " << w << "\n";
    }
    if (repeat > 1 && !interval.empty())
        throw std::invalid_argument("-r " + std::to_string(repeat) + " with -I: the intervals of repeated runs are not averaged; drop one");
    if (repeat > 1 && format == "csv")
        throw std::invalid_argument("-r " + std::to_string(repeat) +
                                    " with --format csv: its rows have no spread; use -x (perf's CSV with its variance "
                                    "field), -j, or --format table, toplev or json");
}

int run_topdown_cmd(const std::string& cpu, const std::vector<std::string>& sets, const std::string& workload,
                    const std::string& mode, const std::string& format, TopdownOptions t, const PerfOutputOptions& perf,
                    const std::string& output, const std::string& interval, unsigned repeat) {
    check_topdown_args(t, interval, perf.ghz, format, repeat);
    Output file(output);
    std::ostream& os = file.stream();
    MachineOptions o;
    o.cpu = cpu;
    o.overrides = parse_overrides(sets);
    o.mode = mode == "per-cycle" ? TimeMode::PerCycle : TimeMode::Fast;
    bool seeded = true;
    // Run i: the workload's seed + i (perf stat -r repeats the command; a workload's variation is its seed).
    auto make = [&](unsigned i) {
        auto m = std::make_unique<Machine>(o);
        if (i == 0) g_trace.attach(*m);
        auto w = parse_workload_spec(workload, i);
        seeded = dynamic_cast<PhasedWorkload*>(w.get()) != nullptr;
        if (t.cycles == 0)  // one pass over a phased workload; steady workloads run 100 M cycles
            t.cycles = seeded ? static_cast<PhasedWorkload*>(w.get())->length() : 100'000'000;
        m->set_workload(std::move(w));
        return m;
    };
    std::unique_ptr<Machine> m = make(0);
    const uint64_t cycles = t.cycles;
    if (t.interval >= cycles && !interval.empty() && interval.back() != 'c')  // e.g. cycles meant, as before
        std::cerr << "pmusim: warning: topdown -I " << interval << ": " << interval << " ms is the whole run ("
                  << cycles << " cycles at " << perf.ghz << " GHz): one interval; cycles take a 'c' suffix\n";
    warn_vcd_sample(g_trace.path, cycles, g_trace.sample);
    if (repeat > 1 && !seeded)
        std::cerr << "pmusim: warning: -r " << repeat << ": workload '" << workload << "' has no seed: every run is the same\n";
    // Each interval is written as it is produced and not kept: memory stays flat in their number.
    // perf's rows (-x, -j) and -r runs are written from the kept intervals at the end.
    const bool perf_rows = (!perf.sep.empty() && format != "toplev") || perf.json;
    TopdownWriter writer(os, format, ToplevCsvOptions{perf.sep.empty() ? "," : perf.sep, t.interval != 0, perf.ghz});
    if (!perf_rows && repeat == 1) t.sink = &writer;
    const auto t0 = std::chrono::steady_clock::now();
    TopdownReport r;
    if (repeat == 1) r = run_topdown(*m, t);
    else r = run_topdown_repeated([&](unsigned i) { return i == 0 ? std::move(m) : make(i); }, t, repeat);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (perf_rows) os << topdown_perf_rows(r, perf, t.interval != 0);
    else if (repeat > 1) writer.write(r, wall);
    else writer.end(r, wall);
    if (!perf_rows && format == "table") {
        char line[160];
        std::snprintf(line, sizeof line, "  %s cycles simulated in %.3f s wall (%.3g cycles/s)\n\n",
                      group_digits(uint64_t(cycles) * repeat).c_str(), wall, wall > 0 ? double(cycles) * repeat / wall : 0.0);
        os << line;
    }
    return 0;
}

// Scenario options shared by `run` and `mutate`.
}  // namespace

int sc_main(int argc, char** argv) {
    install_report_handler(true);
    CLI::App app{"pmusim: cycle-approximate Intel architectural PMU simulator", "pmusim"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("pmusim ") + version());
    app.option_defaults()->always_capture_default();  // --help shows each option's default

    std::string cpu = "sapphirerapids";
    std::vector<std::string> sets;
    bool registers_md = false;
    auto* info = app.add_subcommand("info", "print a preset's CPUID leaf 0xA, PERF_CAPABILITIES and register map");
    info->add_option("--cpu", cpu, "CPU preset (skylake, icelake, sapphirerapids, lunarlake)");
    info->add_option("--set", sets, "override a CPUID/capability field, e.g. --set num_gp=4");
    info->add_flag("--registers-md", registers_md, "print only the register table as Markdown");

    StatArgs st;
    auto* stat = add_stat_command(app, st);
    g_trace.add_to(stat);

    std::string td_workload = "mixed_app", td_format = "table", td_mode = "fast", method = "auto";
    uint64_t td_cycles = 0;
    std::string interval;
    unsigned level = 2;
    auto* td = app.add_subcommand("topdown", "topdown (TMA) breakdown as perf/toplev compute it, against the ground truth");
    td->add_option("--cpu", cpu, "CPU preset");
    td->add_option("--set", sets, "override a CPU or semantics field, e.g. --set slots_per_cycle=8");
    td->add_option("--workload,-w", td_workload, "workload: a library name (see --list), a YAML file, or steady:k=v,...");
    td->add_option("--cycles,-n", td_cycles, "cycles to run (default: one pass of the workload)")->check(whole_number(true));
    td->add_option("--interval,-I", interval,
                   "read and reset every N milliseconds at --freq (perf stat -I, toplev -I), or every N cycles as Nc; "
                   "default: once at the end");
    td->add_option("--level,-l", level, "TMA level")->check(CLI::Range(1, 4));
    td->add_option("--method", method, "auto (PERF_METRICS where present), perf_metrics, gp_events")
        ->check(CLI::IsMember({"auto", "perf_metrics", "gp_events"}));
    td->add_option("--mode", td_mode, "time mode")->check(CLI::IsMember({"fast", "per-cycle"}));
    uint64_t td_mux = 0;
    unsigned td_repeat = 1;
    td->add_option("-r,--repeat", td_repeat,
                   "run N times, the workload's seed + 0, 1, ...; nodes from the mean counts, each with its spread "
                   "(perf stat --topdown -r)")
        ->check(CLI::Range(1, 100));
    g_trace.add_to(td);
    td->add_option("--mux-interval", td_mux, "cycles between multiplexing rotations (default: auto, at most 4e6)")
        ->check(whole_number(true));
    auto* td_fmt = td->add_option("--format", td_format,
                                  "table (toplev-like tree), csv (raw counts), toplev (toplev -x's CSV with Truth and "
                                  "Error; -x sets its separator), json (nodes in tree order)")
                       ->check(CLI::IsMember({"table", "csv", "toplev", "json"}));
    PerfOutputOptions td_perf;
    auto* td_x = td->add_option("-x,--field-separator", td_perf.sep,
                                "perf stat -x: CSV rows, then a '%  tma_<node>' metric row per node; with --format "
                                "toplev: toplev -x, its separator")
                     ->check(CLI::Validator([](std::string& s) { return s.empty() ? "an empty separator" : ""; }, "SEP"));
    auto* td_j = td->add_flag("-j,--json", td_perf.json, "perf stat -j: JSON Lines, counts then a metric line per node");
    td_x->excludes(td_j);  // -x with --format: only toplev's (checked after parsing)
    td_j->excludes(td_fmt);
    std::string td_output;
    td->add_option("-o,--output", td_output, "write the output to FILE instead of stdout");
    td->add_option("--freq", td_perf.ghz, "core clock in GHz: -I milliseconds and every printed time")
        ->check(CLI::PositiveNumber);
    std::string td_nodes, td_groups;
    td->add_option("--nodes", td_nodes, "only these nodes (and their parents), comma separated; NAME* adds its subtree");
    td->add_option("-M,--metrics", td_groups,
                   "metric groups (TmaL1, TmaL3mem, Summary, Info, ...), node or Info metric names, comma separated");
    bool list = false, formulas_md = false;
    td->add_flag("--list", list, "list the workload library and exit");
    td->add_flag("--formulas-md", formulas_md, "print the formula tables of docs/tma.md and exit");

    VirtCommands virt;
    add_virt_commands(app, virt);

    auto* wave = app.add_subcommand("wave", "regression waveforms");
    std::string wave_a, wave_b;
    std::vector<std::string> wave_signals;
    auto* wdiff = wave->add_subcommand("diff", "compare two VCD files by signal and time (exit 1 when they differ)");
    wdiff->add_option("a", wave_a, "first VCD (e.g. the golden one)")->required();
    wdiff->add_option("b", wave_b, "second VCD")->required();
    wdiff->add_option("--signals", wave_signals, "compare only these signals, comma separated")->delimiter(',');
    wave->require_subcommand(1);
    ListCommand lst;
    add_list_command(app, lst);
    add_help_examples(app);
    tidy_help_defaults(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version exit 0; every bad option exits 2, as every other bad input does.
        return app.exit(e) == 0 ? 0 : 2;
    }
    try {
        if (*info) {
            const CpuConfig c = make_cpu_config(cpu, parse_overrides(sets));
            if (registers_md) std::cout << RegisterTable(c).markdown();
            else std::cout << cpu_info_text(c);
            return 0;
        }
        if (*stat) return g_trace.finish(run_stat_command(st, [&](Machine& m) {
            g_trace.attach(m);
            warn_vcd_sample(g_trace.path, st.cycles, g_trace.sample);
        }));
        if (*td) {
            if (list) {
                for (auto& n : workload_library()) std::cout << n << "\n";
                return 0;
            }
            if (formulas_md) {
                std::cout << tma::formulas_markdown();
                return 0;
            }
            if (!td_perf.sep.empty() && td_format != "table" && td_format != "toplev")
                throw std::invalid_argument("-x '" + td_perf.sep + "' with --format " + td_format +
                                            ": -x is perf's CSV, or toplev's separator with --format toplev");
            TopdownOptions t;
            t.level = level;
            t.method = method;
            t.cycles = td_cycles;
            t.mux_interval = td_mux;
            t.nodes = td_nodes;
            t.groups = td_groups;
            return g_trace.finish(run_topdown_cmd(cpu, sets, td_workload, td_mode, td_format, t, td_perf, td_output, interval, td_repeat));
        }
        if (*wave) {
            const VcdFile fa = read_vcd(wave_a), fb = read_vcd(wave_b);
            const auto d = diff_vcd(fa, fb, wave_signals);
            std::cout << format_diff(fa, fb, d);
            return d.empty() ? 0 : 1;
        }
        if (virt.given()) return run_virt_commands(virt);
        if (lst.given()) return run_list_command(lst);
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
