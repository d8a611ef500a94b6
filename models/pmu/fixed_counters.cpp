// IA32_FIXED_CTR0..3 and IA32_FIXED_CTR_CTRL (SDM 18.2.2, Fig.18-2; linux perf_event.h).
#include "models/pmu/pmu.h"

namespace pmusim {

namespace {
// What each fixed counter counts (SDM Table 35-2; perf_event.h comments).
constexpr Event kFixedEvent[kMaxFixedCounters] = {Event::Instructions, Event::CoreCycles, Event::RefCycles,
                                                  Event::Slots};
}  // namespace

// Assumption (KVM intel_pmu_set_msr): the value is masked to the fixed width, no #GP.
void Pmu::write_fixed(unsigned i, uint64_t v) { st_.counter[fixed_slot(i)] = v & cpu_.fixed_mask(); }

void Pmu::write_fixed_ctr_ctrl(uint64_t v) {
    // The fixed counters whose 4-bit field changed; one whose GLOBAL_CTRL bit is clear is stopped
    // before and after, so its plan stays what it is.
    uint32_t changed = 0;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if ((((st_.fixed_ctr_ctrl ^ v) >> (4 * i)) & 0xf) && ((st_.global_ctrl >> (32 + i)) & 1u))
            changed |= 1u << fixed_slot(i);
    st_.fixed_ctr_ctrl = v;
    replan_slots(changed);
}

Pmu::CounterPlan Pmu::fixed_plan(unsigned i) const {
    CounterPlan p;
    p.width_mask = cpu_.fixed_mask();
    const uint64_t field = (st_.fixed_ctr_ctrl >> (4 * i)) & 0xf;
    if (!((st_.global_ctrl >> (32 + i)) & 1u)) return p;
    if (field & 0x1) p.ring_mask |= kRing0;  // EN OS
    if (field & 0x2) p.ring_mask |= kRing3;  // EN USR
    p.events = bit(kFixedEvent[i]);
    return p;
}

}  // namespace pmusim
