// clobber (host side): host perf's events are still scheduled out while the host runs, so its
// cycles go uncounted.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class HostScheduledChecker : public Checker {
public:
    using Checker::Checker;
    void on_host_slice() override {
        const AgentConfig& p = e_.sc.host.perf;
        const bool has_events = !p.events.empty() || p.topdown || !p.sample_event.empty();
        if (has_events && !e_.host_perf->scheduled_in())
            e_.report(ViolationKind::Clobber, "host perf events", 0, 0, 1, 0,
                      "host events are still scheduled out while the host runs: its cycles go uncounted");
    }
};
}  // namespace

std::unique_ptr<Checker> make_host_scheduled_checker(Engine& e) { return std::make_unique<HostScheduledChecker>(e); }

}  // namespace pmusim
