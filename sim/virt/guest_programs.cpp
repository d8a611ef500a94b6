// Guest programs on the time line (docs/virtualization.md "Guest programs"). A program runs when
// the guest's perf has nothing queued (perf's handlers interrupt it, as in a guest kernel); each
// access is the guest's instruction: passed through, or exiting to KVM's emulation when KVM
// intercepts it. Every access takes its cost (costs.msr_read, msr_write, rdpmc; at least one
// cycle) in guest time, during which the guest's workload runs: a program cannot spin in place.
#include "models/virt/register_suite.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

namespace {
// Whether a read shows a legacy counter that host perf left without a hardware counter.
bool unscheduled_counter_read(const KvmVpmu& k, AccessKind kind, uint32_t index) {
    if (!k.unscheduled) return false;
    if (kind == AccessKind::Rdpmc) {
        const RdpmcRef r = decode_rdpmc(index);
        return (r.type == RdpmcRef::Type::Gp || r.type == RdpmcRef::Type::Fixed) && ((k.unscheduled >> r.slot()) & 1u);
    }
    MsrRef m;
    if (kind != AccessKind::Rdmsr || !decode_msr(index, m)) return false;
    if (m.kind == RegKind::GlobalStatus) return true;
    return m.is_counter() && ((k.unscheduled >> m.slot()) & 1u);
}
}  // namespace

void Hypervisor::start_program(Vcpu& v) {
    if (v.spec.runner) v.program = v.spec.runner();
    else if (!v.spec.builtin.empty()) {
        v.builtin = builtin_program(v.spec.builtin, v.kvm.cpu);
        v.program = std::make_unique<ProgramCursor>(v.builtin);
    } else if (!v.spec.program.empty()) v.program = std::make_unique<ProgramCursor>(v.spec.program);
    v.access_pending = false;
    v.busy_until = 0;
}

bool Hypervisor::program_ready(Vcpu& v) {
    while (v.program) {
        const uint64_t now = e_->cw->local_time(v.source);
        if (now < v.busy_until) return true;
        if (!v.access_pending) {
            v.action = v.program->next();
            if (v.action.kind == GuestAction::Kind::Done) {
                v.program.reset();  // the guest runs its workload from here on
                return true;
            }
            if (v.action.kind == GuestAction::Kind::Run) {
                v.busy_until = now + std::max<uint64_t>(1, v.action.cycles);
                continue;
            }
            v.access_pending = true;
        }
        if (v.action.kind == GuestAction::Kind::Emulate) return false;  // it exits
        if (guest_access_exits(v, v.action.access, v.action.index)) return false;
        program_access_done(v, pass_through(v, v.action.access, v.action.index, v.action.value));
    }
    return true;
}

void Hypervisor::program_access_done(Vcpu& v, const GuestAccess& g) {
    v.access_pending = false;
    const GuestAction& a = v.action;
    ProgramRecord r;
    r.guest = v.ctx();
    r.guest_name = v.spec.name;
    r.reg = e_->reg_name(g.kind, g.index);
    r.cycle = m_->cycle();
    r.local = e_->cw->local_time(v.source);
    r.kind = g.kind;
    r.index = g.index;
    r.written = g.value;
    r.seen = {!g.ok, g.ok ? g.result : 0, g.exited, r.cycle, r.local};
    r.ref_gp = !g.ref.ok;
    r.ref_value = g.ref.ok ? g.ref.value : 0;
    if (g.kind == AccessKind::Wrmsr) r.ref_value = r.seen.value = 0;
    r.label = a.label;
    r.where = a.where;
    r.expect = a.expect.describe();
    r.unscheduled = unscheduled_counter_read(v.kvm, g.kind, g.index);
    if (!a.expect.any()) r.failure = a.expect.check(r.seen.gp, r.seen.value);
    const GuestOutcome seen = r.seen;
    e_->programs.add(std::move(r), !a.expect.any());
    uint64_t cost = sc_.costs.msr_read;
    if (g.kind == AccessKind::Wrmsr) cost = sc_.costs.msr_write;
    if (g.kind == AccessKind::Rdpmc) cost = sc_.costs.rdpmc;
    v.busy_until = seen.local + std::max<uint64_t>(1, cost);
    if (v.program) v.program->outcome(seen);
}

}  // namespace pmusim
