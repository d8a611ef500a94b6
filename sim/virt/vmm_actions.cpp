// A VMM's timed actions on a vCPU through KVM's userspace interface (docs/virtualization.md
// "Userspace interface"): KVM_SET_MSRS, KVM_GET_MSRS and vCPU RESET, between host slices, when
// no vCPU is in guest mode. The guest's reference PMU follows what the VMM set (the VMM defines
// the guest's new state); what KVM_GET_MSRS returns is recorded beside the reference's value,
// as the guest would read it on bare metal, with the action's expectations.
#include <algorithm>

#include "models/virt/kvm_uapi.h"
#include "models/core/quote_value.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

namespace {
Vcpu& vcpu_named(Engine& e, const std::string& name) {
    for (auto& v : e.vcpus)
        if (v->spec.name == name) return *v;
    throw std::invalid_argument("vmm: no guest named " + quote_value(name));
}
}  // namespace

void Hypervisor::vmm_due() {
    while (next_vmm_ < sc_.vmm.size() && sc_.vmm[next_vmm_].at <= m_->cycle()) vmm_run(sc_.vmm[next_vmm_++]);
}

void Hypervisor::vmm_record(Vcpu& v, AccessKind k, uint32_t idx, uint64_t written, bool ok, uint64_t value,
                            const Expectation& expect, const std::string& label, const std::string& where,
                            const std::string& rule_broken) {
    ProgramRecord r;
    r.guest = v.ctx();
    r.guest_name = v.spec.name;
    r.reg = e_->reg_name(k, idx);
    r.cycle = m_->cycle();
    r.local = e_->cw->local_time(v.source);
    r.kind = k;
    r.index = idx;
    r.written = written;
    r.seen = {!ok, ok ? value : 0, true, r.cycle, r.local};
    const AccessResult ref = k == AccessKind::Rdmsr ? v.ref->rdmsr(idx) : AccessResult::value_of(0);
    r.ref_gp = !ref.ok;
    r.ref_value = ref.ok ? ref.value : 0;
    r.label = label;
    r.where = where;
    r.expect = expect.describe();
    if (!expect.any()) r.failure = expect.check(r.seen.gp, r.seen.value);
    if (!rule_broken.empty()) r.failure = rule_broken;
    e_->programs.add(std::move(r), !expect.any() || !rule_broken.empty());
}

// KVM_GET_MSRS of the PMU state (msrs_to_save of this host, or the VMM's own list) as the VMM
// saves it for live migration, each read recorded.
std::vector<std::pair<uint32_t, uint64_t>> Hypervisor::vmm_save_msrs(Vcpu& v, const VmmAction& a, KvmVcpuUapi& api) {
    std::vector<uint32_t> list = a.get.empty() ? msrs_to_save(m_->cpu(), proto_.mediated()) : a.get;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](uint32_t m) { return std::find(a.omit.begin(), a.omit.end(), m) != a.omit.end(); }),
               list.end());
    std::vector<uint64_t> saved;
    std::string why;
    const size_t n = api.get_msrs(list, saved, *this, &why);
    std::vector<std::pair<uint32_t, uint64_t>> entries;
    for (size_t i = 0; i < n; ++i) {
        vmm_record(v, AccessKind::Rdmsr, list[i], 0, true, saved[i], Expectation{}, "vmm: migrate save", a.where);
        entries.push_back({list[i], saved[i]});
    }
    return entries;
}

// Save through KVM_GET_MSRS, a fresh vCPU, restore through KVM_SET_MSRS (the VMM's side of live
// migration, on this host). The reference is not touched.
void Hypervisor::vmm_migrate(Vcpu& v, const VmmAction& a, KvmVcpuUapi& api) {
    const std::vector<std::pair<uint32_t, uint64_t>> entries = vmm_save_msrs(v, a, api);
    api.reset();
    std::string why;
    const size_t m = api.set_msrs(entries, *this, &why);
    for (size_t i = 0; i < entries.size() && i <= m; ++i)
        vmm_record(v, AccessKind::Wrmsr, entries[i].first, entries[i].second, i < m, 0, Expectation{}, "vmm: migrate restore",
                   a.where + (i < m ? "" : ": " + why));
    v.kvm.pm_restored = 0;
}

int Hypervisor::vmm_enter(Vcpu& v) {
    const int saved_tag = e_->tag;
    e_->owner = 0;
    e_->tag = e_->tag_of("vmm");
    cur_ = &v;
    v.ref->advance_fast(e_->cw->local_time(v.source));
    return saved_tag;
}

void Hypervisor::vmm_run(const VmmAction& a) {
    if (a.kind == VmmAction::Kind::EventFilter) {
        set_event_filter(*a.filter);  // validated when read; no vCPU is in guest mode here
        return;
    }
    Vcpu& v = vcpu_named(*e_, a.vcpu);
    const int saved_tag = vmm_enter(v);
    KvmVcpuUapi api(v.kvm, m_->cpu());
    std::string why;
    switch (a.kind) {
        case VmmAction::Kind::SetMsrs: {
            const size_t n = api.set_msrs(a.set, *this, &why);
            for (size_t i = 0; i < a.set.size() && i <= n; ++i) {
                const auto [idx, x] = a.set[i];
                std::vector<uint64_t> held;
                // The reference takes what KVM now holds (KVM's masks and rules applied).
                if (i < n && idx != msr::kPerfCapabilities && api.get_msrs({idx}, held, *this) == 1) {
                    v.ref->load_register(idx, held[0]);
                    if (idx == msr::kPerfMetrics) v.kvm.pm_restored = 0;
                }
                vmm_record(v, AccessKind::Wrmsr, idx, x, i < n, 0, Expectation{}, "vmm: set_msrs", a.where + (i < n ? "" : ": " + why));
            }
            break;
        }
        case VmmAction::Kind::GetMsrs: {
            std::vector<uint64_t> out;
            const size_t n = api.get_msrs(a.get, out, *this, &why);
            for (size_t i = 0; i < a.get.size() && i <= n; ++i)
                vmm_record(v, AccessKind::Rdmsr, a.get[i], 0, i < n, i < n ? out[i] : 0, a.expect[i], "vmm: get_msrs",
                           a.where + (i < n ? "" : ": " + why));
            break;
        }
        case VmmAction::Kind::Migrate: vmm_migrate(v, a, api); break;
        case VmmAction::Kind::EventFilter: break;
        case VmmAction::Kind::Reset:
            api.reset();
            // The reference follows KVM's reset (kvm_pmu_reset), not the hardware's power-on values.
            v.ref->reset();
            v.ref->load_register(msr::kGlobalCtrl, v.kvm.st.global_ctrl);
            break;
    }
    e_->tag = saved_tag;
}

}  // namespace pmusim
