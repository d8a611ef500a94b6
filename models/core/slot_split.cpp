#include "models/core/slot_split.h"

#include <atomic>

#include "models/core/workload.h"

namespace pmusim {

namespace {

constexpr uint8_t n(Atom x) { return static_cast<uint8_t>(x); }

// Inner nodes, numbered after the atoms.
enum Inner : uint8_t {
    kRoot = kNumAtoms,
    kRetBad,    // Retiring + Bad Speculation
    kRetiring,
    kBadSpec,
    kClears,
    kFeBe,      // Frontend Bound + Backend Bound
    kFrontend,
    kBackend,
    kMemory,
    kCore,
};
static_assert(kCore + 1 == kNumSlotNodes, "one inner node per binary split");

struct Split {
    uint8_t node, first, rest;  // first: floor of its share; rest: the remainder
};
// Top-down (a node is split after its parent): Level 1, Level 2, then the hardware's attribution.
// The first child is the usually smaller one, so the larger one absorbs the rounding.
constexpr Split kSplits[kNumAtoms - 1] = {
    {kRoot, kRetBad, kFeBe},
    {kRetBad, kBadSpec, kRetiring},
    {kFeBe, kFrontend, kBackend},
    {kRetiring, n(Atom::Heavy), n(Atom::Light)},
    {kBadSpec, kClears, n(Atom::BrMispredict)},
    {kFrontend, n(Atom::FetchBandwidth), n(Atom::FetchLatency)},
    {kBackend, kCore, kMemory},
    {kClears, n(Atom::ClearsDropped), n(Atom::ClearsBadSpec)},
    {kMemory, n(Atom::MemoryBadSpec), n(Atom::Memory)},
    {kCore, n(Atom::CoreBadSpec), n(Atom::Core)},
};

using u128 = unsigned __int128;

// floor(x * num / den) for num <= den, 0 for an empty node; ratio ~ num / den. A hardware
// division costs more than the rest of fast mode's interval, so a double estimate, corrected
// exactly, replaces it: off by at most one while x < 2^51 slots (a day and more at 1 GHz), after
// which it falls back to dividing.
uint64_t share(uint64_t x, uint64_t num, uint64_t den, double ratio) {
    if (!den) return 0;
    const u128 p = static_cast<u128>(x) * num;
    const double est = static_cast<double>(x) * ratio;
    uint64_t q = est >= static_cast<double>(x) ? x : static_cast<uint64_t>(est);
    u128 qd = static_cast<u128>(q) * den;
    if (qd > p) --q, qd -= den;
    else if (p - qd >= den) ++q, qd += den;
    if (qd > p || p - qd >= den) return static_cast<uint64_t>(p / den);  // far off: divide
    return q;
}

// The root after k active cycles: floor(k x rate), a product when the rate is whole slots.
uint64_t root_count(const SlotSplit& s, uint64_t k) {
    const uint64_t r = s.rate[kRoot];
    return r % kRateDen == 0 ? k * (r / kRateDen) : floor_count(r, k);
}

// floor(x / den) for x < 2^40 with den's reciprocal: the estimate is short by at most one.
uint64_t div_small(uint64_t x, uint64_t den, uint64_t recip) {
    uint64_t q = static_cast<uint64_t>((static_cast<u128>(x) * recip) >> 64);
    if (x - q * den >= den) ++q;
    return q;
}

}  // namespace

SlotSplit make_slot_split(const std::array<uint64_t, kNumAtoms>& atom_rates) {
    SlotSplit s;
    for (unsigned i = 0; i < kNumAtoms; ++i) s.rate[i] = atom_rates[i];
    for (auto it = std::rbegin(kSplits); it != std::rend(kSplits); ++it) {  // bottom-up
        s.rate[it->node] = s.rate[it->first] + s.rate[it->rest];
        const uint64_t r = s.rate[it->node];
        s.recip[it->node] = r ? ~0ull / r : 0;
        s.ratio[it->node] = r ? static_cast<double>(s.rate[it->first]) / static_cast<double>(r) : 0.0;
    }
    static std::atomic<uint64_t> ids{0};
    s.id = ++ids;
    return s;
}

namespace {
AtomCounts compute_atom_counts(const SlotSplit& s, uint64_t k) {
    std::array<uint64_t, kNumSlotNodes> t{};
    t[kRoot] = root_count(s, k);
    for (const Split& sp : kSplits) {
        t[sp.first] = share(t[sp.node], s.rate[sp.first], s.rate[sp.node], s.ratio[sp.node]);
        t[sp.rest] = t[sp.node] - t[sp.first];
    }
    AtomCounts c;
    for (unsigned i = 0; i < kNumAtoms; ++i) c[i] = t[i];
    return c;
}
}  // namespace

// Fast mode asks for the same ends of an interval several times (each counter's overflow search
// and increment, the metric bytes), and the next interval starts where this one ended: a two-entry
// memo, least recently used out, answers most of them.
AtomCounts atom_counts(const SlotSplit& s, uint64_t k) {
    struct Entry {
        uint64_t id = 0, k = 0;
        AtomCounts c{};
    };
    thread_local std::array<Entry, 2> memo;
    thread_local unsigned lru = 0;
    for (unsigned i = 0; i < 2; ++i)
        if (memo[i].id == s.id && memo[i].k == k && s.id) {
            lru = i ^ 1;
            return memo[i].c;
        }
    const AtomCounts c = compute_atom_counts(s, k);
    if (s.id) {
        memo[lru] = {s.id, k, c};
        lru ^= 1;
    }
    return c;
}

// rem_[node] is the remainder of the division that gives the node's cumulative count: the root's
// over kRateDen, a first child's over its parent's rate.
void SlotWalker::seek(const SlotSplit& s, uint64_t k) {
    std::array<uint64_t, kNumSlotNodes> t{};
    t[kRoot] = root_count(s, k);
    rem_[kRoot] = static_cast<uint64_t>(static_cast<u128>(k) * s.rate[kRoot] % kRateDen);
    for (const Split& sp : kSplits) {
        t[sp.first] = share(t[sp.node], s.rate[sp.first], s.rate[sp.node], s.ratio[sp.node]);
        rem_[sp.first] = static_cast<uint64_t>(static_cast<u128>(t[sp.node]) * s.rate[sp.first] -
                                                static_cast<u128>(t[sp.first]) * s.rate[sp.node]);
        t[sp.rest] = t[sp.node] - t[sp.first];
    }
}

const uint64_t* SlotWalker::step(const SlotSplit& s) {
    // floor((T + d) r / R) - floor(T r / R) = (rem + d r) / R: with rates below 2^35 and d at most
    // 16 slots, the operand stays below 2^40.
    const uint64_t root = rem_[kRoot] + s.rate[kRoot];
    delta_[kRoot] = root / kRateDen;
    rem_[kRoot] = root % kRateDen;
    // Unrolled, the node numbers become constants: no index loads in the per-cycle path.
#pragma GCC unroll 16
    for (const Split& sp : kSplits) {
        const uint64_t den = s.rate[sp.node], d = delta_[sp.node];
        uint64_t q = 0;
        if (d) {  // d > 0 implies den > 0
            const uint64_t x = rem_[sp.first] + d * s.rate[sp.first];
            q = div_small(x, den, s.recip[sp.node]);
            rem_[sp.first] = x - q * den;
        }
        delta_[sp.first] = q;
        delta_[sp.rest] = d - q;
    }
    return delta_.data();  // atoms are nodes 0 .. kNumAtoms - 1
}

}  // namespace pmusim
