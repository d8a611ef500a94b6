// The cost of a VM exit (docs/performance.md "Cost per VM exit"): the standard virtualization
// scenario (bench/standard_virt.yaml: Sapphire Rapids, mediated vPMU, host and guest each on all
// 8 GP counters, the fixed counters and PERF_METRICS, an exit every 10k guest cycles) run in fast
// and in per-cycle mode. Prints CPU µs per exit, simulated cycles per CPU second in each mode and
// their ratio, whether both modes' reports are byte-identical, and the peak RSS of runs of two
// lengths (each in a child process of its own). Asserts nothing about time.
// Usage: pmusim_bench_exits [scenario.yaml] [fast_cycles] [per_cycle_cycles] [rss_small] [rss_large]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "sim/virt/hypervisor.h"
#include "sim/virt/run_format.h"
#include "sim/virt/scenario.h"

using namespace pmusim;

namespace {

double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

uint64_t entries_of(const RunReport& r) {
    uint64_t n = 0;
    for (auto& c : r.contexts) n += c.entries;
    return n;
}

struct Timed {
    RunReport report;
    double cpu = 0;
};

Timed timed_run(Scenario s, TimeMode mode, uint64_t cycles) {
    s.mode = mode;
    s.cycles = cycles;
    const double t0 = cpu_seconds();
    Timed t{run_scenario(s), 0};
    t.cpu = cpu_seconds() - t0;
    return t;
}

// Peak resident set (KB) of a child process that runs the scenario for `cycles` in fast mode.
long peak_rss_kb(const Scenario& s, uint64_t cycles) {
    std::fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        timed_run(s, TimeMode::Fast, cycles);
        std::_Exit(0);
    }
    int status = 0;
    rusage ru{};
    if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    return ru.ru_maxrss;
}

uint64_t arg(int argc, char** argv, int i, uint64_t def) { return argc > i ? std::strtoull(argv[i], nullptr, 10) : def; }

}  // namespace

int sc_main(int argc, char** argv) {
    const std::string path = argc > 1 ? argv[1] : PMUSIM_STANDARD_EXITS;
    const uint64_t fast_n = arg(argc, argv, 2, 1'000'000'000), slow_n = arg(argc, argv, 3, 10'000'000);
    const uint64_t rss_small = arg(argc, argv, 4, 10'000'000), rss_large = arg(argc, argv, 5, 10'000'000'000);
    const Scenario s = load_scenario_file(path);
    std::printf("scenario %s (%s)\n\n", s.name.c_str(), path.c_str());

    // Both modes over the per-cycle length: the same report, byte for byte.
    const Timed slow = timed_run(s, TimeMode::PerCycle, slow_n);
    const Timed fast_same = timed_run(s, TimeMode::Fast, slow_n);
    const bool identical = run_json(slow.report) == run_json(fast_same.report);
    const Timed fast = timed_run(s, TimeMode::Fast, fast_n);

    const double slow_rate = double(slow_n) / slow.cpu, fast_rate = double(fast_n) / fast.cpu;
    const uint64_t exits = entries_of(fast.report);
    std::printf("%-34s %14s %10s %14s %12s\n", "run", "cycles", "exits", "cycles/CPU s", "CPU us/exit");
    std::printf("%-34s %14llu %10llu %14.3g %12.2f\n", "fast mode", (unsigned long long)fast_n,
                (unsigned long long)exits, fast_rate, 1e6 * fast.cpu / double(exits ? exits : 1));
    std::printf("%-34s %14llu %10llu %14.3g %12.2f\n", "per-cycle mode", (unsigned long long)slow_n,
                (unsigned long long)entries_of(slow.report), slow_rate,
                1e6 * slow.cpu / double(entries_of(slow.report) ? entries_of(slow.report) : 1));
    std::printf("\nfast / per-cycle: %.0fx (target >= 150x); fast: %.3g cycles/s (target >= 2e9), %.2f us/exit (target <= 10)\n",
                fast_rate / slow_rate, fast_rate, 1e6 * fast.cpu / double(exits ? exits : 1));
    std::printf("reports of both modes over %llu cycles: %s\n", (unsigned long long)slow_n,
                identical ? "byte-identical" : "DIFFERENT");

    if (rss_small && rss_large) {
        const long small = peak_rss_kb(s, rss_small), large = peak_rss_kb(s, rss_large);
        std::printf("\npeak RSS, fast mode: %llu cycles %ld KB, %llu cycles %ld KB: ratio %.2f (target <= 1.2)\n",
                    (unsigned long long)rss_small, small, (unsigned long long)rss_large, large,
                    small > 0 ? double(large) / double(small) : 0.0);
        if (small < 0 || large < 0) return 1;
    }
    return identical ? 0 : 1;
}
