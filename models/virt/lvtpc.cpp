#include "models/virt/lvtpc.h"

namespace pmusim {

AccessResult Lvtpc::wrmsr(uint64_t v) {
    // Only ICR is a 64-bit x2APIC register; every other one takes 32 bits (kvm_lapic_msr_write).
    if (v >> 32) return AccessResult::gp("x2APIC LVTPC: bits 63:32 are reserved");
    value = uint32_t(v) & kWritable;
    return AccessResult::value_of(0);
}

bool Lvtpc::accept_pmi(bool auto_mask) {
    if (masked()) return false;
    if (auto_mask) value |= kMasked;
    return true;
}

}  // namespace pmusim
