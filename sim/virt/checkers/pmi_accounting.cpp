// PMI accounting: every PMI a context should get is delivered to it exactly once, within the
// allowed delay. A guest should get the PMIs its reference PMU raises (the guest alone on bare
// metal); the host those of the counters it programmed. Deliveries: injection through the
// guest's virtual LVTPC at VM-entry (kvm_pmu_deliver_pmi), host perf's NMI handler. A PMI the
// guest's reference raises while its bare-metal LVTPC is masked (the mask set by the PMI before
// it, until the guest's handler clears it) is owed to no one: delivering it is a duplicate.
//   pmi_misrouted  the LVTPC (or the legacy forward) sends a PMI to a context other than the
//                  one that programmed the counter's interrupt;
//   pmi_lost       an expected PMI is not delivered within the delay (or by the end of the run);
//   pmi_duplicated a delivery when every expected PMI was already delivered;
//   pmi_spurious   a delivery to a context that was never owed one.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class PmiAccountingChecker : public Checker {
public:
    using Checker::Checker;

    void on_pmi(const PmiRoute& p) override {
        if (p.controller & taint_of(0)) host_.pending.push_back({p.pmi.cycle, p.bit});
        if (!p.controller || (p.controller & taint_of(p.target))) return;
        const unsigned b = p.bit;
        Violation v = record(ViolationKind::PmiMisroute, p.pmi.cycle, p.target, p.controller, 0, p.pmi.status);
        v.reg = bit_name(b);
        v.detail = "PMI requested by " + e_.taint_names(p.controller) + " delivered to " + e_.ctx_name(p.target) +
                   (p.guest_vector ? " (LVTPC: guest vector)" : " (LVTPC: NMI)");
        e_.log.add(std::move(v));
    }

    void on_pmi_delivered(int ctx) override {
        collect(ctx);
        PmiOwed& o = owed(ctx);
        const uint64_t now = local_now(ctx);
        overdue(ctx, now);
        if (!o.pending.empty()) {
            o.pending.clear();  // one interrupt covers every PMI raised since the last one (the LVTPC masks itself)
            o.delivered_any = true;
            return;
        }
        const ViolationKind k = o.delivered_any ? ViolationKind::PmiDuplicated : ViolationKind::PmiSpurious;
        Violation v = record(k, e_.cycle(), ctx, 0, 0, 0);
        v.reg = "PMI";
        v.detail = o.delivered_any ? "PMI delivered again: every PMI owed to " + e_.ctx_name(ctx) + " was already delivered"
                                   : "PMI delivered to " + e_.ctx_name(ctx) + ", which was never owed one";
        e_.log.add(std::move(v));
    }

    void on_exit(Vcpu& v) override {
        collect(v.ctx());
        overdue(v.ctx(), local_now(v.ctx()));
    }

    void on_end() override {
        overdue(0, kForever);
        for (auto& v : e_.vcpus) {  // the vCPUs on this CPU at the end
            collect(v->ctx());
            overdue(v->ctx(), kForever);
        }
    }

private:
    // A vCPU's record travels with it (engine.h PmiOwed); the host's is this CPU's.
    PmiOwed& owed(int ctx) { return ctx == 0 ? host_ : e_.vcpu_of(ctx)->owed; }

    uint64_t local_now(int ctx) const {
        if (ctx == 0) return e_.cycle();
        const Vcpu& v = *e_.vcpu_of(ctx);
        return e_.cw->local_time(v.source);
    }
    uint64_t allowed(int ctx) const { return ctx == 0 ? e_.sc.checks.host_pmi_delay : e_.sc.checks.guest_pmi_delay; }

    // A guest is owed the PMIs its reference PMU raised up to its current cycle that its LVTPC
    // accepted on bare metal (none while masked: SDM 11.5.1).
    void collect(int ctx) {
        if (ctx == 0) return;
        Vcpu& v = *e_.vcpu_of(ctx);
        e_.sync_reference_apic(v);
        PmiOwed& o = owed(ctx);
        const auto& pmis = v.ref_accepted;
        for (; o.ref_seen < pmis.size(); ++o.ref_seen)
            for (uint64_t b = pmis[o.ref_seen].sources; b; b &= b - 1)
                o.pending.push_back({pmis[o.ref_seen].cycle, unsigned(__builtin_ctzll(b))});
    }

    // PMIs whose delivery is later than the raise cycle + 1 + the allowed delay are lost.
    void overdue(int ctx, uint64_t now) {
        PmiOwed& o = owed(ctx);
        for (auto it = o.pending.begin(); it != o.pending.end();) {
            const uint64_t deadline = it->cycle + 1 + allowed(ctx);
            if (now <= deadline && now != kForever) {
                ++it;
                continue;
            }
            Violation v = record(ViolationKind::PmiLost, e_.cycle(), ctx, taint_of(ctx), it->cycle, now == kForever ? 0 : now);
            v.reg = bit_name(it->bit);
            v.detail = "PMI raised at " + e_.ctx_name(ctx) + " cycle " + std::to_string(it->cycle) + " not delivered " +
                       (now == kForever ? "by the end of the run" : "within " + std::to_string(allowed(ctx)) + " cycles");
            e_.log.add(std::move(v));
            it = o.pending.erase(it);
        }
    }

    Violation record(ViolationKind k, uint64_t cycle, int reader, Taint source, uint64_t expected, uint64_t actual) const {
        Violation v;
        v.cycle = cycle;
        v.kind = k;
        v.reader = e_.ctx_name(reader);
        v.source = e_.taint_names(source);
        v.expected = expected;
        v.actual = actual;
        v.step = e_.tag_name(e_.tag);
        return v;
    }
    static std::string bit_name(unsigned b) {
        if (b == status_bit::kPerfMetrics) return "PERF_METRICS overflow";
        return (b < 32 ? "PMC" + std::to_string(b) : "FIXED_CTR" + std::to_string(b - 32)) + " overflow";
    }

    PmiOwed host_;
};
}  // namespace

std::unique_ptr<Checker> make_pmi_accounting_checker(Engine& e) { return std::make_unique<PmiAccountingChecker>(e); }

}  // namespace pmusim
