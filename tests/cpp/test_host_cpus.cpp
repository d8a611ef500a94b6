// A host with several CPUs (docs/virtualization.md "A host with several CPUs"): each CPU its own
// PMU, host perf and report; vCPUs pinned, scheduled and moved between CPUs, one context each.
#include <gtest/gtest.h>

#include "sim/virt/host.h"
#include "sim/virt/run_format.h"
#include "virt_test_util.h"

using namespace pmusim;

namespace {

const char* kTwoCpus =
    "cpu: sapphirerapids\ncycles: 400000\nseed: 4\n"
    "host:\n  cpus: 2\n  workload: mixed_app\n  slice: {dist: uniform, min: 5000, max: 20000}\n"
    "  perf: {events: [instructions, cycles], topdown: true, interval: 100000}\n"
    "guests:\n"
    "  - {name: vm0, workload: interpreter, affinity: [0], run: {dist: uniform, min: 5000, max: 20000},\n"
    "     perf: {events: [instructions, cycles, branches], interval: 50000}}\n"
    "  - {name: vm1, workload: pointer_chase, affinity: [1], run: {dist: uniform, min: 5000, max: 20000},\n"
    "     perf: {events: [instructions, cycles], topdown: true, interval: 50000}}\n";

Scenario two_cpus(const std::string& extra = "", const std::string& vm1_affinity = "[1]") {
    std::string y = kTwoCpus;
    y.replace(y.find("affinity: [1]"), 13, "affinity: " + vm1_affinity);
    return parse_scenario_yaml(y + extra, "t.yaml");
}

const ContextSummary& context(const RunReport& r, const std::string& name) {
    for (auto& c : r.contexts)
        if (c.name == name) return c;
    throw std::runtime_error("no context " + name);
}

void expect_counts_exact(const ContextSummary& c) {
    for (auto& [ev, v] : c.counts) EXPECT_EQ(v.first, v.second) << c.name << " " << ev;
}

// The spans [begin, end) in which vCPU `name` ran on each CPU.
std::vector<std::pair<uint64_t, uint64_t>> spans_of(const RunReport& cpu, const std::string& name) {
    std::vector<std::pair<uint64_t, uint64_t>> out;
    for (auto& s : cpu.timeline)
        if (size_t(s.ctx) < cpu.ctx_names.size() && cpu.ctx_names[size_t(s.ctx)] == name) out.push_back({s.begin, s.end});
    return out;
}

}  // namespace

TEST(HostCpus, PinnedVcpusRunOnTheirCpuAndEachCpuCountsItsHost) {
    // Given 2 CPUs, vm0 pinned to CPU 0 and vm1 to CPU 1, host perf counting on both,
    // when the run ends, then each CPU has its report with its own host, each vCPU is listed once
    // and never moved, every count equals the truth, and the checkers are clean.
    const RunReport r = run_scenario(two_cpus());
    ASSERT_EQ(r.per_cpu.size(), 2u);
    EXPECT_TRUE(r.clean()) << format_run(r);
    ASSERT_EQ(r.contexts.size(), 2u);
    EXPECT_EQ(r.migrations, 0u);
    for (auto& c : r.contexts) {
        EXPECT_TRUE(c.guest);
        EXPECT_EQ(c.migrations, 0u);
        EXPECT_GT(c.entries, 0u);
        expect_counts_exact(c);
    }
    for (unsigned k = 0; k < 2; ++k) {
        const RunReport& cpu = r.per_cpu[k];
        EXPECT_EQ(cpu.cpu_index, k);
        ASSERT_EQ(cpu.contexts.size(), 1u);
        EXPECT_EQ(cpu.contexts[0].name, "host");
        EXPECT_GT(cpu.contexts[0].counted_cycles, 0u);
        expect_counts_exact(cpu.contexts[0]);
        EXPECT_GE(cpu.cycles, 400000u);
        // Only its own vCPU ran here.
        EXPECT_FALSE(spans_of(cpu, k == 0 ? "vm0" : "vm1").empty());
        EXPECT_TRUE(spans_of(cpu, k == 0 ? "vm1" : "vm0").empty());
    }
}

