// A host with several logical processors (docs/virtualization.md "A host with several CPUs"):
// each CPU is a Hypervisor with its own Machine (PMU), host perf (counting on that CPU, as
// `perf stat -a` opens one event per CPU), provenance, checkers and report; the vCPUs are
// scheduled on them. Every vCPU is one context wherever it runs: its KVM state, reference PMU,
// guest perf, program, PMI record and summary move with it from CPU to CPU.
//
// The scheduler (an assumption, stated in the docs): one run queue per CPU, round robin; a turn
// of a CPU is one host slice (the host's own tasks, which preempt the vCPU that ran before) and
// then the next vCPU of its queue, which runs until a timer or HLT exit. When a vCPU yields its
// CPU it moves to another CPU of its affinity with probability host.migrate (seeded), or as the
// scenario's `schedule` says. A vCPU that left a CPU at cycle t runs nowhere before cycle t.
// Time: each CPU's Machine keeps its own cycle; the CPU furthest behind takes the next turn.
#pragma once
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "sim/virt/hypervisor.h"

namespace pmusim {

// Context ids (provenance bits) of the scenario's guests: i + 1 with at most 30 guests;
// otherwise the smallest id not taken by a guest whose affinity overlaps (a bit is unique among
// the guests that can meet on a CPU). Throws ConfigError naming the guest when 30 are not enough.
std::vector<int> guest_context_ids(const Scenario& s);

// A scenario changed after it was read (Python, --set) is checked again before it runs: the CPU
// count, affinities and moves within it, at most 30 guests on one CPU. Throws ConfigError.
void check_host_cpus(const Scenario& s);

// A scenario's destination host (`destination:`) is destination.cpus more CPUs, after host.cpus:
// its own preset, overrides and host activity. No vCPU starts there; a vCPU gets there only by a
// VMM's migration (`migrate: {to: destination}`), arrives on the destination CPU with the fewest
// vCPUs (the lowest on a tie), and then stays on the destination host, moving between its CPUs
// with probability destination.migrate (seeded) when it yields one.
class Host {
public:
    Host(const Scenario& s, const Protocol& p);
    ~Host();
    // `vcd`: one waveform per CPU, PATH with ".cpuN" before its extension (VCD time only grows,
    // and the CPUs take turns out of time order).
    RunReport run(const std::string& vcd = {}, uint64_t vcd_sample = 0);
    void select_signals(const std::vector<std::string>& s);
    unsigned cpus() const { return unsigned(cpus_.size()); }
    Hypervisor& cpu(unsigned k) { return *cpus_.at(k); }

private:
    Vcpu* next_vcpu(unsigned k);
    int move_target(const Vcpu& v, unsigned k);
    void move(Vcpu& v, unsigned from, unsigned to);
    void vmm_due(unsigned k);
    void migrate_to_destination(const VmmAction& a);  // host_migration.cpp
    int destination_move(unsigned k);                 // a vCPU yielding destination CPU k: where it goes

    Scenario sc_;
    std::vector<std::unique_ptr<Hypervisor>> cpus_;
    std::vector<size_t> next_;               // per CPU: round-robin position in its queue
    std::vector<std::vector<unsigned>> allowed_;  // per guest: its CPUs
    std::vector<bool> move_done_;
    size_t next_vmm_ = 0;
    uint64_t migrations_ = 0;
    std::vector<HostMigration> host_migrations_;
    std::mt19937_64 rng_;
};

// One CPU's report per CPU merged into the run's: each vCPU listed once, every CPU's violations.
RunReport merge_cpu_reports(const Scenario& s, std::vector<RunReport> per_cpu, uint64_t migrations);
// PATH.vcd -> PATH.cpuN.vcd
std::string cpu_vcd_path(const std::string& path, unsigned cpu);

}  // namespace pmusim
