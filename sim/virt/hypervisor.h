// The virtualization layer's engine: one physical logical processor (a Machine on the SystemC
// platform) shared by the host and the guest vCPUs of a Scenario. The Hypervisor keeps the time
// line (host slices, VM-entries, guest runs, VM-exits and their handling) and executes every
// access: protocol steps (models/virt/steps_*.cpp) through the StepContext it implements,
// guest instructions passed through or emulated by KVM's vPMU (KvmVpmu), and the perf software
// of every context. Provenance and the checkers observe each access (sim/virt/checker.h).
#pragma once
#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "models/virt/protocol.h"
#include "models/virt/step_context.h"
#include "sim/virt/checker.h"
#include "sim/virt/engine.h"

namespace pmusim {

class PmuTrace;
class KvmVcpuUapi;

// A VMM's migration of a vCPU to the destination host (docs/virtualization.md "Migration to
// another host"; sim/virt/host_migration.cpp).
struct HostMigration {
    std::string vcpu, from, to;      // the hosts' CPU presets
    unsigned from_cpu = 0, to_cpu = 0;  // to_cpu: the destination CPU it arrived on (when moved)
    uint64_t cycle = 0;              // the source's cycle
    size_t saved = 0, restored = 0;  // MSRs KVM_GET_MSRS saved / KVM_SET_MSRS restored (with PERF_CAPABILITIES)
    bool moved = false;              // false: KVM refused; the VMM resumes the guest on the source
    std::string refused, why;        // the entry KVM refused, and KVM's reason
    std::vector<std::string> lost;   // saved MSRs the destination's msrs_to_save does not list
    // The vCPU's PMI state at the instant it was saved: KVM's GLOBAL_STATUS, its LVTPC's mask and
    // a KVM_REQ_PMI not yet injected (each moves with it: MSRs, KVM_GET/SET_LAPIC).
    uint64_t status = 0;
    bool lvtpc_masked = false, pmi_requested = false;
};

struct RunReport {
    std::string scenario, cpu, protocol;
    uint64_t cycles = 0;
    std::vector<ContextSummary> contexts;
    std::map<std::string, uint64_t> step_cycles;  // cycles spent in each step
    uint64_t transition_cycles = 0;               // all protocol steps and exit handling
    struct Span {
        uint64_t begin, end;
        int ctx;  // index into contexts
    };
    std::vector<Span> timeline;                   // who owned the cycles, consecutive spans merged
    ViolationLog violations;
    ProgramLog programs;                          // guest programs' accesses and expectations
    // A host with several CPUs (sim/virt/host.h): one report per CPU (its host, its violations,
    // its steps and timeline); `contexts` then lists each vCPU once and `violations` all CPUs'.
    std::vector<RunReport> per_cpu;
    unsigned cpu_index = 0;                       // in per_cpu: which CPU
    bool destination_host = false;                // in per_cpu: the CPU of the destination host
    std::vector<std::string> ctx_names;           // in per_cpu: context id -> name (timeline)
    uint64_t migrations = 0;                      // vCPU moves between CPUs
    std::vector<HostMigration> host_migrations;   // migrations to the destination host
    // Host tasks counted per task (host.task): name "task VCPU", counts (reported / truth) summed
    // over every CPU, counted_cycles, migrations = CPUs it ran on beyond the first.
    struct Task {
        ContextSummary sum;
        std::string vcpu;
        uint64_t switches = 0;
        std::vector<unsigned> cpus;
    };
    std::vector<Task> tasks;
    bool clean() const { return violations.total() == 0; }
    bool passed() const { return clean() && programs.failed == 0; }  // and every program expectation met
};

class Hypervisor : private StepContext {
public:
    Hypervisor(const Scenario& s, const Protocol& p);
    // One CPU of a host with several (sim/virt/host.h): CPU `index`; guest i may run here if
    // allowed[i], has context id ctx[i] and is made here (starts here) if starts[i].
    struct Placement {
        unsigned index = 0;
        std::vector<int> ctx;
        std::vector<bool> allowed, starts;
    };
    Hypervisor(const Scenario& s, const Protocol& p, const Placement& place);
    ~Hypervisor() override;
    // Runs the scenario to its end. `vcd`: write a waveform there (empty: none); `vcd_sample`:
    // also sample every that many cycles inside long runs (0: only at changes of context/step).
    RunReport run(const std::string& vcd = {}, uint64_t vcd_sample = 0);
    // KVM_SET_PMU_EVENT_FILTER (kvm_vm_ioctl_set_pmu_event_filter): validates `f` (throws
    // EventFilterError and keeps the filter in force, as KVM returns the error) and installs it
    // on every vCPU with every counter marked for reprogram, so each vCPU's next VM-entry loads
    // its selectors under it. KVM also kicks the vCPUs in guest mode; here a vCPU in guest mode
    // runs on until its next exit (the caller schedules that exit). event_filter_engine.cpp.
    void set_event_filter(const EventFilter& f);
    // Signals written to the waveform (names or prefixes ending in '*'; empty: all).
    void select_signals(std::vector<std::string> s) { vcd_select_ = std::move(s); }

