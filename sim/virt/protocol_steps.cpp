// The behaviour of every named protocol step (models/virt/protocol.cpp names them): the MSR and
// RDPMC operations KVM, perf and the VMX hardware perform, each charged its cycle cost.
// Mediated: reference §4.4 (load) and §4.5 (exit); legacy: §4.6 and §4.11.
#include <sstream>

#include "sim/virt/hypervisor.h"

namespace pmusim {

namespace {
constexpr uint64_t kUsr = 1ull << 16, kOs = 1ull << 17, kInt = 1ull << 20, kEn = 1ull << 22;
}

void Hypervisor::step_mediated(Vcpu& v, const std::string& n) {
    KvmPmuState& s = v.st;
    const VpmuConfig& vp = v.spec.vpmu;
    const Taint g = taint_of(v.ctx);
    const CpuConfig& host = m_->cpu();
    const uint32_t pmc_base = host.fw_write() ? msr::kAPmc0 : msr::kPmc0;  // full-width writes where the host has them

    if (n == "perf_load_guest_context") {
        host_enabling_ = false;
        host_perf_->sched_out(host_ops_);
        drain_host(host_ops_);
    } else if (n == "zero_global_ctrl") {
        kvm_wr(msr::kGlobalCtrl, 0, 0);
    } else if (n == "load_guest_lvtpc") {
        lvtpc_guest_ = v.ctx - 1;
        trace();
        elapse(sc_.costs.apic);
    } else if (n == "load_guest_pmcs" || n == "load_guest_pmcs_no_elide") {
        const bool elide = n == "load_guest_pmcs";
        for (unsigned i = 0; i < vp.num_gp; ++i) {
            if (elide && kvm_rdpmc(i).value == s.gp[i]) prov_.counter[i] = s.gp_t[i];  // verified equal
            else kvm_wr(pmc_base + i, s.gp[i], s.gp_t[i]);
            kvm_wr(msr::kPerfEvtSel0 + i, s.eventsel_hw[i], g);
        }
        for (unsigned i = 0; i < vp.num_fixed; ++i) {
            if (elide && kvm_rdpmc((1u << 30) | i).value == s.fixed[i]) prov_.counter[fixed_slot(i)] = s.fixed_t[i];
            else kvm_wr(msr::kFixedCtr0 + i, s.fixed[i], s.fixed_t[i]);
        }
    } else if (n == "load_perf_metrics") {
        if (vp.perf_metrics) {
            kvm_wr(msr::kPerfMetrics, s.perf_metrics, s.perf_metrics_t);
            if (s.perf_metrics) v.pm_restored += s.fixed[3];  // each restore rounds to the field width
        }
    } else if (n == "load_global_status" || n == "load_global_status_set_only") {
        const uint64_t G = s.global_status;
        if (n == "load_global_status") {
            // GLOBAL_STATUS is read-only: reach G by toggling through RESET and SET.
            const uint64_t H = kvm_rd(msr::kGlobalStatus).value;
            const uint64_t toggle = G ^ H;
            if (H & toggle) kvm_wr(msr::kGlobalStatusReset, H & toggle, 0);
            if (G & toggle) kvm_wr(msr::kGlobalStatusSet, G & toggle, s.global_status_t);
            const uint64_t bits = guest_status_bits(vp);
            for (unsigned b = 0; b < 64; ++b)
                if ((bits >> b) & 1u) prov_.status[b] = ((G >> b) & 1u) ? s.global_status_t : 0;  // verified
        } else if (G) {
            kvm_wr(msr::kGlobalStatusSet, G, s.global_status_t);
        }
    } else if (n == "load_fixed_ctr_ctrl") {
        kvm_wr(msr::kFixedCtrCtrl, s.fixed_ctr_ctrl_hw, g);
    } else if (n == "vmentry") {
        elapse(sc_.costs.vmentry);
        // VM-entry loads GUEST_IA32_PERF_GLOBAL_CTRL atomically with the switch to the guest.
        if (v.vmcs.entry_load_global_ctrl)
            hw(-1, true, SoftOp::Kind::Wrmsr, msr::kGlobalCtrl, v.vmcs.guest_global_ctrl, v.vmcs.guest_global_ctrl_t, false);
        entered_ = true;
        handover_to_guest(v);
    } else if (n == "vmexit" || n == "vmexit_no_host_load" || n == "vmexit_no_save") {
        // At the exit itself: save the guest value, load the host's constant 0 (V6-21).
        const GlobalCtrlSave save = n == "vmexit_no_save" ? GlobalCtrlSave::None : v.vmcs.save;
        if (save != GlobalCtrlSave::None) {
            v.vmcs.guest_global_ctrl = m_->pmu().state().global_ctrl;
            v.vmcs.guest_global_ctrl_t = prov_.global_ctrl;
        }
        if (n != "vmexit_no_host_load" && v.vmcs.exit_load_global_ctrl)
            hw(-1, true, SoftOp::Kind::Wrmsr, msr::kGlobalCtrl, v.vmcs.host_global_ctrl, 0, false);
        elapse(sc_.costs.vmexit + (save == GlobalCtrlSave::MsrStoreList ? sc_.costs.msr_store_list : 0));
        // With GLOBAL_CTRL passed through, KVM copies the saved guest value (vmx_vcpu_run).
        if (v.icpt.global_regs_passthrough && save != GlobalCtrlSave::None) s.global_ctrl = v.vmcs.guest_global_ctrl;
    } else if (n == "put_global_status") {
        const OpResult r = kvm_rd(msr::kGlobalStatus);
        s.global_status = r.value & guest_status_bits(vp);
        s.global_status_t = r.taint;
        if (r.value) kvm_wr(msr::kGlobalStatusReset, r.value, 0);
    } else if (n == "put_fixed_ctr_ctrl") {
        if (s.fixed_ctr_ctrl_hw) kvm_wr(msr::kFixedCtrCtrl, 0, 0);
    } else if (n == "put_perf_metrics" || n == "put_perf_metrics_save_only") {
        if (vp.perf_metrics) {
            const OpResult r = kvm_rdpmc(1u << 29);
            s.perf_metrics = r.value;
            s.perf_metrics_t = r.taint;
            if (r.value && n == "put_perf_metrics") kvm_wr(msr::kPerfMetrics, 0, 0);
        }
    } else if (n == "put_guest_pmcs" || n == "put_guest_pmcs_keep_selectors") {
        for (unsigned i = 0; i < vp.num_gp; ++i) {
            const OpResult r = kvm_rdpmc(i);
            s.gp[i] = r.value;
            s.gp_t[i] = r.taint;
            if (r.value) kvm_wr(msr::kPmc0 + i, 0, 0);
            else prov_.counter[i] = 0;  // verified zero
            if (n == "put_guest_pmcs" && s.eventsel_hw[i]) kvm_wr(msr::kPerfEvtSel0 + i, 0, 0);
        }
        for (unsigned i = 0; i < vp.num_fixed; ++i) {
            const OpResult r = kvm_rdpmc((1u << 30) | i);
            s.fixed[i] = r.value;
            s.fixed_t[i] = r.taint;
            if (r.value) kvm_wr(msr::kFixedCtr0 + i, 0, 0);
            else prov_.counter[fixed_slot(i)] = 0;
        }
    } else if (n == "put_guest_lvtpc") {
        lvtpc_guest_ = -1;
        trace();
        elapse(sc_.costs.apic);
    } else if (n == "perf_put_guest_context") {
        handover_to_host(v);
        host_enabling_ = true;
        host_perf_->sched_in(host_ops_);
        drain_host(host_ops_);
    } else {
        throw std::logic_error("no behaviour for mediated step " + n);
    }
}

// Legacy vPMU: each guest counter is a host perf event (exclude_host) on a hardware GP counter
// the host does not use; the guest's accesses are all emulated; VM-entry/exit switch
// GLOBAL_CTRL between the backing counters and the host's (perf_guest_get_msrs).
void Hypervisor::legacy_assign(Vcpu& v) {
    KvmPmuState& s = v.st;
    const VpmuConfig& vp = v.spec.vpmu;
    const CpuConfig& host = m_->cpu();
    uint64_t used = host_perf_->gp_bits();
    for (auto& o : vcpus_)
        for (int b : o->backing)
            if (b >= 0) used |= 1ull << b;
    auto want = [&](unsigned slot) -> uint64_t {
        if (slot < kMaxGpCounters) return (s.eventsel[slot] & kEn) ? s.eventsel[slot] : 0;
        const unsigned f = slot - kMaxGpCounters;
        const uint64_t field = (s.fixed_ctr_ctrl >> (4 * f)) & 0xf;
        if (!(field & 3)) return 0;
        static const uint64_t arch[3] = {0xc0, 0x3c, 0x13c};  // generic encodings (intel_get_fixed_pmc_eventsel)
        return arch[f] | ((field & 1) ? kOs : 0) | ((field & 2) ? kUsr : 0) | ((field & 8) ? kInt : 0) | kEn;
    };
    for (unsigned slot = 0; slot < kNumCounterSlots; ++slot) {
        const bool exposed = slot < kMaxGpCounters ? slot < vp.num_gp : (slot - kMaxGpCounters) < vp.num_fixed;
        if (!exposed) continue;
        const uint64_t sel = want(slot);
        int& b = v.backing[slot];
        if (!sel) {
            if (b >= 0) {
                // Keep the count in software, release the counter.
                const OpResult r = kvm_rdpmc(uint32_t(b));
                if (slot < kMaxGpCounters) s.gp[slot] = r.value, s.gp_t[slot] = r.taint;
                else s.fixed[slot - kMaxGpCounters] = r.value, s.fixed_t[slot - kMaxGpCounters] = r.taint;
                kvm_wr(msr::kPerfEvtSel0 + uint32_t(b), 0, 0);
                b = -1;
            }
            continue;
        }
        if (b < 0) {
            for (int c = int(host.num_gp) - 1; c >= 0; --c)
                if (!((used >> c) & 1u)) {
                    b = c;
                    break;
                }
            if (b < 0) continue;  // perf cannot schedule it: the guest counter does not count
            used |= 1ull << b;
            const uint64_t val = slot < kMaxGpCounters ? s.gp[slot] : s.fixed[slot - kMaxGpCounters];
            const Taint t = slot < kMaxGpCounters ? s.gp_t[slot] : s.fixed_t[slot - kMaxGpCounters];
            kvm_wr(host.fw_write() ? msr::kAPmc0 + uint32_t(b) : msr::kPmc0 + uint32_t(b), val, t);
        }
        kvm_wr(msr::kPerfEvtSel0 + uint32_t(b), sel, taint_of(v.ctx));
    }
}

void Hypervisor::step_legacy(Vcpu& v, const std::string& n) {
    if (n == "legacy_reprogram") {
        if (v.legacy_dirty) legacy_assign(v);
        v.legacy_dirty = false;
    } else if (n == "atomic_switch_perf_msrs") {
        uint64_t guest = 0;
        for (unsigned slot = 0; slot < kNumCounterSlots; ++slot)
            if (v.backing[slot] >= 0 && ((v.st.global_ctrl >> status_bit_of_slot(slot)) & 1u)) guest |= 1ull << v.backing[slot];
        v.vmcs.guest_global_ctrl = guest;
        v.vmcs.guest_global_ctrl_t = guest ? taint_of(v.ctx) : 0;
        v.vmcs.host_global_ctrl = host_perf_->counter_bits();
        elapse(sc_.costs.msr_read);
    } else if (n == "legacy_vmentry") {
        elapse(sc_.costs.vmentry);
        host_window(false);
        hw(-1, true, SoftOp::Kind::Wrmsr, msr::kGlobalCtrl, v.vmcs.guest_global_ctrl, v.vmcs.guest_global_ctrl_t, false);
        lvtpc_guest_ = -1;  // the legacy vPMU never retargets the LVTPC
        entered_ = true;
    } else if (n == "legacy_vmexit") {
        hw(-1, true, SoftOp::Kind::Wrmsr, msr::kGlobalCtrl, v.vmcs.host_global_ctrl, v.vmcs.host_global_ctrl ? taint_of(0) : 0, false);
        host_window(true);
        elapse(sc_.costs.vmexit);
        handed_over_ = true;  // nothing of the guest is saved or restored: there is no handover
    } else {
        throw std::logic_error("no behaviour for step " + n);
    }
}

void Hypervisor::step_custom(Vcpu& v, const StepInfo& st) {
    for (const RawOp& op : st.ops) {
        switch (op.kind) {
            case RawOp::Kind::Rdmsr: kvm_rd(op.index); break;
            case RawOp::Kind::Wrmsr: kvm_wr(op.index, op.value, 0); break;
            case RawOp::Kind::Rdpmc: kvm_rdpmc(op.index); break;
        }
    }
    (void)v;
}

}  // namespace pmusim
