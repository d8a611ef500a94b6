// A vCPU's virtual PMU as KVM keeps it (reference §4.2): the configuration userspace gives it,
// the software copy of every register the mediated switch saves and restores (each value with
// its provenance), the VMCS PMU controls (§4.6) and the MSR-bitmap / RDPMC-exiting rules (§4.7).
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "models/cpu/cpu_config.h"
#include "models/pmu/pmu.h"
#include "models/pmu/pmu_state.h"
#include "models/pmu/register_table.h"
#include "models/virt/event_filter.h"

namespace pmusim {

// Provenance: bit c set = context c's events or values flowed into the value (0 = host, 1.. =
// guests). A constant (e.g. a zero written by KVM) carries no context.
using Taint = uint32_t;
constexpr Taint taint_of(int ctx) { return ctx < 0 ? 0u : (1u << ctx); }

struct VpmuConfig {
    unsigned version = 5;
    unsigned num_gp = 8;
    unsigned num_fixed = 4;
    bool fw_write = true;      // PERF_CAPABILITIES[13]
    bool perf_metrics = true;  // PERF_CAPABILITIES[15] (the PM-3 patch exposes it only when mediated)
    // CPUID shaping by userspace (docs/virtualization.md "Userspace interface"); 0 / empty: as the host.
    uint32_t fixed_bitmap = 0;      // CPUID.0AH:ECX, fixed counters beyond the first num_fixed (v5+)
    unsigned gp_width = 0, fixed_width = 0;
    unsigned mask_length = ~0u;     // CPUID.0AH:EAX[31:24] (~0: the host's)
    uint32_t ebx_unavailable = 0;   // extra arch events marked unavailable (CPUID.0AH:EBX)
    bool pdcm = true;               // CPUID.01H:ECX[15]; without it PERF_CAPABILITIES reads 0
    uint64_t perf_capabilities = ~0ull;  // as userspace set it (~0: the host's, with the two bits above)
    // Fixed counter i is the guest's (SDM 18.2.5: i < EDX[4:0], or ECX bit i on v5+).
    bool has_fixed(unsigned i) const {
        return version >= 2 && i < kMaxFixedCounters && (i < num_fixed || (version >= 5 && ((fixed_bitmap >> i) & 1u)));
    }
};

// The CPU a guest sees: the host preset with the vPMU's counters and capabilities. Throws
// ConfigError when the vPMU asks for more than the host has.
CpuConfig guest_cpu_config(const CpuConfig& host, const VpmuConfig& v);

// KVM's software copy of a mediated vCPU's PMU (kvm_pmu fields), each value with its taint.
struct KvmPmuState {
    std::array<uint64_t, kMaxGpCounters> gp{};
    std::array<uint64_t, kMaxGpCounters> eventsel{};     // as the guest wrote it
    std::array<uint64_t, kMaxGpCounters> eventsel_hw{};  // loaded into hardware (after the filter)
    std::array<uint64_t, kMaxFixedCounters> fixed{};
    uint64_t fixed_ctr_ctrl = 0, fixed_ctr_ctrl_hw = 0;
    uint64_t global_ctrl = 0;
    uint64_t global_status = 0;
    uint64_t perf_metrics = 0;
    std::array<Taint, kMaxGpCounters> gp_t{};
    std::array<Taint, kMaxFixedCounters> fixed_t{};
    Taint global_status_t = 0, perf_metrics_t = 0;
};

// VMCS PMU controls (reference §4.6): VM-entry "load IA32_PERF_GLOBAL_CTRL" (bit 13), VM-exit
// "load IA32_PERF_GLOBAL_CTRL" (bit 12) and "save IA32_PERF_GLOBAL_CTRL" (bit 30, Sapphire
// Rapids and later); without the save control the VM-exit MSR-store list keeps the guest value.
enum class GlobalCtrlSave { Vmcs, MsrStoreList, None };
const char* global_ctrl_save_name(GlobalCtrlSave s);

struct VmcsPmu {
    bool entry_load_global_ctrl = true;
    bool exit_load_global_ctrl = true;
    GlobalCtrlSave save = GlobalCtrlSave::Vmcs;
    uint64_t guest_global_ctrl = 0;  // GUEST_IA32_PERF_GLOBAL_CTRL
    Taint guest_global_ctrl_t = 0;
    uint64_t host_global_ctrl = 0;   // HOST_IA32_PERF_GLOBAL_CTRL: a constant 0 for mediated vCPUs
};

// Which guest accesses exit (reference §4.7, V6-22 vmx_recalc_pmu_msr_intercepts, PM-3).
struct MsrIntercepts {
    bool global_regs_passthrough = false;  // GLOBAL_CTRL, GLOBAL_STATUS, GLOBAL_OVF_CTRL
    bool rdpmc_exiting = true;
    VpmuConfig vpmu;
    bool mediated = true;

