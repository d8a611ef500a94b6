#include "sim/virt/host_reader.h"

#include <algorithm>

namespace pmusim {

void read_host_cpus(const YamlReader& r, const YAML::Node& h, HostSpec& out) {
    if (h["cpus"]) out.cpus = unsigned(r.count(h["cpus"], "host.cpus", 1, kMaxHostCpus));
    if (auto m = h["migrate"]) {
        out.migrate = r.number(m, "host.migrate");
        if (!(out.migrate >= 0 && out.migrate <= 1)) r.fail(m, "host.migrate", "expected a probability from 0 to 1, got " + quote_value(m.Scalar()));
    }
}

std::vector<unsigned> read_affinity(const YamlReader& r, const YAML::Node& n, const std::string& path) {
    if (!n.IsSequence() || n.size() == 0) r.fail(n, path, "expected a list of host CPU numbers, e.g. [0, 1]");
    std::vector<unsigned> out;
    for (auto x : n) {
        const unsigned c = unsigned(r.count(x, path, 0, kMaxHostCpus - 1));
        if (std::find(out.begin(), out.end(), c) != out.end()) r.fail(x, path, "CPU " + std::to_string(c) + " listed twice");
        out.push_back(c);
    }
    return out;
}

void check_affinities(const YamlReader& r, const YAML::Node& guests, const Scenario& s) {
    for (size_t i = 0; i < s.guests.size(); ++i)
        for (unsigned c : s.guests[i].affinity)
            if (c >= s.host.cpus)
                r.fail(guests[i]["affinity"], "guests." + s.guests[i].name + ".affinity",
                       "CPU " + std::to_string(c) + " is not on a host of " + std::to_string(s.host.cpus) + " CPU(s) (host.cpus)");
}

std::vector<CpuMove> read_cpu_moves(const YamlReader& r, const YAML::Node& n, const std::string& path, const Scenario& s) {
    if (!n.IsSequence()) r.fail(n, path, "expected a list of moves ({at, vcpu, cpu}) and preemptions ({at, cpu, preempt})");
    std::vector<CpuMove> out;
    for (auto x : n) {
        const std::string at = path + "[" + std::to_string(out.size()) + "]";
        r.require_map(x, at);
        for (auto kv : x) {
            const std::string k = r.text(kv.first, at);
            if (k != "at" && k != "vcpu" && k != "cpu" && k != "preempt")
                r.fail(kv.first, at + "." + k, "unknown key (known: at, cpu, preempt, vcpu)");
        }
        CpuMove m;
        m.where = at;
        m.at = r.count(x["at"], at + ".at", 0, kMaxRunCycles);
        m.cpu = unsigned(r.count(x["cpu"], at + ".cpu", 0, kMaxHostCpus - 1));
        if (!out.empty() && m.at < out.back().at) r.fail(x["at"], at + ".at", "entries must be in cycle order");
        if (x["preempt"]) {
            if (x["vcpu"]) r.fail(x["vcpu"], at + ".vcpu", "a preemption names a CPU, not a vCPU (a move names both)");
            m.preempt = r.count(x["preempt"], at + ".preempt", 1, kMaxCostCycles);
            if (m.cpu >= s.host.cpus)
                r.fail(x["cpu"], at + ".cpu", "CPU " + std::to_string(m.cpu) + " is not on a host of " + std::to_string(s.host.cpus) + " CPU(s) (host.cpus)");
            out.push_back(m);
            continue;
        }
        m.vcpu = r.text(x["vcpu"], at + ".vcpu");
        const auto g = std::find_if(s.guests.begin(), s.guests.end(), [&](const GuestSpec& gs) { return gs.name == m.vcpu; });
        if (g == s.guests.end()) r.fail(x["vcpu"], at + ".vcpu", "no guest named " + quote_value(m.vcpu));
        if (m.cpu >= s.host.cpus)
            r.fail(x["cpu"], at + ".cpu", "CPU " + std::to_string(m.cpu) + " is not on a host of " + std::to_string(s.host.cpus) + " CPU(s) (host.cpus)");
        if (!g->affinity.empty() && std::find(g->affinity.begin(), g->affinity.end(), m.cpu) == g->affinity.end())
            r.fail(x["cpu"], at + ".cpu", "CPU " + std::to_string(m.cpu) + " is outside " + m.vcpu + "'s affinity");
        out.push_back(m);
    }
    return out;
}

}  // namespace pmusim
