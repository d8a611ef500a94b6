// What each perf operation's result does (SoftDone, sim/virt/perf_software.h): the one dispatch
// of the completions PerfModel queues with its operations (sim/perf/perf_model.cpp).
#include <functional>

#include "models/pmu/register_table.h"
#include "sim/perf/perf_model.h"

namespace pmusim {

uint32_t PerfModel::code_of(const Counter& c) const {
    const bool counting = !counters_.empty() && std::less_equal<>()(counters_.data(), &c) &&
                          std::less<>()(&c, counters_.data() + counters_.size());
    if (counting) return uint32_t(&c - counters_.data()) << 1;
    return uint32_t(&c - tma_counters_.data()) << 1 | 1u;
}

// What each operation's result does (the operations are queued before they run, so their
// results arrive here later, in queue order).
void PerfModel::complete(const SoftDone& d, uint64_t v, uint64_t cycle) {
    using K = SoftDone::Kind;
    switch (d.kind) {
        case K::None: break;
        case K::ReadCounter: {
            // Deltas modulo the counter width, as x86_perf_event_update; its time on the PMU.
            const bool tma = d.arg & 1;
            const size_t i = size_t(d.arg >> 2);
            Counter& c = (tma ? tma_counters_ : counters_)[i];
            (tma ? tma_totals : totals)[i] += (v - c.last) & mask(c);
            c.last = v;
            c.running += cycle > c.since ? cycle - c.since : 0;
            c.since = cycle;
            if (d.arg & 2) pending_.to[i] = cycle;
            break;
        }
        case K::ZeroCounter: {
            Counter& c = counter_of(d.arg);
            c.last = 0;
            c.since = cycle;
            break;
        }
        case K::TopdownReset: td_reset_at_ = cycle; break;
        case K::ReadSlots:
            pending_.slots = v;
            pending_.td_to = cycle;
            break;
        case K::ReadMetrics:
            pending_.metrics = v;
            if (s_.metrics_clear) td_reset_at_ = cycle;
            break;
        case K::SaveSlots: saved_slots_ = v; break;
        case K::SaveMetrics: saved_metric_ = v; break;
        case K::SaveSample: sample_left_ = v; break;
        case K::FixedRmw: {
            SoftOp w{SoftOp::Kind::Wrmsr, msr::kFixedCtrCtrl, (v & ~fixed_mask_) | (d.arg ? fixed_on_ : 0), {}, "fixed fields (read-modify-write)"};
            w.keep = ~fixed_mask_;
            d.q->push_front(w);
            break;
        }
        case K::Status: status_read(*d.q, v, d.arg != 0); break;
        case K::FinishReading: finish_reading(cycle); break;
        case K::ScheduledIn: in_ = d.arg != 0; break;
    }
}

}  // namespace pmusim
