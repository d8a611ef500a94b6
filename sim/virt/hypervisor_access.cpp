// Executing accesses: KVM's and host perf's on the physical PMU, guest instructions passed
// through or exited to KVM's emulation (each repeated on the guest's reference PMU), and the
// StepContext that the protocol steps run against. Every access is observed by provenance and
// then by the checkers, in registry order.
#include <algorithm>

#include "models/pmu/pmu_quiet_access.h"
#include "sim/pmu_trace.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

namespace {
AccessKind access_kind(SoftOp::Kind k) {
    switch (k) {
        case SoftOp::Kind::Rdmsr: return AccessKind::Rdmsr;
        case SoftOp::Kind::Wrmsr: return AccessKind::Wrmsr;
        default: return AccessKind::Rdpmc;
    }
}
}  // namespace

KvmHw::Result Hypervisor::hw(int actor, bool trusted, AccessKind k, uint32_t idx, uint64_t v, Taint t, bool charge,
                            uint64_t keep, std::string_view what) {
    const bool write = k == AccessKind::Wrmsr;
    // A write that keeps FIXED_CTR_CTRL fields: provenance keeps the owners of those unchanged
    // (Provenance::on_write reads the old value only then).
    const uint64_t old_fixed = keep ? m_->pmu().state().fixed_ctr_ctrl : 0;
    const Pmu::QuietResult a = direct_ ? direct_->access_quiet(k, idx, write ? v : 0) : through_machine(k, idx, v);
    Result r{a.ok, a.value, 0};
    if (a.reg) {
        // The register a successful RDMSR/WRMSR reached, as the one MSR decoder names it (the
        // table's kind and index are the decoder's: DecodedRegister.TheTableNamesEachRegisterAsTheDecoder),
        // for provenance and the last-write table.
        const MsrRef reg{a.reg->kind, a.reg->index};
        if (write) {
            e_->prov.on_write(reg, old_fixed, v, t, keep);
            e_->last_write.record(Engine::register_key(idx, true, reg), m_->cycle(), e_->tag);
            // The host ledgers: host perf's counting windows open and close with its GLOBAL_CTRL.
            if (actor == 0 && idx == msr::kGlobalCtrl) host_global_ctrl_written(v);
        } else {
            r.taint = e_->prov.of_read(reg, a.value);
        }
    } else if (a.ok) {
        r.taint = e_->prov.of_read(k, idx, a.value);
    }
    const uint8_t cls = access_class(trusted, a.ok, write);
    if (access_classes_ & cls) {  // an observer judges accesses of this class
        AccessEvent ev;
        ev.actor = actor;
        ev.trusted = trusted;
        ev.kind = k;
        ev.index = idx;
        ev.value = write ? v : a.value;
        ev.ok = a.ok;
        ev.taint = r.taint;
        ev.what = what;
        const size_t observed = access_observers_.size();
        observers(access_observers_, [](const Checker& c) { return c.ignores_accesses(); }, [&](Checker& c) {
            if (c.access_classes() & cls) c.on_access(ev);
        });
        if (access_observers_.size() != observed) unite_access_classes();
    }
    trace();
    if (charge) {
        const Costs& cs = sc_.costs;
        run_cycles(kvm_src_, e_->owner, e_->tag, k == AccessKind::Rdmsr ? cs.msr_read : write ? cs.msr_write : cs.rdpmc, false);
    }
    return r;
}

// Outside a protocol step: the machine's own access (its lock), and the register it reached.
Pmu::QuietResult Hypervisor::through_machine(AccessKind k, uint32_t idx, uint64_t v) {
    const AccessResult full = m_->access(k, idx, k == AccessKind::Wrmsr ? v : 0);
    const RegisterDesc* reg = full.ok && k != AccessKind::Rdpmc ? m_->pmu().registers().find(idx) : nullptr;
    return {full.ok, full.value, reg};
}

void Hypervisor::unite_access_classes() {
    access_classes_ = 0;
    for (const Checker* c : access_observers_) access_classes_ |= c->access_classes();
}

void Hypervisor::drain_host(OpQueue& q) {
    const int saved_owner = e_->owner;
    e_->owner = 0;
    while (!q.empty()) {
        SoftOp op = std::move(q.front());
        q.pop_front();
        Result r;
        const uint64_t at = m_->cycle();  // the access happens here; its cost follows
        if (op.kind != SoftOp::Kind::Marker)
            r = hw(0, false, access_kind(op.kind), op.index, op.value, taint_of(0), true, op.keep, op.what);
        if (op.done) op.done(r.value, at);
    }
    e_->owner = saved_owner;
}

// The same access on the guest's reference PMU, at the same guest cycle (selectors under the
// VM's event filter: FilteredReference).
AccessResult Hypervisor::mirror_on_reference(Vcpu& v, AccessKind k, uint32_t idx, uint64_t value) {
    v.ref->advance_fast(e_->cw->local_time(v.source));
    switch (k) {
        case AccessKind::Rdmsr: return v.ref_sel.read(*v.ref, idx);
        case AccessKind::Wrmsr: return v.ref_sel.write(*v.ref, idx, value);
        case AccessKind::Rdpmc: return v.ref->rdpmc(idx, 0);
    }
    return {};
}

