// The host's ground-truth ledger (docs/virtualization.md "Ledger"): the windows in which host
// perf's events counted (opened at its GLOBAL_CTRL enable, closed at GLOBAL_CTRL = 0), the
// host's events over them, and each host event's truth summed over its readings.
//
// Each window's events are counted once, when it closes, per ring; the ledger keeps the running
// sums before each window it still holds. A count over [from, to) is then the difference of two
// prefixes, each a held sum plus at most two partial windows, instead of a pass over every
// window in the range for every event (docs/performance.md "Cost per VM exit").
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "models/core/events.h"
#include "models/core/workload.h"

namespace pmusim {

// The pieces of one window, per phase and ring: a piece that goes on in the same phase's active
// cycles where another of the same ring stopped (the exit path's steps, cut by a host slice or a
// step of another tag) extends it, and each is counted once, as the difference of the phase's
// cumulative counts at its two ends. The counts are those of the pieces counted one by one:
// each is a difference of floor counts, so differences over abutting ranges add up exactly.
class WindowPieces {
public:
    // Cycles [a, b) of run r (inside it).
    void add(const Run& r, uint64_t a, uint64_t b);
    // Adds the pieces' counts of the events of m to user (CPL > 0) and kernel (CPL 0).
    void count(EventMask m, EventVector& user, EventVector& kernel) const;
    size_t pieces() const { return n_ + spill_.size(); }

private:
    struct Piece {
        const Phase* phase;
        bool kernel;
        uint64_t ka, kb;  // the phase's active cycles [ka, kb)
    };
    std::array<Piece, 4> pieces_{};
    unsigned n_ = 0;
    std::vector<Piece> spill_;  // pieces pushed out of pieces_ (a window of many phases)
};

class HostLedger {
public:
    void open(uint64_t cycle);
    void close(uint64_t cycle, const Workload& w);
    bool is_open() const { return open_ != kForever; }
    // The events its windows are counted for (every event by default). A closed window costs a
    // count of these events, so the engine names only those its readings and report ask for
    // (host_ledger_events); `truth` holds only these, and a count of any other is refused.
    void set_events(EventMask m) { events_ = m; }
    EventMask events() const { return events_; }
    // Events in `mask` (rings as given, within events()) over the windows that fall in [from, to);
    // `now` closes an open window for the count. Throws std::logic_error for an event outside events().
    uint64_t count(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t from, uint64_t to, uint64_t now) const;
    // Windows wholly before `cycle` will not be asked for again.
    void forget_before(uint64_t cycle);
    // The first cycle a count or close may still ask about (`now` when no window is held).
    uint64_t needed_from(uint64_t now) const {
        uint64_t c = open_ == kForever ? now : std::min(now, open_);
        return windows_.empty() ? c : std::min(c, windows_.front().begin);
    }

    // All windows since the start, both rings (events() only).
    EventVector truth() const { return sums_.user + sums_.kernel; }
    uint64_t counted = 0;                     // cycles in them
    std::vector<uint64_t> event_truth;        // per host perf event, summed over its readings

private:
    // Events of every closed window so far, per ring (user: CPL > 0, kernel: CPL 0).
    struct RingSums {
        EventVector user = EventVector::Zero(), kernel = EventVector::Zero();
        uint64_t of(EventMask m, bool u, bool k) const { return (u ? masked_sum(user, m) : 0) + (k ? masked_sum(kernel, m) : 0); }
    };
    struct Window {
        uint64_t begin, end;
        RingSums before;  // the sums over every window closed before this one
    };
    // Events in `mask` over the windows that fall in [0, t).
    uint64_t prefix(const Workload& w, EventMask mask, bool user, bool kernel, uint64_t t, uint64_t now) const;
    std::vector<Window> windows_;
    RingSums sums_;  // over every closed window
    uint64_t open_ = kForever;
    EventMask events_ = kAllEvents;
};

}  // namespace pmusim
