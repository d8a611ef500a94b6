// clobber (host side): every host perf reading is compared with the host's events over the
// windows in which its counters were enabled (the ledger); a host perf access that #GPs is a
// clobber too (something took a register host perf relies on).
#include <cmath>

#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class HostCountsChecker : public Checker {
public:
    explicit HostCountsChecker(Engine& e) : Checker(e) { judges_accesses(kFailedAccesses); }  // host perf's #GPs
    void on_access(const AccessEvent& a) override {
        if (a.actor == 0 && !a.ok)
            e_.report(ViolationKind::Clobber, e_.reg_name(a.kind, a.index), 0, 0, 0, a.value, "host perf access #GP (" + std::string(a.what) + ")");
    }

    void on_host_reading(const AgentReading& r, const HostReadingTruth& t) override {
        const auto& evs = e_.host_perf->events();
        for (size_t i = 0; i < evs.size(); ++i) {
            if (!evs[i].truth_known || t.events[i] == r.deltas[i]) continue;
            // The source: whoever else's state is in the counter this event is on.
            const int slot = e_.host_perf->counter_slot(i);
            const Taint src = slot >= 0 ? e_.prov.counter(unsigned(slot)) & ~taint_of(0) : 0;
            e_.report(ViolationKind::Clobber, evs[i].name, 0, src, t.events[i], r.deltas[i],
                      "host perf count differs from the host's events while its counters were enabled");
        }
        if (!r.topdown) return;
        if (t.slots != r.slots)
            e_.report(ViolationKind::Clobber, "FIXED_CTR3 (slots)", 0, e_.prov.counter(fixed_slot(3)) & ~taint_of(0), t.slots,
                      r.slots, "host topdown slots differ from the host's slots");
        if (!t.slots) return;
        const double fmax = double(e_.m.pmu().semantics().metrics_field_max());
        // Host perf's own save/restore rounds the fields at each schedule-in (0.5 LSB each, weighted
        // by the slots saved); the check allows that and the tolerance.
        const double allowed =
            e_.sc.checks.perf_metrics_tolerance_lsb + 0.5 * double(r.td_restored_slots) / double(t.slots);
        for (unsigned k = 0; k < e_.m.pmu().perf_metrics_fields(); ++k) {
            const double want = fmax * double(t.parts[k]) / double(t.slots);
            const uint64_t got = e_.pm_field(r.metrics, k);
            if (std::fabs(double(got) - want) > allowed)
                e_.report(ViolationKind::Clobber, std::string("PERF_METRICS.") + kMetricFieldNames[k], 0,
                          e_.prov.metrics_field(k) & ~taint_of(0), uint64_t(std::llround(want)), got,
                          "host topdown field off by more than the tolerance");
        }
    }
};
}  // namespace

std::unique_ptr<Checker> make_host_counts_checker(Engine& e) { return std::make_unique<HostCountsChecker>(e); }

}  // namespace pmusim
