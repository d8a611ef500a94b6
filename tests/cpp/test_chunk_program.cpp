// Fast mode's chunk program (models/pmu/pmu_chunk_program.cpp): a ring's plans compiled into index
// lists, kept per programming, counting the short chunks between accesses with the counts at the
// chunk's start taken from the previous chunk when it ended there. It must count what per-cycle
// mode counts, cycle for cycle, whatever the programmings it switches between.
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

// Kernel, user and halted cycles in each 1000-cycle period.
SteadyParams rings_and_halts() {
    SteadyParams p;
    p.kernel_share = 0.3;
    p.halted_share = 0.1;
    return p;
}

// A programming as KVM or host perf loads one: counting stopped, selectors and FIXED_CTR_CTRL
// written, then GLOBAL_CTRL.
struct Programming {
    std::array<uint64_t, 8> evtsel;
    uint64_t fixed_ctr_ctrl, global_ctrl;
};
constexpr uint64_t kBoth = sel::USR | sel::OS | sel::EN;
const Programming kProgrammings[] = {
    // every GP counter on a plain or a slot event, the fixed counters, PERF_METRICS
    {{sel::INSTRUCTIONS | kBoth, sel::CYCLES | kBoth, sel::BRANCHES | sel::USR | sel::EN,
      sel::BRANCH_MISSES | sel::OS | sel::EN | sel::INT, sel::SLOTS | kBoth, 0x02a4 | kBoth, 0x019c | kBoth,
      0x04a4 | sel::USR | sel::EN},
     0x3333, 0xffull | (0xfull << 32) | (1ull << 48)},
    // host-like: two GP counters and two fixed ones, other selectors left programmed but stopped
    {{sel::CYCLES | sel::OS | sel::EN, sel::INSTRUCTIONS | kBoth, sel::BRANCHES | kBoth, 0, 0, 0, 0, 0},
     0x0022, 0x3ull | (0x6ull << 32)},
    // a CMASK counter in user mode only: user chunks take the general path, kernel ones the program
    {{sel::INSTRUCTIONS | kBoth, sel::SLOTS | kBoth, 0, 0, 0, 0, 0,
      sel::INSTRUCTIONS | sel::cmask(2) | sel::USR | sel::EN},
     0x3330, 0x83ull | (0xeull << 32) | (1ull << 48)},
    // nothing counts
    {{sel::CYCLES | kBoth, 0, 0, 0, 0, 0, 0, 0}, 0x3333, 0},
};

void load(Machine& m, const Programming& p) {
    m.wrmsr(msr::kGlobalCtrl, 0);
    for (unsigned i = 0; i < 8; ++i) m.wrmsr(msr::kPerfEvtSel0 + i, p.evtsel[i]);
    m.wrmsr(msr::kFixedCtrCtrl, p.fixed_ctr_ctrl);
    m.wrmsr(msr::kGlobalCtrl, p.global_ctrl);
}

void expect_same_pmu(const Machine& a, const Machine& b) {
    ASSERT_EQ(a.cycle(), b.cycle());
    EXPECT_EQ(a.pmu().state().counter, b.pmu().state().counter) << "cycle " << a.cycle();
    EXPECT_EQ(a.pmu().state().metric_acc, b.pmu().state().metric_acc) << "cycle " << a.cycle();
    EXPECT_EQ(a.pmu().state().global_status, b.pmu().state().global_status) << "cycle " << a.cycle();
    ASSERT_EQ(a.pmis().size(), b.pmis().size()) << "cycle " << a.cycle();
    for (size_t i = 0; i < a.pmis().size(); ++i) EXPECT_EQ(a.pmis()[i].cycle, b.pmis()[i].cycle);
}

}  // namespace

