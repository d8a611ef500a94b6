// Per-cycle mode's replay of periodic runs (docs/performance.md "Third round"): a run's increments
// are a function of its phase's active cycle and repeat with a period the rates give; a periodic
// run adds one tabulated row per cycle. Checked against the step-by-step evaluation, every cycle.
#include "models/cpu/cpu_config.h"
#include "models/pmu/pmu.h"
#include "pmu_test_util.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

// Steady rates with few decimals: instructions 1.5 (period 2), branches 0.25 (4), the slot atoms
// of the default phase (multiples of 0.01: at most 100).
SteadyParams round_rates() {
    SteadyParams p;
    p.kernel_share = 0.3;
    p.halted_share = 0.1;
    p.period = 2000;
    return p;
}

std::vector<EventVector> walk(RunCursor& c, const Workload& w, uint64_t n) {
    std::vector<EventVector> v;
    for (uint64_t i = 0; i < n; ++i) v.push_back(c.next(w));
    return v;
}

}  // namespace

TEST(RunCursor, IncrementsRepeatWithThePeriodOfTheMasksRates) {
    // Given a phase with instructions at 1.5, branches at 0.25 and slot atoms at multiples of 0.01
    // per cycle, and one with a rate of nine decimals...
    SteadyWorkload w(round_rates());
    w.bind(make_cpu_config("sapphirerapids"));
    SteadyParams fine = round_rates();
    fine.instructions = 1.234567891;
    SteadyWorkload wf(fine);
    wf.bind(make_cpu_config("sapphirerapids"));
    RunCursor c;
    c.set_keep_previous(false);
    const uint64_t user = 900;  // a ring-3 cycle of the first period (halted, ring 0, ring 3)
    // ...then the period is the lcm of each rate's kRateDen / gcd: 4 for instructions and
    // branches, 100 with a slot event; 0 over the limit, for nine decimals, and in a halted run...
    c.set_mask(bit(Event::Instructions) | bit(Event::Branches));
    c.seek(w, user);
    EXPECT_EQ(c.period(1024), 4u);
    c.set_mask(bit(Event::Instructions) | bit(Event::Branches) | bit(Event::HwBackend));
    c.seek(w, user);
    EXPECT_EQ(c.period(1024), 100u);
    EXPECT_EQ(c.period(99), 0u);
    c.seek(wf, user);
    EXPECT_EQ(c.period(1u << 30), 1'000'000'000u);
    c.seek(w, 10);
    EXPECT_TRUE(c.halted());
    EXPECT_EQ(c.period(1024), 0u);
    // ...and every cycle's increments come back after a period, from a seek or from a run started
    // at the phase's first active cycle.
    c.set_mask(bit(Event::Instructions) | bit(Event::BranchMisses) | bit(Event::Slots) | kAtomEvents);
    c.seek(w, user);
    const uint64_t P = c.period(1024), k = c.phase_cycle();
    ASSERT_EQ(P, 200u);  // branch misses at 0.005
    ASSERT_LE(user + 3 * P, 2000u);  // inside the run
    const std::vector<EventVector> v = walk(c, w, 3 * P);
    for (uint64_t i = 0; i < 2 * P; ++i) ASSERT_TRUE((v[i] == v[i + P]).all()) << "cycle " << i;
    pmusim::Run from0 = w.run_at(user);
    from0.begin = from0.active_begin = 0;
    from0.end = kForever;
    RunCursor z;
    z.set_mask(c.mask());
    z.start(from0, 0);
    const std::vector<EventVector> u = walk(z, w, k % P + P);
    for (uint64_t i = 0; i < P; ++i) ASSERT_TRUE((u[k % P + i] == v[i]).all()) << "cycle " << i;
}

TEST(PerCycleMode, ReplayedRunsGiveEveryCycleTheSteppedState) {
    // Given two PMUs on the same periodic workload (ring changes and halts every few hundred
    // cycles), one replaying periodic runs and one stepping every cycle, with 12-bit GP counters
    // (carries, PMIs), fixed counters with a PMI and PERF_METRICS counting...
    Overrides ov{{"gp_width", 12}, {"fixed_width", 16}};
    Pmu replay(make_cpu_config("sapphirerapids", ov), Semantics{}, std::make_unique<SteadyWorkload>(round_rates()));
    Pmu step(make_cpu_config("sapphirerapids", ov), Semantics{}, std::make_unique<SteadyWorkload>(round_rates()));
    step.set_replay_limit(0);
    const uint64_t sels[] = {sel::INSTRUCTIONS | sel::USR | sel::OS | sel::INT, sel::BRANCHES | sel::USR,
                             sel::SLOTS | sel::OS, 0x02a4 | sel::USR | sel::OS, sel::BRANCH_MISSES | sel::USR | sel::OS,
                             0x02c2 | sel::USR | sel::OS | sel::INT};
    for (Pmu* p : {&replay, &step}) {
        for (unsigned i = 0; i < 6; ++i) p->wrmsr(msr::kPerfEvtSel0 + i, sels[i] | sel::EN);
        p->wrmsr(msr::kFixedCtrCtrl, 0xbbbb);
        p->wrmsr(msr::kGlobalCtrl, 0x3full | (0xfull << 32) | (1ull << 48));
    }
    // ...when both advance one cycle at a time, then in pieces, comparing every register between
    // pieces, with a counter reprogrammed (and back) while a run replays, and GLOBAL_STATUS
    // cleared now and then...
    bool replayed = false;
    uint64_t c = 0;
    auto compare = [&](uint64_t piece) {
        c += piece;
        replay.advance_per_cycle(c);
        step.advance_per_cycle(c);
        replayed |= replay.replaying();
        ASSERT_TRUE(same_counting_state(replay, step)) << "cycle " << c;
        ASSERT_EQ(replay.perf_metrics_value(), step.perf_metrics_value()) << "cycle " << c;
    };
    for (unsigned i = 0; i < 5000; ++i) compare(1);
    for (unsigned i = 0; i < 400; ++i) {
        compare(1 + (i * 7919) % 1500);
        if (i % 50 == 7) {
            while (!replay.replaying()) compare(1);
            // the same events, in one ring or both: the cursor's mask stays, the program changes
            for (Pmu* p : {&replay, &step}) p->wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCHES | sel::USR | sel::EN | (i % 100 == 7 ? sel::OS : 0));
        }
        if (i % 30 == 3)
            for (Pmu* p : {&replay, &step}) p->wrmsr(msr::kGlobalStatusReset, p->state().global_status);
    }
    // ...then every cycle's counters, status, PERF_METRICS and PMIs are the same, and it replayed.
    EXPECT_TRUE(replayed);
    ASSERT_EQ(replay.pmis().size(), step.pmis().size());
    EXPECT_GT(replay.pmis().size(), 20u);
    for (size_t i = 0; i < replay.pmis().size(); ++i) {
        EXPECT_EQ(replay.pmis()[i].cycle, step.pmis()[i].cycle) << i;
        EXPECT_EQ(replay.pmis()[i].sources, step.pmis()[i].sources) << i;
    }
}

