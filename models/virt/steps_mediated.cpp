// The steps of KVM's mediated vPMU, each declared once: its name, path, register footprint,
// what it does and where the rule comes from, beside its behaviour. Load path: the order of
// kvm_mediated_pmu_load() with perf_load_guest_context(); exit path: kvm_mediated_pmu_put() and
// perf_put_guest_context() (Linux arch/x86/kvm/pmu.c, arch/x86/kvm/vmx/pmu_intel.c,
// kernel/events/core.c; the PERF_METRICS patch "KVM: x86/pmu: Support PERF_METRICS MSR in
// mediated vPMU"). Variants that `replace:` can swap in sit beside the step they vary.
#include "models/virt/protocol.h"
#include "models/virt/step_context.h"
#include "models/virt/costs.h"

namespace pmusim {

namespace {
using P = Path;

uint32_t pmc_base(StepContext& c) { return c.host().fw_write() ? msr::kAPmc0 : msr::kPmc0; }

// ---- load path ----------------------------------------------------------------------------

void perf_load_guest_context(StepContext& c) { c.host_perf_sched_out(); }
// The mutant: the CPU context only; the current task's events stay scheduled in.
void perf_load_guest_context_cpu_only(StepContext& c) { c.host_perf_sched_out(false); }
void zero_global_ctrl(StepContext& c) { c.wrmsr(msr::kGlobalCtrl, 0, 0); }
void load_guest_lvtpc(StepContext& c) { c.set_lvtpc_guest(true, true); }

// Per exposed counter: the saved value (elided when RDPMC shows it is already there, v6 34/44),
// then the selector as KVM filtered it (`filtered` false: as the guest wrote it, a variant).
void load_pmcs(StepContext& c, bool elide, bool filtered = true) {
    KvmVpmu& v = c.vcpu();
    const KvmPmuState& s = v.st;
    const Taint g = taint_of(v.ctx);
    for (unsigned i = 0; i < v.config.num_gp; ++i) {
        if (elide && c.rdpmc(rdpmc_ecx::gp(i)).value == s.gp[i]) c.verified_counter(i, s.gp_t[i]);
        else c.wrmsr(pmc_base(c) + i, s.gp[i], s.gp_t[i]);
        c.wrmsr(msr::kPerfEvtSel0 + i, filtered ? s.eventsel_hw[i] : s.eventsel[i], g);
    }
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) {
        if (!v.config.has_fixed(i)) continue;
        if (elide && c.rdpmc(rdpmc_ecx::fixed(i)).value == s.fixed[i]) c.verified_counter(fixed_slot(i), s.fixed_t[i]);
        else c.wrmsr(msr::kFixedCtr0 + i, s.fixed[i], s.fixed_t[i]);
    }
}
void load_guest_pmcs(StepContext& c) { load_pmcs(c, true); }
// A wrong elision (a mutant): the counters are taken to be still in hardware when this vCPU was
// last loaded on this CPU, a per-vCPU "same CPU as last time" cache. It forgets that its put
// zeroed them and that host perf and other vCPUs used them since; only the RDPMC comparison of
// kvm_pmu_load_guest_pmcs is safe.
void load_guest_pmcs_elide_same_cpu(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    const bool same = v.last_cpu == int(c.cpu());
    v.last_cpu = int(c.cpu());
    if (!same) return load_pmcs(c, true);
    // Nothing is read, so nothing is verified: the counters keep what (and whom) they hold.
    for (unsigned i = 0; i < v.config.num_gp; ++i) c.wrmsr(msr::kPerfEvtSel0 + i, v.st.eventsel_hw[i], taint_of(v.ctx));
}
void load_guest_pmcs_no_elide(StepContext& c) { load_pmcs(c, false); }
void load_guest_pmcs_unfiltered(StepContext& c) { load_pmcs(c, true, false); }

void load_perf_metrics(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    if (!v.config.perf_metrics) return;
    c.wrmsr(msr::kPerfMetrics, v.st.perf_metrics, v.st.perf_metrics_t);
    if (v.st.perf_metrics) v.pm_restored += v.st.fixed[3];  // each restore rounds to the field width
}

// GLOBAL_STATUS is read-only: reach the guest value G by toggling through RESET and SET.
void load_global_status(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    const uint64_t G = v.st.global_status;
    const uint64_t H = c.rdmsr(msr::kGlobalStatus).value;
    const uint64_t toggle = G ^ H;
    if (H & toggle) c.wrmsr(msr::kGlobalStatusReset, H & toggle, 0);
    if (G & toggle) c.wrmsr(msr::kGlobalStatusSet, G & toggle, v.st.global_status_t);
    c.verified_status(guest_status_bits(v.config), G, v.st.global_status_t);
}
void load_global_status_set_only(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    if (v.st.global_status) c.wrmsr(msr::kGlobalStatusSet, v.st.global_status, v.st.global_status_t);
}

void load_fixed_ctr_ctrl(StepContext& c) {
    c.wrmsr(msr::kFixedCtrCtrl, c.vcpu().st.fixed_ctr_ctrl_hw, taint_of(c.vcpu().ctx));
}
void load_fixed_ctr_ctrl_unfiltered(StepContext& c) {
    c.wrmsr(msr::kFixedCtrCtrl, c.vcpu().st.fixed_ctr_ctrl, taint_of(c.vcpu().ctx));
}

// VM-entry loads GUEST_IA32_PERF_GLOBAL_CTRL atomically with the switch to the guest.
void vmentry(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    c.elapse(c.costs().vmentry);
    if (v.vmcs.entry_load_global_ctrl) c.vmx_load_global_ctrl(v.vmcs.guest_global_ctrl, v.vmcs.guest_global_ctrl_t);
    c.enter_guest();
}

// ---- exit path ----------------------------------------------------------------------------

// At the exit itself: save the guest value, load the host's constant 0 (V6-21).
void vm_exit(StepContext& c, GlobalCtrlSave save, bool host_load) {
    KvmVpmu& v = c.vcpu();
    if (save != GlobalCtrlSave::None) {
        const KvmHw::Result g = c.hw_global_ctrl();
        v.vmcs.guest_global_ctrl = g.value;
        v.vmcs.guest_global_ctrl_t = g.taint;
    }
    if (host_load && v.vmcs.exit_load_global_ctrl) c.vmx_load_global_ctrl(v.vmcs.host_global_ctrl, 0);
    c.elapse(c.costs().vmexit + (save == GlobalCtrlSave::MsrStoreList ? c.costs().msr_store_list : 0));
    // With GLOBAL_CTRL passed through, KVM copies the saved guest value (vmx_vcpu_run).
    if (v.icpt.global_regs_passthrough && save != GlobalCtrlSave::None) v.st.global_ctrl = v.vmcs.guest_global_ctrl;
}
void vmexit(StepContext& c) { vm_exit(c, c.vcpu().vmcs.save, true); }
void vmexit_no_host_load(StepContext& c) { vm_exit(c, c.vcpu().vmcs.save, false); }
void vmexit_no_save(StepContext& c) { vm_exit(c, GlobalCtrlSave::None, true); }

void put_global_status(StepContext& c) {
    KvmVpmu& v = c.vcpu();
    const KvmHw::Result r = c.rdmsr(msr::kGlobalStatus);
    v.st.global_status = r.value & guest_status_bits(v.config);
    v.st.global_status_t = r.taint;
    if (r.value) c.wrmsr(msr::kGlobalStatusReset, r.value, 0);
}

void put_fixed_ctr_ctrl(StepContext& c) {
    if (c.vcpu().st.fixed_ctr_ctrl_hw) c.wrmsr(msr::kFixedCtrCtrl, 0, 0);
}

void put_metrics(StepContext& c, bool zero) {
    KvmVpmu& v = c.vcpu();
    if (!v.config.perf_metrics) return;
    const KvmHw::Result r = c.rdpmc(rdpmc_ecx::metrics());
    v.st.perf_metrics = r.value;
    v.st.perf_metrics_t = r.taint;
    if (r.value && zero) c.wrmsr(msr::kPerfMetrics, 0, 0);
}
void put_perf_metrics(StepContext& c) { put_metrics(c, true); }
void put_perf_metrics_save_only(StepContext& c) { put_metrics(c, false); }

// Per exposed counter: RDPMC into the vCPU, zero the counter (a zero read is verified zero) and
// the selector.
void put_pmcs(StepContext& c, bool selectors) {
    KvmVpmu& v = c.vcpu();
    KvmPmuState& s = v.st;
    for (unsigned i = 0; i < v.config.num_gp; ++i) {
        const KvmHw::Result r = c.rdpmc(rdpmc_ecx::gp(i));
        s.gp[i] = r.value;
        s.gp_t[i] = r.taint;
        if (r.value) c.wrmsr(msr::kPmc0 + i, 0, 0);
        else c.verified_counter(i, 0);
        if (selectors && s.eventsel_hw[i]) c.wrmsr(msr::kPerfEvtSel0 + i, 0, 0);
    }
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) {
        if (!v.config.has_fixed(i)) continue;
        const KvmHw::Result r = c.rdpmc(rdpmc_ecx::fixed(i));
        s.fixed[i] = r.value;
        s.fixed_t[i] = r.taint;
        if (r.value) c.wrmsr(msr::kFixedCtr0 + i, 0, 0);
        else c.verified_counter(fixed_slot(i), 0);
    }
}
void put_guest_pmcs(StepContext& c) { put_pmcs(c, true); }
void put_guest_pmcs_keep_selectors(StepContext& c) { put_pmcs(c, false); }

