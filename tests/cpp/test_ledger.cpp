// The host ledger (sim/virt/ledger.h): given host perf's counting windows, when a reading asks
// for an event over [from, to), then the count is the sum over every window part in that range,
// counted directly on the workload, whatever the ring selection, and however windows were
// forgotten behind the readings. The ledger computes it from running sums per window.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "models/core/workload.h"
#include "models/virt/context_workload.h"
#include "models/pmu/pmu.h"
#include "sim/topdown.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/ledger.h"

using namespace pmusim;

namespace {

// What the ledger must equal: each window clipped to [from, to), counted directly.
uint64_t direct(const Workload& w, const std::vector<std::pair<uint64_t, uint64_t>>& wins, EventMask m, bool u, bool k,
                uint64_t from, uint64_t to) {
    uint64_t s = 0;
    for (auto [a, b] : wins) {
        a = std::max(a, from);
        b = std::min(b, to);
        if (a < b) s += count_events(w, m, u, k, a, b);
    }
    return s;
}

// A steady workload with kernel and halted cycles, bound to Sapphire Rapids.
std::unique_ptr<SteadyWorkload> steady_with_rings(double kernel, double halted, uint64_t period) {
    SteadyParams p;
    p.kernel_share = kernel;
    p.halted_share = halted;
    p.period = period;
    auto w = std::make_unique<SteadyWorkload>(p);
    w->bind(make_cpu_config("sapphirerapids"));
    return w;
}

}  // namespace

TEST(HostLedger, ACountOverAnyRangeIsTheSumOverItsWindowParts) {
    const auto wp = steady_with_rings(0.3, 0.1, 777);
    const Workload& w = *wp;
    const EventMask masks[] = {bit(Event::Instructions), bit(Event::Slots), kMetricFieldEvents[2],
                               bit(Event::CoreCycles) | bit(Event::BranchMisses)};
    std::mt19937_64 rng(7);
    HostLedger L;
    std::vector<std::pair<uint64_t, uint64_t>> wins;  // every window, open one included at `now`
    uint64_t now = 0, keep = 0;
    for (int round = 0; round < 300; ++round) {
        now += 1 + rng() % 5000;
        if (L.is_open()) {
            if (rng() % 2) {
                L.close(now, w);
                wins.back().second = now;
            }
        } else if (rng() % 3) {
            L.open(now);
            wins.push_back({now, kForever});
        }
        std::vector<std::pair<uint64_t, uint64_t>> held = wins;
        if (L.is_open()) held.back().second = now;
        // A reading: every range from the last one kept to some cycle up to now.
        for (int q = 0; q < 4; ++q) {
            const uint64_t from = keep + rng() % (now - keep + 1), to = from + rng() % (now - from + 2);
            const EventMask m = masks[rng() % 4];
            const bool u = rng() % 3 != 0, k = rng() % 3 != 1;
            ASSERT_EQ(L.count(w, m, u, k, from, to, now), direct(w, held, m, u, k, from, to))
                << "round " << round << " [" << from << ", " << to << ") now " << now;
        }
        if (rng() % 4 == 0) {
            keep = keep + rng() % (now - keep + 1);
            L.forget_before(keep);
        }
    }
    uint64_t closed = 0;
    for (auto [a, b] : wins)
        if (b != kForever) closed += b - a;
    EXPECT_EQ(L.counted, closed);
}

