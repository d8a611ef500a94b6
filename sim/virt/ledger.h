// The host's ground-truth ledger (docs/virtualization.md "Ledger"): the windows in which host
// perf's events counted (opened at its GLOBAL_CTRL enable, closed at GLOBAL_CTRL = 0), the
// host's events over them, and each host event's truth summed over its readings.
#pragma once
#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "models/core/events.h"
#include "models/core/workload.h"

namespace pmusim {

class HostLedger {
public:
    void open(uint64_t cycle);
    void close(uint64_t cycle, const Workload& w);
    bool is_open() const { return open_ != kForever; }
    // Events in `mask` (rings as given) over the windows that fall in [from, to); `now` closes an
    // open window for the count.
    uint64_t count(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t from, uint64_t to, uint64_t now) const;
    // Windows wholly before `cycle` will not be asked for again.
    void forget_before(uint64_t cycle);
    // The first cycle a count or close may still ask about (`now` when no window is held).
    uint64_t needed_from(uint64_t now) const {
        uint64_t c = open_ == kForever ? now : std::min(now, open_);
        return windows_.empty() ? c : std::min(c, windows_.front().first);
    }

    EventVector truth = EventVector::Zero();  // all windows since the start
    uint64_t counted = 0;                     // cycles in them
    std::vector<uint64_t> event_truth;        // per host perf event, summed over its readings

private:
    std::vector<std::pair<uint64_t, uint64_t>> windows_;
    uint64_t open_ = kForever;
};

}  // namespace pmusim
