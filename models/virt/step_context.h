// What a protocol step can do (models/virt/steps_*.cpp declare the steps). The virtualization
// engine implements it: every access runs on the physical PMU at the current cycle and costs its
// cycles; provenance and the checkers observe it. Steps are KVM's and perf's code, so they see
// the vCPU's KvmVpmu and the hardware, and hand the PMU over through the calls below rather
// than through flags of their own.
#pragma once
#include <cstdint>

#include "models/virt/vpmu.h"

namespace pmusim {

struct Costs;  // models/virt/costs.h

class StepContext : public KvmHw {
public:
    virtual KvmVpmu& vcpu() = 0;              // the vCPU being loaded or put
    virtual unsigned cpu() const { return 0; } // the logical processor (a host with several CPUs)
    virtual const CpuConfig& host() const = 0;
    virtual const Costs& costs() const = 0;
    virtual void elapse(uint64_t cycles) = 0;  // KVM's own cycles (the kvm workload runs)

    // VMX transitions: GLOBAL_CTRL loaded atomically with the switch (no access cost).
    virtual void vmx_load_global_ctrl(uint64_t value, Taint taint) = 0;
    virtual KvmHw::Result hw_global_ctrl() const = 0;  // what the VMCS save reads (value, taint)

    // KVM verified a register equal to its saved value instead of writing it: the register
    // takes the saved value's provenance (docs/virtualization.md "Provenance").
    virtual void verified_counter(unsigned slot, Taint t) = 0;
    virtual void verified_status(uint64_t bits, uint64_t value, Taint t) = 0;

    // LVTPC: the loaded vCPU's mediated vector (true) or NMI for host perf (false). `charge`: the
    // APIC write costs its cycles (the legacy vPMU never retargets it: no write).
    virtual void set_lvtpc_guest(bool guest, bool charge) = 0;

    // Host perf (perf_load_guest_context / perf_put_guest_context and the legacy bookkeeping).
    // `task_ctx` false: only the CPU context's events (a mutant; Linux schedules out the current
    // task's exclude_guest events too: perf_load_guest_context, kernel/events/core.c).
    virtual void host_perf_sched_out(bool task_ctx = true) = 0;
    virtual void host_perf_sched_in() = 0;
    virtual uint64_t host_perf_counter_bits() const = 0;   // GLOBAL_CTRL bits of its counters
    virtual uint64_t gp_counters_in_use() const = 0;        // host perf's and every legacy backing
    virtual void host_counting(bool on) = 0;                // the host's ledger window (legacy switch)

    // Handovers: the guest starts running / the PMU is within host perf's reach again.
    virtual void enter_guest() = 0;
    virtual void pmu_to_host(bool exposure_check) = 0;
};

}  // namespace pmusim
