#include "sim/cli/list_command.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "models/core/event_table.h"
#include "models/cpu/cpu_config.h"
#include "models/virt/kvm_variants.h"
#include "models/virt/protocol.h"
#include "sim/library_paths.h"
#include "sim/perf/perf_events.h"
#include "sim/virt/checker.h"
#include "sim/virt/scenario.h"
#include "sim/workload_file.h"
#include "tma/tma_engine.h"
#include "tma/tma_tables.h"
#include "sim/topdown_format_toplev.h"

namespace pmusim {

namespace {

std::string hex2(unsigned v) {
    char b[8];
    std::snprintf(b, sizeof b, "0x%02x", v);
    return b;
}

// perf's names first (fixed-counter placement noted), then the GP encodings of this CPU's family.
ListRows events(const std::string& cpu_name) {
    const CpuConfig cpu = make_cpu_config(cpu_name);
    const auto fixed = fixed_counter_events(cpu);
    auto on_fixed = [&](const std::string& name) -> std::string {
        for (auto& [n, i] : fixed)
            if (n == name) return "fixed counter " + std::to_string(i);
        return {};
    };
    ListRows r;
    for (auto& [name, index] : fixed) {
        bool in_table = false;
        for (auto& e : event_table()) in_table = in_table || (encoding_available(e, cpu) && name == e.name);
        if (!in_table) r.push_back({name, "fixed counter " + std::to_string(index) + " only"});
    }
    for (auto& e : event_table()) {
        if (!encoding_available(e, cpu)) continue;
        const uint64_t bits = encoding_bits(e, cpu);  // the CMASK of a width-relative event resolved
        std::string d = std::string(e.intel_name) + ": event=" + hex2(bits & 0xff) + ",umask=" + hex2((bits >> 8) & 0xff);
        if (e.umask2) d += ",umask2=" + hex2(e.umask2);
        if ((bits >> 24) & 0xff) d += ",cmask=" + std::to_string((bits >> 24) & 0xff);
        if ((bits >> 18) & 1) d += ",edge";
        if (e.inv) d += ",inv";
        if (e.eq) d += ",eq";
        d += e.arch_index >= 0 ? ", architectural (CPUID.0AH:EBX bit " + std::to_string(e.arch_index) + ")" : ", model-specific";
        const std::string f = on_fixed(e.name);
        if (!f.empty()) d += "; perf counts it on " + f;
        r.push_back({e.name, d});
    }
    return r;
}

ListRows presets(const std::string&) {
    ListRows r;
    for (auto& p : preset_names()) {
        const CpuConfig c = make_cpu_config(p);
        unsigned fixed = 0;
        for (unsigned i = 0; i < kMaxFixedCounters; ++i) fixed += c.has_fixed(i);
        std::string d = "arch PMU v" + std::to_string(c.version) + ", " + std::to_string(c.num_gp) + " GP x " +
                        std::to_string(c.gp_width) + " bits, " + std::to_string(fixed) + " fixed, " +
                        std::to_string(c.slots_per_cycle) + " slots/cycle, ";
        d += c.perf_metrics() ? (c.l2_metrics ? "PERF_METRICS Level 1+2" : "PERF_METRICS Level 1") : "no PERF_METRICS";
        if (c.metrics_clear()) d += ", RDPMC metrics clear";
        r.push_back({p, d});
    }
    return r;
}

ListRows overrides(const std::string&) {
    ListRows r;
    for (auto& [name, what] : cpu_override_fields()) r.push_back({name, what});
    return r;
}

ListRows library(const std::string& dir) {
    ListRows r;
    for (auto& e : library_entries(dir)) r.push_back({e.name, e.description});
    return r;
}

ListRows steps(const std::string&) {
    ListRows r;
    for (auto& s : step_library())
        r.push_back({s.name, std::string("[") + (s.mediated ? "mediated " : "legacy ") + path_name(s.path) + "] " + s.what +
                                 " (" + s.source + ")"});
    return r;
}

// Every node and Info metric of --cpu's family, as the formula tables declare them (tma/tma_tables.cpp, tma/tables_<family>.cpp):
// toplev path, level, perf's metric name, description, and the formula for the CPU's method.
ListRows nodes(const std::string& cpu_name) {
    const CpuConfig cpu = make_cpu_config(cpu_name);
    const auto family = static_cast<tma::Family>(cpu.tma_family);
    const tma::Method method = cpu.perf_metrics() ? tma::Method::PerfMetrics : tma::Method::GpEvents;
    std::vector<tma::Descriptor> all = tma::describe(family, method);
    ListRows r;
    for (auto& d : all) {
        if (d.kind != "node" && d.kind != "metric") continue;
        const std::string where =
            d.level ? "Level " + std::to_string(d.level) + ", perf metric " + perf_metric_name(d.name) : "Info metric";
        r.push_back({toplev_path(d.name),
                     where + ": " + d.description + (d.formula.empty() ? "" : " = " + d.formula)});
    }
    return r;
}

ListRows checkers(const std::string&) {
    ListRows r;
    for (auto& c : checker_registry()) r.push_back({c.name, c.checks});
    return r;
}

ListRows variants(const std::string&) {
    ListRows r;
    for (auto& v : kvm_variants()) r.push_back({v.name, std::string("breaks: ") + v.breaks + " (" + v.source + ")"});
    return r;
}

struct Section {
    const char* name;
    const char* help;
    ListRows (*rows)(const std::string& cpu);
};

const std::vector<Section>& sections() {
    static const std::vector<Section> s = {
        {"events", "events for stat -e on --cpu: perf and Intel names, encodings", events},
        {"presets", "CPU presets for --cpu", presets},
        {"overrides", "fields for --set (CPU and semantics overrides)", overrides},
        {"workloads", "the workload library (-w NAME)",
         [](const std::string&) { return library(workload_library_dir()); }},
        {"scenarios", "the virtualization scenarios (run, mutate, conform)",
         [](const std::string&) { return library(scenario_library_dir()); }},
        {"steps", "protocol steps (run -E replace:X=Y, insert:X,before=Y)", steps},
        {"nodes", "topdown (TMA) nodes and Info metrics of --cpu: toplev path, level, perf metric name, formula", nodes},
        {"checkers", "the checkers of a scenario run", checkers},
        {"kvm-variants", "deviations from KVM's rules for run --kvm-variant", variants},
    };
    return s;
}

void print(const ListRows& rows, bool names_only) {
    size_t w = 0;
    for (auto& [n, d] : rows) w = std::max(w, n.size());
    for (auto& [n, d] : rows) {
        if (names_only || d.empty()) std::cout << n << "\n";
        else std::cout << n << std::string(w + 2 - n.size(), ' ') << d << "\n";
    }
}

}  // namespace

std::vector<std::string> list_sections() {
    std::vector<std::string> v;
    for (auto& s : sections()) v.push_back(s.name);
    return v;
}

ListRows list_section(const std::string& section, const std::string& cpu) {
    for (auto& s : sections())
        if (section == s.name) return s.rows(cpu);
    throw std::invalid_argument("list: unknown section '" + section + "'");
}

void add_list_command(CLI::App& app, ListCommand& l) {
    l.app = app.add_subcommand("list", "list events, presets, overrides, workloads, scenarios, steps, topdown nodes, "
                                       "checkers and KVM variants, each with a description");
    l.app->add_option("--cpu", l.cpu, "CPU preset whose events are listed");
    l.app->add_flag("--names", l.names, "names only, one per line (for scripts and shell completion)");
    // --cpu and --names may follow the section (`pmusim list events --cpu skylake`).
    for (auto& s : sections()) l.sections.push_back(l.app->add_subcommand(s.name, s.help)->fallthrough());
}

int run_list_command(const ListCommand& l) {
    bool any = false;
    for (size_t i = 0; i < l.sections.size(); ++i) any = any || *l.sections[i];
    for (size_t i = 0; i < l.sections.size(); ++i) {
        if (any && !*l.sections[i]) continue;
        const Section& s = sections()[i];
        if (!any) std::cout << (i ? "\n" : "") << "== " << s.name << ": " << s.help << "\n";
        print(s.rows(l.cpu), l.names);
    }
    return 0;
}

}  // namespace pmusim