    Machine& machine() { return *m_; }

    // A run in turns (sim/virt/host.h; run() is begin_run, turns, finish_run): host perf starts;
    // each turn is one host slice and then `v` (if any) runs until it yields the CPU; at the end
    // the vCPUs here take their final readings, then the host. hypervisor_cpu.cpp.
    void begin_run(const std::string& vcd, uint64_t vcd_sample);
    void turn(Vcpu* v);
    RunReport finish_run();
    uint64_t cycle() const;
    bool done() const { return cycle() >= end_; }
    Engine& engine() { return *e_; }
    // A vCPU leaves this CPU (between its turns) / arrives here, its workload going on where it
    // left off.
    std::unique_ptr<Vcpu> release(Vcpu& v);
    void adopt(std::unique_ptr<Vcpu> v);
    int source_of_guest(size_t i) const { return i < guest_source_.size() ? guest_source_[i] : -1; }
    void vmm_action(const VmmAction& a) { vmm_run(a); }
    // Live migration to another host (host_migration.cpp). On the source: KVM_GET_MSRS of the
    // PMU state, with the CPUID and PERF_CAPABILITIES the VMM gave the vCPU. On the destination:
    // whether a fresh vCPU there takes it (a trial; `m` says what KVM refused), then the restore
    // into `v`, which has arrived here: KVM_SET_CPUID2, then KVM_SET_MSRS in the VMM's order.
    struct PmuImage {
        PmuCpuid cpuid;
        uint64_t perf_caps = 0;
        std::vector<std::pair<uint32_t, uint64_t>> msrs;
    };
    PmuImage vmm_save(Vcpu& v, const VmmAction& a);
    bool vmm_restore_accepted(const Vcpu& v, const PmuImage& img, HostMigration& m) const;
    void vmm_restore(Vcpu& v, const VmmAction& a, const PmuImage& img);

private:
    enum class Exit { Timer, External, Hlt, Msr, Instr, Pmi, Nmi, Preempt, End };
    static const char* exit_name(Exit e);
    void make_vcpus();
    void run_vcpu(Vcpu& v);  // entries, runs and exits until it yields the CPU
    // The scenario's preemptions of this CPU (schedule: {at, cpu, preempt}): the next one's cycle,
    // and the host task of each one due, run after the vCPU it preempted yielded.
    uint64_t preempt_at() const { return next_preempt_ < preempts_.size() ? preempts_[next_preempt_].first : kForever; }
    void preempt_if_due();

    // time
    // Inline: every access's cost comes here (about 140 a VM exit), almost always to the idle path.
    void run_cycles(unsigned source, int owner, int tag, uint64_t n, bool stop_on_guest_pmi) {
        if (n == 0) return;
        e_->cw->append(source, n, owner, tag);
        // Nothing counts and no PMI is pending: no chunk observer can see these cycles (nothing
        // counted, no status bit set), so they only move the time (a step's cost, almost always).
        // An idle advance re-seeks the PMU's cursor as a changed schedule needs (Pmu::advance_idle).
        if (!stop_on_guest_pmi && !vcd_ && m_->advance_if_idle(n)) return;
        m_->workload_changed();
        run_chunks(owner, tag, n, stop_on_guest_pmi);
    }
    void run_chunks(int owner, int tag, uint64_t n, bool stop_on_pmi);  // run_cycles after the schedule append
    void route_pmis();
    bool legacy_overflow(Vcpu& v, unsigned hw_bit);  // true: the guest asked for a PMI
    void trace() {  // after every access and chunk: only a waveform costs more than this test
        if (vcd_) trace_now();
    }
    void trace_now();

    // accesses (hypervisor_access.cpp)
    KvmHw::Result hw(int actor, bool trusted, AccessKind k, uint32_t idx, uint64_t v, Taint t, bool charge = true,
                     uint64_t keep = 0, std::string_view what = {});
    Pmu::QuietResult through_machine(AccessKind k, uint32_t idx, uint64_t v);
    void unite_access_classes();  // access_classes_ from access_observers_, when that list changes
    void drain_host(OpQueue& q);
    bool guest_op(Vcpu& v);  // false: the op at the front exits
    GuestAccess pass_through(Vcpu& v, AccessKind k, uint32_t idx, uint64_t value);
    GuestAccess emulated(Vcpu& v, AccessKind k, uint32_t idx, uint64_t value);
    void emulate_front(Vcpu& v);

