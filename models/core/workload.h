// Workloads turn cycles into events. A workload is a sequence of runs: maximal cycle ranges in
// which the CPL, the halted state and the per-cycle event rates are constant. Inside a run the
// cumulative count of event e after k active cycles of its phase is floor(k * rate_e), with rates
// exact rationals over kRateDen, so per-cycle and interval sums agree bit for bit (the basis of
// the per-cycle/fast-mode equivalence, docs/architecture.md "Time"). Slot events are the
// exception: they are sums of the phase's slot atoms (slot_split.h), so that they add up exactly.
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/core/events.h"
#include "models/core/phase_model.h"
#include "models/core/slot_split.h"

namespace pmusim {

struct CpuConfig;

constexpr uint64_t kRateDen = 1'000'000'000;  // rates are exact to 9 decimal places
constexpr uint64_t kForever = std::numeric_limits<uint64_t>::max();

struct Phase {
    std::array<uint64_t, kNumEvents> rate{};  // numerator over kRateDen, events per active cycle
    SlotSplit slots;                          // how kAtomEvents are counted (their rate is the atoms' sum)
};

struct Run {
    uint64_t begin = 0, end = kForever;  // [begin, end)
    uint8_t cpl = 3;
    bool halted = false;
    const Phase* phase = nullptr;
    uint64_t active_begin = 0;  // active (unhalted) cycles of the phase before `begin`
};

// floor(k x rate / kRateDen). While the product fits in 64 bits (1.8e10 active cycles at one event
// a cycle) a 64-bit division by the constant, which the compiler turns into a multiply, gives the
// value the 128-bit one (a library call, __udivti3) gives.
inline uint64_t floor_count(uint64_t rate, uint64_t k) {
    uint64_t p;
    if (!__builtin_mul_overflow(k, rate, &p)) return p / kRateDen;
    return static_cast<uint64_t>(static_cast<unsigned __int128>(k) * rate / kRateDen);
}

// Counts of the events of `m` in cycles [a, b) of run r (a, b inside [r.begin, r.end]), added to
// `out`: floor differences, and for slot events atom-count differences.
void add_run_counts(const Run& r, EventMask m, uint64_t a, uint64_t b, EventVector& out);
uint64_t run_count_mask(const Run& r, EventMask m, uint64_t a, uint64_t b);
// The cumulative counts of the events of `m` after k active cycles of `phase`, written to `out`
// (the others untouched): add_run_counts over [a, b) is their difference between the two ends.
void cumulative_counts(const Phase& phase, EventMask m, uint64_t k, EventVector& out);

class Workload {
public:
    virtual ~Workload() = default;
    // Called when the workload is attached to a machine: rates that depend on the CPU (slots per
    // cycle) are fixed here.
    virtual void bind(const CpuConfig& cpu) = 0;
    // The run containing `cycle`.
    virtual Run run_at(uint64_t cycle) const = 0;
    virtual std::string describe() const = 0;
    virtual std::unique_ptr<Workload> clone() const = 0;
};

// Events of one cycle.
EventVector events_at(const Workload& w, uint64_t cycle);

// A block of upcoming cycles (RunCursor::next_block): at(e, j) is event e's count in the block's
// cycle j, for the events of the cursor's mask that vary in the run (the constant ones read
// RunCursor::last()). A plain event or a one-atom slot event is a column; an event of several
// atoms is the sum of its atoms' node columns, added when asked: a per-cycle PMU sums a block's
// cycles (sum_events) and reads single cycles only near a carry. Large (about 140 KB): one per per-cycle
// PMU, on the heap.
struct EventBlock {
    std::array<BlockColumn, kNumSlotNodes + 1> nodes{};  // the slot tree's; nodes[kSlotZero] stays 0
    std::array<BlockColumn, kNumEvents> sums{};           // the storage of the plain events' columns
    std::array<const uint64_t*, kNumEvents> col{};        // null: an event of several atoms
    std::array<std::array<uint8_t, kMaxAtomsPerEvent>, kNumEvents> atoms{};  // its nodes, kSlotZero-padded

