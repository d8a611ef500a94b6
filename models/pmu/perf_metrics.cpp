// IA32_PERF_METRICS (0x329): eight 8-bit fractions of TOPDOWN.SLOTS (linux topdown.txt;
// perf_event.h INTEL_TD_METRIC_*). The hardware mechanism is not public; the model keeps hidden
// per-field slot accumulators (docs/semantics.md assumption A1). The field width
// is a what-if parameter (Semantics::metrics_field_bits, hardware 8).
#include "models/pmu/pmu.h"

namespace pmusim {

// The bytes count slots as the hardware attributes them (Hw* events), which is where the
// UOP_DROPPING / CLEARS_COUNT corrections of the TMA formulas come from (docs/tma.md). The four
// Level-1 masks cover every slot atom once, so their slots add up to FC3's in every cycle
// (docs/workloads.md "Slot accounting").
namespace {
constexpr std::array<EventMask, kNumMetricFields> kFieldEvents = {
    bit(Event::SlotsLightOps) | bit(Event::SlotsHeavyOps),  // 7:0   Retiring
    bit(Event::HwBadSpec),                                  // 15:8  Bad Speculation
    bit(Event::HwFrontend),                                 // 23:16 Frontend Bound
    bit(Event::HwBackend),                                  // 31:24 Backend Bound
    bit(Event::SlotsHeavyOps),                              // 39:32 Heavy Operations
    bit(Event::SlotsBrMispredict),                          // 47:40 Branch Mispredicts
    bit(Event::HwFetchLatency),                             // 55:48 Fetch Latency
    bit(Event::HwMemoryBound),                              // 63:56 Memory Bound
};

// Per-cycle mode's form of the table: (field, event) pairs, a constant the compiler unrolls.
struct MetricAdd { uint8_t field, ev; };
constexpr unsigned kNumMetricAdds = [] {
    unsigned n = 0;
    for (const EventMask& m : kFieldEvents) n += m.count();
    return n;
}();
constexpr std::array<MetricAdd, kNumMetricAdds> kMetricAdds = [] {
    std::array<MetricAdd, kNumMetricAdds> a{};
    unsigned n = 0;
    for (unsigned k = 0; k < kNumMetricFields; ++k)
        for (unsigned e = 0; e < kNumEvents; ++e)
            if (kFieldEvents[k].test(e)) a[n++] = {uint8_t(k), uint8_t(e)};
    return a;
}();
}  // namespace

const std::array<EventMask, kNumMetricFields> kMetricFieldEvents = kFieldEvents;
const std::array<const char*, kNumMetricFields> kMetricFieldNames = {
    "retiring", "bad_speculation", "frontend_bound", "backend_bound",
    "heavy_operations", "branch_mispredicts", "fetch_latency", "memory_bound"};

unsigned Pmu::perf_metrics_fields() const {
    const unsigned cpu_fields = cpu_.l2_metrics ? 8 : 4;
    return std::min(cpu_fields, 64u / sem_.metrics_field_bits);
}

namespace {
uint64_t field_mask(unsigned fields, unsigned bits) {
    const unsigned used = fields * bits;
    return used >= 64 ? ~0ull : (1ull << used) - 1;
}
}  // namespace

// Each field reads round(F * slots_k / FC3) with F = 2^bits - 1; with FC3 = 0 the last written
// value reads back. Fields the CPU lacks read 0 (docs/semantics.md assumption A5).
uint64_t Pmu::perf_metrics_value() const {
    settle();
    const uint64_t fc3 = st_.counter[fixed_slot(3)];
    const unsigned fields = perf_metrics_fields(), bits = sem_.metrics_field_bits;
    const uint64_t fmax = sem_.metrics_field_max();
    if (fc3 == 0) return st_.perf_metrics_written & field_mask(fields, bits);
    uint64_t v = 0;
    for (unsigned k = 0; k < fields; ++k) {
        // metric_acc holds F x slots, so the field is acc / FC3, rounded half up.
        // A 64-bit division while the sum fits (below 2^64 / F slots): the same quotient, no __udivti3.
        const unsigned __int128 x = st_.metric_acc[k] + fc3 / 2;
        unsigned __int128 f = (x >> 64) ? x / fc3 : static_cast<uint64_t>(x) / fc3;
        if (f > fmax) f = fmax;
        v |= static_cast<uint64_t>(f) << (bits * k);
    }
    return v;
}

// Re-seed the accumulators against the current FC3, so the value reads back unchanged while no
// slots pass. FC3 must therefore be written first (EV-INTEL icl_update_topdown_event comment).
void Pmu::write_perf_metrics(uint64_t v) {
    st_.perf_metrics_written = v;
    const uint64_t fc3 = st_.counter[fixed_slot(3)];
    const unsigned fields = perf_metrics_fields(), bits = sem_.metrics_field_bits;
    const uint64_t fmax = sem_.metrics_field_max();
    st_.metric_acc.fill(0);
    for (unsigned k = 0; k < fields; ++k)
        st_.metric_acc[k] = static_cast<unsigned __int128>((v >> (bits * k)) & fmax) * fc3;
}

void Pmu::accumulate_metrics(const EventVector& ev) {
    const uint64_t fmax = sem_.metrics_field_max();
    for (unsigned k = 0; k < kNumMetricFields; ++k)
        st_.metric_acc[k] += static_cast<unsigned __int128>(masked_sum(ev, kMetricFieldEvents[k])) * fmax;
}

// One cycle of per-cycle mode: the fields' events as constant index pairs (no mask walk).
void Pmu::accumulate_metrics_cycle(const EventVector& ev) {
    const uint64_t fmax = sem_.metrics_field_max();
    const uint64_t* e = ev.data();
#pragma GCC unroll 16
    for (const MetricAdd& a : kMetricAdds)  // a cycle's slots x F fit in 64 bits
        st_.metric_acc[a.field] += static_cast<unsigned __int128>(e[a.ev] * fmax);
}

EventMask Pmu::metric_events_all() {
    static const EventMask all = [] {
        EventMask m = 0;
        for (EventMask f : kMetricFieldEvents) m |= f;
        return m;
    }();
    return all;
}

void Pmu::accumulate_metrics(const Run& r, uint64_t a, uint64_t b) {
    EventVector ev = EventVector::Zero();
    add_run_counts(r, metric_events_all(), a, b, ev);  // the slot tree once for all fields
    accumulate_metrics(ev);
}

// Lunar Lake RDPMC metrics-clear mode: FIXED_CTR_CTRL bit 14 with PERF_CAPABILITIES[19] (KAN-CLR).
bool Pmu::metrics_clear_mode() const {
    return cpu_.metrics_clear() && ((st_.fixed_ctr_ctrl >> 14) & 1u);
}

void Pmu::clear_metrics_after_rdpmc() {
    st_.counter[fixed_slot(3)] = 0;
    st_.metric_acc.fill(0);
    st_.perf_metrics_written = 0;
}

}  // namespace pmusim
