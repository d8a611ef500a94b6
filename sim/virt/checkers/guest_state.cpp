// clobber at the earliest cycle: right after every VM-entry and at every VM-exit, the hardware
// state the guest can observe is compared with the guest's reference PMU (the guest alone), so a
// clobber is reported at the entry or exit where it is first visible, not when the guest next
// reads it. When this load path wrote the differing register, the violation carries that
// write's cycle and step: the step that made it. Mediated vPMU only (the legacy vPMU keeps the
// guest's state in host perf events, not in the guest's registers).
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class GuestStateChecker : public Checker {
public:
    using Checker::Checker;
    void on_handover(Handover h, Vcpu& v) override {
        if (h != Handover::ToGuest || !e_.mediated) return;
        compare(v, "at VM-entry", true);
    }
    void on_exit(Vcpu& v) override {
        if (e_.mediated) compare(v, "at VM-exit", false);
    }

private:
    void compare(Vcpu& v, const char* when, bool entry) {
        v.ref->advance_fast(e_.cw->local_time(v.source));
        const PmuState& hw = e_.m.pmu().state();
        const PmuState& ref = v.ref->state();
        const VpmuConfig& c = v.kvm.config;
        for (unsigned i = 0; i < c.num_gp; ++i) {
            check(v, {"PMC", int(i)}, Engine::counter_key(i), ref.counter[i], hw.counter[i], when, entry);
            check(v, {"PERFEVTSEL", int(i)}, msr::kPerfEvtSel0 + i, ref.evtsel[i], hw.evtsel[i], when, entry);
        }
        for (unsigned i = 0; i < kMaxFixedCounters; ++i)
            if (c.has_fixed(i))
                check(v, {"FIXED_CTR", int(i)}, Engine::counter_key(fixed_slot(i)), ref.counter[fixed_slot(i)],
                      hw.counter[fixed_slot(i)], when, entry);
        uint64_t fields = 0;
        for (unsigned i = 0; i < kMaxFixedCounters; ++i)
            if (c.has_fixed(i)) fields |= 0xfull << (4 * i);
        check(v, "FIXED_CTR_CTRL", msr::kFixedCtrCtrl, ref.fixed_ctr_ctrl & fields, hw.fixed_ctr_ctrl & fields, when, entry);
        const uint64_t bits = guest_status_bits(c);
        if (c.version >= 2) {
            check(v, "GLOBAL_CTRL", msr::kGlobalCtrl, ref.global_ctrl & bits, hw.global_ctrl & bits, when, entry);
            check(v, "GLOBAL_STATUS", msr::kGlobalStatus, ref.global_status & bits, hw.global_status & bits, when, entry);
        }
        if (c.perf_metrics) metrics(v, when, entry);
    }

    // Inline, so that the equal registers (all of them, almost always) cost a compare each; the
    // report is built out of line.
    void check(Vcpu& v, const RegLabel& reg, uint32_t key, uint64_t want, uint64_t got, const char* when, bool entry,
               std::string_view what = "differs from the guest running alone") {
        if (__builtin_expect(want != got, 0)) report(v, reg, key, want, got, when, entry, what);
    }

    __attribute__((noinline)) void report(Vcpu& v, const RegLabel& reg, uint32_t key, uint64_t want, uint64_t got,
                                          const char* when, bool entry, std::string_view what) {
        Violation x;
        x.cycle = e_.cycle();
        x.step = e_.tag_name(e_.tag);
        std::string by;
        if (const LastWrites::Write* w = e_.last_write.find(key)) {
            // Written on this load path: that write made the difference.
            if (entry && w->cycle >= load_start(v)) x.cycle = w->cycle, x.step = e_.tag_name(w->tag);
            else by = "; last written by " + e_.tag_name(w->tag) + " at cycle " + std::to_string(w->cycle);
        }
        x.kind = ViolationKind::Clobber;
        x.reg = reg.str();
        x.reader = v.spec.name;
        // Counters are keyed by slot (Engine::counter_key), the other registers by their MSR.
        const Taint t = key >= Engine::counter_key(0)
                            ? e_.prov.counter(key - Engine::counter_key(0))
                            : (key == msr::kPerfMetrics ? e_.prov.metrics_all() : 0) | e_.prov.of_read(AccessKind::Rdmsr, key, got);
        x.source = e_.taint_names(t & ~taint_of(v.ctx()));
        x.expected = want;
        x.actual = got;
        x.detail = std::string("guest-visible state ") + when + " " + std::string(what) + by;
        e_.log.add(std::move(x));
    }

    void metrics(Vcpu& v, const char* when, bool entry) {
        const uint64_t want = v.ref->perf_metrics_value(), got = e_.m.pmu().perf_metrics_value();
        // Equal fields differ by 0 LSB, within any tolerance (checks.perf_metrics_tolerance_lsb >= 0).
        if (want == got) return;
        const std::string detail = e_.metrics_difference(v, want, got);
        if (!detail.empty()) check(v, "PERF_METRICS", msr::kPerfMetrics, want, got, when, entry, "differs: " + detail);
    }

    static uint64_t load_start(const Vcpu& v) { return v.load_started; }
};
}  // namespace

std::unique_ptr<Checker> make_guest_state_checker(Engine& e) { return std::make_unique<GuestStateChecker>(e); }

}  // namespace pmusim
