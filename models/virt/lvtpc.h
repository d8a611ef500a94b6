// The LVT performance-counter entry of a guest's local APIC (LVTPC; SDM Vol. 3 11.5.1 "Local
// Vector Table"), as KVM's local APIC emulates it (arch/x86/kvm/lapic.c) and as the guest's own
// CPU would hold it. The guest reaches it through its x2APIC MSR (SDM 11.12.1.2).
//   - A write keeps the vector, delivery mode, delivery status and mask bits (KVM's
//     apic_lvt_mask for LVTPC); bits 63:32 set is a #GP (kvm_lapic_msr_write).
//   - A PMI is accepted only while the entry is unmasked, and accepting it sets the mask (SDM
//     11.5.1: "When the local APIC handles a performance-monitoring counters interrupt, it
//     automatically sets the mask flag"; KVM: kvm_apic_local_deliver since commit a16eb25b09c0
//     "KVM: x86: Mask LVTPC when handling a PMI"). The guest's PMI handler clears it again.
#pragma once
#include <cstdint>

#include "models/pmu/pmu.h"

namespace pmusim {

struct Lvtpc {
    static constexpr uint32_t kX2apicMsr = 0x834;  // x2APIC LVT Performance Monitoring register
    static constexpr uint32_t kMasked = 1u << 16;
    static constexpr uint32_t kNmi = 0x400;        // delivery mode 100b: NMI, as Linux perf sets it
    static constexpr uint32_t kWritable = 0x117FF; // mask, delivery status, delivery mode, vector
    // Assumption (docs/virtualization.md "LVTPC"): the guest booted before the simulated window and
    // its perf set NMI delivery, unmasked (perf_events_lapic_init).
    uint32_t value = kNmi;

    bool masked() const { return (value & kMasked) != 0; }
    AccessResult rdmsr() const { return AccessResult::value_of(value); }
    AccessResult wrmsr(uint64_t v);
    // A PMI reaching this entry: false when masked (the interrupt is not accepted); else accepted,
    // and the mask set when `auto_mask` (Intel's local APIC).
    bool accept_pmi(bool auto_mask);
};

}  // namespace pmusim
