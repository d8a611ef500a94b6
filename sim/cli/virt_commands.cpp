#include "sim/cli/virt_commands.h"

#include "sim/cli/cli_checks.h"

#include <iostream>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "models/core/quote_value.h"
#include "models/virt/kvm_variants.h"
#include "sim/gtkw_writer.h"
#include "sim/vcd_window.h"
#include "sim/virt/host.h"
#include "sim/virt/checker.h"
#include "sim/virt/conform.h"
#include "sim/virt/mutate.h"
#include "sim/virt/run_format.h"

namespace pmusim {

namespace {

Scenario scenario_from(const ScenarioArgs& a) {
    Scenario s = load_scenario(a.scenario, a.sets);
    if (a.cycles) s.cycles = a.cycles;
    if (a.seed_set) s.seed = a.seed;
    if (a.mode == "per-cycle") s.mode = TimeMode::PerCycle;
    else if (a.mode == "fast") s.mode = TimeMode::Fast;
    for (auto& e : a.edits) s.edits.push_back(parse_protocol_edit(e));
    for (auto& k : a.kvm_variants) s.kvm_variants |= uint32_t(kvm_variant_named(k));
    (void)s.make_protocol();
    return s;
}

void add_scenario_options(CLI::App* c, ScenarioArgs& a) {
    c->add_option("scenario", a.scenario, "a built-in scenario (see --list) or a scenario YAML file");
    c->add_option("--edit,-E", a.edits, "edit the protocol: remove:X, swap:X,Y, move:X,before=Y, replace:X=Y, insert:X,before=Y");
    c->add_option("--cycles,-n", a.cycles, "override the scenario's length in cycles (default: the scenario's)")->check(whole_number(true));
    c->add_option("--seed", a.seed, "override the scenario's seed (default: the scenario's)")
        ->check(whole_number(false))
        ->each([&a](const std::string&) { a.seed_set = true; });
    c->add_option("--set", a.sets, "override a field of the scenario file: path=value (host.perf.interval=500000, "
                                   "guests.vm0.workload=steady, 'protocol={base: mediated, edits: [remove:put_perf_metrics]}')");
    c->add_option("--mode", a.mode, "time mode (default: the scenario's)")->check(CLI::IsMember({"fast", "per-cycle"}));
    c->add_option("--kvm-variant", a.kvm_variants,
                  "turn on a deviation from KVM's rules: reset_keeps_perf_metrics, host_pmc_write_sign_extends");
}

// GTKWave markers at the first violation of each kind, named by kind and register.
std::vector<GtkwMarker> first_violations(const ViolationLog& log, const VcdWindow& w) {
    std::vector<GtkwMarker> m;
    for (const KindInfo& k : violation_kinds()) {
        const uint64_t t = log.first_cycle(k.kind);
        if (t == ~0ull || t < w.from || t > w.to) continue;
        std::string name = k.name;
        for (const Violation& v : log.recorded())
            if (v.kind == k.kind && v.cycle == t) {
                if (!v.reg.empty()) name += " " + v.reg;
                break;
            }
        m.push_back({t, name});
    }
    return m;
}

int run_scenario_cmd(const ScenarioArgs& a, const std::string& vcd, const std::string& window, uint64_t vcd_sample,
                     const std::vector<std::string>& signals, const std::string& format, size_t first) {
    const VcdWindow w = window.empty() ? VcdWindow{} : parse_vcd_window(window);
    const Scenario s = scenario_from(a);
    warn_vcd_sample(vcd, s.cycles, vcd_sample);
    if (w.from > s.cycles)
        throw std::invalid_argument("--vcd-window '" + window + "': starts after the run's " + std::to_string(s.cycles) + " cycles");
    const RunReport r = run_scenario(s, vcd, vcd_sample, signals);
    if (format == "json") std::cout << run_json(r) << "\n";
    else std::cout << format_run(r, first);
    if (vcd.empty()) return r.passed() ? 0 : 1;
    // A host with several CPUs writes one waveform per CPU, each marked with its CPU's violations.
    std::vector<std::pair<std::string, const RunReport*>> files{{vcd, &r}};
    if (!r.per_cpu.empty()) {
        files.clear();
        for (auto& c : r.per_cpu) files.push_back({cpu_vcd_path(vcd, c.cpu_index), &c});
    }
    for (auto& [path, rep] : files) {
        if (!window.empty()) window_vcd(path, w);
        const std::string gtkw = write_gtkw(path, first_violations(rep->violations, w));
        if (format != "json") std::cout << "\nwaveform: " << path << " (GTKWave: gtkwave " << gtkw << ")\n";
    }
    return r.passed() ? 0 : 1;
}

// "A..B" (both included) or "A,B,C": at most kMaxSeeds seeds.
std::vector<uint64_t> parse_seeds(const std::string& text) {
    constexpr uint64_t kMaxSeeds = 100'000;
    const auto bad = [&](const std::string& why) { return std::invalid_argument("--seeds " + quote_value(text) + ": " + why); };
    const auto number = [&](const std::string& n) {
        if (n.empty() || n.size() > 19 || n.find_first_not_of("0123456789") != std::string::npos)
            throw bad("expected A..B or A,B,C with whole numbers, got " + quote_value(n));
        return uint64_t(std::stoull(n));
    };
    std::vector<uint64_t> out;
    const auto dots = text.find("..");
    if (dots != std::string::npos) {
        const uint64_t a = number(text.substr(0, dots)), b = number(text.substr(dots + 2));
        if (b < a) throw bad("the last seed is below the first");
        if (b - a >= kMaxSeeds) throw bad("at most " + std::to_string(kMaxSeeds) + " seeds");
        for (uint64_t x = a;; ++x) {
            out.push_back(x);
            if (x == b) break;
        }
        return out;
    }
    size_t from = 0;
    for (size_t comma; from <= text.size(); from = comma + 1) {
        comma = text.find(',', from);
        if (comma == std::string::npos) comma = text.size();
        out.push_back(number(text.substr(from, comma - from)));
        if (out.size() > kMaxSeeds) throw bad("at most " + std::to_string(kMaxSeeds) + " seeds");
    }
    return out;
}

// The scenario once per seed, a line each, stopping at the first that fails (its report follows).
int run_seeds_cmd(const ScenarioArgs& a, const std::string& seeds, const std::string& format, size_t first) {
    const std::vector<uint64_t> list = parse_seeds(seeds);
    Scenario s = scenario_from(a);
    for (uint64_t seed : list) {
        s.seed = seed;
        const RunReport r = run_scenario(s);
        if (format == "json") {
            // JSON Lines: one compact object per seed.
            std::cout << nlohmann::ordered_json{{"seed", seed}, {"report", nlohmann::ordered_json::parse(run_json(r))}}.dump() << "\n";
        } else {
            std::string verdict = "clean";
            if (!r.passed()) {
                verdict = "FAILED (" + std::to_string(r.violations.total()) + " violations: " + r.violations.kinds_fired();
                if (r.programs.failed) verdict += "; " + std::to_string(r.programs.failed) + " failed expectations";
                verdict += ")";
            }
            std::cout << "seed " << seed << ": " << verdict << "\n" << std::flush;
        }
        if (r.passed()) continue;
        if (format != "json")
            std::cout << "\nfirst failing seed " << seed << " (again with a waveform: pmusim run " << a.scenario << " --seed "
                      << seed << " --vcd run.vcd)\n\n" << format_run(r, first);
        return 1;
    }
    if (format != "json") std::cout << list.size() << " seeds, all clean\n";
    return 0;
}

int mutate_cmd(const ScenarioArgs& a, const std::string& format) {
    const Scenario s = scenario_from(a);
    const bool tty = isatty(2);
    auto rs = mutate_scenario(s, [&](size_t done, size_t total) {
        if (tty) std::cerr << "\rmutants: " << done << "/" << total << std::flush;
    });
    if (tty) std::cerr << "\n";
    if (format == "markdown") std::cout << mutation_table(rs, true);
    else {
        std::cout << "scenario " << s.name << ", protocol " << s.make_protocol().describe() << ", " << s.cycles << " cycles\n\n";
        std::cout << mutation_table(rs, false);
        size_t clean = 0;
        for (size_t i = 1; i < rs.size(); ++i) clean += rs[i].clean();
        std::cout << "\n" << rs.size() - 1 << " mutants, " << clean << " clean (a step or order redundant under this scenario)\n";
    }
    return rs.front().clean() ? 0 : 1;
}

int conform_cmd(const ScenarioArgs& a, const std::string& format, bool all) {
    const Scenario s = scenario_from(a);
    const Protocol p = s.make_protocol();
    const RunReport r = run_scenario(s, p);
    if (r.programs.accesses == 0)
        throw std::invalid_argument("scenario '" + s.name + "': no guest runs a program (give a guest `program: register_suite`)");
    const ConformReport c = conform(r, p.mediated());
    std::cout << format_conform(c, all, format == "markdown");
    return c.ok() ? 0 : 1;
}

}  // namespace

void add_virt_commands(CLI::App& app, VirtCommands& v) {
    v.run = app.add_subcommand("run", "run a virtualization scenario with its checkers (exit 1 when any check fires)");
    CLI::App* run = v.run;
    add_scenario_options(run, v.run_args);
    CLI::Option* vcd_opt = run->add_option("--vcd", v.vcd, "write a waveform (VCD) of the context, the global registers, counters, PERF_METRICS and PMI");
    run->add_option("--vcd-signals", v.vcd_signals, "signals to write, comma separated (names, or prefixes ending in *)")
        ->delimiter(',');
    run->add_option("--vcd-window", v.vcd_window, "keep only cycles FROM:TO of the waveform (FROM: or :TO for one bound)")
        ->needs(vcd_opt);
    run->add_option("--vcd-sample", v.vcd_sample, "also sample every N cycles inside long runs (default: at changes only)")
        ->check(whole_number(false));
    run->add_option("--seeds", v.seeds, "run once per seed, A..B or A,B,C, a line per seed; stop at the first failing seed "
                                        "and show its report (exit 1)");
    run->add_option("--format", v.run_format, "text or json")->check(CLI::IsMember({"text", "json"}));
    run->add_option("--first", v.first, "violations shown in full")->check(whole_number(false));
    run->add_flag("--list", v.list, "list the built-in scenarios and exit");
    run->add_flag("--steps", v.steps, "list every protocol step (for -E replace/insert) and exit");
    run->add_flag("--checkers", v.checkers, "list the checkers and the violation kinds (Markdown) and exit");
    v.mutate = app.add_subcommand("mutate", "remove each protocol step and swap each order-sensitive pair; tabulate the checks");
    add_scenario_options(v.mutate, v.mut_args);
    v.mutate->add_option("--format", v.mut_format, "text or markdown")->check(CLI::IsMember({"text", "markdown"}));
    v.conform = app.add_subcommand(
        "conform", "run a scenario whose guests run programs (e.g. the register suite) and compare every access with "
                   "bare metal (exit 1 on an unexplained difference or a failed expectation)");
    add_scenario_options(v.conform, v.conf_args);
    v.conform->add_option("--format", v.conf_format, "text or markdown")->check(CLI::IsMember({"text", "markdown"}));
    v.conform->add_flag("--all", v.conf_all, "list every access, not only the differences");
}

int run_virt_commands(const VirtCommands& v) {
    if (*v.run && v.list) {
        for (auto& n : scenario_library()) std::cout << n << "\n";
        return 0;
    }
    if (*v.run && v.steps) {
        for (auto& st : step_library())
            std::cout << st.name << "  [" << (st.mediated ? "mediated " : "legacy ") << path_name(st.path) << "]  " << st.what
                      << "  (" << st.source << ")\n";
        return 0;
    }
    if (*v.run && v.checkers) {
        std::cout << checkers_markdown();
        return 0;
    }
    const ScenarioArgs& a = *v.run ? v.run_args : *v.mutate ? v.mut_args : v.conf_args;
    if (a.scenario.empty()) throw std::invalid_argument("scenario: name a built-in scenario (pmusim run --list) or a file");
    if (*v.run && !v.seeds.empty()) {
        if (a.seed_set) throw std::invalid_argument("--seeds: give --seed or --seeds, not both");
        if (!v.vcd.empty()) throw std::invalid_argument("--seeds: a waveform is of one run: give --seed N with --vcd");
        return run_seeds_cmd(a, v.seeds, v.run_format, v.first);
    }
    if (*v.run) return run_scenario_cmd(a, v.vcd, v.vcd_window, v.vcd_sample, v.vcd_signals, v.run_format, v.first);
    if (*v.mutate) return mutate_cmd(a, v.mut_format);
    return conform_cmd(a, v.conf_format, v.conf_all);
}

}  // namespace pmusim
