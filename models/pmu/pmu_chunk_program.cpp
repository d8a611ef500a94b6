// Fast mode's chunk program: the plans of one ring compiled into index lists, so that a chunk
// (most are a few cycles between two accesses) reads each plain event's floor count once at its
// end, the atom counts once, and sums each counter's terms without walking an event mask. The
// counts at the chunk's start are kept from the previous chunk of the same phase when it ended
// there. Same increments as chunk_increments (test ChunkProgram.*), which stays the path for
// CMASK/INV/E/EQ counters.
#include <stdexcept>

#include "models/pmu/pmu.h"

namespace pmusim {

namespace {
// PERF_METRICS' fields as (field, atoms of one of its events) pairs: a field adds the atom sums
// of its events, as accumulate_metrics adds their counts.
struct FieldAtoms {
    uint8_t field;
    uint16_t atoms;
};
const std::vector<FieldAtoms>& field_atoms() {
    static const std::vector<FieldAtoms> t = [] {
        std::vector<FieldAtoms> v;
        for (unsigned k = 0; k < kNumMetricFields; ++k) {
            if (kMetricFieldEvents[k] & ~kAtomEvents) throw std::logic_error("PERF_METRICS field of a plain event");
            kMetricFieldEvents[k].for_each([&](unsigned e) { v.push_back({uint8_t(k), atoms_of(e)}); });
        }
        return v;
    }();
    return t;
}
}  // namespace

// With GLOBAL_CTRL, a stopped counter's plan is its width whatever its control: its control is
// left out, so that programmings differing only there share a program.
Pmu::Programming Pmu::programming() const {
    Programming k;
    k.global_ctrl = st_.global_ctrl;
    const bool global = cpu_.has_global_ctrl();
    for (unsigned i = 0; i < kMaxGpCounters; ++i)
        k.evtsel[i] = !global || ((st_.global_ctrl >> i) & 1u) ? st_.evtsel[i] : 0;
    for (unsigned i = 0; i < kMaxFixedCounters; ++i)
        if (!global || ((st_.global_ctrl >> (32 + i)) & 1u)) k.fixed_ctr_ctrl |= st_.fixed_ctr_ctrl & (0xfull << (4 * i));
    return k;
}

Pmu::PlanSet& Pmu::current_plan_set() {
    if (plan_set_ != kNoPlanSet) return plan_sets_[plan_set_];
    const Programming key = programming();
    for (unsigned i = 0; i < kPlanSets; ++i)
        if (plan_sets_[i].valid && plan_sets_[i].key == key) return plan_sets_[plan_set_ = uint8_t(i)];
    return enter_plan_set(key);
}

// The current plans, which `key` gives, in the entry replaced next.
Pmu::PlanSet& Pmu::enter_plan_set(const Programming& key) {
    const unsigned i = plan_set_next_;
    plan_set_next_ = (i + 1) % kPlanSets;
    PlanSet& s = plan_sets_[i];
    s.valid = true;
    s.key = key;
    s.plan = plan_;
    for (ChunkProgram& c : s.chunk) c.compiled = false;
    plan_set_ = uint8_t(i);
    return s;
}

const Pmu::ChunkProgram& Pmu::chunk_program(uint8_t ring) {
    ChunkProgram& p = current_plan_set().chunk[ring == kRing0 ? 0 : 1];
    if (!p.compiled) compile_chunk_program(p, ring);
    return p;
}

// From the current plans.
void Pmu::compile_chunk_program(ChunkProgram& p, uint8_t ring) const {
    p.compiled = true;
    p.general = false;
    p.metrics = (metrics_ring_ & ring) != 0;
    p.plain.clear();
    p.atom_events.clear();
    p.slots.clear();
    p.terms.clear();
    EventMask needed = 0;
    for (uint8_t s : active_) {
        const CounterPlan& c = plan_[s];
        if (!(c.ring_mask & ring)) continue;
        if (c.conditional) p.general = true;
        needed |= c.events;
    }
    p.plain_mask = needed & ~kAtomEvents;
    p.plain_mask.for_each([&](unsigned e) { p.plain.push_back(uint8_t(e)); });
    std::array<uint8_t, kNumEvents> value{};  // each read event's value index
    for (unsigned j = 0; j < p.plain.size(); ++j) value[p.plain[j]] = uint8_t(j);
    (needed & kAtomEvents).for_each([&](unsigned e) {
        value[e] = uint8_t(p.plain.size() + p.atom_events.size());
        p.atom_events.push_back(atoms_of(e));
    });
    p.atoms = p.metrics || !p.atom_events.empty();
    for (uint8_t s : active_) {
        const CounterPlan& c = plan_[s];
        if (!(c.ring_mask & ring) || !c.events) continue;  // counts nothing: adds 0
        const size_t first = p.terms.size();
        c.events.for_each([&](unsigned e) { p.terms.push_back(value[e]); });
        p.slots.push_back({s, uint16_t(first), uint16_t(p.terms.size() - first)});
    }
}

bool Pmu::count_chunk_program(const ChunkProgram& p, const Run& run, uint64_t a, uint64_t b) {
    if (p.slots.empty() && !p.metrics) return true;
    const Phase& ph = *run.phase;
    const uint64_t ka = run.active_begin + (a - run.begin), kb = ka + (b - a);
    ProgramEnd& c = program_end_;
    const bool at_ka = ph.slots.id && c.phase == &ph && c.slots_id == ph.slots.id && c.k == ka;
    const bool plain_kept = at_ka && c.plain == p.plain_mask, atoms_kept = at_ka && c.atoms;
    uint64_t value[kNumEvents];
    unsigned j = 0;
    for (uint8_t e : p.plain) {
        const uint64_t rate = ph.rate[e], end = floor_count(rate, kb);
        value[j++] = end - (plain_kept ? c.cum[e] : floor_count(rate, ka));
        c.cum[e] = end;
    }
    AtomCounts d{};
    if (p.atoms) {
        const AtomCounts start = atoms_kept ? c.atom : atom_counts(ph.slots, ka);
        c.atom = atom_counts(ph.slots, kb);
        for (unsigned i = 0; i < kNumAtoms; ++i) d[i] = c.atom[i] - start[i];
    }
    for (uint16_t atoms : p.atom_events) value[j++] = atom_sum(d, atoms);
    c.phase = &ph;
    c.slots_id = ph.slots.id;
    c.k = kb;
    c.plain = p.plain_mask;
    c.atoms = p.atoms;
    std::array<uint64_t, kNumCounterSlots> inc;
    for (const ChunkProgram::Slot& s : p.slots) {
        uint64_t n = 0;
        for (unsigned t = s.first; t < unsigned(s.first) + s.count; ++t) n += value[p.terms[t]];
        if (n > plan_[s.slot].width_mask - st_.counter[s.slot]) return false;  // a carry: split the chunk
        inc[s.slot] = n;
    }
    for (const ChunkProgram::Slot& s : p.slots) st_.counter[s.slot] += inc[s.slot];  // within the width
    if (p.metrics) {
        const uint64_t fmax = sem_.metrics_field_max();
        std::array<uint64_t, kNumMetricFields> f{};
        for (const FieldAtoms& x : field_atoms()) f[x.field] += atom_sum(d, x.atoms);
        for (unsigned k = 0; k < kNumMetricFields; ++k) st_.metric_acc[k] += static_cast<unsigned __int128>(f[k]) * fmax;
    }
    return true;
}

}  // namespace pmusim
