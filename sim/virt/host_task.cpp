// Host perf per task beside host perf per CPU, on one PMU (docs/virtualization.md "Host perf per
// task"). Linux keeps two perf contexts on a CPU: the CPU context (`perf stat -a`) and the
// context of the task running there (`perf stat -p TID`), whose events are scheduled in when the
// scheduler switches to the task and out when it switches away (perf_event_task_sched_in/out,
// kernel/events/core.c). One driver programs the PMU for both: the task's events take the
// counters the CPU context leaves (x86_schedule_events, arch/x86/events/core.c), and the PMU is
// disabled once around a change of both (perf_ctx_disable / perf_ctx_enable: x86_pmu_disable,
// x86_pmu_enable). At a VM-entry perf_load_guest_context schedules out the exclude_guest events
// of both contexts, and perf_put_guest_context schedules them back in (the mediated PMU series,
// kernel/events/core.c).
//
// The task here is a vCPU's thread (scenario host.task.vcpu): it runs while the vCPU is the
// CPU's current task (its load path, guest time, exit path and exit handling) and moves with it.
// Its events read their counts at each switch-out (x86_perf_event_update at del); each such
// reading is checked against this CPU's task ledger.
#include <algorithm>

#include "sim/virt/hypervisor.h"

namespace pmusim {

// The task's session on the counters the CPU context leaves: GP counters above its highest,
// fixed counters it does not hold (a busy fixed event goes on a GP counter). A CPU context that
// multiplexes leaves none it can promise: refused (perf would rotate both; not modelled).
void Hypervisor::make_task(Vcpu& v) {
    const AgentConfig& cfg = sc_.host.task.perf;
    if (!proto_.mediated()) throw ConfigError("host.task", "per-task host events are modelled with the mediated vPMU only");
    if (sc_.destination) throw ConfigError("host.task", "per-task host events with a destination host are not modelled (its host perf may hold other counters)");
    if (cfg.topdown || !cfg.sample_event.empty() || cfg.interval)
        throw ConfigError("host.task.perf", "a task's events are counting events only (events:), read at every switch-out: no topdown, sample or interval");
    if (cfg.events.empty()) throw ConfigError("host.task.perf.events", "expected at least one event to count for the task");
    const PerfSoftware& cpu = *e_->host_perf;
    if (cpu.multiplexed())
        throw ConfigError("host.task.perf", "host.perf multiplexes its GP events: no counter is left for the task's (perf would rotate both contexts; not modelled)");
    const uint64_t gp = cpu.gp_bits();
    const unsigned first = gp ? 64u - unsigned(__builtin_clzll(gp)) : 0;  // above its highest GP counter
    v.task = std::make_unique<HostTask>();
    try {
        v.task->perf = std::make_unique<PerfSoftware>("host.task", m_->cpu(), cfg, true, true, first, uint32_t(cpu.counter_bits() >> 32) & 0xf);
    } catch (const std::invalid_argument& e) {
        if (!first) throw;
        throw std::invalid_argument(std::string(e.what()) + " (host.perf holds GP counters 0-" + std::to_string(first - 1) + ")");
    }
    v.task->perf->set_metrics_bits(m_->pmu().semantics().metrics_field_bits);
    v.task->truth.assign(cfg.events.size(), 0);
}

void Hypervisor::host_global_ctrl_written(uint64_t value) {
    if (value == 0) {
        e_->ledger.close(m_->cycle(), *e_->cw);
        e_->task_ledger.close(m_->cycle(), *e_->cw);
        return;
    }
    if (!host_enabling_) return;
    e_->ledger.open(m_->cycle());
    if (e_->task_counting) e_->task_ledger.open(m_->cycle());
}

// The scheduler switches to the vCPU's thread (in) or away from it (out): its events are
// scheduled in or out, with the PMU disabled around it; at the switch-out they are read.
void Hypervisor::task_switch(Vcpu& v, bool in) {
    if (!v.task) return;
    HostTask& t = *v.task;
    if (in) {
        task_here_ = &v;
        t.perf->on_reading = [this, &v](const AgentReading& r) { task_reading(v, r); };
        ++t.switches;
        if (std::find(t.cpus.begin(), t.cpus.end(), place_.index) == t.cpus.end()) t.cpus.push_back(place_.index);
        e_->task_counting = true;
        t.counted_base = e_->task_ledger.counted;
        t.perf->sched_in(host_ops_);  // the first time too: counters from 0
    } else {
        e_->task_counting = false;
        t.perf->sched_out_ctx(host_ops_, true, true);
    }
    const int tag = e_->tag;
    e_->tag = Engine::kHostTag;
    drain_host(host_ops_);
    e_->tag = tag;
    if (!in) {
        e_->task_ledger.close(m_->cycle(), *e_->cw);
        t.counted += e_->task_ledger.counted - t.counted_base;
        task_here_ = nullptr;
    }
    trace();
}

// A task reading: its events over this CPU's task windows since its last reading (which, taken
// at its last switch-out, came before this run of it on any CPU), then the checkers.
void Hypervisor::task_reading(Vcpu& v, const AgentReading& r) {
    HostTask& t = *v.task;
    HostLedger& L = e_->task_ledger;
    const auto& evs = t.perf->events();
    const uint64_t now = m_->cycle();
    std::vector<uint64_t> truth(evs.size(), 0);
    for (size_t i = 0; i < evs.size(); ++i)
        if (evs[i].truth_known) truth[i] = L.count(*e_->cw, evs[i].truth, evs[i].user, evs[i].kernel, r.from[i], r.to[i], now);
    for (size_t i = 0; i < evs.size(); ++i) t.truth[i] += truth[i];
    each_checker([&](Checker& c) { c.on_task_reading(v, r, truth); });
    uint64_t keep_from = now;
    for (auto c : r.to) keep_from = std::min(keep_from, c);
    L.forget_before(keep_from);
}

// perf_load_guest_context (out) / perf_put_guest_context (in): the exclude_guest events of the
// CPU context and of the current task's context go together, with one PMU disable around both
// (every host event is exclude_guest with the mediated PMU). Without the task's context to move
// (none here, or `task_ctx` false, or already where it is going), the CPU context alone.
void Hypervisor::host_perf_switch(bool out, bool task_ctx) {
    host_enabling_ = !out;
    PerfModel& cpu = *e_->host_perf;
    PerfModel* t = task_ctx && task_here_ ? task_here_->task->perf.get() : nullptr;
    if (!t || t->scheduled_in() != out) {
        if (out) cpu.sched_out(host_ops_);
        else cpu.sched_in(host_ops_);
    } else {
        cpu.ctx_disable(host_ops_);
        for (PerfModel* p : {&cpu, t}) {
            if (out) p->sched_out_ctx(host_ops_, false, false);
            else p->sched_in_ctx(host_ops_, false);
        }
        cpu.ctx_enable(host_ops_);
    }
    drain_host(host_ops_);
}

}  // namespace pmusim
