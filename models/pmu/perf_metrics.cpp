// IA32_PERF_METRICS (0x329): eight 8-bit fractions of TOPDOWN.SLOTS (linux topdown.txt;
// perf_event.h INTEL_TD_METRIC_*). The hardware mechanism is not public; the model keeps hidden
// per-field slot accumulators (DESIGN.md semantic default 1, docs/semantics.md).
#include "models/pmu/pmu.h"

namespace pmusim {

const std::array<EventMask, kNumMetricFields> kMetricFieldEvents = {
    bit(Event::SlotsLightOps) | bit(Event::SlotsHeavyOps),           // 7:0   Retiring
    bit(Event::SlotsBrMispredict) | bit(Event::SlotsMachineClears),  // 15:8  Bad Speculation
    bit(Event::SlotsFetchLatency) | bit(Event::SlotsFetchBandwidth), // 23:16 Frontend Bound
    bit(Event::SlotsMemoryBound) | bit(Event::SlotsCoreBound),       // 31:24 Backend Bound
    bit(Event::SlotsHeavyOps),                                       // 39:32 Heavy Operations
    bit(Event::SlotsBrMispredict),                                   // 47:40 Branch Mispredicts
    bit(Event::SlotsFetchLatency),                                   // 55:48 Fetch Latency
    bit(Event::SlotsMemoryBound),                                    // 63:56 Memory Bound
};
const std::array<const char*, kNumMetricFields> kMetricFieldNames = {
    "retiring", "bad_speculation", "frontend_bound", "backend_bound",
    "heavy_operations", "branch_mispredicts", "fetch_latency", "memory_bound"};

// Each field reads round(255 * slots_k / FC3); with FC3 = 0 the last written value reads back.
// Bits 63:32 read 0 where the CPU has no level-2 metrics (DESIGN.md semantic default 5).
uint64_t Pmu::perf_metrics_value() const {
    const uint64_t fc3 = st_.counter[fixed_slot(3)];
    const unsigned fields = cpu_.l2_metrics ? 8 : 4;
    if (fc3 == 0) return fields == 8 ? st_.perf_metrics_written : st_.perf_metrics_written & 0xffffffffull;
    uint64_t v = 0;
    for (unsigned k = 0; k < fields; ++k) {
        // metric_acc holds 255 x slots, so the fraction is acc / FC3, rounded half up.
        unsigned __int128 f = (st_.metric_acc[k] + fc3 / 2) / fc3;
        if (f > 255) f = 255;
        v |= static_cast<uint64_t>(f) << (8 * k);
    }
    return v;
}

// Re-seed the accumulators against the current FC3, so the value reads back unchanged while no
// slots pass. FC3 must therefore be written first (EV-INTEL icl_update_topdown_event comment).
void Pmu::write_perf_metrics(uint64_t v) {
    st_.perf_metrics_written = v;
    const uint64_t fc3 = st_.counter[fixed_slot(3)];
    for (unsigned k = 0; k < kNumMetricFields; ++k)
        st_.metric_acc[k] = static_cast<unsigned __int128>((v >> (8 * k)) & 0xff) * fc3;
}

void Pmu::accumulate_metrics(const EventVector& ev) {
    for (unsigned k = 0; k < kNumMetricFields; ++k) {
        uint64_t s = 0;
        for (EventMask m = kMetricFieldEvents[k]; m; m &= m - 1) s += ev[__builtin_ctz(m)];
        st_.metric_acc[k] += static_cast<unsigned __int128>(s) * 255u;
    }
}

void Pmu::accumulate_metrics(const Run& r, uint64_t a, uint64_t b) {
    for (unsigned k = 0; k < kNumMetricFields; ++k)
        st_.metric_acc[k] += static_cast<unsigned __int128>(run_count_mask(r, kMetricFieldEvents[k], a, b)) * 255u;
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
