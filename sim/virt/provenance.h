// Provenance of the physical PMU registers (docs/virtualization.md "Provenance"): for each
// counter, selector, FIXED_CTR_CTRL field, GLOBAL_CTRL, GLOBAL_STATUS bit and PERF_METRICS field,
// the set of contexts whose events or values flowed into it. Updated per access (the access
// names its register through the one MSR decoder) and per run chunk (counting adds the owner).
#pragma once
#include <array>

#include "models/pmu/pmu.h"
#include "models/virt/vpmu.h"

namespace pmusim {

class Provenance {
public:
    explicit Provenance(const Pmu& pmu) : pmu_(pmu) {}

    // The provenance of a value just read.
    Taint of_read(AccessKind k, uint32_t index, uint64_t value) const;
    // The same for an RDMSR of the register `m` (the caller decoded it once for all its uses).
    Taint of_read(const MsrRef& m, uint64_t value) const;
    // A successful WRMSR of `value` carrying `t`; `old` is FIXED_CTR_CTRL before it, `keep` the
    // fields a read-modify-write left as found (they keep their owner).
    void on_write(uint32_t msr, uint64_t old, uint64_t value, Taint t, uint64_t keep);
    void on_write(const MsrRef& m, uint64_t old, uint64_t value, Taint t, uint64_t keep);
    // The machine ran cycles owned by `owner` and went from `before` to `after`.
    void on_chunk(const PmuState& before, const PmuState& after, int owner);
    // The same, given the slots whose counter changed (bit s: slot s; ChunkEvent::counted).
    void on_chunk(const PmuState& before, const PmuState& after, int owner, uint32_t counted);
    // KVM verified a value instead of writing it: the register takes the saved provenance.
    void verified_counter(unsigned slot, Taint t) { counter_[slot] = t; }
    void verified_status(uint64_t bits, uint64_t value, Taint t);

    Taint counter(unsigned slot) const { return counter_[slot]; }
    // The programming of a counter slot: its selector, or its FIXED_CTR_CTRL field.
    Taint control(unsigned slot) const { return slot < kMaxGpCounters ? evtsel_[slot] : fixed_field_[slot - kMaxGpCounters]; }
    // Who programmed the interrupt behind GLOBAL_STATUS bit b (0 for bits of no counter).
    Taint pmi_controller(unsigned bit) const;
    Taint global_ctrl() const { return global_ctrl_; }
    Taint metrics_field(unsigned k) const { return metrics_[k]; }
    Taint metrics_all() const;

private:
    Taint metrics_read(uint64_t v) const;
    const Pmu& pmu_;
    std::array<Taint, kNumCounterSlots> counter_{};      // data in each counter
    std::array<Taint, kMaxGpCounters> evtsel_{};         // who programmed each selector
    std::array<Taint, kMaxFixedCounters> fixed_field_{}; // who programmed each FIXED_CTR_CTRL field
    Taint global_ctrl_ = 0;
    std::array<Taint, 64> status_{};
    std::array<Taint, kNumMetricFields> metrics_{};      // each PERF_METRICS field
};

}  // namespace pmusim
