// flow: a context reads a value whose provenance includes another context. Pass-through reads
// are judged when they execute on hardware; emulated reads when KVM answers them.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class FlowChecker : public Checker {
public:
    // Only an untrusted context's successful reads can carry another's state to it.
    explicit FlowChecker(Engine& e) : Checker(e) { judges_accesses(access_class(false, true, false)); }
    void on_access(const AccessEvent& a) override {
        if (!a.ok || a.kind == AccessKind::Wrmsr || a.trusted) return;
        if (a.taint & ~taint_of(a.actor))
            e_.report(ViolationKind::Flow, e_.reg_name(a.kind, a.index), a.actor, a.taint & ~taint_of(a.actor), 0, a.value,
                      "read a value carrying another context's state");
    }
    void on_guest_access(const GuestAccess& g) override {
        if (!g.exited || !g.ok || g.kind == AccessKind::Wrmsr) return;
        const Taint own = taint_of(g.v.ctx());
        if (g.taint & ~own)
            e_.report(ViolationKind::Flow, e_.reg_name(g.kind, g.index), g.v.ctx(), g.taint & ~own, 0, g.result,
                      "emulated read returned a value carrying another context's state");
    }
};
}  // namespace

std::unique_ptr<Checker> make_flow_checker(Engine& e) { return std::make_unique<FlowChecker>(e); }

}  // namespace pmusim
