#include "models/virt/vpmu.h"

#include "models/pmu/register_table.h"
#include "models/virt/kvm_variants.h"

namespace pmusim {

CpuConfig guest_cpu_config(const CpuConfig& host, const VpmuConfig& v) {
    if (v.version > host.version)
        throw ConfigError("vpmu.version", "guest version " + std::to_string(v.version) + " exceeds the host's " +
                                              std::to_string(host.version));
    if (v.num_gp > host.num_gp)
        throw ConfigError("vpmu.gp", "guest has " + std::to_string(v.num_gp) + " GP counters, the host " +
                                         std::to_string(host.num_gp));
    unsigned host_fixed = 0;
    while (host_fixed < kMaxFixedCounters && host.has_fixed(host_fixed)) ++host_fixed;
    if (v.num_fixed > host_fixed)
        throw ConfigError("vpmu.fixed", "guest has " + std::to_string(v.num_fixed) + " fixed counters, the host " +
                                            std::to_string(host_fixed));
    for (unsigned i = 0; i < 32; ++i)
        if (((v.fixed_bitmap >> i) & 1u) && !host.has_fixed(i))
            throw ConfigError("vpmu.fixed_bitmap", "fixed counter " + std::to_string(i) + " is not the host's");
    if (v.perf_metrics && !host.perf_metrics())
        throw ConfigError("vpmu.perf_metrics", "the host (" + host.preset + ") has no PERF_METRICS");
    if (v.perf_metrics && !v.has_fixed(3))
        throw ConfigError("vpmu.perf_metrics", "PERF_METRICS needs fixed counter 3 (fixed: 4)");
    if (v.fw_write && !host.fw_write()) throw ConfigError("vpmu.fw_write", "the host has no full-width writes");
    if (v.gp_width > host.gp_width || v.fixed_width > host.fixed_width)
        throw ConfigError("vpmu.width", "wider than the host's counters");
    CpuConfig g = host;
    g.version = v.version;
    g.num_gp = v.version ? v.num_gp : 0;
    g.num_fixed = v.version >= 2 ? v.num_fixed : 0;
    g.fixed_bitmap = v.version >= 5 ? (v.num_fixed ? (1u << v.num_fixed) - 1 : 0) | v.fixed_bitmap : 0;
    if (v.gp_width) g.gp_width = v.gp_width;
    if (v.fixed_width) g.fixed_width = v.fixed_width;
    if (v.mask_length != ~0u) g.ebx_length = std::min(v.mask_length, host.ebx_length);
    g.ebx_unavailable = host.ebx_unavailable | v.ebx_unavailable;
    uint64_t caps = host.perf_capabilities & ~(perf_cap::kFwWrite | perf_cap::kPerfMetrics | perf_cap::kRdpmcMetricsClear);
    if (v.fw_write) caps |= perf_cap::kFwWrite;
    if (v.perf_metrics) caps |= perf_cap::kPerfMetrics;
    g.pdcm = v.pdcm;
    if (v.perf_capabilities != ~0ull) caps = v.perf_capabilities;
    g.perf_capabilities = v.pdcm ? caps : 0;
    return g;
}

const char* global_ctrl_save_name(GlobalCtrlSave s) {
    switch (s) {
        case GlobalCtrlSave::Vmcs: return "vmcs";
        case GlobalCtrlSave::MsrStoreList: return "msr_store_list";
        case GlobalCtrlSave::None: return "none";
    }
    return "?";
}

MsrIntercepts MsrIntercepts::compute(const CpuConfig& host, const VpmuConfig& v, bool mediated, bool perf_metrics_rule) {
    MsrIntercepts m;
    m.vpmu = v;
    m.mediated = mediated;
    bool same_fixed = true;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i) same_fixed &= v.has_fixed(i) == host.has_fixed(i);
    // kvm_need_perf_global_ctrl_intercept(): identical counter sets and version >= 2.
    const bool same_sets = v.num_gp == host.num_gp && same_fixed;
    m.global_regs_passthrough = mediated && same_sets && v.version >= 2;
    // kvm_need_rdpmc_intercept(): identical sets and widths (the guest widths are the host's here).
    m.rdpmc_exiting = !(mediated && same_sets);
    if (perf_metrics_rule && host.perf_metrics() && !v.perf_metrics) {
        m.rdpmc_exiting = true;
        m.global_regs_passthrough = false;
    }
    return m;
}

