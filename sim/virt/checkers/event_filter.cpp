// filtered: KVM's PMU event filter (KVM_SET_PMU_EVENT_FILTER) says which events a VM's counters
// may count. In a run chunk a guest owns, every counter that guest programmed and that counted is
// judged by the filter in force at the guest's last VM-entry (KVM reprograms before each entry):
// a GP counter by the event its hardware selector programs (is_gp_event_allowed), a fixed
// counter by the fixed-counter bitmap (is_fixed_event_allowed). Mediated vPMU: the guest's
// counters are the hardware's; legacy: the hardware GP counter backing a guest counter.
#include "sim/virt/checker.h"

namespace pmusim {

namespace {
class EventFilterChecker : public Checker {
public:
    using Checker::Checker;
    void on_handover(Handover h, Vcpu& v) override {
        if (h != Handover::ToGuest) return;
        if (in_force_.size() < size_t(v.ctx())) in_force_.resize(size_t(v.ctx()));
        in_force_[size_t(v.ctx()) - 1] = v.kvm.filter;
    }

    void on_chunk(const ChunkEvent& c) override {
        Vcpu* v = e_.vcpu_of(c.owner);
        if (!v || size_t(c.owner) > in_force_.size() || !in_force_[size_t(c.owner) - 1]) return;
        const EventFilter& f = *in_force_[size_t(c.owner) - 1];
        for (uint32_t m = c.counted; m; m &= m - 1) {
            const unsigned s = unsigned(__builtin_ctz(m));
            if (!(e_.prov.control(s) & taint_of(c.owner))) continue;
            const int g = guest_slot(*v, s);
            if (g < 0) continue;
            const bool gp = unsigned(g) < kMaxGpCounters;
            if (gp ? f.allowed_gp(c.before.evtsel[s]) : f.allowed_fixed(unsigned(g) - kMaxGpCounters)) continue;
            report(c, *v, s, unsigned(g), f);
        }
    }

private:
    // The guest counter slot hardware slot `s` counts for (-1: none of this guest's).
    static int guest_slot(const Vcpu& v, unsigned s) {
        const VpmuConfig& cfg = v.kvm.config;
        if (v.kvm.mediated) {
            const bool exposed = s < kMaxGpCounters ? s < cfg.num_gp : s - kMaxGpCounters < cfg.num_fixed;
            return exposed ? int(s) : -1;
        }
        for (unsigned g = 0; g < kNumCounterSlots; ++g)
            if (v.kvm.backing[g] == int(s)) return int(g);
        return -1;
    }

    static std::string slot_name(unsigned s) {
        return s < kMaxGpCounters ? "PMC" + std::to_string(s) : "FIXED_CTR" + std::to_string(s - kMaxGpCounters);
    }

    void report(const ChunkEvent& c, const Vcpu& v, unsigned s, unsigned g, const EventFilter& f) {
        Violation x;
        x.cycle = c.begin;
        x.kind = ViolationKind::Filtered;
        x.reg = slot_name(s);
        x.reader = x.source = v.spec.name;
        x.expected = c.before.counter[s];
        x.actual = c.after.counter[s];
        x.step = e_.tag_name(c.tag);
        const std::string what = g < kMaxGpCounters ? "event " + hex_string(c.before.evtsel[s] & 0xff) + " umask " +
                                                          hex_string((c.before.evtsel[s] >> 8) & 0xff)
                                                    : "fixed counter " + std::to_string(g - kMaxGpCounters);
        x.detail = v.spec.name + "'s " + slot_name(g) + " counted " + what + ", which the VM's filter (" + f.describe() +
                   ") denies";
        e_.log.add(std::move(x));
    }

    std::vector<std::shared_ptr<const EventFilter>> in_force_;  // per vCPU, at its last VM-entry
};
}  // namespace

std::unique_ptr<Checker> make_event_filter_checker(Engine& e) { return std::make_unique<EventFilterChecker>(e); }

}  // namespace pmusim
