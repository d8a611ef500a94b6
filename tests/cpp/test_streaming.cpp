// Memory flat in run length (docs/user-guide.md "Limits"): topdown intervals go to a sink as they
// are produced and are not kept; the streamed output is the same, byte for byte, as the output
// of a report that kept them; the perf agent keeps only its last reading.
#include <gtest/gtest.h>

#include <sstream>

#include "pmu_test_util.h"
#include "models/virt/context_workload.h"
#include "sim/input_limits.h"
#include "sim/topdown.h"
#include "sim/topdown_format.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/scenario.h"
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
    for (const char* format : {"table", "csv", "toplev", "json"}) {
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

// Given a schedule of host and guest segments, when the segments before a cycle are forgotten,
// then the cycles each owner had, the owners' spans and the events at later cycles are unchanged,
// and only the segments from that cycle on are held.
TEST(Streaming, ContextScheduleForgetsWhatNoReaderAsksAbout) {
    auto make = [] {
        auto cw = std::make_unique<ContextWorkload>();
        const unsigned h = cw->add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "host");
        const unsigned g = cw->add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "guest");
        cw->bind(make_cpu_config("sapphirerapids"));
        for (int i = 0; i < 1000; ++i) {
            cw->append(h, 700, 0, 0);
            cw->append(h, 50, 0, 1);  // a step: same owner, another tag
            cw->append(g, 1000 + i, 1, 2);
        }
        return cw;
    };
    auto whole = make(), trimmed = make();
    trimmed->forget_before(2'000'000);
    EXPECT_LT(trimmed->segments().size(), whole->segments().size() / 4);
    EXPECT_GT(trimmed->segments().front().end, 2'000'000u);
    for (int owner : {0, 1}) EXPECT_EQ(trimmed->owned_cycles(owner), whole->owned_cycles(owner));
    const auto a = whole->spans(), b = trimmed->spans();
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
        EXPECT_TRUE(a[i].begin == b[i].begin && a[i].end == b[i].end && a[i].owner == b[i].owner) << i;
    EXPECT_TRUE((count_all_events(*trimmed, 2'000'000, trimmed->end()) == count_all_events(*whole, 2'000'000, whole->end())).all());
    // The last segment stays, so an append still merges into it and a truncate still gives time back.
    trimmed->forget_before(trimmed->end());
    EXPECT_EQ(trimmed->segments().size(), 1u);
    trimmed->truncate(trimmed->end() - 10);
    EXPECT_EQ(trimmed->local_time(1), whole->local_time(1) - 10);
}

// Given more spans than a report keeps, then the timeline is cut at max_spans() (the default,
// or a scenario's checks.max_timeline_spans) and the owners' cycles still cover the whole
// schedule; the spans kept are the first ones, whatever the cap.
TEST(Streaming, ContextSpansAreBounded) {
    for (size_t cap : {ContextWorkload::kDefaultMaxSpans, size_t(1000), size_t(0)}) {
        ContextWorkload cw;
        cw.set_max_spans(cap);
        const unsigned h = cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "host");
        const unsigned g = cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "guest");
        const uint64_t n = ContextWorkload::kDefaultMaxSpans / 2 + 10;
        for (uint64_t i = 0; i < n; ++i) {
            cw.append(h, 3, 0, 0);
            cw.append(g, 5, 1, 1);
            if (i % 1000 == 0) cw.forget_before(cw.end());
        }
        const auto spans = cw.spans();
        ASSERT_EQ(spans.size(), cap);
        for (size_t i = 0; i < spans.size(); ++i) {
            EXPECT_EQ(spans[i].begin, (i / 2) * 8 + (i % 2) * 3);
            EXPECT_EQ(spans[i].owner, int(i % 2));
        }
        EXPECT_EQ(cw.owned_cycles(0), 3 * n);
        EXPECT_EQ(cw.owned_cycles(1), 5 * n);
    }
}

// A scenario's checks.max_timeline_spans bounds its report's timeline (the first spans); the
// counts and checks still cover the whole run. Zero is refused, naming the field.
TEST(Streaming, ScenarioTimelineCapIsAParameter) {
    Scenario s = load_scenario("perf_metrics_patch");
    const RunReport whole = run_scenario(s);
    ASSERT_GT(whole.timeline.size(), 10u);
    s.checks.max_timeline_spans = 10;
    const RunReport cut = run_scenario(s);
    ASSERT_EQ(cut.timeline.size(), 10u);
    for (size_t i = 0; i < 10; ++i)
        EXPECT_TRUE(cut.timeline[i].begin == whole.timeline[i].begin && cut.timeline[i].end == whole.timeline[i].end &&
                    cut.timeline[i].ctx == whole.timeline[i].ctx) << i;
    EXPECT_EQ(cut.contexts[1].cycles, whole.contexts[1].cycles);
    EXPECT_EQ(cut.violations.total(), whole.violations.total());
    try {
        parse_scenario_yaml("checks: {max_timeline_spans: 0}\n", "t.yaml");
        FAIL() << "accepted 0";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("checks.max_timeline_spans"), std::string::npos) << e.what();
    }
}
