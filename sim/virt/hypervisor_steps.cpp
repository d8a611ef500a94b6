// The protocol's steps on the time line: resolved once at construction into a plan (behaviour,
// tag, VM transition or not, fastpath or not), and each run with the platform held for the whole
// step (docs/performance.md "Fourth round: the engine").
#include "sim/virt/hypervisor.h"

#include <stdexcept>

namespace pmusim {

void Hypervisor::plan_steps() {
    for (Path path : {Path::Load, Path::Exit})
        for (const std::string& name : proto_.steps(path)) {
            const StepInfo* info = proto_.step(name);
            if (!info) throw std::logic_error("protocol step " + name + " has no declaration");
            // The VM transitions are atomic and cost their own cycles; other steps pay bookkeeping first.
            const bool transition = name == "vmentry" || name == "legacy_vmentry" || name.rfind("vmexit", 0) == 0 ||
                                    name == "legacy_vmexit";
            plan(path).push_back({&name, info, e_->tag_of(name), transition, is_fastpath_step(name)});
        }
}

int Hypervisor::guest_tag(const Vcpu& v) {
    const size_t c = size_t(v.ctx());
    if (c >= guest_tags_.size()) guest_tags_.resize(c + 1, -1);
    if (guest_tags_[c] < 0) guest_tags_[c] = e_->tag_of("guest " + v.spec.name);
    return guest_tags_[c];
}

// The PMU the steps' accesses reach while `hold` lasts: directly (Machine::direct_pmu, decided
// once for all the steps under the hold), restored when it ends.
struct Hypervisor::StepPmu {
    explicit StepPmu(Hypervisor& h) : direct(h.direct_), outer(h.direct_) { direct = h.m_->direct_pmu(); }
    ~StepPmu() { direct = outer; }
    StepPmu(const StepPmu&) = delete;
    StepPmu& operator=(const StepPmu&) = delete;
    const PlatformHold hold;  // taken first: direct_pmu asks for it
    Pmu*& direct;
    Pmu* const outer;
};

void Hypervisor::run_step(Vcpu& v, PlannedStep& s) {
    // The step's accesses and cycles take the platform once (a step calls no Python).
    const StepPmu pmu(*this);
    step(v, s);
}

// A path's steps back to back: nothing runs between them (no Python, no other machine), so they
// take the platform and decide the direct PMU once for the path instead of once a step
// (docs/performance.md "Seventh round: the engine").
void Hypervisor::run_steps(Vcpu& v, std::vector<PlannedStep>& plan, bool skip_fastpath) {
    const StepPmu pmu(*this);
    for (PlannedStep& s : plan)
        if (!skip_fastpath || !s.fastpath) step(v, s);
}

void Hypervisor::step(Vcpu& v, PlannedStep& s) {
    e_->tag = s.tag;
    e_->owner = 0;
    cur_ = &v;
    const uint64_t before = m_->cycle();
    if (!s.transition) elapse(sc_.costs.step);
    s.info->behaviour(*this);
    if (!s.cycles) s.cycles = &step_cycles_[*s.name];
    *s.cycles += m_->cycle() - before;
}

}  // namespace pmusim
