// Pmu::access_quiet, inline: the engine's direct path (Hypervisor::hw) makes about 120 accesses
// a VM exit, and a call per access costs it about as much as the access itself
// (docs/performance.md "Cost per VM exit"). Included where it is called.
#pragma once
#include "models/pmu/pmu.h"

namespace pmusim {

inline Pmu::QuietResult Pmu::access_quiet(AccessKind k, uint32_t index, uint64_t v, unsigned cpl) {
    if (k == AccessKind::Rdpmc) {
        QuietResult q;
        // A counter read at CPL 0 (KVM's and host perf's): rdpmc_to's counter cases, inline.
        if (cpl == 0 && cpu_.version != 0 && rdpmc_counter(index >> 16, index & 0xffff, q.value)) return {true, q.value, nullptr};
        q.ok = rdpmc_to(index, cpl, q.value, nullptr);
        return q;
    }
    const RegisterDesc* r = table_.find(index);
    if (!r) return {false, 0, nullptr};
    if (k == AccessKind::Rdmsr) return {true, read_value(*r), r};
    // The checks of wrmsr() and write_register(), in their order.
    if (!writable(*r, v) || !write_value(*r, v)) return {false, 0, nullptr};
    return {true, 0, r};
}

}  // namespace pmusim