TEST(HostCpus, AMovedVcpuGoesOnWhereItLeftOffAndNeverRunsOnTwoCpusAtOnce) {
    // Given vm1 allowed on both CPUs and moved to CPU 0 at cycle 150000 (where vm0 runs),
    // when it next yields CPU 1, then it runs on CPU 0 from then on, after the cycle it left CPU 1;
    // its counts (one context across CPUs) equal its workload's truth and the run is clean.
    Scenario s = two_cpus("schedule:\n  - {at: 150000, vcpu: vm1, cpu: 0}\n", "[0, 1]");
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.clean()) << format_run(r);
    EXPECT_EQ(r.migrations, 1u);
    EXPECT_EQ(context(r, "vm1").migrations, 1u);
    expect_counts_exact(context(r, "vm1"));
    const auto on1 = spans_of(r.per_cpu[1], "vm1"), on0 = spans_of(r.per_cpu[0], "vm1");
    ASSERT_FALSE(on1.empty());
    ASSERT_FALSE(on0.empty());
    EXPECT_LE(on1.back().second, on0.front().first);
    EXPECT_GE(on0.front().first, 150000u);
    // Its cycles on both CPUs add up to its own time.
    uint64_t ran = 0;
    for (auto& sp : on0) ran += sp.second - sp.first;
    for (auto& sp : on1) ran += sp.second - sp.first;
    EXPECT_EQ(ran, context(r, "vm1").cycles);
}

TEST(HostCpus, SeededMigrationMovesVcpusWithinTheirAffinity) {
    // Given 3 CPUs, host.migrate 0.5 and vm1 allowed on CPUs 1 and 2, when it runs, then it moves
    // (only between 1 and 2), stays exact and clean; the same seed gives the same run.
    Scenario s = two_cpus();
    s.host.cpus = 3;
    s.host.migrate = 0.5;
    s.guests[1].affinity = {1, 2};
    const RunReport a = run_scenario(s), b = run_scenario(s);
    EXPECT_TRUE(a.clean()) << format_run(a);
    EXPECT_GE(context(a, "vm1").migrations, 2u);
    EXPECT_EQ(context(a, "vm0").migrations, 0u);
    EXPECT_TRUE(spans_of(a.per_cpu[0], "vm1").empty());
    EXPECT_FALSE(spans_of(a.per_cpu[2], "vm1").empty());
    expect_counts_exact(context(a, "vm1"));
    EXPECT_EQ(run_json(a), run_json(b));
}

TEST(HostCpus, LoadPathElisionStaysRightWhenAVcpuArrivesWhereAnotherRan) {
    // Given vm1 moved onto CPU 0 where vm0 and host perf have used the counters, with the built-in
    // load path (RDPMC == saved value, else WRMSR), then every VM-entry finds the guest's own state.
    // When the load path instead elides by "last loaded on this CPU", then the guest_state checker
    // reports a counter clobbered at the VM-entry (the step wrote nothing: no earlier step to name).
    Scenario s = two_cpus("schedule:\n  - {at: 150000, vcpu: vm1, cpu: 0}\n", "[0, 1]");
    EXPECT_TRUE(run_scenario(s).clean());
    const RunReport bad = test::run_with(s, {"replace:load_guest_pmcs=load_guest_pmcs_elide_same_cpu"});
    const Violation* v = test::first_of(bad, ViolationKind::Clobber);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->step, "vmentry");
    EXPECT_TRUE(v->reg.rfind("PMC", 0) == 0 || v->reg.rfind("FIXED_CTR", 0) == 0) << v->reg;
    EXPECT_NE(v->detail.find("at VM-entry"), std::string::npos);
    EXPECT_EQ(v->detail.rfind("cpu ", 0), 0u);  // the CPU it happened on
}

TEST(HostCpus, BuiltInScenariosRunCleanAndTheElisionTwinIsCaught) {
    const RunReport ok = run_scenario(test::scenario("host_cpus"));
    EXPECT_TRUE(ok.passed()) << format_run(ok);
    EXPECT_EQ(ok.per_cpu.size(), 4u);
    EXPECT_GT(ok.migrations, 0u);
    EXPECT_EQ(ok.contexts.size(), 6u);
    const RunReport bad = run_scenario(test::scenario("host_cpus_elide_same_cpu"));
    EXPECT_GT(bad.violations.count(ViolationKind::Clobber), 0u);
}

