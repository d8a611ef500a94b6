// clobber (host side, per task): a host task's events count only while it runs in host mode.
// Each reading at its switch-out equals its events over the windows in which its counters were
// enabled on this CPU (the task ledger); and at every VM-entry of its vCPU its events are
// scheduled out: every host event is exclude_guest with the mediated PMU, and
// perf_load_guest_context schedules out the current task's context beside the CPU's
// (kernel/events/core.c of the mediated PMU series).
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class TaskCountsChecker : public Checker {
public:
    using Checker::Checker;
    void on_task_reading(const Vcpu& v, const AgentReading& r, const std::vector<uint64_t>& truth) override {
        const PerfSoftware& p = *v.task->perf;
        const auto& evs = p.events();
        for (size_t i = 0; i < evs.size(); ++i) {
            if (!evs[i].truth_known || truth[i] == r.deltas[i]) continue;
            const int slot = p.counter_slot(i);
            const Taint src = slot >= 0 ? e_.prov.counter(unsigned(slot)) & ~taint_of(0) : 0;
            e_.report(ViolationKind::Clobber, "task " + v.spec.name + " " + evs[i].name, 0, src, truth[i], r.deltas[i],
                      "host task perf count differs from the task's events while it ran with its counters enabled");
        }
    }
    void on_handover(Handover h, Vcpu& v) override {
        if (h != Handover::ToGuest || !v.task || !v.task->perf->scheduled_in()) return;
        e_.report(ViolationKind::Clobber, "task " + v.spec.name + " perf events", 0, 0, 0, 1,
                  "the host task's events are still scheduled in at VM-entry (perf_load_guest_context schedules out the "
                  "task context's exclude_guest events too)");
    }
};
}  // namespace

std::unique_ptr<Checker> make_task_counts_checker(Engine& e) { return std::make_unique<TaskCountsChecker>(e); }

}  // namespace pmusim
