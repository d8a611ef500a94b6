// The GP-counter event table: (event select, umask) -> the base events it counts.
// Covers the architectural events of CPUID.0AH:EBX (SDM Table 18-1 / KVM selftest pmu.h) and the
// TOPDOWN.*_SLOTS events (intel/perfmon issue #225). An encoding not in the table counts nothing.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "models/core/events.h"

namespace pmusim {

struct EventEncoding {
    const char* name;       // perf-style name, e.g. "instructions"
    const char* intel_name; // e.g. "INST_RETIRED.ANY_P"
    uint8_t event_select;
    uint8_t umask;
    EventMask counts;       // base events summed per cycle
    int arch_index;         // CPUID.0AH:EBX bit, or -1 for model-specific events
    bool needs_topdown;     // only on cores with TOPDOWN.SLOTS (icelake and later)
};

const std::vector<EventEncoding>& event_table();
// Lookup by encoding; nullopt when the encoding counts nothing in this model.
const EventEncoding* find_encoding(uint8_t event_select, uint8_t umask);
const EventEncoding* find_event_by_name(const std::string& name);

}  // namespace pmusim