bool MsrIntercepts::intercepted(uint32_t a) const {
    if (!mediated) return true;  // the legacy vPMU emulates every PMU MSR
    if (a >= msr::kPmc0 && a < msr::kPmc0 + kMaxGpCounters) return a - msr::kPmc0 >= vpmu.num_gp;
    if (a >= msr::kAPmc0 && a < msr::kAPmc0 + kMaxGpCounters) return !vpmu.fw_write || a - msr::kAPmc0 >= vpmu.num_gp;
    if (a >= msr::kFixedCtr0 && a < msr::kFixedCtr0 + kMaxFixedCounters) return !vpmu.has_fixed(a - msr::kFixedCtr0);
    if (a == msr::kGlobalCtrl || a == msr::kGlobalStatus || a == msr::kGlobalStatusReset) return !global_regs_passthrough;
    if (a == msr::kPerfMetrics) return !vpmu.perf_metrics;
    // PERFEVTSELx and FIXED_CTR_CTRL (event filter), STATUS_SET, INUSE, everything else.
    return true;
}

uint64_t guest_status_bits(const VpmuConfig& v) {
    uint64_t b = 0;
    for (unsigned i = 0; i < v.num_gp; ++i) b |= 1ull << i;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (v.has_fixed(i)) b |= 1ull << (32 + i);
    if (v.perf_metrics) b |= 1ull << status_bit::kPerfMetrics;
    return b;
}

}  // namespace pmusim

