#include "models/core/phased_workload.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace pmusim {

uint64_t mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

namespace {

constexpr double kTwoPi = 6.283185307179586;

// Cycles a segment needs for `insts` instructions at the phase's rate, halted cycles included.
uint64_t cycles_for_instructions(const PhaseParams& p, const SegmentLayout& l, uint64_t insts, const std::string& who) {
    const uint64_t rate = rate_numerator(p.instructions);
    if (rate == 0) throw std::invalid_argument(who + ": instructions: a length in instructions needs an instruction rate > 0");
    const unsigned __int128 need = static_cast<unsigned __int128>(insts) * kRateDen;
    const uint64_t k = static_cast<uint64_t>((need + rate - 1) / rate);  // active cycles
    if (k == 0) return 0;
    const uint64_t A = l.period - l.halted, q = (k - 1) / A, rem = k - q * A;
    return q * l.period + l.halted + rem;
}

// One chunk's parameters: each leaf and the retired-event rates scaled by 1 + amplitude * x.
PhaseParams vary(const PhaseParams& base, const Variation& v, uint64_t seed, uint64_t seg, uint64_t chunk,
                 uint64_t t) {
    PhaseParams p = base;
    auto factor = [&](unsigned k) {
        double x;
        if (v.kind == Variation::Kind::Random) {
            x = 2.0 * unit_interval(mix64(seed ^ mix64(seg * 0x100000001b3ull ^ mix64(chunk * 16 + k)))) - 1.0;
        } else {
            const double turn = static_cast<double>(t % v.period) / static_cast<double>(v.period);
            x = std::sin(kTwoPi * turn + (k < kNumLeaves ? kTwoPi * k / kNumLeaves : 0.0));
        }
        return std::max(0.0, 1.0 + v.amplitude * x);
    };
    for (unsigned k = 0; k < kNumLeaves; ++k) p.slot_mix[k] = base.slot_mix[k] * factor(k);
    double s = 0;
    for (double f : p.slot_mix) s += f;
    if (!(s > 0)) p.slot_mix = base.slot_mix;
    const double r = factor(kNumLeaves);
    p.instructions = std::min(64.0, base.instructions * r);
    p.branches = std::min(64.0, base.branches * r);
    p.branch_misses = std::min(p.branches, base.branch_misses * r);
    return p;
}

}  // namespace

PhasedWorkload::PhasedWorkload(std::string name, std::vector<PhaseDef> phases, const std::vector<TimelineStep>& timeline,
                               uint64_t seed, bool loop)
    : name_(std::move(name)), phases_(std::move(phases)), seed_(seed), loop_(loop) {
    if (phases_.empty()) throw std::invalid_argument("phases: a workload needs at least one phase");
    if (timeline.empty()) throw std::invalid_argument("schedule: the timeline is empty");
    std::vector<SegmentLayout> layouts;
    for (auto& ph : phases_) {
        const std::string who = "phases." + ph.name;
        try {
            validate(ph.params);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(who + "." + e.what());
        }
        if (ph.variation.kind != Variation::Kind::None) {
            if (!(ph.variation.amplitude >= 0 && ph.variation.amplitude <= 1))
                throw std::invalid_argument(who + ".variation.amplitude: must be within 0..1");
            if (ph.variation.chunk == 0) throw std::invalid_argument(who + ".variation.chunk: must be at least 1 cycle");
            if (ph.variation.period == 0) throw std::invalid_argument(who + ".variation.period: must be at least 1 cycle");
        }
        layouts.push_back(segment_layout(ph.params));
        params_.push_back(ph.params);
    }
    uint64_t t = 0;
    for (size_t i = 0; i < timeline.size(); ++i) {
        const TimelineStep& st = timeline[i];
        if (st.phase >= phases_.size()) throw std::invalid_argument("schedule: step refers to an unknown phase");
        const PhaseDef& ph = phases_[st.phase];
        const std::string who = "phases." + ph.name;
        uint64_t cycles = st.cycles, insts = st.instructions;
        if (!cycles && !insts) cycles = ph.cycles, insts = ph.instructions;
        if (insts) cycles = cycles_for_instructions(ph.params, layouts[st.phase], insts, who);
        if (cycles == 0) throw std::invalid_argument(who + ": length must be at least 1 cycle");
        if (t + cycles < t) throw std::invalid_argument("schedule: total length overflows 64 bits");
        if (ph.variation.kind == Variation::Kind::None) {
            segments_.push_back({t, cycles, st.phase, st.phase, layouts[st.phase]});
        } else {
            // About 1 KB per chunk (its parameters and derived rates): bounded by kMaxVariedChunks.
            const uint64_t ch = ph.variation.chunk, chunks = cycles / ch + (cycles % ch != 0);
            if (chunks > kMaxVariedChunks - std::min<uint64_t>(kMaxVariedChunks, params_.size() - phases_.size()))
                throw std::invalid_argument(who + ".variation.chunk: the workload's varied phases make more than " +
                                            std::to_string(kMaxVariedChunks) + " chunks (the limit); use longer chunks");
            for (uint64_t c = 0, off = 0; c < chunks; ++c, off += ch) {
                params_.push_back(vary(ph.params, ph.variation, seed_, i, c, t + off));
                segments_.push_back({t + off, std::min(ch, cycles - off), st.phase,
                                     static_cast<unsigned>(params_.size() - 1), layouts[st.phase]});
            }
        }
        if (segments_.size() > kMaxSegments)
            throw std::invalid_argument("schedule: more than " + std::to_string(kMaxSegments) + " segments (the limit)");
        t += cycles;
    }
    length_ = t;
}

void PhasedWorkload::bind(const CpuConfig& cpu) {
    rates_.assign(params_.size(), Phase{});
    for (size_t i = 0; i < params_.size(); ++i) derive_rates(params_[i], cpu, rates_[i]);
}

const PhasedWorkload::Segment& PhasedWorkload::segment_at(uint64_t cycle, uint64_t& base) const {
    base = loop_ ? cycle / length_ * length_ : 0;
    const uint64_t rel = cycle - base;
    auto it = std::upper_bound(segments_.begin(), segments_.end(), rel,
                               [](uint64_t c, const Segment& s) { return c < s.begin; });
    return *(it - 1);
}

Run PhasedWorkload::run_at(uint64_t cycle) const {
    if (rates_.empty()) throw std::logic_error("PhasedWorkload::run_at before bind()");
    if (!loop_ && cycle >= length_) {
        Run idle;  // the program has ended: the core idles, halted, from here on
        idle.begin = length_; idle.end = kForever; idle.cpl = 0; idle.halted = true; idle.phase = &rates_[0];
        return idle;
    }
    uint64_t base;
    const Segment& s = segment_at(cycle, base);
    return segment_run(s.layout, &rates_[s.params], base + s.begin, s.len, cycle);
}

unsigned PhasedWorkload::phase_at(uint64_t cycle) const {
    if (!loop_ && cycle >= length_) return segments_.back().phase;
    uint64_t base;
    return segment_at(cycle, base).phase;
}

std::string PhasedWorkload::describe() const {
    std::ostringstream os;
    os << name_ << " (" << phases_.size() << " phases, " << segments_.size() << " segments, " << length_
       << " cycles per pass" << (loop_ ? ", looping" : "") << ", seed " << seed_ << ")";
    return os.str();
}

}  // namespace pmusim
