// What the virtualization engine's observers see (docs/virtualization.md "The engine"): the
// physical machine, the provenance of its registers, the vCPUs, the host's ledger and perf, the
// violation log and the names used in reports. The Hypervisor (hypervisor.h) drives the time
// line and executes accesses; after each access, run chunk, PMI, handover, guest access and host
// reading it calls every checker (checker.h) in registry order, so violation order is stable.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "models/virt/context_workload.h"
#include "models/virt/lvtpc.h"
#include "models/virt/vpmu.h"
#include "sim/machine.h"
#include "sim/virt/checkers.h"
#include "sim/virt/event_filter_engine.h"
#include "sim/virt/ledger.h"
#include "sim/virt/perf_software.h"
#include "sim/virt/provenance.h"
#include "sim/virt/scenario.h"
#include "tma/tma_engine.h"

namespace pmusim {

struct ContextSummary {
    std::string name;
    bool guest = false;
    uint64_t cycles = 0;            // cycles the context owned (host: including exit handling)
    uint64_t counted_cycles = 0;    // cycles its perf was enabled (host) / guest cycles
    EventVector truth = EventVector::Zero();  // events over the counted cycles
    std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> counts;  // event: (reported, truth)
    std::vector<std::string> denied;  // a guest's events the VM's event filter denies at the end (they read 0)
    bool has_topdown = false;
    std::string topdown_method;     // perf_metrics | gp_events
    tma::Breakdown reported, truth_breakdown;
    uint64_t samples = 0, pmis = 0, spurious_pmis = 0;
    // A guest's PMIs that KVM did not inject because its LVTPC was masked (kvm_apic_local_deliver),
    // and that the physical LVTPC, loaded with the guest's mask, did not accept.
    uint64_t pmis_masked = 0, pmis_inhibited = 0;
    uint64_t emulated = 0;          // instructions KVM emulated for it (guest programs' `emulate`)
    uint64_t entries = 0;
    std::map<std::string, uint64_t> exits;  // reason -> count
    uint64_t migrations = 0;        // moves to another CPU (a host with several CPUs)
};

// What the pmi_accounting checker owes a context: PMIs raised and not yet delivered. A vCPU
// carries its own, so the record follows it from CPU to CPU (sim/virt/host.h).
struct PmiOwed {
    struct Pending {
        uint64_t cycle;  // the context's own cycle at whose end the PMI was raised
        unsigned bit;
    };
    std::vector<Pending> pending;
    size_t ref_seen = 0;
    bool delivered_any = false;
};

// A host task's perf context: the vCPU's thread counted per task (`perf stat -p TID`; scenario
// host.task; sim/virt/host_task.cpp). It moves with its vCPU from CPU to CPU.
struct HostTask {
    std::unique_ptr<PerfSoftware> perf;
    std::vector<uint64_t> truth;  // per event: its events while it ran, over its readings on every CPU
    uint64_t counted = 0;         // cycles its events counted (every CPU's task ledger)
    uint64_t counted_base = 0;    // this CPU's task ledger's count at its switch-in
    uint64_t switches = 0;        // context switches in (each on some CPU)
    std::vector<unsigned> cpus;   // the CPUs it ran on, in first-run order
};

// One guest vCPU as the engine runs it: KVM's vPMU, the guest's software, the reference PMU that
// runs the guest alone (what the guest would read on bare metal), and its place in time.
struct Vcpu {
    Vcpu(int ctx, const GuestSpec& spec, const CpuConfig& host, bool mediated, bool perf_metrics_rule);
    int ctx() const { return kvm.ctx; }
    GuestSpec spec;
    KvmVpmu kvm;
    std::unique_ptr<PerfSoftware> perf;
    std::unique_ptr<Pmu> ref;
    FilteredReference ref_sel;      // its selectors on `ref`, under the VM's event filter
    unsigned source = 0;            // ContextWorkload source
    OpQueue ops;
    uint64_t next_tick = kForever;  // guest-local cycle of the next perf interval
    bool pending_pmi = false;       // KVM_REQ_PMI: injected at the next VM-entry
    // Its local APIC's LVTPC as KVM emulates it, and as its own CPU would hold it (bare metal:
    // masked by each PMI the reference raises while unmasked). guest_apic.cpp.
    Lvtpc lvtpc, ref_lvtpc;
    size_t ref_pmis_seen = 0;
    std::vector<PmiRecord> ref_accepted;  // the reference's PMIs that bare metal's LVTPC accepted
    uint64_t unmask_at = kForever;        // guest cycle at which its perf's PMI handler unmasks the LVTPC
    // Instructions KVM emulated for it, as they retire on its own CPU (CPL 0): part of its truth.
    EventVector emulated_events = EventVector::Zero();
    bool started = false;
    uint64_t load_started = 0;      // cycle its current load path began
    ContextSummary sum;
    // Its program (guest_programs.cpp): the current action, and the guest cycle until which the
    // program is busy (a run, or the cost of its last access).
    std::unique_ptr<GuestProgramRunner> program;
    GuestProgram builtin;           // a built-in program made for its CPU
    GuestAction action;
    bool access_pending = false;    // `action` is an access not yet executed
    uint64_t busy_until = 0;
    PmiOwed owed;                   // the PMIs owed to it (pmi_accounting)
    // On a host with several CPUs (sim/virt/host.h): the CPU it is on, its workload source on
    // each CPU it may run on (-1: not allowed there), the cycle it left its last CPU (it runs
    // nowhere before it) and how often it moved.
    int cpu = 0;
    std::vector<int> source_on;
    uint64_t ready_at = 0;
    uint64_t left_local = 0;        // its workload's local cycle when it left
    uint64_t migrations = 0;
    std::unique_ptr<HostTask> task;  // its thread's per-task host perf (host.task), if counted
};

// One access of a guest program, as the guest saw it, beside bare metal (the reference PMU).
struct ProgramRecord {
    int guest = 0;                  // context
    std::string guest_name, reg;    // for reports
    uint64_t cycle = 0, local = 0;  // physical and guest cycle
    AccessKind kind = AccessKind::Rdmsr;
    uint32_t index = 0;
    uint64_t written = 0;
    GuestOutcome seen;
    bool ref_gp = false;
    uint64_t ref_value = 0;
    std::string label, where, expect;
    std::string failure;            // the expectation that failed (empty: met, or none)
    bool unscheduled = false;       // legacy: the counter read (any, for GLOBAL_STATUS) went unbacked
};

struct ProgramLog {
    explicit ProgramLog(size_t cap = 0) : cap(cap) {}
    size_t cap;
    std::vector<ProgramRecord> records;  // the first `cap`, and every failed expectation beyond them
    uint64_t accesses = 0, checked = 0, failed = 0;
    void add(ProgramRecord r, bool checked_one);
};

// An access executed on the physical PMU. actor: -1 KVM (trusted: no flow check), 0 host, n guest.
struct AccessEvent {
    int actor = -1;
    bool trusted = true;
    AccessKind kind = AccessKind::Rdmsr;
    uint32_t index = 0;
    uint64_t value = 0;  // written, or read
    bool ok = true;
    Taint taint = 0;     // reads: the provenance of the value read
    std::string_view what;  // the software's label (host perf ops), valid during the call
};

// A guest instruction, executed as the guest's CPU would: passed through to hardware or exited
// to KVM's emulation. `ref` is the same access on the guest's reference PMU.
struct GuestAccess {
    Vcpu& v;
    AccessKind kind;
    uint32_t index;
    uint64_t value;     // written value
    bool exited;        // emulated by KVM
    bool ok;            // false: #GP (pass-through) or #GP injected by KVM
    uint64_t result;    // value read
    Taint taint;        // its provenance
    AccessResult ref;
};

// A run chunk: the machine ran [begin, end) for `owner`; the state before and after, and the
// counter slots whose value changed (bit s: slot s), found once for every observer.
struct ChunkEvent {
    ChunkEvent(uint64_t b, int o, int t, const PmuState& be, const PmuState& af)
        : begin(b), owner(o), tag(t), before(be), after(af), counted(changed_counters(be, af)) {}
    static uint32_t changed_counters(const PmuState& be, const PmuState& af) {
        uint32_t m = 0;
        for (unsigned s = 0; s < kNumCounterSlots; ++s)
            if (af.counter[s] != be.counter[s]) m |= 1u << s;
        return m;
    }
    uint64_t begin;
    int owner;
    int tag;
    const PmuState& before;
    const PmuState& after;
    uint32_t counted;
};

// A PMI request routed by the LVTPC (or forwarded by the legacy vPMU).
struct PmiRoute {
    const PmiRecord& pmi;
    unsigned bit;       // the GLOBAL_STATUS bit that requested it
    Taint controller;   // who programmed that counter's interrupt
    int target;         // context it reaches
    bool guest_vector;  // the LVTPC pointed at a vCPU's mediated vector
};

enum class Handover { ToGuest, ToHost };

// The last successful write of each register: its cycle and step tag. Written at every WRMSR of
// every VM transition, read only when a checker reports: a flat table (keys below 0x1000 and
// counter keys, which are all the PMU's) instead of a hash per write.
class LastWrites {
public:
    struct Write {
        uint64_t cycle = kForever;  // kForever: never written
        int tag = 0;
    };
    void record(uint32_t key, uint64_t cycle, int tag) {
        const size_t i = index(key);
        if (i == kNone) {
            others_[key] = {cycle, tag};
            return;
        }
        if (i >= flat_.size()) flat_.resize(i + 1);
        flat_[i] = {cycle, tag};
    }
    // nullptr: never written.
    const Write* find(uint32_t key) const {
        const size_t i = index(key);
        if (i == kNone) {
            auto it = others_.find(key);
            return it == others_.end() ? nullptr : &it->second;
        }
        return i < flat_.size() && flat_[i].cycle != kForever ? &flat_[i] : nullptr;
    }

private:
    static constexpr size_t kNone = ~size_t(0);
    static constexpr uint32_t kCounterKeys = 0x10000, kFlatMsrs = 0x1000;
    // Counter keys first (slots), then MSR addresses.
    static size_t index(uint32_t key) {
        if (key >= kCounterKeys && key < kCounterKeys + kNumCounterSlots) return key - kCounterKeys;
        return key < kFlatMsrs ? kNumCounterSlots + size_t(key) : kNone;
    }
    std::vector<Write> flat_;
    std::unordered_map<uint32_t, Write> others_;
};

class Engine {
public:
    Engine(const Scenario& s, Machine& m);
    const Scenario& sc;
    Machine& m;
    Provenance prov;
    ViolationLog log;
    HostLedger ledger;
    // The windows in which the host task's events counted on this CPU (sim/virt/host_task.cpp):
    // while it is switched in here, its events scheduled in, and host perf's GLOBAL_CTRL enable on.
    HostLedger task_ledger;
    bool task_counting = false;
    ProgramLog programs;
    ContextWorkload* cw = nullptr;
    std::vector<std::unique_ptr<Vcpu>> vcpus;
    std::unique_ptr<PerfSoftware> host_perf;
    bool mediated = true;
    int owner = 0;        // context owning the cycles being run
    int tag = 0;          // what is running (index into tags)
    int lvtpc_guest = -1; // context id - 1 of the vCPU the LVTPC targets (-1: NMI, host perf)
    bool lvtpc_masked = false;  // the physical LVTPC's mask while it targets a vCPU (the guest's, or set by a PMI)
    std::vector<std::string> tags;
    // The first tags, in this order (the Hypervisor names them at construction).
    static constexpr int kHostTag = 0, kExitHandlingTag = 1, kHostPmiTag = 2;
    // The last successful write of each register. Keys: MSR address, counters by slot
    // (counter_key), GLOBAL_STATUS for STATUS_RESET/SET.
    LastWrites last_write;
    static uint32_t counter_key(unsigned slot) { return 0x10000u + slot; }  // LastWrites' counter keys
    static uint32_t register_key(uint32_t msr);
    // The same for an MSR already decoded (not a PMU MSR: decoded false).
    static uint32_t register_key(uint32_t msr, bool decoded, const MsrRef& m) {
        if (!decoded) return msr;
        if (m.is_counter()) return counter_key(m.slot());
        if (m.kind == RegKind::GlobalStatusReset || m.kind == RegKind::GlobalStatusSet) return msr::kGlobalStatus;
        return msr;
    }