    uint64_t at(unsigned e, unsigned j) const {
        if (col[e]) return col[e][j];
        const auto& a = atoms[e];
        return nodes[a[0]][j] + nodes[a[1]][j] + nodes[a[2]][j] + nodes[a[3]][j];
    }
    // The counts over cycles [a, b) of the block of every event of `events` (none constant in
    // the run) into out[e], each node column read once however many events share it.
    void sum_events(EventMask events, unsigned a, unsigned b, std::array<uint64_t, kNumEvents>& out) const;
};

// Walks a workload cycle by cycle with Bresenham remainders (no division per cycle; slot events:
// the slot tree's per-node remainders). Only the events of the mask are produced (the others
// read 0), so the per-cycle loop pays only for what the programmed counters read. The mask is
// kept as lists of its events, and each run splits them into constants (whole rates) and those
// with a fractional carry, so a cycle touches each produced event once and walks no mask.
// Without previous() (set_keep_previous(false): no counter uses edge detect) one buffer serves
// every cycle, and a run's constants and a halted run's zeros are written once, when it starts.
class RunCursor {
public:
    // Positions the cursor at `cycle`; previous() then holds cycle - 1's events (0 before cycle 0).
    void seek(const Workload& w, uint64_t cycle);
    // Positions the cursor at `cycle` of `run` (which contains it), without previous(): a run that
    // no workload holds, e.g. a phase from its first active cycle (the replay tables of pmu.h).
    void start(const Run& run, uint64_t cycle);
    // Changing the mask re-seeks at the next cycle, so newly included events start exact.
    // Returns whether the mask changed.
    bool set_mask(EventMask m);
    // Whether previous() is kept (the default). Turning it on re-seeks at the next seek().
    // Returns whether the setting changed (the caller then re-seeks).
    bool set_keep_previous(bool keep);
    // Events of the current cycle; advances to the next one.
    const EventVector& next(const Workload& w);
    // The next n cycles at once (n <= kBlockCycles, inside the run, which is not halted; only
    // without previous()), as columns in `b`: the same counts as n calls of next(), each cycle's
    // constant events in last(), and the cursor where n calls of next() would leave it, save
    // last()'s varying events (the next next() writes them).
    void next_block(unsigned n, EventBlock& b);
    bool keeps_previous() const { return keep_previous_; }
    // Cycles left in the current run from the next one.
    uint64_t left_in_run() const { return run_.end - cycle_; }
    // Changes whenever the cursor starts a run (at a run boundary, a seek or a mask change): what
    // a caller derives from one run stays valid while it is unchanged.
    uint64_t run_serial() const { return serial_; }
    // Whether event e of the mask reads the same in every cycle of the current run (a whole rate).
    bool constant(unsigned e) const { return run_.halted || constant_[e]; }
    uint8_t cpl() const { return run_.cpl; }
    bool halted() const { return run_.halted; }
    const Run& run() const { return run_; }
    EventMask mask() const { return mask_; }
    // The phase's active cycles before the next cycle: what every increment of a run is a function of.
    uint64_t phase_cycle() const { return k_; }
    // The increments of the produced events repeat every period() active cycles of this run's
    // phase: the least common multiple of kRateDen / gcd(rate, kRateDen) over the plain events'
    // rates and (with slot events) the atoms' rates (docs/performance.md "Third round"). 0 when it
    // exceeds `limit`, or in a halted run.
    uint64_t period(uint64_t limit) const;
    const EventVector& last() const { return buf_[cur_]; }
    // The cycle before last()'s: what edge detect compares with. The two buffers swap roles at
    // each next(), so no vector is copied per cycle. Only with set_keep_previous(true).
    const EventVector& previous() const { return buf_[cur_ ^ 1u]; }

private:
    void seek_run(const Workload& w, uint64_t cycle) { start_run(w.run_at(cycle), cycle); }
    void start_run(const Run& run, uint64_t cycle);
    void write_constants(EventVector& ev) const;