// The engine's host ledger counts its windows only for the events its readings and report ask for
// (HostLedger::set_events): given the same windows, those counts equal the full ledger's.
TEST(HostLedger, ALedgerOfSomeEventsCountsThemAsTheFullLedgerDoes) {
    const auto wp = steady_with_rings(0.25, 0.05, 555);
    const Workload& w = *wp;
    const EventMask some = bit(Event::Instructions) | bit(Event::Slots) | kMetricFieldEvents[1] | kMetricFieldEvents[6];
    const EventMask asked[] = {bit(Event::Instructions), bit(Event::Slots), kMetricFieldEvents[1], kMetricFieldEvents[6]};
    HostLedger full, part;
    part.set_events(some);
    std::mt19937_64 rng(11);
    uint64_t now = 0, keep = 0;
    for (int round = 0; round < 200; ++round) {
        now += 1 + rng() % 4000;
        if (full.is_open() && rng() % 2) {
            full.close(now, w);
            part.close(now, w);
        } else if (!full.is_open() && rng() % 3) {
            full.open(now);
            part.open(now);
        }
        const uint64_t from = keep + rng() % (now - keep + 1), to = from + rng() % (now - from + 2);
        const EventMask m = asked[rng() % 4];
        const bool u = rng() % 3 != 0, k = rng() % 3 != 1;
        ASSERT_EQ(part.count(w, m, u, k, from, to, now), full.count(w, m, u, k, from, to, now)) << "round " << round;
        if (rng() % 5 == 0) {
            keep += rng() % (now - keep + 1);
            full.forget_before(keep);
            part.forget_before(keep);
        }
    }
    EXPECT_EQ(part.counted, full.counted);
    some.for_each([&](unsigned e) { EXPECT_EQ(part.truth()[e], full.truth()[e]) << "event " << e; });
    EXPECT_EQ(part.truth()[idx(Event::CoreCycles)], 0u);  // not counted
    // An event it does not count is refused, not answered wrongly.
    EXPECT_THROW(part.count(w, bit(Event::CoreCycles), true, true, 0, now, now), std::logic_error);
}

// The report's topdown truth reads only topdown_truth_events(level) of the host ledger's truth.
TEST(HostLedger, TheTopdownTruthReadsOnlyItsEvents) {
    std::mt19937_64 rng(5);
    for (unsigned level : {1u, 2u})
        for (int round = 0; round < 50; ++round) {
            EventVector v, only = EventVector::Zero();
            for (unsigned e = 0; e < kNumEvents; ++e) v[e] = 1 + rng() % 100000;
            topdown_truth_events(level).for_each([&](unsigned e) { only[e] = v[e]; });
            const tma::Breakdown a = truth_breakdown(v, level), b = truth_breakdown(only, level);
            for (int n = 0; n < a.size(); ++n) {
                if (std::isnan(a[n]) && std::isnan(b[n])) continue;  // a node the level does not compute
                ASSERT_EQ(a[n], b[n]) << "level " << level << " node " << n;
            }
        }
    EXPECT_EQ(topdown_truth_events(3), kAllEvents);
}

// A window's pieces (WindowPieces): the exit path's steps continue one phase's active cycles
// across segments of other tags and another source, so its pieces are merged and each counted
// once. Given random schedules of two sources with rings and halts, the merged counts equal the
// pieces counted run by run, for every window.
TEST(WindowPieces, AWindowCountedInMergedPiecesEqualsItsRunsCountedOneByOne) {
    const CpuConfig cpu = make_cpu_config("sapphirerapids");
    std::mt19937_64 rng(23);
    size_t merged = 0, runs = 0;
    for (int sched = 0; sched < 20; ++sched) {
        ContextWorkload cw;
        cw.add_source(steady_with_rings(0.4, 0.1, 300 + rng() % 700), "kvm");
        cw.add_source(steady_with_rings(0.2, 0.0, 900 + rng() % 900), "host");
        cw.bind(cpu);
        for (int seg = 0; seg < 200; ++seg) cw.append(unsigned(rng() % 2), 1 + rng() % 400, 0, int(rng() % 3));
        const EventMask m = topdown_truth_events(2) | bit(Event::Instructions) | bit(Event::BranchMisses) | bit(Event::Slots);
        for (int win = 0; win < 30; ++win) {
            const uint64_t a = rng() % cw.end(), b = a + 1 + rng() % std::min<uint64_t>(cw.end() - a, 8000);
            WindowPieces p;
            EventVector u = EventVector::Zero(), k = EventVector::Zero(), u1 = u, k1 = k;
            for (uint64_t x = a; x < b;) {
                const pmusim::Run r = cw.run_at(x);
                const uint64_t e = std::min(r.end, b);
                p.add(r, x, e);
                add_run_counts(r, m, x, e, r.cpl == 0 ? k1 : u1);
                ++runs;
                x = e;
            }
            p.count(m, u, k);
            merged += p.pieces();
            m.for_each([&](unsigned e) {
                ASSERT_EQ(u[e], u1[e]) << "schedule " << sched << " window [" << a << ", " << b << ") event " << e;
                ASSERT_EQ(k[e], k1[e]) << "schedule " << sched << " window [" << a << ", " << b << ") event " << e;
            });
        }
    }
    EXPECT_LT(merged * 2, runs);  // the pieces did merge: fewer than half as many counts
}
