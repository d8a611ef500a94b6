#include "sim/virt/checker.h"

namespace pmusim {

const std::vector<CheckerDef>& checker_registry() {
    using K = ViolationKind;
    static const std::vector<CheckerDef> r = {
        {"flow", {K::Flow}, "a context reads (RDMSR/RDPMC, pass-through or emulated) a value carrying another context's state",
         make_flow_checker},
        {"exposure", {K::Flow},
         "at VM-entry, what the guest can read without an exit; at the handover to host perf, every PMU register",
         make_exposure_checker},
        {"bleed", {K::Bleed}, "a counter programmed by one context counts another context's cycles", make_bleed_checker},
        {"pmi_routing", {K::PmiMisroute}, "a PMI reaches a context other than the one that programmed its interrupt",
         make_pmi_routing_checker},
        {"guest_reference", {K::Clobber},
         "a guest access gives another result than on the guest's reference PMU (the guest alone on bare metal)",
         make_guest_reference_checker},
        {"host_counts", {K::Clobber},
         "a host perf reading differs from the host's events while its counters were enabled; a host perf access #GPs",
         make_host_counts_checker},
        {"host_scheduled", {K::Clobber}, "host perf's events are still scheduled out while the host runs",
         make_host_scheduled_checker},
    };
    return r;
}

}  // namespace pmusim
