// KVM counting the instructions it emulates (docs/virtualization.md "Emulated instructions"):
// kvm_pmu_trigger_event and kvm_pmu_incr_counter (arch/x86/kvm/pmu.c), and the fastpath rule
// kvm_pmu_is_fastpath_emulation_allowed (arch/x86/kvm/pmu.h).
#include "models/virt/vpmu.h"

namespace pmusim {

namespace {
// kvm_pmu_eventsel: perf's generic instructions and branch-instructions events as Intel encodes
// them. pmc_is_event_match compares event select and unit mask only (AMD64_RAW_EVENT_MASK_NB);
// CMASK, INV and EDGE are ignored.
constexpr uint64_t kInstructionsRetired = 0x00C0, kBranchInstructionsRetired = 0x00C4;
constexpr uint64_t kEventMatchMask = 0xF0000FFFFull;
}  // namespace

// pmc_counting_instructions / pmc_counting_branches (kvm_pmu_recalc_pmc_emulation): counters in
// use (EN, or a fixed field counting at some ring) whose event is the emulated one. Fixed counter
// 0 counts instructions (its eventsel is perf's instructions event). In GLOBAL_CTRL bit space.
uint64_t KvmVpmu::counting(bool branches) const {
    const uint64_t want = branches ? kBranchInstructionsRetired : kInstructionsRetired;
    uint64_t m = 0;
    for (unsigned i = 0; i < config.num_gp; ++i)
        if ((st.eventsel[i] & evtsel::kEn) && (st.eventsel[i] & kEventMatchMask) == want) m |= 1ull << i;
    if (!branches && config.has_fixed(0) && (fixed_field::of(st.fixed_ctr_ctrl, 0) & (fixed_field::kOs | fixed_field::kUsr)))
        m |= 1ull << status_bit_of_slot(fixed_slot(0));
    return m;
}

bool KvmVpmu::fastpath_emulation_allowed() const { return !mediated || !(counting(false) & st.global_ctrl); }

bool KvmVpmu::retire_emulated(bool branch, unsigned cpl, KvmHw& hw) {
    bool pmi = false;
    for (bool branches : {false, true}) {
        if (branches && !branch) break;
        for (uint64_t bits = counting(branches); bits; bits &= bits - 1) {
            const unsigned b = unsigned(__builtin_ctzll(bits));
            const unsigned slot = b < 32 ? b : fixed_slot(b - 32);
            // pmc_event_is_allowed: globally enabled (v1 has no GLOBAL_CTRL) and not filtered;
            // cpl_is_matched: the OS or USR bit of the vCPU's ring.
            if (config.version >= 2 && !((st.global_ctrl >> b) & 1u)) continue;
            if (!event_allowed(slot)) continue;
            const uint64_t ring = b < 32 ? (cpl == 0 ? evtsel::kOs : evtsel::kUsr) : (cpl == 0 ? fixed_field::kOs : fixed_field::kUsr);
            const uint64_t ctl = b < 32 ? st.eventsel[b] : fixed_field::of(st.fixed_ctr_ctrl, b - 32);
            if (!(ctl & ring)) continue;
            pmi |= increment(slot, hw);
        }
    }
    return pmi;
}

// kvm_pmu_incr_counter. Mediated: the software copy (the vPMU is put; the load path writes it
// back), an overflow to 0 sets the status bit and requests a PMI if the counter asks for one.
// Legacy: the count goes with the backing event's (emulated_counter, folded in at the next
// reprogram), so the value the guest reads includes it; an overflow is handled the same way.
bool KvmVpmu::increment(unsigned slot, KvmHw& hw) {
    const bool gp = slot < kMaxGpCounters;
    const unsigned i = gp ? slot : slot - kMaxGpCounters;
    uint64_t& sw = gp ? st.gp[i] : st.fixed[i];
    const Emulated now = counter_read(slot, sw, gp ? st.gp_t[i] : st.fixed_t[i], hw);
    const uint64_t v = (now.value + 1) & (gp ? cpu.gp_mask() : cpu.fixed_mask());
    sw = v;
    if (!mediated && backing[slot] >= 0) counter_write(slot, v, hw);
    if (v) return false;
    st.global_status |= 1ull << status_bit_of_slot(slot);
    return gp ? (st.eventsel[i] & evtsel::kInt) != 0 : (fixed_field::of(st.fixed_ctr_ctrl, i) & fixed_field::kPmi) != 0;
}

}  // namespace pmusim
