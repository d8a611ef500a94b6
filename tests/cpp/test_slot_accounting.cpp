// Exact slot accounting: in every cycle the Level-1 slot categories add up to TOPDOWN.SLOTS and the
// Level-2 ones stay inside their parent, so a window of any length (a PMI handler, a VM transition:
// tens of cycles) sums exactly, and PERF_METRICS read after it stays within the [0xFC, 0x102] that
// KVM's selftest (tools/testing/selftests/kvm/x86/pmu_counters_test.c) asserts.
#include <cmath>

#include "models/core/phased_workload.h"
#include "pmu_test_util.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

const char* const kPresets[] = {"skylake", "icelake", "sapphirerapids", "lunarlake"};

// Short phases, variation chunks, kernel and halted stretches: short windows cross every boundary.
const char* const kChoppy = R"(
name: choppy
seed: 3
phases:
  a:
    cycles: 1500
    ipc: 1.1
    kernel_share: 0.3
    halted_share: 0.1
    period: 97
    slot_mix: {light_ops: 0.31, heavy_ops: 0.07, br_mispredict: 0.09, machine_clears: 0.05,
               fetch_latency: 0.13, fetch_bandwidth: 0.07, memory_bound: 0.17, core_bound: 0.11}
    variation: {kind: random, amplitude: 0.3, chunk: 311}
  b:
    cycles: 700
    ipc: 2.3
    slot_mix: {light_ops: 0.53, heavy_ops: 0.03, machine_clears: 0.01, fetch_bandwidth: 0.13, core_bound: 0.3}
schedule: [a, b, a, b]
)";

struct Case {
    std::string name;
    std::unique_ptr<Workload> w;
    uint64_t from;  // first start offset
};

// Steady, the library's mixed_app across its first phase change, and the choppy file.
std::vector<Case> cases() {
    std::vector<Case> v;
    v.push_back({"steady", std::make_unique<SteadyWorkload>(SteadyParams{}), 0});
    v.push_back({"mixed_app", load_workload_file(workload_library_dir() + "/mixed_app.yaml"), 3'000'000 - 1000});
    v.push_back({"choppy", parse_workload_yaml(kChoppy, "choppy.yaml"), 0});
    return v;
}

uint64_t at(const EventVector& v, Event e) { return v[idx(e)]; }

// Slots the Level-1 categories miss (negative: exceed) over a window, as the ground truth and as
// the hardware attributes them; 0 and 0 when the accounting is exact.
std::pair<int64_t, int64_t> l1_deficit(const EventVector& v) {
    uint64_t truth = 0;
    for (unsigned k = 0; k < kNumLeaves; ++k) truth += v[idx(Event::SlotsLightOps) + k];
    const uint64_t hw = at(v, Event::SlotsLightOps) + at(v, Event::SlotsHeavyOps) + at(v, Event::HwBadSpec) +
                        at(v, Event::HwFrontend) + at(v, Event::HwBackend);
    const int64_t s = static_cast<int64_t>(at(v, Event::Slots));
    return {s - static_cast<int64_t>(truth), s - static_cast<int64_t>(hw)};
}

// The hardware's Level-2 counts inside their parent, and its correction terms undoing exactly
// the mis-attribution (UOP_DROPPING moves slots from Bad Speculation to the front end).
bool level2_consistent(const EventVector& v) {
    const uint64_t fe = at(v, Event::SlotsFetchLatency) + at(v, Event::SlotsFetchBandwidth);
    const uint64_t bad_be = at(v, Event::SlotsBrMispredict) + at(v, Event::SlotsMachineClears) +
                            at(v, Event::SlotsMemoryBound) + at(v, Event::SlotsCoreBound);
    const uint64_t drop = at(v, Event::UopDropping);
    return at(v, Event::HwFetchLatency) <= at(v, Event::HwFrontend) &&
           at(v, Event::HwMemoryBound) <= at(v, Event::HwBackend) &&
           at(v, Event::SlotsBrMispredict) <= at(v, Event::HwBadSpec) && at(v, Event::HwFrontend) == fe + drop &&
           at(v, Event::HwFetchLatency) == at(v, Event::SlotsFetchLatency) + drop &&
           at(v, Event::HwBadSpec) + at(v, Event::HwBackend) + drop == bad_be;
}