    // instructions KVM emulates (emulated_exits.cpp)
    bool fastpath(Vcpu& v);  // true: completed in KVM's fastpath, the guest runs on
    void emulate_instruction(Vcpu& v);

    // the guest's LVTPC (guest_apic.cpp)
    void deliver_pmi(Vcpu& v);
    static SoftOp lvtpc_unmask_op();
    bool lvtpc_unmask_due(Vcpu& v);
    GuestAccess lvtpc_access(Vcpu& v, AccessKind k, uint64_t value);

    // a VMM's actions (vmm_actions.cpp)
    void vmm_due();
    void vmm_run(const VmmAction& a);
    void vmm_migrate(Vcpu& v, const VmmAction& a, KvmVcpuUapi& api);
    std::vector<std::pair<uint32_t, uint64_t>> vmm_save_msrs(Vcpu& v, const VmmAction& a, KvmVcpuUapi& api);
    int vmm_enter(Vcpu& v);  // the VMM's ioctls run now, on v: the tag before them
    void vmm_record(Vcpu& v, AccessKind k, uint32_t idx, uint64_t written, bool ok, uint64_t value,
                    const Expectation& expect, const std::string& label, const std::string& where,
                    const std::string& rule_broken = {});  // a rule of the VMM's the access broke

    // guest programs (guest_programs.cpp)
    void start_program(Vcpu& v);
    bool program_ready(Vcpu& v);  // false: the program's next access exits
    void program_access_done(Vcpu& v, const GuestAccess& g);
    AccessResult mirror_on_reference(Vcpu& v, AccessKind k, uint32_t idx, uint64_t value);
    void host_reading(const AgentReading& r);

    // a host task's perf context beside the CPU's on this PMU (host_task.cpp)
    void make_task(Vcpu& v);
    void task_switch(Vcpu& v, bool in);  // the scheduler switches to / away from the vCPU's thread
    void task_reading(Vcpu& v, const AgentReading& r);
    void host_global_ctrl_written(uint64_t value);
    void host_perf_switch(bool out, bool task_ctx);  // both perf contexts out of / into the PMU  // host perf's GLOBAL_CTRL: the ledgers' windows
    Vcpu* task_here_ = nullptr;                     // the vCPU whose thread's task context is switched in here

    // timeline
    void host_slice(uint64_t n);
    void host_pmi_if_pending();
    void host_tick_if_due();
    void enter(Vcpu& v);
    Exit guest_run(Vcpu& v, bool final_read);
    Exit draw_async_exit(const Vcpu& v);
    void exit_to_host(Vcpu& v, Exit why);
    // A protocol step resolved once, at construction: its behaviour, tag and whether it is a VM
    // transition (no bookkeeping cost before it) or one of the fastpath's steps.
    struct PlannedStep {
        const std::string* name;    // in proto_
        const StepInfo* info;
        int tag;
        bool transition, fastpath;
        uint64_t* cycles = nullptr;  // its step_cycles_ entry, made when it first runs
    };
    std::vector<PlannedStep>& plan(Path p) { return p == Path::Load ? load_plan_ : exit_plan_; }
    void plan_steps();
    struct StepPmu;
    void run_step(Vcpu& v, PlannedStep& s);  // one step, holding the platform
    // The steps of `plan` (without its fastpath steps if skip_fastpath), holding it once.
    void run_steps(Vcpu& v, std::vector<PlannedStep>& plan, bool skip_fastpath = false);
    void step(Vcpu& v, PlannedStep& s);      // under a hold
    // step_cycles_[name], kept: entries appear when first charged (the report lists those).
    uint64_t& step_cycles(uint64_t*& slot, const char* name) {
        if (!slot) slot = &step_cycles_[name];
        return *slot;
    }
    int guest_tag(const Vcpu& v);  // "guest NAME"'s tag
    void kvm_pmu_handle_event(Vcpu& v);  // KVM_REQ_PMU before the load path (event_filter_engine.cpp)
    void final_readings();

    // observers
    template <class F> void each_checker(F f) {
        for (auto& c : checkers_) f(*c);
    }
    // The checkers that observe accesses (chunks), in registry order: each is called until it
    // shows it ignores them (Checker::ignores_accesses), as the others are.
    template <class Ignores, class F> void observers(std::vector<Checker*>& list, Ignores ignores, F f) {
        bool drop = false;
        for (Checker* c : list) {
            f(*c);
            drop = drop || ignores(*c);
        }
        if (drop) list.erase(std::remove_if(list.begin(), list.end(), [&](Checker* c) { return ignores(*c); }), list.end());
    }

