#include "sim/virt/provenance.h"

namespace pmusim {

namespace {
uint64_t field_of(const Semantics& s, uint64_t v, unsigned k) {
    const unsigned b = s.metrics_field_bits;
    return b * k >= 64 ? 0 : (v >> (b * k)) & s.metrics_field_max();
}
}  // namespace

Taint Provenance::metrics_all() const {
    Taint t = 0;
    for (auto m : metrics_) t |= m;
    return t;
}

// A PERF_METRICS value carries its non-zero fields and FIXED_CTR3, against which it is computed.
Taint Provenance::metrics_read(uint64_t v) const {
    Taint t = 0;
    for (unsigned f = 0; f < kNumMetricFields; ++f)
        if (field_of(pmu_.semantics(), v, f)) t |= metrics_[f];
    if (v && pmu_.counter(fixed_slot(3))) t |= counter_[fixed_slot(3)];
    return t;
}

Taint Provenance::of_read(AccessKind k, uint32_t idx, uint64_t value) const {
    if (k == AccessKind::Rdpmc) {
        const RdpmcRef r = decode_rdpmc(idx);
        switch (r.type) {
            case RdpmcRef::Type::Metrics: return metrics_read(value);
            case RdpmcRef::Type::Fixed: return r.index < kMaxFixedCounters ? counter_[r.slot()] : 0;
            case RdpmcRef::Type::Gp: return r.index < kMaxGpCounters ? counter_[r.slot()] : 0;
            case RdpmcRef::Type::Invalid: return 0;
        }
    }
    MsrRef m;
    return decode_msr(idx, m) ? of_read(m, value) : 0;
}

Taint Provenance::of_read(const MsrRef& m, uint64_t value) const {
    if (m.is_counter()) return counter_[m.slot()];
    switch (m.kind) {
        case RegKind::PerfEvtSel: return evtsel_[m.index];
        case RegKind::FixedCtrCtrl: {
            Taint t = 0;
            for (unsigned f = 0; f < kMaxFixedCounters; ++f)
                if (fixed_field::of(value, f)) t |= fixed_field_[f];
            return t;
        }
        case RegKind::GlobalCtrl: return global_ctrl_;
        case RegKind::GlobalStatus: {
            Taint t = 0;
            for (uint64_t b = value; b; b &= b - 1) t |= status_[unsigned(__builtin_ctzll(b))];
            return t;
        }
        case RegKind::PerfMetrics: return metrics_read(value);
        default: return 0;
    }
}

void Provenance::on_write(uint32_t a, uint64_t old, uint64_t v, Taint t, uint64_t keep) {
    MsrRef m;
    if (decode_msr(a, m)) on_write(m, old, v, t, keep);
}

void Provenance::on_write(const MsrRef& m, uint64_t old, uint64_t v, Taint t, uint64_t keep) {
    if (m.is_counter()) {
        counter_[m.slot()] = v ? t : 0;
        return;
    }
    switch (m.kind) {
        case RegKind::PerfEvtSel: evtsel_[m.index] = (v & evtsel::kEn) ? t : 0; break;
        case RegKind::FixedCtrCtrl:
            for (unsigned f = 0; f < kMaxFixedCounters; ++f) {
                const uint64_t nf = fixed_field::of(v, f);
                if (nf == 0) fixed_field_[f] = 0;
                else if (!(fixed_field::of(keep, f) == 0xf && nf == fixed_field::of(old, f))) fixed_field_[f] = t;
            }
            break;
        case RegKind::GlobalCtrl: global_ctrl_ = v ? t : 0; break;
        case RegKind::GlobalStatusReset:
            for (uint64_t b = v; b; b &= b - 1) status_[unsigned(__builtin_ctzll(b))] = 0;
            break;
        case RegKind::GlobalStatusSet:
            for (uint64_t b = v; b; b &= b - 1) status_[unsigned(__builtin_ctzll(b))] = t;
            break;
        case RegKind::PerfMetrics: {
            // The fields are re-seeded relative to the FIXED_CTR3 in hardware (semantics.md).
            const bool fc3 = pmu_.counter(fixed_slot(3)) != 0;
            for (unsigned f = 0; f < kNumMetricFields; ++f)
                metrics_[f] = field_of(pmu_.semantics(), v, f) ? (t | (fc3 ? counter_[fixed_slot(3)] : 0)) : 0;
            break;
        }
        default: break;
    }
}

void Provenance::verified_status(uint64_t bits, uint64_t value, Taint t) {
    for (uint64_t b = bits; b; b &= b - 1) {
        const unsigned i = unsigned(__builtin_ctzll(b));
        status_[i] = ((value >> i) & 1u) ? t : 0;
    }
}

Taint Provenance::pmi_controller(unsigned b) const {
    if (b < kMaxGpCounters) return evtsel_[b];
    if (b >= 32 && b < 32 + kMaxFixedCounters) return fixed_field_[b - 32];
    if (b == status_bit::kPerfMetrics) return fixed_field_[3];
    return 0;
}

void Provenance::on_chunk(const PmuState& before, const PmuState& after, int owner) {
    uint32_t counted = 0;
    for (unsigned s = 0; s < kNumCounterSlots; ++s)
        if (after.counter[s] != before.counter[s]) counted |= 1u << s;
    on_chunk(before, after, owner, counted);
}

void Provenance::on_chunk(const PmuState& before, const PmuState& after, int owner, uint32_t counted) {
    const Taint own = taint_of(owner);
    for (uint32_t m = counted; m; m &= m - 1) counter_[__builtin_ctz(m)] |= own;
    if (((counted >> fixed_slot(3)) & 1u) && ((after.global_ctrl >> status_bit::kPerfMetrics) & 1u))
        for (auto& t : metrics_) t |= own;
    // A newly set overflow bit carries the owner and what flowed into its counter.
    for (uint64_t newly = after.global_status & ~before.global_status; newly; newly &= newly - 1) {
        const unsigned b = unsigned(__builtin_ctzll(newly));
        Taint t = own;
        if (b < kMaxGpCounters) t |= counter_[b];
        else if (b >= 32 && b < 32 + kMaxFixedCounters) t |= counter_[fixed_slot(b - 32)];
        else if (b == status_bit::kPerfMetrics) t |= counter_[fixed_slot(3)] | metrics_all();
        status_[b] = t;
    }
}

}  // namespace pmusim
