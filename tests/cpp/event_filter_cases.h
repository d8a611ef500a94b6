// Shared by the event filter tests (test_event_filter.cpp, test_event_filter_guest.cpp): filters
// built as userspace builds them, selectors, and the masked-entry table of the selftest.
#pragma once
#include <array>
#include <vector>

#include "checker_bench.h"
#include "models/virt/event_filter.h"

namespace pmusim::test {

using namespace pmusim::kvm_filter;

constexpr uint64_t kInstructions = 0xc0;  // kBranches, kCycles, kCount: checker_bench.h

inline EventFilter filter(uint32_t action, std::vector<uint64_t> events, uint32_t bitmap = 0, uint32_t flags = 0) {
    EventFilter f;
    f.action = action;
    f.events = std::move(events);
    f.fixed_counter_bitmap = bitmap;
    f.flags = flags;
    return f;
}
inline EventFilter masked(uint32_t action, std::vector<uint64_t> entries) {
    return filter(action, std::move(entries), 0, kFlagMaskedEvents);
}
// A GP selector counting `event`/`umask` in both rings, enabled.
inline uint64_t sel(uint64_t event, uint64_t umask = 0) { return kCount | event | (umask << 8); }

// The selftest's loads / stores / loads+stores (MEM_INST_RETIRED 0xD0 0x81/0x82/0x83) are not in
// the model's event table; TOPDOWN 0xA4 with umasks 0x01 (SLOTS_P), 0x02 (BACKEND_BOUND_SLOTS)
// and 0x04 (BAD_SPEC_SLOTS) are, on sapphirerapids: the same three-umask table.
constexpr uint64_t kTopdown = 0xa4;
constexpr uint64_t kUmasks[3] = {0x01, 0x02, 0x04};
inline uint64_t inc(uint64_t mask, uint64_t match) { return encode_masked(kTopdown, mask, match, false); }
inline uint64_t exc(uint64_t mask, uint64_t match) { return encode_masked(kTopdown, mask, match, true); }
struct MaskedCase {
    const char* what;
    std::vector<uint64_t> entries;
    std::array<bool, 3> counts;  // umask 0x01, 0x02, 0x04 under an allow filter
};
inline const std::vector<MaskedCase>& masked_cases() {
    static const std::vector<MaskedCase> c = {
        {"only 0x01", {inc(0xff, 0x01)}, {true, false, false}},
        {"only 0x02", {inc(0xff, 0x02)}, {false, true, false}},
        {"0x01 and 0x04", {inc(0xff, 0x01), inc(0xff, 0x04)}, {true, false, true}},
        {"all three by mask", {inc(0xf8, 0)}, {true, true, true}},
        {"0x01 and 0x02 by mask", {inc(0xfc, 0)}, {true, true, false}},
        {"all but 0x02", {inc(0xf8, 0), exc(0xff, 0x02)}, {true, false, true}},
        {"an exclude alone", {exc(0xff, 0x02)}, {false, false, false}},
        {"any umask but bit 0", {inc(0, 0), exc(0x01, 0x01)}, {false, true, true}},
    };
    return c;
}

}  // namespace pmusim::test
