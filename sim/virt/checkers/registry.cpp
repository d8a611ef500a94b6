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
        {"event_filter", {K::Filtered},
         "in a guest's cycles, a counter that guest programmed counts an event the VM's PMU event filter (as in force at "
         "its VM-entry) denies", make_event_filter_checker},
        {"pmi_accounting", {K::PmiMisroute, K::PmiLost, K::PmiDuplicated, K::PmiSpurious},
         "every PMI a context's reference raises (the host: of the counters it programmed) reaches that context exactly "
         "once within the allowed delay",
         make_pmi_accounting_checker},
        {"guest_reference", {K::Clobber},
         "a guest access gives another result than on the guest's reference PMU (the guest alone on bare metal)",
         make_guest_reference_checker},
        {"guest_state", {K::Clobber},
         "right after every VM-entry and at every VM-exit, the guest-visible hardware state equals the guest's reference; "
         "a difference is reported at the load step that wrote it",
         make_guest_state_checker},
        {"host_counts", {K::Clobber},
         "a host perf reading differs from the host's events while its counters were enabled; a host perf access #GPs",
         make_host_counts_checker},
        {"host_scheduled", {K::Clobber}, "host perf's events are scheduled in again by the end of every exit-handling window and of the run",
         make_host_scheduled_checker},
        {"task_counts", {K::Clobber},
         "a host task's perf reading (at each switch-out) differs from its events while it ran with its counters enabled; "
         "its events are still scheduled in at a VM-entry of its vCPU",
         make_task_counts_checker},
    };
    return r;
}

std::string checkers_markdown() {
    std::string s = "| checker | kinds | checks |\n|---|---|---|\n";
    for (auto& c : checker_registry()) {
        std::string kinds;
        for (auto k : c.kinds) kinds += (kinds.empty() ? "" : ", ") + std::string(violation_kind_name(k));
        s += std::string("| `") + c.name + "` | " + kinds + " | " + c.checks + " |\n";
    }
    s += "\n| kind | fires when |\n|---|---|\n";
    for (auto& k : violation_kinds()) s += std::string("| **") + k.name + "** | " + k.fires_when + " |\n";
    return s;
}

}  // namespace pmusim