TEST(ChunkProgram, ShortChunksUnderSwitchingProgrammingsCountAsPerCycleMode) {
    // Given a fast-mode and a per-cycle machine, PMC3 (kernel branch misses, PMI on) close to its
    // carry and FIXED_CTR3 started with PERF_METRICS,
    auto fast = make_machine("sapphirerapids", {}, TimeMode::Fast, rings_and_halts());
    auto slow = make_machine("sapphirerapids", {}, TimeMode::PerCycle, rings_and_halts());
    for (Machine* m : {fast.get(), slow.get()}) {
        start_slots_group(*m);
        m->wrmsr(msr::kGlobalCtrl, 0);
        m->wrmsr(msr::kAPmc0 + 3, m->cpu().gp_mask() + 1 - 3);
        m->wrmsr(msr::kAPmc0 + 4, m->cpu().gp_mask() + 1 - 5000);  // slots: carries in a short chunk
    }
    // when the programmings take turns in an irregular order, each for a few chunks of 1 to 11
    // cycles (chunks inside one run, across run ends and halts, after a programming returns),
    for (unsigned i = 0; i < 600; ++i) {
        if (i % 5 == 0)
            for (Machine* m : {fast.get(), slow.get()}) load(*m, kProgrammings[(i * 7 / 5) % 4]);
        const uint64_t n = (i * 7) % 11 + 1 + (i % 37 == 0 ? 300 : 0);
        fast->advance(n);
        slow->advance(n);
        // then after every chunk the counters, the metric accumulators, status and PMIs are
        // per-cycle mode's,
        expect_same_pmu(*fast, *slow);
        if (HasFailure()) return;
    }
    // and the counters near their carry did carry (the program's chunk split at the first one).
    EXPECT_NE(fast->pmu().state().global_status & (1ull << 3), 0u);
    EXPECT_NE(fast->pmu().state().global_status & (1ull << 4), 0u);
    EXPECT_FALSE(fast->pmis().empty());
}

TEST(ChunkProgram, AChunkOfOneProgrammingCountsAsOneWholeAdvance) {
    // Given the first programming on two fast-mode machines,
    auto pieces = make_machine("icelake", {}, TimeMode::Fast, rings_and_halts());
    auto whole = make_machine("icelake", {}, TimeMode::Fast, rings_and_halts());
    for (Machine* m : {pieces.get(), whole.get()}) {
        start_slots_group(*m);
        load(*m, kProgrammings[0]);
    }
    // when one advances 30,000 cycles in pieces of 1 to 9 cycles, each piece's start taken from
    // the previous piece's end, and the other in one advance,
    for (uint64_t step = 1; pieces->cycle() < 30000; step = step % 9 + 1)
        pieces->advance(std::min<uint64_t>(step, 30000 - pieces->cycle()));
    whole->advance(30000);
    // then both hold the same counts, which are not zero.
    expect_same_pmu(*pieces, *whole);
    EXPECT_NE(pieces->rdpmc(5), 0u);
    EXPECT_NE(pieces->rdpmc(RDPMC_METRICS), 0u);
}

TEST(PlanSets, GlobalCtrlReturningToAProgrammingCountsWithThatProgrammingsPlans) {
    // Given a machine in either time mode (fast mode counts with the kept chunk programs,
    // per-cycle mode with the plans) whose kernel cycles are the first 300 of each 1000-cycle period,
    SteadyParams p;
    p.kernel_share = 0.3;
    for (TimeMode mode : {TimeMode::Fast, TimeMode::PerCycle}) {
        auto m = make_machine("sapphirerapids", {}, mode, p);
        // and two programmings of PMC0 and FIXED_CTR1 that KVM-like code switches between (the same
        // GLOBAL_CTRL value, different selectors and fields: kernel cycles, or user cycles),
        struct Ring { uint64_t evtsel, fixed_ctr_ctrl, expected; };
        const Ring kernel{sel::CYCLES | sel::OS | sel::EN, 0x10, 300}, user{sel::CYCLES | sel::USR | sel::EN, 0x20, 700};
        // when each is loaded in turn, six times, and counts one period from zero,
        for (unsigned r = 0; r < 12; ++r) {
            const Ring& x = r % 2 ? user : kernel;
            m->wrmsr(msr::kGlobalCtrl, 0);
            m->wrmsr(msr::kAPmc0, 0);
            m->wrmsr(msr::kFixedCtr0 + 1, 0);
            m->wrmsr(msr::kPerfEvtSel0, x.evtsel);
            m->wrmsr(msr::kFixedCtrCtrl, x.fixed_ctr_ctrl);
            m->wrmsr(msr::kGlobalCtrl, 1 | (0x2ull << 32));
            m->advance(1000);
            // then each period counts the cycles of that programming's ring, its own plans taken
            // again when GLOBAL_CTRL returns to it.
            EXPECT_EQ(m->rdpmc(0), x.expected) << "round " << r;
            EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 1), x.expected) << "round " << r;
        }
    }
}
