// Instructions KVM emulates, on the time line (docs/virtualization.md "Emulated instructions"):
// the guest's instruction exits instead of retiring; KVM completes it in its fastpath (only the
// VM transitions: no put and no load) when kvm_pmu_is_fastpath_emulation_allowed, else on the
// full exit path; either way KVM counts it (kvm_pmu_instruction_retired), and on the guest's own
// CPU it simply retires.
#include "models/virt/emulated_instr.h"
#include "models/virt/kvm_variants.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

bool Hypervisor::fastpath(Vcpu& v) {
    const EmulatedInstr& in = emulated_instructions().at(v.action.index);
    if (!in.fastpath) return false;
    e_->owner = 0;
    cur_ = &v;
    each_checker([&](Checker& c) { c.on_exit(v); });
    for (PlannedStep& s : exit_plan_)
        if (s.fastpath) run_step(v, s);
    fastpath_exited_ = true;
    const bool allowed = v.kvm.fastpath_emulation_allowed() || has_variant(sc_.kvm_variants, KvmVariant::FastpathIgnoresCounting);
    if (!allowed) return false;  // EXIT_FASTPATH_NONE: the full exit path follows
    fastpath_exited_ = false;
    ++v.sum.exits[std::string(in.exit) + "_fastpath"];
    e_->tag = e_->tag_of("fastpath");
    const uint64_t before = m_->cycle();
    elapse(sc_.costs.fastpath);
    step_cycles(fastpath_cycles_, "fastpath") += m_->cycle() - before;
    emulate_instruction(v);
    entered_ = false;
    for (PlannedStep& s : load_plan_)
        if (s.fastpath) run_step(v, s);
    if (!entered_) enter_guest();
    e_->owner = v.ctx();
    e_->tag = guest_tag(v);
    return true;
}

// The instruction retires on the guest's own CPU at its cycle (the guest's kernel: CPL 0), and
// KVM counts it on the guest's counters (kvm_skip_emulated_instruction / x86_emulate_instruction).
void Hypervisor::emulate_instruction(Vcpu& v) {
    const EmulatedInstr& in = emulated_instructions().at(v.action.index);
    const uint64_t local = e_->cw->local_time(v.source);
    v.ref->advance_fast(local);
    v.ref->retire(bit(Event::Instructions) | (in.branch ? bit(Event::Branches) : 0), 0);
    ++v.emulated_events[size_t(Event::Instructions)];
    if (in.branch) ++v.emulated_events[size_t(Event::Branches)];
    if (!has_variant(sc_.kvm_variants, KvmVariant::EmulatedNotCounted) && v.kvm.retire_emulated(in.branch, 0, *this))
        v.pending_pmi = true;  // KVM_REQ_PMI
    ++v.sum.emulated;
    v.access_pending = false;
    v.busy_until = local + 1;  // the next instruction comes at least a cycle later
}

}  // namespace pmusim