struct Tally {
    uint64_t windows = 0, bad = 0;
    int64_t worst = 0;  // largest |Level-1 deficit| seen
    std::string first;
    template <class Where>
    void check(const EventVector& v, Where&& where) {
        ++windows;
        const auto [truth, hw] = l1_deficit(v);
        worst = std::max({worst, std::abs(truth), std::abs(hw)});
        if (truth == 0 && hw == 0 && level2_consistent(v)) return;
        if (!bad++)
            first = where() + ": truth deficit " + std::to_string(truth) + ", hardware deficit " + std::to_string(hw);
    }
};

// Steady from cycle 0 (no halted cycle, so cycle c is the phase's active cycle c): each slot event's
// cumulative count stays within the splitting depth of c x rate (docs/workloads.md).
void expect_near_exact_share(const Workload& w, const std::vector<EventVector>& prefix, const std::string& where) {
    const Phase& ph = *w.run_at(0).phase;
    double worst = 0;
    for (uint64_t c = 0; c < prefix.size(); ++c)
        for (unsigned e = idx(Event::SlotsLightOps); e <= idx(Event::UopDropping); ++e)
            worst = std::max(worst, std::fabs(double(prefix[c][e]) - double(c) * double(ph.rate[e]) / kRateDen));
    ::testing::Test::RecordProperty("worst_share_deviation " + where, std::to_string(worst));
    EXPECT_LT(worst, 4.0) << where;
}

}  // namespace

TEST(SlotAccounting, EveryWindowOf1To200CyclesAddsUpToSlotsInBothEvaluations) {
    constexpr uint64_t kStarts = 2000, kMaxLen = 200;
    for (const char* preset : kPresets) {
        for (auto& c : cases()) {
            // Given a workload bound to the preset...
            c.w->bind(make_cpu_config(preset));
            const Workload& w = *c.w;
            // ...when its cycles are walked one by one (per-cycle mode's cursor)...
            std::vector<EventVector> prefix(kStarts + kMaxLen + 1, EventVector::Zero());
            RunCursor cur;
            cur.seek(w, c.from);
            Tally per_cycle, fast;
            for (uint64_t i = 0; i < kStarts + kMaxLen; ++i) {
                const EventVector& ev = cur.next(w);
                per_cycle.check(ev, [&] { return "cycle " + std::to_string(c.from + i); });
                prefix[i + 1] = prefix[i] + ev;
            }
            // ...and every window of 1..200 cycles is counted at once (fast mode's arithmetic)...
            uint64_t differ = 0;
            for (uint64_t a = 0; a < kStarts; ++a)
                for (uint64_t n = 1; n <= kMaxLen; ++n) {
                    const EventVector v = count_all_events(w, c.from + a, c.from + a + n);
                    fast.check(v, [&] { return "[" + std::to_string(c.from + a) + ", +" + std::to_string(n) + ")"; });
                    differ += !(v == prefix[a + n] - prefix[a]).all();
                }
            // ...then every cycle and every window adds up exactly, and both ways agree.
            const std::string where = std::string(preset) + " " + c.name;
            RecordProperty("worst_l1_deficit " + where, std::to_string(std::max(per_cycle.worst, fast.worst)));
            EXPECT_EQ(per_cycle.bad, 0u) << where << " per cycle, worst deficit " << per_cycle.worst << "; first "
                                         << per_cycle.first;
            EXPECT_EQ(fast.bad, 0u) << where << " windows, " << fast.bad << " of " << fast.windows
                                    << " wrong, worst deficit " << fast.worst << "; first " << fast.first;
            EXPECT_EQ(differ, 0u) << where << ": per-cycle and interval counts differ";
            if (c.name == "steady") expect_near_exact_share(w, prefix, where);
        }
    }
}

