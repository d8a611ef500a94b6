// A virtualization scenario (docs/virtualization.md "Scenario files"): the CPU, the host and its
// perf, the guests with their vPMUs, workloads and perf, the timeline's distributions, the
// transition costs, the VMCS controls, the VM's PMU event filter and the protocol with its edits.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "models/cpu/cpu_config.h"
#include "models/pmu/pmu_module.h"
#include "models/virt/costs.h"
#include "models/virt/guest_program.h"
#include "models/virt/kvm_uapi.h"
#include "models/virt/protocol.h"
#include "models/virt/vpmu.h"

namespace pmusim {

// What a perf session in a context does.
struct AgentConfig {
    std::vector<std::string> events;  // counting events (perf names; fixed ones go to fixed counters)
    bool topdown = false;             // the topdown group; a context without PERF_METRICS counts the
                                      // Level-1 GP events on GP counters instead
    uint64_t interval = 0;            // read-and-reset period in the context's own cycles (0: end only)
    std::string sample_event;         // sampled on a GP counter with PMIs (empty: no sampling)
    uint64_t sample_period = 0;
    // A guest's PMI handler (intel_pmu_handle_irq): it runs `handler_cycles` of the guest's time,
    // then clears its LVTPC mask (late_ack, as Linux does on every preset's CPU), or clears it
    // first (early ack).
    uint64_t handler_cycles = 0;
    bool late_ack = true;
    // No session at all: a guest without one runs no perf (a bare guest, as KVM's selftests are).
    bool empty() const { return events.empty() && !topdown && sample_event.empty(); }
};

// What a VMM does to a vCPU at a cycle, through KVM's userspace interface (docs/virtualization.md
// "Userspace interface"): KVM_SET_MSRS, KVM_GET_MSRS (each value checked against an expectation
// and against the guest's reference) or vCPU RESET. It runs at the first host slice boundary at
// or after `at`, when the vCPU is not in guest mode.
struct VmmAction {
    uint64_t at = 0;
    std::string vcpu;
    // Migrate: save the PMU state with KVM_GET_MSRS (msrs_to_save, or `get` when given), take a
    // fresh vCPU (RESET) and restore it with KVM_SET_MSRS in that order, leaving out `omit`; the
    // guest's reference is untouched: the guest must go on as if nothing happened.
    // EventFilter: KVM_SET_PMU_EVENT_FILTER on the VM (`vcpu` empty), `filter`.
    enum class Kind { SetMsrs, GetMsrs, Reset, Migrate, EventFilter } kind = Kind::GetMsrs;
    std::shared_ptr<const pmusim::EventFilter> filter;
    std::vector<std::pair<uint32_t, uint64_t>> set;
    std::vector<uint32_t> get;
    std::vector<uint32_t> omit;
    std::vector<Expectation> expect;  // per get entry
    std::string where;
    // Migrate to the scenario's destination host (docs/virtualization.md "Migration to another
    // host"): saved here, restored into a fresh vCPU there, which then runs only there.
    bool to_destination = false;
};

struct GuestSpec {
    std::string name;
    std::string workload = "steady";
    VpmuConfig vpmu;
    AgentConfig perf;
    Dist run = Dist::uniform(10'000, 100'000);  // guest cycles between asynchronous exits
    double w_timer = 1, w_external = 1, w_hlt = 0;  // exit reasons
    GuestProgram program;       // the guest's own code (empty: none)
    std::string builtin;        // or a built-in program made for the guest's CPU (register_suite)
    GuestRunnerFactory runner;  // or a program source set at run time (Python generators)
    // Or the vPMU as a VMM configures it: CPUID leaf 0xA and PERF_CAPABILITIES through KVM's
    // refresh, which clamps them to what KVM supports (instead of `vpmu`).
    bool userspace = false;
    PmuCpuid cpuid;
    uint64_t perf_capabilities = 0;
    std::vector<unsigned> affinity;  // the host CPUs it may run on (empty: any); sim/virt/host.h
};

// A host task counted by its own perf events (`perf stat -p TID`, docs/virtualization.md "Host
// perf per task"): the thread of vCPU `vcpu` (the task that runs KVM_RUN), which the host
// scheduler places and moves with the vCPU. Its events count only while it runs, on whichever
// CPU, beside the CPU's host perf on the same PMU.
struct HostTaskSpec {
    std::string vcpu;  // empty: no task events
    AgentConfig perf;
};

struct HostSpec {
    std::string workload = "steady";
    AgentConfig perf;
    HostTaskSpec task;
    Dist slice = Dist::fixed(20'000);  // host cycles between guest runs
    // Several logical processors (sim/virt/host.h): each its own PMU and run queue. A vCPU
    // descheduled from a CPU moves to another CPU of its affinity with probability `migrate`.
    unsigned cpus = 1;
    double migrate = 0;
};

// What the host scheduler does at a cycle (`schedule:` in scenario files). A move (`vcpu`, `cpu`):
// the vCPU goes to CPU `cpu` the first time it yields its CPU at or after cycle `at` of that CPU.
// A preemption (`cpu`, `preempt`: cycles): a host task wakes on CPU `cpu` at cycle `at`; the vCPU
// in guest mode there exits (reason `preempt`) and yields, and the task runs `preempt` host cycles.
// A second host (`destination:`), the target of a VMM's migration: one CPU with its own preset,
// overrides and host activity (workload, slices, host perf). sim/virt/host.h.
struct DestinationSpec {
    std::string cpu = "sapphirerapids";
    Overrides overrides;
    HostSpec host;
};

struct CpuMove {
    uint64_t at = 0;
    std::string vcpu;
    unsigned cpu = 0;
    uint64_t preempt = 0;  // > 0: a preemption, not a move
    std::string where;
};

struct VmcsOptions {
    bool entry_load_global_ctrl = true;
    bool exit_load_global_ctrl = true;
    std::string save = "auto";  // auto (VMCS control where the CPU has it) | vmcs | msr_store_list | none
};

// KVM's intercept rules beyond the seed patch (docs/virtualization.md "MSR bitmap").
struct InterceptOptions {
    bool need_perf_metrics_intercept = false;  // kvm_need_perf_metrics_intercept (see MsrIntercepts::compute)
};

struct CheckOptions {
    double perf_metrics_tolerance_lsb = 1.0;  // clobber tolerance per PERF_METRICS field
    size_t max_recorded = 2000;              // violations kept in full (all are counted)
    uint64_t guest_pmi_delay = 0;            // guest cycles a PMI may wait beyond the next one (injection)
    uint64_t host_pmi_delay = 20'000;        // cycles host perf's NMI may wait (an exit path and its handling)
    size_t max_program_records = 100'000;    // guest program accesses kept in full (all are counted)
    size_t max_timeline_spans = 20'000;      // the report's timeline: its first spans (memory flat in run length)
};

struct Scenario {
    std::string name = "scenario", description, file;
    std::string cpu = "sapphirerapids";
    Overrides overrides;
    TimeMode mode = TimeMode::Fast;
    uint64_t cycles = 2'000'000;
    uint64_t seed = 1;
    std::string protocol = "mediated";
    std::vector<ProtocolEdit> edits;
    std::vector<StepInfo> custom_steps;
    Costs costs;
    VmcsOptions vmcs;
    InterceptOptions intercepts;
    HostSpec host;
    std::vector<GuestSpec> guests;
    std::optional<EventFilter> event_filter;  // KVM_SET_PMU_EVENT_FILTER on the VM (every guest)
    std::string kvm_workload = "steady:kernel_share=1,instructions=1.2";
    CheckOptions checks;
    std::vector<VmmAction> vmm;  // in cycle order
    std::vector<CpuMove> moves;  // in cycle order
    std::optional<DestinationSpec> destination;  // a host to migrate to (none: no such action)
    uint32_t kvm_variants = 0;   // KvmVariant bits (models/virt/kvm_variants.h)

    // The protocol with the custom steps and edits applied (throws naming the edit).
    Protocol make_protocol() const;
};

// YAML scenario files; errors are "file:line: path: problem". Workload and program files are
// relative to the scenario file's folder. `sets`: "path=value" overrides applied before reading
// (sim/virt/scenario_sets.h).
Scenario parse_scenario_yaml(const std::string& text, const std::string& origin, const std::vector<std::string>& sets = {});
Scenario load_scenario_file(const std::string& path, const std::vector<std::string>& sets = {});
// A path, or the name of a built-in scenario in scenarios/.
Scenario load_scenario(const std::string& spec, const std::vector<std::string>& sets = {});
std::string scenario_library_dir();
std::vector<std::string> scenario_library();

}  // namespace pmusim
