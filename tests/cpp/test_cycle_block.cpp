// Per-cycle mode's blocks of cycles (docs/performance.md "The evaluation of a cycle", fifth and
// sixth rounds): a run with no period within the replay limit takes the next cycles' increments at
// once, event by event and split by split, and the registers take their sums when read. Each layer
// is checked against the step-by-step path it shortcuts: the slot walker's step(), the cursor's
// next(), and a PMU stepping every cycle, with re-programming, seeks, limit changes, sparse reads,
// writes, carries, PMIs and freezes in the middle of blocks.
#include <random>

#include "models/core/slot_split.h"
#include "models/cpu/cpu_config.h"
#include "models/pmu/pmu.h"
#include "pmu_test_util.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

constexpr uint64_t kWhole = kRateDen;

// Rates to nine decimals: no period within any replay limit.
SteadyParams fine_rates() {
    SteadyParams p;
    p.instructions = 1.234567891;
    p.slot_mix[0] = 0.351234567;
    p.kernel_share = 0.3;
    p.halted_share = 0.1;
    p.period = 1000;
    return p;
}

}  // namespace

TEST(SlotWalker, ABlockGivesTheIncrementsOfAsManySteps) {
    // Given slot trees with fractional atom rates, empty atoms (splits that carry nothing) and an
    // empty inner node, and 16 slots per cycle...
    const std::array<uint64_t, kNumAtoms> cases[] = {
        {1'234'567'891, 987'654'321, 333'333'333, 11'111'111, 22'222'222, 444'444'444, 555'555'555, 7'777'777,
         1'000'000'001, 3'333'333, 123'456'789},
        {2 * kWhole, kWhole / 3, 0, 0, 0, kWhole / 7, kWhole / 5, 0, kWhole, 0, 0},
        {4 * kWhole, 2 * kWhole, kWhole, kWhole / 2, kWhole / 2, 2 * kWhole, kWhole, kWhole / 4, 3 * kWhole,
         kWhole / 4, 3 * kWhole / 2},
        // splits whose second child is empty (Light, Memory, Core): the first takes every slot
        {0, 1'234'567'891, 333'333'333, 0, 22'222'222, 444'444'444, 555'555'555, 7'777'777, 0, 3'333'333, 0},
    };
    for (const auto& rates : cases) {
        const SlotSplit s = make_slot_split(rates);
        SlotWalker block, step;
        block.seek(s, 999'983);
        step.seek(s, 999'983);
        std::array<BlockColumn, kNumSlotNodes + 1> cols{};
        // ...when one walker takes blocks of 1, 7 and the most cycles, and steps between them, and
        // the other steps every cycle...
        for (unsigned n : {1u, 7u, kBlockCycles, 2u, kBlockCycles}) {
            block.step_block(n, cols.data());
            for (unsigned j = 0; j < n; ++j) {
                const uint64_t* d = step.step();
                for (unsigned a = 0; a < kNumAtoms; ++a) ASSERT_EQ(cols[a][j], d[a]) << "block " << n << ", cycle " << j;
            }
            const uint64_t* b = block.step();
            const uint64_t* d = step.step();
            // ...then every cycle's atom increments are the same, and so are the remainders after.
            for (unsigned a = 0; a < kNumAtoms; ++a) ASSERT_EQ(b[a], d[a]) << "after block " << n;
        }
    }
}

TEST(RunCursor, ABlockGivesTheCountsOfAsManyNextCalls) {
    // Given a nine-decimal workload and two cursors over plain, whole, one-atom and several-atom
    // events, without previous()...
    SteadyWorkload w(fine_rates());
    w.bind(make_cpu_config("sapphirerapids"));
    const EventMask m = bit(Event::Instructions) | bit(Event::Branches) | bit(Event::BranchMisses) |
                        bit(Event::CoreCycles) | bit(Event::Slots) | kAtomEvents;
    RunCursor block, step;
    for (RunCursor* c : {&block, &step}) {
        c->set_mask(m);
        c->set_keep_previous(false);
        c->seek(w, 450);  // a ring-3 run: [400, 1000)
    }
    auto b = std::make_unique<EventBlock>();
    // ...when one takes blocks (to the run's end) between single cycles and the other steps...
    for (unsigned n : {5u, kBlockCycles, 1u, kBlockCycles, 0u, 0u, 0u}) {
        if (!n) n = static_cast<unsigned>(std::min<uint64_t>(kBlockCycles, block.left_in_run()));  // to the run's end
        block.next_block(n, *b);
        EventMask varying = 0;
        m.for_each([&](unsigned e) {
            if (!block.constant(e)) varying |= EventMask::of(e);
        });
        std::array<uint64_t, kNumEvents> sums{};
        b->sum_events(varying, n / 2, n, sums);
        varying.for_each([&](unsigned e) {  // a block's sums are its cycles' counts added
            uint64_t first = 0, second = 0;
            for (unsigned j = 0; j < n; ++j) (j >= n / 2 ? second : first) += b->at(e, j);
            std::array<uint64_t, kNumEvents> alone{};  // one event's sum, its columns not shared
            b->sum_events(EventMask::of(e), 0, n, alone);
            ASSERT_EQ(alone[e], first + second) << "block " << n << ", event " << e;
            ASSERT_EQ(sums[e], second) << "block " << n << ", event " << e;
        });
        for (unsigned j = 0; j < n; ++j) {
            const EventVector& ev = step.next(w);
            m.for_each([&](unsigned e) {
                const uint64_t got = block.constant(e) ? block.last()[e] : b->at(e, j);
                ASSERT_EQ(got, ev[e]) << "block " << n << ", cycle " << j << ", event " << e;
            });
        }
        // ...then every cycle's counts are the same, and the next cycle after the block too, into
        // the next run (ring 0 after the halt).
        for (unsigned i = 0; i < 3; ++i) {
            const EventVector& x = block.next(w);
            const EventVector& y = step.next(w);
            m.for_each([&](unsigned e) { ASSERT_EQ(x[e], y[e]) << "after block " << n << ", event " << e; });
        }
    }
    EXPECT_TRUE(block.halted());
}

TEST(PerCycleMode, BlocksGiveEveryCycleTheSteppedStateThroughReprogrammingAndSeeks) {
    // Given two PMUs on a nine-decimal workload (ring changes and halts every few hundred cycles),
    // one stepping in blocks and one stepping every cycle, with 12-bit GP counters (carries,
    // PMIs), fixed counters with a PMI and PERF_METRICS counting...
    Overrides ov{{"gp_width", 12}, {"fixed_width", 16}};
    const auto cpu = make_cpu_config("sapphirerapids", ov);
    Pmu block(cpu, Semantics{}, std::make_unique<SteadyWorkload>(fine_rates()));
    Pmu step(cpu, Semantics{}, std::make_unique<SteadyWorkload>(fine_rates()));
    step.set_replay_limit(0);
    const uint64_t sels[] = {sel::INSTRUCTIONS | sel::USR | sel::OS | sel::INT, sel::BRANCHES | sel::USR,
                             sel::SLOTS | sel::OS, 0x02a4 | sel::USR | sel::OS, sel::BRANCH_MISSES | sel::USR | sel::OS,
                             0x02c2 | sel::USR | sel::OS | sel::INT};
    auto both = [&](auto&& f) { f(block), f(step); };
    both([&](Pmu& p) {
        for (unsigned i = 0; i < 6; ++i) p.wrmsr(msr::kPerfEvtSel0 + i, sels[i] | sel::EN);
        p.wrmsr(msr::kFixedCtrCtrl, 0xbbbb);
        p.wrmsr(msr::kGlobalCtrl, 0x3full | (0xfull << 32) | (1ull << 48));
    });
    bool blocked = false, replayed = false;
    unsigned dropped = 0;  // blocks left in their middle
    uint64_t c = 0;
    auto compare = [&](uint64_t piece) {
        c += piece;
        block.advance_per_cycle(c);
        step.advance_per_cycle(c);
        blocked |= block.in_block();
        replayed |= block.replaying();
        ASSERT_TRUE(same_counting_state(block, step)) << "cycle " << c;
    };
    auto into_block = [&] {
        while (!block.in_block()) compare(1);
        compare(3);  // a few cycles into it
        dropped += block.in_block();
    };
    // ...when both advance one cycle at a time, then in pieces, and in the middle of blocks a
    // counter is reprogrammed (another event, then an edge-detect counter, which steps every
    // cycle, then back), the replay limit changes, the workload is re-sought and GLOBAL_STATUS
    // is cleared...
    for (unsigned i = 0; i < 3000; ++i) compare(1);
    for (unsigned i = 0; i < 300; ++i) {
        compare(1 + (i * 7919) % 700);
        if (i % 40 == 7) {
            into_block();
            both([&](Pmu& p) { p.wrmsr(msr::kPerfEvtSel0 + 1, sel::CYCLES | sel::USR | sel::EN); });
            into_block();
            both([&](Pmu& p) { p.wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCHES | sel::USR | sel::E | sel::cmask(1) | sel::EN); });
            compare(500);
            EXPECT_FALSE(block.in_block());
            both([&](Pmu& p) { p.wrmsr(msr::kPerfEvtSel0 + 1, sels[1] | sel::EN); });
        }
        if (i % 40 == 17) {
            into_block();
            block.set_replay_limit(i % 80 == 17 ? 1u << 20 : 1024);
        }
        if (i % 40 == 27) {
            into_block();
            both([](Pmu& p) { p.workload_changed(); });
        }
        if (i % 30 == 3) both([](Pmu& p) { p.wrmsr(msr::kGlobalStatusReset, p.state().global_status); });
    }
    // ...then every cycle's counters, status, PERF_METRICS and PMIs are the same; it stepped in
    // blocks, dropped blocks midway, and never replayed a table (no period within the limit).
    EXPECT_TRUE(blocked);
    EXPECT_FALSE(replayed);
    EXPECT_GT(dropped, 20u);
    ASSERT_EQ(block.pmis().size(), step.pmis().size());
    EXPECT_GT(block.pmis().size(), 20u);
    for (size_t i = 0; i < block.pmis().size(); ++i) {
        EXPECT_EQ(block.pmis()[i].cycle, step.pmis()[i].cycle) << i;
        EXPECT_EQ(block.pmis()[i].sources, step.pmis()[i].sources) << i;
    }
    EXPECT_EQ(block.perf_metrics_value(), step.perf_metrics_value());
}

TEST(PerCycleMode, ABlocksCyclesReachTheRegistersWhenReadAndItsCarriesStepAtTheirCycle) {
    // Given two PMUs as above, one cycle at a time (as the clock advances them), with a PMI skid
    // of 3 cycles and Freeze_PerfMon_On_PMI, 12-bit GP counters that carry every few thousand
    // cycles and counters written close to their carry in the middle of blocks...
    Overrides ov{{"gp_width", 12}, {"fixed_width", 16}};
    const auto cpu = make_cpu_config("sapphirerapids", ov);
    Semantics sem;
    sem.pmi_skid = 3;
    Pmu block(cpu, sem, std::make_unique<SteadyWorkload>(fine_rates()));
    Pmu step(cpu, sem, std::make_unique<SteadyWorkload>(fine_rates()));
    step.set_replay_limit(0);
    auto both = [&](auto&& f) { f(block), f(step); };
    both([&](Pmu& p) {
        p.wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | sel::USR | sel::OS | sel::INT | sel::EN);
        p.wrmsr(msr::kPerfEvtSel0 + 1, sel::SLOTS | sel::USR | sel::OS | sel::EN);
        p.wrmsr(msr::kPerfEvtSel0 + 2, 0x02a4 | sel::USR | sel::INT | sel::EN);
        p.wrmsr(msr::kFixedCtrCtrl, 0xbbbb);
        p.wrmsr(msr::kDebugCtl, 1ull << debugctl_bit::kFreezePerfmonOnPmi);
        p.wrmsr(msr::kGlobalCtrl, 0x7ull | (0xfull << 32) | (1ull << 48));
    });
    uint64_t c = 0;
    unsigned reads_in_block = 0, frozen_reads = 0;
    std::mt19937_64 rng(7);
    // ...when both advance to the next cycle 400,000 times, and only every few hundred cycles an
    // RDPMC, an RDMSR of a counter or PERF_METRICS, or a look at the whole state reads them, a counter is set
    // 40 below its carry, or GLOBAL_STATUS is cleared (unfreezing the counters)...
    for (unsigned i = 0; i < 400'000; ++i) {
        ++c;
        block.advance_per_cycle(c);
        step.advance_per_cycle(c);
        if (rng() % 300) continue;
        const bool in_block = block.in_block();
        switch (rng() % 6) {
            case 0: {
                const uint32_t ecx = rng() % 2 ? RDPMC_FIXED | uint32_t(rng() % 4) : uint32_t(rng() % 3);
                ASSERT_EQ(block.rdpmc(ecx).value, step.rdpmc(ecx).value) << "cycle " << c << ", ECX " << ecx;
                break;
            }
            case 1: ASSERT_EQ(block.rdmsr(msr::kPerfMetrics).value, step.rdmsr(msr::kPerfMetrics).value) << c; break;
            case 2: ASSERT_TRUE(same_counting_state(block, step)) << "cycle " << c; break;
            case 3: both([](Pmu& p) { p.wrmsr(msr::kPmc0 + 2, 0xfff - 40); }); break;
            case 4: both([](Pmu& p) { p.wrmsr(msr::kGlobalStatusReset, p.state().global_status); }); break;
            case 5: {
                const uint32_t m = rng() % 2 ? msr::kFixedCtr0 + uint32_t(rng() % 4) : msr::kPmc0 + uint32_t(rng() % 3);
                ASSERT_EQ(block.rdmsr(m).value, step.rdmsr(m).value) << "cycle " << c << ", MSR " << m;
                break;
            }
        }
        // (a read leaves the block; a write ends it)
        if (in_block && block.in_block()) ++reads_in_block;
        frozen_reads += (block.state().global_status >> status_bit::kCtrFrz) & 1u;
    }
    // ...then every read gives what stepping gives, the PMIs come at the same cycles, reads met
    // blocks midway and left them running, and the counters were frozen at some of them.
    EXPECT_GT(reads_in_block, 100u);
    EXPECT_GT(frozen_reads, 10u);
    ASSERT_TRUE(same_counting_state(block, step));
    ASSERT_EQ(block.pmis().size(), step.pmis().size());
    EXPECT_GT(block.pmis().size(), 50u);
    for (size_t i = 0; i < block.pmis().size(); ++i) {
        EXPECT_EQ(block.pmis()[i].cycle, step.pmis()[i].cycle) << i;
        EXPECT_EQ(block.pmis()[i].sources, step.pmis()[i].sources) << i;
    }
}
