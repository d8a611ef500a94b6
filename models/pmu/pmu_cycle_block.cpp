// Per-cycle mode's blocks of cycles, for runs whose increments have no period within the replay
// limit (rates to nine decimals: the interpreter's and pointer_chase's phases). Stepping a cycle
// walks every fractional event's carry and the slot tree's splits with their remainders in
// memory; a block takes the next cycles' increments at once, event by event and split by split
// (RunCursor::next_block), sums them into one row per cycle of every counter and PERF_METRICS
// field, and the cycles apply the rows as replayed ones (replay_cycle). Every cycle still ends in
// end_of_cycle with the state stepping gives; a re-programming, a seek or a new limit mid-block
// drops the rest of the block (stop_replay) and the cursor seeks again.
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
    if (!n) return;
    if (!block_events_) block_events_ = std::make_unique<EventBlock>();
    EventBlock& b = *block_events_;
    cursor_.next_block(n, b);

    // One row per cycle, as count_cycle and accumulate_metrics_cycle sum them; the loops run
    // over the block's cycles, a counter's (or field's) event at a time.
    ReplayTable& t = block_;
    t.rows.resize(n);
    const RunProgram& p = run_program_;
    for (unsigned j = 0; j < n; ++j) t.rows[j].ctr = p.inc;  // the run's constants
    for (const CycleEvent& c : p.vary) {
        const uint64_t* col = b.col[c.ev];
        ReplayRow* row = t.rows.data();
#pragma GCC unroll 4
        for (unsigned j = 0; j < n; ++j) row[j].ctr[c.slot] += col[j];
    }
    t.metrics = metrics_ring_ & (r ? kRing3 : kRing0);
    if (t.metrics) {
        const uint64_t fmax = sem_.metrics_field_max();
        ReplayRow* row = t.rows.data();
        for (unsigned f = 0; f < kNumMetricFields; ++f) {
            bool first = true;  // the field's first event sets the row's value, the others add
            kMetricFieldEvents[f].for_each([&](unsigned e) {
                if (cursor_.constant(e)) {  // a whole rate: the same value every cycle
                    const uint64_t x = static_cast<uint64_t>(cursor_.last()[e]) * fmax;
                    for (unsigned j = 0; j < n; ++j) row[j].metric[f] = (first ? 0 : row[j].metric[f]) + x;
                } else if (const uint64_t* col = b.col[e]; first) {
#pragma GCC unroll 4
                    for (unsigned j = 0; j < n; ++j) row[j].metric[f] = col[j] * fmax;
                } else {
#pragma GCC unroll 4
                    for (unsigned j = 0; j < n; ++j) row[j].metric[f] += col[j] * fmax;
                }
                first = false;
            });
        }
    }
    stepped_since_compile_ += n;  // the cycles count as stepped for a later periodic run's table
    replay_ = &t;
    replay_index_ = 0;
    replay_end_ = cursor_cycle_ + n;
}

}  // namespace pmusim
