#include "sim/info.h"

#include <cstdio>
#include <sstream>

#include "models/core/event_table.h"
#include "models/pmu/register_table.h"

namespace pmusim {

std::string cpu_info_text(const CpuConfig& c) {
    std::ostringstream os;
    char b[400];
    os << "CPU preset: " << c.preset << "\n\nCPUID leaf 0xA\n";
    std::snprintf(b, sizeof b, "  EAX = 0x%08x  version %u, %u GP counters, %u bits wide, %u-entry event vector\n",
                  c.cpuid_eax(), c.version, c.num_gp, c.gp_width, c.ebx_length);
    os << b;
    std::snprintf(b, sizeof b, "  EBX = 0x%08x  (bit set = architectural event unavailable)\n", c.cpuid_ebx());
    os << b;
    for (auto& e : event_table()) {
        if (e.arch_index < 0) continue;
        const unsigned k = static_cast<unsigned>(e.arch_index);
        std::snprintf(b, sizeof b, "      %2u %-30s 0x%02x/0x%02x  %s\n", k, e.intel_name, e.event_select, e.umask,
                      c.arch_event_available(k) ? "available" : "not enumerated");
        os << b;
    }
    std::snprintf(b, sizeof b, "  ECX = 0x%08x  fixed-counter bitmap (v5+)\n", c.cpuid_ecx());
    os << b;
    std::snprintf(b, sizeof b, "  EDX = 0x%08x  %u contiguous fixed counters, %u bits wide, AnyThread %s\n",
                  c.cpuid_edx(), c.num_fixed, c.fixed_width, c.anythread_deprecated ? "deprecated" : "supported");
    os << b;
    os << "  fixed counters present:";
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (c.has_fixed(i)) os << " FC" << i;
    if (c.has_leaf_23()) {
        const auto l0 = c.cpuid_leaf23(0), l1 = c.cpuid_leaf23(1);
        std::snprintf(b, sizeof b,
                      "\n\nCPUID leaf 0x23 (perfmon v6)\n  sub-leaf 0: EAX = 0x%08x  valid sub-leaves\n"
                      "              EBX = 0x%08x  UMASK2 %s, EQ %s\n"
                      "  sub-leaf 1: EAX = 0x%08x  GP counter bitmap\n              EBX = 0x%08x  fixed counter bitmap",
                      l0.eax, l0.ebx, c.has_umask2() ? "yes" : "no", c.has_evtsel_eq() ? "yes" : "no", l1.eax, l1.ebx);
        os << b;
    }
    os << "\n\nIA32_PERF_CAPABILITIES";
    if (!c.pdcm) {
        os << ": not present (CPUID.01H:ECX.PDCM = 0)\n";
    } else {
        std::snprintf(b, sizeof b, " = 0x%llx\n", static_cast<unsigned long long>(c.perf_capabilities));
        os << b;
        const uint64_t p = c.perf_capabilities;
        std::snprintf(b, sizeof b,
                      "  LBR format %llu, PEBS trap %llu, PEBS arch regs %llu, PEBS format %llu\n"
                      "  freeze-while-SMM %llu, FW_WRITE %llu, PEBS baseline %llu, PERF_METRICS %llu, "
                      "RDPMC metrics clear %llu\n",
                      (unsigned long long)(p & 0x3f), (unsigned long long)((p >> 6) & 1), (unsigned long long)((p >> 7) & 1),
                      (unsigned long long)((p >> 8) & 0xf), (unsigned long long)((p >> 12) & 1),
                      (unsigned long long)((p >> 13) & 1), (unsigned long long)((p >> 14) & 1),
                      (unsigned long long)((p >> 15) & 1), (unsigned long long)((p >> 19) & 1));
        os << b;
    }
    os << "\nModel properties\n  slots per cycle " << c.slots_per_cycle << ", PERF_METRICS "
       << (c.perf_metrics() ? (c.l2_metrics ? "level 1 + level 2" : "level 1 only") : "absent")
       << ", TOPDOWN.* GP events " << (c.topdown_events ? "yes" : "no") << "\n\nRegister map\n";
    os << RegisterTable(c).markdown();
    return os.str();
}

}  // namespace pmusim
