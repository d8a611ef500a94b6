// The core's cycles shared by several software contexts (docs/virtualization.md "Timeline").
// Each context runs its own workload in its own local time: a guest's workload advances only in
// the guest's cycles, so the events a guest generates do not depend on how often it is
// interrupted. The hypervisor appends a segment before it runs the cycles of that segment; a
// segment cut short (a PMI stopped the run) is truncated before anything else is appended.
#pragma once
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/core/workload.h"

namespace pmusim {

class ContextWorkload : public Workload {
public:
    struct Segment {
        uint64_t begin = 0, end = 0;  // physical cycles [begin, end)
        unsigned source = 0;          // index of the source workload
        uint64_t local_begin = 0;     // the source's local cycle at `begin`
        int owner = 0;                // context that owns these cycles (docs: "ledger")
        int tag = 0;                  // caller's label (what ran: context run, protocol step, ...)
    };

    // Adds a source workload (bound at bind()); returns its index.
    unsigned add_source(std::unique_ptr<Workload> w, std::string name);
    const Workload& source(unsigned i) const { return *sources_[i].w; }
    const std::string& source_name(unsigned i) const { return sources_[i].name; }
    unsigned sources() const { return static_cast<unsigned>(sources_.size()); }
    uint64_t local_time(unsigned i) const { return sources_[i].local; }
    // The source resumes at local cycle `t` (a vCPU that ran elsewhere meanwhile: its workload
    // goes on where it left off there).
    void set_local_time(unsigned i, uint64_t t) { sources_.at(i).local = t; }

    // Appends [end(), end() + cycles) for `source`; its local clock advances by `cycles`. When the
    // last segment is the same source, owner and tag, and the source's local time went on from
    // its end, it grows in place: a protocol step's cost chunks make one segment, each extended
    // inline (the engine appends about 140 cost chunks a VM exit).
    void append(unsigned source, uint64_t cycles, int owner, int tag) {
        if (last_ && last_->source == source && last_->owner == owner && last_->tag == tag) {
            Source& s = sources_[source];
            if (last_->local_begin + (last_->end - last_->begin) == s.local) {
                last_->end += cycles;
                s.local += cycles;
                return;
            }
        }
        append_segment(source, cycles, owner, tag);
    }
    // Cuts the last segment at physical cycle `at` (>= its begin), giving back the local time.
    void truncate(uint64_t at);
    uint64_t end() const { return segments_.empty() ? 0 : segments_.back().end; }
    // The segments still held (from the first not forgotten).
    const std::deque<Segment>& segments() const { return segments_; }
    // O(1) while the PMU walks forward through the schedule: the segment found last, its
    // successor and the last segment are tried before a binary search.
    const Segment& segment_at(uint64_t cycle) const;

    // Segments wholly before `cycle` will not be asked about again: they are dropped, and only
    // what reports need is kept (cycles per owner, and the owners' first max_spans() spans), so
    // memory stays flat in the length of a run. The last segment is always kept.
    void forget_before(uint64_t cycle);
    struct Span {
        uint64_t begin = 0, end = 0;
        int owner = 0;
    };
    // The spans a report keeps (a scenario's checks.max_timeline_spans); 24 bytes each.
    static constexpr size_t kDefaultMaxSpans = 20'000;
    void set_max_spans(size_t n) { max_spans_ = n; }
    size_t max_spans() const { return max_spans_; }
    // Who owned the cycles from 0, consecutive spans of one owner merged: the first max_spans().
    std::vector<Span> spans() const;
    // Cycles owned by `owner` over the whole schedule, forgotten segments included.
    uint64_t owned_cycles(int owner) const;

    void bind(const CpuConfig& cpu) override;
    Run run_at(uint64_t cycle) const override;
    std::string describe() const override;
    std::unique_ptr<Workload> clone() const override;

private:
    struct Source {
        std::unique_ptr<Workload> w;
        std::string name;
        uint64_t local = 0;
    };
    void append_segment(unsigned source, uint64_t cycles, int owner, int tag);
    void add_span(std::vector<Span>& to, const Segment& s) const;
    std::vector<Source> sources_;
    std::deque<Segment> segments_;
    std::vector<Span> forgotten_spans_;        // of forgotten segments, at most max_spans_
    std::map<int, uint64_t> forgotten_owned_;  // cycles of forgotten segments per owner
    mutable size_t current_ = 0;               // index of the segment segment_at found last
    mutable const Segment* found_ = nullptr;   // that segment
    Segment* last_ = nullptr;                  // segments_.back() (a deque keeps it in place), or null
    size_t max_spans_ = kDefaultMaxSpans;
};

}  // namespace pmusim
