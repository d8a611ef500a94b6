// The VM's PMU event filter on the engine: the ioctl (Hypervisor::set_event_filter), KVM_REQ_PMU
// before each VM-entry (Hypervisor::kvm_pmu_handle_event) and the reference PMU under the filter
// (FilteredReference). KVM's own rules are in models/virt/event_filter.cpp and vpmu.cpp.
#include "sim/virt/event_filter_engine.h"

#include "sim/virt/hypervisor.h"

namespace pmusim {

namespace {
bool is_selector(uint32_t msr, MsrRef& m) {
    return decode_msr(msr, m) && (m.kind == RegKind::PerfEvtSel || m.kind == RegKind::FixedCtrCtrl);
}
}  // namespace

uint64_t FilteredReference::hw_value(const Pmu& ref, const MsrRef& m, uint64_t value) const {
    if (m.kind == RegKind::PerfEvtSel) return filtered_eventsel(filter.get(), value);
    return filtered_fixed_ctr_ctrl(filter.get(), value, ref.cpu().num_fixed);
}

AccessResult FilteredReference::write(Pmu& ref, uint32_t msr, uint64_t value) {
    MsrRef m;
    if (!is_selector(msr, m)) return ref.wrmsr(msr, value);
    // An absent register or a reserved bit #GPs as written, whatever the filter.
    const RegisterDesc* d = ref.registers().find(msr);
    if (!d || (value & d->reserved)) return ref.wrmsr(msr, value);
    const AccessResult r = ref.wrmsr(msr, hw_value(ref, m, value));
    if (r.ok) (m.kind == RegKind::PerfEvtSel ? evtsel[m.index] : fixed_ctr_ctrl) = value;
    return r;
}

AccessResult FilteredReference::read(Pmu& ref, uint32_t msr) const {
    AccessResult r = ref.rdmsr(msr);
    MsrRef m;
    if (r.ok && is_selector(msr, m)) r.value = m.kind == RegKind::PerfEvtSel ? evtsel[m.index] : fixed_ctr_ctrl;
    return r;
}

void FilteredReference::refilter(Pmu& ref, std::shared_ptr<const EventFilter> f) {
    filter = std::move(f);
    MsrRef m;
    for (unsigned i = 0; i < ref.cpu().num_gp; ++i) {
        decode_msr(msr::kPerfEvtSel0 + i, m);
        const uint64_t want = hw_value(ref, m, evtsel[i]);
        if (want != ref.state().evtsel[i]) ref.wrmsr(msr::kPerfEvtSel0 + i, want);
    }
    decode_msr(msr::kFixedCtrCtrl, m);
    const uint64_t want = hw_value(ref, m, fixed_ctr_ctrl);
    if (want != ref.state().fixed_ctr_ctrl) ref.wrmsr(msr::kFixedCtrCtrl, want);
}

void Hypervisor::set_event_filter(const EventFilter& f) {
    f.validate();
    const auto installed = std::make_shared<const EventFilter>(f);
    for (auto& v : e_->vcpus) v->kvm.set_filter(installed);
}

void Hypervisor::kvm_pmu_handle_event(Vcpu& v) {
    v.kvm.handle_pmu_event();
    // The reference takes a new filter at the same guest instant as the vCPU's selectors.
    if (v.ref_sel.filter == v.kvm.filter) return;
    v.ref->advance_fast(e_->cw->local_time(v.source));
    v.ref_sel.refilter(*v.ref, v.kvm.filter);
}

}  // namespace pmusim
