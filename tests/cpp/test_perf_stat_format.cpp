// perf stat's -x and -j rows (Linux tools/perf/util/stat-display.c): given these readings, when
// printed, then perf's fields in perf's order.
#include <gtest/gtest.h>

#include <cmath>

#include "sim/perf_stat_format.h"

using namespace pmusim;

namespace {

CountReading reading(const std::string& name, double scaled, uint64_t running, uint64_t enabled) {
    CountReading c;
    c.name = name;
    c.scaled = scaled;
    c.raw = static_cast<uint64_t>(scaled);
    c.running = running;
    c.enabled = enabled;
    return c;
}

}  // namespace

TEST(PerfStatFormat, CsvRowIsCountUnitEventRuntimePercentMetricValueUnit) {
    const std::vector<CountReading> r = {reading("cycles", 2000, 1000, 1000), reading("instructions", 3000, 1000, 1000)};
    EXPECT_EQ(perf_stat_rows(r, {",", false, 1.0}), "2000,,cycles,1000,100.00,,\n"
                                                   "3000,,instructions,1000,100.00,1.50,insn per cycle\n");
}

TEST(PerfStatFormat, MultiplexedShareIsAWholePercentAsPerfComputesItInIntegers) {
    // print_running_csv: 100 * run / ena in u64, so 2/3 of the time prints 66.00, not 66.67.
    const std::vector<CountReading> r = {reading("branches", 1500, 2000, 3000)};
    EXPECT_EQ(perf_stat_rows(r, {";", false, 1.0}), "1500;;branches;2000;66.00;;\n");
}

TEST(PerfStatFormat, NeverScheduledIsNotCountedAndHasNoMetric) {
    const std::vector<CountReading> r = {reading("branches", 0, 0, 3000), reading("branch-misses", 0, 0, 3000)};
    EXPECT_EQ(perf_stat_rows(r, {",", false, 1.0}), "<not counted>,,branches,0,0.00,,\n<not counted>,,branch-misses,0,0.00,,\n");
}

TEST(PerfStatFormat, TimesAreNanosecondsAtTheStatedFrequency) {
    const std::vector<CountReading> r = {reading("cycles", 3000000, 3000000, 3000000)};
    // 3e6 cycles at 3 GHz: 1 ms running, interval ending at 6e6 cycles = 2 ms
    EXPECT_EQ(perf_stat_rows(r, {",", false, 3.0}, 6000000), "0.002000000,3000000,,cycles,1000000,100.00,,\n");
}

TEST(PerfStatFormat, JsonLinesCarryPerfKeysAndDropTheMetricWhenThereIsNone) {
    const std::vector<CountReading> r = {reading("cycles", 2000, 1000, 1000), reading("instructions", 3000, 1000, 1000)};
    EXPECT_EQ(perf_stat_rows(r, {"", true, 1.0}, 1000),
              "{\"interval\" : 0.000001000, \"counter-value\" : \"2000.000000\", \"unit\" : \"\", \"event\" : \"cycles\", "
              "\"event-runtime\" : 1000, \"pcnt-running\" : 100.00}\n"
              "{\"interval\" : 0.000001000, \"counter-value\" : \"3000.000000\", \"unit\" : \"\", \"event\" : "
              "\"instructions\", \"event-runtime\" : 1000, \"pcnt-running\" : 100.00, \"metric-value\" : \"1.500000\", "
              "\"metric-unit\" : \"insn per cycle\"}\n");
}

TEST(PerfStatFormat, IntervalIsMillisecondsAtFreqOrCyclesWithSuffix) {
    EXPECT_EQ(parse_interval("100", 1.0), 100'000'000u);
    EXPECT_EQ(parse_interval("0.5", 2.4), 1'200'000u);
    EXPECT_EQ(parse_interval("1000000c", 2.4), 1'000'000u);
    for (const char* bad : {"", "c", "0", "-3", "abc", "1.5c", "10x", "nan", "1e30c"})
        EXPECT_THROW(parse_interval(bad, 1.0), std::invalid_argument) << bad;
}

TEST(PerfStatFormat, WarnsOnlyForIntervalsUnderAMillisecond) {
    EXPECT_EQ(short_interval_warning(1'000'000, 1.0), "");
    EXPECT_NE(short_interval_warning(999'999, 1.0), "");
    EXPECT_NE(short_interval_warning(1'000'000, 2.0).find("0.5 ms at 2 GHz"), std::string::npos);
}

TEST(PerfStatFormat, MetricRowPadsTheEventFieldsAndTrimsTheValueAsPerf) {
    // new_line_csv: the count, unit, event, run and percentage fields empty; "%8.1f" trimmed.
    EXPECT_EQ(perf_metric_row(35.26, "%  tma_backend_bound", {",", false, 1.0}), ",,,,,35.3,%  tma_backend_bound\n");
    EXPECT_EQ(perf_metric_row(7.0, "%  tma_retiring", {";", false, 1.0}, 2000000),
              "0.002000000;;;;;;7.0;%  tma_retiring\n");
    // 0/0 in a formula: perf's trimming of "     nan" leaves an empty value
    EXPECT_EQ(perf_metric_row(std::nan(""), "%  tma_retiring", {",", false, 1.0}), ",,,,,,%  tma_retiring\n");
    EXPECT_EQ(perf_metric_row(7.0, "%  tma_retiring", {"", true, 1.0}),
              "{\"metric-value\" : \"7.000000\", \"metric-unit\" : \"%  tma_retiring\"}\n");
}

// perf stat -r: the mean over the runs, and the spread as tools/perf/util/stat.c computes it: the
// sample standard deviation over sqrt(n), in % of the mean (stddev_stats, rel_stddev_stats).
TEST(PerfStatFormat, RepeatedRunsAverageAndSpreadAsPerfStatR) {
    // cycles 90, 100, 110: mean 100, sample variance 100, stddev of the mean 10/sqrt(3) = 5.77%.
    std::vector<std::vector<CountReading>> runs;
    for (double v : {90.0, 100.0, 110.0}) runs.push_back({reading("cycles", v, 1000, 1000), reading("instructions", 150, 1000, 1000)});
    const RepeatedCounts r = average_runs(runs);
    EXPECT_EQ(r.runs, 3u);
    EXPECT_DOUBLE_EQ(r.mean[0].scaled, 100.0);
    EXPECT_NEAR(r.noise_pct[0], 100.0 * 10.0 / std::sqrt(3.0) / 100.0, 1e-12);
    EXPECT_EQ(r.noise_pct[1], 0.0);  // the same in every run
    // print_noise_pct_csv / _json: the spread after the event name, before the running time.
    EXPECT_EQ(perf_stat_rows(r.mean, {",", false, 1.0}, std::nullopt, &r.noise_pct),
              "100,,cycles,5.77%,1000,100.00,,\n150,,instructions,0.00%,1000,100.00,1.50,insn per cycle\n");
    EXPECT_EQ(perf_stat_rows({r.mean[0]}, {"", true, 1.0}, std::nullopt, &r.noise_pct),
              "{\"counter-value\" : \"100.000000\", \"unit\" : \"\", \"event\" : \"cycles\", \"variance\" : 5.77, "
              "\"event-runtime\" : 1000, \"pcnt-running\" : 100.00}\n");
    // One run has no spread (stddev_stats returns 0 under two samples).
    EXPECT_EQ(average_runs({runs[0]}).noise_pct[0], 0.0);
    EXPECT_THROW(average_runs({runs[0], {reading("branches", 1, 1, 1)}}), std::invalid_argument);
}
