#include "models/core/slot_split.h"

#include <algorithm>
#include <atomic>
#include <stdexcept>
#include <string>

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

// An inner node's share of its count for its first child; an empty node (rate 0) gives 0.
uint64_t share(const SlotSplit& s, const Split& sp, uint64_t x) {
    const uint64_t den = s.rate[sp.node];
    return slot_share(x, s.rate[sp.first], den ? den : ~0ull, s.inverse[sp.node]);
}

// The root after k active cycles: floor(k x rate), a product when the rate is whole slots.
uint64_t root_count(const SlotSplit& s, uint64_t k) {
    const uint64_t r = s.rate[kRoot];
    return r % kRateDen == 0 ? k * (r / kRateDen) : floor_count(r, k);
}

}  // namespace

uint64_t slot_share_inverse(uint64_t num, uint64_t den) {
    if (num >= den) return ~0ull;
    return static_cast<uint64_t>((static_cast<u128>(num) << 64) / den);
}

SlotSplit make_slot_split(const std::array<uint64_t, kNumAtoms>& atom_rates) {
    SlotSplit s;
    for (unsigned i = 0; i < kNumAtoms; ++i) s.rate[i] = atom_rates[i];
    for (auto it = std::rbegin(kSplits); it != std::rend(kSplits); ++it) {  // bottom-up
        s.rate[it->node] = s.rate[it->first] + s.rate[it->rest];
        const uint64_t r = s.rate[it->node];
        s.inverse[it->node] = r ? slot_share_inverse(s.rate[it->first], r) : 0;
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
        t[sp.first] = share(s, sp, t[sp.node]);
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
    if (table_id_ != s.id || !s.id) tabulate(s);
    std::array<uint64_t, kNumSlotNodes> t{};
    t[kRoot] = root_count(s, k);
    rem_[kRoot] = static_cast<uint64_t>(static_cast<u128>(k) * s.rate[kRoot] % kRateDen);
    for (const Split& sp : kSplits) {
        t[sp.first] = share(s, sp, t[sp.node]);
        rem_[sp.first] = static_cast<uint64_t>(static_cast<u128>(t[sp.node]) * s.rate[sp.first] -
                                                static_cast<u128>(t[sp.first]) * s.rate[sp.node]);
        t[sp.rest] = t[sp.node] - t[sp.first];
    }
}

// Entry d of split i: d x first child's rate as a quotient and remainder of the node's rate; the
// root's entry 1: one cycle's slots rate over kRateDen.
void SlotWalker::tabulate(const SlotSplit& s) {
    if (s.rate[kRoot] > kMaxStep * kRateDen)
        throw std::invalid_argument("slot tree: " + std::to_string(s.rate[kRoot]) + "/" + std::to_string(kRateDen) +
                                    " slots per cycle, more than " + std::to_string(kMaxStep));
    table_[0][1] = {s.rate[kRoot] / kRateDen, s.rate[kRoot] % kRateDen};
    den_[0] = kRateDen;
    for (unsigned i = 0; i + 1 < kNumAtoms; ++i) {
        const Split& sp = kSplits[i];
        const uint64_t den = s.rate[sp.node], rate = s.rate[sp.first];
        den_[i + 1] = den ? den : ~0ull;  // an empty node only ever gets d = 0: never carries
        for (unsigned d = 0; d <= kMaxStep; ++d)
            table_[i + 1][d] = den ? Share{d * rate / den, d * rate % den} : Share{0, 0};
    }
    table_id_ = s.id;
}

const uint64_t* SlotWalker::step() {
    // (rem + d r) / R = q_d + (rem + r_d) / R with d r = q_d R + r_d and rem, r_d < R: the second
    // term is 0 or 1. Unrolled, the node numbers become constants: no index loads.
    auto share_of = [this](unsigned i, uint8_t first, uint64_t d) {
        const Share& t = table_[i][d];
        const uint64_t x = rem_[first] + t.r, den = den_[i];
        const uint64_t c = x >= den;
        rem_[first] = c ? x - den : x;
        return t.q + c;
    };
    delta_[kRoot] = share_of(0, kRoot, 1);
#pragma GCC unroll 16
    for (unsigned i = 0; i + 1 < kNumAtoms; ++i) {
        const Split& sp = kSplits[i];
        const uint64_t d = delta_[sp.node], q = share_of(i + 1, sp.first, d);
        delta_[sp.first] = q;
        delta_[sp.rest] = d - q;
    }
    return delta_.data();  // atoms are nodes 0 .. kNumAtoms - 1
}

// The same recurrence as step(), a split at a time over the block.
void SlotWalker::step_block(unsigned n, BlockColumn* cols) {
    auto split = [n](const Share* tab, uint64_t den, uint64_t& rem_ref, const uint64_t* in, uint64_t* first,
                     uint64_t* rest) {
        uint64_t rem = rem_ref;
#pragma GCC unroll 4
        for (unsigned j = 0; j < n; ++j) {
            const uint64_t d = in ? in[j] : 1;  // the root: one cycle's slots rate
            const Share& t = tab[d];
            const uint64_t x = rem + t.r, c = x >= den;
            rem = c ? x - den : x;
            const uint64_t q = t.q + c;
            first[j] = q;
            if (rest) rest[j] = d - q;
        }
        rem_ref = rem;
    };
    split(table_[0].data(), den_[0], rem_[kRoot], nullptr, cols[kRoot].data(), nullptr);
#pragma GCC unroll 16
    for (unsigned i = 0; i + 1 < kNumAtoms; ++i) {
        const Split& sp = kSplits[i];
        const Share* tab = table_[i + 1].data();
        const uint64_t *in = cols[sp.node].data(), den = den_[i + 1];
        uint64_t *first = cols[sp.first].data(), *rest = cols[sp.rest].data();
        // A split that carries nothing (an empty child: 1 x child's rate is 0 or the whole node's)
        // hands the node's slots to one child and keeps its remainder (rem + 0 < den): a copy.
        if (tab[1].r == 0 && (tab[1].q == 0 || (tab[1].q == 1 && den != ~0ull))) {
            std::copy_n(in, n, tab[1].q ? first : rest);
            std::fill_n(tab[1].q ? rest : first, n, 0);
            continue;
        }
        split(tab, den, rem_[sp.first], in, first, rest);
    }
}

}  // namespace pmusim
