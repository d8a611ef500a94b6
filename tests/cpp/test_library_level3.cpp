// The library's archetypes carry the Level-3 causes that only Lunar Lake's tree reads, so that
// `pmusim topdown --cpu lunarlake -l 3` on them shows those nodes with values, not zeros:
// `interpreter`'s mispredicts by kind (mostly the dispatch's indirect jump) and
// `vector_kernel`'s loop streamed from the loop stream detector (LSD).
// Given the archetype's file, when perf measures the Level-3 tree over one pass, then each
// node's truth is the file's share of its parent and Intel's formula recovers it.
#include <cmath>

#include "topdown_test_util.h"

using namespace pmusim;
using namespace pmusim::test;
using tma::Node;

TEST(LibraryLevel3, InterpretersMispredictsAreMostlyTheDispatchsIndirectJump) {
    const TopdownReport r = run_archetype("lunarlake", "interpreter", 3, 0);
    const tma::Breakdown& t = r.summary.truth;
    // workloads/interpreter.yaml: 60 % indirect jumps, 15 % not-taken and 10 % forward-taken
    // conditionals, 5 % each backward-taken, indirect calls and returns, all at the mean cost.
    const std::pair<Node, double> kinds[] = {
        {Node::IndJumpMispredicts, 0.6},   {Node::CondNtMispredicts, 0.15}, {Node::CondTkFwdMispredicts, 0.1},
        {Node::CondTkBwdMispredicts, 0.05}, {Node::IndCallMispredicts, 0.05}, {Node::RetMispredicts, 0.05}};
    const double bm = node(t, Node::BranchMispredicts);
    ASSERT_GT(bm, 0.2);
    for (auto [n, share] : kinds) {
        EXPECT_NEAR(node(t, n), share * bm, 1e-3 * bm) << tma::node_name(n);
        // Under the full Level-3 multiplexing the reported value stays within half a percent
        // of the slots of its truth (a single steady phase with 8 % random variation).
        EXPECT_NEAR(node(r.summary.reported, n), node(t, n), 0.005) << tma::node_name(n);
    }
    EXPECT_EQ(r.summary.bottleneck, Node::IndJumpMispredicts);
    EXPECT_EQ(r.summary.truth_bottleneck, Node::IndJumpMispredicts);
}

TEST(LibraryLevel3, VectorKernelsFetchBandwidthIsLostMostlyInTheLoopStreamDetector) {
    const TopdownReport r = run_archetype("lunarlake", "vector_kernel", 3, 0);
    const tma::Breakdown& t = r.summary.truth;
    // workloads/vector_kernel.yaml: 45 % of Fetch_Bandwidth in the LSD, 30 % in the DSB,
    // 10 % in MITE, 5 % in the microcode sequencer.
    const double fb = node(t, Node::FetchBandwidth);
    ASSERT_GT(fb, 0.01);
    const std::pair<Node, double> causes[] = {
        {Node::Lsd, 0.45}, {Node::Dsb, 0.3}, {Node::Mite, 0.1}, {Node::Ms, 0.05}};
    for (auto [n, share] : causes) {
        EXPECT_NEAR(node(t, n), share * fb, 1e-3 * fb) << tma::node_name(n);
        EXPECT_NEAR(node(r.summary.reported, n), node(t, n), 0.005) << tma::node_name(n);
    }
    EXPECT_GT(node(r.summary.reported, Node::Lsd), node(r.summary.reported, Node::Dsb));
}

TEST(LibraryLevel3, TheOtherFamiliesHaveNeitherKindsNorAnLsdNode) {
    // The same files on Sapphire Rapids: the nodes are not in its tree, so they read NaN.
    for (const char* name : {"interpreter", "vector_kernel"}) {
        const TopdownReport r = run_archetype("sapphirerapids", name, 3, 0);
        EXPECT_TRUE(std::isnan(node(r.summary.reported, Node::IndJumpMispredicts))) << name;
        EXPECT_TRUE(std::isnan(node(r.summary.reported, Node::Lsd))) << name;
    }
}