    uint64_t cycle() const { return m.cycle(); }
    std::string ctx_name(int c) const;
    std::string taint_names(Taint t) const;
    std::string reg_name(AccessKind k, uint32_t idx) const;
    const std::string& tag_name(int t) const { return tags.at(size_t(t)); }
    int tag_of(const std::string& what);
    // The vCPU on this CPU with context id `ctx` (on one CPU, vcpus[ctx - 1]); null if none.
    Vcpu* vcpu_of(int ctx) const;
    // Names of context ids whose vCPU is not on this CPU now (a host with several CPUs: a value
    // it left behind is still named after it).
    std::vector<std::string> names;
    // A violation at the current cycle and step.
    void report(ViolationKind k, const std::string& reg, int reader, Taint source, uint64_t expected, uint64_t actual,
                const std::string& detail);
    // PERF_METRICS field k at the configured resolution (semantics metrics_field_bits).
    uint64_t pm_field(uint64_t v, unsigned k) const;
    // The fields of `got` that differ from the guest's reference value `want` by more than the
    // tolerance plus the rounding of every restore since the guest last wrote PERF_METRICS (0.5 LSB
    // each, weighted by the slots it covered: the architectural limit of any save/restore);
    // empty when none does.
    std::string metrics_difference(const Vcpu& v, uint64_t want, uint64_t got) const;
    // Brings the guest's reference PMU to its current cycle and its bare-metal LVTPC along: each
    // PMI raised while unmasked is accepted (ref_accepted) and masks it; the others are not.
    void sync_reference_apic(Vcpu& v);
};

// Whether a guest RDMSR/WRMSR reaches its x2APIC LVTPC (an APIC access, not a PMU one). KVM
// intercepts it (only TPR, EOI and SELF_IPI writes go to hardware with APICv:
// vmx_update_msr_bitmap_x2apic); reads are taken to exit too.
inline bool is_lvtpc_access(AccessKind k, uint32_t index) { return k != AccessKind::Rdpmc && index == Lvtpc::kX2apicMsr; }
inline bool guest_access_exits(const Vcpu& v, AccessKind k, uint32_t index) {
    return is_lvtpc_access(k, index) || v.kvm.exits(k, index);
}

}  // namespace pmusim
