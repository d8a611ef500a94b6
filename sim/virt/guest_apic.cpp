// The guest's LVTPC on the time line (docs/virtualization.md "LVTPC and PMI delivery"): KVM's
// injection of a pending PMI through it (kvm_pmu_deliver_pmi -> kvm_apic_local_deliver), the
// guest perf handler's unmask, and the guest's own accesses to it, each repeated on the LVTPC its
// CPU would have on bare metal.
#include "models/virt/kvm_variants.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

// KVM_REQ_PMI at VM-entry. KVM injects only through an unmasked LVTPC, and (Intel) masks it as
// it injects; a masked LVTPC drops the request: the overflow stays in GLOBAL_STATUS.
void Hypervisor::deliver_pmi(Vcpu& v) {
    v.pending_pmi = false;
    if (!v.lvtpc.accept_pmi(!has_variant(sc_.kvm_variants, KvmVariant::LvtpcNoAutoMask))) {
        ++v.sum.pmis_masked;
        return;
    }
    each_checker([&](Checker& c) { c.on_pmi_delivered(v.ctx()); });
    // A guest without perf has no PMI handler: the PMI is delivered and nothing runs (its LVTPC
    // stays masked until its own code clears it, as a selftest's handler would).
    if (v.spec.perf.empty()) return;
    // The handler interrupts whatever the guest's perf was doing: its ops go first.
    OpQueue rest;
    rest.swap(v.ops);
    if (!v.spec.perf.late_ack) v.ops.push_back(lvtpc_unmask_op());
    v.perf->pmi(v.ops);
    for (auto& op : rest) v.ops.push_back(std::move(op));
    if (v.spec.perf.late_ack) v.unmask_at = e_->cw->local_time(v.source) + v.spec.perf.handler_cycles;
}

// intel_pmu_handle_irq's apic_write(APIC_LVTPC, APIC_DM_NMI): through the x2APIC MSR, an exit.
SoftOp Hypervisor::lvtpc_unmask_op() {
    SoftOp op;
    op.kind = SoftOp::Kind::Wrmsr;
    op.index = Lvtpc::kX2apicMsr;
    op.value = Lvtpc::kNmi;
    op.what = "PMI handler: LVTPC unmasked";
    return op;
}

// The late ack falls due: queued behind whatever the guest's perf is doing. // The handler re-reads GLOBAL_STATUS first (an overflow while it ran is handled now: the LVTPC
// did not take its PMI).
bool Hypervisor::lvtpc_unmask_due(Vcpu& v) {
    if (e_->cw->local_time(v.source) < v.unmask_at) return false;
    v.unmask_at = kForever;
    if (v.spec.perf.handler_cycles) v.perf->pmi_recheck(v.ops);
    v.ops.push_back(lvtpc_unmask_op());
    return true;
}

// The guest's access to its LVTPC, emulated by KVM's local APIC, and the same access on the LVTPC
// its CPU would have (brought to the same guest cycle first, so PMIs raised before it mask it).
GuestAccess Hypervisor::lvtpc_access(Vcpu& v, AccessKind k, uint64_t value) {
    e_->sync_reference_apic(v);
    const bool write = k == AccessKind::Wrmsr;
    const AccessResult ref = write ? v.ref_lvtpc.wrmsr(value) : v.ref_lvtpc.rdmsr();
    const AccessResult got = write ? v.lvtpc.wrmsr(value) : v.lvtpc.rdmsr();
    return GuestAccess{v, k, Lvtpc::kX2apicMsr, value, true, got.ok, got.ok ? got.value : 0, taint_of(v.ctx()), ref};
}

}  // namespace pmusim
