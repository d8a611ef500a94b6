// clobber (host side): host perf's events are scheduled in again by the end of every
// exit-handling window and at the end of the run; otherwise the host's cycles go uncounted even
// when the host never gets a slice of its own (a guest that only exits for its PMIs).
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class HostScheduledChecker : public Checker {
public:
    using Checker::Checker;
    void on_exit_handled() override { check("at the end of exit handling"); }
    void on_end() override { check("at the end of the run"); }

private:
    void check(const char* when) {
        const AgentConfig& p = e_.sc.host.perf;
        const bool has_events = !p.events.empty() || p.topdown || !p.sample_event.empty();
        if (has_events && !e_.host_perf->scheduled_in())
            e_.report(ViolationKind::Clobber, "host perf events", 0, 0, 1, 0,
                      std::string("host events are still scheduled out ") + when + ": the host's cycles go uncounted");
    }
};
}  // namespace

std::unique_ptr<Checker> make_host_scheduled_checker(Engine& e) { return std::make_unique<HostScheduledChecker>(e); }

}  // namespace pmusim
