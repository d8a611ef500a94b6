// KVM's PMU event filter (KVM_SET_PMU_EVENT_FILTER), as userspace hands it to the VM ioctl and as
// KVM applies it. The struct is the uapi `struct kvm_pmu_event_filter` (arch/x86/include/uapi/
// asm/kvm.h) as plain data; check() is the ioctl's validation (kvm_vm_ioctl_set_pmu_event_filter,
// prepare_filter_lists in arch/x86/kvm/pmu.c) and allowed_gp()/allowed_fixed() its decisions
// (is_gp_event_allowed, is_fixed_event_allowed). Each rule is written once, here; the vPMU
// (models/virt/vpmu.cpp) and the engine's reference PMU take them from here.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace pmusim {

namespace kvm_filter {
// uapi asm/kvm.h.
constexpr uint32_t kAllow = 0;  // KVM_PMU_EVENT_ALLOW
constexpr uint32_t kDeny = 1;   // KVM_PMU_EVENT_DENY
constexpr uint32_t kFlagMaskedEvents = 1;  // KVM_PMU_EVENT_FLAG_MASKED_EVENTS
constexpr uint32_t kFlagsValid = kFlagMaskedEvents;  // KVM_PMU_EVENT_FLAGS_VALID_MASK
// pmu.c: KVM_PMU_EVENT_FILTER_MAX_EVENTS.
constexpr uint32_t kMaxEvents = 300;
// Masked entry layout (uapi asm/kvm.h): event select 7:0 and 35:32, umask match 15:8, exclude 55,
// umask mask 63:56.
constexpr uint64_t kMaskedEventSelect = 0xffull | (0xfull << 32);  // KVM_PMU_MASKED_ENTRY_EVENT_SELECT
constexpr uint64_t kMaskedUmaskMatch = 0xff00ull;                    // KVM_PMU_MASKED_ENTRY_UMASK_MATCH
constexpr uint64_t kMaskedUmaskMask = 0xffull << 56;                 // KVM_PMU_MASKED_ENTRY_UMASK_MASK
constexpr uint64_t kMaskedExclude = 1ull << 55;                      // KVM_PMU_MASKED_ENTRY_EXCLUDE
// What of a guest PERFEVTSEL the filter matches on Intel: kvm_pmu_ops.EVENTSEL_EVENT is
// ARCH_PERFMON_EVENTSEL_EVENT, bits 7:0 only (intel_pmu_ops, vmx/pmu_intel.c; AMD's adds 35:32),
// and the unit mask (ARCH_PERFMON_EVENTSEL_UMASK).
constexpr uint64_t kEventselEvent = 0xffull;
constexpr uint64_t kEventselUmask = 0xff00ull;

// An unmasked entry: the event select's bits 11:8 go to 35:32 (the selftests' EVENT() macro).
constexpr uint64_t encode_event(uint64_t event_select, uint64_t umask) {
    return (event_select & 0xff) | ((event_select & 0xf00) << 24) | ((umask & 0xff) << 8);
}
// KVM_PMU_ENCODE_MASKED_ENTRY.
constexpr uint64_t encode_masked(uint64_t event_select, uint64_t mask, uint64_t match, bool exclude) {
    return (event_select & 0xff) | ((event_select & 0xf00) << 24) | ((mask & 0xff) << 56) | ((match & 0xff) << 8) |
           (uint64_t(exclude) << 55);
}
}  // namespace kvm_filter

// Why the ioctl refuses a filter: the field, the errno KVM returns and the rule.
struct FilterError {
    std::string field;   // action | flags | nevents | events[i]
    std::string error;   // EINVAL | E2BIG
    std::string reason;
    std::string message() const { return field + ": " + error + ": " + reason; }
};

// The filter refused: std::invalid_argument whose what() is FilterError::message().
class EventFilterError : public std::invalid_argument {
public:
    explicit EventFilterError(FilterError e) : std::invalid_argument(e.message()), err_(std::move(e)) {}
    const FilterError& error() const { return err_; }

private:
    FilterError err_;
};

// struct kvm_pmu_event_filter: what userspace passes (nevents is events.size()).
struct EventFilter {
    uint32_t action = kvm_filter::kAllow;
    uint32_t flags = 0;
    uint32_t fixed_counter_bitmap = 0;
    std::vector<uint64_t> events;

    bool masked() const { return flags & kvm_filter::kFlagMaskedEvents; }
    // The first rule of the ioctl this filter breaks, in KVM's order; nullopt: KVM takes it.
    std::optional<FilterError> check() const;
    // check() as an exception (EventFilterError).
    void validate() const;
    // Whether a GP counter programmed with this PERFEVTSEL may count (is_gp_event_allowed).
    bool allowed_gp(uint64_t eventsel) const;
    // Whether fixed counter `idx` may count (is_fixed_event_allowed): the bitmap alone decides.
    bool allowed_fixed(unsigned idx) const;
    // The entries KVM keeps, in its in-kernel (masked) form (prepare_filter_lists).
    std::vector<uint64_t> prepared() const;
    std::string describe() const;  // e.g. "deny, 2 events, fixed_counter_bitmap 0x1"
};

// What KVM loads into hardware for a guest value under a filter (null: none). A GP selector keeps
// its enable bit only if the event is allowed (kvm_mediated_pmu_refresh_event_filter); each
// FIXED_CTR_CTRL field of a fixed counter below `num_fixed` that the filter denies is cleared.
uint64_t filtered_eventsel(const EventFilter* f, uint64_t eventsel);
uint64_t filtered_fixed_ctr_ctrl(const EventFilter* f, uint64_t ctrl, unsigned num_fixed);

}  // namespace pmusim
