// Exact slot accounting. A phase's slots are divided into disjoint shares ("atoms"): the eight TMA
// leaves, with machine clears, memory bound and core bound split further by where the hardware
// reports them. Every slot event (the leaves, the Hw* events, INT_MISC.UOP_DROPPING) counts a sum
// of atoms, so whatever the cycle, the Level-1 categories add up to TOPDOWN.SLOTS and each Level-2
// category to its parent, in the ground truth and in the hardware's view alike.
//
// The atoms' cumulative counts come from a fixed binary tree: after k active cycles the root holds
// floor(k x slots rate) (= k x W), and at each node the first child holds floor(node's count x
// first child's rate / node's rate), the second child the rest. Each count is a non-decreasing
// function of k (so every cycle's increments are >= 0), computable at any k (fast mode) or cycle by
// cycle (per-cycle mode), and stays within the tree depth (4) of k x rate.
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>

#include "models/core/events.h"

namespace pmusim {

enum class Atom : uint8_t {
    Light,
    Heavy,
    BrMispredict,
    ClearsBadSpec,   // machine-clear slots reported as Bad Speculation
    ClearsDropped,   // machine-clear slots reported as front-end bubbles (INT_MISC.UOP_DROPPING)
    FetchLatency,
    FetchBandwidth,
    MemoryBadSpec,   // memory-bound slots reported as Bad Speculation (Ice Lake's clears, see x)
    Memory,
    CoreBadSpec,     // core-bound slots reported as Bad Speculation (Ice Lake)
    Core,
    Count
};
constexpr unsigned kNumAtoms = static_cast<unsigned>(Atom::Count);
constexpr unsigned kNumSlotNodes = 2 * kNumAtoms - 1;  // atoms, then the tree's inner nodes
using AtomCounts = std::array<uint64_t, kNumAtoms>;

// The base events that count sums of atoms (everything slot-valued but TOPDOWN.SLOTS itself).
constexpr EventMask kAtomEvents =
    bit(Event::SlotsLightOps) | bit(Event::SlotsHeavyOps) | bit(Event::SlotsBrMispredict) |
    bit(Event::SlotsMachineClears) | bit(Event::SlotsFetchLatency) | bit(Event::SlotsFetchBandwidth) |
    bit(Event::SlotsMemoryBound) | bit(Event::SlotsCoreBound) | bit(Event::HwBadSpec) | bit(Event::HwFrontend) |
    bit(Event::HwBackend) | bit(Event::HwFetchLatency) | bit(Event::HwMemoryBound) | bit(Event::UopDropping);

namespace detail {
constexpr uint16_t atom_bit(Atom a) { return static_cast<uint16_t>(1u << static_cast<unsigned>(a)); }
constexpr std::array<uint16_t, kNumEvents> atoms_table() {
    using A = Atom;
    std::array<uint16_t, kNumEvents> t{};
    auto set = [&t](Event e, std::initializer_list<Atom> atoms) {
        for (Atom x : atoms) t[idx(e)] |= atom_bit(x);
    };
    set(Event::SlotsLightOps, {A::Light});
    set(Event::SlotsHeavyOps, {A::Heavy});
    set(Event::SlotsBrMispredict, {A::BrMispredict});
    set(Event::SlotsMachineClears, {A::ClearsBadSpec, A::ClearsDropped});
    set(Event::SlotsFetchLatency, {A::FetchLatency});
    set(Event::SlotsFetchBandwidth, {A::FetchBandwidth});
    set(Event::SlotsMemoryBound, {A::MemoryBadSpec, A::Memory});
    set(Event::SlotsCoreBound, {A::CoreBadSpec, A::Core});
    set(Event::HwBadSpec, {A::BrMispredict, A::ClearsBadSpec, A::MemoryBadSpec, A::CoreBadSpec});
    set(Event::HwFrontend, {A::ClearsDropped, A::FetchLatency, A::FetchBandwidth});
    set(Event::HwBackend, {A::Memory, A::Core});
    set(Event::HwFetchLatency, {A::ClearsDropped, A::FetchLatency});
    set(Event::HwMemoryBound, {A::Memory});
    set(Event::UopDropping, {A::ClearsDropped});
    return t;
}
constexpr std::array<uint16_t, kNumEvents> kAtomsOf = atoms_table();
}  // namespace detail

// The atoms base event `e` counts (bit per Atom; 0 for events outside kAtomEvents).
inline uint16_t atoms_of(unsigned e) { return detail::kAtomsOf[e]; }

// At most this many atoms per slot event (HwBadSpec has four), so that per-cycle mode sums a
// fixed number of increments per event, padded with kSlotZero: a node index that reads 0.
constexpr unsigned kMaxAtomsPerEvent = 4;
constexpr uint8_t kSlotZero = kNumSlotNodes;
namespace detail {
constexpr bool atoms_fit() {
    for (uint16_t a : kAtomsOf)
        if (__builtin_popcount(a) > int(kMaxAtomsPerEvent)) return false;
    return true;
}
static_assert(atoms_fit(), "a slot event with more atoms than kMaxAtomsPerEvent");
}  // namespace detail
// The atoms of `e` as node indices, padded with kSlotZero.
inline std::array<uint8_t, kMaxAtomsPerEvent> atom_indices(unsigned e) {
    std::array<uint8_t, kMaxAtomsPerEvent> a;
    a.fill(kSlotZero);
    unsigned n = 0;
    for (uint16_t m = atoms_of(e); m; m &= m - 1) a[n++] = static_cast<uint8_t>(__builtin_ctz(m));
    return a;
}

struct SlotSplit {
    // Rates (numerators over kRateDen per active cycle) of every tree node: atoms, then inner nodes.
    std::array<uint64_t, kNumSlotNodes> rate{};
    // Of the inner nodes: floor(2^64 x first child's rate / rate), at most 2^64 - 1 (0 for an empty
    // node), with which a count's share is estimated within one below (slot_share).
    std::array<uint64_t, kNumSlotNodes> inverse{};
    uint64_t id = 0;  // unique per make_slot_split call (copies share it): keys atom_counts' memo
};
SlotSplit make_slot_split(const std::array<uint64_t, kNumAtoms>& atom_rates);

// floor(x x num / den) for num <= den < 2^63, exactly, without a division: with
// inv = floor(2^64 x num / den) (clamped to 2^64 - 1), q = floor(x x inv / 2^64) is the quotient or
// one below it, so the remainder x x num - q x den lies in [0, 2 den) and its 64-bit value (the
// products wrap, the difference does not) decides. den = 0 must come with num = inv = 0 and is
// passed as 2^64 - 1 (an empty node: 0).
inline uint64_t slot_share(uint64_t x, uint64_t num, uint64_t den, uint64_t inv) {
    const uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(x) * inv) >> 64);
    return q + (x * num - q * den >= den);
}
// The multiplier slot_share takes for num / den.
uint64_t slot_share_inverse(uint64_t num, uint64_t den);

