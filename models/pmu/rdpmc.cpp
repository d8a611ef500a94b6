// RDPMC: ECX[31:16] is the counter type, ECX[15:0] the index (KVM intel_rdpmc_ecx_to_pmc;
// perf_event.h INTEL_PMC_FIXED_RDPMC_BASE / _METRICS). Values are masked to the counter width.
#include <cstdio>

#include "models/pmu/pmu.h"

namespace pmusim {

namespace {
// The #GP's text, built only on the #GP path and only when asked for (a successful RDPMC, and the
// engine's direct path, format nothing).
// `counter`: the counter's number, between `text` and " does not exist".
bool gp_on(std::string* why, uint32_t ecx, const char* text, int counter = -1) {
    if (!why) return false;
    char buf[32];
    std::snprintf(buf, sizeof buf, "RDPMC ECX=0x%x: ", ecx);
    *why = buf + std::string(text);
    if (counter >= 0) *why += std::to_string(counter) + " does not exist";
    return false;
}
}  // namespace

AccessResult Pmu::rdpmc(uint32_t ecx, unsigned cpl) {
    AccessResult r;
    r.ok = rdpmc_to(ecx, cpl, r.value, &r.reason);
    return r;
}

bool Pmu::rdpmc_to(uint32_t ecx, unsigned cpl, uint64_t& value, std::string* why) {
    value = 0;
    if (cpl > 0 && !sem_.cr4_pce) return gp_on(why, ecx, "CR4.PCE is 0 and CPL > 0");
    if (ecx & 0x80000000u) return gp_on(why, ecx, "fast-read (bit 31) is not supported by the architectural PMU");
    if (cpu_.version == 0) return gp_on(why, ecx, "no architectural PMU (version 0)");
    const uint32_t type = ecx >> 16, index = ecx & 0xffff;
    if (rdpmc_counter(type, index, value)) return true;
    switch (type) {
        case 0x0000: return gp_on(why, ecx, "GP counter ", int(index));
        case 0x4000: return gp_on(why, ecx, "fixed counter ", int(index));
        case 0x2000: {
            if (!cpu_.perf_metrics()) return gp_on(why, ecx, "PERF_METRICS is not enumerated");
            if (index != 0) return gp_on(why, ecx, "PERF_METRICS index must be 0");
            value = perf_metrics_value();
            if (metrics_clear_mode()) clear_metrics_after_rdpmc();
            return true;
        }
        default: return gp_on(why, ecx, "unsupported counter type");
    }
}

}  // namespace pmusim
