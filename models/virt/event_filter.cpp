#include "models/virt/event_filter.h"

#include "models/pmu/register_table.h"

namespace pmusim {

using namespace kvm_filter;

namespace {
// An unmasked entry with bits KVM cannot match against a guest selector: dropped, not refused,
// for backward compatibility (convert_to_masked_filter).
bool unmatchable(uint64_t e) { return e & ~(kEventselEvent | kEventselUmask); }

// A masked entry with bits outside the masked layout (is_masked_filter_valid). On Intel the event
// select is bits 7:0 only, so bits 35:32 are invalid too.
bool invalid_masked(uint64_t e) { return e & ~(kEventselEvent | kMaskedUmaskMask | kMaskedUmaskMatch | kMaskedExclude); }

// An entry in KVM's in-kernel (masked) form: unmasked entries get an all-ones umask mask and no
// exclude; false: KVM drops it (prepare_filter_lists, convert_to_masked_filter).
bool prepare(bool masked, uint64_t e, uint64_t& out) {
    if (!masked && unmatchable(e)) return false;
    out = masked ? e : e | kMaskedUmaskMask;
    return true;
}

// is_filter_entry_match: the umask under the entry's mask equals its match.
bool entry_matches(uint64_t entry, uint64_t umask) {
    const uint64_t mask = entry >> (56 - 8);
    return (umask & mask) == (entry & kMaskedUmaskMatch);
}
}  // namespace

std::optional<FilterError> EventFilter::check() const {
    // kvm_vm_ioctl_set_pmu_event_filter, in its order.
    if (action != kAllow && action != kDeny)
        return FilterError{"action", "EINVAL", "action " + std::to_string(action) + " is neither KVM_PMU_EVENT_ALLOW (0) "
                                                                                      "nor KVM_PMU_EVENT_DENY (1)"};
    if (flags & ~kFlagsValid)
        return FilterError{"flags", "EINVAL",
                           "flags " + hex_string(flags) + " has bits beyond KVM_PMU_EVENT_FLAGS_VALID_MASK (0x1)"};
    if (events.size() > kMaxEvents)
        return FilterError{"nevents", "E2BIG", std::to_string(events.size()) + " events, at most " +
                                                   std::to_string(kMaxEvents) + " (KVM_PMU_EVENT_FILTER_MAX_EVENTS)"};
    // prepare_filter_lists: masked entries are checked, unmasked ones only filtered.
    if (masked())
        for (size_t i = 0; i < events.size(); ++i)
            if (invalid_masked(events[i]))
                return FilterError{"events[" + std::to_string(i) + "]", "EINVAL",
                                   "masked entry " + hex_string(events[i]) + " sets bits outside event select 7:0, umask match "
                                                                      "15:8, exclude 55 and umask mask 63:56 (Intel)"};
    return std::nullopt;
}

void EventFilter::validate() const {
    if (auto e = check()) throw EventFilterError(*e);
}

std::vector<uint64_t> EventFilter::prepared() const {
    std::vector<uint64_t> out;
    uint64_t p = 0;
    for (uint64_t e : events)
        if (prepare(masked(), e, p)) out.push_back(p);
    return out;
}

bool EventFilter::allowed_gp(uint64_t eventsel) const {
    // filter_contains_match over the includes and over the excludes: an entry of the same event
    // select (the guest's bits 7:0) whose umask mask/match accepts the guest's umask.
    const uint64_t select = eventsel & kEventselEvent, umask = eventsel & kEventselUmask;
    bool included = false, excluded = false;
    uint64_t e = 0;
    for (uint64_t raw : events) {
        if (!prepare(masked(), raw, e) || (e & kMaskedEventSelect) != select || !entry_matches(e, umask)) continue;
        // Only masked filters have excludes (prepare_filter_lists splits at the exclude bit).
        (masked() && (e & kMaskedExclude) ? excluded : included) = true;
    }
    if (included && !excluded) return action == kAllow;
    return action == kDeny;
}

bool EventFilter::allowed_fixed(unsigned idx) const {
    const bool listed = idx < 32 && ((fixed_counter_bitmap >> idx) & 1u);
    if (action == kDeny && listed) return false;
    if (action == kAllow && !listed) return false;
    return true;
}

std::string EventFilter::describe() const {
    std::string s = action == kAllow ? "allow" : action == kDeny ? "deny" : "action " + std::to_string(action);
    const char* what = masked() ? " masked entr" : " event";
    const bool one = events.size() == 1;
    s += ", " + std::to_string(events.size()) + what + (masked() ? (one ? "y" : "ies") : (one ? "" : "s"));
    return s + ", fixed_counter_bitmap " + hex_string(fixed_counter_bitmap);
}

uint64_t filtered_eventsel(const EventFilter* f, uint64_t eventsel) {
    return f && !f->allowed_gp(eventsel) ? eventsel & ~evtsel::kEn : eventsel;
}

uint64_t filtered_fixed_ctr_ctrl(const EventFilter* f, uint64_t ctrl, unsigned num_fixed) {
    if (!f) return ctrl;
    for (unsigned i = 0; i < num_fixed && i < 16; ++i)
        if (!f->allowed_fixed(i)) ctrl &= ~(0xfull << (4 * i));
    return ctrl;
}

}  // namespace pmusim
