// The formula language (perf's metric arithmetic), the tables as data (every family compiles, each
// target reads only what is defined before it), and selection by --nodes and -M.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "tma/formula.h"
#include "tma/tma_engine.h"
#include "tma/tma_tables.h"

using namespace pmusim::tma;

namespace {
double eval(const std::string& text, std::vector<double> in = {}) {
    const std::vector<std::string> names = {"a", "b", "c"};
    const Formula f = Formula::compile(text, [&](const std::string& n) {
        for (size_t i = 0; i < names.size(); ++i)
            if (n == names[i]) return int(i);
        return -1;
    });
    return f.eval(in.data());
}
}  // namespace

TEST(TmaFormula, ArithmeticAsPerfEvaluatesMetricExpressions) {
    EXPECT_DOUBLE_EQ(eval("1 + 2 * 3 - 4 / 2"), 5);
    EXPECT_DOUBLE_EQ(eval("-(a - b) * 2", {1, 4}), 6);
    EXPECT_DOUBLE_EQ(eval("max(a, 0) + min(b, 1)", {-3, 5}), 1);
    // x / 0 is NaN, not inf, whatever x is (tools/perf/util/expr.y).
    EXPECT_TRUE(std::isnan(eval("a / b", {0, 0})));
    EXPECT_TRUE(std::isnan(eval("a / b", {1, 0})));
    // max(a, b) = a > b ? a : b: a NaN first argument loses, a NaN second argument wins.
    EXPECT_EQ(eval("max(a / b, 0)", {0, 0}), 0.0);
    EXPECT_TRUE(std::isnan(eval("max(0, a / b)", {0, 0})));
    // Thresholds: comparisons, & and |; a comparison with NaN is false.
    EXPECT_EQ(eval("a > 0.10 & b > 0.15", {0.2, 0.2}), 1.0);
    EXPECT_EQ(eval("a > 0.10 & b > 0.15", {0.2, 0.1}), 0.0);
    EXPECT_EQ(eval("a > 0.70 | b > 0.10", {0.1, 0.2}), 1.0);
    EXPECT_EQ(eval("a / b > 0", {0, 0}), 0.0);
    // perf's `x if cond else y` (Ports_Utilization): lowest precedence, a condition of exactly 0
    // takes the else part, a NaN condition does not (expr.y tests for FP_ZERO).
    EXPECT_EQ(eval("a + 1 if a < b else b * 2", {1, 4}), 2.0);
    EXPECT_EQ(eval("a + 1 if a < b else b * 2", {5, 4}), 8.0);
    EXPECT_EQ(eval("a if b else c", {1, 0, 3}), 3.0);
    EXPECT_EQ(eval("a if b / c else c", {1, 0, 0}), 1.0);
    EXPECT_EQ(eval("(a if b > 0 else c) * 2", {1, -1, 3}), 6.0);
    EXPECT_EQ(eval("a if b > 1 else c if b > 0 else 7", {1, 0.5, 3}), 3.0);
}

TEST(TmaFormula, ErrorsNameTheFormulaPositionAndName) {
    try {
        eval("a + nosuch / 2");
        FAIL() << "an unknown name compiled";
    } catch (const std::invalid_argument& e) {
        const std::string w = e.what();
        EXPECT_NE(w.find("'a + nosuch / 2'"), std::string::npos) << w;
        EXPECT_NE(w.find("at 4"), std::string::npos) << w;
        EXPECT_NE(w.find("unknown name 'nosuch'"), std::string::npos) << w;
    }
    EXPECT_THROW(eval("(a + b"), std::invalid_argument);
    EXPECT_THROW(eval("a +"), std::invalid_argument);
    EXPECT_THROW(eval("max(a)"), std::invalid_argument);
    EXPECT_THROW(eval("a $ b"), std::invalid_argument);
    EXPECT_THROW(eval("a if b"), std::invalid_argument);
    EXPECT_THROW(eval("if + 1"), std::invalid_argument);
    std::string deep = "a";
    for (int i = 0; i < 40; ++i) deep = "(a + " + deep + ")";  // right-nested: a deep stack
    EXPECT_THROW(eval(deep), std::invalid_argument);
}

TEST(TmaTables, EveryFamilyDefinesEveryNodeOnceEachMethodAndReadsOnlyEarlierRows) {
    for (Family f : {Family::Skylake, Family::IceLake, Family::SapphireRapids}) {
        std::set<std::string> defined;
        for (unsigned e = 0; e < kNumEv; ++e) defined.insert(formula_event_name(static_cast<Ev>(e), f));
        for (unsigned k = 0; k < 8; ++k) defined.insert(pm_field_name(k));
        defined.insert("W");
        for (const FormulaRow& r : family_table(f).rows) {
            for (const std::string& n : formula_names(r.formula)) {
                EXPECT_TRUE(defined.count(n)) << family_name(f) << " " << r.target << " reads '" << n
                                              << "' before it is defined";
            }
            EXPECT_NE(std::string(r.source), "") << r.target;
            defined.insert(r.target);
        }
        for (Method m : {Method::PerfMetrics, Method::GpEvents}) {
            if (f == Family::Skylake && m == Method::PerfMetrics) continue;
            for (const Descriptor& d : describe(f, m)) {
                if (d.kind != "node") continue;
                EXPECT_NE(d.formula, "") << family_name(f) << " " << d.name;
            }
            Model md{f, m, 4, 3, 8};
            EXPECT_NO_THROW(required_events(md)) << family_name(f) << " " << method_name(m);
        }
    }
}

