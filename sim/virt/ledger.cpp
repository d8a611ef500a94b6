#include "sim/virt/ledger.h"

#include <algorithm>
#include <stdexcept>

namespace pmusim {

void HostLedger::open(uint64_t c) {
    if (open_ == kForever) open_ = c;
}

void HostLedger::close(uint64_t c, const Workload& w) {
    if (open_ == kForever) return;
    if (c > open_) {
        windows_.push_back({open_, c, sums_});
        WindowPieces pieces;
        for (uint64_t a = open_; a < c;) {
            const Run r = w.run_at(a);
            const uint64_t e = std::min(r.end, c);
            pieces.add(r, a, e);
            a = e;
        }
        pieces.count(events_, sums_.user, sums_.kernel);
        counted += c - open_;
    }
    open_ = kForever;
}

void WindowPieces::add(const Run& r, uint64_t a, uint64_t b) {
    if (r.halted || a >= b) return;  // nothing counts, and the phase's active cycles stand still
    const uint64_t ka = r.active_begin + (a - r.begin), kb = r.active_begin + (b - r.begin);
    const bool kernel = r.cpl == 0;
    for (unsigned i = 0; i < n_; ++i) {
        Piece& p = pieces_[i];
        if (p.phase == r.phase && p.kernel == kernel && p.kb == ka) {
            p.kb = kb;
            return;
        }
    }
    if (n_ == pieces_.size()) {
        // More separate pieces than kept: the oldest is counted now (its sum is the same).
        spill_.push_back(pieces_[0]);
        std::move(pieces_.begin() + 1, pieces_.end(), pieces_.begin());
        --n_;
    }
    pieces_[n_++] = {r.phase, kernel, ka, kb};
}

void WindowPieces::count(EventMask m, EventVector& user, EventVector& kernel) const {
    const auto one = [&](const Piece& p) {
        // The phase's run from its first active cycle: the counts of active cycles [ka, kb).
        Run r;
        r.begin = 0;
        r.phase = p.phase;
        add_run_counts(r, m, p.ka, p.kb, p.kernel ? kernel : user);
    };
    for (const Piece& p : spill_) one(p);
    for (unsigned i = 0; i < n_; ++i) one(pieces_[i]);
}

uint64_t HostLedger::prefix(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t t, uint64_t now) const {
    // The last held window that begins before t (the sums before the first held one otherwise).
    auto it = std::find_if(windows_.rbegin(), windows_.rend(), [&](const Window& x) { return x.begin < t; });
    uint64_t s;
    if (it == windows_.rend()) s = (windows_.empty() ? sums_ : windows_.front().before).of(mask, user, kernel);
    else if (t >= it->end) s = (it == windows_.rbegin() ? sums_ : std::prev(it)->before).of(mask, user, kernel);
    else s = it->before.of(mask, user, kernel) + count_events(w, mask, user, kernel, it->begin, t);
    if (open_ != kForever && open_ < std::min(t, now)) s += count_events(w, mask, user, kernel, open_, std::min(t, now));
    return s;
}

uint64_t HostLedger::count(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t from, uint64_t to,
                           uint64_t now) const {
    if (mask & ~events_) throw std::logic_error("HostLedger::count: an event its windows are not counted for");
    if (from >= to) return 0;
    // Counts are differences of exact cumulative counts, so they add over any split of a window.
    return prefix(w, mask, user, kernel, to, now) - prefix(w, mask, user, kernel, from, now);
}

void HostLedger::forget_before(uint64_t cycle) {
    // Windows close in order, so those wholly before `cycle` are a prefix of the list.
    auto keep = std::find_if(windows_.begin(), windows_.end(), [&](const Window& x) { return x.end > cycle; });
    windows_.erase(windows_.begin(), keep);
}

}  // namespace pmusim