bool Hypervisor::guest_op(Vcpu& v) {
    SoftOp& front = v.ops.front();
    if (front.kind == SoftOp::Kind::Marker) {
        SoftOp op = std::move(front);
        v.ops.pop_front();
        if (op.done) op.done(0, m_->cycle());
        return true;
    }
    const AccessKind k = access_kind(front.kind);
    if (guest_access_exits(v, k, front.index)) return false;
    SoftOp op = std::move(front);
    v.ops.pop_front();
    const GuestAccess g = pass_through(v, k, op.index, op.value);
    if (op.done) op.done(g.result, m_->cycle());
    return true;
}

GuestAccess Hypervisor::pass_through(Vcpu& v, AccessKind k, uint32_t idx, uint64_t value) {
    const AccessResult ref = mirror_on_reference(v, k, idx, value);
    const Result r = hw(v.ctx(), false, k, idx, value, taint_of(v.ctx()), false);
    if (k == AccessKind::Wrmsr && r.ok && idx == msr::kPerfMetrics) v.kvm.pm_restored = 0;
    const GuestAccess g{v, k, idx, value, false, r.ok, r.value, r.taint, ref};
    each_checker([&](Checker& c) { c.on_guest_access(g); });
    return g;
}

// An intercepted access, after the exit path has put the state (KVM emulates on its copy).
GuestAccess Hypervisor::emulated(Vcpu& v, AccessKind k, uint32_t idx, uint64_t value) {
    if (is_lvtpc_access(k, idx)) return lvtpc_access(v, k, value);  // the local APIC's, not the vPMU's
    const AccessResult ref = mirror_on_reference(v, k, idx, value);
    const KvmVpmu::Emulated em = v.kvm.emulate(k, idx, value, *this);
    if (k == AccessKind::Wrmsr && !em.gp && idx == msr::kPerfMetrics) v.kvm.pm_restored = 0;
    const GuestAccess g{v, k, idx, value, true, !em.gp, em.value, em.taint, ref};
    each_checker([&](Checker& c) { c.on_guest_access(g); });
    return g;
}

// The access that exited: perf's queued op, else the program's (perf's ops run first).
void Hypervisor::emulate_front(Vcpu& v) {
    if (v.ops.empty()) {
        program_access_done(v, emulated(v, v.action.access, v.action.index, v.action.value));
        return;
    }
    SoftOp op = std::move(v.ops.front());
    v.ops.pop_front();
    const GuestAccess g = emulated(v, access_kind(op.kind), op.index, op.value);
    if (op.done) op.done(g.result, m_->cycle());
}

// A host perf reading: the host's events over its ledger windows, then the checkers.
void Hypervisor::host_reading(const AgentReading& r) {
    const auto& evs = e_->host_perf->events();
    HostLedger& L = e_->ledger;
    const Workload& w = *e_->cw;
    const uint64_t now = m_->cycle();
    HostReadingTruth t;
    t.events.assign(evs.size(), 0);
    for (size_t i = 0; i < evs.size(); ++i) {
        if (!evs[i].truth_known) continue;
        t.events[i] = L.count(w, evs[i].truth, evs[i].user, evs[i].kernel, r.from[i], r.to[i], now);
        L.event_truth.resize(evs.size(), 0);
        L.event_truth[i] += t.events[i];
    }
    if (r.topdown) {
        t.slots = L.count(w, bit(Event::Slots), true, true, r.td_from, r.td_to, now);
        if (t.slots)
            for (unsigned k = 0; k < m_->pmu().perf_metrics_fields(); ++k)
                t.parts[k] = L.count(w, kMetricFieldEvents[k], true, true, r.td_from, r.td_to, now);
    }
    each_checker([&](Checker& c) { c.on_host_reading(r, t); });
    uint64_t keep_from = r.td_to;
    for (auto c : r.to) keep_from = std::min(keep_from, c);
    L.forget_before(keep_from);
    e_->cw->forget_before(std::min(L.needed_from(now), e_->task_ledger.needed_from(now)));  // the schedule before it is only summed (flat memory)
}

// ---------------------------------------------------------------------------------------------
// StepContext.

void Hypervisor::vmx_load_global_ctrl(uint64_t value, Taint taint) {
    hw(-1, true, AccessKind::Wrmsr, msr::kGlobalCtrl, value, taint, false);
}

KvmHw::Result Hypervisor::hw_global_ctrl() const {
    return {true, m_->pmu().state().global_ctrl, e_->prov.global_ctrl()};
}

void Hypervisor::set_lvtpc_guest(bool guest, bool charge) {
    e_->lvtpc_guest = guest ? cur_->ctx() - 1 : -1;
    e_->lvtpc_masked = guest && cur_->lvtpc.masked();  // the mediated vector takes the guest's mask
    if (!charge) return;
    trace();
    elapse(sc_.costs.apic);
}

uint64_t Hypervisor::gp_counters_in_use() const {
    uint64_t used = e_->host_perf->gp_bits();
    for (auto& v : e_->vcpus)
        for (int b : v->kvm.backing)
            if (b >= 0) used |= 1ull << b;
    return used;
}

void Hypervisor::host_counting(bool on) {
    if (on) e_->ledger.open(m_->cycle());
    else e_->ledger.close(m_->cycle(), *e_->cw);
}

void Hypervisor::enter_guest() {
    entered_ = true;
    each_checker([&](Checker& c) { c.on_handover(Handover::ToGuest, *cur_); });
}

void Hypervisor::pmu_to_host(bool exposure_check) {
    handed_over_ = true;
    if (exposure_check) each_checker([&](Checker& c) { c.on_handover(Handover::ToHost, *cur_); });
}

}  // namespace pmusim