    // StepContext (hypervisor_access.cpp)
    Result rdmsr(uint32_t msr) override { return hw(-1, true, AccessKind::Rdmsr, msr, 0, 0); }
    Result rdpmc(uint32_t ecx) override { return hw(-1, true, AccessKind::Rdpmc, ecx, 0, 0); }
    void wrmsr(uint32_t msr, uint64_t v, Taint t) override { hw(-1, true, AccessKind::Wrmsr, msr, v, t); }
    KvmVpmu& vcpu() override { return cur_->kvm; }
    unsigned cpu() const override { return place_.index; }
    const CpuConfig& host() const override { return m_->cpu(); }
    const Costs& costs() const override { return sc_.costs; }
    void elapse(uint64_t cycles) override;
    void vmx_load_global_ctrl(uint64_t value, Taint taint) override;
    Result hw_global_ctrl() const override;
    void verified_counter(unsigned slot, Taint t) override { e_->prov.verified_counter(slot, t); }
    void verified_status(uint64_t bits, uint64_t value, Taint t) override { e_->prov.verified_status(bits, value, t); }
    void set_lvtpc_guest(bool guest, bool charge) override;
    void host_perf_sched_out(bool task_ctx) override { host_perf_switch(true, task_ctx); }
    void host_perf_sched_in() override { host_perf_switch(false, true); }
    uint64_t host_perf_counter_bits() const override { return e_->host_perf->counter_bits(); }
    uint64_t gp_counters_in_use() const override;
    void host_counting(bool on) override;
    void enter_guest() override;
    void pmu_to_host(bool exposure_check) override;

    Scenario sc_;
    Protocol proto_;
    Placement place_;
    std::vector<int> guest_source_;  // per guest: its workload source here (-1: not allowed here)
    std::vector<std::pair<uint64_t, uint64_t>> preempts_;  // (cycle, host cycles) on this CPU
    size_t next_preempt_ = 0;
    std::unique_ptr<PmuTrace> vcd_owned_;
    std::unique_ptr<Machine> m_;
    std::unique_ptr<Engine> e_;
    std::vector<std::unique_ptr<Checker>> checkers_;
    std::vector<Checker*> access_observers_, chunk_observers_;
    uint8_t access_classes_ = 0xff;  // the access classes any of access_observers_ judges
    // The PMU during a protocol step (Machine::direct_pmu, taken with the step's PlatformHold);
    // null outside steps, where accesses go through Machine::access.
    Pmu* direct_ = nullptr;
    unsigned host_src_ = 0, kvm_src_ = 0;
    OpQueue host_ops_;
    std::mt19937_64 rng_;
    uint64_t end_ = 0;
    Vcpu* cur_ = nullptr;          // the vCPU whose protocol steps are running

    // Progress of the timeline (each set by a StepContext call, read where the path ends).
    bool host_pmi_pending_ = false;
    uint64_t legacy_ack_ = 0;      // backing counters' status bits host perf's NMI handler acknowledges
    size_t pmis_seen_ = 0;
    bool guest_pmi_stop_ = false;  // a PMI for the running vCPU: it exits
    bool host_enabling_ = false;   // host perf's events count (its GLOBAL_CTRL enables open the ledger)
    bool handed_over_ = false;     // this exit path gave the PMU back to host perf
    bool entered_ = false;         // this load path reached VM-entry
    bool fastpath_exited_ = false; // the fastpath ran the exit's transitions, then refused: the full path follows
    uint64_t host_next_tick_ = kForever;
    size_t next_vmm_ = 0;          // the next VMM action to run
    std::map<std::string, uint64_t> step_cycles_;
    std::vector<PlannedStep> load_plan_, exit_plan_;
    uint64_t* exit_handling_cycles_ = nullptr;
    uint64_t* fastpath_cycles_ = nullptr;
    std::vector<int> guest_tags_;  // by context id (-1: not looked up yet)

    std::vector<size_t> vcd_sig_;
    std::vector<std::string> vcd_select_;
    PmuTrace* vcd_ = nullptr;
    uint64_t vcd_sample_ = 0;

    friend RunReport summarize_run(Hypervisor& h);
};

// What the report and host perf's readings ask of the host ledger (HostLedger::set_events): each
// counted event's truth, with PERF_METRICS slots and its `fields` field events, and the topdown
// truth's events when the session asks for topdown.
EventMask host_ledger_events(const PerfSoftware& perf, unsigned fields);
// The events truth_breakdown(v, level) reads at the levels a run report shows (1 and 2); every
// event deeper.
EventMask topdown_truth_events(unsigned level);

// Runs a scenario with its protocol (or `p` when given). Convenience for the CLI and tests.
RunReport run_scenario(const Scenario& s, const std::string& vcd = {}, uint64_t vcd_sample = 0,
                       const std::vector<std::string>& signals = {});
RunReport run_scenario(const Scenario& s, const Protocol& p, const std::string& vcd = {}, uint64_t vcd_sample = 0,
                       const std::vector<std::string>& signals = {});

}  // namespace pmusim
