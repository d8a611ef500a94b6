// The report of a run: per-context counts and topdown beside the truth, where the cycles went,
// the context timeline and the violations.
#include "sim/topdown.h"
#include "sim/virt/hypervisor.h"

namespace pmusim {

namespace {
// A context's topdown as perf stat would report it over the run, beside its truth.
void topdown_summary(ContextSummary& cs, const PerfSoftware& p, const CpuConfig& cpu, const Pmu& pmu) {
    if (!p.config().topdown) return;
    tma::Model md;
    md.family = static_cast<tma::Family>(cpu.tma_family);
    md.slots_per_cycle = cpu.slots_per_cycle;
    md.level = p.uses_perf_metrics() && cpu.l2_metrics ? 2 : 1;
    md.method = p.uses_perf_metrics() ? tma::Method::PerfMetrics : tma::Method::GpEvents;
    md.pm_fields = p.uses_perf_metrics() ? std::min(cpu.l2_metrics ? 8u : 4u, pmu.perf_metrics_fields()) : 0;
    if (p.uses_perf_metrics() && md.pm_fields < 8) md.level = 1;
    cs.truth_breakdown = truth_breakdown(cs.truth, md.level);
    cs.topdown_method = p.uses_perf_metrics() ? "perf_metrics" : "gp_events";
    tma::Inputs in;
    if (p.uses_perf_metrics()) {
        // Summed topdown-* counts over the run, as perf stat reports them.
        const double slots = double(p.td_slots);
        in.pm_fields = md.pm_fields;
        for (unsigned k = 0; k < 8; ++k) in.pm[k] = slots > 0 ? 255.0 * p.td_field_slots[k] / slots : 0;  // as 8-bit
        for (tma::Ev e : tma::required_events(md)) in.set(e, e == tma::Ev::Slots ? slots : 0);
    } else {
        const auto evs = tma::required_events(md);
        for (size_t i = 0; i < evs.size() && i < p.tma_totals.size(); ++i) in.set(evs[i], double(p.tma_totals[i]));
    }
    try {
        cs.reported = tma::compute(md, in);
        cs.has_topdown = true;
    } catch (const std::invalid_argument&) {
        cs.has_topdown = false;
    }
}

}  // namespace

EventMask topdown_truth_events(unsigned level) {
    if (level > 2) return kAllEvents;
    EventMask m = bit(Event::Slots);
    for (Event e : {Event::SlotsLightOps, Event::SlotsHeavyOps, Event::SlotsBrMispredict, Event::SlotsMachineClears,
                    Event::SlotsFetchLatency, Event::SlotsFetchBandwidth, Event::SlotsMemoryBound, Event::SlotsCoreBound})
        m |= bit(e);
    return m;
}

EventMask host_ledger_events(const PerfSoftware& perf, unsigned fields) {
    EventMask m = 0;
    for (const StatEventSpec& e : perf.events())
        if (e.truth_known) m |= e.truth;
    if (perf.uses_perf_metrics()) {
        m |= bit(Event::Slots);
        for (unsigned k = 0; k < fields; ++k) m |= kMetricFieldEvents[k];
    }
    if (perf.config().topdown) m |= topdown_truth_events(2);  // topdown_summary's levels: 1 or 2
    return m;
}

namespace {

void perf_summary(ContextSummary& cs, const PerfSoftware& p) {
    cs.samples = p.samples;
    cs.pmis = p.pmis;
    cs.spurious_pmis = p.spurious_pmis;
}
}  // namespace

namespace {
RunReport::Task task_summary(const Vcpu& v) {
    const HostTask& t = *v.task;
    RunReport::Task out;
    out.vcpu = v.spec.name;
    out.sum.name = "task " + v.spec.name;
    out.sum.counted_cycles = t.counted;
    out.sum.migrations = t.cpus.empty() ? 0 : t.cpus.size() - 1;
    for (size_t i = 0; i < t.perf->events().size(); ++i) out.sum.counts.push_back({t.perf->events()[i].name, {t.perf->totals[i], t.truth[i]}});
    out.switches = t.switches;
    out.cpus = t.cpus;
    return out;
}
}  // namespace

RunReport summarize_run(Hypervisor& h) {
    Engine& e = *h.e_;
    const ContextWorkload& cw = *e.cw;
    RunReport rep;
    rep.scenario = h.sc_.name;
    rep.cpu = h.m_->cpu().preset;
    rep.protocol = h.proto_.describe();
    rep.cycles = h.m_->cycle();
    rep.step_cycles = h.step_cycles_;
    for (auto& [k, c] : h.step_cycles_) rep.transition_cycles += c;
    rep.violations = e.log;
    rep.programs = e.programs;
    const auto spans = cw.spans();
    rep.timeline.reserve(spans.size());
    for (auto& sp : spans) rep.timeline.push_back({sp.begin, sp.end, sp.owner});
    // Host: its events over the cycles its perf counted.
    ContextSummary host;
    host.name = "host";
    host.cycles = cw.owned_cycles(0);
    host.counted_cycles = e.ledger.counted;
    host.truth = e.ledger.truth();
    const PerfSoftware& hp = *e.host_perf;
    for (size_t i = 0; i < hp.events().size(); ++i)
        host.counts.push_back({hp.events()[i].name, {hp.totals[i], i < e.ledger.event_truth.size() ? e.ledger.event_truth[i] : 0}});
    topdown_summary(host, hp, h.m_->cpu(), h.m_->pmu());
    perf_summary(host, hp);
    rep.contexts.push_back(host);
    for (auto& vp : e.vcpus) {
        Vcpu& v = *vp;
        ContextSummary cs = v.sum;
        const uint64_t local = cw.local_time(v.source);
        cs.cycles = cs.counted_cycles = local;
        // Its workload's events, and the instructions KVM emulated for it (retired at CPL 0).
        cs.truth = count_all_events(cw.source(v.source), 0, local) + v.emulated_events;
        for (size_t i = 0; i < v.perf->events().size(); ++i) {
            const StatEventSpec& ev = v.perf->events()[i];
            uint64_t truth = ev.truth_known ? count_events(cw.source(v.source), ev.truth, ev.user, ev.kernel, 0, local) : 0;
            if (ev.truth_known && ev.kernel) truth += masked_sum(v.emulated_events, ev.truth);
            cs.counts.push_back({ev.name, {v.perf->totals[i], truth}});
            const EventFilter* f = v.kvm.filter.get();
            if (f && !(ev.fixed ? f->allowed_fixed(ev.fixed_index) : f->allowed_gp(ev.config))) cs.denied.push_back(ev.name);
        }
        topdown_summary(cs, *v.perf, v.kvm.cpu, h.m_->pmu());
        perf_summary(cs, *v.perf);
        rep.contexts.push_back(cs);
        if (v.task) rep.tasks.push_back(task_summary(v));
    }
    return rep;
}

}  // namespace pmusim
