// Per-cycle mode's inputs: the cursor that walks a workload cycle by cycle keeps the cycle before
// (edge detect, SDM Vol.3B 18.2.1.1 "E" flag) in a second buffer instead of copying each vector,
// and the PMU's clock is an SC_METHOD (an activation per cycle is a call, not a thread switch).
#include <systemc>

#include "models/core/phased_workload.h"
#include "pmu_test_util.h"
#include "sim/platform.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

EventVector masked(EventVector v, EventMask m) {
    for (unsigned e = 0; e < kNumEvents; ++e)
        if (!m.test(e)) v[e] = 0;
    return v;
}

// A steady workload with a run boundary every few cycles: halted, then ring 0, then ring 3.
std::unique_ptr<Workload> short_runs() {
    SteadyParams p;
    p.kernel_share = 0.3;
    p.halted_share = 0.2;
    p.period = 37;
    return std::make_unique<SteadyWorkload>(p);
}

}  // namespace

TEST(RunCursor, PreviousIsTheCycleBeforeAcrossSeeksRunBoundariesAndHaltedStretches) {
    std::vector<std::unique_ptr<Workload>> loads;
    loads.push_back(short_runs());
    loads.push_back(load_workload_file(workload_library_dir() + "/mixed_app.yaml"));
    const EventMask masks[] = {kAllEvents, bit(Event::BranchMisses) | bit(Event::Instructions),
                               bit(Event::SlotsLightOps) | bit(Event::Slots)};
    for (auto& w : loads) {
        w->bind(make_cpu_config("sapphirerapids"));
        for (EventMask m : masks)
            for (uint64_t from : {uint64_t(0), uint64_t(5), uint64_t(2'999'950)}) {
                // Given a cursor with a mask, sought to `from`...
                RunCursor c;
                c.set_mask(m);
                c.seek(*w, from);
                // ...when it steps through 200 cycles, then at each one last() is that cycle's
                // events and previous() the cycle before's, both as the mask produces them.
                for (uint64_t x = from; x < from + 200; ++x) {
                    const EventVector& ev = c.next(*w);
                    const std::string where = w->describe() + " mask of " + std::to_string(m.count()) + " events, cycle " + std::to_string(x);
                    ASSERT_TRUE((ev == masked(events_at(*w, x), m)).all()) << where;
                    ASSERT_TRUE((&ev == &c.last())) << where;
                    const EventVector before = x ? masked(events_at(*w, x - 1), m) : EventVector::Zero().eval();
                    ASSERT_TRUE((c.previous() == before).all()) << where;
                }
            }
    }
}

TEST(RunCursor, WithoutPreviousOneBufferGivesEveryCycleAcrossRunsHaltsAndMaskChanges) {
    // Given a workload that halts and changes ring every few cycles, and a cursor that keeps no
    // previous cycle (so a run's constants and a halt's zeros are written once, when it starts)...
    const std::unique_ptr<Workload> load = short_runs();
    const Workload& w = *load;
    load->bind(make_cpu_config("sapphirerapids"));
    const EventMask masks[] = {bit(Event::CoreCycles) | bit(Event::Instructions) | bit(Event::SlotsLightOps),
                               bit(Event::Slots) | bit(Event::HwBadSpec) | bit(Event::BranchMisses), kAllEvents};
    RunCursor c;
    ASSERT_TRUE(c.set_keep_previous(false));
    ASSERT_FALSE(c.set_keep_previous(false));
    c.seek(w, 3);
    uint64_t x = 3;
    for (EventMask m : masks) {
        // ...when its mask changes between stretches of 300 cycles...
        if (c.set_mask(m)) c.seek(w, x);
        const EventVector* first = nullptr;
        for (uint64_t end = x + 300; x < end; ++x) {
            const EventVector& ev = c.next(w);
            // ...then every cycle reads that cycle's events of the mask, in the same buffer.
            ASSERT_TRUE((ev == masked(events_at(w, x), m)).all()) << "cycle " << x << ", mask of " << m.count();
            if (!first) first = &ev;
            ASSERT_EQ(first, &ev);
        }
    }
}

