// Memory flat in run length (docs/user-guide.md "Limits"): topdown intervals go to a sink as they
// are produced and are not kept; the streamed output is the same, byte for byte, as the output
// of a report that kept them; the perf agent keeps only its last reading.
#include <gtest/gtest.h>

#include <sstream>

#include "pmu_test_util.h"
#include "sim/input_limits.h"
#include "sim/topdown.h"
#include "sim/topdown_format.h"
#include "sim/workload_file.h"

using namespace pmusim;
using pmusim::test::make_machine;

namespace {

TopdownOptions options(uint64_t cycles, uint64_t interval) {
    TopdownOptions o;
    o.cycles = cycles;
    o.interval = interval;
    return o;
}

std::unique_ptr<Machine> machine_with(const std::string& workload) {
    auto m = make_machine("sapphirerapids");
    m->set_workload(load_workload_file(workload_library_dir() + "/" + workload + ".yaml"));
    return m;
}

// Counts what it is given and keeps nothing.
struct CountingSink : TopdownSink {
    uint64_t announced = 0, seen = 0, last_end = 0;
    void begin(const TopdownReport&, uint64_t n) override { announced = n; }
    void interval(const TopdownReport&, const TopdownInterval& iv) override {
        ++seen;
        last_end = iv.end;
    }
};

}  // namespace

// Given a sink, when a run makes 2,000 intervals, then the sink sees each and the report keeps none.
TEST(Streaming, TopdownIntervalsGoToTheSinkNotTheReport) {
    auto m = machine_with("mixed_app");
    CountingSink sink;
    TopdownOptions o = options(2'000'000, 1'000);
    o.sink = &sink;
    const TopdownReport r = run_topdown(*m, o);
    EXPECT_EQ(sink.announced, 2000u);
    EXPECT_EQ(sink.seen, 2000u);
    EXPECT_EQ(sink.last_end, 2'000'000u);
    EXPECT_EQ(r.interval_count, 2000u);
    EXPECT_TRUE(r.intervals.empty());
}

// Given the same run streamed and kept, then every format writes the same bytes.
TEST(Streaming, StreamedOutputEqualsTheKeptReportsOutput) {
    for (const char* format : {"table", "csv", "json"}) {
        auto kept_m = machine_with("interpreter");
        const TopdownReport kept = run_topdown(*kept_m, options(3'000'000, 700'000));  // the last interval is short
        std::ostringstream want;
        TopdownWriter(want, format).write(kept, 1.5);

        auto m = machine_with("interpreter");
        std::ostringstream got;
        TopdownWriter w(got, format);
        TopdownOptions o = options(3'000'000, 700'000);
        o.sink = &w;
        const TopdownReport r = run_topdown(*m, o);
        w.end(r, 1.5);
        EXPECT_EQ(got.str(), want.str()) << format;
        EXPECT_EQ(kept.intervals.size(), 5u);
    }
}

// Given more intervals than may be kept in memory, then the run is refused before it starts; a
// streamed run has its own, higher bound.
TEST(Streaming, KeptAndStreamedIntervalsAreBounded) {
    auto m = make_machine("sapphirerapids");
    EXPECT_THROW(run_topdown(*m, options(kMaxKeptIntervals + 1, 1)), std::invalid_argument);
    CountingSink sink;
    TopdownOptions o = options(kMaxIntervals + 1, 1);
    o.sink = &sink;
    EXPECT_THROW(run_topdown(*m, o), std::invalid_argument);
    EXPECT_EQ(m->cycle(), 0u);
    EXPECT_EQ(sink.announced, 0u);
    o.cycles = kMaxKeptIntervals + 1000;
    o.interval = 1000;
    EXPECT_NO_THROW(run_topdown(*m, o));
    EXPECT_EQ(sink.seen, kMaxKeptIntervals / 1000 + 1);
}