TEST(HostCpus, ContextIdsAreUniqueAmongGuestsThatCanShareACpu) {
    // Given 40 guests in 4 groups of 10, each group pinned to its own 2 CPUs, then ids repeat
    // across groups but never within one; 31 guests that may all meet are too many.
    Scenario s;
    s.host.cpus = 8;
    for (int i = 0; i < 40; ++i) {
        GuestSpec g;
        g.name = "vm" + std::to_string(i);
        g.affinity = {unsigned(2 * (i / 10)), unsigned(2 * (i / 10) + 1)};
        s.guests.push_back(g);
    }
    const auto ids = guest_context_ids(s);
    for (int i = 0; i < 40; ++i) {
        EXPECT_GE(ids[size_t(i)], 1);
        EXPECT_LE(ids[size_t(i)], 30);
        for (int j = 0; j < i; ++j)
            if (i / 10 == j / 10) {
                EXPECT_NE(ids[size_t(i)], ids[size_t(j)]);
            }
    }
    for (auto& g : s.guests) g.affinity.clear();
    try {
        guest_context_ids(s);
        FAIL() << "expected an error";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "guests.vm30.affinity");
    }
}

TEST(HostCpus, BadInputIsNamed) {
    EXPECT_NE(test::run_error(std::string(kTwoCpus) + "schedule:\n  - {at: 10, vcpu: vm0, cpu: 1}\n")
                  .find("t.yaml:15: schedule[0].cpu: CPU 1 is outside vm0's affinity"),
              std::string::npos);
    EXPECT_NE(test::run_error(std::string(kTwoCpus) + "schedule:\n  - {at: 10, vcpu: vm9, cpu: 1}\n").find("schedule[0].vcpu: no guest named"),
              std::string::npos);
    std::string y = kTwoCpus;
    y.replace(y.find("affinity: [1]"), 13, "affinity: [2]");
    EXPECT_NE(test::run_error(y).find("guests.vm1.affinity: CPU 2 is not on a host of 2 CPU(s)"), std::string::npos);
    y = kTwoCpus;
    y.replace(y.find("cpus: 2"), 7, "cpus: 0");
    EXPECT_NE(test::run_error(y).find("host.cpus: expected a whole number from 1 to 256"), std::string::npos);
    y = kTwoCpus;
    y.replace(y.find("cpus: 2"), 7, "cpus: 2\n  migrate: 2");
    EXPECT_NE(test::run_error(y).find("host.migrate: expected a probability from 0 to 1"), std::string::npos);
    EXPECT_NE(test::run_error(std::string(kTwoCpus) + "protocol: legacy\n").find("host.cpus: a host with several CPUs runs the mediated vPMU only"),
              std::string::npos);
}

TEST(HostCpus, WaveformsArePerCpu) {
    EXPECT_EQ(cpu_vcd_path("out/run.vcd", 3), "out/run.cpu3.vcd");
    EXPECT_EQ(cpu_vcd_path("a.b/run", 0), "a.b/run.cpu0");
}

TEST(HostCpus, HostPerfOnEachCpuIsScheduledOutAndInAroundThatCpusGuests) {
    // Given host perf counting on both CPUs and a vCPU pinned to each, with the built-in protocol
    // each CPU's host counts equal its truth (above). When perf_put_guest_context is removed, then
    // on each CPU the host's events stay scheduled out after its guest's exits, and each CPU's
    // checkers report it on that CPU.
    const RunReport bad = test::run_with(two_cpus(), {"remove:perf_put_guest_context"});
    ASSERT_EQ(bad.per_cpu.size(), 2u);
    for (const RunReport& cpu : bad.per_cpu) {
        EXPECT_GT(cpu.violations.total(), 0u) << "cpu " << cpu.cpu_index;
        bool scheduled_out = false;
        for (auto& v : cpu.violations.recorded())
            scheduled_out |= v.detail.find("host events are still scheduled out") != std::string::npos;
        EXPECT_TRUE(scheduled_out) << "cpu " << cpu.cpu_index;
    }
    EXPECT_EQ(bad.violations.total(), bad.per_cpu[0].violations.total() + bad.per_cpu[1].violations.total());
}

