// The time line (docs/virtualization.md "Timeline"): host slices, VM-entries, guest runs until an
// exit, the exit path and its handling. Accesses and the StepContext are in
// hypervisor_access.cpp; the report in run_report.cpp.
#include "sim/virt/hypervisor.h"
#include "models/core/quote_value.h"

#include "models/virt/emulated_instr.h"

#include <algorithm>

#include "models/virt/kvm_uapi.h"
#include "sim/input_limits.h"
#include "sim/pmu_trace.h"
#include "sim/virt/host.h"
#include "sim/workload_spec.h"

namespace pmusim {

const char* Hypervisor::exit_name(Exit e) {
    switch (e) {
        case Exit::Timer: return "timer";
        case Exit::External: return "external";
        case Exit::Hlt: return "hlt";
        case Exit::Msr: return "msr";
        case Exit::Instr: return "instruction";
        case Exit::Pmi: return "pmi";
        case Exit::Nmi: return "nmi";
        case Exit::Preempt: return "preempt";
        case Exit::End: return "end";
    }
    return "?";
}

namespace {
std::unique_ptr<Workload> workload_of(const std::string& where, const std::string& w) {
    try {
        return parse_workload_spec(w);
    } catch (const std::exception& e) {
        throw std::invalid_argument(where + ".workload: " + e.what());
    }
}
}  // namespace

namespace {
Hypervisor::Placement one_cpu(const Scenario& s) {
    Hypervisor::Placement p;
    for (size_t i = 0; i < s.guests.size(); ++i) p.ctx.push_back(int(i) + 1);
    p.allowed.assign(s.guests.size(), true);
    p.starts.assign(s.guests.size(), true);
    return p;
}
}  // namespace

Hypervisor::Hypervisor(const Scenario& s, const Protocol& p) : Hypervisor(s, p, one_cpu(s)) {}

Hypervisor::Hypervisor(const Scenario& s, const Protocol& p, const Placement& place)
    : sc_(s), proto_(p), place_(place), rng_(s.seed) {
    MachineOptions mo;
    mo.cpu = s.cpu;
    mo.overrides = s.overrides;
    mo.mode = s.mode;
    m_ = std::make_unique<Machine>(mo);
    const CpuConfig& host = m_->cpu();
    if (proto_.mediated() && !host.has_status_set())
        throw ConfigError("protocol", "the mediated vPMU needs PMU version 4 (GLOBAL_STATUS_SET); " + host.preset +
                                          " has version " + std::to_string(host.version));
    e_ = std::make_unique<Engine>(sc_, *m_);
    e_->mediated = proto_.mediated();
    auto cw = std::make_unique<ContextWorkload>();
    e_->cw = cw.get();
    cw->set_max_spans(s.checks.max_timeline_spans);
    host_src_ = cw->add_source(workload_of("host", s.host.workload), "host");
    kvm_src_ = cw->add_source(workload_of("kvm_workload", s.kvm_workload), "kvm");
    // Tags name what runs (reports, violations and the waveform's step signal, by name).
    e_->tags = {"host", "exit handling", "host PMI handler"};  // Engine::kHostTag, ...
    for (auto& st : step_library()) e_->tags.push_back(st.name);
    make_vcpus();
    if (sc_.event_filter) set_event_filter(*sc_.event_filter);
    plan_steps();
    m_->set_workload(std::move(cw));
    e_->host_perf = std::make_unique<PerfSoftware>("host", host, s.host.perf, true, proto_.mediated());
    e_->host_perf->set_metrics_bits(m_->pmu().semantics().metrics_field_bits);
    for (auto& v : e_->vcpus) v->perf->set_metrics_bits(m_->pmu().semantics().metrics_field_bits);
    e_->host_perf->on_reading = [this](const AgentReading& r) { host_reading(r); };
    e_->ledger.set_events(host_ledger_events(*e_->host_perf, m_->pmu().perf_metrics_fields()));
    for (auto& v : e_->vcpus)
        if (v->spec.name == sc_.host.task.vcpu) make_task(*v);
    for (auto& def : checker_registry()) checkers_.push_back(def.make(*e_));
    for (auto& c : checkers_) access_observers_.push_back(c.get()), chunk_observers_.push_back(c.get());
    unite_access_classes();
    end_ = s.cycles;
    for (const CpuMove& mv : s.moves)
        if (mv.preempt && mv.cpu == place_.index) preempts_.push_back({mv.at, mv.preempt});
}

// The vPMU KVM derives from a VMM's KVM_SET_CPUID2 and PERF_CAPABILITIES, with KVM's errors.
static VpmuConfig userspace_vpmu(const CpuConfig& host, bool mediated, const GuestSpec& g) {
    KvmVpmu v(1, host, host_vpmu(host, mediated), mediated);
    KvmVcpuUapi api(v, host);
    const UapiStatus s = api.set_cpuid(g.cpuid);
    if (!s.ok()) throw ConfigError("cpuid", s.why);
    NoKvmHw hw;
    std::string why;
    if (api.set_msrs({{msr::kPerfCapabilities, g.perf_capabilities}}, hw, &why) != 1) throw ConfigError("perf_capabilities", why);
    return v.config;
}

void Hypervisor::make_vcpus() {
    const CpuConfig& host = m_->cpu();
    guest_source_.assign(sc_.guests.size(), -1);
    for (size_t i = 0; i < sc_.guests.size(); ++i) {
        const GuestSpec& g = sc_.guests[i];
        const std::string where = "guests." + g.name;
        if (!place_.allowed[i]) continue;
        if (e_->names.size() <= size_t(place_.ctx[i])) e_->names.resize(size_t(place_.ctx[i]) + 1);
        e_->names[size_t(place_.ctx[i])] = g.name;
        if (!place_.starts[i]) {  // it may come here later: its workload is here, at its start
            guest_source_[i] = int(e_->cw->add_source(workload_of(where, g.workload), g.name));
            e_->tags.push_back("guest " + g.name);
            continue;
        }
        if (!proto_.mediated() && (g.vpmu.perf_metrics || g.vpmu.has_fixed(3)))
            throw ConfigError(where + ".vpmu", "the legacy vPMU exposes no FIXED_CTR3 or PERF_METRICS (fixed <= 3, perf_metrics: false)");
        std::unique_ptr<Vcpu> v;
        try {
            GuestSpec spec = g;
            if (g.userspace) spec.vpmu = userspace_vpmu(host, proto_.mediated(), g);
            v = std::make_unique<Vcpu>(place_.ctx[i], spec, host, proto_.mediated(), sc_.intercepts.need_perf_metrics_intercept);
        } catch (const ConfigError& e) {
            throw ConfigError(where + "." + e.field(), std::string(e.what()).substr(e.field().size() + 2));
        }
        KvmVpmu& k = v->kvm;
        k.variants = sc_.kvm_variants;
        k.vmcs.entry_load_global_ctrl = sc_.vmcs.entry_load_global_ctrl;
        k.vmcs.exit_load_global_ctrl = sc_.vmcs.exit_load_global_ctrl;
        const bool has_save = host.tma_family >= TmaFamily::SapphireRapids;  // "save" control: SPR and later
        if (sc_.vmcs.save == "auto") k.vmcs.save = has_save ? GlobalCtrlSave::Vmcs : GlobalCtrlSave::MsrStoreList;
        else if (sc_.vmcs.save == "vmcs") {
            if (!has_save) throw ConfigError("vmcs.save", host.preset + " has no VM-exit 'save IA32_PERF_GLOBAL_CTRL' control");
            k.vmcs.save = GlobalCtrlSave::Vmcs;
        } else if (sc_.vmcs.save == "msr_store_list") k.vmcs.save = GlobalCtrlSave::MsrStoreList;
        else if (sc_.vmcs.save == "none") k.vmcs.save = GlobalCtrlSave::None;
        else throw ConfigError("vmcs.save", "expected auto, vmcs, msr_store_list or none, got " + quote_value(sc_.vmcs.save));
        auto w = workload_of(where, g.workload);
        auto ref_w = w->clone();
        v->source = e_->cw->add_source(std::move(w), g.name);
        v->cpu = int(place_.index);
        guest_source_[i] = int(v->source);
        v->ref = std::make_unique<Pmu>(k.cpu, m_->pmu().semantics(), std::move(ref_w));
        v->perf = std::make_unique<PerfSoftware>(g.name, k.cpu, g.perf, false, false);
        e_->tags.push_back("guest " + g.name);
        e_->vcpus.push_back(std::move(v));
    }
}

Hypervisor::~Hypervisor() = default;

// ---------------------------------------------------------------------------------------------
// Time: every cycle belongs to a segment of the context schedule; provenance and the checkers
// look at what changed in each chunk the machine ran.

void Hypervisor::elapse(uint64_t cycles) { run_cycles(kvm_src_, e_->owner, e_->tag, cycles, false); }

void Hypervisor::run_chunks(int owner, int tag, uint64_t n, bool stop_on_pmi) {
    uint64_t remaining = n;
    while (remaining) {
        const uint64_t chunk = vcd_ && vcd_sample_ ? std::min(remaining, vcd_sample_) : remaining;
        // Nothing counts and no PMI is pending: no chunk observer can see these cycles (nothing
        // counted, no status bit set), so they only move the time.
        if (!stop_on_pmi && m_->advance_if_idle(chunk)) {
            remaining -= chunk;
            trace();
            continue;
        }
        const uint64_t a = m_->cycle();
        const PmuState before = m_->pmu().state();
        // A step's costs run on the caller's local time; a context's run goes through SystemC.
        const RunResult r = stop_on_pmi ? m_->run(chunk, true) : m_->advance(chunk, true);
        const PmuState& after = m_->pmu().state();
        const ChunkEvent ev{a, owner, tag, before, after};
        e_->prov.on_chunk(before, after, owner, ev.counted);
        observers(chunk_observers_, [](const Checker& c) { return c.ignores_chunks(); }, [&](Checker& c) { c.on_chunk(ev); });
        remaining -= r.cycles;
        trace();
        if (r.stopped_on_pmi) {
            route_pmis();
            if (stop_on_pmi && (guest_pmi_stop_ || host_pmi_pending_)) {
                e_->cw->truncate(m_->cycle());
                m_->workload_changed();
                return;
            }
        }
        if (r.cycles == 0 && !r.stopped_on_pmi) break;
    }
}

void Hypervisor::trace_now() {
    const uint64_t t = m_->cycle();
    // Names, not codes: a step added to the library renumbers nothing in anyone's waveform.
    vcd_->set_extra_string(vcd_sig_[0], e_->ctx_name(e_->owner), t);
    vcd_->set_extra_string(vcd_sig_[1], e_->tag_name(e_->tag), t);
    vcd_->set_extra_string(vcd_sig_[2], e_->lvtpc_guest < 0 ? "NMI" : e_->ctx_name(e_->lvtpc_guest + 1), t);
    if (vcd_sig_.size() > 3) vcd_->set_extra_string(vcd_sig_[3], task_here_ ? task_here_->spec.name + " thread" : "-", t);
    vcd_->pmis(m_->pmu());
    vcd_->sample(m_->pmu());
}

// ---------------------------------------------------------------------------------------------
// Host side.

void Hypervisor::host_tick_if_due() {
    if (m_->cycle() < host_next_tick_) return;
    e_->host_perf->tick(host_ops_);
    drain_host(host_ops_);
    while (host_next_tick_ <= m_->cycle()) host_next_tick_ += sc_.host.perf.interval;
}

void Hypervisor::host_slice(uint64_t n) {
    const uint64_t until = std::min(end_, m_->cycle() + n);
    e_->owner = 0;
    e_->tag = Engine::kHostTag;
    while (m_->cycle() < until) {
        const uint64_t next = std::min(until, std::max(host_next_tick_, m_->cycle() + 1));
        run_cycles(host_src_, 0, Engine::kHostTag, next - m_->cycle(), true);
        host_pmi_if_pending();
        e_->tag = Engine::kHostTag;
        if (m_->cycle() >= host_next_tick_) {
            e_->host_perf->tick(host_ops_);
            drain_host(host_ops_);
            host_next_tick_ += sc_.host.perf.interval;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Guest side.

void Hypervisor::enter(Vcpu& v) {
    e_->owner = 0;
    entered_ = false;
    cur_ = &v;
    v.load_started = m_->cycle();
    // vcpu_enter_guest's requests, in KVM's order: KVM_REQ_PMU, then KVM_REQ_PMI (before the
    // mediated load, which gives the PMI vector the LVTPC mask the injection set).
    kvm_pmu_handle_event(v);
    if (v.pending_pmi) deliver_pmi(v);
    if (!v.started) {
        v.started = true;
        if (!v.spec.perf.empty()) v.perf->start(v.ops);
        v.next_tick = v.spec.perf.interval && !v.spec.perf.empty() ? v.spec.perf.interval : kForever;
        start_program(v);
    }
    run_steps(v, load_plan_);
    // A protocol without a VM-entry step: the guest runs anyway, with whatever GLOBAL_CTRL holds.
    if (!entered_) enter_guest();
    ++v.sum.entries;
}

Hypervisor::Exit Hypervisor::draw_async_exit(const Vcpu& v) {
    const double w = v.spec.w_timer + v.spec.w_external + v.spec.w_hlt;
    const double x = std::uniform_real_distribution<double>(0, w > 0 ? w : 1)(rng_);
    if (x < v.spec.w_timer || w <= 0) return Exit::Timer;
    if (x < v.spec.w_timer + v.spec.w_external) return Exit::External;
    return Exit::Hlt;
}

Hypervisor::Exit Hypervisor::guest_run(Vcpu& v, bool final_read) {
    e_->owner = v.ctx();
    e_->tag = guest_tag(v);
    guest_pmi_stop_ = false;
    const uint64_t exit_at = e_->cw->local_time(v.source) + v.spec.run.draw(rng_);
    for (;;) {
        while (!v.ops.empty())
            if (!guest_op(v)) return Exit::Msr;
        if (final_read || m_->cycle() >= end_) return Exit::End;
        if (m_->cycle() >= preempt_at()) return Exit::Preempt;
        if (lvtpc_unmask_due(v)) continue;
        if (!program_ready(v)) {
            if (v.action.kind != GuestAction::Kind::Emulate) return Exit::Msr;
            if (fastpath(v)) continue;
            return Exit::Instr;
        }
        const uint64_t L = e_->cw->local_time(v.source);
        const uint64_t busy = v.program ? v.busy_until : kForever;
        const uint64_t P = preempt_at(), preempt = P == kForever ? kForever : L + (P - m_->cycle());
        const uint64_t target = std::min({exit_at, v.next_tick, busy, v.unmask_at, preempt, L + (end_ - m_->cycle())});
        if (target > L) {
            run_cycles(v.source, v.ctx(), e_->tag, target - L, true);
            if (guest_pmi_stop_) return Exit::Pmi;
            if (host_pmi_pending_) return Exit::Nmi;
        }
        const uint64_t now = e_->cw->local_time(v.source);
        if (now >= v.next_tick) {
            v.perf->tick(v.ops);
            v.next_tick += v.spec.perf.interval;
            continue;
        }
        if (now >= exit_at) return draw_async_exit(v);
        if (m_->cycle() >= end_) return Exit::End;
        // else: the program's run or access cost ended; it goes on.
    }
}

void Hypervisor::exit_to_host(Vcpu& v, Exit why) {
    e_->owner = 0;
    handed_over_ = false;
    cur_ = &v;
    // The instant of the exit, as the guest left it (after a refused fastpath, its transitions ran).
    const bool transitions_done = fastpath_exited_;
    fastpath_exited_ = false;
    if (!transitions_done) each_checker([&](Checker& c) { c.on_exit(v); });
    run_steps(v, exit_plan_, transitions_done);
    if (!handed_over_ && proto_.mediated()) pmu_to_host(true);
    ++v.sum.exits[why == Exit::Instr ? emulated_instructions().at(v.action.index).exit : exit_name(why)];
    e_->tag = Engine::kExitHandlingTag;
    e_->owner = 0;
    const uint64_t before = m_->cycle();
    elapse(sc_.costs.exit_handling.draw(rng_));
    if (why == Exit::Msr) emulate_front(v);
    if (why == Exit::Instr) emulate_instruction(v);
    host_pmi_if_pending();
    e_->tag = Engine::kExitHandlingTag;
    if (e_->host_perf->scheduled_in()) host_tick_if_due();
    step_cycles(exit_handling_cycles_, "exit handling") += m_->cycle() - before;
    each_checker([&](Checker& c) { c.on_exit_handled(); });
}

// ---------------------------------------------------------------------------------------------

RunReport Hypervisor::run(const std::string& vcd_path, uint64_t vcd_sample) {
    begin_run(vcd_path, vcd_sample);
    size_t next = 0;
    while (m_->cycle() < end_) {
        vmm_due();
        host_slice(std::max<uint64_t>(1, sc_.host.slice.draw(rng_)));
        preempt_if_due();
        if (m_->cycle() >= end_ || e_->vcpus.empty()) continue;
        Vcpu& v = *e_->vcpus[next];
        next = (next + 1) % e_->vcpus.size();
        run_vcpu(v);
        preempt_if_due();
    }
    return finish_run();
}

void Hypervisor::run_vcpu(Vcpu& v) {
    task_switch(v, true);  // the scheduler switches to its thread, and away at the end
    for (;;) {
        enter(v);
        const Exit why = guest_run(v, false);
        exit_to_host(v, why);
        const bool again = why == Exit::Msr || why == Exit::Instr || why == Exit::Pmi || why == Exit::Nmi ||
                           why == Exit::External;
        if (!again || m_->cycle() >= end_) break;
    }
    task_switch(v, false);
}

// Each guest reads its counters once more (inside the guest), then the host does.
void Hypervisor::final_readings() {
    for (auto& vp : e_->vcpus) {
        Vcpu& v = *vp;
        if (!v.started) continue;
        if (!v.spec.perf.empty()) v.perf->tick(v.ops);
        task_switch(v, true);
        for (;;) {
            enter(v);
            const Exit why = guest_run(v, true);
            exit_to_host(v, why);
            if (why == Exit::End) break;
        }
        task_switch(v, false);
    }
    e_->owner = 0;
    e_->tag = Engine::kHostTag;
    host_pmi_if_pending();
    each_checker([&](Checker& c) { c.on_end(); });
    // A final host reading is always taken: a session left scheduled out is scheduled in for it
    // (the checkers have reported that it was left out).
    if (!e_->host_perf->scheduled_in()) host_perf_sched_in();
    e_->host_perf->tick(host_ops_);
    drain_host(host_ops_);
    e_->ledger.close(m_->cycle(), *e_->cw);
}

RunReport run_scenario(const Scenario& s, const std::string& vcd, uint64_t vcd_sample, const std::vector<std::string>& signals) {
    return run_scenario(s, s.make_protocol(), vcd, vcd_sample, signals);
}

RunReport run_scenario(const Scenario& s, const Protocol& p, const std::string& vcd, uint64_t vcd_sample,
                       const std::vector<std::string>& signals) {
    // An error about the scenario's content names its file, as a reading error does.
    const std::string file = s.file.empty() ? "" : printable(s.file) + ": ";
    try {
        if (s.cycles == 0 || s.cycles > kMaxRunCycles)
            throw ConfigError("cycles", "expected a whole number from 1 to " + std::to_string(kMaxRunCycles) + ", got " +
                                            std::to_string(s.cycles));
        check_host_cpus(s);
        if (s.host.cpus > 1 || s.destination) {
            Host h(s, p);
            h.select_signals(signals);
            return h.run(vcd, vcd_sample);
        }
        Hypervisor h(s, p);
        h.select_signals(signals);
        return h.run(vcd, vcd_sample);
    } catch (const ConfigError& e) {
        if (file.empty()) throw;
        throw ConfigError(file + e.field(), std::string(e.what()).substr(e.field().size() + 2));
    } catch (const std::invalid_argument& e) {
        if (file.empty()) throw;
        throw std::invalid_argument(file + e.what());
    }
}

}  // namespace pmusim
