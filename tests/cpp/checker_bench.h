// One checker on a bare Engine (tests/cpp/test_checkers*.cpp): the host and one mediated guest
// vCPU "vm0" (context 1) whose reference PMU the test programs directly, the checker made through
// checker_registry(), and helpers that change the machine and its provenance the way the
// Hypervisor does (Hypervisor::hw for accesses, Hypervisor::run_cycles for run chunks). A test
// sets the state, calls the checker's observer for one event and asserts what was reported.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "models/virt/context_workload.h"
#include "sim/virt/checker.h"

namespace pmusim::test {

constexpr uint64_t kCycles = 0x3c, kBranches = 0xc4;  // event selects
constexpr uint64_t kCount = evtsel::kEn | evtsel::kUsr | evtsel::kOs;

inline std::unique_ptr<Workload> steady() { return std::make_unique<SteadyWorkload>(SteadyParams{}); }

// PERF_METRICS with these fields (8 bits each, field 0 lowest).
inline uint64_t metrics(std::initializer_list<uint64_t> fields) {
    uint64_t v = 0;
    unsigned k = 0;
    for (uint64_t f : fields) v |= f << (8 * k++);
    return v;
}

struct CheckerBench {
    Scenario sc;
    Machine m{MachineOptions{}};
    Engine e{sc, m};
    ContextWorkload cw;
    std::string name;
    std::unique_ptr<Checker> checker;

    explicit CheckerBench(std::string checker_name, VpmuConfig vpmu = {}, bool perf_metrics_rule = false)
        : name(std::move(checker_name)) {
        GuestSpec g;
        g.name = "vm0";
        g.vpmu = vpmu;
        sc.guests.push_back(g);
        cw.add_source(steady(), "host");
        const unsigned src = cw.add_source(steady(), "vm0");
        cw.bind(m.cpu());
        e.cw = &cw;
        e.tags = {"test"};
        auto v = std::make_unique<Vcpu>(1, sc.guests[0], m.cpu(), true, perf_metrics_rule);
        v->source = src;
        v->ref = std::make_unique<Pmu>(v->kvm.cpu, m.pmu().semantics(), steady());
        e.vcpus.push_back(std::move(v));
        host_perf({});
        checker = def().make(e);  // after the vCPUs: a checker may size its state by them
    }

    const CheckerDef& def() const {
        for (auto& d : checker_registry())
            if (name == d.name) return d;
        throw std::out_of_range("no checker " + name);
    }
    Vcpu& vm0() { return *e.vcpus[0]; }
    Checker& c() { return *checker; }

    // Host perf with this configuration (not started: scheduled out).
    void host_perf(const AgentConfig& cfg) {
        sc.host.perf = cfg;
        e.host_perf = std::make_unique<PerfSoftware>("host", m.cpu(), cfg, true, true);
    }
    // Executes host perf's operations on the machine, as the Hypervisor drains them.
    void drain_host(OpQueue& q) {
        while (!q.empty()) {
            SoftOp op = std::move(q.front());
            q.pop_front();  // before `done`, which may queue the rest of a read-modify-write
            uint64_t v = 0;
            if (op.kind == SoftOp::Kind::Wrmsr) write(0, op.index, op.value);
            else if (op.kind == SoftOp::Kind::Rdmsr) v = m.rdmsr(op.index);
            else if (op.kind == SoftOp::Kind::Rdpmc) v = m.rdpmc(op.index);
            if (op.done) op.done(v, m.cycle());
        }
    }

