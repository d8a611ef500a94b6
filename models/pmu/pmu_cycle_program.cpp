// Per-cycle mode's compiled form of the counter plans. Compiled once per programming
// (compile_cycle_terms: index lists per ring, no event mask left to walk), then once per run of the
// workload (build_run_program: what is constant in the run is summed once), so that a cycle adds
// one constant per counter, plus the events that vary, and tests all counters' carries at once.
#include "models/pmu/pmu.h"

namespace pmusim {

void Pmu::compile_cycle_terms() {
    cycle_terms_stale_ = false;
    run_program_.run = ~0ull;  // rebuilt at the next cycle
    stop_replay();             // the tables stay: each is kept with the program it was built for
    stepped_since_compile_ = 0;
    term_events_.clear();
    for (unsigned r = 0; r < 2; ++r) cycle_events_[r].clear(), cycle_terms_[r].clear();
    // The per-cycle cursor produces only what the counters and the metric bytes read.
    EventMask needed = 0;
    for (uint8_t s : active_) needed |= plan_[s].events;
    if (metrics_ring_) needed |= metric_events_all();
    // A new mask also needs the previous cycle's events (edge detect) in full: re-seek.
    if (cursor_.set_mask(needed)) cursor_cycle_ = kForever;
    // Only edge detect reads the cycle before; without it the cursor keeps one buffer.
    bool edge = false;
    for (uint8_t s : active_) edge |= plan_[s].conditional && plan_[s].edge;
    if (cursor_.set_keep_previous(edge)) cursor_cycle_ = kForever;
    for (uint8_t s : active_) {
        const CounterPlan& p = plan_[s];
        if (!p.events.count() && !p.conditional) continue;  // counts nothing (an unknown encoding)
        for (unsigned r = 0; r < 2; ++r) {
            if (!(p.ring_mask & (r ? kRing3 : kRing0))) continue;
            // A 64-bit counter carries when it wraps, which its bits above the width cannot show.
            if (!p.conditional && p.width_mask != ~0ull) {
                p.events.for_each([&](unsigned e) { cycle_events_[r].push_back({s, static_cast<uint8_t>(e)}); });
                continue;
            }
            CycleTerm t;
            t.slot = s;
            t.conditional = p.conditional;
            t.first = static_cast<uint16_t>(term_events_.size());
            p.events.for_each([&](unsigned e) { term_events_.push_back(static_cast<uint8_t>(e)); });
            t.count = static_cast<uint16_t>(term_events_.size() - t.first);
            cycle_terms_[r].push_back(t);
        }
    }
}

// At the first cycle of the cursor's run (`ev` is that cycle's events): each dense counter's
// constant events summed, the others listed.
void Pmu::build_run_program(const EventVector& ev, unsigned r) {
    RunProgram& p = run_program_;
    p.inc.fill(0);
    p.above.fill(0);
    p.vary.clear();
    p.vary_events = p.metric_vary = 0;
    for (const CycleEvent& c : cycle_events_[r]) {
        p.above[c.slot] = ~plan_[c.slot].width_mask;
        if (cursor_.constant(c.ev)) p.inc[c.slot] += ev[c.ev];
        else p.vary.push_back(c), p.vary_events |= EventMask::of(c.ev);
    }
    if (metrics_ring_)
        metric_events_all().for_each([&](unsigned e) {
            if (!cursor_.constant(e)) p.metric_vary |= EventMask::of(e);
        });
    p.run = cursor_.run_serial();
    p.stepped = 0;
    p.period = 0;
    p.replay = RunProgram::kTry;
}

// A dense counter never holds more than its width before a cycle, so bits above it after the
// cycle's add are its carry out of bit W-1 (a cycle adds far less than 2^63).
uint64_t Pmu::take_carries() {
    uint64_t ovf = 0;
    for (unsigned s = 0; s < kNumCounterSlots; ++s)
        if (st_.counter[s] & run_program_.above[s]) {
            ovf |= 1ull << status_bit_of_slot(s);
            st_.counter[s] &= ~run_program_.above[s];
        }
    return ovf;
}

}  // namespace pmusim
