// exposure: what a context can read without anyone executing an access for it. At VM-entry the
// guest can read, without an exit, the MSRs the bitmap passes through and (RDPMC exiting off)
// every counter RDPMC answers; when KVM gives the PMU back, host perf can read everything.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class ExposureChecker : public Checker {
public:
    using Checker::Checker;
    void on_handover(Handover h, Vcpu& v) override {
        if (h == Handover::ToGuest) to_guest(v);
        else to_host();
    }

private:
    void to_guest(Vcpu& v) {
        const Taint own = taint_of(v.ctx());
        auto check = [&](const RegLabel& reg, Taint t, uint64_t value) {
            if (t & ~own)
                e_.report(ViolationKind::Flow, reg.str(), v.ctx(), t & ~own, 0, value,
                          "handed to the guest at VM-entry (readable without an exit)");
        };
        const MsrIntercepts& icpt = v.kvm.icpt;
        const PmuState& st = e_.m.pmu().state();
        for (unsigned i = 0; i < v.kvm.config.num_gp; ++i)
            if (!icpt.intercepted(msr::kPmc0 + i) || !icpt.rdpmc_exiting)  // RDMSR or RDPMC
                check({"PMC", int(i)}, e_.prov.counter(i), st.counter[i]);
        for (unsigned i = 0; i < kMaxFixedCounters; ++i)
            if (v.kvm.config.has_fixed(i) && (!icpt.intercepted(msr::kFixedCtr0 + i) || !icpt.rdpmc_exiting))
                check({"FIXED_CTR", int(i)}, e_.prov.counter(fixed_slot(i)), st.counter[fixed_slot(i)]);
        if (icpt.global_regs_passthrough) {
            check("GLOBAL_CTRL", e_.prov.global_ctrl(), st.global_ctrl);
            check("GLOBAL_STATUS", e_.prov.of_read(AccessKind::Rdmsr, msr::kGlobalStatus, st.global_status), st.global_status);
        }
        const uint64_t pm = e_.m.pmu().perf_metrics_value();
        if (!icpt.intercepted(msr::kPerfMetrics)) check("PERF_METRICS", e_.prov.of_read(AccessKind::Rdmsr, msr::kPerfMetrics, pm), pm);
        if (!icpt.rdpmc_exiting) rdpmc_answers(v, check);
    }

    // Without RDPMC exiting the guest reads, without an exit, every counter the hardware answers:
    // the host's counters beyond the guest's, and PERF_METRICS (RDPMC 0x20000000) whenever the
    // host CPU has it, whatever the guest's PERF_CAPABILITIES say (SDM RDPMC; PERF_METRICS patch).
    template <class Check> void rdpmc_answers(Vcpu& v, Check& check) {
        const CpuConfig& host = e_.m.cpu();
        const PmuState& st = e_.m.pmu().state();
        for (unsigned i = v.kvm.config.num_gp; i < host.num_gp; ++i)
            check({"PMC", int(i), " (RDPMC)"}, e_.prov.counter(i), st.counter[i]);
        for (unsigned i = 0; i < kMaxFixedCounters; ++i)
            if (host.has_fixed(i) && !v.kvm.config.has_fixed(i))
                check({"FIXED_CTR", int(i), " (RDPMC)"}, e_.prov.counter(fixed_slot(i)), st.counter[fixed_slot(i)]);
        if (host.perf_metrics() && v.kvm.icpt.intercepted(msr::kPerfMetrics)) {
            const uint64_t pm = e_.m.pmu().perf_metrics_value();
            Taint t = e_.prov.of_read(AccessKind::Rdpmc, rdpmc_ecx::metrics(), pm);
            // A guest that writes FIXED_CTR3 without an exit re-reads the hidden accumulators too.
            if (!v.kvm.icpt.intercepted(msr::kFixedCtr0 + 3)) t |= e_.prov.metrics_all();
            check("PERF_METRICS (RDPMC)", t, pm);
        }
    }

    void to_host() {
        const Taint host = taint_of(0);
        auto check = [&](const RegLabel& reg, Taint t, uint64_t value,
                         std::string_view detail = "left in hardware when the PMU is handed back to host perf") {
            if (t & ~host) e_.report(ViolationKind::Flow, reg.str(), 0, t & ~host, 0, value, std::string(detail));
        };
        const PmuState& st = e_.m.pmu().state();
        const CpuConfig& c = e_.m.cpu();
        for (unsigned i = 0; i < c.num_gp; ++i) {
            check({"PMC", int(i)}, e_.prov.counter(i), st.counter[i]);
            check({"PERFEVTSEL", int(i)}, e_.prov.control(i), st.evtsel[i]);
        }
        for (unsigned i = 0; i < kMaxFixedCounters; ++i)
            if (c.has_fixed(i)) check({"FIXED_CTR", int(i)}, e_.prov.counter(fixed_slot(i)), st.counter[fixed_slot(i)]);
        check("FIXED_CTR_CTRL", e_.prov.of_read(AccessKind::Rdmsr, msr::kFixedCtrCtrl, st.fixed_ctr_ctrl), st.fixed_ctr_ctrl);
        check("GLOBAL_CTRL", e_.prov.global_ctrl(), st.global_ctrl);
        check("GLOBAL_STATUS", e_.prov.of_read(AccessKind::Rdmsr, msr::kGlobalStatus, st.global_status), st.global_status);
        if (c.perf_metrics()) {
            // The hidden slot accumulators, whatever the register reads now: host perf reveals them as
            // soon as it writes FIXED_CTR3 (it restores FIXED_CTR3 before PERF_METRICS).
            const Taint t = e_.prov.metrics_all();
            if (t & ~host)
                check("PERF_METRICS", t, e_.m.pmu().perf_metrics_value(),
                      "slot accumulators of " + e_.taint_names(t & ~host) +
                          " left in hardware (they read back once FIXED_CTR3 is written)");
        }
    }
};
}  // namespace

std::unique_ptr<Checker> make_exposure_checker(Engine& e) { return std::make_unique<ExposureChecker>(e); }

}  // namespace pmusim
