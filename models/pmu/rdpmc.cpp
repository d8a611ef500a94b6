// RDPMC: ECX[31:16] is the counter type, ECX[15:0] the index (KVM intel_rdpmc_ecx_to_pmc;
// perf_event.h INTEL_PMC_FIXED_RDPMC_BASE / _METRICS). Values are masked to the counter width.
#include <cstdio>

#include "models/pmu/pmu.h"

namespace pmusim {

namespace {
// The #GP's text, built only on the #GP path (a successful RDPMC formats nothing).
AccessResult gp_on(uint32_t ecx, const std::string& why) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "RDPMC ECX=0x%x: ", ecx);
    return AccessResult::gp(buf + why);
}
}  // namespace

AccessResult Pmu::rdpmc(uint32_t ecx, unsigned cpl) {
    if (cpl > 0 && !sem_.cr4_pce) return gp_on(ecx, "CR4.PCE is 0 and CPL > 0");
    if (ecx & 0x80000000u) return gp_on(ecx, "fast-read (bit 31) is not supported by the architectural PMU");
    if (cpu_.version == 0) return gp_on(ecx, "no architectural PMU (version 0)");
    const uint32_t type = ecx >> 16, index = ecx & 0xffff;
    switch (type) {
        case 0x0000:
            if (index >= cpu_.num_gp) return gp_on(ecx, "GP counter " + std::to_string(index) + " does not exist");
            return AccessResult::value_of(st_.counter[index] & cpu_.gp_mask());
        case 0x4000:
            if (!cpu_.has_fixed(index)) return gp_on(ecx, "fixed counter " + std::to_string(index) + " does not exist");
            return AccessResult::value_of(st_.counter[fixed_slot(index)] & cpu_.fixed_mask());
        case 0x2000: {
            if (!cpu_.perf_metrics()) return gp_on(ecx, "PERF_METRICS is not enumerated");
            if (index != 0) return gp_on(ecx, "PERF_METRICS index must be 0");
            const uint64_t v = perf_metrics_value();
            if (metrics_clear_mode()) clear_metrics_after_rdpmc();
            return AccessResult::value_of(v);
        }
        default: return gp_on(ecx, "unsupported counter type");
    }
}

}  // namespace pmusim