TEST(RunCursor, EdgeDetectCountsTheSameInBothModesAcrossHaltedAndRingChanges) {
    // Given a counter of cycles with a branch miss, edge detect (rising edges only), and one
    // without E, on a workload that halts and changes ring every few cycles...
    SteadyParams p;
    p.kernel_share = 0.25;
    p.halted_share = 0.25;
    p.period = 41;
    uint64_t counts[2][2] = {};
    for (TimeMode mode : {TimeMode::PerCycle, TimeMode::Fast}) {
        auto m = make_machine("sapphirerapids", {}, mode, p);
        m->wrmsr(msr::kPerfEvtSel0, sel::BRANCH_MISSES | sel::USR | sel::OS | sel::EN | sel::cmask(1) | sel::E);
        m->wrmsr(msr::kPerfEvtSel0 + 1, sel::BRANCHES | sel::USR | sel::EN | sel::cmask(1) | sel::E);
        m->wrmsr(msr::kGlobalCtrl, 0x3);
        // ...when it runs in pieces (each access re-seeks the per-cycle cursor)...
        for (uint64_t piece : {1, 2, 40, 41, 500, 7, 3000}) m->run(piece);
        const int k = mode == TimeMode::PerCycle ? 0 : 1;
        counts[k][0] = m->rdpmc(0);
        counts[k][1] = m->rdpmc(1);
    }
    // ...then both modes count the same edges, and there are some.
    EXPECT_GT(counts[0][0], 0u);
    EXPECT_GT(counts[0][1], 0u);
    EXPECT_EQ(counts[0][0], counts[1][0]);
    EXPECT_EQ(counts[0][1], counts[1][1]);
}

TEST(PmuModule, TheClockIsAnScMethod) {
    Platform::get();
    sc_core::sc_object* clock = sc_core::sc_find_object("pmu.clock_method");
    ASSERT_NE(clock, nullptr);
    EXPECT_EQ(sc_core::sc_process_handle(clock).proc_kind(), sc_core::SC_METHOD_PROC_);
}

TEST(PerCycleMode, OneEventSeveralEventsAndCmaskCountersCountTheTruthAndCarryAtTheirWidth) {
    // Given 16-bit GP counters in user mode only: branches (one base event), UOPS_RETIRED.SLOTS
    // (light + heavy operation slots: two base events) and branches with CMASK 1 (a cycle with a
    // branch), on a workload with kernel time...
    SteadyParams p;
    p.kernel_share = 0.3;
    p.period = 1000;
    const uint64_t n = 400'000;
    auto m = make_machine("sapphirerapids", {{"gp_width", 16}}, TimeMode::PerCycle, p);
    auto f = make_machine("sapphirerapids", {{"gp_width", 16}}, TimeMode::Fast, p);
    for (Machine* x : {m.get(), f.get()}) {
        x->wrmsr(msr::kPerfEvtSel0, sel::BRANCHES | sel::USR | sel::EN);
        x->wrmsr(msr::kPerfEvtSel0 + 1, 0x02c2 | sel::USR | sel::EN);
        x->wrmsr(msr::kPerfEvtSel0 + 2, sel::BRANCHES | sel::USR | sel::EN | sel::cmask(1));
        x->wrmsr(msr::kGlobalCtrl, 0x7);
        // ...when both modes run past several wraps of each counter...
        x->run(n);
    }
    // ...then per-cycle mode holds the user-mode truth modulo 2^16, has set every overflow bit,
    // and agrees with fast mode on the CMASK counter.
    const Workload& w = m->pmu().workload();
    const uint64_t branches = count_events(w, bit(Event::Branches), true, false, 0, n);
    const uint64_t slots = count_events(w, bit(Event::SlotsLightOps) | bit(Event::SlotsHeavyOps), true, false, 0, n);
    ASSERT_GT(branches, 0x10000u);
    ASSERT_GT(slots, 0x10000u);
    EXPECT_EQ(m->rdpmc(0), branches & 0xffff);
    EXPECT_EQ(m->rdpmc(1), slots & 0xffff);
    EXPECT_EQ(m->rdpmc(2), f->rdpmc(2));
    EXPECT_GT(m->rdpmc(2), 0u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus) & 0x3, 0x3u);
}
