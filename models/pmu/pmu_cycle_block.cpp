// Per-cycle mode's blocks of cycles, for runs whose increments have no period within the replay
// limit (rates to nine decimals: the interpreter's and pointer_chase's phases). Stepping a cycle
// walks every fractional event's carry and the slot tree's splits with their remainders in
// memory; a block takes the next cycles' increments at once, event by event and split by split
// (RunCursor::next_block), one column per event. Before its first carry a block's cycles only
// move the cycle: nothing else can happen in them (no carry, no PMI pending, no access, or the
// access ends the block), and the registers take the columns' sums over the cycles gone when
// something reads them (settle), or when the block ends: at its last cycle, at the carry (which
// steps, with its PMI, as before), or at any write, seek, other advance or new replay limit
// (end_block, then the cursor seeks again). Every read sees the state stepping gives.
#include <algorithm>

#include "models/pmu/pmu.h"

namespace pmusim {

// After a stepped counting cycle of ring r in a run known to have no period within the limit.
void Pmu::start_block(unsigned r) {
    // Edge detect reads every cycle's previous one, which a block does not keep.
    if (cursor_.keeps_previous()) {
        run_program_.replay = RunProgram::kCount;
        return;
    }
    const unsigned n = static_cast<unsigned>(std::min<uint64_t>(kBlockCycles, cursor_.left_in_run()));
    if (!n || !pending_.empty()) return;
    if (!block_events_) block_events_ = std::make_unique<EventBlock>();
    cursor_.next_block(n, *block_events_);

    // The varying events' sums over the block (one pass per column).
    block_.metrics = metrics_ring_ & (r ? kRing3 : kRing0);
    block_events_->sum_events(run_program_.block_events(block_.metrics), 0, n, block_.full);
    block_.begin = cursor_cycle_;  // the cycle after the stepped one
    block_.end = block_.begin + n;
    block_.stop = block_.begin + first_carry(n);
    block_.applied = 0;
    block_.active = true;
    cursor_cycle_ = block_.end;  // where next_block left the cursor
    stepped_since_compile_ += n;  // the cycles count as stepped for a later periodic run's table
}

// The first cycle of the block in which a dense counter's carry bit (run_program_.above) would be
// set: n when none is. Only a counter whose increment over the block (the run's constants and
// its varying events' sums) reaches it is walked, cycle by cycle.
uint64_t Pmu::first_carry(unsigned n) const {
    const RunProgram& p = run_program_;
    std::array<uint64_t, kNumCounterSlots> total;
    for (unsigned s = 0; s < kNumCounterSlots; ++s) total[s] = p.inc[s] * n;
    for (const CycleEvent& c : p.vary) total[c.slot] += block_.full[c.ev];
    uint64_t first = n;
    for (unsigned s = 0; s < kNumCounterSlots; ++s) {
        if (!((st_.counter[s] + total[s]) & p.above[s])) continue;
        uint64_t v = st_.counter[s];
        for (unsigned j = 0; j < first; ++j) {
            v += p.inc[s];
            for (const CycleEvent& c : p.vary)
                if (c.slot == s) v += block_events_->at(c.ev, j);
            if (v & p.above[s]) {
                first = j;
                break;
            }
        }
    }
    return first;
}

// Cycles [applied, cycle()) of the block into the counters and PERF_METRICS' accumulators, as
// their rows would have added them (count_cycle, accumulate_metrics_cycle).
void Pmu::settle_block() {
    if (st_.cycle <= block_.begin + block_.applied) return;  // (begin is the cycle after the one that started it)
    const unsigned a = static_cast<unsigned>(block_.applied), m = static_cast<unsigned>(st_.cycle - block_.begin);
    const uint64_t k = m - a;
    const RunProgram& p = run_program_;
    // The varying events' sums over cycles [a, m): the whole block's (no read inside it) are
    // those start_block took; a read inside it sums the cycles since the last.
    std::array<uint64_t, kNumEvents> part;
    const bool whole = a == 0 && m == block_.end - block_.begin;
    if (!whole) block_events_->sum_events(p.block_events(block_.metrics), a, m, part);
    const std::array<uint64_t, kNumEvents>& sum = whole ? block_.full : part;
    for (unsigned s = 0; s < kNumCounterSlots; ++s) st_.counter[s] += p.inc[s] * k;
    for (const CycleEvent& c : p.vary) st_.counter[c.slot] += sum[c.ev];
    if (block_.metrics) {
        const uint64_t fmax = sem_.metrics_field_max();
        for (unsigned f = 0; f < kNumMetricFields; ++f) {
            uint64_t slots = 0;
            kMetricFieldEvents[f].for_each([&](unsigned e) {
                slots += cursor_.constant(e) ? cursor_.last()[e] * k : sum[e];
            });
            st_.metric_acc[f] += slots * fmax;
        }
    }
    block_.applied = m;
}

// Logically const: the registers' values do not change, only where a block's cycles are kept.
void Pmu::settle_out_of_line() const { const_cast<Pmu*>(this)->settle_block(); }

// A block that ran to its end leaves the cursor there: stepping goes on from it. Otherwise the
// cursor is past the cycle, and seeks at the next stepped one.
void Pmu::finish_block() {
    settle_block();
    if (st_.cycle != block_.end) cursor_cycle_ = kForever;
    block_.active = false;
    block_.stop = 0;
}

}  // namespace pmusim
