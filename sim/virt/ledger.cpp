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
        RingSums win;
        for (uint64_t a = open_; a < c;) {
            const Run r = w.run_at(a);
            const uint64_t e = std::min(r.end, c);
            add_run_counts(r, events_, a, e, r.cpl == 0 ? win.kernel : win.user);
            a = e;
        }
        sums_.user += win.user;
        sums_.kernel += win.kernel;
        truth += win.user + win.kernel;
        counted += c - open_;
    }
    open_ = kForever;
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
