// clobber (guest side): every guest access is repeated on the guest's reference PMU, which runs
// the guest alone in its own time; a read that differs from it (exactly for counters, selectors,
// GLOBAL_CTRL and the guest's GLOBAL_STATUS bits; within the tolerance for each PERF_METRICS
// field), or a #GP where bare metal has none, is a clobber.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class GuestReferenceChecker : public Checker {
public:
    using Checker::Checker;
    void on_guest_access(const GuestAccess& g) override {
        const int ctx = g.v.ctx();
        if (g.kind == AccessKind::Wrmsr) {
            if (!g.exited && g.ok != g.ref.ok)
                e_.report(ViolationKind::Clobber, e_.reg_name(g.kind, g.index), ctx, 0, g.ref.ok, g.ok,
                          std::string("pass-through WRMSR ") + (g.ok ? "accepted" : "#GP") + " where the guest's PMU would " +
                              (g.ref.ok ? "accept it" : "#GP"));
            return;
        }
        if (!g.ok) {
            // A #GP is right where the guest's PMU would #GP too (an absent counter, a bad ECX).
            if (g.ref.ok)
                e_.report(ViolationKind::Clobber, e_.reg_name(g.kind, g.index), ctx, 0, g.ref.value, 0,
                          std::string(g.exited ? "emulated " : "pass-through ") + access_kind_name(g.kind) +
                              " #GP where the guest's PMU would not");
            return;
        }
        compare(g);
    }

private:
    void compare(const GuestAccess& g) {
        Vcpu& v = g.v;
        const AccessResult& ref = g.ref;
        if (!ref.ok) {
            e_.report(ViolationKind::Clobber, e_.reg_name(g.kind, g.index), v.ctx(), 0, 0, g.result,
                      "the guest read a register its PMU does not have");
            return;
        }
        const bool status = g.kind == AccessKind::Rdmsr && g.index == msr::kGlobalStatus;
        const bool pm = (g.kind == AccessKind::Rdpmc && decode_rdpmc(g.index).type == RdpmcRef::Type::Metrics) ||
                        (g.kind == AccessKind::Rdmsr && g.index == msr::kPerfMetrics);
        uint64_t want = ref.value, got = g.result;
        if (status) {
            want &= guest_status_bits(v.kvm.config);
            got &= guest_status_bits(v.kvm.config);
        }
        std::string detail;
        if (pm) detail = e_.metrics_difference(v, want, got);
        else if (want != got)
            detail = status ? ((want & ~got) ? "guest overflow bit lost" : "spurious status bit")
                            : "guest value differs from the guest running alone";
        if (detail.empty()) return;
        const Taint others = (g.taint | e_.prov.counter(fixed_slot(3))) & ~taint_of(v.ctx());
        e_.report(ViolationKind::Clobber, e_.reg_name(g.kind, g.index), v.ctx(), others, want, got,
                  detail + (g.exited ? " (emulated read)" : ""));
    }
};
}  // namespace

std::unique_ptr<Checker> make_guest_reference_checker(Engine& e) { return std::make_unique<GuestReferenceChecker>(e); }

}  // namespace pmusim
