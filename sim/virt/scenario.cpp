#include "sim/virt/scenario.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "models/virt/kvm_variants.h"
#include "models/virt/register_suite.h"
#include "sim/virt/event_filter_reader.h"
#include "sim/virt/host_reader.h"
#include "sim/virt/program_reader.h"
#include "sim/virt/scenario_sets.h"
#include "sim/virt/step_reader.h"
#include "sim/virt/vmm_reader.h"
#include "sim/workload_spec.h"
#include "sim/yaml_reader.h"

namespace pmusim {

Protocol Scenario::make_protocol() const {
    Protocol p = Protocol::builtin(protocol);
    for (auto& s : custom_steps) p.add_custom_step(s);
    for (auto& e : edits) p.apply(e);
    return p;
}

namespace {

class ScenarioReader : public YamlReader {
public:
    using YamlReader::YamlReader;

    // Rejects keys outside `known` (a misspelt key would otherwise be silently ignored).
    void keys(const YAML::Node& n, const std::string& path, const std::set<std::string>& known) const {
        require_map(n, path);
        for (auto kv : n) {
            const std::string k = text(kv.first, path);
            if (!known.count(k)) {
                std::string list;
                for (auto& x : known) list += (list.empty() ? "" : ", ") + x;
                fail(kv.first, path + "." + k, "unknown key (known: " + list + ")");
            }
        }
    }

    // A file named in the scenario: relative to the scenario file's folder.
    static bool is_file(const std::string& p) {
        const std::string ext = std::filesystem::path(p).extension().string();
        return ext == ".yaml" || ext == ".yml" || p.find('/') != std::string::npos;
    }
    std::string relative(const std::string& p) const {
        const std::filesystem::path f(p), dir = std::filesystem::path(origin_).parent_path();
        return f.is_absolute() || dir.empty() ? p : (dir / f).lexically_normal().string();
    }

    // A workload spec, checked now so a bad one is reported at its line; a file relative to
    // the scenario's folder.
    std::string workload(const YAML::Node& n, const std::string& path) const {
        std::string w = text(n, path);
        if (is_file(w)) w = relative(w);
        try {
            (void)parse_workload_spec(w);
        } catch (const std::exception& e) {
            fail(n, path, e.what());
        }
        return w;
    }

    // A guest program in its own YAML file (a list of instructions), errors naming that file.
    GuestProgram program_file(const YAML::Node& n, const std::string& path) const {
        const std::string f = relative(n.Scalar());
        std::string content;
        try {
            content = read_text_file(f, "guest program");
        } catch (const std::invalid_argument& e) {
            fail(n, path, e.what());
        }
        return read_yaml(content, f, [&](const YAML::Node& root) { return read_guest_program(YamlReader(f), root, "program"); });
    }

    Dist dist(const YAML::Node& n, const std::string& path, uint64_t max = kMaxCostCycles) const {
        if (n.IsScalar()) return Dist::fixed(count(n, path, 1, max));
        keys(n, path, {"dist", "min", "max", "mean", "value"});
        const std::string d = n["dist"] ? text(n["dist"], path + ".dist") : "uniform";
        // A field the distribution needs, or an error at the distribution's line.
        auto field = [&](const char* k) {
            if (!n[k]) fail(n, path + "." + k, std::string("missing: a ") + d + " distribution needs " + k);
            return count(n[k], path + "." + k, 1, max);
        };
        if (d == "fixed") return Dist::fixed(field("value"));
        if (d == "uniform") {
            const uint64_t lo = field("min"), hi = field("max");
            if (hi < lo) fail(n["max"], path + ".max", "must be >= min");
            return Dist::uniform(lo, hi);
        }
        if (d == "exponential") return {Dist::Kind::Exponential, field("mean"), 0};
        fail(n["dist"], path + ".dist", "expected fixed, uniform or exponential, got " + quote_value(d));
    }

