// `pmusim stat`: perf stat's table, or its CSV (-x) and JSON Lines (-j) through
// sim/perf_stat_format.h, once or every -I; -o writes to a file.
#include "sim/cli/stat_command.h"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>

#include "sim/cli/cli_checks.h"
#include "sim/perf_stat_format.h"
#include "models/core/quote_value.h"
#include "sim/version.h"
#include "models/core/phased_workload.h"
#include "sim/workload_spec.h"

namespace pmusim {

Output::Output(const std::string& path) : to_file_(!path.empty()) {
    if (!to_file_) return;
    file_.open(path);
    if (!file_) throw std::invalid_argument("-o '" + path + "': cannot open for writing: " + std::strerror(errno));
}

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
        // Decimal or 0x hex digits only: stoull alone reads "-1" as 2^64 - 1.
        const bool hex = v.size() > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X');
        const std::string digits = hex ? v.substr(2) : v;
        errno = 0;
        const unsigned long long x = std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
        if (digits.empty() || digits.find_first_not_of(hex ? "0123456789abcdefABCDEF" : "0123456789") != std::string::npos ||
            errno == ERANGE)
            throw ConfigError(k, "not an unsigned integer: " + quote_value(v));
        ov[k] = x;
    }
    return ov;
}

CLI::App* add_stat_command(CLI::App& app, StatArgs& a) {
    auto* stat = app.add_subcommand("stat", "count events on a workload the way `perf stat` programs the PMU");
    stat->add_option("--cpu", a.cpu, "CPU preset");
    stat->add_option("--set", a.sets, "override a CPU or semantics field, e.g. --set gp_width=32");
    stat->add_option("--workload,-w", a.workload, "workload: steady[:key=value,...], a library name or a YAML file");
    stat->add_option("--cycles,-n", a.cycles, "cycles to run")->check(whole_number(true));
    stat->add_option("-e,--events", a.events, "events, comma separated (perf or Intel names, :u/:k modifiers, raw rCCUUEE, {a,b} groups)")
        ->delimiter(',');
    stat->add_option("--mode", a.mode, "time mode")->check(CLI::IsMember({"fast", "per-cycle"}));
    stat->add_option("--quantum", a.quantum, "cycles per quantum in fast mode")->check(whole_number(true));
    auto* fmt = stat->add_option("--format", a.format, "output format")->check(CLI::IsMember({"table", "json"}));
    stat->add_option("--mux-interval", a.mux_interval, "cycles between multiplexing rotations (perf: 4 ms)")
        ->check(whole_number(true));
    auto* x = stat->add_option("-x,--field-separator", a.sep, "perf stat -x: CSV rows with this separator")
                  ->check(CLI::Validator([](std::string& s) { return s.empty() ? "an empty separator" : ""; }, "SEP"));
    auto* j = stat->add_flag("-j,--json", a.json_lines, "perf stat -j: JSON Lines, one object per event");
    x->excludes(j)->excludes(fmt);
    j->excludes(fmt);
    stat->add_option("-o,--output", a.output, "write the output to FILE instead of stdout");
    stat->add_option("-I,--interval-print", a.interval,
                     "print counts every N milliseconds at --freq (perf stat -I), or every N cycles as Nc");
    stat->add_option("--freq", a.ghz, "core clock in GHz: converts cycles to perf's times and -I milliseconds")
        ->check(CLI::PositiveNumber);
    stat->add_option("-r,--repeat", a.repeat,
                     "run N times, the workload's seed + 0, 1, ...; print each event's mean and its spread (perf stat -r)")
        ->check(CLI::Range(1, 100));
    return stat;
}

