// Light_Operations' Level-3 children and their Level-4 children, each family's tree as its perfmon
// file defines it: FP_Arith (X87_Use, FP_Scalar, FP_Vector), Int_Operations (SPR, LNL),
// Fused_Instructions and Non_Fused_Branches (SKX, SPR, LNL) or Branch_Instructions (ICX),
// Other_Light_Ops (Nop_Instructions, and Shuffles_256b on SPR and LNL).
// Given a workload whose retired uops are a known mix of kinds, when perf measures the subtree,
// then each node equals its truth within the method's error, and the truth is what the workload says.
#include <cmath>

#include "topdown_test_util.h"

using namespace pmusim;
using namespace pmusim::test;
using tma::Node;

namespace {

// Light operations at 25 % of slots, heavy at 5 %; the kinds as shares of the retired uops.
SteadyParams mix_phase() {
    SteadyParams p;
    p.slot_mix = {0.25, 0.05, 0.08, 0.04, 0.15, 0.2, 0.15, 0.08};
    p.instructions = 1.2;
    p.branches = 0.2;
    p.x87_share = 0.1;
    p.fp_scalar = 0.15;
    p.fp_vector = 0.1;
    p.fp16_share = 0.2;
    p.int_vec_128 = 0.08;
    p.int_vec_256 = 0.04;
    p.shuffles_256 = 0.02;
    p.fused_share = 0.05;
    p.nop_share = 0.03;
    p.mem_ops_share = 0.2;
    return p;
}

TopdownReport light_run(const std::string& cpu, const SteadyParams& p = mix_phase()) {
    return subtree_run(cpu, p, "Light_Operations*", 4);
}

class LightOps : public ::testing::TestWithParam<const char*> {};

}  // namespace

TEST_P(LightOps, EachKindIsItsShareOfTheRetiredUopsOrOfTheLightSlots) {
    const TopdownReport r = light_run(GetParam());
    const tma::Family f = r.model.family;
    const bool spr_up = f == tma::Family::SapphireRapids || f == tma::Family::LunarLake;
    const tma::Breakdown& t = r.summary.truth;
    const double light = node(t, Node::LightOperations), retiring = node(t, Node::Retiring);
    EXPECT_NEAR(light, 0.25, 1e-3);
    // Then the FP nodes are shares of the retired uops (their CountDomain is uops), X87_Use the
    // retiring slots weighted by the x87 share of executed uops...
    EXPECT_NEAR(node(t, Node::FpScalar), 0.15, 1e-6);
    EXPECT_NEAR(node(t, Node::FpVector), 0.1, 1e-6);
    EXPECT_NEAR(node(t, Node::X87Use), 0.1 * retiring, 1e-6);
    EXPECT_NEAR(node(t, Node::FpArith), 0.25 + 0.1 * retiring, 1e-6);
    // ...NOPs a share of the light slots, integer vector uops counted where the family has
    // INT_VEC_RETIRED (SPR, LNL)...
    EXPECT_NEAR(node(t, Node::NopInstructions), 0.03 * light, 1e-6);
    if (spr_up) {
        EXPECT_NEAR(node(t, Node::IntVector128b), 0.08, 1e-6);
        EXPECT_NEAR(node(t, Node::IntOperations), 0.12, 1e-6);
        EXPECT_NEAR(node(t, Node::Shuffles256b), 0.02 * light, 1e-6);
        EXPECT_NEAR(node(t, Node::FusedInstructions), 0.05 * light, 1e-6);
    }
    // ...and the family's formulas recover every node it defines: within multiplexing (1 %) and,
    // where Retiring and Heavy_Operations are PERF_METRICS bytes, their rounding.
    const double pm = r.model.method == tma::Method::PerfMetrics ? 2.0 / 255 : 0.0;
    unsigned measured = 0;
    for (Node n : tma::children(Node::LightOperations)) {
        std::vector<Node> sub = tma::children(n);
        sub.push_back(n);
        for (Node k : sub) {
            const bool defined = tma::family_defines(f, k);
            EXPECT_EQ(std::isnan(node(r.summary.reported, k)), !defined) << tma::node_name(k);
            if (!defined) continue;
            ++measured;
            const double tv = node(t, k);
            EXPECT_NEAR(node(r.summary.reported, k), tv, 0.015 * std::abs(tv) + pm + 1e-4) << tma::node_name(k);
        }
    }
    // perfmon: SKX 9 nodes (FP_Arith and 3 children, Memory_Operations, Fused, Non_Fused,
    // Other_Light_Ops, Nop), ICX 8 (Branch_Instructions for the two branch nodes), SPR and LNL 13
    // (with Int_Operations and its two children, and Shuffles_256b).
    const unsigned expected[] = {9, 8, 13, 13};
    EXPECT_EQ(measured, expected[static_cast<unsigned>(f)]);
}

