// Time: per-cycle evaluation (the reference) and fast evaluation, which advances whole runs at
// once and finds overflow cycles arithmetically (binary search over the exact cumulative counts).
// Both end every cycle through end_of_cycle(), so status bits and PMIs land in the same cycle.
// Assumption: nothing counts in halted cycles (the core clock is stopped; docs/semantics.md).
#include "models/pmu/pmu.h"

namespace pmusim {

inline bool Pmu::add_to_counter(unsigned s, uint64_t inc) {
    if (!inc) return false;
    const uint64_t mask = plan_[s].width_mask;
    const uint64_t old = st_.counter[s], v = old + inc;
    const bool carry = mask == ~0ull ? v < old : v > mask;  // carry out of bit W-1
    st_.counter[s] = v & mask;
    return carry;
}

void Pmu::retire(EventMask events, unsigned cpl) {
    end_block();
    if (frozen()) return;
    const uint8_t ring = cpl == 0 ? kRing0 : kRing3;
    uint64_t ovf = 0;
    for (uint8_t s : active_) {
        const CounterPlan& p = plan_[s];
        if (!(p.ring_mask & ring) || p.conditional) continue;
        if (add_to_counter(s, uint64_t((p.events & events).count()))) ovf |= 1ull << status_bit_of_slot(s);
    }
    // Its PMI comes as it retires (plus the skid): KVM injects one at the very next VM-entry.
    latch_overflow(ovf);
    while (!pending_.empty() && pending_.front().cycle <= st_.cycle) {
        raise_pmi(pending_.front().sources);
        pending_.pop_front();
    }
}

// One cycle's increments of the counters counting in ring r (0: CPL 0), from the run's program
// (pmu_cycle_program.cpp): the events that vary in the run, then every slot's constant at once,
// testing all dense counters' carries with one word; the rare carry is sorted out after.
uint64_t Pmu::count_cycle(const EventVector& ev, unsigned r) {
    if (run_program_.run != cursor_.run_serial()) build_run_program(ev, r);
    const RunProgram& p = run_program_;
    const uint64_t* e = ev.data();
    uint64_t* ctr = st_.counter.data();
    for (const CycleEvent& c : p.vary) ctr[c.slot] += e[c.ev];
    uint64_t ovf = add_to_all_counters(p.inc);
    for (const CycleTerm& t : cycle_terms_[r]) {
        uint64_t inc = 0;
        if (t.conditional) inc = conditional_increment(plan_[t.slot], ev, cursor_.previous());
        else
            for (unsigned k = t.first; k < unsigned(t.first) + t.count; ++k) inc += e[term_events_[k]];
        if (add_to_counter(t.slot, inc)) ovf |= 1ull << status_bit_of_slot(t.slot);
    }
    return ovf;
}

bool Pmu::step_cycles(uint64_t to, bool stop_at_pmi) {
    if (cycle_terms_stale_) compile_cycle_terms();
    while (st_.cycle < to) {
        // A block's cycles before its stop (pmu_cycle_block.cpp): nothing carries, nothing is
        // pending or frozen, so they only move the cycle; the registers take them when read.
        if (st_.cycle < block_.stop) {
            st_.cycle = std::min(to, block_.stop);
            continue;
        }
        uint64_t ovf = 0;
        // A periodic run's row (pmu_cycle_replay.cpp), while the cursor's place is this cycle.
        if (replay_ && cursor_cycle_ == st_.cycle && st_.cycle < replay_end_) {
            ovf = replay_cycle();
            ++cursor_cycle_;
        } else {
            stop_replay();  // the run ended, or the cursor was moved
            if (cursor_cycle_ != st_.cycle) {
                cursor_.seek(*workload_, st_.cycle);  // also loads the previous cycle for edge detect
                cursor_cycle_ = st_.cycle;
            }
            const EventVector& ev = cursor_.next(*workload_);
            ++cursor_cycle_;
            if (!cursor_.halted() && !frozen()) {
                const unsigned r = cursor_.cpl() == 0 ? 0 : 1;
                ovf = count_cycle(ev, r);
                if (metrics_ring_ & (r ? kRing3 : kRing0)) {
                    accumulate_metrics_cycle(ev);
                    if (sem_.metrics_overflow_on_fc3_wrap && ((ovf >> 35) & 1u)) ovf |= 1ull << status_bit::kPerfMetrics;
                }
                if (run_program_.replay == RunProgram::kTry) try_replay(r);
                else if (run_program_.replay == RunProgram::kCount) ++stepped_since_compile_;
            }
        }
        const bool raised = (ovf || !pending_.empty()) && end_of_cycle(ovf);  // else nothing to latch or raise
        if (block_.active && (!pending_.empty() || frozen())) end_block();      // one started this cycle
        ++st_.cycle;
        if (raised && stop_at_pmi) return true;
    }
    return false;
}

// CMASK/E counters in fast mode: walk [a, b) cycle by cycle. Returns the increments up to and
// including the cycle where `room` is reached (that cycle, or kForever, in `carry_at`).
uint64_t Pmu::scan_conditional(const CounterPlan& p, uint64_t a, uint64_t b, unsigned __int128 room,
                               uint64_t& carry_at) const {
    RunCursor c;
    c.seek(*workload_, a);
    uint64_t acc = 0;
    carry_at = kForever;
    for (uint64_t x = a; x < b; ++x) {
        const EventVector& ev = c.next(*workload_);
        acc += conditional_increment(p, ev, c.previous());
        if (acc >= room) {
            carry_at = x;
            break;
        }
    }
    return acc;
}

uint64_t Pmu::first_overflow(unsigned s, const Run& r, uint64_t a, uint64_t b) const {
    const CounterPlan& p = plan_[s];
    const unsigned __int128 room = static_cast<unsigned __int128>(p.width_mask) + 1 - st_.counter[s];
    if (p.conditional) {
        uint64_t carry_at;
        scan_conditional(p, a, b, room, carry_at);
        return carry_at;
    }
    if (run_count_mask(r, p.events, a, b) < room) return kForever;
    uint64_t lo = a, hi = b - 1;  // smallest x with count[a, x] >= room
    while (lo < hi) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (run_count_mask(r, p.events, a, mid + 1) >= room) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

uint64_t Pmu::increment_over(unsigned s, const Run& r, uint64_t a, uint64_t b) const {
    const CounterPlan& p = plan_[s];
    if (!p.conditional) return run_count_mask(r, p.events, a, b);
    uint64_t carry_at;
    return scan_conditional(p, a, b, ~static_cast<unsigned __int128>(0), carry_at);
}

// The increments of the counters counting in `ring` over [a, b) of `run`, and PERF_METRICS'
// events in `inc.events`: one count of every event they read (the slot tree once for all), where
// a count per counter would give the same numbers. Only the events they read are written. Returns
// false, with nothing changed, when a counter would carry inside the chunk: the caller then splits
// it at the first carry.
bool Pmu::chunk_increments(const Run& run, uint64_t a, uint64_t b, uint8_t ring, ChunkIncrements& inc) {
    EventMask needed = (metrics_ring_ & ring) ? metric_events_all() : EventMask();
    for (uint8_t s : active_)
        if ((plan_[s].ring_mask & ring) && !plan_[s].conditional) needed |= plan_[s].events;
    if (needed) count_chunk(run, a, b, needed, inc.events);
    for (uint8_t s : active_) {
        const CounterPlan& p = plan_[s];
        if (!(p.ring_mask & ring)) continue;
        const uint64_t headroom = p.width_mask - st_.counter[s];  // events the counter takes without a carry
        uint64_t n;
        if (p.conditional) {
            uint64_t carry_at;
            n = scan_conditional(p, a, b, static_cast<unsigned __int128>(headroom) + 1, carry_at);
            if (carry_at != kForever) return false;
        } else {
            n = masked_sum(inc.events, p.events);
        }
        if (n > headroom) return false;
        inc.by_slot[s] = n;
    }
    return true;
}

void Pmu::count_chunk(const Run& run, uint64_t a, uint64_t b, EventMask m, EventVector& out) {
    const Phase& ph = *run.phase;
    const uint64_t ka = run.active_begin + (a - run.begin), kb = ka + (b - a);
    ChunkEnd& c = chunk_end_;
    const bool carried = ph.slots.id && c.phase == &ph && c.slots_id == ph.slots.id && c.k == ka && c.mask == m;
    if (!carried) cumulative_counts(ph, m, ka, c.cum[c.cur]);
    const EventVector& start = c.cum[c.cur];
    EventVector& end = c.cum[c.cur ^ 1u];
    cumulative_counts(ph, m, kb, end);
    m.for_each([&](unsigned e) { out[e] = end[e] - start[e]; });
    c.cur ^= 1u;
    c.phase = &ph;
    c.slots_id = ph.slots.id;
    c.k = kb;
    c.mask = m;
}

bool Pmu::advance_fast(uint64_t to, bool stop_at_pmi) {
    end_block();
    cursor_cycle_ = kForever;  // the per-cycle cursor is out of step now
    ChunkIncrements inc;
    while (st_.cycle < to) {
        const uint64_t a = st_.cycle;
        const Run run = workload_->run_at(a);
        uint64_t b = std::min(run.end, to);
        if (!pending_.empty()) b = std::min(b, pending_.front().cycle + 1);
        const uint8_t ring = run.cpl == 0 ? kRing0 : kRing3;
        uint64_t ovf = 0;
        if (!run.halted && !frozen()) {
            const ChunkProgram& p = chunk_program(ring);
            if (!p.general) {
                if (!count_chunk_program(p, run, a, b)) ovf = count_to_first_carry(run, a, b, ring);
            } else if (chunk_increments(run, a, b, ring, inc)) {
                // No counter carries in [a, b): each adds its increment, PERF_METRICS its events.
                for (uint8_t s : active_)
                    if (plan_[s].ring_mask & ring) add_to_counter(s, inc.by_slot[s]);
                if (metrics_ring_ & ring) accumulate_metrics(inc.events);
            } else {
                ovf = count_to_first_carry(run, a, b, ring);
            }
        }
        st_.cycle = b - 1;
        const bool raised = end_of_cycle(ovf);
        st_.cycle = b;
        if (raised && stop_at_pmi) return true;
    }
    return false;
}

// The general path: split [a, b) at the earliest carry so that status, PMI and freeze land in
// their exact cycle (b becomes the cycle after it), and count each counter up to there.
uint64_t Pmu::count_to_first_carry(const Run& run, uint64_t a, uint64_t& b, uint8_t ring) {
    uint64_t first = kForever;
    for (uint8_t s : active_)
        if (plan_[s].ring_mask & ring) first = std::min(first, first_overflow(s, run, a, b));
    if (first != kForever) b = first + 1;
    uint64_t ovf = 0;
    for (uint8_t s : active_)
        if ((plan_[s].ring_mask & ring) && add_to_counter(s, increment_over(s, run, a, b)))
            ovf |= 1ull << status_bit_of_slot(s);
    if (metrics_ring_ & ring) {
        accumulate_metrics(run, a, b);
        if (sem_.metrics_overflow_on_fc3_wrap && ((ovf >> 35) & 1u)) ovf |= 1ull << status_bit::kPerfMetrics;
    }
    return ovf;
}

}  // namespace pmusim