namespace {

// perf stat's table: one line per event with the counter it used and the shadow metric.
bool table_rows(std::ostream& os, const std::vector<CountReading>& counts, const std::string& prefix,
                const std::vector<double>* noise = nullptr) {
    bool all_exact = true;
    for (size_t k = 0; k < counts.size(); ++k) {
        const CountReading& c = counts[k];
        std::string note;
        char buf[64];
        const uint64_t shown = static_cast<uint64_t>(std::llround(c.scaled));
        const StatMetric m = stat_metric(c, counts);
        if (m.present) {
            std::snprintf(buf, sizeof buf, c.name == "instructions" ? "#  %5.2f  %s" : "#  %5.2f%% %s", m.value,
                          m.unit.c_str());
            note = buf;
        }
        if (c.running < c.enabled) {
            std::snprintf(buf, sizeof buf, "  (%.2f%%)", 100.0 * double(c.running) / double(c.enabled));
            note += buf;
        }
        if (noise && (*noise)[k]) {  // print_noise_pct_std: only a spread that is not 0
            std::snprintf(buf, sizeof buf, "  ( +-%6.2f%% )", (*noise)[k]);
            note += buf;
        }
        const bool exact = !c.truth_known || shown == c.truth;
        all_exact = all_exact && exact;
        char line[320];
        std::snprintf(line, sizeof line, "%s  %18s      %-22s %-11s %-30s %s\n", prefix.c_str(),
                      !c.supported ? "<not supported>" : c.enabled && !c.running ? "<not counted>" : group_digits(shown).c_str(),
                      c.name.c_str(), c.counter.c_str(), note.c_str(),
                      exact ? "" : ("(truth " + group_digits(c.truth) + ")").c_str());
        os << line;
    }
    return all_exact;
}

void json_summary(std::ostream& os, const StatArgs& a, const std::string& workload, const RepeatedCounts& rc, bool multiplexed,
                  double wall) {
    const std::vector<CountReading>& counts = rc.mean;
    nlohmann::json j;
    j["pmusim_version"] = version();
    j["cpu"] = a.cpu;
    j["workload"] = workload;
    j["cycles"] = a.cycles;
    j["mode"] = a.mode;
    j["wall_seconds"] = wall;
    j["multiplexed"] = multiplexed;
    j["runs"] = rc.runs;
    for (size_t k = 0; k < counts.size(); ++k) {
        const CountReading& c = counts[k];
        j["events"].push_back({{"event", c.name}, {"counter", c.counter}, {"count", std::llround(c.scaled)},
                               {"raw", c.raw}, {"enabled", c.enabled}, {"running", c.running},
                               {"truth", c.truth_known ? nlohmann::json(c.truth) : nlohmann::json(nullptr)}});
        if (rc.runs > 1) j["events"].back()["variance"] = rc.noise_pct[k];  // perf -j's name for the spread in %
    }
    os << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void table_summary(std::ostream& os, const StatArgs& a, const std::string& workload, const RepeatedCounts& rc, bool multiplexed,
                   double wall) {
    char line[512];
    std::snprintf(line, sizeof line, "\n Performance counter stats for '%s' on %s (%s cycles, %s mode%s):\n\n",
                  workload.c_str(), a.cpu.c_str(), group_digits(a.cycles).c_str(), a.mode.c_str(),
                  rc.runs > 1 ? (", " + std::to_string(rc.runs) + " runs: seed + 0.." + std::to_string(rc.runs - 1)).c_str() : "");
    os << line;
    const bool all_exact = table_rows(os, rc.mean, "", rc.runs > 1 ? &rc.noise_pct : nullptr);
    std::snprintf(line, sizeof line, "\n  %18.9f seconds simulated (%g GHz core clock), %.3f s wall\n",
                  double(a.cycles) / (a.ghz * 1e9), a.ghz, wall);
    os << line;
    os << "  "
       << (all_exact ? "every count equals the workload's exact event count (ground truth)"
                     : multiplexed ? "multiplexed: scaled counts are estimates (see 'truth')"
                                   : "some counts differ from the ground truth (see 'truth')")
       << "\n\n";
}


// One run: every -I printed as it is read; returns the counts of the last read (the whole run
// without -I).
std::vector<CountReading> run_once(const StatArgs& a, Machine& m, std::ostream& os, uint64_t step, bool& multiplexed) {
    std::vector<std::string> events = a.events.empty() ? default_stat_events(m.cpu()) : a.events;
    AgentOptions ao;
    ao.mux_interval = a.mux_interval;
    PerfStat stat(m, events, ao);
    const PerfOutputOptions po{a.sep, a.json_lines, a.ghz};
    const bool perf_rows = !a.sep.empty() || a.json_lines;
    stat.start();
    const uint64_t start = m.cycle(), end = start + a.cycles;
    std::vector<CountReading> counts;
    for (uint64_t at = start; at < end;) {
        const uint64_t to = std::min(end, at + step);  // the last interval may be shorter
        stat.run(to - at);
        counts = stat.read();
        if (!a.interval.empty()) {
            if (perf_rows) os << perf_stat_rows(counts, po, to - start);
            else {
                char ts[48];
                std::snprintf(ts, sizeof ts, "%16.9f", double(to - start) / (a.ghz * 1e9));
                table_rows(os, counts, ts);
            }
        }
        at = to;
    }
    multiplexed = stat.multiplexed();
    return counts;
}

}  // namespace

int run_stat_command(const StatArgs& a, const std::function<void(Machine&)>& attach) {
    MachineOptions o;
    o.cpu = a.cpu;
    o.overrides = parse_overrides(a.sets);
    o.mode = a.mode == "per-cycle" ? TimeMode::PerCycle : TimeMode::Fast;
    o.quantum = a.quantum;
    if (!a.interval.empty() && a.format == "json")
        throw std::invalid_argument("-I: --format json is one summary; use -j (perf's JSON Lines) or -x for intervals");
    if (!a.interval.empty() && a.repeat > 1)
        throw std::invalid_argument("-r " + std::to_string(a.repeat) + " with -I: the intervals of repeated runs are not averaged; drop one");
    const uint64_t step = a.interval.empty() ? a.cycles : parse_interval(a.interval, a.ghz);
    if (!a.interval.empty()) {
        const std::string w = short_interval_warning(step, a.ghz);
        if (!w.empty()) std::cerr << "pmusim: warning: -I " << a.interval << ": " << w << "\n";
    }
    Output out(a.output);
    std::ostream& os = out.stream();
    std::vector<std::vector<CountReading>> runs;
    std::unique_ptr<Machine> m;
    bool multiplexed = false;
    std::string workload;  // as the first run's machine describes it
    const auto t0 = std::chrono::steady_clock::now();
    for (unsigned r = 0; r < a.repeat; ++r) {  // run r: the workload's seed + r
        m.reset();  // the previous machine (and its waveform) closes first
        m = std::make_unique<Machine>(o);
        if (r == 0) attach(*m);  // --vcd: the first run
        m->set_workload(parse_workload_spec(a.workload, r));
        if (r == 0) workload = m->pmu().workload().describe();
        runs.push_back(run_once(a, *m, os, step, multiplexed));
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (a.repeat > 1 && !dynamic_cast<const PhasedWorkload*>(&m->pmu().workload()))
        std::cerr << "pmusim: warning: -r " << a.repeat << ": workload '" << a.workload
                  << "' has no seed: every run is the same\n";
    if (!a.interval.empty()) return 0;
    const RepeatedCounts rc = average_runs(runs);
    const PerfOutputOptions po{a.sep, a.json_lines, a.ghz};
    if (!a.sep.empty() || a.json_lines) os << perf_stat_rows(rc.mean, po, std::nullopt, a.repeat > 1 ? &rc.noise_pct : nullptr);
    else if (a.format == "json") json_summary(os, a, workload, rc, multiplexed, wall);
    else table_summary(os, a, workload, rc, multiplexed, wall);
    return 0;
}

}  // namespace pmusim
