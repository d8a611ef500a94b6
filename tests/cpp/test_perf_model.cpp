// The one model of Linux perf (sim/perf/perf_model.h): the accesses it issues and the register
// values they leave, whichever driver runs it (PerfAgent for stat/topdown, PerfSoftware for the
// virtualization layer).
#include <random>
#include <vector>

#include "pmu_test_util.h"
#include "sim/perf/machine_ops.h"
#include "sim/perf_stat.h"
#include "sim/virt/perf_software.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

struct Issued {
    SoftOp::Kind kind;
    uint32_t index;
    uint64_t value;
    bool operator==(const Issued& o) const { return kind == o.kind && index == o.index && value == o.value; }
};
std::ostream& operator<<(std::ostream& os, const Issued& a) {
    const char* k[] = {"RDMSR", "WRMSR", "RDPMC", "marker"};
    return os << k[int(a.kind)] << " 0x" << std::hex << a.index << " = 0x" << a.value << std::dec;
}

// Runs the ops like run_ops, but each access costs `cost` cycles, as under the hypervisor; the
// accesses are returned in execution order (markers left out).
std::vector<Issued> run_ops_costing(Machine& m, OpQueue& q, uint64_t cost) {
    std::vector<Issued> done;
    while (!q.empty()) {
        SoftOp op = std::move(q.front());
        q.pop_front();
        uint64_t v = 0;
        if (op.kind == SoftOp::Kind::Rdmsr) v = m.rdmsr(op.index);
        if (op.kind == SoftOp::Kind::Wrmsr) m.wrmsr(op.index, op.value);
        if (op.kind == SoftOp::Kind::Rdpmc) v = m.rdpmc(op.index);
        const uint64_t at = m.cycle();
        if (op.kind != SoftOp::Kind::Marker) {
            done.push_back({op.kind, op.index, op.value});
            m.run(cost);
        }
        if (op.done) op.done(v, at);
    }
    return done;
}

PerfSession topdown_session(bool metrics_clear) {
    PerfSession s;
    s.where = "test";
    s.topdown_group = true;
    s.metrics_clear = metrics_clear;
    return s;
}

constexpr uint64_t kTopdownGlobal = (1ull << 35) | (1ull << 48);
constexpr auto WR = SoftOp::Kind::Wrmsr;
constexpr auto PMC = SoftOp::Kind::Rdpmc;

}  // namespace

