// The virtualization layer's engine: one physical logical processor (a Machine on the SystemC
// platform) shared by the host and the guest vCPUs of a Scenario. It drives the timeline
// (host slices, VM-entries, guest runs, VM-exits and their handling), performs the VMX PMU
// mechanics (VMCS GLOBAL_CTRL load/save, MSR bitmap, RDPMC exiting, LVTPC switch), runs the
// protocol's named steps, executes the perf software of every context, and feeds the checkers:
// a ground-truth ledger per context, the provenance of every physical register, and a reference
// PMU per guest that runs the guest alone (docs/virtualization.md).
#pragma once
#include <array>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "models/virt/context_workload.h"
#include "models/virt/protocol.h"
#include "models/virt/vpmu.h"
#include "models/pmu/register_table.h"
#include "sim/machine.h"
#include "sim/virt/checkers.h"
#include "sim/virt/perf_software.h"
#include "sim/virt/scenario.h"
#include "tma/tma_engine.h"

namespace pmusim {

class PmuTrace;

// Provenance of the physical PMU registers (docs/virtualization.md "Provenance").
struct Provenance {
    std::array<Taint, kNumCounterSlots> counter{};      // data in each counter
    std::array<Taint, kMaxGpCounters> evtsel{};         // who programmed each selector
    std::array<Taint, kMaxFixedCounters> fixed_field{}; // who programmed each FIXED_CTR_CTRL field
    Taint global_ctrl = 0;
    std::array<Taint, 64> status{};
    std::array<Taint, 8> metrics{};                     // each PERF_METRICS field
};

struct ContextSummary {
    std::string name;
    bool guest = false;
    uint64_t cycles = 0;            // cycles the context owned (host: including exit handling)
    uint64_t counted_cycles = 0;    // cycles its perf was enabled (host) / guest cycles
    EventVector truth = EventVector::Zero();  // events over the counted cycles
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> counts;  // event: (reported, truth)
    bool has_topdown = false;
    std::string topdown_method;     // perf_metrics | gp_events
    tma::Breakdown reported, truth_breakdown;
    uint64_t samples = 0, pmis = 0, spurious_pmis = 0;
    uint64_t entries = 0;
    std::map<std::string, uint64_t> exits;  // reason -> count
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
    // For each violation kind, the first violation (full record).
    bool clean() const { return violations.total() == 0; }
};

class Hypervisor {
public:
    Hypervisor(const Scenario& s, const Protocol& p);
    ~Hypervisor();
    // Runs the scenario to its end. `vcd`: write a waveform there (empty: none); `vcd_sample`:
    // also sample every that many cycles inside long runs (0: only at changes of context/step).
    RunReport run(const std::string& vcd = {}, uint64_t vcd_sample = 0);
    // Signals written to the waveform (names or prefixes ending in '*'; empty: all).
    void select_signals(std::vector<std::string> s) { vcd_select_ = std::move(s); }

    Machine& machine() { return *m_; }

private:
    struct OpResult {
        bool ok = true;
        uint64_t value = 0;
        Taint taint = 0;
    };
    struct Vcpu {
        int ctx = 1;  // context id (1..)
        GuestSpec spec;
        CpuConfig cpu;
        MsrIntercepts icpt;
        KvmPmuState st;
        VmcsPmu vmcs;
        std::unique_ptr<PerfSoftware> perf;
        std::unique_ptr<Pmu> ref;  // reference PMU: the guest alone
        unsigned source = 0;       // ContextWorkload source
        OpQueue ops;
        uint64_t next_tick = kForever;  // guest-local cycle of the next perf interval
        bool pending_pmi = false;
        bool started = false;
        // Legacy vPMU: hardware GP counter backing each guest counter slot (-1: none).
        std::array<int, kNumCounterSlots> backing{};
        bool legacy_dirty = true;
        uint64_t pm_restored = 0;  // FIXED_CTR3 at each PERF_METRICS restore since the guest last wrote it
        std::unique_ptr<RegisterTable> regs;  // the guest's register rules (KVM's validity checks)
        ContextSummary sum;
    };
    enum class Exit { Timer, External, Hlt, Msr, Pmi, Nmi, End };
    static const char* exit_name(Exit e);

    // time
    void run_cycles(unsigned source, int owner, int tag, uint64_t n, bool stop_on_guest_pmi);
    void after_chunk(uint64_t a, uint64_t b, int owner, int tag);
    void route_pmis();
    int tag_of(const std::string& what);
    const std::string& tag_name(int tag) const;
    void trace();

