// pmi: a PMI is delivered (by the LVTPC, or forwarded by the legacy vPMU) to a context other than
// the one that programmed the overflowing counter's interrupt.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class PmiRoutingChecker : public Checker {
public:
    using Checker::Checker;
    void on_pmi(const PmiRoute& p) override {
        if (!p.controller || (p.controller & taint_of(p.target))) return;
        const unsigned b = p.bit;
        Violation v;
        v.cycle = p.pmi.cycle;
        v.kind = ViolationKind::PmiMisroute;
        v.reg = b == status_bit::kPerfMetrics ? "PERF_METRICS overflow"
                                              : (b < 32 ? "PMC" + std::to_string(b) : "FIXED_CTR" + std::to_string(b - 32)) + " overflow";
        v.reader = e_.ctx_name(p.target);
        v.source = e_.taint_names(p.controller);
        v.expected = 0;
        v.actual = p.pmi.status;
        v.step = e_.tag_name(e_.tag);
        v.detail = "PMI requested by " + e_.taint_names(p.controller) + " delivered to " + e_.ctx_name(p.target) +
                   (p.guest_vector ? " (LVTPC: guest vector)" : " (LVTPC: NMI)");
        e_.log.add(std::move(v));
    }
};
}  // namespace

std::unique_ptr<Checker> make_pmi_routing_checker(Engine& e) { return std::make_unique<PmiRoutingChecker>(e); }

}  // namespace pmusim
