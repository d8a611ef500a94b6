// toplev's CSV (pmu-tools tl_output.py OutputCSV, toplev -I -x,) with Truth and Error appended,
// and the JSON's nodes in tree order with their parent and toplev path: given a breakdown, then
// these rows.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/topdown.h"
#include "sim/topdown_format.h"
#include "sim/topdown_format_toplev.h"

using namespace pmusim;
using tma::Node;

namespace {

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream is(text);
    for (std::string l; std::getline(is, l);) out.push_back(l);
    return out;
}

// A Sapphire Rapids Level-2 report of two 1,000,000-cycle intervals: the back end bound on memory
// (flagged: the bottleneck), the rest below their thresholds; reported 1 point above the truth.
TopdownReport report() {
    TopdownReport r;
    r.model = tma::Model(tma::Family::SapphireRapids, tma::Method::PerfMetrics, 6, 2, 8);
    r.cpu = "sapphirerapids";
    tma::Breakdown b = tma::Breakdown::Zero();
    const std::pair<Node, double> v[] = {{Node::FrontendBound, 0.10}, {Node::FetchLatency, 0.06},
                                         {Node::FetchBandwidth, 0.04}, {Node::BadSpeculation, 0.05},
                                         {Node::BranchMispredicts, 0.04}, {Node::MachineClears, 0.01},
                                         {Node::BackendBound, 0.60}, {Node::MemoryBound, 0.50},
                                         {Node::CoreBound, 0.10}, {Node::Retiring, 0.25},
                                         {Node::LightOperations, 0.20}, {Node::HeavyOperations, 0.05}};
    for (auto& [n, x] : v) b[tma::ni(n)] = x;
    for (uint64_t k = 0; k < 2; ++k) {
        TopdownInterval iv;
        iv.begin = k * 1'000'000;
        iv.end = iv.begin + 1'000'000;
        iv.truth = b;
        iv.reported = b + 0.01;
        iv.bottleneck = tma::bottleneck(iv.reported);
        iv.truth_bottleneck = tma::bottleneck(iv.truth);
        r.intervals.push_back(iv);
    }
    r.summary = r.intervals[0];
    return r;
}

std::string written(const TopdownReport& r, const std::string& format, ToplevCsvOptions o = {}) {
    std::ostringstream os;
    TopdownWriter(os, format, o).write(r, 0);
    return os.str();
}

}  // namespace

TEST(ToplevPaths, NodesAreNamedByTheirAncestorsAsToplevPrintsThem) {
    EXPECT_EQ(toplev_path(Node::BackendBound), "Backend_Bound");
    EXPECT_EQ(toplev_path(Node::MemoryBound), "Backend_Bound.Memory_Bound");
    EXPECT_EQ(toplev_path(Node::DramBound), "Backend_Bound.Memory_Bound.DRAM_Bound");
    EXPECT_EQ(toplev_path(std::string("Heavy_Operations")), "Retiring.Heavy_Operations");
    EXPECT_EQ(toplev_path(std::string("IPC")), "IPC");  // an Info metric has no parent
    EXPECT_EQ(perf_metric_name("Memory_Bound"), "tma_memory_bound");
}

// Given two intervals with -I, then toplev's header with Truth and Error, a version comment first
// and last, and one row per node per interval in tree order, each timestamped at the interval's end.
TEST(ToplevCsv, IntervalRowsFollowToplevsColumnsWithTruthAndErrorAppended) {
    const auto l = lines(written(report(), "toplev", {",", true, 1.0}));
    ASSERT_EQ(l.size(), 2 + 2 * 12 + 1u);
    EXPECT_EQ(l[0].rfind("# pmusim ", 0), 0u);
    EXPECT_EQ(l[1], "Timestamp,CPUs,Area,Value,Unit,Description,Sample,Stddev,Multiplex,Bottleneck,Idle,Truth,Error");
    EXPECT_EQ(l.back(), l[0]);
    // Backend_Bound.Memory_Bound: flagged, the bottleneck; its description only the first time.
    EXPECT_EQ(l[2 + 7], "0.001000000,C0,Backend_Bound.Memory_Bound,51,% Slots,back-end slots stalled on the memory "
                        "subsystem,,0.0,100.0,<==,,50,1");
    EXPECT_EQ(l[2 + 12 + 7], "0.002000000,C0,Backend_Bound.Memory_Bound,51,% Slots,,,0.0,100.0,<==,,50,1");
    // Frontend_Bound at 11%: below its threshold (15%), toplev's " <" on the unit; no bottleneck.
    EXPECT_EQ(l[2].substr(0, 48), "0.001000000,C0,Frontend_Bound,11,% Slots <,slots");
    EXPECT_NE(l[2].find(",,0.0,100.0,,,10,1"), std::string::npos) << l[2];
}

// Given no -I, then no Timestamp column (toplev prints one only in interval mode); given -x ';',
// then that separator, and a description holding it is quoted as Python's csv module quotes.
TEST(ToplevCsv, SeparatorAndTimestampsFollowToplevsOptions) {
    const auto once = lines(written(report(), "toplev"));
    EXPECT_EQ(once[1].rfind("CPUs,Area,Value", 0), 0u);
    EXPECT_EQ(once[2].rfind("C0,Frontend_Bound,11,", 0), 0u);
    const auto semi = lines(written(report(), "toplev", {";", true, 2.0}));
    EXPECT_EQ(semi[1].rfind("Timestamp;CPUs;Area;Value;Unit;", 0), 0u);
    EXPECT_EQ(semi[2].rfind("0.000500000;C0;Frontend_Bound;11;% Slots <;", 0), 0u);  // 10^6 cycles at 2 GHz
    const auto comma = lines(written(report(), "toplev", {",", true, 1.0}));
    EXPECT_NE(comma[2 + 3].find(",\"slots spent on uops that never retire, and on recovering from the speculation\","),
              std::string::npos) << comma[2 + 3];
}

// Given a JSON report, then its nodes come in tree order, each with its parent and toplev path.
TEST(TopdownJson, NodesComeInTreeOrderWithParentAndPath) {
    const auto j = nlohmann::ordered_json::parse(written(report(), "json"));
    const auto& nodes = j["intervals"][0]["nodes"];
    std::vector<std::string> order;
    for (auto it = nodes.begin(); it != nodes.end(); ++it) order.push_back(it.key());
    std::vector<std::string> want;
    for (Node n : tma::nodes_up_to(2)) want.push_back(tma::node_name(n));
    EXPECT_EQ(order, want);
    EXPECT_TRUE(nodes["Backend_Bound"]["parent"].is_null());
    EXPECT_EQ(nodes["Memory_Bound"]["parent"], "Backend_Bound");
    EXPECT_EQ(nodes["Memory_Bound"]["path"], "Backend_Bound.Memory_Bound");
    EXPECT_EQ(j["summary"]["nodes"].begin().key(), "Frontend_Bound");
}
