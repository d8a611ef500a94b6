// Live migration of a vCPU's PMU state to another host (docs/virtualization.md "Migration to
// another host"). The VMM pauses the vCPU, saves its PMU MSRs with KVM_GET_MSRS (the source
// host's msrs_to_save), creates a vCPU on the destination with the same CPUID (KVM_SET_CPUID2)
// and restores PERF_CAPABILITIES and then the saved MSRs with KVM_SET_MSRS, in its order. KVM
// validates each against the destination host; the first it refuses ends the ioctl (msr_io), and
// a VMM that gets fewer entries than it passed gives up (QEMU's kvm_put_msrs asserts all were
// set): the migration fails and the guest runs on at the source.
#include <algorithm>

#include "models/virt/kvm_uapi.h"
#include "sim/virt/host.h"

namespace pmusim {

namespace {
// The VMM's KVM_SET_MSRS on the destination: PERF_CAPABILITIES first (a feature MSR, set before
// the vCPU's state as QEMU's kvm_init_msrs does), then the saved MSRs in the order saved.
std::vector<std::pair<uint32_t, uint64_t>> restore_entries(const Hypervisor::PmuImage& img) {
    std::vector<std::pair<uint32_t, uint64_t>> out{{msr::kPerfCapabilities, img.perf_caps}};
    out.insert(out.end(), img.msrs.begin(), img.msrs.end());
    return out;
}
}  // namespace

Hypervisor::PmuImage Hypervisor::vmm_save(Vcpu& v, const VmmAction& a) {
    const int tag = vmm_enter(v);
    KvmVcpuUapi api(v.kvm, m_->cpu());
    // The PERF_CAPABILITIES the VMM gave the vCPU: KVM took only bits it supports on this host.
    const uint64_t caps = api.perf_capabilities() & supported_perf_capabilities(m_->cpu(), proto_.mediated());
    PmuImage img{api.cpuid(), caps, vmm_save_msrs(v, a, api)};
    e_->tag = tag;
    return img;
}

bool Hypervisor::vmm_restore_accepted(const Vcpu& v, const PmuImage& img, HostMigration& m) const {
    const CpuConfig& host = m_->cpu();
    KvmVpmu fresh(v.ctx(), host, host_vpmu(host, proto_.mediated()), proto_.mediated(), sc_.intercepts.need_perf_metrics_intercept);
    KvmVcpuUapi api(fresh, host);
    const UapiStatus s = api.set_cpuid(img.cpuid);
    if (!s.ok()) {
        m.refused = "KVM_SET_CPUID2";
        m.why = s.why;
        return false;
    }
    NoKvmHw hw;
    const auto entries = restore_entries(img);
    m.restored = api.set_msrs(entries, hw, &m.why);
    if (m.restored == entries.size()) return true;
    m.refused = hex_string(entries[m.restored].first);  // the caller names it as the source does
    return false;
}

void Hypervisor::vmm_restore(Vcpu& v, const VmmAction& a, const PmuImage& img) {
    const int tag = vmm_enter(v);
    const CpuConfig& host = m_->cpu();
    v.kvm.rehost(host, host_vpmu(host, proto_.mediated()));
    // The VM-exit "save IA32_PERF_GLOBAL_CTRL" control is the destination CPU's (make_vcpus).
    if (sc_.vmcs.save == "auto")
        v.kvm.vmcs.save = host.tma_family >= TmaFamily::SapphireRapids ? GlobalCtrlSave::Vmcs : GlobalCtrlSave::MsrStoreList;
    KvmVcpuUapi api(v.kvm, host);
    api.set_cpuid(img.cpuid);  // accepted: vmm_restore_accepted tried the same on a fresh vCPU
    const auto entries = restore_entries(img);
    std::string why;
    const size_t n = api.set_msrs(entries, *this, &why);
    bool slots_restored = false;
    for (size_t i = 0; i < entries.size() && i <= n; ++i) {
        const uint32_t idx = entries[i].first;
        slots_restored |= idx == msr::kFixedCtr0 + 3;
        // The fractions are relative to TOPDOWN.SLOTS: FIXED_CTR3 first, then PERF_METRICS (SDM
        // Vol. 3B "Performance Metrics"; Linux intel/core.c restores them in that order).
        const bool early = idx == msr::kPerfMetrics && !slots_restored && v.kvm.has_msr(msr::kFixedCtr0 + 3);
        vmm_record(v, AccessKind::Wrmsr, idx, entries[i].second, i < n, 0, Expectation{}, "vmm: migrate restore on " + host.preset,
                   a.where + (i < n ? "" : ": " + why), early ? "restored before IA32_FIXED_CTR3 (its slots)" : "");
    }
    v.kvm.pm_restored = 0;
    e_->tag = tag;
}

// The VMM's migration of a vCPU to the destination host, the last CPU: saved where it runs,
// tried on a fresh vCPU there, then moved and restored, or left where it was.
void Host::migrate_to_destination(const VmmAction& a) {
    unsigned k = 0;
    Vcpu* v = nullptr;
    for (; k < cpus() && !v; ++k)
        for (auto& x : cpus_[k]->engine().vcpus)
            if (x->spec.name == a.vcpu) v = x.get();
    --k;
    if (!v) throw std::logic_error("migrate: no vCPU " + a.vcpu);
    // It arrives on the destination CPU with the fewest vCPUs (the lowest on a tie).
    unsigned dst = sc_.host.cpus;
    for (unsigned c = dst + 1; c < cpus(); ++c)
        if (cpus_[c]->engine().vcpus.size() < cpus_[dst]->engine().vcpus.size()) dst = c;
    if (k >= sc_.host.cpus) {  // already there: the same-host migration
        VmmAction same = a;
        same.to_destination = false;
        cpus_[k]->vmm_action(same);
        return;
    }
    HostMigration m;
    m.vcpu = a.vcpu;
    m.from = cpus_[k]->machine().cpu().preset;
    m.to = cpus_[dst]->machine().cpu().preset;
    for (auto& [k, x] : sc_.destination->overrides) m.to += " " + k + "=" + std::to_string(x);  // what makes it differ
    m.from_cpu = k;
    m.cycle = cpus_[k]->cycle();
    m.status = v->kvm.st.global_status;
    m.lvtpc_masked = v->lvtpc.masked();
    m.pmi_requested = v->pending_pmi;
    const Hypervisor::PmuImage img = cpus_[k]->vmm_save(*v, a);
    m.saved = img.msrs.size();
    const auto kept = msrs_to_save(cpus_[dst]->machine().cpu(), true);
    for (auto& [idx, value] : img.msrs)
        if (std::find(kept.begin(), kept.end(), idx) == kept.end())
            m.lost.push_back(cpus_[k]->engine().reg_name(AccessKind::Rdmsr, idx));
    if (cpus_[dst]->vmm_restore_accepted(*v, img, m)) {
        move(*v, k, dst);
        cpus_[dst]->vmm_restore(*v, a, img);
        m.moved = true;
        m.to_cpu = dst;
    } else if (m.refused != "KVM_SET_CPUID2") {
        const uint32_t idx = m.restored ? img.msrs.at(m.restored - 1).first : msr::kPerfCapabilities;
        m.refused = cpus_[k]->engine().reg_name(AccessKind::Wrmsr, idx);
    }
    host_migrations_.push_back(std::move(m));
}

// A vCPU yielding CPU k of the destination host moves to another of its CPUs with probability
// destination.migrate (seeded, uniform over the others); -1: it stays. One CPU: it stays, and no
// draw is made (a single-CPU destination's runs are as before).
int Host::destination_move(unsigned k) {
    const unsigned first = sc_.host.cpus, n = cpus() - first;
    if (n < 2 || sc_.destination->host.migrate <= 0) return -1;
    if (std::uniform_real_distribution<double>(0, 1)(rng_) >= sc_.destination->host.migrate) return -1;
    const unsigned pick = unsigned(std::uniform_int_distribution<unsigned>(0, n - 2)(rng_));
    return int(first + (pick >= k - first ? pick + 1 : pick));
}

}  // namespace pmusim
