// KVM variants (docs/virtualization.md "KVM variants"): deviations from KVM's vPMU rules outside
// the context-switch protocol, each a defect a KVM developer could write, declared once with the
// rule it breaks and its source. A scenario or `--kvm-variant` turns one on to show that the
// checkers and expectations catch it (the protocol's steps have their own mutants).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace pmusim {

enum class KvmVariant : uint32_t {
    ResetKeepsPerfMetrics = 1u << 0,   // intel_pmu_reset without the PERF_METRICS patch's zeroing
    HostPmcWriteSignExtends = 1u << 1, // KVM_SET_MSRS sign-extends a legacy PMC write like the guest's
    LvtpcNoAutoMask = 1u << 2,         // kvm_apic_local_deliver before a16eb25b09c0: LVTPC stays unmasked
    EmulatedNotCounted = 1u << 3,      // no kvm_pmu_instruction_retired: emulated instructions are not counted
    FastpathIgnoresCounting = 1u << 4, // the fastpath is taken while a counter of instructions is enabled
};

struct KvmVariantInfo {
    KvmVariant variant;
    const char* name;
    const char* breaks;  // the rule it breaks
    const char* source;
};
const std::vector<KvmVariantInfo>& kvm_variants();
// Throws std::invalid_argument naming the known variants.
KvmVariant kvm_variant_named(const std::string& name);
inline bool has_variant(uint32_t set, KvmVariant v) { return (set & uint32_t(v)) != 0; }

}  // namespace pmusim