    // A successful WRMSR by context `ctx` (-1: KVM writing a constant).
    void write(int ctx, uint32_t msr, uint64_t value) {
        const uint64_t old = m.pmu().state().fixed_ctr_ctrl;
        m.wrmsr(msr, value);
        e.prov.on_write(msr, old, value, taint_of(ctx), 0);
        e.last_write.record(Engine::register_key(msr), m.cycle(), e.tag);
    }
    // `n` cycles owned by `owner`, shown to the checker as one run chunk.
    void run(int owner, uint64_t n) {
        const uint64_t begin = m.cycle();
        const PmuState before = m.pmu().state();
        m.run(n);
        const PmuState after = m.pmu().state();
        e.prov.on_chunk(before, after, owner);
        c().on_chunk(ChunkEvent{begin, owner, e.tag, before, after});
    }
    // A read executed on hardware by `actor` (-1: KVM, trusted), with its provenance.
    AccessEvent read(int actor, AccessKind k, uint32_t index) {
        const AccessResult r = k == AccessKind::Rdpmc ? m.try_rdpmc(index) : m.try_rdmsr(index);
        AccessEvent a;
        a.actor = actor;
        a.trusted = actor < 0;
        a.kind = k;
        a.index = index;
        a.value = r.value;
        a.ok = r.ok;
        a.taint = r.ok ? e.prov.of_read(k, index, r.value) : 0;
        return a;
    }
    // A WRMSR executed on hardware by `actor` (host perf's labelled `what`); provenance follows
    // when it succeeds.
    AccessEvent write_access(int actor, uint32_t msr, uint64_t value, const char* what = "") {
        const uint64_t old = m.pmu().state().fixed_ctr_ctrl;
        AccessEvent a;
        a.actor = actor;
        a.trusted = actor < 0;
        a.kind = AccessKind::Wrmsr;
        a.index = msr;
        a.value = value;
        a.ok = m.try_wrmsr(msr, value).ok;
        a.taint = taint_of(actor);
        a.what = what;
        if (a.ok) e.prov.on_write(msr, old, value, taint_of(actor), 0);
        return a;
    }
    AccessResult ref_read(AccessKind k, uint32_t index) {
        return k == AccessKind::Rdpmc ? vm0().ref->rdpmc(index) : vm0().ref->rdmsr(index);
    }
    // vm0's read passed through to hardware, repeated on its reference PMU.
    GuestAccess passthrough_read(AccessKind k, uint32_t index) {
        const AccessEvent a = read(1, k, index);
        return GuestAccess{vm0(), k, index, 0, false, a.ok, a.value, a.taint, ref_read(k, index)};
    }
    // vm0's read exited to KVM, which answered `result` carrying `taint` (ok=false: #GP injected).
    GuestAccess emulated_read(AccessKind k, uint32_t index, bool ok, uint64_t result, Taint taint) {
        return GuestAccess{vm0(), k, index, 0, true, ok, result, taint, ref_read(k, index)};
    }

    // Exactly one violation, of this kind (one the checker declares) with these fields.
    ::testing::AssertionResult reported(ViolationKind k, const std::string& reg, const std::string& reader,
                                        const std::string& source) const {
        const auto& kinds = def().kinds;
        if (std::find(kinds.begin(), kinds.end(), k) == kinds.end())
            return ::testing::AssertionFailure() << name << " does not declare " << violation_kind_name(k);
        if (e.log.total() != 1)
            return ::testing::AssertionFailure() << e.log.total() << " violations (" << e.log.kinds_fired() << "), expected 1"
                                                 << describe();
        const Violation& v = e.log.recorded().at(0);
        if (v.kind != k || v.reg != reg || v.reader != reader || v.source != source)
            return ::testing::AssertionFailure() << "expected " << violation_kind_name(k) << " " << reg << " reader=" << reader
                                                 << " source=" << source << describe();
        return ::testing::AssertionSuccess();
    }
    ::testing::AssertionResult clean() const {
        if (e.log.total() == 0) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure() << e.log.total() << " violations" << describe();
    }
    const Violation& first() const { return e.log.recorded().at(0); }

private:
    std::string describe() const {
        std::string s;
        for (auto& v : e.log.recorded())
            s += std::string("\n  ") + violation_kind_name(v.kind) + " " + v.reg + " reader=" + v.reader + " source=" + v.source +
                 " expected=" + std::to_string(v.expected) + " actual=" + std::to_string(v.actual) + " step=" + v.step +
                 " cycle=" + std::to_string(v.cycle) + ": " + v.detail;
        return s;
    }
};

}  // namespace pmusim::test