    // `perf_metrics_rule`: kvm_need_perf_metrics_intercept (a later development tree of the
    // PERF_METRICS series): a guest without PERF_METRICS on a host that has it gets RDPMC exiting
    // and intercepted GLOBAL_CTRL/STATUS/OVF_CTRL, so it can neither RDPMC the host's PERF_METRICS
    // nor see or set bit 48. Off: the seed patch's rules.
    static MsrIntercepts compute(const CpuConfig& host, const VpmuConfig& v, bool mediated, bool perf_metrics_rule = false);
    // Whether a guest RDMSR/WRMSR of `msr` exits to KVM.
    bool intercepted(uint32_t msr) const;
};

// Status bits a guest with this vPMU can see: its counters, and bit 48 with PERF_METRICS.
uint64_t guest_status_bits(const VpmuConfig& v);

// The physical PMU as KVM reaches it. The engine executes each access (its cycle cost, the
// provenance of the value); a bare Machine can stand in for it in tests.
class KvmHw {
public:
    struct Result {
        bool ok = true;
        uint64_t value = 0;
        Taint taint = 0;
    };
    virtual ~KvmHw() = default;
    virtual Result rdmsr(uint32_t msr) = 0;
    virtual Result rdpmc(uint32_t ecx) = 0;
    virtual void wrmsr(uint32_t msr, uint64_t value, Taint taint) = 0;
};

// One vCPU's vPMU as KVM keeps it: the configuration, the CPU the guest sees, the intercepts, the
// software copy, the VMCS controls, the legacy backing, and the emulation of intercepted
// accesses. It checks nothing: what a guest reads is judged by the engine's checkers.
class KvmVpmu {
public:
    KvmVpmu(int ctx, const CpuConfig& host, const VpmuConfig& v, bool mediated, bool perf_metrics_rule = false);

    // Whether the guest's PMU has this MSR (KVM's validity check).
    bool has_msr(uint32_t index) const { return regs_->find(index) != nullptr; }
    // Whether this guest access exits to KVM: RDPMC by RDPMC exiting, RDMSR/WRMSR by the bitmap.
    bool exits(AccessKind k, uint32_t index) const;

    // The VM's event filter (docs/virtualization.md "Event filter"). set_filter is the ioctl's
    // effect on this vCPU: the new filter, every counter marked for reprogram and KVM_REQ_PMU
    // (kvm_vm_ioctl_set_pmu_event_filter). event_allowed: check_pmu_event_filter for a counter
    // slot. handle_pmu_event: kvm_pmu_handle_event before a VM-entry.
    void set_filter(std::shared_ptr<const EventFilter> f);
    bool event_allowed(unsigned slot) const;
    void handle_pmu_event();

    struct Emulated {
        uint64_t value = 0;
        Taint taint = 0;
        bool gp = false;  // KVM injects #GP
    };
    // An intercepted guest access, emulated on the software copy (kvm_pmu_{get,set}_msr,
    // kvm_pmu_rdpmc); the legacy vPMU reads and writes the backing counter through `hw`.
    // `host_initiated`: KVM_GET_MSRS/KVM_SET_MSRS from userspace (its own rules; gp = the ioctl
    // stops at this entry).
    Emulated emulate(AccessKind k, uint32_t index, uint64_t value, KvmHw& hw, bool host_initiated = false);

