// Fast mode counts a chunk of a run (an interval with one CPL and one set of rates) by counting
// every event its counters and the PERF_METRICS bytes read once over the chunk, when no counter can
// carry inside it; otherwise it takes the general path: a first-carry search, the chunk split at
// that cycle, a count per counter (docs/architecture.md "Time"). Both paths must give the values
// per-cycle mode gives, and each other's.
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

// A workload with kernel and user cycles in each 1000-cycle period, so ring filters matter.
SteadyParams mixed_rings() {
    SteadyParams p;
    p.kernel_share = 0.3;
    return p;
}

// All 8 GP counters on different events (some user or kernel only, one CMASK), the 4 fixed
// counters in both rings, PERF_METRICS started; counting enabled.
void program_all(Machine& m) {
    const uint64_t both = sel::USR | sel::OS | sel::EN;
    const uint64_t gp[8] = {sel::INSTRUCTIONS | both, sel::CYCLES | both, sel::BRANCHES | sel::USR | sel::EN,
                            sel::BRANCH_MISSES | sel::OS | sel::EN, sel::SLOTS | both, 0x02a4 | both,
                            0x019c | both, sel::INSTRUCTIONS | sel::cmask(2) | both};
    start_slots_group(m);
    m.wrmsr(msr::kGlobalCtrl, 0);
    for (unsigned i = 0; i < 8; ++i) m.wrmsr(msr::kPerfEvtSel0 + i, gp[i]);
    m.wrmsr(msr::kFixedCtrCtrl, 0x3333);
    m.wrmsr(msr::kGlobalCtrl, 0xffull | (0xfull << 32) | (1ull << 48));
}

void expect_same_pmu(const Machine& a, const Machine& b) {
    EXPECT_EQ(a.cycle(), b.cycle());
    EXPECT_EQ(a.pmu().state().counter, b.pmu().state().counter);
    EXPECT_EQ(a.pmu().state().metric_acc, b.pmu().state().metric_acc);
    EXPECT_EQ(a.pmu().perf_metrics_value(), b.pmu().perf_metrics_value());
    EXPECT_EQ(a.pmu().state().global_status, b.pmu().state().global_status);
    ASSERT_EQ(a.pmis().size(), b.pmis().size());
    for (size_t i = 0; i < a.pmis().size(); ++i) {
        EXPECT_EQ(a.pmis()[i].cycle, b.pmis()[i].cycle);
        EXPECT_EQ(a.pmis()[i].sources, b.pmis()[i].sources);
    }
}

}  // namespace

TEST(FastChunk, OneCountForEveryCounterEqualsPerCycleMode) {
    // Given every counter and PERF_METRICS counting, in both modes,
    auto fast = make_machine("sapphirerapids", {}, TimeMode::Fast, mixed_rings());
    auto slow = make_machine("sapphirerapids", {}, TimeMode::PerCycle, mixed_rings());
    program_all(*fast);
    program_all(*slow);
    // when 2,000 cycles pass in one advance (kernel and user runs, no carry),
    fast->advance(2000);
    slow->advance(2000);
    // then every counter, the metric accumulators and GLOBAL_STATUS are per-cycle mode's,
    expect_same_pmu(*fast, *slow);
    // and the counts are the workload's: kernel cycles are its active cycles 0-299 and 1000-1299.
    EXPECT_EQ(fast->rdpmc(0), 3000u);                         // instructions, 1.5 a cycle
    EXPECT_EQ(fast->rdpmc(1), 2000u);                         // cycles
    EXPECT_EQ(fast->rdpmc(2), expected(0.25, 1400));          // branches, user only
    EXPECT_EQ(fast->rdpmc(3), expected(0.005, 300) + expected(0.005, 1300) - expected(0.005, 1000));  // kernel only
    EXPECT_EQ(fast->rdpmc(RDPMC_FIXED | 1), 2000u);
    EXPECT_EQ(fast->pmu().state().global_status, 0u);
    EXPECT_NE(fast->rdpmc(RDPMC_METRICS), 0u);
}

