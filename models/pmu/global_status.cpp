// IA32_PERF_GLOBAL_CTRL / STATUS / STATUS_RESET / STATUS_SET / INUSE and the overflow path:
// carry -> GLOBAL_STATUS bit (same cycle) -> PMI (after the skid) -> freeze (SDM 18.2.2,
// 18.2.4, 17.4.7 and 17.10.2; kvm-unit-tests check_counter_overflow).
#include "models/pmu/pmu.h"

namespace pmusim {

void Pmu::write_global_ctrl(uint64_t v) {
    const uint64_t diff = st_.global_ctrl ^ v;
    st_.global_ctrl = v;
    // A counter's enable bit (SDM Table 35-2: PMCi -> i, FIXED_CTRi -> 32+i) changes its plan
    // only; bit 48 (PERF_METRICS) changes what finish_plan() derives.
    const uint32_t slots = uint32_t(diff & ((1ull << kMaxGpCounters) - 1)) |
                           uint32_t((diff >> 32) & ((1ull << kMaxFixedCounters) - 1)) << kMaxGpCounters;
    const bool bit48 = (diff >> status_bit::kPerfMetrics) & 1u;
    if (!slots && !bit48) return;  // no plan changes
    // KVM and host perf switch between a few programmings: one seen lately gives its plans.
    const Programming key = programming();
    if (take_plan_set(key, slots, bit48)) return;
    if (!replan_enables(slots) && bit48) finish_plan();
    enter_plan_set(key);
}

// Write 1 to clear. Clearing CTR_Frz unfreezes the counters (v4 streamlined freeze).
void Pmu::write_status_reset(uint64_t v) { st_.global_status &= ~v; }

// Write 1 to set (v4+). Setting CTR_Frz freezes the counters like a hardware freeze would
// (assumption, docs/semantics.md). No PMI unless semantics.status_set_raises_pmi.
void Pmu::write_status_set(uint64_t v) {
    st_.global_status |= v;
    if (sem_.status_set_raises_pmi) {
        const uint64_t sources = v & pmi_enabled_bits();
        if (sources) raise_pmi(sources);
    }
}

// SDM 18.2.4.3: PERFEVTSELi[7:0] != 0, FIXED_CTR_CTRL enables of FCi != 0, bit 63 = any PMI enable.
uint64_t Pmu::global_inuse() const {
    uint64_t v = 0;
    for (unsigned i = 0; i < cpu_.num_gp; ++i)
        if (st_.evtsel[i] & 0xff) v |= 1ull << i;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (cpu_.has_fixed(i) && ((st_.fixed_ctr_ctrl >> (4 * i)) & 0x3)) v |= 1ull << (32 + i);
    if (pmi_enabled_bits()) v |= 1ull << 63;
    return v;
}

// GLOBAL_STATUS bits whose setting by an overflow requests a PMI: GP INT (bit 20), fixed PMI
// (field bit 3); PERF_METRICS overflow follows FC3's PMI bit (docs/semantics.md assumption A3).
uint64_t Pmu::pmi_enabled_bits() const {
    uint64_t b = 0;
    for (unsigned i = 0; i < cpu_.num_gp; ++i)
        if (st_.evtsel[i] & (1ull << 20)) b |= 1ull << i;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (cpu_.has_fixed(i) && ((st_.fixed_ctr_ctrl >> (4 * i + 3)) & 1u)) b |= 1ull << (32 + i);
    if (cpu_.perf_metrics() && ((b >> 35) & 1u)) b |= 1ull << status_bit::kPerfMetrics;
    return b;
}

void Pmu::raise_pmi(uint64_t sources) {
    // Freeze on PMI (SDM 17.4.7): v4 sets CTR_Frz/LBR_Frz and counting stops while CTR_Frz is set;
    // v2/v3 clear the GLOBAL_CTRL enables instead.
    const uint64_t dbg = st_.debugctl;
    if (cpu_.version >= 4) {
        if ((dbg >> debugctl_bit::kFreezePerfmonOnPmi) & 1u) st_.global_status |= 1ull << status_bit::kCtrFrz;
        if ((dbg >> debugctl_bit::kFreezeLbrsOnPmi) & 1u) st_.global_status |= 1ull << status_bit::kLbrFrz;
    } else if ((dbg >> debugctl_bit::kFreezePerfmonOnPmi) & 1u) {
        st_.global_ctrl = 0;
        replan();
        // This can happen inside a per-cycle advance, whose next cycle must count the new plan.
        compile_cycle_terms();
    }
    pmis_.push_back({st_.cycle, sources, st_.global_status});
}

void Pmu::latch_overflow(uint64_t overflow_bits) {
    if (!overflow_bits) return;
    st_.global_status |= overflow_bits;
    const uint64_t sources = overflow_bits & pmi_enabled_bits();
    if (!sources) return;
    const uint64_t at = st_.cycle + sem_.pmi_skid;
    if (!pending_.empty() && pending_.back().cycle == at) pending_.back().sources |= sources;
    else pending_.push_back({at, sources});
}

bool Pmu::end_of_cycle(uint64_t overflow_bits) {
    latch_overflow(overflow_bits);
    bool raised = false;
    while (!pending_.empty() && pending_.front().cycle == st_.cycle) {
        raise_pmi(pending_.front().sources);
        pending_.pop_front();
        raised = true;
    }
    return raised;
}

}  // namespace pmusim