// Cumulative atom counts after k active cycles.
AtomCounts atom_counts(const SlotSplit& s, uint64_t k);
// Sum of the atoms of `atoms` (bit per Atom).
inline uint64_t atom_sum(const uint64_t* c, uint16_t atoms) {
    uint64_t v = 0;
    for (; atoms; atoms &= atoms - 1) v += c[__builtin_ctz(atoms)];
    return v;
}
inline uint64_t atom_sum(const AtomCounts& c, uint16_t atoms) { return atom_sum(c.data(), atoms); }

// Per-cycle mode's blocks of cycles (RunCursor::next_block): one column of increments per node or
// event, a cycle per entry.
constexpr unsigned kBlockCycles = 128;
using BlockColumn = std::array<uint64_t, kBlockCycles>;

// Per-cycle walk of the tree with a remainder per node: a node that grows by d slots in a cycle
// gives its first child floor((rem + d x child's rate) / node's rate) of them. d x child's rate is
// tabulated per node as a quotient and a remainder of the node's rate for every d a cycle can
// bring (0 .. the most slots of a cycle), so a node costs a table load and one compare.
class SlotWalker {
public:
    void seek(const SlotSplit& s, uint64_t k);
    // The atoms' increments in the next active cycle: kNumAtoms values (the tree's first nodes),
    // and 0 at index kSlotZero.
    const uint64_t* step();
    // The next n (<= kBlockCycles) cycles at once, split by split with each node's remainder in a
    // register (the loop interchange of a block): cols[node][j] is node's increment in cycle j,
    // as n calls of step() give them, which they leave where n calls of step() would.
    // cols[kSlotZero] is not written (the caller keeps it 0).
    void step_block(unsigned n, BlockColumn* cols);

private:
    void tabulate(const SlotSplit& s);
    static constexpr unsigned kMaxStep = 16;  // slots per cycle, at most (the widest core: 8)
    struct Share { uint64_t q, r; };          // d x child's rate = q x node's rate + r
    std::array<std::array<Share, kMaxStep + 1>, kNumAtoms> table_{};  // per split; [0]: the root's
    std::array<uint64_t, kNumAtoms> den_{};  // per split, its node's rate (~0 for an empty node)
    uint64_t table_id_ = 0;                   // the SlotSplit (id) tabulated
    std::array<uint64_t, kNumSlotNodes> rem_{};
    std::array<uint64_t, kNumSlotNodes + 1> delta_{};  // delta_[kSlotZero] stays 0
};

}  // namespace pmusim