TEST(HostCpus, EveryBuiltInMediatedScenarioRunsCleanOnTwoCpusWithMoves) {
    // Given each built-in scenario that runs clean on one CPU under the mediated vPMU, when it runs
    // on 2 CPUs with every yielding vCPU moving (host.migrate 1), then it is still clean, every
    // guest expectation is met and every guest count equals its truth (or 0 where denied).
    for (auto& name : scenario_library()) {
        if (name == "guest_without_perf_metrics" || name == "perf_metrics_yaml_patch_wrong_order" ||
            name.rfind("host_cpus", 0) == 0 || name == "migrate_host_wrong_order" || name == "migrate_host_pmi_pending")
            continue;  // their findings (one CPU), already on several, or an expectation of one instant of its timeline
        Scenario s = test::scenario(name, 500'000);
        if (!s.make_protocol().mediated()) continue;
        s.host.cpus = 2;
        s.host.migrate = 1;
        const RunReport r = run_scenario(s);
        EXPECT_TRUE(r.passed()) << name << ": " << format_run(r, 3);
        for (auto& c : r.contexts)
            for (auto& [ev, v] : c.counts)
                if (std::find(c.denied.begin(), c.denied.end(), ev) == c.denied.end()) {
                    EXPECT_EQ(v.first, v.second) << name << " " << c.name << " " << ev;
                }
    }
}

TEST(HostCpus, AHostTaskPreemptsTheVcpuRunningOnItsCpu) {
    // Given vCPUs that run 50k-90k cycles between exits and a host task waking on CPU 0 at cycle
    // 100000 that runs 30000 cycles, when the run reaches it, then vm0 (on CPU 0) exits once with
    // reason `preempt` and yields, the host owns CPU 0 for at least those 30000 cycles right after
    // its exit path, vm1 on CPU 1 is not preempted, and the run is clean and exact.
    const char* kPreempt =
        "cpu: sapphirerapids\ncycles: 400000\nseed: 4\nhost:\n  cpus: 2\n"
        "  perf: {events: [instructions, cycles], topdown: true, interval: 100000}\nguests:\n"
        "  - {name: vm0, workload: interpreter, affinity: [0], run: {dist: uniform, min: 50000, max: 90000},\n"
        "     perf: {events: [instructions, cycles]}}\n"
        "  - {name: vm1, workload: pointer_chase, affinity: [1], run: {dist: uniform, min: 50000, max: 90000},\n"
        "     perf: {events: [instructions, cycles]}}\n"
        "schedule:\n  - {at: 100000, cpu: 0, preempt: 30000}\n";
    const RunReport r = run_scenario(parse_scenario_yaml(kPreempt, "t.yaml"));
    EXPECT_TRUE(r.clean()) << format_run(r);
    EXPECT_EQ(context(r, "vm0").exits.count("preempt") ? context(r, "vm0").exits.at("preempt") : 0u, 1u);
    EXPECT_EQ(context(r, "vm1").exits.count("preempt"), 0u);
    expect_counts_exact(context(r, "vm0"));
    // On CPU 0, vm0 owns cycle 99999 and then no cycle of [100000, 130000).
    const auto spans = spans_of(r.per_cpu[0], "vm0");
    bool ran_before = false;
    for (auto& [b, e] : spans) {
        ran_before |= b < 100000 && e == 100000;
        EXPECT_FALSE(b < 130000 && e > 100000) << b << ".." << e;
    }
    EXPECT_TRUE(ran_before);
}

TEST(HostCpus, SchedulerEntriesAreChecked) {
    const std::string head = std::string(kTwoCpus) + "schedule:\n";
    EXPECT_NE(test::run_error(head + "  - {at: 10, vcpu: vm0, cpu: 0, preempt: 5}\n").find("schedule[0].vcpu: a preemption names a CPU, not a vCPU"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "  - {at: 10, cpu: 5, preempt: 5}\n").find("schedule[0].cpu: CPU 5 is not on a host of 2 CPU(s)"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "  - {at: 10, cpu: 0, preempt: 0}\n").find("schedule[0].preempt: expected a whole number from 1"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "  - {at: 20, cpu: 0, preempt: 5}\n  - {at: 10, cpu: 1, preempt: 5}\n").find("schedule[1].at: entries must be in cycle order"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "  - {at: 20, cpu: 0, wait: 5}\n").find("schedule[0].wait: unknown key (known: at, cpu, preempt, vcpu)"),
              std::string::npos);
}
