// The VM's PMU event filter on the engine (docs/virtualization.md "Event filter"). KVM applies it
// to the hardware selector copies of each vCPU (models/virt/vpmu.cpp); here is what the engine
// adds: the guest's reference PMU runs under the same filter, so that the guest alone on bare
// metal is the guest as the VMM configured it. The Hypervisor's set_event_filter and the
// reprogram before each VM-entry are defined in event_filter_engine.cpp.
#pragma once
#include <array>
#include <memory>

#include "models/pmu/pmu.h"
#include "models/virt/event_filter.h"

namespace pmusim {

// A guest's selectors on its reference PMU under the VM's filter. A write runs there as KVM's
// filter leaves it (enable bit or fixed field cleared when the event is denied) and reads back
// as the guest wrote it, as KVM answers it (pmc->eventsel, pmu->fixed_ctr_ctrl). A new filter
// applies from the vCPU's next VM-entry, as KVM's reprogram does.
struct FilteredReference {
    std::array<uint64_t, kMaxGpCounters> evtsel{};  // as the guest wrote them
    uint64_t fixed_ctr_ctrl = 0;
    std::shared_ptr<const EventFilter> filter;      // the filter the reference runs under

    AccessResult write(Pmu& ref, uint32_t msr, uint64_t value);
    AccessResult read(Pmu& ref, uint32_t msr) const;
    // Runs the written selectors under `f` from now on (the reference at the guest's current cycle).
    void refilter(Pmu& ref, std::shared_ptr<const EventFilter> f);

private:
    uint64_t hw_value(const Pmu& ref, const MsrRef& m, uint64_t value) const;
};

}  // namespace pmusim
