#include "sim/virt/run_format.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/version.h"

namespace pmusim {

namespace {
std::string pct(double x) {
    if (std::isnan(x)) return "-";
    std::ostringstream os;
    os << std::fixed << std::setprecision(1) << 100.0 * x << "%";
    return os.str();
}
}  // namespace

std::string format_run(const RunReport& r, size_t first_n) {
    std::ostringstream os;
    os << "scenario " << r.scenario << " on " << r.cpu << ", protocol " << r.protocol << ", " << r.cycles << " cycles";
    if (!r.per_cpu.empty()) os << " per CPU, " << r.per_cpu.size() << " CPUs, " << r.migrations << " vCPU moves";
    os << "\n\n";
    os << std::left << std::setw(12) << "context" << std::right << std::setw(12) << "cycles" << std::setw(12) << "counted"
       << std::setw(9) << "entries" << std::setw(9) << "samples" << std::setw(7) << "pmis" << "  exits\n";
    for (auto& c : r.contexts) {
        os << std::left << std::setw(12) << c.name << std::right << std::setw(12) << c.cycles << std::setw(12)
           << c.counted_cycles << std::setw(9) << c.entries << std::setw(9) << c.samples << std::setw(7) << c.pmis << "  ";
        bool any = false;
        for (auto& [k, n] : c.exits) os << (any ? " " : "") << k << '=' << n, any = true;
        os << (any ? "" : "-") << "\n";
    }
    for (auto& c : r.contexts)
        if (c.pmis_masked || c.pmis_inhibited)
            os << "  " << c.name << ": PMIs not injected through its masked LVTPC " << c.pmis_masked
               << ", not accepted by the physical LVTPC under its mask " << c.pmis_inhibited << "\n";
    os << "\ncounts (reported / truth)\n";
    for (auto& c : r.contexts)
        for (auto& [name, v] : c.counts) {
            const bool denied = std::find(c.denied.begin(), c.denied.end(), name) != c.denied.end();
            os << "  " << std::left << std::setw(10) << c.name << std::setw(22) << name << std::right << std::setw(14)
               << v.first << std::setw(14) << v.second
               << (v.first == v.second ? "" : denied ? "  denied by the VM's event filter" : "  differs") << "\n";
        }
    if (!r.tasks.empty()) os << "\nhost tasks, counted per task (reported / truth, over every CPU it ran on)\n";
    for (auto& t : r.tasks) {
        os << "  " << t.sum.name << ": " << t.sum.counted_cycles << " cycles counted, " << t.switches << " switches in, CPUs";
        for (unsigned c : t.cpus) os << ' ' << c;
        os << "\n";
        for (auto& [name, v] : t.sum.counts)
            os << "    " << std::left << std::setw(22) << name << std::right << std::setw(14) << v.first << std::setw(14) << v.second
               << (v.first == v.second ? "" : "  differs") << "\n";
    }
    os << "\ntopdown (reported / truth)\n";
    for (auto& c : r.contexts) {
        if (!c.has_topdown) {
            os << "  " << c.name << ": " << (c.topdown_method.empty() ? "not measured" : "no reading") << "\n";
            continue;
        }
        os << "  " << c.name << " (" << c.topdown_method << "):";
        for (unsigned k = 0; k < tma::kNumNodes; ++k) {
            const auto n = static_cast<tma::Node>(k);
            if (std::isnan(c.reported[k]) || tma::level(n) > 2) continue;
            os << (tma::level(n) == 1 ? "\n    " : "  ") << tma::node_name(n) << ' ' << pct(c.reported[k]) << '/'
               << pct(c.truth_breakdown[k]);
        }
        os << "\n";
    }
    os << "\ntransitions: " << r.transition_cycles << " cycles (" << pct(r.cycles ? double(r.transition_cycles) / double(r.cycles) : 0)
       << " of the run)\n";
    for (auto& [k, n] : r.step_cycles) os << "  " << std::left << std::setw(30) << k << std::right << std::setw(12) << n << "\n";
    const auto& v = r.violations;
    os << "\nviolations: " << v.total();
    if (v.total()) {
        std::string parts;
        for (auto& k : violation_kinds())
            if (v.count(k.kind)) parts += (parts.empty() ? "" : ", ") + std::string(k.name) + " " + std::to_string(v.count(k.kind));
        os << " (" << parts << ")";
    }
    os << "\n";
    size_t shown = 0;
    // The first of each kind, then the earliest others, up to first_n.
    std::vector<const Violation*> pick;
    for (unsigned k = 0; k < kNumViolationKinds; ++k)
        for (auto& x : v.recorded())
            if (static_cast<unsigned>(x.kind) == k) {
                pick.push_back(&x);
                break;
            }
    for (auto& x : v.recorded()) {
        if (pick.size() >= first_n) break;
        if (std::find(pick.begin(), pick.end(), &x) == pick.end()) pick.push_back(&x);
    }
    std::sort(pick.begin(), pick.end(), [](const Violation* a, const Violation* b) { return a->cycle < b->cycle; });
    for (auto* x : pick) {
        if (shown++ >= first_n) break;
        os << "  cycle " << x->cycle << "  " << violation_kind_name(x->kind) << "  " << x->reg << "  reader " << x->reader
           << "  source " << x->source << "  step " << x->step << "\n      expected " << hex_string(x->expected) << "  actual "
           << hex_string(x->actual) << "  " << x->detail << "\n";
    }
    os << format_programs(r.programs, first_n);
    if (!r.host_migrations.empty()) os << "\nmigrations to another host\n";
    const bool dest_cpus = std::count_if(r.per_cpu.begin(), r.per_cpu.end(), [](const RunReport& c) { return c.destination_host; }) > 1;
    for (auto& m : r.host_migrations) {
        os << "  " << m.vcpu << " at cycle " << m.cycle << ": " << m.from << " (cpu " << m.from_cpu << ") -> " << m.to;
        if (dest_cpus && m.moved) os << " (cpu " << m.to_cpu << ")";
        os << ": ";
        if (m.moved) os << "moved, " << m.saved << " MSRs saved, " << m.restored << " set (with PERF_CAPABILITIES)\n";
        else os << "refused at " << m.refused << " (" << m.why << "); the guest runs on at the source\n";
        if (!m.lost.empty()) {
            os << "      the destination's msrs_to_save lacks:";
            for (auto& x : m.lost) os << ' ' << x;
            os << "\n";
        }
    }
    // A host with several CPUs: each CPU's section (its host, steps and violations).
    for (auto& c : r.per_cpu) {
        os << "\n---- cpu " << c.cpu_index << (c.destination_host ? " (destination host)" : "") << " ----\n";
        std::string sec = format_run(c, first_n);
        os << sec.substr(sec.find('\n') + 1);
    }
    return os.str();
}

std::string access_text(const ProgramRecord& x) {
    std::ostringstream os;
    os << access_kind_name(x.kind) << ' ' << x.reg;
    if (x.kind == AccessKind::Wrmsr) os << " <- " << hex_string(x.written);
    if (x.seen.gp) os << ": #GP";
    else if (x.kind != AccessKind::Wrmsr) os << ": " << hex_string(x.seen.value);
    os << (x.seen.exited ? " (exited)" : " (passed through)");
    return os.str();
}

std::string format_programs(const ProgramLog& p, size_t first_n) {
    if (!p.accesses) return {};
    std::ostringstream os;
    os << "\nguest programs: " << p.accesses << " accesses, " << p.checked << " expectations, " << p.failed << " failed\n";
    size_t shown = 0;
    for (auto& x : p.records) {
        if (x.failure.empty()) continue;
        if (shown++ >= first_n) break;
        os << "  " << x.guest_name << " cycle " << x.cycle << " (guest " << x.seen.local << ") " << x.where
           << (x.label.empty() ? "" : " [" + x.label + "]") << "\n      " << access_text(x) << "; " << x.failure << "\n";
    }
    return os.str();
}

// Column-oriented, so that Python makes a frame of it without a row loop.
nlohmann::json programs_json(const ProgramLog& p) {
    static const char* kinds[] = {"rdmsr", "wrmsr", "rdpmc"};
    nlohmann::json j;
    j["accesses"] = p.accesses;
    j["checked"] = p.checked;
    j["failed"] = p.failed;
    nlohmann::json c;
    for (const char* k : {"guest", "cycle", "guest_cycle", "op", "index", "register", "written", "value", "gp", "exited",
                          "bare_value", "bare_gp", "label", "where", "expect", "failure"})
        c[k] = nlohmann::json::array();
    for (auto& x : p.records) {
        c["guest"].push_back(x.guest_name);
        c["cycle"].push_back(x.cycle);
        c["guest_cycle"].push_back(x.seen.local);
        c["op"].push_back(kinds[int(x.kind)]);
        c["index"].push_back(x.index);
        c["register"].push_back(x.reg);
        c["written"].push_back(x.written);
        c["value"].push_back(x.seen.value);
        c["gp"].push_back(x.seen.gp);
        c["exited"].push_back(x.seen.exited);
        c["bare_value"].push_back(x.ref_value);
        c["bare_gp"].push_back(x.ref_gp);
        c["label"].push_back(x.label);
        c["where"].push_back(x.where);
        c["expect"].push_back(x.expect);
        c["failure"].push_back(x.failure);
    }
    j["records"] = c;
    return j;
}

namespace {
nlohmann::json run_json_value(const RunReport& r) {
    nlohmann::json j;
    j["pmusim_version"] = version();
    j["scenario"] = r.scenario;
    j["cpu"] = r.cpu;
    j["protocol"] = r.protocol;
    j["cycles"] = r.cycles;
    j["clean"] = r.clean();
    j["transition_cycles"] = r.transition_cycles;
    j["step_cycles"] = r.step_cycles;
    auto num = [](double x) { return std::isnan(x) ? nlohmann::json() : nlohmann::json(x); };
    j["contexts"] = nlohmann::json::array();
    for (auto& c : r.contexts) {
        nlohmann::json x;
        x["name"] = c.name;
        x["guest"] = c.guest;
        x["cycles"] = c.cycles;
        x["counted_cycles"] = c.counted_cycles;
        x["entries"] = c.entries;
        x["exits"] = c.exits;
        x["samples"] = c.samples;
        x["pmis"] = c.pmis;
        x["pmis_masked"] = c.pmis_masked;
        x["pmis_inhibited"] = c.pmis_inhibited;
        x["counts"] = nlohmann::json::object();
        for (auto& [n, v] : c.counts) x["counts"][n] = {v.first, v.second};
        if (!c.denied.empty()) x["denied"] = c.denied;
        x["topdown_method"] = c.topdown_method;
        x["topdown"] = nlohmann::json::object();
        if (c.has_topdown)
            for (unsigned k = 0; k < tma::kNumNodes; ++k)
                if (!std::isnan(c.reported[k]))
                    x["topdown"][tma::node_name(static_cast<tma::Node>(k))] = {num(c.reported[k]), num(c.truth_breakdown[k])};
        j["contexts"].push_back(x);
    }
    auto& v = r.violations;
    j["violation_kinds"] = nlohmann::json::array();
    for (auto& k : violation_kinds()) {
        j["violation_counts"][k.name] = v.count(k.kind);
        j["violation_kinds"].push_back({{"name", k.name}, {"fires_when", k.fires_when}});
    }
    j["violations"] = nlohmann::json::array();
    for (auto& x : v.recorded())
        j["violations"].push_back({{"cycle", x.cycle},
                                   {"kind", violation_kind_name(x.kind)},
                                   {"register", x.reg},
                                   {"reader", x.reader},
                                   {"source", x.source},
                                   {"expected", x.expected},
                                   {"actual", x.actual},
                                   {"step", x.step},
                                   {"detail", x.detail}});
    nlohmann::json tl;
    tl["begin"] = nlohmann::json::array();
    tl["end"] = nlohmann::json::array();
    tl["context"] = nlohmann::json::array();
    for (auto& sp : r.timeline) {
        tl["begin"].push_back(sp.begin);
        tl["end"].push_back(sp.end);
        tl["context"].push_back(sp.ctx);
    }
    j["timeline"] = tl;
    j["programs"] = programs_json(r.programs);
    if (!r.tasks.empty()) j["host_tasks"] = nlohmann::json::array();
    for (auto& t : r.tasks) {
        nlohmann::json x{{"name", t.sum.name}, {"vcpu", t.vcpu}, {"counted_cycles", t.sum.counted_cycles},
                         {"switches", t.switches}, {"cpus", t.cpus}, {"counts", nlohmann::json::object()}};
        for (auto& [name, v] : t.sum.counts) x["counts"][name] = {v.first, v.second};
        j["host_tasks"].push_back(std::move(x));
    }
    j["passed"] = r.passed();
    return j;
}
}  // namespace

std::string run_json(const RunReport& r) {
    // The structure Python's pmusim.run_scenario returns (python/bindings/virt_bindings.cpp).
    nlohmann::json j = run_json_value(r);
    // A host with several CPUs: a section per CPU (its host context; its timeline names contexts
    // by their ids in `context_names`); each vCPU is in `contexts` once, with its moves.
    if (!r.per_cpu.empty()) {
        j["host_cpus"] = r.per_cpu.size();
        j["migrations"] = r.migrations;
        for (size_t i = 0; i < r.contexts.size(); ++i) j["contexts"][i]["migrations"] = r.contexts[i].migrations;
        if (!r.host_migrations.empty()) j["host_migrations"] = nlohmann::json::array();
        const bool dest_cpus = std::count_if(r.per_cpu.begin(), r.per_cpu.end(), [](const RunReport& c) { return c.destination_host; }) > 1;
        for (auto& m : r.host_migrations) {
            j["host_migrations"].push_back({{"vcpu", m.vcpu}, {"cycle", m.cycle}, {"from", m.from}, {"from_cpu", m.from_cpu},
                                            {"to", m.to}, {"moved", m.moved}, {"saved", m.saved}, {"restored", m.restored},
                                            {"refused", m.refused}, {"why", m.why}, {"lost", m.lost}});
            if (dest_cpus && m.moved) j["host_migrations"].back()["to_cpu"] = m.to_cpu;  // a destination of several CPUs
        }
        j["cpus"] = nlohmann::json::array();
        for (auto& c : r.per_cpu) {
            nlohmann::json x = run_json_value(c);
            x["cpu_index"] = c.cpu_index;
            x["context_names"] = c.ctx_names;
            if (c.destination_host) x["destination_host"] = true;
            j["cpus"].push_back(std::move(x));
        }
    }
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);  // any name: bad UTF-8 becomes U+FFFD
}

}  // namespace pmusim
