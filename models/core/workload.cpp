#include "models/core/workload.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "models/cpu/cpu_config.h"

namespace pmusim {

uint64_t rate_numerator(double rate) { return static_cast<uint64_t>(std::llround(rate * 1e9)); }

EventVector events_at(const Workload& w, uint64_t cycle) { return count_all_events(w, cycle, cycle + 1); }

bool RunCursor::set_mask(EventMask m) {
    if (m == mask_ && lists_) return false;
    const bool changed = m != mask_;
    mask_ = m;
    n_plain_ = n_atom_events_ = 0;
    (m & ~kAtomEvents).for_each([&](unsigned e) { plain_[n_plain_++] = static_cast<uint8_t>(e); });
    (m & kAtomEvents).for_each([&](unsigned e) { atom_events_[n_atom_events_++] = {static_cast<uint8_t>(e), atom_indices(e)}; });
    lists_ = true;
    if (!changed) return false;
    buf_[0].setZero();
    buf_[1].setZero();
    valid_ = false;
    return true;
}

bool RunCursor::set_keep_previous(bool keep) {
    if (keep == keep_previous_) return false;
    keep_previous_ = keep;
    valid_ = false;
    return true;
}

void RunCursor::seek(const Workload& w, uint64_t cycle) {
    seek_run(w, cycle);
    if (!keep_previous_) return;
    // The next next() moves cur_ to the other buffer: this one becomes previous().
    EventVector& prev = buf_[cur_];
    prev = cycle ? events_at(w, cycle - 1) : EventVector::Zero();
    (~mask_).for_each([&](unsigned e) { prev[e] = 0; });  // the others read 0
}

void RunCursor::start(const Run& run, uint64_t cycle) {
    set_keep_previous(false);
    start_run(run, cycle);
}

void RunCursor::start_run(const Run& run, uint64_t cycle) {
    if (!lists_) set_mask(mask_);  // a cursor never given a mask: every event
    run_ = run;
    cycle_ = cycle;
    k_ = run_.active_begin + (cycle - run_.begin);
    n_whole_ = n_carry_ = 0;
    ++serial_;
    if (!run_.halted) {
        for (unsigned j = 0; j < n_plain_; ++j) {
            const uint8_t e = plain_[j];
            const uint64_t rate = run_.phase->rate[e], whole = rate / kRateDen, frac = rate % kRateDen;
            constant_[e] = !frac;
            if (!frac) {
                whole_[n_whole_++] = {e, whole};
                continue;
            }
            const uint64_t rem = static_cast<uint64_t>(static_cast<unsigned __int128>(k_) * frac % kRateDen);
            carry_[n_carry_++] = {e, whole, frac, rem};
        }
        if (n_atom_events_) slots_.seek(run_.phase->slots, k_);
    }
    valid_ = true;
    // One buffer for every cycle: what does not change in the run is written once, here.
    if (!keep_previous_) write_constants(buf_[cur_]);
}

// A run's constants: its whole rates, or zeros for every produced event when halted.
void RunCursor::write_constants(EventVector& ev) const {
    if (run_.halted) {
        for (unsigned j = 0; j < n_plain_; ++j) ev[plain_[j]] = 0;
        for (unsigned j = 0; j < n_atom_events_; ++j) ev[atom_events_[j].e] = 0;
        return;
    }
    for (unsigned j = 0; j < n_whole_; ++j) ev[whole_[j].e] = whole_[j].n;
}

const EventVector& RunCursor::next(const Workload& w) {
    if (!valid_ || cycle_ >= run_.end) seek_run(w, cycle_);  // a run boundary: previous() stays
    if (keep_previous_) {
        cur_ ^= 1u;
        write_constants(buf_[cur_]);
    }
    EventVector& ev = buf_[cur_];
    ++cycle_;
    if (run_.halted) return ev;
    // floor((k+1) r) - floor(k r) = whole + carry of the fractional remainder: no division.
    for (unsigned j = 0; j < n_carry_; ++j) {
        Carry& c = carry_[j];
        const uint64_t s = c.rem + c.frac, t = s - kRateDen;
        const bool carry = s >= kRateDen;
        ev[c.e] = c.whole + carry;
        c.rem = carry ? t : s;
    }
    if (n_atom_events_) {
        const uint64_t* d = slots_.step();
        for (unsigned j = 0; j < n_atom_events_; ++j) {
            const auto& a = atom_events_[j].atom;  // padded with kSlotZero: no loop over bits
            ev[atom_events_[j].e] = d[a[0]] + d[a[1]] + d[a[2]] + d[a[3]];
        }
    }
    ++k_;
    return ev;
}

// The loop interchange of next(): event by event (split by split in the slot tree) over the block,
// each remainder in a register.
void RunCursor::next_block(unsigned n, EventBlock& b) {
    for (unsigned j = 0; j < n_carry_; ++j) {
        Carry& c = carry_[j];
        uint64_t* col = b.sums[c.e].data();
        uint64_t rem = c.rem;
#pragma GCC unroll 4
        for (unsigned i = 0; i < n; ++i) {
            const uint64_t s = rem + c.frac, carry = s >= kRateDen;
            col[i] = c.whole + carry;
            rem = carry ? s - kRateDen : s;
        }
        c.rem = rem;
        b.col[c.e] = col;
    }
    if (n_atom_events_) {
        slots_.step_block(n, b.nodes.data());
        for (unsigned j = 0; j < n_atom_events_; ++j) {
            const AtomSum& a = atom_events_[j];
            b.atoms[a.e] = a.atom;
            // One atom: its node's column; several: their columns, added when asked.
            b.col[a.e] = a.atom[1] == kSlotZero ? b.nodes[a.atom[0]].data() : nullptr;
        }
    }
    cycle_ += n;
    k_ += n;
}

namespace {
// Sum of col[a, b): two SSE2 lanes in two vectors (x86-64's baseline), the rest one at a time.
uint64_t column_sum(const uint64_t* col, unsigned a, unsigned b) {
    unsigned j = a;
    uint64_t s = 0;
#ifdef __SSE2__
    __m128i v0 = _mm_setzero_si128(), v1 = _mm_setzero_si128();
    for (; j + 4 <= b; j += 4) {
        v0 = _mm_add_epi64(v0, _mm_loadu_si128(reinterpret_cast<const __m128i*>(col + j)));
        v1 = _mm_add_epi64(v1, _mm_loadu_si128(reinterpret_cast<const __m128i*>(col + j + 2)));
    }
    alignas(16) uint64_t lanes[2];
    _mm_store_si128(reinterpret_cast<__m128i*>(lanes), _mm_add_epi64(v0, v1));
    s = lanes[0] + lanes[1];
#endif
    for (; j < b; ++j) s += col[j];
    return s;
}
}  // namespace

void EventBlock::sum_events(EventMask events, unsigned a, unsigned b, std::array<uint64_t, kNumEvents>& out) const {
    static_assert(kNumSlotNodes + 1 <= 32, "a bit per node in `done`");
    std::array<uint64_t, kNumSlotNodes + 1> node{};  // node[kSlotZero] stays 0
    uint32_t done = 1u << kSlotZero;
    events.for_each([&](unsigned e) {
        if (!atoms_of(e)) {
            out[e] = column_sum(col[e], a, b);
            return;
        }
        uint64_t s = 0;
        for (uint8_t x : atoms[e]) {
            if (!((done >> x) & 1u)) node[x] = column_sum(nodes[x].data(), a, b), done |= 1u << x;
            s += node[x];
        }
        out[e] = s;
    });
}

namespace {
// lcm(a, kRateDen / gcd(rate mod kRateDen, kRateDen)), or 0 above `limit`.
uint64_t lcm_with_rate(uint64_t a, uint64_t rate, uint64_t limit) {
    const uint64_t frac = rate % kRateDen, p = frac ? kRateDen / std::gcd(frac, kRateDen) : 1;
    const uint64_t g = std::gcd(a, p);
    if (!a || a / g > limit / p) return 0;
    const uint64_t l = a / g * p;
    return l <= limit ? l : 0;
}
}  // namespace

// After P active cycles with P x rate / kRateDen whole for every rate, each plain event's
// floor(k x rate) and each tree node's count (slot_split.h: floor(parent x rate / parent's rate),
// whose rates are sums of atoms') have grown by a whole constant: every increment repeats.
uint64_t RunCursor::period(uint64_t limit) const {
    if (run_.halted || !valid_) return 0;
    uint64_t p = 1;
    for (unsigned j = 0; j < n_plain_ && p; ++j) p = lcm_with_rate(p, run_.phase->rate[plain_[j]], limit);
    if (n_atom_events_)
        for (unsigned a = 0; a < kNumAtoms && p; ++a) p = lcm_with_rate(p, run_.phase->slots.rate[a], limit);
    return p;
}

SegmentLayout segment_layout(const PhaseParams& p) {
    SegmentLayout l;
    l.period = p.period;
    l.halted = static_cast<uint64_t>(std::llround(p.halted_share * static_cast<double>(p.period)));
    l.kernel = static_cast<uint64_t>(std::llround(p.kernel_share * static_cast<double>(p.period)));
    if (l.halted + l.kernel > l.period) l.kernel = l.period - l.halted;
    if (l.halted == l.period)
        throw std::invalid_argument("halted_share: rounds to a fully halted period of " + std::to_string(p.period) +
                                    " cycles; lower it or lengthen period");
    return l;
}

uint64_t segment_active_cycles(const SegmentLayout& l, uint64_t n) {
    const uint64_t P = l.period, full = n / P, o = n % P;
    return full * (P - l.halted) + (o > l.halted ? o - l.halted : 0);
}

Run segment_run(const SegmentLayout& l, const Phase* phase, uint64_t seg_begin, uint64_t seg_len, uint64_t cycle) {
    Run run;
    run.phase = phase;
    const uint64_t seg_end = seg_len == kForever ? kForever : seg_begin + seg_len;
    auto clip = [&](uint64_t e) { return std::min(e, seg_end); };
    if (l.halted == 0 && (l.kernel == 0 || l.kernel == l.period)) {
        run.begin = seg_begin; run.end = seg_end; run.cpl = l.kernel ? 0 : 3;
        return run;
    }
    const uint64_t P = l.period, active = P - l.halted;
    const uint64_t rel = cycle - seg_begin, p = rel / P, o = rel % P, base = seg_begin + p * P;
    if (o < l.halted) {
        run.begin = base; run.end = clip(base + l.halted); run.cpl = 0; run.halted = true;
        run.active_begin = p * active;
    } else if (o < l.halted + l.kernel) {
        run.begin = base + l.halted; run.end = clip(base + l.halted + l.kernel); run.cpl = 0;
        run.active_begin = p * active;
    } else {
        run.begin = base + l.halted + l.kernel; run.end = clip(base + P); run.cpl = 3;
        run.active_begin = p * active + l.kernel;
    }
    return run;
}

SteadyWorkload::SteadyWorkload(SteadyParams p) : p_(p) {
    validate(p_);
    layout_ = segment_layout(p_);
}

void SteadyWorkload::bind(const CpuConfig& cpu) { derive_rates(p_, cpu, phase_); }

Run SteadyWorkload::run_at(uint64_t cycle) const { return segment_run(layout_, &phase_, 0, kForever, cycle); }

std::string SteadyWorkload::describe() const {
    std::ostringstream os;
    os << "steady(instructions=" << p_.instructions << ", branches=" << p_.branches
       << ", branch_misses=" << p_.branch_misses << ", kernel_share=" << p_.kernel_share
       << ", halted_share=" << p_.halted_share << ")";
    return os.str();
}

}  // namespace pmusim