    AgentConfig agent(const YAML::Node& n, const std::string& path) const {
        keys(n, path, {"events", "topdown", "interval", "sample"});
        AgentConfig a;
        if (auto e = n["events"]) {
            if (!e.IsSequence()) fail(e, path + ".events", "expected a list of event names");
            for (auto x : e) a.events.push_back(text(x, path + ".events"));
        }
        if (n["topdown"]) a.topdown = boolean(n["topdown"], path + ".topdown");
        if (n["interval"]) a.interval = count(n["interval"], path + ".interval");
        if (auto s = n["sample"]) {
            keys(s, path + ".sample", {"event", "period", "handler_cycles", "ack"});
            a.sample_event = text(s["event"], path + ".sample.event");
            a.sample_period = count(s["period"], path + ".sample.period");
            if (s["handler_cycles"]) a.handler_cycles = count(s["handler_cycles"], path + ".sample.handler_cycles", 0);
            if (auto k = s["ack"]) {
                const std::string ack = text(k, path + ".sample.ack");
                if (ack != "late" && ack != "early") fail(k, path + ".sample.ack", "expected late or early, got '" + ack + "'");
                a.late_ack = ack == "late";
            }
        }
        return a;
    }

    VpmuConfig vpmu(const YAML::Node& n, const std::string& path) const {
        keys(n, path, {"version", "gp", "fixed", "fw_write", "perf_metrics"});
        VpmuConfig v;
        // The widths of their CPUID fields: leaf 0xA EAX[7:0], EAX[15:8], EDX[4:0] (SDM Vol. 2A, CPUID).
        if (n["version"]) v.version = unsigned(count(n["version"], path + ".version", 0, 255));
        if (n["gp"]) v.num_gp = unsigned(count(n["gp"], path + ".gp", 0, 255));
        if (n["fixed"]) v.num_fixed = unsigned(count(n["fixed"], path + ".fixed", 0, 31));
        if (n["fw_write"]) v.fw_write = boolean(n["fw_write"], path + ".fw_write");
        if (n["perf_metrics"]) v.perf_metrics = boolean(n["perf_metrics"], path + ".perf_metrics");
        return v;
    }

    // A guest's vPMU as a VMM sets it: CPUID leaf 0xA and PERF_CAPABILITIES, refreshed by KVM.
    void userspace(const YAML::Node& g, const std::string& at, GuestSpec& spec, const Scenario& s) const {
        if (!g["cpuid"] && !g["perf_capabilities"]) return;
        if (g["vpmu"]) fail(g["vpmu"], at + ".vpmu", "give vpmu, or cpuid/perf_capabilities as a VMM sets them, not both");
        CpuConfig host;
        try {
            host = make_cpu_config(s.cpu, s.overrides);
        } catch (const ConfigError& e) {
            fail(g, "cpu", e.what());
        }
        const bool mediated = s.protocol != "legacy";
        spec.userspace = true;
        spec.cpuid = supported_pmu_cpuid(host);
        spec.perf_capabilities = supported_perf_capabilities(host, mediated);
        if (g["cpuid"]) spec.cpuid = read_cpuid(*this, g["cpuid"], at + ".cpuid", spec.cpuid);
        if (g["perf_capabilities"]) spec.perf_capabilities = read_u64(*this, g["perf_capabilities"], at + ".perf_capabilities");
    }

    Overrides overrides(const YAML::Node& o, const std::string& path) const {
        require_map(o, path);
        Overrides out;
        for (auto kv : o) out[text(kv.first, path)] = count(kv.second, path + "." + kv.first.Scalar(), 0);
        return out;
    }

