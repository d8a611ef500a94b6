// KVM's userspace interface to a vCPU's PMU (docs/virtualization.md "Userspace interface"): what
// a VMM reads and writes through KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2, KVM_GET_MSRS /
// KVM_SET_MSRS, the msrs_to_save list, and vCPU RESET, with KVM's validation. The vCPU itself is
// KvmVpmu (vpmu.h); this layer holds what userspace set and applies KVM's rules for changing it.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "models/virt/vpmu.h"

namespace pmusim {

// CPUID leaf 0xA and CPUID.01H:ECX[15] (PDCM) as userspace writes them (SDM CPUID 0AH).
struct PmuCpuid {
    unsigned version = 0, num_gp = 0, gp_width = 0, mask_length = 0;
    uint32_t ebx = 0;  // bit k: arch event k unavailable
    unsigned num_fixed = 0, fixed_width = 0;
    uint32_t fixed_bitmap = 0;  // ECX (v5+)
    bool pdcm = false;
    bool operator==(const PmuCpuid& o) const;
};

// PERF_CAPABILITIES bit groups (SDM Vol.4 Table 2-2; KVM's vmx_get_perf_capabilities).
namespace perf_cap_field {
constexpr uint64_t kLbrFormat = 0x3f, kPebsTrap = 1ull << 6, kPebsArchReg = 1ull << 7, kPebsFormat = 0xfull << 8,
                   kPebsBaseline = 1ull << 14;
// Bits userspace may not set to anything but 0 or the host's value.
constexpr uint64_t kImmutable = kLbrFormat | kPebsTrap | kPebsArchReg | kPebsFormat | kPebsBaseline;
}  // namespace perf_cap_field

// What KVM offers guests on this host (KVM_GET_SUPPORTED_CPUID leaf 0xA; kvm_pmu_cap).
PmuCpuid supported_pmu_cpuid(const CpuConfig& host);
// kvm_caps.supported_perf_cap: FW_WRITE always, the host's LBR and PEBS fields, PERF_METRICS only
// with the mediated vPMU on a host that has it (the PERF_METRICS patch).
uint64_t supported_perf_capabilities(const CpuConfig& host, bool mediated);
// The PMU MSRs of msrs_to_save as KVM probes them for this host (kvm_probe_msr_to_save): counters
// and selectors the host has, FIXED_CTR3 and PERF_METRICS only where supported.
std::vector<uint32_t> msrs_to_save(const CpuConfig& host, bool mediated);
// intel_pmu_refresh: the guest's vPMU from CPUID and PERF_CAPABILITIES, each field clamped to
// what KVM supports (version 0: no vPMU; version 1: no fixed counters).
VpmuConfig refresh_from_cpuid(const CpuConfig& host, bool mediated, const PmuCpuid& c, uint64_t perf_caps);

// The vPMU of a VMM that passes KVM's supported CPUID and PERF_CAPABILITIES through ("-cpu host").
VpmuConfig host_vpmu(const CpuConfig& host, bool mediated);

// Hardware for a vCPU whose state is all in KVM's software copy (no legacy backing counters):
// a standalone vCPU, or one configured before it first runs.
struct NoKvmHw : KvmHw {
    Result rdmsr(uint32_t) override { return {}; }
    Result rdpmc(uint32_t) override { return {}; }
    void wrmsr(uint32_t, uint64_t, Taint) override {}
};

// An ioctl's outcome: 0, or a negative errno with KVM's reason.
struct UapiStatus {
    int err = 0;
    std::string why;
    bool ok() const { return err == 0; }
};

// The ioctls on one vCPU. Host-initiated MSR accesses go to KvmVpmu::emulate(host_initiated).
class KvmVcpuUapi {
public:
    KvmVcpuUapi(KvmVpmu& v, const CpuConfig& host);
    // KVM_SET_CPUID2 (the PMU leaves): refreshes the vPMU; after KVM_RUN only an identical CPUID
    // is accepted (kvm_set_cpuid: -EINVAL).
    UapiStatus set_cpuid(const PmuCpuid& c);
    const PmuCpuid& cpuid() const { return cpuid_; }
    uint64_t perf_capabilities() const { return perf_caps_; }
    // KVM_SET_MSRS / KVM_GET_MSRS: the number of entries processed; it stops at the first that
    // fails (msr_io), whose reason is in `why`.
    size_t set_msrs(const std::vector<std::pair<uint32_t, uint64_t>>& entries, KvmHw& hw, std::string* why = nullptr);
    size_t get_msrs(const std::vector<uint32_t>& indices, std::vector<uint64_t>& out, KvmHw& hw, std::string* why = nullptr);
    void reset() { v_.reset(); }  // vCPU RESET (kvm_pmu_reset)
    void run() { v_.has_run = true; }  // KVM_RUN happened

private:
    UapiStatus set_msr(uint32_t index, uint64_t value, KvmHw& hw);
    UapiStatus get_msr(uint32_t index, uint64_t& value, KvmHw& hw);
    UapiStatus set_perf_capabilities(uint64_t v);
    UapiStatus apply(const PmuCpuid& c, uint64_t caps);
    bool to_save(uint32_t index) const;
    KvmVpmu& v_;
    CpuConfig host_;
    PmuCpuid cpuid_;
    uint64_t perf_caps_ = 0;
};

}  // namespace pmusim