TEST(FastChunk, TheGeneralPathCountsEveryOtherCounterLikeTheOneCountPath) {
    // Given the same programming on two fast-mode machines, where on one PMC7 (cycles, no CMASK)
    // carries in the last cycle of the chunk, which sends that chunk down the general path,
    auto one_count = make_machine("sapphirerapids", {}, TimeMode::Fast);
    auto general = make_machine("sapphirerapids", {}, TimeMode::Fast);
    for (Machine* m : {one_count.get(), general.get()}) {
        program_all(*m);
        m->wrmsr(msr::kGlobalCtrl, 0);
        m->wrmsr(msr::kPerfEvtSel0 + 7, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    }
    general->wrmsr(msr::kAPmc0 + 7, general->cpu().gp_mask() + 1 - 5000);  // carries in cycle 4999
    for (Machine* m : {one_count.get(), general.get()})
        m->wrmsr(msr::kGlobalCtrl, 0xffull | (0xfull << 32) | (1ull << 48));
    // when 5,000 cycles pass,
    one_count->advance(5000);
    general->advance(5000);
    // then PMC7 wrapped to 0 with its status bit set in the general path only,
    EXPECT_EQ(general->rdpmc(7), 0u);
    EXPECT_EQ(general->pmu().state().global_status, 1ull << 7);
    EXPECT_EQ(one_count->rdpmc(7), 5000u);
    EXPECT_EQ(one_count->pmu().state().global_status, 0u);
    // and every other counter and the PERF_METRICS accumulators are the same on both.
    for (unsigned s = 0; s < kNumCounterSlots; ++s)
        if (s != 7) EXPECT_EQ(one_count->pmu().counter(s), general->pmu().counter(s)) << "slot " << s;
    EXPECT_EQ(one_count->pmu().state().metric_acc, general->pmu().state().metric_acc);
}

class FastChunkCarry : public ::testing::TestWithParam<unsigned> {};

TEST_P(FastChunkCarry, ACarryInsideTheChunkLandsInItsCycleAsInPerCycleMode) {
    // Given every counter counting and counter slot `s` 1,000 events below its carry with its PMI
    // enabled (GP: INT; fixed: the PMI bit), in both modes,
    const unsigned s = GetParam();
    auto fast = make_machine("sapphirerapids", {}, TimeMode::Fast, mixed_rings());
    auto slow = make_machine("sapphirerapids", {}, TimeMode::PerCycle, mixed_rings());
    for (Machine* m : {fast.get(), slow.get()}) {
        program_all(*m);
        const uint64_t ctl = m->pmu().state().global_ctrl;
        m->wrmsr(msr::kGlobalCtrl, 0);
        if (s < kMaxGpCounters) {
            m->wrmsr(msr::kPerfEvtSel0 + s, m->pmu().state().evtsel[s] | sel::INT);
            m->wrmsr(msr::kAPmc0 + s, m->cpu().gp_mask() + 1 - 1000);
        } else {
            const unsigned i = s - kMaxGpCounters;
            m->wrmsr(msr::kFixedCtrCtrl, m->pmu().state().fixed_ctr_ctrl | (0x8ull << (4 * i)));
            m->wrmsr(msr::kFixedCtr0 + i, m->cpu().fixed_mask() + 1 - 1000);
        }
        m->wrmsr(msr::kGlobalCtrl, ctl);
    }
    // when 20,000 cycles pass in one advance,
    fast->advance(20000);
    slow->advance(20000);
    // then the counter carried, and status, the PMI's cycle and every count are per-cycle mode's.
    EXPECT_NE(fast->pmu().state().global_status & (1ull << status_bit_of_slot(s)), 0u);
    ASSERT_FALSE(fast->pmis().empty());
    expect_same_pmu(*fast, *slow);
}

// PMC0 instructions, PMC2 user-only branches, PMC7 a CMASK counter (scanned cycle by cycle in
// fast mode), FIXED_CTR1 cycles and FIXED_CTR3 slots (PERF_METRICS overflows with it).
INSTANTIATE_TEST_SUITE_P(Counters, FastChunkCarry, ::testing::Values(0u, 2u, 7u, fixed_slot(1), fixed_slot(3)));

namespace {
uint64_t floor_count_128(uint64_t rate, uint64_t k) {
    return static_cast<uint64_t>(static_cast<unsigned __int128>(k) * rate / kRateDen);
}
}  // namespace

TEST(FloorCount, The64BitDivisionAndThe128BitOneAgreeOnBothSidesOfTheBoundary) {
    // Given rates from one event in 10^9 cycles to 16 slots a cycle (and an odd fraction),
    for (uint64_t rate : {uint64_t(1), uint64_t(7), uint64_t(333'333'333), kRateDen, uint64_t(1'500'000'001),
                          8 * kRateDen, 16 * kRateDen - 3}) {
        // when k x rate is just below, at and just above 2^64 (where the 64-bit product overflows),
        const uint64_t last_fit = ~0ull / rate;  // the largest k with k x rate < 2^64
        for (uint64_t k : {uint64_t(0), uint64_t(1), uint64_t(999'999'999), last_fit - 1, last_fit, last_fit + 1,
                           last_fit + 2, uint64_t(~0ull / 2), uint64_t(~0ull)}) {
            // then floor_count gives floor(k x rate / 10^9) exactly.
            EXPECT_EQ(floor_count(rate, k), floor_count_128(rate, k)) << "rate " << rate << " k " << k;
        }
    }
}

TEST(FastChunk, AChunkStartingWhereTheLastEndedCountsAsOneStartingAfresh) {
    // Given every counter and PERF_METRICS counting on three machines: fast mode advanced in one
    // piece, fast mode advanced in pieces of 1 to 97 cycles (each piece's chunk starts where the
    // last ended, so it takes its start counts from there), and per-cycle mode,
    auto whole = make_machine("sapphirerapids", {}, TimeMode::Fast, mixed_rings());
    auto pieces = make_machine("sapphirerapids", {}, TimeMode::Fast, mixed_rings());
    auto slow = make_machine("sapphirerapids", {}, TimeMode::PerCycle, mixed_rings());
    for (Machine* m : {whole.get(), pieces.get(), slow.get()}) program_all(*m);
    auto run_to = [&](uint64_t end) {
        whole->advance(end - whole->cycle());
        slow->advance(end - slow->cycle());
        for (uint64_t step = 1; pieces->cycle() < end; step = step % 97 + 13)
            pieces->advance(std::min<uint64_t>(step, end - pieces->cycle()));
    };
    // when 5,000 cycles pass (kernel and user runs) in each machine's way,
    run_to(5000);
    // then all three hold the same counters, metric accumulators and status;
    expect_same_pmu(*pieces, *whole);
    expect_same_pmu(*pieces, *slow);
    // and when PMC1 is re-programmed mid-run (the events read change, so no start is carried)
    // and counting goes on in pieces, the three still agree.
    for (Machine* m : {whole.get(), pieces.get(), slow.get()}) {
        m->wrmsr(msr::kGlobalCtrl, 0);
        m->wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCHES | sel::USR | sel::OS | sel::EN);
        m->wrmsr(msr::kGlobalCtrl, 0xffull | (0xfull << 32) | (1ull << 48));
    }
    run_to(9000);
    expect_same_pmu(*pieces, *whole);
    expect_same_pmu(*pieces, *slow);
    EXPECT_EQ(pieces->rdpmc(1), 5000u + expected(0.25, 9000) - expected(0.25, 5000));
}
