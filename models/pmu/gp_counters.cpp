// IA32_PMCx, IA32_A_PMCx and IA32_PERFEVTSELx (SDM 18.2.1, 18.2.6; KUT check_rdpmc,
// check_gp_counters_write_width).
#include "models/core/event_table.h"
#include "models/pmu/pmu.h"

namespace pmusim {

// Legacy alias: the low 32 bits, sign-extended from bit 31 to the counter width (SDM 18.9.3).
void Pmu::write_pmc_legacy(unsigned i, uint64_t v) {
    const uint64_t sext = static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v & 0xffffffffull)));
    st_.counter[i] = sext & cpu_.gp_mask();
}

// Full-width alias: bits above the width were already rejected by the reserved mask.
void Pmu::write_pmc_full(unsigned i, uint64_t v) { st_.counter[i] = v & cpu_.gp_mask(); }

void Pmu::write_evtsel(unsigned i, uint64_t v) {
    if (st_.evtsel[i] == v) return;  // same programming, same plan
    st_.evtsel[i] = v;
    // With its GLOBAL_CTRL bit clear the counter is stopped before and after (KVM and perf write
    // selectors with counting stopped): its plan stays what it is.
    if (cpu_.has_global_ctrl() && !((st_.global_ctrl >> i) & 1u)) return;
    replan_slots(1u << i);
}

Pmu::CounterPlan Pmu::gp_plan(unsigned i) const {
    CounterPlan p;
    const uint64_t sel = st_.evtsel[i];
    p.width_mask = cpu_.gp_mask();
    const bool global = !cpu_.has_global_ctrl() || ((st_.global_ctrl >> i) & 1u);
    if (!(sel & evtsel::kEn) || !global) return p;
    if (sel & evtsel::kOs) p.ring_mask |= kRing0;
    if (sel & evtsel::kUsr) p.ring_mask |= kRing3;
    p.cmask = static_cast<uint8_t>(sel >> 24);
    p.inv = (sel & evtsel::kInv) && p.cmask != 0;  // INV is ignored with CMASK = 0 (SDM Fig.18-1)
    p.edge = (sel & evtsel::kEdge) != 0;
    // EQ (v6; writable only where enumerated): the CMASK test becomes "equal"; like INV it needs a
    // CMASK (assumption, docs/semantics.md).
    p.eq = (sel & evtsel::kEq) && p.cmask != 0;
    // Unknown encodings count nothing; TOPDOWN.* and model-specific encodings only where the core
    // has them; a non-zero UMASK2 selects a sub-event none of the modelled encodings has. An entry
    // for this exact CMASK/E/INV/EQ is a cycle event of its own (event_table.h).
    const uint8_t umask2 = static_cast<uint8_t>((sel & evtsel::kUmask2) >> evtsel::kUmask2Shift);
    const uint64_t key = (sel & 0xffff) | uint64_t(p.cmask) << 16 | uint64_t(p.edge) << 24 | uint64_t(umask2) << 32 |
                         uint64_t(p.inv) << 40 | uint64_t(p.eq) << 41;
    EncodingMemo& memo = enc_memo_[i];
    if (memo.key != key)
        memo = {key, find_encoding(cpu_, sel & 0xff, (sel >> 8) & 0xff, p.cmask, p.edge, umask2, p.inv, p.eq)};
    const EventEncoding* enc = memo.enc;
    if (!enc) return p;
    p.events = enc->counts;
    const bool exact = enc->cmask != 0 || enc->edge;
    p.conditional = !exact && (p.cmask != 0 || p.edge);
    return p;
}

// One cycle of a CMASK/INV/E/EQ counter: with CMASK = c the cycle counts 1 if >= c events occurred
// (EQ: exactly c; INV negates either test); E counts only the cycle where that condition becomes
// true. E with CMASK = 0 uses a threshold of 1 (assumption, docs/semantics.md).
uint64_t Pmu::conditional_increment(const CounterPlan& p, const EventVector& ev, const EventVector& prev) const {
    auto sum = [&](const EventVector& v) { return masked_sum(v, p.events); };
    const uint64_t threshold = p.cmask ? p.cmask : 1;
    auto cond = [&](const EventVector& v) {
        const uint64_t x = sum(v);
        const bool met = p.eq ? x == threshold : x >= threshold;
        return p.inv ? !met : met;
    };
    if (p.edge) return cond(ev) && !cond(prev) ? 1 : 0;
    return cond(ev) ? 1 : 0;
}

}  // namespace pmusim
