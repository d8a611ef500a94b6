#include "models/virt/kvm_variants.h"

#include <stdexcept>

#include "models/core/quote_value.h"

namespace pmusim {

const std::vector<KvmVariantInfo>& kvm_variants() {
    static const std::vector<KvmVariantInfo> table = {
        {KvmVariant::ResetKeepsPerfMetrics, "reset_keeps_perf_metrics",
         "vCPU RESET zeroes PERF_METRICS", "arch/x86/kvm/vmx/pmu_intel.c intel_pmu_reset (the PERF_METRICS patch)"},
        {KvmVariant::HostPmcWriteSignExtends, "host_pmc_write_sign_extends",
         "a host-initiated write of the legacy PMC alias is not sign-extended",
         "arch/x86/kvm/vmx/pmu_intel.c intel_pmu_set_msr (host_initiated)"},
        {KvmVariant::LvtpcNoAutoMask, "lvtpc_no_auto_mask",
         "injecting a PMI sets the mask bit of the guest's LVTPC (SDM 11.5.1)",
         "arch/x86/kvm/lapic.c kvm_apic_local_deliver (commit a16eb25b09c0, \"KVM: x86: Mask LVTPC when handling a PMI\")"},
        {KvmVariant::EmulatedNotCounted, "emulated_not_counted",
         "an instruction KVM emulates counts on the guest's counters of instructions and branches",
         "arch/x86/kvm/pmu.c kvm_pmu_instruction_retired, kvm_pmu_branch_retired, kvm_pmu_incr_counter"},
        {KvmVariant::FastpathIgnoresCounting, "fastpath_ignores_counting",
         "the mediated vPMU refuses the fastpath while a counter of instructions is enabled",
         "arch/x86/kvm/pmu.h kvm_pmu_is_fastpath_emulation_allowed; arch/x86/kvm/x86.c handle_fastpath_*"},
    };
    return table;
}

KvmVariant kvm_variant_named(const std::string& name) {
    std::string all;
    for (auto& v : kvm_variants()) {
        if (name == v.name) return v.variant;
        all += std::string(all.empty() ? "" : ", ") + v.name;
    }
    throw std::invalid_argument("kvm variant " + quote_value(name) + ": unknown (known: " + all + ")");
}

}  // namespace pmusim