TEST(TmaTables, TreeAndThresholdsComeFromTheNodeTable) {
    ASSERT_EQ(node_table().size(), size_t(kNumNodes));
    for (const NodeRow& r : node_table()) {
        EXPECT_EQ(node_name(r.node), std::string(r.name));
        EXPECT_EQ(level(r.node), r.level);
        if (r.level > 1) {
            EXPECT_EQ(level(r.parent), r.level - 1) << r.name;
        }
        // Each threshold names its own node and, below Level 1 except Fetch_Bandwidth and the
        // Retiring children (perfmon has no parent term there), its parent.
        const auto names = formula_names(r.threshold);
        EXPECT_EQ(names.front(), r.name);
    }
    EXPECT_EQ(children(Node::MemoryBound),
              (std::vector<Node>{Node::L1Bound, Node::L2Bound, Node::L3Bound, Node::DramBound, Node::StoreBound}));
}

TEST(TmaSelection, NodesSelectOnlyThoseAndTheirParentsAndOnlyTheirEvents) {
    // Given --nodes Memory_Bound on Skylake, when the engine plans the reading, then it reports
    // Backend_Bound and Memory_Bound only and programs no front-end or retiring-split event.
    Model m{Family::Skylake, Method::GpEvents, 4, 3, 0};
    m.nodes = parse_nodes("memory_bound");
    EXPECT_EQ(selected_nodes(m), (std::vector<Node>{Node::BackendBound, Node::MemoryBound}));
    const auto ev = required_events(m);
    EXPECT_EQ(std::count(ev.begin(), ev.end(), Ev::StallsMemAny), 1);
    EXPECT_EQ(std::count(ev.begin(), ev.end(), Ev::FetchBubbleCycles), 0);
    EXPECT_EQ(std::count(ev.begin(), ev.end(), Ev::MacroFused), 0);
    m.nodes = parse_nodes("Memory_Bound*");
    // Backend_Bound, Memory_Bound, its five children and their Level-4 children Store_Fwd_Blk,
    // MEM_Bandwidth and MEM_Latency.
    EXPECT_EQ(selected_nodes(m).size(), 10u);
    EXPECT_THROW(parse_nodes("Memory_Bnd"), std::invalid_argument);
}

TEST(TmaSelection, MetricGroupsSelectNodesAndInfoMetrics) {
    Model m{Family::SapphireRapids, Method::PerfMetrics, 6, 2, 8};
    select_groups(m, "Summary");  // IPC and Instructions: Info only, the tree stays at its level
    EXPECT_EQ(m.metrics, (std::vector<std::string>{"IPC", "Instructions"}));
    EXPECT_TRUE(m.nodes.empty());
    select_groups(m, "TmaL3mem");
    EXPECT_EQ(selected_nodes(m).size(), 7u);
    Model s{Family::Skylake, Method::GpEvents, 4, 1, 0};
    EXPECT_THROW(select_groups(s, "Spec_Clears_Ratio"), std::invalid_argument);  // no CLEARS_COUNT on SKX
    EXPECT_THROW(select_groups(s, "NoSuchGroup"), std::invalid_argument);
    select_groups(s, "info");
    EXPECT_EQ(s.metrics.size(), 9u);
    // Info metrics add their events after the tree's.
    const auto ev = required_events(s);
    EXPECT_EQ(ev.back(), Ev::Branches);
}

TEST(TmaSelection, RequiredEventsKeepTheLevelOneOrderTheAgentHasAlwaysUsed) {
    // Which counter each event lands on shows in waveforms: Level 1 keeps its order.
    EXPECT_EQ(required_events({Family::Skylake, Method::GpEvents, 4, 1, 0}),
              (std::vector<Ev>{Ev::Clks, Ev::IdqNotDelivered, Ev::UopsIssued, Ev::UopsRetiredSlots, Ev::RecoveryCycles}));
    EXPECT_EQ(required_events({Family::SapphireRapids, Method::GpEvents, 6, 1, 0}),
              (std::vector<Ev>{Ev::Clks, Ev::Slots, Ev::UopDropping, Ev::IdqNotDelivered, Ev::BackendBoundSlots,
                               Ev::UopsRetiredSlots}));
    EXPECT_EQ(required_events({Family::IceLake, Method::PerfMetrics, 5, 1, 4}),
              (std::vector<Ev>{Ev::Clks, Ev::Slots, Ev::UopDropping, Ev::ClearsCount}));
}