TEST(PerfModel, TopdownReadDisablesThePmuReadsSlotsThenMetricsAndResetsSlotsFirst) {
    // Given the topdown group counting on Sapphire Rapids (6 slots per cycle) for 10000 cycles...
    auto m = make_machine("sapphirerapids");
    PerfModel p("test", m->cpu(), topdown_session(false));
    OpQueue q;
    p.start(q);
    run_ops(*m, q);
    m->run(10'000);
    // ...when perf reads the interval and every access takes 100 cycles...
    p.tick(q);
    const std::vector<Issued> got = run_ops_costing(*m, q, 100);
    // ...then the PMU is disabled, FIXED_CTR3 read before PERF_METRICS, FIXED_CTR3 reset before
    // PERF_METRICS, and the PMU re-enabled (intel_pmu_read_topdown_event).
    const std::vector<Issued> want = {{WR, msr::kGlobalCtrl, 0},
                                      {PMC, RDPMC_FIXED | 3, 0},
                                      {PMC, RDPMC_METRICS, 0},
                                      {WR, msr::kFixedCtr0 + 3, 0},
                                      {WR, msr::kPerfMetrics, 0},
                                      {WR, msr::kGlobalCtrl, kTopdownGlobal}};
    EXPECT_EQ(got, want);
    // The read saw exactly the 10000 cycles before the disable, and the reset group counts only
    // from the re-enable (the last access's 100 cycles): nothing leaked in between.
    ASSERT_EQ(p.reading_count, 1u);
    EXPECT_EQ(p.last_reading.slots, 60'000u);
    EXPECT_NE(p.last_reading.metrics, 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 600u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), kTopdownGlobal);
}

TEST(PerfModel, MetricsClearReadHasNoResetWritesAndLeavesTheGroupAtZero) {
    // Given the topdown group with the Lunar Lake RDPMC metrics-clear mode (FIXED_CTR_CTRL[14])...
    auto m = make_machine("lunarlake");
    PerfModel p("test", m->cpu(), topdown_session(true));
    OpQueue q;
    p.start(q);
    run_ops(*m, q);
    EXPECT_EQ(m->rdmsr(msr::kFixedCtrCtrl), 0x7ull << 12);
    m->run(5'000);
    // ...when perf reads the interval...
    p.tick(q);
    const std::vector<Issued> got = run_ops_costing(*m, q, 0);
    // ...then the metrics RDPMC clears the group: no FIXED_CTR3 / PERF_METRICS writes.
    const std::vector<Issued> want = {{WR, msr::kGlobalCtrl, 0},
                                      {PMC, RDPMC_FIXED | 3, 0},
                                      {PMC, RDPMC_METRICS, 0},
                                      {WR, msr::kGlobalCtrl, kTopdownGlobal}};
    EXPECT_EQ(got, want);
    EXPECT_EQ(p.last_reading.slots, 40'000u);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 3), 0u);
    EXPECT_EQ(m->rdpmc(RDPMC_METRICS), 0u);
}

TEST(PerfModel, StatAndVirtualPerfGiveTheSameTopdownCounts) {
    for (const char* cpu : {"sapphirerapids", "lunarlake"}) {
        // Given two machines with the same phased workload: one counted by perf stat's agent (on
        // Lunar Lake with metrics-clear), one by a guest's perf session run on the bare machine...
        auto ms = make_machine(cpu), mv = make_machine(cpu);
        ms->set_workload(load_workload_file(workload_library_dir() + "/mixed_app.yaml"));
        mv->set_workload(load_workload_file(workload_library_dir() + "/mixed_app.yaml"));
        AgentOptions o;
        o.topdown_group = true;
        PerfAgent stat(*ms, {"instructions", "branches"}, o);
        AgentConfig cfg;
        cfg.events = {"instructions", "branches"};
        cfg.topdown = true;
        PerfSoftware virt("vm", mv->cpu(), cfg, false, false);
        virt.set_metrics_bits(mv->pmu().semantics().metrics_field_bits);
        OpQueue q;
        stat.start();
        virt.start(q);
        run_ops(*mv, q);
        // ...when both read every 1.5 M cycles...
        const double fmax = double(ms->pmu().semantics().metrics_field_max());
        for (uint64_t end = 1'500'000; end <= 9'000'000; end += 1'500'000) {
            stat.run_until(end);
            const IntervalReading r = stat.read();
            mv->run(end - mv->cycle());
            virt.tick(q);
            run_ops(*mv, q);
            const AgentReading& a = virt.last_reading;
            // ...then each interval has the same slots, PERF_METRICS, topdown-* and event counts.
            ASSERT_TRUE(r.topdown && a.topdown) << cpu;
            EXPECT_EQ(r.topdown->slots, a.slots) << cpu << " @" << end;
            EXPECT_EQ(r.topdown->metrics, a.metrics) << cpu << " @" << end;
            for (unsigned k = 0; k < r.topdown->fields; ++k) {
                const double field = double((a.metrics >> (8 * k)) & 0xff);
                EXPECT_EQ(r.topdown->field_slots[k], topdown_field_slots(a.slots, field, fmax)) << cpu << " field " << k;
            }
            for (size_t i = 0; i < 2; ++i) EXPECT_EQ(r.counts[i].raw, a.deltas[i]) << cpu << " " << r.counts[i].name;
        }
        EXPECT_EQ(virt.reading_count, 6u);
    }
}

TEST(PerfModel, RotationMovesTheFlexibleListByOneWithThePmuDisabled) {
    // Given five GP events on Skylake's four GP counters, multiplexed...
    auto m = make_machine("skylake");
    PerfSession s;
    s.where = "test";
    s.multiplex = true;
    for (const char* e : {"branches", "branch-misses", "r00c0", "r01c2", "cache-references"})
        s.events.push_back(parse_stat_event(e, m->cpu()));
    PerfModel p("test", m->cpu(), s);
    ASSERT_TRUE(p.multiplexed());
    OpQueue q;
    p.start(q);
    run_ops(*m, q);
    EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), 0xfu);
    EXPECT_EQ(m->rdmsr(msr::kPerfEvtSel0), s.events[0].config | sel::USR | sel::OS | sel::EN);
    m->run(1'000);
    // ...when perf rotates (perf_rotate_context)...
    p.rotate(q);
    const std::vector<Issued> got = run_ops_costing(*m, q, 0);
    // ...then the PMU is off around it, and events 1..4 sit on PMC0..3 from 0; event 0 is off.
    ASSERT_GE(got.size(), 2u);
    EXPECT_EQ(got.front(), (Issued{WR, msr::kGlobalCtrl, 0}));
    EXPECT_EQ(got.back(), (Issued{WR, msr::kGlobalCtrl, 0xf}));
    for (unsigned c = 0; c < 4; ++c) {
        EXPECT_EQ(m->rdmsr(msr::kPerfEvtSel0 + c), s.events[c + 1].config | sel::USR | sel::OS | sel::EN) << c;
        EXPECT_EQ(m->rdpmc(c), 0u) << c;
        EXPECT_EQ(p.gp_counter(c + 1), int(c));
    }
    EXPECT_EQ(p.gp_counter(0), -1);
    EXPECT_EQ(p.running(0), 1'000u);  // its time on the PMU stops at the rotation
}

TEST(PerfModel, MultiplexedCountsScaleByEnabledOverRunningLikePerfStat) {
    // Given six GP events on four counters, a steady workload (a quarter of each 1000 cycles in
    // the kernel) and a rotation every 1000 cycles...
    SteadyParams wl;
    wl.kernel_share = 0.25;
    wl.period = 1'000;
    auto m = make_machine("skylake", {}, TimeMode::Fast, wl);
    AgentOptions o;
    o.mux_interval = 1'000;
    PerfAgent a(*m, {"branches", "branch-misses", "r00c0", "cache-references", "branches:u", "branches:k"}, o);
    a.start();
    // ...when 12000 cycles run (12 rotations: each event is on a counter 4 ticks in 6)...
    a.run_until(12'000);
    const IntervalReading r = a.read();
    // ...then each event ran 8000 of the 12000 cycles, and raw * enabled / running is its exact
    // count (steady rates), as perf stat scales.
    ASSERT_EQ(r.counts.size(), 6u);
    for (auto& c : r.counts) {
        EXPECT_EQ(c.counter, "PMC*");
        EXPECT_EQ(c.enabled, 12'000u) << c.name;
        EXPECT_EQ(c.running, 8'000u) << c.name;
        ASSERT_TRUE(c.truth_known) << c.name;
        EXPECT_DOUBLE_EQ(c.scaled, double(c.raw) * 12'000.0 / 8'000.0) << c.name;
        EXPECT_GT(c.truth, 0u) << c.name;
        EXPECT_EQ(c.scaled, double(c.truth)) << c.name;
    }
}

// Each counter read perf queues is labelled "read EVENT" (reports name the operation of a host
// perf #GP by it): given a session counting a long-named and a short-named event, when it reads
// an interval, then its RDPMCs carry those labels, and each completes the event it reads.
TEST(PerfModel, CounterReadsCarryTheirEventsLabel) {
    auto m = make_machine("sapphirerapids");
    PerfSession s;
    s.where = "test";
    for (const char* e : {"int_misc.recovery_cycles", "branches"}) s.events.push_back(parse_stat_event(e, m->cpu()));
    PerfModel p("test", m->cpu(), s);
    OpQueue q;
    p.start(q);
    run_ops(*m, q);
    m->run(1000);
    p.tick(q);
    std::vector<std::string> labels;
    for (const SoftOp& op : q)
        if (op.kind == SoftOp::Kind::Rdpmc) labels.emplace_back(op.what);
    EXPECT_EQ(labels, (std::vector<std::string>{"read int_misc.recovery_cycles", "read branches"}));
    run_ops(*m, q);
    EXPECT_EQ(p.last_reading.deltas[1], expected(0.25, 1000));  // the steady workload's branches
    EXPECT_GT(p.last_reading.deltas[0], 0u);
    EXPECT_EQ(p.last_reading.to[0], 1000u);  // accesses take no cycles here
    EXPECT_EQ(p.last_reading.to[1], 1000u);
}

// The counter loops of a schedule-in/out and of a reading are replayed from lists built once per
// placement of the counters (PerfModel::set_replay). Given two models of the same session, one
// replaying and one building every list afresh, each on its own PMU, when both go through the
// same random schedule-outs and -ins, readings, rotations and PMIs, then every operation each
// queues is the same (access, register, value, label and completion).
TEST(PerfModel, AReplayedOperationListEqualsARebuiltOne) {
    struct Case {
        const char* cpu;
        std::vector<const char*> events;
        bool topdown, sampling, multiplex;
    };
    const Case cases[] = {
        {"sapphirerapids", {"instructions", "cycles", "branches", "branch-misses", "r00c0", "r01c2"}, true, false, false},
        {"skylake", {"branches", "branch-misses", "r00c0", "r01c2", "cache-references", "instructions"}, false, true, true},
        {"icelake", {"instructions", "ref-cycles", "branches", "r01c2"}, true, true, false},
    };
    std::mt19937_64 rng(31);
    for (const Case& k : cases) {
        auto ma = make_machine(k.cpu), mb = make_machine(k.cpu);
        PerfSession s;
        s.where = "test";
        s.multiplex = k.multiplex;
        s.topdown_group = k.topdown;
        for (const char* e : k.events) s.events.push_back(parse_stat_event(e, ma->cpu()));
        if (k.sampling) {
            s.sampling = true;
            s.sample = parse_stat_event("branches", ma->cpu());
            s.sample_period = 5'000;
        }
        PerfModel a("test", ma->cpu(), s), b("test", mb->cpu(), s);
        b.set_replay(false);
        OpQueue qa, qb;
        const auto same_ops = [&](int step) {
            ASSERT_EQ(qa.size(), qb.size()) << k.cpu << " step " << step;
            for (size_t i = 0; i < qa.size(); ++i) {
                const SoftOp &x = qa[i], &y = qb[i];
                EXPECT_TRUE(x.kind == y.kind && x.index == y.index && x.value == y.value && x.what == y.what &&
                            x.keep == y.keep && x.done.kind == y.done.kind && x.done.arg == y.done.arg)
                    << k.cpu << " step " << step << " op " << i << " (" << x.what << " / " << y.what << ")";
            }
        };
        a.start(qa);
        b.start(qb);
        for (int step = 0; step < 300; ++step) {
            same_ops(step);
            run_ops(*ma, qa);
            run_ops(*mb, qb);
            const uint64_t cycles = 1 + rng() % 20'000;
            ma->run(cycles);
            mb->run(cycles);
            const bool record = rng() % 2;
            switch (rng() % 5) {
                case 0: a.tick(qa), b.tick(qb); break;
                case 1: a.sched_out_ctx(qa, true, record), b.sched_out_ctx(qb, true, record); break;
                case 2: a.sched_in(qa), b.sched_in(qb); break;
                case 3: a.rotate(qa), b.rotate(qb); break;
                case 4: a.pmi(qa), b.pmi(qb); break;
            }
        }
        EXPECT_EQ(a.totals, b.totals) << k.cpu;
        EXPECT_EQ(a.reading_count, b.reading_count) << k.cpu;
    }
}
