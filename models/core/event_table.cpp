#include "models/core/event_table.h"

namespace pmusim {

const char* event_name(Event e) {
    static const char* names[kNumEvents] = {
        "core_cycles", "ref_cycles", "instructions", "branches", "branch_misses", "llc_references",
        "llc_misses", "slots", "slots_light_ops", "slots_heavy_ops", "slots_br_mispredict",
        "slots_machine_clears", "slots_fetch_latency", "slots_fetch_bandwidth", "slots_memory_bound",
        "slots_core_bound"};
    return names[idx(e)];
}

namespace {
constexpr EventMask kRetiring = bit(Event::SlotsLightOps) | bit(Event::SlotsHeavyOps);
constexpr EventMask kBadSpec = bit(Event::SlotsBrMispredict) | bit(Event::SlotsMachineClears);
constexpr EventMask kFrontend = bit(Event::SlotsFetchLatency) | bit(Event::SlotsFetchBandwidth);
constexpr EventMask kBackend = bit(Event::SlotsMemoryBound) | bit(Event::SlotsCoreBound);
}  // namespace

const std::vector<EventEncoding>& event_table() {
    // Architectural encodings: KVM selftests include/x86/pmu.h, SDM Table 18-1.
    static const std::vector<EventEncoding> t = {
        {"cycles", "CPU_CLK_UNHALTED.THREAD_P", 0x3c, 0x00, bit(Event::CoreCycles), 0, false},
        {"instructions", "INST_RETIRED.ANY_P", 0xc0, 0x00, bit(Event::Instructions), 1, false},
        {"ref-cycles", "CPU_CLK_UNHALTED.REF_XCLK", 0x3c, 0x01, bit(Event::RefCycles), 2, false},
        {"cache-references", "LONGEST_LAT_CACHE.REFERENCE", 0x2e, 0x4f, bit(Event::LlcReferences), 3, false},
        {"cache-misses", "LONGEST_LAT_CACHE.MISS", 0x2e, 0x41, bit(Event::LlcMisses), 4, false},
        {"branches", "BR_INST_RETIRED.ALL_BRANCHES", 0xc4, 0x00, bit(Event::Branches), 5, false},
        {"branch-misses", "BR_MISP_RETIRED.ALL_BRANCHES", 0xc5, 0x00, bit(Event::BranchMisses), 6, false},
        {"topdown.slots", "TOPDOWN.SLOTS_P", 0xa4, 0x01, bit(Event::Slots), 7, true},
        {"topdown.backend_bound_slots", "TOPDOWN.BACKEND_BOUND_SLOTS", 0xa4, 0x02, kBackend, 8, true},
        {"topdown.bad_spec_slots", "TOPDOWN.BAD_SPEC_SLOTS", 0x73, 0x00, kBadSpec, 9, true},
        {"topdown.fe_bound_slots", "IDQ_BUBBLES.CORE", 0x9c, 0x01, kFrontend, 10, true},
        {"topdown.retiring_slots", "UOPS_RETIRED.SLOTS", 0xc2, 0x02, kRetiring, 11, true},
        {"lbr-inserts", "LBR_INSERTS.ANY", 0xe4, 0x01, bit(Event::Branches), 12, false},
        // Model-specific level-2 slot events (SPR+; intel/perfmon issue #225).
        {"topdown.bad_spec_slots_p", "TOPDOWN.BAD_SPEC_SLOTS_P", 0xa4, 0x04, kBadSpec, -1, true},
        {"topdown.br_mispredict_slots", "TOPDOWN.BR_MISPREDICT_SLOTS", 0xa4, 0x08, bit(Event::SlotsBrMispredict), -1, true},
        {"topdown.memory_bound_slots", "TOPDOWN.MEMORY_BOUND_SLOTS", 0xa4, 0x10, bit(Event::SlotsMemoryBound), -1, true},
        {"uops_retired.heavy", "UOPS_RETIRED.HEAVY", 0xc2, 0x01, bit(Event::SlotsHeavyOps), -1, true},
    };
    return t;
}

const EventEncoding* find_encoding(uint8_t event_select, uint8_t umask) {
    for (auto& e : event_table())
        if (e.event_select == event_select && e.umask == umask) return &e;
    return nullptr;
}

const EventEncoding* find_event_by_name(const std::string& name) {
    for (auto& e : event_table())
        if (name == e.name || name == e.intel_name) return &e;
    return nullptr;
}

}  // namespace pmusim