void put_guest_lvtpc(StepContext& c) { c.set_lvtpc_guest(false, true); }

void perf_put_guest_context(StepContext& c) {
    c.pmu_to_host(true);
    c.host_perf_sched_in();
}

}  // namespace

const std::vector<StepInfo>& mediated_steps() {
    static const std::vector<StepInfo> steps = {
        step("perf_load_guest_context", P::Load, true, {"PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS"},
             {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL"},
             "host perf schedules out its exclude_guest events (saves counts, FIXED_CTR3/PERF_METRICS without reset)",
             "perf_load_guest_context (kernel/events/core.c, mediated PMU series)", perf_load_guest_context),
        step("zero_global_ctrl", P::Load, true, {}, {"GLOBAL_CTRL"}, "WRMSR GLOBAL_CTRL = 0 before loading guest state",
             "kvm_mediated_pmu_load (arch/x86/kvm/pmu.c)", zero_global_ctrl),
        step("load_guest_lvtpc", P::Load, true, {}, {"LVTPC"}, "LVTPC := mediated PMI vector, mask from the guest LVTPC",
             "perf_load_guest_lvtpc (arch/x86/events/core.c)", load_guest_lvtpc),
        step("load_guest_pmcs", P::Load, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"},
             {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
             "per exposed counter: RDPMC, WRMSR the saved value if it differs; WRMSR eventsel_hw",
             "kvm_pmu_load_guest_pmcs (v6 34/44 elides matching values)", load_guest_pmcs),
        step("load_perf_metrics", P::Load, true, {"FIXED_CTR3"}, {"PERF_METRICS"},
             "WRMSR PERF_METRICS = saved value, right after FIXED_CTR3 (guests with PERF_METRICS)",
             "intel_mediated_pmu_load (PERF_METRICS patch)", load_perf_metrics),
        step("load_global_status", P::Load, true, {"GLOBAL_STATUS"}, {"GLOBAL_STATUS"},
             "restore GLOBAL_STATUS by toggling: STATUS_RESET = H & (G^H), STATUS_SET = G & (G^H)",
             "intel_mediated_pmu_load (arch/x86/kvm/vmx/pmu_intel.c)", load_global_status),
        step("load_fixed_ctr_ctrl", P::Load, true, {}, {"FIXED_CTR_CTRL"}, "WRMSR FIXED_CTR_CTRL = fixed_ctr_ctrl_hw",
             "intel_mediated_pmu_load", load_fixed_ctr_ctrl),
        step("vmentry", P::Load, true, {}, {"GLOBAL_CTRL"},
             "VM-entry: load GUEST_IA32_PERF_GLOBAL_CTRL (VM-entry control bit 13)", "SDM Vol.3C 25.8.1, 26.3.2.1",
             vmentry),
        step("vmexit", P::Exit, true, {"GLOBAL_CTRL"}, {"GLOBAL_CTRL"},
             "VM-exit: save the guest GLOBAL_CTRL (VMCS or MSR-store list), load the host value 0",
             "SDM Vol.3C 25.7.1, 27.3.1, 27.5.1; vmx_set_constant_host_state (V6-21)", vmexit),
        step("put_global_status", P::Exit, true, {"GLOBAL_STATUS"}, {"GLOBAL_STATUS"},
             "RDMSR GLOBAL_STATUS into the vCPU; STATUS_RESET it if non-zero", "intel_mediated_pmu_put",
             put_global_status),
        step("put_fixed_ctr_ctrl", P::Exit, true, {}, {"FIXED_CTR_CTRL"},
             "WRMSR FIXED_CTR_CTRL = 0 if the guest's is non-zero", "intel_mediated_pmu_put", put_fixed_ctr_ctrl),
        step("put_perf_metrics", P::Exit, true, {"PERF_METRICS", "FIXED_CTR3"}, {"PERF_METRICS"},
             "RDPMC PERF_METRICS into the vCPU; WRMSR PERF_METRICS = 0 if non-zero",
             "intel_mediated_pmu_put (PERF_METRICS patch)", put_perf_metrics),
        step("put_guest_pmcs", P::Exit, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"},
             {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
             "per exposed counter: RDPMC into the vCPU, zero the counter and the selector", "kvm_pmu_put_guest_pmcs",
             put_guest_pmcs),
        step("put_guest_lvtpc", P::Exit, true, {}, {"LVTPC"}, "LVTPC back to NMI",
             "perf_put_guest_lvtpc (arch/x86/events/core.c)", put_guest_lvtpc),
        step("perf_put_guest_context", P::Exit, true, {},
             {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL", "PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS"},
             "host perf schedules its events back in (restores FIXED_CTR3 then PERF_METRICS if it saved slots)",
             "perf_put_guest_context; icl_set_topdown_event_period (arch/x86/events/intel/core.c)",
             perf_put_guest_context),
        // Variants (to replace the steps above).
        step("perf_load_guest_context_cpu_only", P::Load, true, {},
             {"GLOBAL_CTRL", "PERFEVTSEL", "FIXED_CTR_CTRL", "PMC", "FIXED_CTR", "FIXED_CTR3", "PERF_METRICS"},
             "host perf schedules out the CPU context's events only, leaving the current task's counting",
             "variant of perf_load_guest_context (which schedules out the task context's exclude_guest events too)",
             perf_load_guest_context_cpu_only),
        step("load_guest_pmcs_no_elide", P::Load, true, {}, {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
             "load_guest_pmcs without the RDPMC check: always WRMSR", "variant of load_guest_pmcs (pre-v6 behaviour)",
             load_guest_pmcs_no_elide),
        step("load_guest_pmcs_elide_same_cpu", P::Load, true, {}, {"PERFEVTSEL"},
             "load_guest_pmcs eliding every counter WRMSR when the vCPU was last loaded on this CPU (no RDPMC)",
             "variant of load_guest_pmcs (a per-vCPU last-CPU cache instead of kvm_pmu_load_guest_pmcs's rdpmc check)",
             load_guest_pmcs_elide_same_cpu),
        step("load_guest_pmcs_unfiltered", P::Load, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"},
             {"PMC", "PERFEVTSEL", "FIXED_CTR", "FIXED_CTR3"},
             "load_guest_pmcs with the selectors as the guest wrote them (eventsel), not eventsel_hw",
             "variant of load_guest_pmcs (ignores kvm_mediated_pmu_refresh_event_filter)", load_guest_pmcs_unfiltered),
        step("load_fixed_ctr_ctrl_unfiltered", P::Load, true, {}, {"FIXED_CTR_CTRL"},
             "WRMSR FIXED_CTR_CTRL = fixed_ctr_ctrl as the guest wrote it, not fixed_ctr_ctrl_hw",
             "variant of load_fixed_ctr_ctrl (ignores kvm_mediated_pmu_refresh_event_filter)",
             load_fixed_ctr_ctrl_unfiltered),
        step("load_global_status_set_only", P::Load, true, {}, {"GLOBAL_STATUS"},
             "STATUS_SET = G only, stale bits left set", "variant of load_global_status", load_global_status_set_only),
        step("put_perf_metrics_save_only", P::Exit, true, {"PERF_METRICS", "FIXED_CTR3"}, {},
             "save PERF_METRICS but leave it in hardware", "variant of put_perf_metrics", put_perf_metrics_save_only),
        step("put_guest_pmcs_keep_selectors", P::Exit, true, {"PMC", "FIXED_CTR", "FIXED_CTR3"},
             {"PMC", "FIXED_CTR", "FIXED_CTR3"}, "save and zero the counters, leave the selectors",
             "variant of put_guest_pmcs", put_guest_pmcs_keep_selectors),
        step("vmexit_no_host_load", P::Exit, true, {"GLOBAL_CTRL"}, {},
             "VM-exit saves the guest GLOBAL_CTRL but does not load the host's 0 (exit control bit 12 clear)",
             "variant of vmexit", vmexit_no_host_load),
        step("vmexit_no_save", P::Exit, true, {}, {"GLOBAL_CTRL"},
             "VM-exit loads the host's 0 but keeps no copy of the guest GLOBAL_CTRL", "variant of vmexit",
             vmexit_no_save),
    };
    return steps;
}

}  // namespace pmusim