    Scenario scenario(const YAML::Node& root) const {
        Scenario s;
        keys(root, "scenario", {"name", "description", "cpu", "overrides", "mode", "cycles", "seed", "protocol", "steps",
                                "costs", "vmcs", "intercepts", "host", "guests", "kvm_workload", "checks", "vmm",
                                "kvm_variants", "event_filter", "schedule", "destination"});
        if (root["name"]) s.name = text(root["name"], "name");
        if (root["description"]) s.description = text(root["description"], "description");
        if (root["cpu"]) s.cpu = text(root["cpu"], "cpu");
        if (auto o = root["overrides"]) s.overrides = overrides(o, "overrides");
        if (root["mode"]) {
            const std::string m = text(root["mode"], "mode");
            if (m == "fast") s.mode = TimeMode::Fast;
            else if (m == "per_cycle") s.mode = TimeMode::PerCycle;
            else fail(root["mode"], "mode", "expected fast or per_cycle, got " + quote_value(m));
        }
        if (root["cycles"]) s.cycles = count(root["cycles"], "cycles", 1, kMaxRunCycles);
        if (root["seed"]) s.seed = count(root["seed"], "seed", 0);
        if (root["kvm_workload"]) s.kvm_workload = workload(root["kvm_workload"], "kvm_workload");
        if (auto p = root["protocol"]) {
            if (p.IsScalar()) s.protocol = text(p, "protocol");
            else {
                keys(p, "protocol", {"base", "edits"});
                if (p["base"]) s.protocol = text(p["base"], "protocol.base");
                if (auto e = p["edits"]) {
                    if (!e.IsSequence()) fail(e, "protocol.edits", "expected a list of edits");
                    for (auto x : e) {
                        try {
                            s.edits.push_back(parse_protocol_edit(text(x, "protocol.edits")));
                        } catch (const std::invalid_argument& err) {
                            fail(x, "protocol.edits", err.what());
                        }
                    }
                }
            }
        }
        if (auto st = root["steps"]) s.custom_steps = read_custom_steps(*this, st, "steps");
        if (auto c = root["costs"]) {
            keys(c, "costs", {"vmentry", "vmexit", "msr_read", "msr_write", "rdpmc", "apic", "msr_store_list", "step", "fastpath",
                               "exit_handling"});
            auto get = [&](const char* k, uint64_t& v) {
                if (c[k]) v = count(c[k], std::string("costs.") + k, 0, kMaxCostCycles);
            };
            get("vmentry", s.costs.vmentry);
            get("vmexit", s.costs.vmexit);
            get("msr_read", s.costs.msr_read);
            get("msr_write", s.costs.msr_write);
            get("rdpmc", s.costs.rdpmc);
            get("apic", s.costs.apic);
            get("msr_store_list", s.costs.msr_store_list);
            get("step", s.costs.step);
            get("fastpath", s.costs.fastpath);
            if (c["exit_handling"]) s.costs.exit_handling = dist(c["exit_handling"], "costs.exit_handling");
        }
        if (auto v = root["intercepts"]) {
            keys(v, "intercepts", {"need_perf_metrics_intercept"});
            if (v["need_perf_metrics_intercept"])
                s.intercepts.need_perf_metrics_intercept =
                    boolean(v["need_perf_metrics_intercept"], "intercepts.need_perf_metrics_intercept");
        }
        if (auto v = root["vmcs"]) {
            keys(v, "vmcs", {"entry_load_global_ctrl", "exit_load_global_ctrl", "save"});
            if (v["entry_load_global_ctrl"]) s.vmcs.entry_load_global_ctrl = boolean(v["entry_load_global_ctrl"], "vmcs.entry_load_global_ctrl");
            if (v["exit_load_global_ctrl"]) s.vmcs.exit_load_global_ctrl = boolean(v["exit_load_global_ctrl"], "vmcs.exit_load_global_ctrl");
            if (v["save"]) s.vmcs.save = text(v["save"], "vmcs.save");
        }
        if (auto h = root["host"]) {
            keys(h, "host", {"workload", "perf", "slice", "cpus", "migrate", "task"});
            read_host_cpus(*this, h, s.host);
            if (auto t = h["task"]) {
                keys(t, "host.task", {"vcpu", "perf"});
                s.host.task.vcpu = text(t["vcpu"], "host.task.vcpu");
                if (t["perf"]) s.host.task.perf = agent(t["perf"], "host.task.perf");
            }
            if (h["workload"]) s.host.workload = workload(h["workload"], "host.workload");
            if (h["perf"]) s.host.perf = agent(h["perf"], "host.perf");
            if (h["slice"]) s.host.slice = dist(h["slice"], "host.slice", kMaxRunCycles);
        }
        if (auto d = root["destination"]) {
            // The second host: one CPU, its preset and overrides (checked when its PMU is made).
            keys(d, "destination", {"cpu", "overrides", "workload", "perf", "slice", "cpus", "migrate"});
            DestinationSpec x;
            if (d["cpu"]) x.cpu = text(d["cpu"], "destination.cpu");
            if (d["overrides"]) x.overrides = overrides(d["overrides"], "destination.overrides");
            if (d["workload"]) x.host.workload = workload(d["workload"], "destination.workload");
            if (d["perf"]) x.host.perf = agent(d["perf"], "destination.perf");
            if (d["slice"]) x.host.slice = dist(d["slice"], "destination.slice", kMaxRunCycles);
            if (d["cpus"]) x.host.cpus = unsigned(count(d["cpus"], "destination.cpus", 1, kMaxHostCpus));
            if (auto m = d["migrate"]) {
                x.host.migrate = number(m, "destination.migrate");
                if (!(x.host.migrate >= 0 && x.host.migrate <= 1))
                    fail(m, "destination.migrate", "expected a probability from 0 to 1, got " + quote_value(m.Scalar()));
            }
            s.destination = x;
        }
        if (auto gs = root["guests"]) {
            if (!gs.IsSequence()) fail(gs, "guests", "expected a list of guests");
            std::set<std::string> names;
            for (auto g : gs) {
                GuestSpec spec;
                require_map(g, "guests[" + std::to_string(s.guests.size()) + "]");
                spec.name = g["name"] ? text(g["name"], "guests.name") : "vm" + std::to_string(s.guests.size());
                const std::string at = "guests." + spec.name;
                if (!names.insert(spec.name).second) fail(g, at, "duplicate guest name");
                if (spec.name == "host" || spec.name == "kvm") fail(g, at, "reserved name");
                keys(g, at, {"name", "workload", "vpmu", "perf", "run", "exits", "program", "cpuid", "perf_capabilities", "affinity"});
                if (g["affinity"]) spec.affinity = read_affinity(*this, g["affinity"], at + ".affinity");
                if (g["workload"]) spec.workload = workload(g["workload"], at + ".workload");
                if (g["vpmu"]) spec.vpmu = vpmu(g["vpmu"], at + ".vpmu");
                userspace(g, at, spec, s);
                if (g["perf"]) spec.perf = agent(g["perf"], at + ".perf");
                if (g["run"]) spec.run = dist(g["run"], at + ".run", kMaxRunCycles);
                if (auto pr = g["program"]) {
                    if (pr.IsScalar() && is_file(pr.Scalar())) {
                        spec.program = program_file(pr, at + ".program");
                    } else if (pr.IsScalar()) {
                        spec.builtin = text(pr, at + ".program");
                        const auto names = builtin_program_names();
                        if (std::find(names.begin(), names.end(), spec.builtin) == names.end())
                            fail(pr, at + ".program", "no built-in program " + quote_value(spec.builtin) + " (built-in: register_suite)");
                    } else {
                        spec.program = read_guest_program(*this, pr, at + ".program");
                    }
                }
                if (auto e = g["exits"]) {
                    keys(e, at + ".exits", {"timer", "external", "hlt"});
                    if (e["timer"]) spec.w_timer = number(e["timer"], at + ".exits.timer");
                    if (e["external"]) spec.w_external = number(e["external"], at + ".exits.external");
                    if (e["hlt"]) spec.w_hlt = number(e["hlt"], at + ".exits.hlt");
                    const double sum = spec.w_timer + spec.w_external + spec.w_hlt;
                    if (spec.w_timer < 0 || spec.w_external < 0 || spec.w_hlt < 0 || !(sum > 0) || !std::isfinite(sum))
                        fail(e, at + ".exits", "weights must be >= 0, with a finite sum above 0");
                }
                s.guests.push_back(spec);
            }
            if (s.guests.size() > max_guests(s.host)) fail(gs, "guests", "at most " + std::to_string(max_guests(s.host)) + " guests with host.cpus " + std::to_string(s.host.cpus));
        }
        if (auto kv = root["kvm_variants"]) {
            if (!kv.IsSequence()) fail(kv, "kvm_variants", "expected a list of variant names");
            for (auto x : kv) {
                try {
                    s.kvm_variants |= uint32_t(kvm_variant_named(text(x, "kvm_variants")));
                } catch (const std::invalid_argument& e) {
                    fail(x, "kvm_variants", e.what());
                }
            }
        }
        if (auto v = root["vmm"]) {
            s.vmm = read_vmm_actions(*this, v, "vmm");
            for (auto& a : s.vmm)
                if (a.kind != VmmAction::Kind::EventFilter && std::none_of(s.guests.begin(), s.guests.end(), [&](const GuestSpec& g) { return g.name == a.vcpu; }))
                    fail(v, "vmm", a.where + ": no guest named " + quote_value(a.vcpu));
            for (auto& a : s.vmm)
                if (a.to_destination && !s.destination)
                    throw std::invalid_argument(a.where + ".migrate.to: the scenario has no destination host (destination:)");
        }
        check_affinities(*this, root["guests"], s);
        if (!s.host.task.vcpu.empty() && std::none_of(s.guests.begin(), s.guests.end(), [&](const GuestSpec& g) { return g.name == s.host.task.vcpu; }))
            fail(root["host"]["task"]["vcpu"], "host.task.vcpu", "no guest named " + quote_value(s.host.task.vcpu) + " (the task is that vCPU's thread)");
        if (auto m = root["schedule"]) s.moves = read_cpu_moves(*this, m, "schedule", s);
        if (auto f = root["event_filter"]) s.event_filter = read_event_filter(*this, f, "event_filter");
        if (auto c = root["checks"]) {
            keys(c, "checks", {"perf_metrics_tolerance_lsb", "max_recorded", "guest_pmi_delay", "host_pmi_delay",
                               "max_program_records", "max_timeline_spans"});
            if (c["max_timeline_spans"]) s.checks.max_timeline_spans = count(c["max_timeline_spans"], "checks.max_timeline_spans");
            if (c["max_program_records"]) s.checks.max_program_records = count(c["max_program_records"], "checks.max_program_records");
            if (c["guest_pmi_delay"]) s.checks.guest_pmi_delay = count(c["guest_pmi_delay"], "checks.guest_pmi_delay", 1, kMaxCostCycles);
            if (c["host_pmi_delay"]) s.checks.host_pmi_delay = count(c["host_pmi_delay"], "checks.host_pmi_delay", 1, kMaxCostCycles);
            if (auto t = c["perf_metrics_tolerance_lsb"]) {
                // In LSBs of a PERF_METRICS field (8 bits): negative would flag every restore.
                s.checks.perf_metrics_tolerance_lsb = number(t, "checks.perf_metrics_tolerance_lsb");
                if (s.checks.perf_metrics_tolerance_lsb < 0 || s.checks.perf_metrics_tolerance_lsb > 255)
                    fail(t, "checks.perf_metrics_tolerance_lsb", "must be within 0..255, got " + quote_value(t.Scalar()));
            }
            if (c["max_recorded"]) s.checks.max_recorded = count(c["max_recorded"], "checks.max_recorded");
        }
        // The protocol and its edits must make sense now, not at run time.
        try {
            (void)s.make_protocol();
        } catch (const std::invalid_argument& e) {
            fail(root["protocol"] ? root["protocol"] : root, "protocol", e.what());
        }
        return s;
    }
};

}  // namespace

Scenario parse_scenario_yaml(const std::string& text, const std::string& origin, const std::vector<std::string>& sets) {
    Scenario s = read_yaml(text, origin, [&](const YAML::Node& root) {
        apply_scenario_sets(root, sets, origin);
        try {
            return ScenarioReader(origin).scenario(root);
        } catch (const std::invalid_argument& e) {
            // A field with no line that a --set wrote: say so (the file's own fields have lines).
            const std::string m = e.what(), at = printable(origin) + ": ";
            if (m.compare(0, at.size(), at) != 0) throw;
            const std::string field = m.substr(at.size(), m.find(": ", at.size()) - at.size());
            for (const std::string& set : sets)
                if (field.rfind(set.substr(0, set.find('=')), 0) == 0) throw std::invalid_argument(m + " (from --set " + quote_value(set) + ")");
            throw;
        }
    });
    s.file = origin;
    return s;
}

Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& sets) {
    return parse_scenario_yaml(read_text_file(path, "scenario"), path, sets);
}

std::string scenario_library_dir() { return library_dir("PMUSIM_SCENARIOS", "scenarios"); }

std::vector<std::string> scenario_library() { return yaml_stems(scenario_library_dir()); }

Scenario load_scenario(const std::string& spec, const std::vector<std::string>& sets) {
    if (spec.find('/') == std::string::npos && spec.find(".yaml") == std::string::npos) {
        for (auto& n : scenario_library())
            if (n == spec) return load_scenario_file(scenario_library_dir() + "/" + n + ".yaml", sets);
        std::string list;
        for (auto& n : scenario_library()) list += " " + n;
        throw std::invalid_argument("scenario " + quote_value(spec) + ": no such file or built-in scenario (built-in:" + list + ")");
    }
    return load_scenario_file(spec, sets);
}

}  // namespace pmusim
