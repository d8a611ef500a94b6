#include "sim/virt/ledger.h"

#include <algorithm>

namespace pmusim {

void HostLedger::open(uint64_t c) {
    if (open_ == kForever) open_ = c;
}

void HostLedger::close(uint64_t c, const Workload& w) {
    if (open_ == kForever) return;
    if (c > open_) {
        windows_.emplace_back(open_, c);
        truth += count_all_events(w, open_, c);
        counted += c - open_;
    }
    open_ = kForever;
}

uint64_t HostLedger::count(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t from, uint64_t to,
                           uint64_t now) const {
    uint64_t s = 0;
    auto add = [&](uint64_t a, uint64_t b) {
        a = std::max(a, from);
        b = std::min(b, to);
        if (a < b) s += count_events(w, mask, user, kernel, a, b);
    };
    for (auto& win : windows_) add(win.first, win.second);
    if (open_ != kForever) add(open_, now);
    return s;
}

void HostLedger::forget_before(uint64_t cycle) {
    windows_.erase(std::remove_if(windows_.begin(), windows_.end(),
                                  [&](const std::pair<uint64_t, uint64_t>& w) { return w.second <= cycle; }),
                   windows_.end());
}

}  // namespace pmusim