    struct Whole { uint8_t e; uint64_t n; };                  // e adds n every active cycle
    struct Carry { uint8_t e; uint64_t whole, frac, rem; };   // rate = whole * kRateDen + frac
    // A slot event: the sum of up to four atoms' increments (kSlotZero pads the unused ones).
    struct AtomSum { uint8_t e; std::array<uint8_t, kMaxAtomsPerEvent> atom; };

    Run run_;
    uint64_t cycle_ = 0, k_ = 0;
    std::array<uint8_t, kNumEvents> plain_{};  // the mask's events outside kAtomEvents
    std::array<AtomSum, kNumEvents> atom_events_{};
    unsigned n_plain_ = 0, n_atom_events_ = 0;
    // This run's split of plain_: each cycle adds whole + the fraction's carry (no division).
    std::array<Whole, kNumEvents> whole_{};
    std::array<Carry, kNumEvents> carry_{};
    unsigned n_whole_ = 0, n_carry_ = 0;
    SlotWalker slots_;  // the slot events of the mask
    std::array<EventVector, 2> buf_{EventVector::Zero(), EventVector::Zero()};
    unsigned cur_ = 0;  // buf_[cur_]: the last cycle produced
    EventMask mask_ = kAllEvents;
    bool lists_ = false;  // plain_ and atom_events_ follow mask_
    bool valid_ = false;
    bool keep_previous_ = true;
    uint64_t serial_ = 0;
    std::array<bool, kNumEvents> constant_{};  // of plain_: a whole rate in this run
};

// The deterministic `steady` workload: one phase forever, with optional kernel-mode and halted
// shares laid out periodically (halted first, then ring 0, then ring 3, in each period).
using SteadyParams = PhaseParams;

// The run containing `cycle` of a segment that starts at `seg_begin` with `seg_len` cycles
// (kForever: unbounded) and repeats the halted/kernel/user pattern of `p` every p.period cycles.
// Active-cycle counts restart at the segment start.
struct SegmentLayout {
    uint64_t period = 1, halted = 0, kernel = 0;
};
SegmentLayout segment_layout(const PhaseParams& p);
Run segment_run(const SegmentLayout& l, const Phase* phase, uint64_t seg_begin, uint64_t seg_len, uint64_t cycle);
// Active (unhalted) cycles in the first n cycles of a segment.
uint64_t segment_active_cycles(const SegmentLayout& l, uint64_t n);

class SteadyWorkload : public Workload {
public:
    explicit SteadyWorkload(SteadyParams p);  // throws std::invalid_argument naming the field
    void bind(const CpuConfig& cpu) override;
    Run run_at(uint64_t cycle) const override;
    std::string describe() const override;
    std::unique_ptr<Workload> clone() const override { return std::make_unique<SteadyWorkload>(*this); }
    const SteadyParams& params() const { return p_; }
    const Phase& phase() const { return phase_; }

private:
    SteadyParams p_;
    Phase phase_;
    SegmentLayout layout_;
};

// Rate given as a double -> exact numerator over kRateDen (rounded to 9 decimals).
uint64_t rate_numerator(double rate);

}  // namespace pmusim

namespace pmusim {
// Ground truth: events of `mask` in cycles [a, b) whose CPL matches (kernel: CPL 0, user: CPL > 0).
uint64_t count_events(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t a, uint64_t b);
// Every base event in cycles [a, b), both rings.
EventVector count_all_events(const Workload& w, uint64_t a, uint64_t b);
// Steady workload parameters by name: the phase parameters of phase_model.h.
inline void set_steady_param(SteadyParams& p, const std::string& name, double value) { set_phase_param(p, name, value); }
inline const std::vector<std::string>& steady_param_names() { return phase_param_names(); }
}  // namespace pmusim