namespace pmusim {

namespace {
// Calls f(run, from, to) for each run piece covering [a, b).
template <class F>
void for_each_run(const Workload& w, uint64_t a, uint64_t b, F&& f) {
    while (a < b) {
        const Run r = w.run_at(a);
        const uint64_t e = std::min(r.end, b);
        f(r, a, e);
        a = e;
    }
}

// Calls f(e, count) for each event of `m` over cycles [a, b) of run r.
template <class F>
void each_run_count(const Run& r, EventMask m, uint64_t a, uint64_t b, F&& f) {
    if (r.halted) return;
    const uint64_t ka = r.active_begin + (a - r.begin), kb = r.active_begin + (b - r.begin);
    (m & ~kAtomEvents).for_each(
        [&](unsigned e) { f(e, floor_count(r.phase->rate[e], kb) - floor_count(r.phase->rate[e], ka)); });
    if (!(m & kAtomEvents)) return;
    const AtomCounts ca = atom_counts(r.phase->slots, ka), cb = atom_counts(r.phase->slots, kb);
    (m & kAtomEvents).for_each([&](unsigned e) { f(e, atom_sum(cb, atoms_of(e)) - atom_sum(ca, atoms_of(e))); });
}
}  // namespace

void add_run_counts(const Run& r, EventMask m, uint64_t a, uint64_t b, EventVector& out) {
    each_run_count(r, m, a, b, [&](unsigned e, uint64_t n) { out[e] += n; });
}

uint64_t run_count_mask(const Run& r, EventMask m, uint64_t a, uint64_t b) {
    uint64_t s = 0;
    each_run_count(r, m, a, b, [&](unsigned, uint64_t n) { s += n; });
    return s;
}

void cumulative_counts(const Phase& phase, EventMask m, uint64_t k, EventVector& out) {
    (m & ~kAtomEvents).for_each([&](unsigned e) { out[e] = floor_count(phase.rate[e], k); });
    if (!(m & kAtomEvents)) return;
    const AtomCounts c = atom_counts(phase.slots, k);
    (m & kAtomEvents).for_each([&](unsigned e) { out[e] = atom_sum(c, atoms_of(e)); });
}

uint64_t count_events(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t a, uint64_t b) {
    uint64_t total = 0;
    for_each_run(w, a, b, [&](const Run& r, uint64_t x, uint64_t y) {
        if (r.cpl == 0 ? kernel : user) total += run_count_mask(r, mask, x, y);
    });
    return total;
}

EventVector count_all_events(const Workload& w, uint64_t a, uint64_t b) {
    EventVector v = EventVector::Zero();
    for_each_run(w, a, b, [&](const Run& r, uint64_t x, uint64_t y) { add_run_counts(r, kAllEvents, x, y, v); });
    return v;
}

}  // namespace pmusim
