// Per-cycle and fast mode must give identical architectural results: the same value at every
// read, the same status bits and the same PMI cycles (docs/architecture.md, time modes). Seeded random MSR
// programs with narrow counters (many overflows), skid, freezes, CMASK/INV/E, ring filters,
// halted cycles and PERF_METRICS run on two machines, one per mode, and every observation is
// compared.
#include <random>

#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

struct Trace {
    std::vector<std::string> lines;
    void add(const std::string& what, const AccessResult& r) {
        lines.push_back(what + (r.ok ? " = " + std::to_string(r.value) : " #GP " + r.reason));
    }
};

void run_program(uint32_t seed, Machine& m, Trace& t) {
    std::mt19937_64 rng(seed);
    auto pick = [&](uint64_t n) { return rng() % n; };
    const CpuConfig& cpu = m.cpu();
    const uint64_t events[] = {sel::INSTRUCTIONS, sel::CYCLES, sel::BRANCHES, sel::BRANCH_MISSES, sel::SLOTS,
                               0x02a4, 0x0173, 0x019c, 0x02c2, 0x08a4, 0x3c | 0x100};
    for (int step = 0; step < 60; ++step) {
        const uint64_t op = pick(10);
        if (op < 3) {
            const unsigned i = pick(cpu.num_gp);
            uint64_t v = events[pick(std::size(events))] | sel::EN;
            if (pick(4)) v |= sel::USR;
            if (pick(4)) v |= sel::OS;
            if (pick(3) == 0) v |= sel::INT;
            if (pick(5) == 0) v |= sel::cmask(1 + pick(6));
            if (pick(6) == 0) v |= sel::INV;
            if (pick(6) == 0) v |= sel::E;
            t.add("wr evtsel", m.try_wrmsr(msr::kPerfEvtSel0 + i, v));
        } else if (op == 3) {
            const unsigned i = pick(cpu.num_gp);
            const uint64_t room = 1 + pick(400);
            t.add("wr apmc", m.try_wrmsr(msr::kAPmc0 + i, (cpu.gp_mask() + 1 - room) & cpu.gp_mask()));
            t.add("wr pmc", m.try_wrmsr(msr::kPmc0 + pick(cpu.num_gp), rng()));
        } else if (op == 4) {
            const unsigned i = pick(4);
            t.add("wr fixed", m.try_wrmsr(msr::kFixedCtr0 + i, (cpu.fixed_mask() + 1 - 1 - pick(2000)) & cpu.fixed_mask()));
            t.add("wr fcc", m.try_wrmsr(msr::kFixedCtrCtrl, rng() & 0xbbbb));
        } else if (op == 5) {
            t.add("wr gctrl", m.try_wrmsr(msr::kGlobalCtrl, rng() & (cpu.counter_bits() | (1ull << 48))));
            if (pick(3) == 0) t.add("wr pm", m.try_wrmsr(msr::kPerfMetrics, rng()));
        } else if (op == 6) {
            t.add("rd status", m.try_rdmsr(msr::kGlobalStatus));
            t.add("wr reset", m.try_wrmsr(msr::kGlobalStatusReset, rng() & status_reset_writable(cpu)));
            if (pick(4) == 0) t.add("wr set", m.try_wrmsr(msr::kGlobalStatusSet, rng() & status_set_writable(cpu)));
        } else if (op == 7) {
            t.add("wr debugctl", m.try_wrmsr(msr::kDebugCtl, pick(2) ? (1ull << 12) : 0));
        } else {
            const RunResult r = m.run(1 + pick(op == 8 ? 50 : 20'000), pick(5) == 0);
            t.lines.push_back("run " + std::to_string(r.cycles) + (r.stopped_on_pmi ? " pmi" : ""));
        }
        for (unsigned i = 0; i < cpu.num_gp; ++i) t.add("rdpmc", m.try_rdpmc(i));
        for (unsigned i = 0; i < 4; ++i) t.add("rdpmc fixed", m.try_rdpmc(RDPMC_FIXED | i));
        t.add("rdpmc metrics", m.try_rdpmc(RDPMC_METRICS));
        t.add("status", m.try_rdmsr(msr::kGlobalStatus));
        t.add("gctrl", m.try_rdmsr(msr::kGlobalCtrl));
        t.lines.push_back("cycle " + std::to_string(m.cycle()));
    }
    for (auto& p : m.pmis())
        t.lines.push_back("pmi " + std::to_string(p.cycle) + " " + std::to_string(p.sources) + " " +
                          std::to_string(p.status));
}

}  // namespace

TEST(Differential, PerCycleAndFastModeAgreeOnSeededRandomPrograms) {
    const char* presets[] = {"sapphirerapids", "icelake", "skylake", "lunarlake"};
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        std::mt19937_64 cfg(seed * 7919);
        Overrides ov = {{"gp_width", 8 + cfg() % 12}, {"fixed_width", 10 + cfg() % 10}, {"pmi_skid", cfg() % 4}};
        SteadyParams wl;
        wl.instructions = 0.5 + double(cfg() % 300) / 100.0;
        wl.branches = double(cfg() % 40) / 100.0;
        wl.branch_misses = wl.branches * double(cfg() % 10) / 100.0;
        wl.kernel_share = double(cfg() % 50) / 100.0;
        wl.halted_share = double(cfg() % 30) / 100.0;
        wl.period = 50 + cfg() % 500;
        const std::string cpu = presets[seed % 4];
        auto per_cycle = make_machine(cpu, ov, TimeMode::PerCycle, wl);
        auto fast = make_machine(cpu, ov, TimeMode::Fast, wl);
        fast->set_quantum(1 + cfg() % 5000);
        Trace a, b;
        run_program(seed, *per_cycle, a);
        run_program(seed, *fast, b);
        ASSERT_EQ(a.lines.size(), b.lines.size()) << "seed " << seed;
        for (size_t i = 0; i < a.lines.size(); ++i)
            ASSERT_EQ(a.lines[i], b.lines[i]) << "seed " << seed << " (" << cpu << "), observation " << i;
        EXPECT_GT(per_cycle->cycle(), 0u);
    }
}

TEST(Differential, ProgramsExerciseOverflowsAndPmis) {
    // Guard against a differential test that passes because nothing happens.
    SteadyParams wl;
    auto m = make_machine("sapphirerapids", {{"gp_width", 8}, {"fixed_width", 10}}, TimeMode::Fast, wl);
    Trace t;
    run_program(3, *m, t);
    EXPECT_GT(m->pmis().size(), 0u);
}
