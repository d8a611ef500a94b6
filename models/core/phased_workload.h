// A workload made of phases laid out on a timeline: sequences, repeats and Markov chains of
// phases are expanded into segments when the workload is built (sim/workload_file.cpp reads them
// from YAML). A phase may vary from chunk to chunk, deterministically (a sine over the leaves) or
// seeded-randomly; chunk values depend only on (seed, segment, chunk), so the same seed gives
// the same run bit for bit, in either time mode and in any process.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "models/core/workload.h"

namespace pmusim {

struct Variation {
    enum class Kind { None, Random, Sine } kind = Kind::None;
    double amplitude = 0.0;  // relative change of each slot-mix leaf (and of the retired rates)
    uint64_t chunk = 100'000;  // cycles per variation step
    uint64_t period = 10'000'000;  // sine: cycles per full turn
};

struct PhaseDef {
    std::string name;
    PhaseParams params;
    uint64_t cycles = 0;        // default length of one occurrence; exactly one of cycles /
    uint64_t instructions = 0;  // instructions is non-zero
    Variation variation;
};

// One occurrence of a phase on the timeline.
struct TimelineStep {
    unsigned phase = 0;
    uint64_t cycles = 0, instructions = 0;  // both 0: the phase's default length
};

// Bounds on what a workload may expand to (docs/workloads.md "Limits"): each segment costs about
// 100 bytes, each varied chunk about 1 KB (its parameter set and derived rates).
constexpr uint64_t kMaxSegments = 2'000'000;
constexpr uint64_t kMaxVariedChunks = 100'000;

class PhasedWorkload : public Workload {
public:
    // Throws std::invalid_argument naming the phase and field.
    PhasedWorkload(std::string name, std::vector<PhaseDef> phases, const std::vector<TimelineStep>& timeline,
                   uint64_t seed, bool loop);
    void bind(const CpuConfig& cpu) override;
    Run run_at(uint64_t cycle) const override;
    std::string describe() const override;
    std::unique_ptr<Workload> clone() const override { return std::make_unique<PhasedWorkload>(*this); }

    struct Segment {
        uint64_t begin = 0, len = 0;
        unsigned phase = 0;   // index into phases()
        unsigned params = 0;  // index into the per-segment parameter sets (variation chunks own one)
        SegmentLayout layout;
    };
    const std::vector<PhaseDef>& phases() const { return phases_; }
    const std::vector<Segment>& segments() const { return segments_; }
    uint64_t length() const { return length_; }  // cycles of one pass over the timeline
    bool loops() const { return loop_; }
    const std::string& name() const { return name_; }
    uint64_t seed() const { return seed_; }
    // The phase running at `cycle` (index into phases()).
    unsigned phase_at(uint64_t cycle) const;

private:
    const Segment& segment_at(uint64_t cycle, uint64_t& offset) const;
    std::string name_;
    std::vector<PhaseDef> phases_;
    std::vector<PhaseParams> params_;  // [0, phases) the phases' own, then one per varied chunk
    std::vector<Phase> rates_;         // derived from params_ at bind()
    std::vector<Segment> segments_;
    uint64_t length_ = 0, seed_ = 0;
    bool loop_ = true;
};

// splitmix64: the stateless generator behind seeded variation and Markov chains.
uint64_t mix64(uint64_t x);
// Uniform in [0, 1) from a 64-bit hash.
inline double unit_interval(uint64_t h) { return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0); }

}  // namespace pmusim