    // A guest instruction KVM emulated retires at `cpl` (kvm_pmu_instruction_retired and, for a
    // branch, kvm_pmu_branch_retired; vpmu_emulated.cpp). True: an overflow requests a PMI.
    bool retire_emulated(bool branch, unsigned cpl, KvmHw& hw);
    // kvm_pmu_is_fastpath_emulation_allowed: the mediated vPMU refuses the fastpath while a
    // counter of instructions is enabled in GLOBAL_CTRL (its software copy is stale until put).
    bool fastpath_emulation_allowed() const;
    // Counters KVM counts emulated instructions (or branches) on, in GLOBAL_CTRL bit space.
    uint64_t counting(bool branches) const;

    // KVM's refresh (kvm_pmu_refresh + intel_pmu_refresh): a new vPMU model from userspace's
    // CPUID and PERF_CAPABILITIES, which resets the PMU. Only before the vCPU first runs.
    void refresh(const VpmuConfig& v);
    // A fresh vCPU on another host (live migration's destination): KVM's rules and intercepts are
    // now that host's, the vCPU has not run, and its PMU is `v` (a vPMU that host can give).
    void rehost(const CpuConfig& host, const VpmuConfig& v);
    // vCPU RESET (kvm_pmu_reset + intel_pmu_reset): counters, selectors, FIXED_CTR_CTRL,
    // GLOBAL_CTRL, GLOBAL_STATUS and PERF_METRICS to 0.
    void reset();

    const int ctx;  // context id (1..)
    VpmuConfig config;
    CpuConfig cpu;  // the CPU as the guest sees it
    MsrIntercepts icpt;
    const bool mediated;
    bool has_run = false;  // KVM_RUN happened: CPUID and feature MSRs are immutable
    uint32_t variants = 0; // KvmVariant bits: deviations from KVM's rules (kvm_variants.h)
    KvmPmuState st;
    VmcsPmu vmcs;
    std::shared_ptr<const EventFilter> filter;  // kvm->arch.pmu_event_filter (null: none)
    uint64_t reprogram = 0;                     // counter slots to reprogram (pmu->reprogram_pmi)
    // Legacy vPMU: hardware GP counter backing each guest counter slot (-1: none).
    std::array<int, kNumCounterSlots> backing{};
    bool legacy_dirty = true;
    // Legacy: counter slots the guest enabled but host perf could not back with a hardware
    // counter (KVM's pinned event stays in error: no counts), until the guest writes the counter
    // while it is backed.
    uint64_t unscheduled = 0;
    // FIXED_CTR3 at each PERF_METRICS restore since the guest last wrote PERF_METRICS: each
    // restore rounds the fractions to the field width (the bound of the clobber tolerance).
    uint64_t pm_restored = 0;
    // The CPU whose load path loaded it last: only a wrong elision keeps it
    // (load_guest_pmcs_elide_same_cpu in steps_mediated.cpp).
    int last_cpu = -1;

private:
    Emulated emulate_rdpmc(uint32_t ecx, KvmHw& hw);
    Emulated emulate_read(const RegisterDesc& d, KvmHw& hw);
    void emulate_write(const RegisterDesc& d, uint64_t x, KvmHw& hw, bool host_initiated);
    Emulated host_write(const RegisterDesc& d, uint64_t x, KvmHw& hw);
    void refresh_global_ctrl();
    Emulated counter_read(unsigned slot, uint64_t sw, Taint swt, KvmHw& hw);
    uint64_t exposed_slots() const;
    void counter_write(unsigned slot, uint64_t value, KvmHw& hw);
    bool increment(unsigned slot, KvmHw& hw);  // kvm_pmu_incr_counter
    std::unique_ptr<RegisterTable> regs_;  // the guest's register rules (KVM's validity checks)
    bool host_fw_write_ = false;
    CpuConfig host_;
    bool perf_metrics_rule_ = false;
};

}  // namespace pmusim
