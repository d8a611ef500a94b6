#include "sim/virt/host.h"

#include <algorithm>

#include "models/cpu/cpu_config.h"
#include "sim/virt/host_reader.h"

namespace pmusim {

namespace {
bool may_meet(const GuestSpec& a, const GuestSpec& b) {
    if (a.affinity.empty() || b.affinity.empty()) return true;
    for (unsigned c : a.affinity)
        if (std::find(b.affinity.begin(), b.affinity.end(), c) != b.affinity.end()) return true;
    return false;
}
}  // namespace

std::vector<int> guest_context_ids(const Scenario& s) {
    std::vector<int> ids;
    if (s.guests.size() <= 30) {
        for (size_t i = 0; i < s.guests.size(); ++i) ids.push_back(int(i) + 1);
        return ids;
    }
    for (size_t i = 0; i < s.guests.size(); ++i) {
        uint32_t taken = 0;
        for (size_t j = 0; j < i; ++j)
            if (may_meet(s.guests[i], s.guests[j])) taken |= 1u << ids[j];
        int id = 1;
        while (id <= 30 && (taken >> id) & 1u) ++id;
        if (id > 30)
            throw ConfigError("guests." + s.guests[i].name + ".affinity",
                              "more than 30 guests may share a CPU with it (a provenance bit each); narrow the affinities");
        ids.push_back(id);
    }
    return ids;
}

void check_host_cpus(const Scenario& s) {
    const unsigned n = s.host.cpus;
    const auto outside = [&](unsigned c) { return "CPU " + std::to_string(c) + " is not on a host of " + std::to_string(n) + " CPU(s) (host.cpus)"; };
    if (n < 1 || n > kMaxHostCpus) throw ConfigError("host.cpus", "expected 1 to " + std::to_string(kMaxHostCpus) + ", got " + std::to_string(n));
    if (s.destination && (s.destination->host.cpus < 1 || n + s.destination->host.cpus > kMaxHostCpus))
        throw ConfigError("destination.cpus", "expected 1 to " + std::to_string(kMaxHostCpus - n) + " (at most " + std::to_string(kMaxHostCpus) +
                                                  " CPUs with host.cpus), got " + std::to_string(s.destination->host.cpus));
    for (const GuestSpec& g : s.guests)
        for (unsigned c : g.affinity)
            if (c >= n) throw ConfigError("guests." + g.name + ".affinity", outside(c));
    for (const CpuMove& m : s.moves)
        if (m.cpu >= n) throw ConfigError(m.where + ".cpu", outside(m.cpu));
    if (n == 1 && s.guests.size() > 30)
        throw ConfigError("guests", "at most 30 guests on one CPU (a provenance bit each); give host.cpus and affinities for more");
}

Host::Host(const Scenario& s, const Protocol& p) : sc_(s), rng_(s.seed ^ 0x9e3779b97f4a7c15ull) {
    const unsigned n = s.host.cpus + (s.destination ? s.destination->host.cpus : 0);
    if (!p.mediated())
        throw ConfigError(s.destination ? "destination" : "host.cpus", "a host with several CPUs runs the mediated vPMU only (the legacy vPMU's "
                                       "backing perf events would follow the vCPU threads: not modelled)");
    check_host_cpus(s);
    const std::vector<int> ids = guest_context_ids(s);
    std::vector<unsigned> load(n, 0), start(s.guests.size(), 0);
    for (size_t i = 0; i < s.guests.size(); ++i) {
        std::vector<unsigned> a = s.guests[i].affinity;
        if (a.empty())
            for (unsigned k = 0; k < s.host.cpus; ++k) a.push_back(k);
        // It starts on the CPU of its affinity with the fewest vCPUs (the lowest on a tie).
        start[i] = *std::min_element(a.begin(), a.end(), [&](unsigned x, unsigned y) { return load[x] < load[y] || (load[x] == load[y] && x < y); });
        ++load[start[i]];
        allowed_.push_back(std::move(a));
    }
    for (unsigned k = 0; k < n; ++k) {
        Hypervisor::Placement pl;
        pl.index = k;
        pl.ctx = ids;
        const bool destination = k >= s.host.cpus;  // any guest may migrate there
        for (size_t i = 0; i < s.guests.size(); ++i) {
            pl.allowed.push_back(destination || std::find(allowed_[i].begin(), allowed_[i].end(), k) != allowed_[i].end());
            pl.starts.push_back(!destination && start[i] == k);
        }
        Scenario cs = s;
        if (destination) {
            cs.cpu = s.destination->cpu;
            cs.overrides = s.destination->overrides;
            cs.host.workload = s.destination->host.workload;
            cs.host.perf = s.destination->host.perf;
            cs.host.slice = s.destination->host.slice;
        }
        cs.vmm.clear();                      // the host runs them on the vCPU's CPU (vmm_due)
        cs.moves.clear();                    // its preemptions only (the moves are the host's)
        for (const CpuMove& m : s.moves)
            if (m.preempt && m.cpu == k) cs.moves.push_back(m);
        cs.seed = s.seed + 7919ull * k;      // each CPU its own draws; CPU 0 keeps the scenario's
        try {
            cpus_.push_back(std::make_unique<Hypervisor>(cs, p, pl));
        } catch (const ConfigError& e) {
            if (!destination) throw;
            throw ConfigError("destination." + e.field(), std::string(e.what()).substr(e.field().size() + 2));
        }
    }
    for (unsigned k = 0; k < n; ++k)
        for (auto& v : cpus_[k]->engine().vcpus) {
            const size_t i = size_t(std::find_if(s.guests.begin(), s.guests.end(), [&](const GuestSpec& g) { return g.name == v->spec.name; }) - s.guests.begin());
            v->source_on.assign(n, -1);
            for (unsigned c = 0; c < n; ++c) v->source_on[c] = cpus_[c]->source_of_guest(i);
        }
    next_.assign(n, 0);
    move_done_.assign(s.moves.size(), false);
}

Host::~Host() = default;

void Host::select_signals(const std::vector<std::string>& s) {
    for (auto& c : cpus_) c->select_signals(s);
}

std::string cpu_vcd_path(const std::string& path, unsigned cpu) {
    const size_t slash = path.find_last_of('/'), dot = path.find_last_of('.');
    const std::string tag = ".cpu" + std::to_string(cpu);
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return path + tag;
    return path.substr(0, dot) + tag + path.substr(dot);
}

// The next vCPU of CPU k's queue that may run now (it left its last CPU no later than now).
Vcpu* Host::next_vcpu(unsigned k) {
    auto& q = cpus_[k]->engine().vcpus;
    const uint64_t now = cpus_[k]->cycle();
    for (size_t i = 0; i < q.size(); ++i) {
        const size_t j = (next_[k] + i) % q.size();
        if (q[j]->ready_at <= now) {
            next_[k] = j + 1;
            return q[j].get();
        }
    }
    return nullptr;
}

// Where v goes when it yields CPU k: a due `schedule` move, or (seeded) another CPU of its
// affinity; -1: it stays.
int Host::move_target(const Vcpu& v, unsigned k) {
    if (k >= sc_.host.cpus) return destination_move(k);  // on the destination host: it stays there
    int to = -1;
    for (size_t i = 0; i < sc_.moves.size() && sc_.moves[i].at <= cpus_[k]->cycle(); ++i)
        if (!move_done_[i] && !sc_.moves[i].preempt && sc_.moves[i].vcpu == v.spec.name) {
            move_done_[i] = true;
            to = int(sc_.moves[i].cpu);
        }
    if (to >= 0) return to == int(k) ? -1 : to;
    const size_t g = size_t(std::find_if(sc_.guests.begin(), sc_.guests.end(), [&](const GuestSpec& s) { return s.name == v.spec.name; }) - sc_.guests.begin());
    const auto& a = allowed_[g];
    if (sc_.host.migrate <= 0 || a.size() < 2) return -1;
    if (std::uniform_real_distribution<double>(0, 1)(rng_) >= sc_.host.migrate) return -1;
    unsigned pick = unsigned(std::uniform_int_distribution<size_t>(0, a.size() - 2)(rng_));
    std::vector<unsigned> others;
    for (unsigned c : a)
        if (c != k) others.push_back(c);
    return int(others[pick]);
}

void Host::move(Vcpu& v, unsigned from, unsigned to) {
    cpus_[to]->adopt(cpus_[from]->release(v));
    ++migrations_;
}

// VMM actions at or before the cycle of CPU k: on the CPU of the vCPU they name (between turns no
// vCPU is in guest mode anywhere); an event filter on every CPU (each installs it on its vCPUs).
void Host::vmm_due(unsigned k) {
    while (next_vmm_ < sc_.vmm.size() && sc_.vmm[next_vmm_].at <= cpus_[k]->cycle()) {
        const VmmAction& a = sc_.vmm[next_vmm_++];
        if (a.to_destination) {
            migrate_to_destination(a);
            continue;
        }
        for (auto& c : cpus_) {
            if (a.kind == VmmAction::Kind::EventFilter) {
                c->vmm_action(a);
                continue;
            }
            for (auto& v : c->engine().vcpus)
                if (v->spec.name == a.vcpu) {
                    c->vmm_action(a);
                    break;
                }
        }
    }
}

RunReport Host::run(const std::string& vcd, uint64_t vcd_sample) {
    for (unsigned k = 0; k < cpus(); ++k) cpus_[k]->begin_run(vcd.empty() ? vcd : cpu_vcd_path(vcd, k), vcd_sample);
    for (;;) {
        // The CPU furthest behind takes the next turn (the lowest number on a tie).
        int k = -1;
        for (unsigned c = 0; c < cpus(); ++c)
            if (!cpus_[c]->done() && (k < 0 || cpus_[c]->cycle() < cpus_[size_t(k)]->cycle())) k = int(c);
        if (k < 0) break;
        const unsigned cpu = unsigned(k);
        vmm_due(cpu);
        Vcpu* v = next_vcpu(cpu);
        cpus_[cpu]->turn(v);
        if (!v || cpus_[cpu]->done()) continue;
        const int to = move_target(*v, cpu);
        if (to >= 0) move(*v, cpu, unsigned(to));
    }
    std::vector<RunReport> per;
    for (auto& c : cpus_) per.push_back(c->finish_run());
    RunReport rep = merge_cpu_reports(sc_, std::move(per), migrations_);
    rep.host_migrations = host_migrations_;
    for (auto& c : rep.per_cpu) c.destination_host = c.cpu_index >= sc_.host.cpus;
    return rep;
}

}  // namespace pmusim
