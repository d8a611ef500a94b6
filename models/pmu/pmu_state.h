// Architectural PMU state as plain data: what a context switch snapshots and restores.
// Behaviour (write rules, overflow -> status -> PMI, PERF_METRICS derivation) lives in pmu.h.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "models/cpu/cpu_config.h"

namespace pmusim {

// Counter slots: 0..9 = GP counters, 10..13 = fixed counters 0..3.
constexpr unsigned kNumCounterSlots = kMaxGpCounters + kMaxFixedCounters;
constexpr unsigned fixed_slot(unsigned i) { return kMaxGpCounters + i; }
// GLOBAL_CTRL/STATUS bit of a counter slot (SDM Table 35-2: PMCi -> bit i, FIXED_CTRi -> 32+i).
constexpr unsigned status_bit_of_slot(unsigned s) { return s < kMaxGpCounters ? s : 32 + (s - kMaxGpCounters); }

// IA32_PERF_GLOBAL_STATUS bits beyond the counters (SDM Table 35-2; perf_event.h).
namespace status_bit {
constexpr unsigned kPerfMetrics = 48;
constexpr unsigned kTraceToPA = 55;
constexpr unsigned kLbrFrz = 58;
constexpr unsigned kCtrFrz = 59;
constexpr unsigned kAsci = 60;
constexpr unsigned kOvfUncore = 61;
constexpr unsigned kOvfBuf = 62;
constexpr unsigned kCondChgd = 63;
}  // namespace status_bit

// IA32_DEBUGCTL bits the PMU reacts to (SDM 17.4.1).
namespace debugctl_bit {
constexpr unsigned kFreezeLbrsOnPmi = 11;
constexpr unsigned kFreezePerfmonOnPmi = 12;
constexpr unsigned kFreezeWhileSmm = 14;
}  // namespace debugctl_bit

constexpr unsigned kNumMetricFields = 8;  // PERF_METRICS bytes

struct PmuState {
    std::array<uint64_t, kNumCounterSlots> counter{};  // masked to the counter width
    std::array<uint64_t, kMaxGpCounters> evtsel{};
    uint64_t fixed_ctr_ctrl = 0;
    uint64_t global_ctrl = 0;
    uint64_t global_status = 0;
    uint64_t debugctl = 0;
    // PERF_METRICS hidden state (docs/semantics.md assumption A1): per field, F x (slots of that
    // category), so that a written fraction is exact: acc = field * FC3.
    std::array<unsigned __int128, kNumMetricFields> metric_acc{};
    uint64_t perf_metrics_written = 0;  // returned while FIXED_CTR3 reads 0
    uint64_t cycle = 0;                 // cycles accounted so far
};

// A PMI request as the local APIC would see it.
struct PmiRecord {
    uint64_t cycle;     // cycle at whose end the PMI is raised
    uint64_t sources;   // GLOBAL_STATUS bits that requested it
    uint64_t status;    // GLOBAL_STATUS after the raise
};

}  // namespace pmusim