TEST(PerCycleMode, RunsKnownNotToReplayStepAndLaterPeriodicRunsStillReplay) {
    // Given a workload whose first phase has rates to nine decimals (no period within the limit,
    // so its runs only step once that is known) and whose second has round rates
    // (periodic), ring changes and halts in both, one PMU replaying and one stepping every cycle,
    // with the same counters (12-bit, carries and PMIs) and PERF_METRICS...
    const char* const yaml = R"(
name: mixed_periods
seed: 5
phases:
  fine:
    cycles: 3000
    ipc: 1.123456789
    kernel_share: 0.3
    halted_share: 0.1
    period: 397
  round:
    cycles: 2500
    ipc: 2.5
    kernel_share: 0.2
    period: 500
    slot_mix: {light_ops: 0.5, heavy_ops: 0.1, br_mispredict: 0.1, fetch_latency: 0.1, memory_bound: 0.2}
schedule: [fine, round, fine, round, fine, round]
)";
    Overrides ov{{"gp_width", 12}};
    Pmu replay(make_cpu_config("sapphirerapids", ov), Semantics{}, parse_workload_yaml(yaml, "mixed_periods.yaml"));
    Pmu step(make_cpu_config("sapphirerapids", ov), Semantics{}, parse_workload_yaml(yaml, "mixed_periods.yaml"));
    step.set_replay_limit(0);
    for (Pmu* p : {&replay, &step}) {
        p->wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | sel::USR | sel::OS | sel::INT | sel::EN);
        p->wrmsr(msr::kPerfEvtSel0 + 1, sel::SLOTS | sel::USR | sel::EN);
        p->wrmsr(msr::kPerfEvtSel0 + 2, 0x02a4 | sel::USR | sel::OS | sel::EN);
        p->wrmsr(msr::kFixedCtrCtrl, 0xbbbb);
        p->wrmsr(msr::kGlobalCtrl, 0x7ull | (0xfull << 32) | (1ull << 48));
    }
    // ...when both advance cycle by cycle through every phase...
    bool replayed_in_round = false, replayed_in_fine = false;
    for (uint64_t c = 1; c <= 16'500; ++c) {
        replay.advance_per_cycle(c);
        step.advance_per_cycle(c);
        const bool round = (c - 1) % 5500 >= 3000;  // cycle c - 1 was in a round phase
        (round ? replayed_in_round : replayed_in_fine) |= replay.replaying();
        ASSERT_TRUE(same_counting_state(replay, step)) << "cycle " << c;
    }
    // ...then every cycle's state is the stepped one, the fine phase never replays and the round
    // phase after it does.
    EXPECT_FALSE(replayed_in_fine);
    EXPECT_TRUE(replayed_in_round);
    ASSERT_EQ(replay.pmis().size(), step.pmis().size());
    EXPECT_GT(replay.pmis().size(), 5u);
}
