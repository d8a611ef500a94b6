// The GP-counter event table: (event select, umask[, cmask, edge]) -> the base events it counts.
// Covers the architectural events of CPUID.0AH:EBX (SDM Table 18-1 / KVM selftest pmu.h), the
// TOPDOWN.*_SLOTS events (intel/perfmon issue #225) and the model-specific events the TMA formulas
// of each family read (Linux tools/perf/pmu-events/arch/x86/{skylake,icelake,sapphirerapids,lunarlake};
// intel/perfmon LNL/events/lunarlake_lioncove_core.json for the Lunar Lake P-core).
// An encoding not in the table counts nothing.
//
// Events that Intel defines as a CMASK/E view of another event (e.g. CYCLES_0_UOPS_DELIV.CORE is
// IDQ_UOPS_NOT_DELIVERED.CORE with cmask=W) are modelled as base events of their own: an entry with
// a non-zero cmask or edge matches only that exact programming and counts without the CMASK logic.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "models/core/events.h"
#include "models/cpu/cpu_config.h"

namespace pmusim {

// Families an encoding exists on (bit per TmaFamily).
namespace fam {
constexpr uint8_t kSkl = 1, kIcl = 2, kSpr = 4, kLnl = 8, kAll = 15, kSprUp = kSpr | kLnl, kIclUp = kIcl | kSprUp;
}

struct EventEncoding {
    const char* name;       // perf-style name, e.g. "instructions"
    const char* intel_name; // e.g. "INST_RETIRED.ANY_P"
    uint8_t event_select;
    uint8_t umask;
    EventMask counts;       // base events summed per cycle
    int arch_index;         // CPUID.0AH:EBX bit, or -1 for model-specific events
    bool needs_topdown;     // only on cores with TOPDOWN.SLOTS (icelake and later)
    uint8_t cmask = 0;      // non-zero: matches only this CMASK (a cycle event of its own)
    bool edge = false;      // matches only with E set
    uint8_t families = fam::kAll;
    uint8_t umask2 = 0;     // IA32_PERFEVTSELx[47:40] (perfmon v6; intel/perfmon "UMaskExt")
    bool inv = false;       // with cmask: matches only with INV set (and EQ as `eq` says)
    bool eq = false;        // with cmask: matches only with EQ (bit 36, perfmon v6) set
    EventMask latency = 0;  // precise *_COST events: the base events summing their retire latency (perf :R)
};

const std::vector<EventEncoding>& event_table();
// Lookup by programming for a CPU: an exact (cmask, edge, inv, eq) entry first, then the plain
// (event, umask) entry, to which the PMU applies CMASK/INV/E/EQ itself. nullptr: counts nothing.
const EventEncoding* find_encoding(const CpuConfig& cpu, uint8_t event_select, uint8_t umask, uint8_t cmask = 0,
                                   bool edge = false, uint8_t umask2 = 0, bool inv = false, bool eq = false);
// By perf or Intel name, for this CPU's family (names are shared across families).
const EventEncoding* find_event_by_name(const std::string& name, const CpuConfig& cpu);
// Whether a table entry exists on this CPU (family and TOPDOWN events).
bool encoding_available(const EventEncoding& e, const CpuConfig& cpu);
// The EVTSEL bits that program `e` (event, umask, E, INV, CMASK, EQ, UMASK2; no USR/OS/EN).
uint64_t encoding_bits(const EventEncoding& e, const CpuConfig& cpu);

}  // namespace pmusim
