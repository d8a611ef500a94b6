#include "models/virt/kvm_uapi.h"

#include <algorithm>
#include <cerrno>

#include "models/pmu/register_table.h"

namespace pmusim {

bool PmuCpuid::operator==(const PmuCpuid& o) const {
    return version == o.version && num_gp == o.num_gp && gp_width == o.gp_width && mask_length == o.mask_length &&
           ebx == o.ebx && num_fixed == o.num_fixed && fixed_width == o.fixed_width && fixed_bitmap == o.fixed_bitmap &&
           pdcm == o.pdcm;
}

namespace {
// Fixed counters KVM can give a guest: 3 (fixed_pmc_events) for the legacy vPMU, 4 with the
// mediated vPMU's TOPDOWN.SLOTS (the PERF_METRICS series).
unsigned kvm_max_fixed(bool mediated) { return mediated ? 4 : 3; }
// KVM_MAX_NR_INTEL_GP_COUNTERS (arch/x86/include/asm/kvm_host.h): "more counters may conflict
// with other existing architectural MSRs", so a 10-counter host offers guests 8.
constexpr unsigned kKvmMaxGp = 8;
// kvm_init_pmu_capability: version 2 for the legacy vPMU, at most 5 with the mediated vPMU. KVM
// has no CPUID leaf 0x23, so no guest sees perfmon v6 (UMASK2 and EQ stay reserved).
unsigned kvm_max_version(const CpuConfig& host, bool mediated) { return std::min(host.version, mediated ? 5u : 2u); }
}  // namespace

PmuCpuid supported_pmu_cpuid(const CpuConfig& host) {
    PmuCpuid c;
    c.version = std::min(host.version, 5u);  // KVM_GET_SUPPORTED_CPUID: no leaf 0x23, v5 at most
    c.num_gp = std::min(host.num_gp, kKvmMaxGp);
    c.gp_width = host.gp_width;
    c.mask_length = host.ebx_length;
    c.ebx = host.ebx_unavailable;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (host.has_fixed(i)) c.fixed_bitmap |= 1u << i;
    c.num_fixed = host.num_fixed;
    c.fixed_width = host.fixed_width;
    c.pdcm = host.pdcm;
    return c;
}

uint64_t supported_perf_capabilities(const CpuConfig& host, bool mediated) {
    if (!host.pdcm) return 0;
    uint64_t caps = perf_cap::kFwWrite | (host.perf_capabilities & perf_cap_field::kImmutable);
    if (mediated && host.perf_metrics()) caps |= perf_cap::kPerfMetrics;
    return caps;
}

std::vector<uint32_t> msrs_to_save(const CpuConfig& host, bool mediated) {
    std::vector<uint32_t> out;
    if (!host.version) return out;
    const unsigned fixed = std::min(kvm_max_fixed(mediated), kMaxFixedCounters);
    for (unsigned i = 0; i < fixed; ++i)
        if (host.has_fixed(i)) out.push_back(msr::kFixedCtr0 + i);
    if (host.has_global_ctrl())
        for (uint32_t m : {msr::kFixedCtrCtrl, msr::kGlobalCtrl, msr::kGlobalStatus, msr::kGlobalStatusReset}) out.push_back(m);
    // The PERF_METRICS patch adds it, probed out where the host has none or the vPMU is not mediated.
    if (mediated && host.perf_metrics()) out.push_back(msr::kPerfMetrics);
    // msrs_to_save_pmu lists PERFCTR0..7 and EVENTSEL0..7 (KVM_MAX_NR_INTEL_GP_COUNTERS).
    const unsigned gp = std::min(host.num_gp, kKvmMaxGp);
    for (unsigned i = 0; i < gp; ++i) out.push_back(msr::kPmc0 + i);
    for (unsigned i = 0; i < gp; ++i) out.push_back(msr::kPerfEvtSel0 + i);
    return out;
}

VpmuConfig refresh_from_cpuid(const CpuConfig& host, bool mediated, const PmuCpuid& c, uint64_t caps) {
    VpmuConfig v;
    v.version = std::min(c.version, kvm_max_version(host, mediated));
    v.num_gp = v.version ? std::min({c.num_gp, host.num_gp, kKvmMaxGp}) : 0;
    v.gp_width = std::min(c.gp_width ? c.gp_width : host.gp_width, host.gp_width);
    v.mask_length = std::min(c.mask_length, host.ebx_length);
    v.ebx_unavailable = c.ebx;
    v.num_fixed = 0;
    v.fixed_bitmap = 0;
    if (v.version >= 2) {
        const unsigned max_fixed = kvm_max_fixed(mediated);
        v.num_fixed = std::min({c.num_fixed, max_fixed});
        while (v.num_fixed && !host.has_fixed(v.num_fixed - 1)) --v.num_fixed;
        if (v.version >= 5)
            for (unsigned i = 0; i < max_fixed; ++i)
                if (((c.fixed_bitmap >> i) & 1u) && host.has_fixed(i)) v.fixed_bitmap |= 1u << i;
        v.fixed_width = std::min(c.fixed_width ? c.fixed_width : host.fixed_width, host.fixed_width);
    }
    v.pdcm = c.pdcm;
    v.fw_write = c.pdcm && (caps & perf_cap::kFwWrite) && host.fw_write();
    v.perf_metrics = c.pdcm && (caps & perf_cap::kPerfMetrics) && mediated && host.perf_metrics() && v.has_fixed(3);
    v.perf_capabilities = c.pdcm ? caps : 0;
    return v;
}

VpmuConfig host_vpmu(const CpuConfig& host, bool mediated) {
    return refresh_from_cpuid(host, mediated, supported_pmu_cpuid(host), supported_perf_capabilities(host, mediated));
}

KvmVcpuUapi::KvmVcpuUapi(KvmVpmu& v, const CpuConfig& host) : v_(v), host_(host) {
    cpuid_ = supported_pmu_cpuid(host);
    cpuid_.version = v.config.version;
    cpuid_.num_gp = v.config.num_gp;
    cpuid_.num_fixed = v.config.num_fixed;
    cpuid_.fixed_bitmap = v.config.fixed_bitmap;
    cpuid_.pdcm = v.config.pdcm;
    perf_caps_ = v.cpu.perf_capabilities;
    cpuid_.gp_width = v.cpu.gp_width;
    cpuid_.fixed_width = v.cpu.fixed_width;
}

UapiStatus KvmVcpuUapi::apply(const PmuCpuid& c, uint64_t caps) {
    try {
        v_.refresh(refresh_from_cpuid(host_, v_.mediated, c, caps));
    } catch (const ConfigError& e) {
        return {-EINVAL, e.what()};
    }
    cpuid_ = c;
    perf_caps_ = caps;
    return {};
}

UapiStatus KvmVcpuUapi::set_cpuid(const PmuCpuid& c) {
    if (v_.has_run) {
        if (c == cpuid_) return {};
        return {-EINVAL, "KVM_SET_CPUID2 after KVM_RUN may not change CPUID (kvm_set_cpuid)"};
    }
    // Without PDCM, PERF_CAPABILITIES is 0.
    return apply(c, c.pdcm ? perf_caps_ : 0);
}

UapiStatus KvmVcpuUapi::set_perf_capabilities(uint64_t x) {
    if (v_.has_run) {
        if (x == perf_caps_) return {};
        return {-EINVAL, "PERF_CAPABILITIES is immutable after KVM_RUN (kvm_is_immutable_feature_msr)"};
    }
    if (!cpuid_.pdcm && x) return {-EINVAL, "PERF_CAPABILITIES without CPUID PDCM must be 0"};
    if (x && !v_.config.version) return {-EINVAL, "PERF_CAPABILITIES needs a vPMU (CPUID.0AH version 0)"};
    const uint64_t supported = supported_perf_capabilities(host_, v_.mediated);
    if (x & ~supported) return {-EINVAL, "PERF_CAPABILITIES bits KVM does not support: " + hex_string(x & ~supported)};
    using namespace perf_cap_field;
    for (uint64_t f : {kLbrFormat, kPebsTrap | kPebsArchReg | kPebsFormat | kPebsBaseline})
        if ((x & f) && (x & f) != (supported & f))
            return {-EINVAL, "PERF_CAPABILITIES " + hex_string(f) + " must be 0 or the host's value"};
    return apply(cpuid_, x);
}

// Host-initiated accesses to an MSR that KVM advertises in msrs_to_save but this vCPU lacks: a
// read gives 0 and a write of 0 is ignored (kvm_do_msr_access), so a VMM can save and restore
// the list on any vCPU.
bool KvmVcpuUapi::to_save(uint32_t index) const {
    const auto l = msrs_to_save(host_, v_.mediated);
    return std::find(l.begin(), l.end(), index) != l.end();
}

UapiStatus KvmVcpuUapi::set_msr(uint32_t index, uint64_t value, KvmHw& hw) {
    if (index == msr::kPerfCapabilities) return set_perf_capabilities(value);
    const KvmVpmu::Emulated e = v_.emulate(AccessKind::Wrmsr, index, value, hw, true);
    if (!e.gp) return {};
    if (to_save(index) && !value && !v_.has_msr(index)) return {};
    return {-EINVAL, "KVM_SET_MSRS " + hex_string(index) + " <- " + hex_string(value) + " refused"};
}

UapiStatus KvmVcpuUapi::get_msr(uint32_t index, uint64_t& value, KvmHw& hw) {
    if (index == msr::kPerfCapabilities) {
        value = cpuid_.pdcm ? perf_caps_ : 0;
        return {};
    }
    const KvmVpmu::Emulated e = v_.emulate(AccessKind::Rdmsr, index, 0, hw, true);
    if (!e.gp) {
        value = e.value;
        return {};
    }
    if (to_save(index) && !v_.has_msr(index)) {
        value = 0;
        return {};
    }
    return {-EINVAL, "KVM_GET_MSRS " + hex_string(index) + ": no such MSR for this vCPU"};
}

size_t KvmVcpuUapi::set_msrs(const std::vector<std::pair<uint32_t, uint64_t>>& entries, KvmHw& hw, std::string* why) {
    for (size_t i = 0; i < entries.size(); ++i) {
        const UapiStatus s = set_msr(entries[i].first, entries[i].second, hw);
        if (!s.ok()) {
            if (why) *why = s.why;
            return i;
        }
    }
    return entries.size();
}

size_t KvmVcpuUapi::get_msrs(const std::vector<uint32_t>& indices, std::vector<uint64_t>& out, KvmHw& hw,
                             std::string* why) {
    out.assign(indices.size(), 0);
    for (size_t i = 0; i < indices.size(); ++i) {
        const UapiStatus s = get_msr(indices[i], out[i], hw);
        if (!s.ok()) {
            if (why) *why = s.why;
            return i;
        }
    }
    return indices.size();
}

}  // namespace pmusim