    // physical accesses by KVM / host perf (trusted = KVM: no flow check)
    OpResult hw(int actor, bool trusted, SoftOp::Kind k, uint32_t idx, uint64_t v, Taint t, bool charge = true, uint64_t keep = 0);
    Taint read_taint(SoftOp::Kind k, uint32_t idx, uint64_t value) const;
    void write_taint(uint32_t msr, uint64_t old, uint64_t v, Taint t, uint64_t keep);
    void kvm_wr(uint32_t msr, uint64_t v, Taint t) { hw(-1, true, SoftOp::Kind::Wrmsr, msr, v, t); }
    OpResult kvm_rd(uint32_t msr) { return hw(-1, true, SoftOp::Kind::Rdmsr, msr, 0, 0); }
    OpResult kvm_rdpmc(uint32_t ecx) { return hw(-1, true, SoftOp::Kind::Rdpmc, ecx, 0, 0); }
    void elapse(uint64_t cycles);
    void drain_host(OpQueue& q);

    // timeline
    void host_slice(uint64_t n);
    void host_pmi_if_pending();
    void enter(Vcpu& v);
    Exit guest_run(Vcpu& v, bool final_read);
    void exit_to_host(Vcpu& v, Exit why);
    void run_step(Vcpu& v, const std::string& name);
    bool guest_op(Vcpu& v, SoftOp& op);  // false: the op exits
    void emulate(Vcpu& v, SoftOp& op);
    void compare_guest_read(Vcpu& v, const SoftOp& op, uint64_t actual, Taint t, bool emulated);
    void handover_to_guest(Vcpu& v);
    void handover_to_host(Vcpu& v);

    // protocol steps (sim/virt/protocol_steps.cpp)
    void step_mediated(Vcpu& v, const std::string& name);
    void step_legacy(Vcpu& v, const std::string& name);
    void step_custom(Vcpu& v, const StepInfo& s);
    void legacy_assign(Vcpu& v);

    // host ground truth
    void host_window(bool open);
    void check_host_reading(const AgentReading& r);
    void check_guest_reading(Vcpu& v, const AgentReading& r);

    void add_violation(ViolationKind k, const std::string& reg, int reader, Taint source, uint64_t expected,
                       uint64_t actual, const std::string& detail);
    std::string ctx_name(int c) const;
    std::string taint_names(Taint t) const;
    std::string reg_name(SoftOp::Kind k, uint32_t idx) const;
    void summarize(RunReport& rep);

    Scenario sc_;
    Protocol proto_;
    std::unique_ptr<Machine> m_;
    ContextWorkload* cw_ = nullptr;  // owned by the machine's PMU
    unsigned host_src_ = 0, kvm_src_ = 0;
    std::vector<std::unique_ptr<Vcpu>> vcpus_;
    std::unique_ptr<PerfSoftware> host_perf_;
    OpQueue host_ops_;
    Provenance prov_;
    ViolationLog log_;
    std::mt19937_64 rng_;
    uint64_t end_ = 0;

    int lvtpc_guest_ = -1;     // vCPU index the LVTPC targets (-1: NMI, host perf)
    int owner_ = 0;            // context owning the cycles being run
    int tag_ = 0;              // what is running (index into tags_)
    std::vector<std::string> tags_;
    bool host_pmi_pending_ = false;
    size_t pmis_seen_ = 0;
    bool guest_pmi_stop_ = false;
    bool host_enabling_ = false;   // the host perf ops being run enable its events
    bool handed_over_ = false;     // this exit path handed the PMU back to host perf
    bool entered_ = false;         // this load path reached VM-entry
    uint64_t host_next_tick_ = kForever;
    std::vector<size_t> vcd_sig_;
    std::vector<std::string> vcd_select_;

    // host ground truth: windows where host perf counted, since its last reading
    std::vector<std::pair<uint64_t, uint64_t>> host_windows_;
    uint64_t host_open_ = kForever;
    EventVector host_truth_ = EventVector::Zero();  // all windows since start
    uint64_t host_counted_ = 0;
    std::vector<uint64_t> host_event_truth_;  // per host perf event, summed over its readings
    std::map<std::string, uint64_t> step_cycles_;

    PmuTrace* vcd_ = nullptr;
    uint64_t vcd_sample_ = 0;
};

// Runs a scenario with its protocol (or `p` when given). Convenience for the CLI and tests.
RunReport run_scenario(const Scenario& s, const std::string& vcd = {}, uint64_t vcd_sample = 0,
                       const std::vector<std::string>& signals = {});
RunReport run_scenario(const Scenario& s, const Protocol& p, const std::string& vcd = {}, uint64_t vcd_sample = 0,
                       const std::vector<std::string>& signals = {});

}  // namespace pmusim