namespace pmusim {

KvmVpmu::KvmVpmu(int c, const CpuConfig& host, const VpmuConfig& v, bool med, bool perf_metrics_rule)
    : ctx(c), config(v), cpu(guest_cpu_config(host, v)), icpt(MsrIntercepts::compute(host, v, med, perf_metrics_rule)),
      mediated(med),
      regs_(std::make_unique<RegisterTable>(cpu)), host_fw_write_(host.fw_write()), host_(host),
      perf_metrics_rule_(perf_metrics_rule) {
    backing.fill(-1);
    refresh_global_ctrl();
}

// At refresh KVM sets every GP enable in GLOBAL_CTRL, as the hardware does at RESET
// (kvm_pmu_refresh), and loads it into the VMCS.
void KvmVpmu::refresh_global_ctrl() {
    if (const RegisterDesc* d = regs_->find(msr::kGlobalCtrl)) st.global_ctrl = d->reset;
    vmcs.guest_global_ctrl = st.global_ctrl;
    vmcs.guest_global_ctrl_t = 0;
}

void KvmVpmu::refresh(const VpmuConfig& v) {
    CpuConfig g = guest_cpu_config(host_, v);  // throws before anything changes
    config = v;
    cpu = std::move(g);
    icpt = MsrIntercepts::compute(host_, v, mediated, perf_metrics_rule_);
    regs_ = std::make_unique<RegisterTable>(cpu);
    reset();
    refresh_global_ctrl();
}

void KvmVpmu::rehost(const CpuConfig& host, const VpmuConfig& v) {
    guest_cpu_config(host, v);  // throws before anything changes
    host_ = host;
    host_fw_write_ = host.fw_write();
    has_run = false;
    last_cpu = -1;
    refresh(v);
}

void KvmVpmu::reset() {
    const uint64_t pm = st.perf_metrics;
    const Taint pm_t = st.perf_metrics_t;
    st = KvmPmuState{};
    if (has_variant(variants, KvmVariant::ResetKeepsPerfMetrics)) st.perf_metrics = pm, st.perf_metrics_t = pm_t;
    vmcs.guest_global_ctrl = 0;
    vmcs.guest_global_ctrl_t = 0;
    pm_restored = 0;
    unscheduled = 0;
    legacy_dirty = true;  // the legacy backing events are released at the next reprogram
}

bool KvmVpmu::exits(AccessKind k, uint32_t index) const {
    return k == AccessKind::Rdpmc ? icpt.rdpmc_exiting : icpt.intercepted(index);
}

KvmVpmu::Emulated KvmVpmu::counter_read(unsigned slot, uint64_t sw, Taint swt, KvmHw& hw) {
    if (!mediated && backing[slot] >= 0) {
        const KvmHw::Result r = hw.rdpmc(rdpmc_ecx::gp(unsigned(backing[slot])));
        return {r.value, r.taint, false};
    }
    return {sw, swt, false};
}

void KvmVpmu::counter_write(unsigned slot, uint64_t value, KvmHw& hw) {
    if (backing[slot] >= 0) unscheduled &= ~(1ull << slot);  // a fresh count on a counting event
    if (!mediated && backing[slot] >= 0)
        hw.wrmsr((host_fw_write_ ? msr::kAPmc0 : msr::kPmc0) + uint32_t(backing[slot]), value, taint_of(ctx));
}

KvmVpmu::Emulated KvmVpmu::emulate_rdpmc(uint32_t ecx, KvmHw& hw) {
    const RdpmcRef r = decode_rdpmc(ecx);
    if (r.fast) return {0, 0, true};  // bit 31 is not an architectural counter type (kvm_pmu_rdpmc)
    switch (r.type) {
        case RdpmcRef::Type::Metrics:
            if (config.perf_metrics && r.index == 0) return {st.perf_metrics, st.perf_metrics_t, false};
            break;
        case RdpmcRef::Type::Fixed:
            if (config.has_fixed(r.index)) return counter_read(r.slot(), st.fixed[r.index], st.fixed_t[r.index], hw);
            break;
        case RdpmcRef::Type::Gp:
            if (r.index < config.num_gp) return counter_read(r.slot(), st.gp[r.index], st.gp_t[r.index], hw);
            break;
        case RdpmcRef::Type::Invalid: break;
    }
    return {0, 0, true};
}

KvmVpmu::Emulated KvmVpmu::emulate_read(const RegisterDesc& d, KvmHw& hw) {
    const Taint g = taint_of(ctx);
    switch (d.kind) {
        case RegKind::Pmc:
        case RegKind::APmc: return counter_read(d.index, st.gp[d.index], st.gp_t[d.index], hw);
        case RegKind::FixedCtr: return counter_read(fixed_slot(d.index), st.fixed[d.index], st.fixed_t[d.index], hw);
        case RegKind::PerfEvtSel: return {st.eventsel[d.index], g, false};
        case RegKind::FixedCtrCtrl: return {st.fixed_ctr_ctrl, g, false};
        case RegKind::GlobalCtrl: return {st.global_ctrl, g, false};
        case RegKind::GlobalStatus: return {st.global_status, st.global_status_t, false};
        case RegKind::PerfMetrics: return {st.perf_metrics, st.perf_metrics_t, false};
        case RegKind::PerfCapabilities: return {cpu.perf_capabilities, g, false};
        default: return {0, g, false};
    }
}

void KvmVpmu::emulate_write(const RegisterDesc& d, uint64_t x, KvmHw& hw, bool host_initiated) {
    const Taint g = taint_of(ctx);
    switch (d.kind) {
        case RegKind::Pmc: {
            // SDM 18.2.6: the legacy alias sign-extends bit 31; KVM_SET_MSRS does not (intel_pmu_set_msr).
            const bool extend = !host_initiated || has_variant(variants, KvmVariant::HostPmcWriteSignExtends);
            uint64_t w = extend ? x & 0xffffffffull : x;
            if (extend && (w & 0x80000000ull)) w |= ~0xffffffffull;
            st.gp[d.index] = w & cpu.gp_mask();
            st.gp_t[d.index] = st.gp[d.index] ? g : 0;
            counter_write(d.index, st.gp[d.index], hw);
            break;
        }
        case RegKind::APmc:
            st.gp[d.index] = x & cpu.gp_mask();
            st.gp_t[d.index] = st.gp[d.index] ? g : 0;
            counter_write(d.index, st.gp[d.index], hw);
            break;
        case RegKind::FixedCtr:
            st.fixed[d.index] = x & cpu.fixed_mask();
            st.fixed_t[d.index] = st.fixed[d.index] ? g : 0;
            counter_write(fixed_slot(d.index), st.fixed[d.index], hw);
            break;
        case RegKind::PerfEvtSel:
            // intel_pmu_set_msr: a new value goes to both copies and the counter is marked for
            // reprogram, which applies the event filter before the next VM-entry.
            if (x != st.eventsel[d.index]) {
                st.eventsel[d.index] = st.eventsel_hw[d.index] = x;
                reprogram |= 1ull << d.index;
            }
            legacy_dirty = true;
            break;
        case RegKind::FixedCtrCtrl:
            // reprogram_fixed_counters: the hardware copy takes the whole value, and only the
            // fields that changed are marked for reprogram (mediated vPMU series v6).
            if (x != st.fixed_ctr_ctrl) {
                for (unsigned i = 0; i < config.num_fixed; ++i)
                    if (fixed_field::of(x, i) != fixed_field::of(st.fixed_ctr_ctrl, i)) reprogram |= 1ull << fixed_slot(i);
                st.fixed_ctr_ctrl = st.fixed_ctr_ctrl_hw = x;
            }
            legacy_dirty = true;
            break;
        case RegKind::GlobalCtrl:
            // kvm_pmu_set_msr: the counters whose global enable changed are reprogrammed (the
            // legacy backing events follow GLOBAL_CTRL through atomic_switch_perf_msrs instead).
            for (unsigned s = 0; mediated && s < kNumCounterSlots; ++s)
                if (((x ^ st.global_ctrl) >> status_bit_of_slot(s)) & 1u) reprogram |= (1ull << s) & exposed_slots();
            st.global_ctrl = x;
            vmcs.guest_global_ctrl = x;  // propagated to the VMCS (V6-21)
            vmcs.guest_global_ctrl_t = x ? g : 0;
            break;
        case RegKind::GlobalStatusReset: st.global_status &= ~x; break;
        case RegKind::GlobalStatusSet:
            st.global_status |= x & guest_status_bits(config);
            st.global_status_t |= g;
            break;
        case RegKind::PerfMetrics:
            st.perf_metrics = x;
            st.perf_metrics_t = x ? g : 0;
            break;
        default: break;
    }
}

uint64_t KvmVpmu::exposed_slots() const {
    uint64_t m = 0;
    for (unsigned i = 0; i < config.num_gp; ++i) m |= 1ull << i;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (config.has_fixed(i)) m |= 1ull << fixed_slot(i);
    return m;
}

void KvmVpmu::set_filter(std::shared_ptr<const EventFilter> f) {
    filter = std::move(f);
    reprogram = exposed_slots();  // __reprogram_pmi = -1 on every vCPU, then KVM_REQ_PMU
}

bool KvmVpmu::event_allowed(unsigned slot) const {
    if (!filter) return true;
    if (slot < kMaxGpCounters) return filter->allowed_gp(st.eventsel[slot]);  // pmc->eventsel
    return filter->allowed_fixed(slot - kMaxGpCounters);
}

void KvmVpmu::handle_pmu_event() {
    const uint64_t slots = reprogram & exposed_slots();
    reprogram = 0;
    if (!slots) return;
    // Legacy: reprogram_counter gives a disallowed counter no running perf event; the backing
    // events are redone by the next legacy_reprogram.
    if (!mediated) {
        legacy_dirty = true;
        return;
    }
    // Mediated: kvm_mediated_pmu_refresh_event_filter on each marked counter.
    for (unsigned s = 0; s < kNumCounterSlots; ++s) {
        if (!((slots >> s) & 1u)) continue;
        const bool allowed = event_allowed(s);
        if (s < kMaxGpCounters) {
            st.eventsel_hw[s] = (st.eventsel_hw[s] & ~evtsel::kEn) | (allowed ? st.eventsel[s] & evtsel::kEn : 0);
        } else {
            const uint64_t field = 0xfull << (4 * (s - kMaxGpCounters));
            st.fixed_ctr_ctrl_hw = (st.fixed_ctr_ctrl_hw & ~field) | (allowed ? st.fixed_ctr_ctrl & field : 0);
        }
    }
}

KvmVpmu::Emulated KvmVpmu::emulate(AccessKind k, uint32_t index, uint64_t value, KvmHw& hw, bool host_initiated) {
    if (k == AccessKind::Rdpmc) return emulate_rdpmc(index, hw);
    // The guest's own register rules: a missing MSR, a read-only one or a reserved bit is a #GP.
    const RegisterDesc* d = regs_->find(index);
    if (!d) return {0, 0, true};
    if (k == AccessKind::Rdmsr) return emulate_read(*d, hw);
    if (host_initiated) return host_write(*d, value, hw);
    if (d->access == Access::ReadOnly || (value & d->reserved)) return {0, 0, true};
    emulate_write(*d, value, hw, false);
    return {0, taint_of(ctx), false};
}

// KVM_SET_MSRS (kvm_pmu_set_msr, intel_pmu_set_msr with host_initiated): GLOBAL_STATUS is
// writable; STATUS_RESET checks its reserved bits but clears nothing; a legacy PMC write is not
// sign-extended; PERF_CAPABILITIES is the userspace interface's (kvm_uapi.cpp).
KvmVpmu::Emulated KvmVpmu::host_write(const RegisterDesc& d, uint64_t x, KvmHw& hw) {
    const Taint g = taint_of(ctx);
    switch (d.kind) {
        case RegKind::GlobalStatus:
            if (x & ~guest_status_bits(config)) return {0, 0, true};
            st.global_status = x;
            st.global_status_t = x ? g : 0;
            return {0, g, false};
        case RegKind::GlobalStatusReset:
        case RegKind::GlobalStatusSet:
            if (x & ~guest_status_bits(config)) return {0, 0, true};
            return {0, g, false};
        case RegKind::PerfCapabilities:
        case RegKind::GlobalInuse: return {0, 0, true};
        default: break;
    }
    if (d.access == Access::ReadOnly || (x & d.reserved)) return {0, 0, true};
    emulate_write(d, x, hw, true);
    return {0, g, false};
}

}  // namespace pmusim