namespace {

// The level-1 and level-2 slot events on GP counters 0..7 (Level 2: Sapphire Rapids and later).
constexpr uint64_t kGpEvents[] = {0x01a4 /*TOPDOWN.SLOTS_P*/,         0x02c2 /*UOPS_RETIRED.SLOTS*/,
                                  0x0073 /*TOPDOWN.BAD_SPEC_SLOTS*/,  0x019c /*IDQ_BUBBLES.CORE*/,
                                  0x02a4 /*TOPDOWN.BACKEND_BOUND_SLOTS*/, 0x08a4 /*BR_MISPREDICT_SLOTS*/,
                                  0x10a4 /*MEMORY_BOUND_SLOTS*/,      0x01c2 /*UOPS_RETIRED.HEAVY*/};

unsigned field(uint64_t pm, unsigned k) { return (pm >> (8 * k)) & 0xff; }

class SlotWindows : public ::testing::TestWithParam<TimeMode> {};

}  // namespace

TEST_P(SlotWindows, TopdownCountersAndPerfMetricsAddUpAfterEveryShortWindow) {
    for (const char* preset : {"icelake", "sapphirerapids", "lunarlake"}) {
        for (auto& c : cases()) {
            // Given the topdown events on the GP counters, FIXED_CTR3 and PERF_METRICS...
            auto m = make_machine(preset, {}, GetParam());
            m->set_workload(std::move(c.w));
            for (unsigned i = 0; i < 8; ++i)
                m->wrmsr(msr::kPerfEvtSel0 + i, kGpEvents[i] | sel::USR | sel::OS | sel::EN);
            uint64_t windows = 0, bad = 0, metrics_bad = 0;
            unsigned lowest = 0x1ff, highest = 0;  // PERF_METRICS Level-1 sums seen
            std::string first;
            // ...when each window of 1..200 cycles (twice over, so starts vary) counts from zero...
            for (uint64_t r = 0; r < 400; ++r) {
                const uint64_t n = 1 + r % 200;
                m->wrmsr(msr::kGlobalCtrl, 0);
                for (unsigned i = 0; i < 8; ++i) m->wrmsr(msr::kPmc0 + i, 0);
                start_slots_group(*m);
                m->wrmsr(msr::kGlobalCtrl, 0xffull | (1ull << 35) | (1ull << 48));
                const uint64_t from = m->cycle();
                m->run(n);
                uint64_t g[8];
                for (unsigned i = 0; i < 8; ++i) g[i] = m->rdmsr(msr::kPmc0 + i);
                const uint64_t fc3 = m->rdmsr(msr::kFixedCtr0 + 3), pm = m->rdmsr(msr::kPerfMetrics);
                // ...then the four Level-1 counts add up to SLOTS, each Level-2 count is inside its
                // parent, and the PERF_METRICS Level-1 bytes add up to 0xFF within rounding.
                ++windows;
                const bool counts_ok = g[1] + g[2] + g[3] + g[4] == fc3 && g[0] == fc3 && g[5] <= g[2] &&
                                       g[6] <= g[4] && g[7] <= g[1];
                const unsigned l1 = field(pm, 0) + field(pm, 1) + field(pm, 2) + field(pm, 3);
                const bool pm_ok = fc3 == 0 || (l1 >= 0xfc && l1 <= 0x102 && field(pm, 4) <= field(pm, 0) &&
                                                field(pm, 5) <= field(pm, 1) && field(pm, 6) <= field(pm, 2) &&
                                                field(pm, 7) <= field(pm, 3));
                metrics_bad += !pm_ok;
                if (fc3) lowest = std::min(lowest, l1), highest = std::max(highest, l1);
                if ((!counts_ok || !pm_ok) && !bad++)
                    first = "[" + std::to_string(from) + ", +" + std::to_string(n) + "): slots " + std::to_string(fc3) +
                            ", level 1 " + std::to_string(g[1] + g[2] + g[3] + g[4]) + ", PERF_METRICS sum " +
                            std::to_string(l1);
            }
            RecordProperty(std::string("perf_metrics_l1_sum ") + preset + " " + c.name,
                           std::to_string(lowest) + ".." + std::to_string(highest));
            EXPECT_EQ(bad, 0u) << preset << " " << c.name << ": " << bad << " of " << windows << " windows wrong ("
                               << metrics_bad << " in PERF_METRICS, sums " << lowest << ".." << highest << "); first "
                               << first;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(BothModes, SlotWindows, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);
