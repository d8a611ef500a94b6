// Helpers shared by the GoogleTest suites: machines on the shared platform, MSR names, event
// selector encodings, and #GP expectations.
#pragma once
#include <gtest/gtest.h>

#include "models/pmu/msr_port.h"
#include "models/pmu/register_table.h"
#include "sim/machine.h"

namespace pmusim::test {

namespace sel {
constexpr uint64_t USR = 1ull << 16, OS = 1ull << 17, E = 1ull << 18, INT = 1ull << 20, EN = 1ull << 22,
                   INV = 1ull << 23;
constexpr uint64_t cmask(uint64_t c) { return c << 24; }
constexpr uint64_t INSTRUCTIONS = 0x00c0, CYCLES = 0x003c, BRANCHES = 0x00c4, BRANCH_MISSES = 0x00c5,
                   SLOTS = 0x01a4;
}  // namespace sel

constexpr uint32_t RDPMC_FIXED = 1u << 30, RDPMC_METRICS = 1u << 29;

inline std::unique_ptr<Machine> make_machine(const std::string& cpu = "sapphirerapids", Overrides ov = {},
                                             TimeMode mode = TimeMode::Fast, SteadyParams wl = {}) {
    MachineOptions o;
    o.cpu = cpu;
    o.overrides = std::move(ov);
    o.mode = mode;
    o.quantum = 100'000;
    auto m = std::make_unique<Machine>(o);
    m->set_workload(std::make_unique<SteadyWorkload>(wl));
    return m;
}

// Start the slots group the way perf does (ST-CNT[dev] __guest_test_perf_metrics): counting off,
// FIXED_CTR3 then PERF_METRICS zeroed, FC3 in both rings, GLOBAL_CTRL bits 35 and 48.
inline void start_slots_group(Machine& m) {
    m.wrmsr(msr::kGlobalCtrl, 0);
    m.wrmsr(msr::kFixedCtr0 + 3, 0);
    m.wrmsr(msr::kPerfMetrics, 0);
    m.wrmsr(msr::kFixedCtrCtrl, 0x3ull << 12);
    m.wrmsr(msr::kGlobalCtrl, (1ull << 35) | (1ull << 48));
}

// Names the per-cycle / fast instantiations of mode-parameterised tests.
inline std::string mode_name(const ::testing::TestParamInfo<TimeMode>& i) {
    return i.param == TimeMode::Fast ? "Fast" : "PerCycle";
}

// What two PMUs that counted the same cycles by different paths (stepping, replay, blocks, chunks)
// must agree on: every counter, GLOBAL_STATUS and PERF_METRICS' slot accumulators.
inline ::testing::AssertionResult same_counting_state(const Pmu& a, const Pmu& b) {
    if (a.state().counter != b.state().counter) return ::testing::AssertionFailure() << "counters differ";
    if (a.state().global_status != b.state().global_status)
        return ::testing::AssertionFailure() << "GLOBAL_STATUS " << a.state().global_status << " != " << b.state().global_status;
    if (!(a.state().metric_acc == b.state().metric_acc)) return ::testing::AssertionFailure() << "PERF_METRICS accumulators differ";
    return ::testing::AssertionSuccess();
}

// floor(n * rate) with the model's exact rate arithmetic.
inline uint64_t expected(double rate, uint64_t n) { return floor_count(rate_numerator(rate), n); }

#define EXPECT_GP(expr)                                            \
    do {                                                           \
        const ::pmusim::AccessResult r_ = (expr);                  \
        EXPECT_FALSE(r_.ok) << #expr " should #GP";                \
        EXPECT_FALSE(r_.reason.empty());                           \
    } while (0)
#define EXPECT_OK(expr)                                                 \
    do {                                                                \
        const ::pmusim::AccessResult r_ = (expr);                       \
        EXPECT_TRUE(r_.ok) << #expr " raised #GP: " << r_.reason;       \
    } while (0)

}  // namespace pmusim::test
