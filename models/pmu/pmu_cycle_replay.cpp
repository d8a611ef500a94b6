// Per-cycle mode's replay of periodic runs. A run's increments are a function of the phase's
// active cycle k alone, and repeat every RunCursor::period() cycles: when that period is short, each
// cycle's increments of every counter and PERF_METRICS field are tabulated once (one step-by-step
// pass over a period) and a cycle then adds one row, instead of stepping the rates' carries and the
// slot tree. Every cycle still ends in end_of_cycle with the same state as the step-by-step path.
#include <cstring>

#include "models/pmu/pmu.h"

namespace pmusim {

namespace {
bool same_rates(const Phase& a, const Phase& b) {
    return std::memcmp(a.rate.data(), b.rate.data(), sizeof a.rate) == 0 &&
           std::memcmp(a.slots.rate.data(), b.slots.rate.data(), sizeof a.slots.rate) == 0;
}
}  // namespace

const Pmu::ReplayTable* Pmu::find_replay_table(unsigned r) const {
    const bool metrics = metrics_ring_ & (r ? kRing3 : kRing0);
    for (const ReplayTable& t : replay_tables_)
        if (!t.rows.empty() && t.ring == r && t.metrics == metrics && t.fmax == sem_.metrics_field_max() &&
            t.events == cycle_events_[r] && same_rates(t.phase, *cursor_.run().phase))
            return &t;
    return nullptr;
}

// One step-by-step pass over a period of the phase, from its first active cycle (row j: k = j).
const Pmu::ReplayTable& Pmu::build_replay_table(unsigned r, uint64_t period) {
    ReplayTable& t = replay_tables_[replay_next_];
    replay_next_ = (replay_next_ + 1) % kReplayTables;
    t.phase = *cursor_.run().phase;
    t.ring = r;
    t.metrics = metrics_ring_ & (r ? kRing3 : kRing0);
    t.fmax = sem_.metrics_field_max();
    t.events = cycle_events_[r];
    t.rows.assign(period, ReplayRow{});
    Run run = cursor_.run();
    run.begin = run.active_begin = 0;
    run.end = kForever;
    RunCursor c;
    c.set_mask(cursor_.mask());
    c.start(run, 0);
    for (ReplayRow& row : t.rows) {
        const EventVector& ev = c.next(*workload_);
        for (const CycleEvent& e : t.events) row.ctr[e.slot] += ev[e.ev];
        if (t.metrics)
            for (unsigned f = 0; f < kNumMetricFields; ++f) row.metric[f] = masked_sum(ev, kMetricFieldEvents[f]) * t.fmax;
    }
    return t;
}

// After a stepped counting cycle of ring r. A CMASK/INV/E/EQ or 64-bit counter reads each cycle's
// events, so only a program of dense counters replays. A table is built only once this program has
// stepped a period's worth of cycles (in any runs), so that building costs at most what stepping
// has: a program changed again soon after wastes at most half.
void Pmu::try_replay(unsigned r) {
    RunProgram& p = run_program_;

    // A run has one ring, and the terms and the limit stay until the run program is rebuilt (a
    // re-programming, set_replay_limit): the answers below hold for the rest of the run, so the
    // per-cycle loop asks no more (RunProgram::replay).
    if (!replay_limit_ || !cycle_terms_[r].empty()) {
        p.replay = RunProgram::kNever;
        return;
    }
    ++stepped_since_compile_;
    if (++p.stepped < kReplayWarmup) return;
    if (p.stepped == kReplayWarmup) {  // once per run: its period, and a table kept from before
        p.period = cursor_.period(replay_limit_);
        if (p.period)
            if (const ReplayTable* t = find_replay_table(r)) return start_replay(*t);
    }
    if (!p.period) return start_block(r);  // no period within the limit: blocks of cycles
    if (stepped_since_compile_ < p.period) return;
    start_replay(build_replay_table(r, p.period));
}

void Pmu::start_replay(const ReplayTable& t) {
    replay_ = &t;
    replay_index_ = cursor_.phase_cycle() % t.rows.size();
    replay_end_ = cursor_.run().end;
}

// The dense counters' carries as count_cycle tests them (take_carries with the run's widths).
uint64_t Pmu::replay_cycle() {
    const ReplayRow& row = replay_->rows[replay_index_];
    if (++replay_index_ == replay_->rows.size()) replay_index_ = 0;
    if (frozen()) return 0;
    uint64_t ovf = add_to_all_counters(row.ctr);
    if (replay_->metrics) {
        for (unsigned f = 0; f < kNumMetricFields; ++f) st_.metric_acc[f] += row.metric[f];
        if (sem_.metrics_overflow_on_fc3_wrap && ((ovf >> 35) & 1u)) ovf |= 1ull << status_bit::kPerfMetrics;
    }
    return ovf;
}

}  // namespace pmusim
