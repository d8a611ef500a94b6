// Per-cycle mode's cheap cycle (docs/performance.md "The evaluation of a cycle"): per run, each
// counter's constant events summed once and all counters' carries tested in one word; the slot
// tree walked with tabulated per-node shares; the clock re-armed for a known next cycle. Each is
// checked against the arithmetic it replaces: the exact cumulative counts and fast mode.
#include <random>

#include "models/core/slot_split.h"
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

constexpr uint64_t kWhole = kRateDen;

// The atom increments of the walker over [k, k + n) against the cumulative counts' differences.
void expect_walk_matches_counts(const SlotSplit& s, uint64_t k, uint64_t n, const std::string& where) {
    SlotWalker w;
    w.seek(s, k);
    AtomCounts before = atom_counts(s, k);
    for (uint64_t i = 0; i < n; ++i) {
        const uint64_t* d = w.step();
        const AtomCounts after = atom_counts(s, k + i + 1);
        for (unsigned a = 0; a < kNumAtoms; ++a)
            ASSERT_EQ(d[a], after[a] - before[a]) << where << ", k " << k + i << ", atom " << a;
        ASSERT_EQ(d[kSlotZero], 0u) << where;
        before = after;
    }
}

}  // namespace

TEST(SlotWalker, TabulatedSharesStepExactlyAsTheCumulativeCounts) {
    // Given slot trees with fractional atom rates, an empty atom (an empty inner node), whole
    // rates, and 16 slots per cycle (the table's largest step)...
    struct Case { const char* name; std::array<uint64_t, kNumAtoms> rates; };
    const Case cases[] = {
        {"fractional", {1'234'567'891, 987'654'321, 333'333'333, 11'111'111, 22'222'222, 444'444'444, 555'555'555,
                        7'777'777, 1'000'000'001, 3'333'333, 123'456'789}},
        {"empty clears and core", {2 * kWhole, kWhole / 3, 0, 0, 0, kWhole / 7, kWhole / 5, 0, kWhole, 0, 0}},
        {"whole", {kWhole, kWhole, kWhole, kWhole, 0, kWhole, 0, 0, 0, 0, 0}},
        {"16 slots", {4 * kWhole, 2 * kWhole, kWhole, kWhole / 2, kWhole / 2, 2 * kWhole, kWhole, kWhole / 4,
                      3 * kWhole, kWhole / 4, 3 * kWhole / 2}},
    };
    for (const Case& c : cases) {
        const SlotSplit s = make_slot_split(c.rates);
        // ...when the walker steps from several starting cycles, re-seeking between them...
        for (uint64_t k : {uint64_t(0), uint64_t(1), uint64_t(999'983), uint64_t(123'456'789'012)})
            // ...then every cycle's atom increments are the differences of the exact counts.
            expect_walk_matches_counts(s, k, 3000, c.name);
    }
}

TEST(SlotWalker, MoreThanSixteenSlotsPerCycleIsAClearError) {
    // The table's largest step is the widest core's (slots_per_cycle is 1..16).
    std::array<uint64_t, kNumAtoms> rates{};
    rates[0] = 17 * kWhole;
    SlotWalker w;
    try {
        w.seek(make_slot_split(rates), 0);
        FAIL() << "no error";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("more than 16"), std::string::npos) << e.what();
    }
}

TEST(PerCycleMode, ConstantSumsPerRunCountAsEachEventAcrossRunsRatesAndReprogramming) {
    // Given 12-bit GP counters (so they carry often) of whole-rate events (cycles, TOPDOWN.SLOTS),
    // fractional ones (instructions, branches), a slot-atom event and a two-event counter
    // (UOPS_RETIRED.SLOTS: light + heavy), in different rings, on a workload whose runs change
    // ring and halt every few dozen cycles, and fixed counters with a PMI...
    SteadyParams p;
    p.instructions = 1.7;
    p.kernel_share = 0.3;
    p.halted_share = 0.1;
    p.period = 53;
    const uint64_t sels[] = {sel::CYCLES | sel::USR | sel::OS, sel::SLOTS | sel::USR, sel::INSTRUCTIONS | sel::OS,
                             sel::BRANCHES | sel::USR | sel::OS | sel::INT, 0x02c2 | sel::USR | sel::OS,
                             0x02a4 | sel::USR | sel::OS, sel::BRANCH_MISSES | sel::OS};
    std::vector<uint64_t> results[2];
    std::vector<PmiRecord> pmis[2];
    for (TimeMode mode : {TimeMode::PerCycle, TimeMode::Fast}) {
        auto m = make_machine("sapphirerapids", {{"gp_width", 12}, {"fixed_width", 12}}, mode, p);
        m->wrmsr(msr::kGlobalCtrl, 0);
        for (unsigned i = 0; i < 7; ++i) m->wrmsr(msr::kPerfEvtSel0 + i, sels[i] | sel::EN);
        m->wrmsr(msr::kFixedCtrCtrl, 0xbbb);
        m->wrmsr(msr::kGlobalCtrl, 0x7full | (0x7ull << 32));
        auto& r = results[mode == TimeMode::PerCycle ? 0 : 1];
        // ...when they run in pieces that end inside runs, with a counter reprogrammed between
        // pieces (a whole-rate event becomes a fractional one and back)...
        for (uint64_t piece : {1, 52, 53, 700, 3, 20'000, 4'097}) {
            m->run(piece);
            for (unsigned i = 0; i < 7; ++i) r.push_back(m->rdpmc(i));
            for (unsigned i = 0; i < 3; ++i) r.push_back(m->rdpmc(RDPMC_FIXED | i));
            r.push_back(m->rdmsr(msr::kGlobalStatus));
            const bool odd = r.size() % 2;
            m->wrmsr(msr::kPerfEvtSel0, (odd ? sel::INSTRUCTIONS : sel::CYCLES) | sel::USR | sel::OS | sel::EN);
        }
        pmis[mode == TimeMode::PerCycle ? 0 : 1] = m->pmu().pmis();
    }
    // ...then per-cycle mode's counts, overflow bits and PMIs are fast mode's, and PMIs happened.
    EXPECT_EQ(results[0], results[1]);
    ASSERT_EQ(pmis[0].size(), pmis[1].size());
    EXPECT_GT(pmis[0].size(), 5u);
    for (size_t i = 0; i < pmis[0].size(); ++i) {
        EXPECT_EQ(pmis[0][i].cycle, pmis[1][i].cycle) << i;
        EXPECT_EQ(pmis[0][i].sources, pmis[1][i].sources) << i;
    }
}

TEST(PerCycleMode, CountersCarryingInTheSameCycleEachSetTheirBitAndWrapAtTheirWidth) {
    // Given three counters of unhalted cycles preset so that two carry in the same cycle and the
    // third one cycle later, and a 64-bit-wide counter (no bits above its width) about to wrap...
    auto m = make_machine("sapphirerapids", {{"gp_width", 16}}, TimeMode::PerCycle);
    auto wide = make_machine("sapphirerapids", {{"gp_width", 64}}, TimeMode::PerCycle);
    for (Machine* x : {m.get(), wide.get()}) {
        x->wrmsr(msr::kGlobalCtrl, 0);
        for (unsigned i = 0; i < 3; ++i) x->wrmsr(msr::kPerfEvtSel0 + i, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    }
    m->wrmsr(msr::kPmc0, 0xfff0);
    m->wrmsr(msr::kPmc0 + 1, 0xfff0);
    m->wrmsr(msr::kPmc0 + 2, 0xffef);
    wide->wrmsr(msr::kPmc0, 0xfffffff0);  // sign-extended from bit 31: 2^64 - 16
    m->wrmsr(msr::kGlobalCtrl, 0x7);
    wide->wrmsr(msr::kGlobalCtrl, 0x1);
    // ...when 16 cycles run, then 1 more...
    m->run(16);
    wide->run(16);
    // ...then the two have wrapped to 0 with their bits set, the third has not, then does.
    EXPECT_EQ(m->rdpmc(0), 0u);
    EXPECT_EQ(m->rdpmc(1), 0u);
    EXPECT_EQ(m->rdpmc(2), 0xffffu);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0x3u);
    EXPECT_EQ(wide->rdpmc(0), 0u);
    EXPECT_EQ(wide->rdmsr(msr::kGlobalStatus), 0x1u);
    m->run(1);
    EXPECT_EQ(m->rdpmc(2), 0u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0x7u);
}

TEST(PerCycleMode, TheReArmedClockKeepsCountAcrossRunsLocalTimeIdleAdvancesAndTwoMachines) {
    // Given two machines on the shared platform in per-cycle mode (the clock moves between them),
    // counting instructions and cycles, each with a fast-mode twin...
    SteadyParams p;
    p.instructions = 1.3;
    auto a = make_machine("sapphirerapids", {}, TimeMode::PerCycle, p);
    auto b = make_machine("icelake", {}, TimeMode::PerCycle, p);
    auto fa = make_machine("sapphirerapids", {}, TimeMode::Fast, p);
    auto fb = make_machine("icelake", {}, TimeMode::Fast, p);
    for (Machine* m : {a.get(), b.get(), fa.get(), fb.get()}) {
        m->wrmsr(msr::kFixedCtrCtrl, 0x33);
        m->wrmsr(msr::kGlobalCtrl, 0x3ull << 32);
    }
    uint64_t total = 0;
    // ...when runs through SystemC, runs ahead of it (local time) and idle advances (counting off)
    // alternate between the machines...
    for (uint64_t piece : {1, 7, 100, 2, 999, 31}) {
        for (Machine* m : {a.get(), b.get(), fa.get(), fb.get()}) {
            m->run(piece);
            m->advance(piece + 3);
            m->wrmsr(msr::kGlobalCtrl, 0);
            ASSERT_TRUE(m->advance_if_idle(5));
            m->wrmsr(msr::kGlobalCtrl, 0x3ull << 32);
            m->run(piece * 2);
        }
        total += piece + piece + 3 + piece * 2;
        // ...then each counts every cycle it counted, and the instructions its twin counts.
        EXPECT_EQ(a->rdpmc(RDPMC_FIXED | 1), total);
        EXPECT_EQ(b->rdpmc(RDPMC_FIXED | 1), total);
        EXPECT_EQ(a->rdpmc(RDPMC_FIXED | 0), fa->rdpmc(RDPMC_FIXED | 0));
        EXPECT_EQ(b->rdpmc(RDPMC_FIXED | 0), fb->rdpmc(RDPMC_FIXED | 0));
    }
}

TEST(SlotShare, MultiplyHighWithOneCorrectionIsTheExactFloorQuotient) {
    // Given shares num / den of a node's rate (every node rate a tree can have, up to 16 slots a
    // cycle over kRateDen, with num = 0 and num = den), and counts x from 0 to 2^64 - 1...
    using u128 = unsigned __int128;
    std::mt19937_64 rng(7);
    const uint64_t max_den = 16 * kWhole;
    auto check = [](uint64_t x, uint64_t num, uint64_t den) {
        // ...then slot_share is floor(x x num / den), as a 128-bit division gives it.
        const uint64_t want = static_cast<uint64_t>(static_cast<u128>(x) * num / den);
        ASSERT_EQ(slot_share(x, num, den, slot_share_inverse(num, den)), want) << x << " x " << num << " / " << den;
    };
    for (int i = 0; i < 200'000; ++i) {
        const uint64_t den = 1 + rng() % (i % 3 ? max_den : 1000);
        const uint64_t num = i % 7 == 0 ? den : i % 11 == 0 ? 0 : rng() % (den + 1);
        const uint64_t x = i % 5 == 0 ? ~uint64_t(0) - rng() % 1000 : i % 2 ? rng() >> (rng() % 64) : rng() % 100'000;
        check(x, num, den);
    }
    for (uint64_t den : {uint64_t(1), uint64_t(3), kWhole, max_den, max_den - 1})
        for (uint64_t num : {uint64_t(0), uint64_t(1), den / 2, den - 1, den})
            for (uint64_t x : {uint64_t(0), uint64_t(1), den, den * 7 + 3, ~uint64_t(0), ~uint64_t(0) / den * den})
                check(x, num, den);
    // An empty node (rate 0) is passed as den 2^64 - 1 with inverse 0, and gives 0.
    EXPECT_EQ(slot_share(123'456'789, 0, ~0ull, 0), 0u);
}
