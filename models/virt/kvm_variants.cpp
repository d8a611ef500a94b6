#include "models/virt/kvm_variants.h"

#include <stdexcept>

namespace pmusim {

const std::vector<KvmVariantInfo>& kvm_variants() {
    static const std::vector<KvmVariantInfo> table = {
        {KvmVariant::ResetKeepsPerfMetrics, "reset_keeps_perf_metrics",
         "vCPU RESET zeroes PERF_METRICS", "arch/x86/kvm/vmx/pmu_intel.c intel_pmu_reset (the PERF_METRICS patch)"},
        {KvmVariant::HostPmcWriteSignExtends, "host_pmc_write_sign_extends",
         "a host-initiated write of the legacy PMC alias is not sign-extended",
         "arch/x86/kvm/vmx/pmu_intel.c intel_pmu_set_msr (host_initiated)"},
    };
    return table;
}

KvmVariant kvm_variant_named(const std::string& name) {
    std::string all;
    for (auto& v : kvm_variants()) {
        if (name == v.name) return v.variant;
        all += std::string(all.empty() ? "" : ", ") + v.name;
    }
    throw std::invalid_argument("kvm variant '" + name + "': unknown (known: " + all + ")");
}

}  // namespace pmusim
