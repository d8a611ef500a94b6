// PMI delivery (docs/virtualization.md "Timeline"): which context each PMI request reaches, the
// legacy vPMU's forward of a backing event's overflow, and host perf's NMI handler.
#include "sim/virt/hypervisor.h"

namespace pmusim {

// Delivery: the LVTPC decides (SDM 10.5.1; perf_load_guest_lvtpc); a legacy backing event's
// overflow goes to host perf, whose callback (kvm_perf_overflow) forwards it to the vCPU.
void Hypervisor::route_pmis() {
    const auto& pmis = m_->pmis();
    for (; pmis_seen_ < pmis.size(); ++pmis_seen_) {
        const PmiRecord& p = pmis[pmis_seen_];
        // The mediated vector carries the guest's LVTPC mask, and the local APIC masks it as it
        // accepts a PMI (SDM 11.5.1): a masked LVTPC does not accept the PMI at all.
        // The checkers still see where it went (a host counter's PMI lost in a guest's vector).
        const bool to_guest = e_->lvtpc_guest >= 0, inhibited = to_guest && e_->lvtpc_masked;
        if (inhibited) ++e_->vcpu_of(e_->lvtpc_guest + 1)->sum.pmis_inhibited;
        if (to_guest) e_->lvtpc_masked = true;
        for (uint64_t bits = p.sources; bits; bits &= bits - 1) {
            const unsigned b = unsigned(__builtin_ctzll(bits));
            Vcpu* legacy = nullptr;
            if (!proto_.mediated() && b < kMaxGpCounters)
                for (auto& v : e_->vcpus)
                    for (int h : v->kvm.backing)
                        if (h == int(b)) legacy = v.get();
            int target = 0;
            if (e_->lvtpc_guest >= 0) target = e_->lvtpc_guest + 1;
            else if (legacy) target = legacy->ctx();
            const PmiRoute route{p, b, e_->prov.pmi_controller(b), target, e_->lvtpc_guest >= 0};
            each_checker([&](Checker& c) { c.on_pmi(route); });
            if (inhibited) continue;
            if (target == 0) {
                host_pmi_pending_ = true;
                continue;
            }
            Vcpu& v = *e_->vcpu_of(target);
            bool inject = true;
            if (legacy && e_->lvtpc_guest < 0) inject = legacy_overflow(v, b);
            if (inject) v.pending_pmi = true;                 // KVM_REQ_PMI
            if (e_->owner == v.ctx()) guest_pmi_stop_ = true;  // the vCPU is running: it exits
        }
    }
}

// kvm_perf_overflow (arch/x86/kvm/pmu.c): the guest's status bit is set; a PMI is injected
// only when the guest's selector (or fixed field) asks for one. Host perf's NMI handler
// acknowledges the backing counter's bit (legacy_ack_, at the next host PMI handling).
bool Hypervisor::legacy_overflow(Vcpu& v, unsigned hw_bit) {
    bool intr = false;
    for (unsigned s = 0; s < kNumCounterSlots; ++s) {
        if (v.kvm.backing[s] != int(hw_bit)) continue;
        v.kvm.st.global_status |= 1ull << status_bit_of_slot(s);
        v.kvm.st.global_status_t |= taint_of(v.ctx());
        intr |= s < kMaxGpCounters ? (v.kvm.st.eventsel[s] & evtsel::kInt) != 0
                                   : (fixed_field::of(v.kvm.st.fixed_ctr_ctrl, s - kMaxGpCounters) & fixed_field::kPmi) != 0;
    }
    legacy_ack_ |= 1ull << hw_bit;
    return intr;
}

void Hypervisor::host_pmi_if_pending() {
    if (legacy_ack_) {
        const uint64_t bits = legacy_ack_;
        legacy_ack_ = 0;
        const int t = e_->tag;
        e_->tag = Engine::kHostPmiTag;
        hw(-1, true, AccessKind::Wrmsr, msr::kGlobalStatusReset, bits, 0);
        e_->tag = t;
    }
    if (!host_pmi_pending_) return;
    host_pmi_pending_ = false;
    const int t = e_->tag;
    e_->tag = Engine::kHostPmiTag;
    each_checker([&](Checker& c) { c.on_pmi_delivered(0); });
    e_->host_perf->pmi(host_ops_);
    drain_host(host_ops_);
    e_->tag = t;
}

}  // namespace pmusim