TEST_P(LightOps, OtherLightOpsIsWhatNoSiblingCovers) {
    // Given the mix above, then Other_Light_Ops is the light slots less its family's siblings
    // (the branch nodes together are the light slots' share of retired branches).
    const TopdownReport r = light_run(GetParam());
    const tma::Breakdown t = truth_breakdown(r.totals.truth, 4);  // every node, in or out of the family's tree
    double siblings = 0;
    for (Node n : {Node::FpArith, Node::IntOperations, Node::MemoryOperations, Node::BranchInstructions})
        siblings += node(t, n);
    EXPECT_NEAR(node(t, Node::OtherLightOps), std::max(0.0, node(t, Node::LightOperations) - siblings), 1e-12);
    EXPECT_NEAR(node(t, Node::FusedInstructions) + node(t, Node::NonFusedBranches), node(t, Node::BranchInstructions),
                1e-12);
}

TEST_P(LightOps, ByDefaultNoKindIsCountedAndTheLevelOneAndTwoNodesDoNotMove) {
    // Given the default workload (no FP, integer vector, NOP or memory uops)...
    const TopdownReport r = light_run(GetParam(), SteadyParams{});
    const tma::Family f = r.model.family;
    // ...then FP_Arith and the NOPs read 0...
    EXPECT_EQ(node(r.summary.reported, Node::FpArith), 0.0);
    EXPECT_EQ(node(r.summary.reported, Node::NopInstructions), 0.0);
    // ...the fused count is 0 from Ice Lake on (Skylake's is the instructions beyond the light
    // slots, what its Heavy_Operations reads)...
    if (f != tma::Family::Skylake && tma::family_defines(f, Node::FusedInstructions)) {
        EXPECT_EQ(node(r.summary.reported, Node::FusedInstructions), 0.0);
    }
    // ...and Other_Light_Ops holds what the branches leave of the light slots.
    EXPECT_NEAR(node(r.summary.reported, Node::OtherLightOps), node(r.summary.truth, Node::OtherLightOps), 0.01);
}

INSTANTIATE_TEST_SUITE_P(Presets, LightOps, ::testing::Values("skylake", "icelake", "sapphirerapids", "lunarlake"));

TEST(LightOps, SapphireRapidsCountsHalfPrecisionInItsSecondFpEvent) {
    // Given a fifth of the FP arithmetic in half precision, on exact Sapphire Rapids counts, then
    // FP_ARITH_INST_RETIRED2.* hold that fifth and FP_Scalar adds both events back to the share.
    const CpuConfig cpu = make_cpu_config("sapphirerapids");
    SteadyWorkload w(mix_phase());
    w.bind(cpu);
    const EventVector v = count_all_events(w, 0, 1'000'000);
    const double all = double(v[idx(Event::FpScalar)] + v[idx(Event::FpScalarHalf)]);
    EXPECT_NEAR(double(v[idx(Event::FpScalarHalf)]) / all, 0.2, 1e-6);
    tma::Model md{tma::Family::SapphireRapids, tma::Method::GpEvents, cpu.slots_per_cycle, 4, 0};
    md.nodes = {Node::FpScalar};
    EXPECT_NEAR(node(tma::compute(md, exact_inputs(md, cpu, v)), Node::FpScalar), 0.15, 1e-6);
}

TEST(LightOps, SharesOutsideZeroToOneAreRejectedByName) {
    SteadyParams p;
    p.fp_vector = 1.5;
    try {
        validate(p);
        FAIL() << "accepted fp_vector 1.5";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("fp_vector"), std::string::npos) << e.what();
    }
}
