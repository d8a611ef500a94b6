// Simulated cycles per second: per-cycle mode, fast mode (every counter enabled) and a bare
// SystemC loop with the same wake-up mechanism and no work, measured in one process.
// Targets (issue #2): fast >= 50x per-cycle; per-cycle within 3x of the bare loop.
// Then topdown (issue #3): the perf agent reading the slots group every 10 M cycles on a looping
// multi-phase workload, with the TMA engine and the per-interval ground truth.
// Usage: pmusim_bench [per_cycle_cycles] [fast_cycles] [topdown_cycles]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <systemc>

#include "models/pmu/register_table.h"
#include "sim/machine.h"
#include "sim/platform.h"
#include "sim/sc_run.h"
#include "sim/topdown.h"
#include "sim/workload_file.h"

using namespace pmusim;
using namespace sc_core;

namespace {

// The bare loop: one thread waking every cycle, doing nothing but count, idle unless started.
struct BareLoop : sc_module {
    uint64_t ticks = 0, target = 0;
    sc_event start;
    SC_HAS_PROCESS(BareLoop);
    explicit BareLoop(sc_module_name n) : sc_module(n) { SC_THREAD(loop); }
    void loop() {
        while (true) {
            if (ticks >= target) {
                wait(start);
                continue;
            }
            ++ticks;
            wait(Platform::cycle_period());
        }
    }
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void program_everything(Machine& m) {
    const uint64_t events[] = {0x00c0, 0x003c, 0x00c4, 0x00c5, 0x01a4, 0x02a4, 0x412e, 0x4f2e};
    m.wrmsr(msr::kGlobalCtrl, 0);
    for (unsigned i = 0; i < m.cpu().num_gp; ++i)
        m.wrmsr(msr::kPerfEvtSel0 + i, events[i % 8] | (1ull << 16) | (1ull << 17) | (1ull << 22) | (1ull << 20));
    m.wrmsr(msr::kFixedCtrCtrl, 0xbbbb);
    m.wrmsr(msr::kGlobalCtrl, m.cpu().counter_bits() | (1ull << 48));
}

double machine_rate(TimeMode mode, uint64_t cycles, uint64_t quantum) {
    MachineOptions o;
    o.cpu = "sapphirerapids";
    o.mode = mode;
    o.quantum = quantum;
    Machine m(o);
    SteadyParams p;
    p.kernel_share = 0.2;  // ring changes every period: realistic run structure
    p.period = 100'000;
    m.set_workload(std::make_unique<SteadyWorkload>(p));
    program_everything(m);
    const auto t0 = std::chrono::steady_clock::now();
    m.run(cycles);
    const double s = seconds_since(t0);
    if (m.rdpmc((1u << 30) | 1) != cycles) std::fprintf(stderr, "unexpected FC1 value\n"), std::exit(1);
    return double(cycles) / s;
}

struct TopdownRate { double wall, rate; size_t intervals; double max_err; };

TopdownRate topdown_rate(const char* cpu, TimeMode mode, uint64_t cycles, unsigned level) {
    MachineOptions o;
    o.cpu = cpu;
    o.mode = mode;
    Machine m(o);
    m.set_workload(load_workload_file(workload_library_dir() + "/mixed_app.yaml"));
    TopdownOptions t;
    t.cycles = cycles;
    t.interval = std::min<uint64_t>(cycles, 10'000'000);
    t.level = level;
    const auto t0 = std::chrono::steady_clock::now();
    const TopdownReport r = run_topdown(m, t);
    const double s = seconds_since(t0);
    double err = 0;
    for (auto& iv : r.intervals)
        for (tma::Node n : tma::nodes_up_to(level))
            if (!std::isnan(iv.truth[tma::ni(n)])) err = std::max(err, std::fabs(iv.reported[tma::ni(n)] - iv.truth[tma::ni(n)]));
    return {s, double(cycles) / s, r.intervals.size(), err};
}

}  // namespace

int sc_main(int argc, char** argv) {
    const uint64_t per_cycle_n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
    const uint64_t fast_n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 2'000'000'000;
    const uint64_t topdown_n = argc > 3 ? std::strtoull(argv[3], nullptr, 10) : 1'000'000'000;
    Platform::get();
    BareLoop bare("bare_loop");

    bare.target = per_cycle_n;
    bare.start.notify(SC_ZERO_TIME);
    auto t0 = std::chrono::steady_clock::now();
    run_systemc(Platform::cycle_period() * double(per_cycle_n + 1));
    const double bare_rate = double(bare.ticks) / seconds_since(t0);

    const double per_cycle = machine_rate(TimeMode::PerCycle, per_cycle_n, 1);
    const double fast = machine_rate(TimeMode::Fast, fast_n, 1'000'000);
    const double fast_small_q = machine_rate(TimeMode::Fast, fast_n / 100, 1'000);

    std::printf("pmusim benchmark (sapphirerapids, 8 GP + 4 fixed counters + PERF_METRICS enabled, PMIs on)\n");
    std::printf("  bare SystemC loop           %14.0f cycles/s  (%llu cycles)\n", bare_rate, (unsigned long long)per_cycle_n);
    std::printf("  per-cycle mode              %14.0f cycles/s  (%llu cycles)\n", per_cycle, (unsigned long long)per_cycle_n);
    std::printf("  fast mode, quantum 1e6      %14.0f cycles/s  (%llu cycles)\n", fast, (unsigned long long)fast_n);
    std::printf("  fast mode, quantum 1e3      %14.0f cycles/s  (%llu cycles)\n", fast_small_q, (unsigned long long)(fast_n / 100));
    std::printf("  ratio fast / per-cycle      %14.1f x   (target >= 50)\n", fast / per_cycle);
    std::printf("  ratio bare / per-cycle      %14.2f x   (target <= 3)\n", bare_rate / per_cycle);

    std::printf("\ntopdown on mixed_app (looping), read and reset every 10 M cycles, %llu cycles:\n",
                (unsigned long long)topdown_n);
    struct Case { const char* cpu; TimeMode mode; uint64_t n; unsigned level; };
    const Case cases[] = {{"sapphirerapids", TimeMode::Fast, topdown_n, 2},
                          {"sapphirerapids", TimeMode::Fast, topdown_n, 3},
                          {"icelake", TimeMode::Fast, topdown_n, 2},
                          {"skylake", TimeMode::Fast, topdown_n, 2},
                          {"sapphirerapids", TimeMode::PerCycle, std::min<uint64_t>(topdown_n / 100, per_cycle_n), 2}};
    for (auto& c : cases) {
        const TopdownRate r = topdown_rate(c.cpu, c.mode, c.n, c.level);
        std::printf("  %-15s %-9s level %u  %12llu cycles  %8.3f s wall  %14.0f cycles/s  %4zu intervals  max |err| %.4f\n",
                    c.cpu, c.mode == TimeMode::Fast ? "fast" : "per-cycle", c.level, (unsigned long long)c.n, r.wall,
                    r.rate, r.intervals, r.max_err);
    }
    return 0;
}
