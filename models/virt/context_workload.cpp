#include "models/virt/context_workload.h"

#include <algorithm>
#include <stdexcept>

namespace pmusim {

unsigned ContextWorkload::add_source(std::unique_ptr<Workload> w, std::string name) {
    sources_.push_back({std::move(w), std::move(name), 0});
    return static_cast<unsigned>(sources_.size() - 1);
}

// append() when the last segment cannot grow: a new one.
void ContextWorkload::append_segment(unsigned source, uint64_t cycles, int owner, int tag) {
    if (source >= sources_.size()) throw std::out_of_range("ContextWorkload::append: no such source");
    if (cycles == 0) return;
    Source& s = sources_[source];
    const uint64_t b = end();
    segments_.push_back({b, b + cycles, source, s.local, owner, tag});
    last_ = &segments_.back();
    s.local += cycles;
}

void ContextWorkload::truncate(uint64_t at) {
    if (segments_.empty()) return;
    Segment& last = segments_.back();
    if (at < last.begin || at > last.end) throw std::out_of_range("ContextWorkload::truncate outside the last segment");
    sources_[last.source].local -= last.end - at;
    last.end = at;
    if (last.end == last.begin) {
        if (found_ == &last) found_ = nullptr;
        segments_.pop_back();
        last_ = segments_.empty() ? nullptr : &segments_.back();
    }
}

const ContextWorkload::Segment& ContextWorkload::segment_at(uint64_t cycle) const {
    // A deque keeps its elements in place when others are added or removed at either end, so
    // the segment found last is at hand without indexing (only its own removal drops it).
    if (found_ && cycle >= found_->begin && cycle < found_->end) return *found_;
    for (size_t i = current_; i < segments_.size() && i <= current_ + 1; ++i) {
        const Segment& s = segments_[i];
        if (cycle < s.begin) break;
        if (cycle < s.end) {
            current_ = i;
            found_ = &s;
            return s;
        }
    }
    // Then the last one: the PMU runs the segment just appended.
    if (!segments_.empty() && cycle >= segments_.back().begin && cycle < segments_.back().end) {
        current_ = segments_.size() - 1;
        found_ = &segments_.back();
        return segments_.back();
    }
    auto it = std::upper_bound(segments_.begin(), segments_.end(), cycle,
                               [](uint64_t c, const Segment& s) { return c < s.end; });
    if (it == segments_.end() || cycle < it->begin)
        throw std::out_of_range("ContextWorkload: cycle " + std::to_string(cycle) + " is not scheduled");
    current_ = size_t(it - segments_.begin());
    found_ = &*it;
    return *it;
}

void ContextWorkload::forget_before(uint64_t cycle) {
    while (segments_.size() > 1 && segments_.front().end <= cycle) {
        const Segment& s = segments_.front();
        forgotten_owned_[s.owner] += s.end - s.begin;
        add_span(forgotten_spans_, s);
        if (found_ == &s) found_ = nullptr;
        segments_.pop_front();
        current_ = current_ ? current_ - 1 : 0;
    }
}

void ContextWorkload::add_span(std::vector<Span>& to, const Segment& s) const {
    if (!to.empty() && to.back().owner == s.owner && to.back().end == s.begin) to.back().end = s.end;
    else if (to.size() < max_spans_) to.push_back({s.begin, s.end, s.owner});
}

std::vector<ContextWorkload::Span> ContextWorkload::spans() const {
    std::vector<Span> v = forgotten_spans_;
    for (auto& s : segments_) {
        if (v.size() >= max_spans_ && (v.empty() || v.back().owner != s.owner || v.back().end != s.begin)) break;
        add_span(v, s);
    }
    return v;
}

uint64_t ContextWorkload::owned_cycles(int owner) const {
    const auto it = forgotten_owned_.find(owner);
    uint64_t c = it == forgotten_owned_.end() ? 0 : it->second;
    for (auto& s : segments_)
        if (s.owner == owner) c += s.end - s.begin;
    return c;
}

void ContextWorkload::bind(const CpuConfig& cpu) {
    for (auto& s : sources_) s.w->bind(cpu);
}

Run ContextWorkload::run_at(uint64_t cycle) const {
    if (cycle >= end()) {
        // Past the schedule: an idle core (the hypervisor always appends before it runs).
        Run r;
        r.begin = end();
        r.end = kForever;
        r.halted = true;
        r.cpl = 0;
        return r;
    }
    const Segment& s = segment_at(cycle);
    const uint64_t local = s.local_begin + (cycle - s.begin);
    Run lr = sources_[s.source].w->run_at(local);
    // Map the local run into physical cycles, clipped to the segment.
    const uint64_t lb = std::max(lr.begin, s.local_begin);
    const uint64_t seg_local_end = s.local_begin + (s.end - s.begin);
    const uint64_t le = lr.end == kForever ? seg_local_end : std::min(lr.end, seg_local_end);
    Run r = lr;
    r.begin = s.begin + (lb - s.local_begin);
    r.end = s.begin + (le - s.local_begin);
    if (!lr.halted) r.active_begin = lr.active_begin + (lb - lr.begin);
    return r;
}

std::string ContextWorkload::describe() const {
    std::string d = "contexts:";
    for (auto& s : sources_) d += " " + s.name;
    return d;
}

std::unique_ptr<Workload> ContextWorkload::clone() const {
    auto c = std::make_unique<ContextWorkload>();
    for (auto& s : sources_) c->sources_.push_back({s.w->clone(), s.name, s.local});
    c->segments_ = segments_;
    c->last_ = c->segments_.empty() ? nullptr : &c->segments_.back();
    c->forgotten_spans_ = forgotten_spans_;
    c->forgotten_owned_ = forgotten_owned_;
    c->max_spans_ = max_spans_;
    return c;
}

}  // namespace pmusim
