// Host perf per task beside host perf per CPU (docs/virtualization.md "Host perf per task"): a
// vCPU thread's events (`perf stat -p`) follow it from CPU to CPU, share each PMU with the CPU's
// events, and are scheduled out around the guest with them (perf_load_guest_context).
#include <gtest/gtest.h>

#include "sim/virt/host.h"
#include "sim/virt/run_format.h"
#include "virt_test_util.h"

using namespace pmusim;

namespace {

const char* kOneCpu =
    "cpu: sapphirerapids\ncycles: 300000\nseed: 3\n"
    "host:\n  workload: mixed_app\n  slice: {dist: uniform, min: 5000, max: 20000}\n"
    "  perf: {events: [instructions, cycles], topdown: true, interval: 100000}\n"
    "  task: {vcpu: vm0, perf: {events: [instructions, cycles, branches]}}\n"
    "guests:\n"
    "  - {name: vm0, workload: interpreter, run: {dist: uniform, min: 5000, max: 20000},\n"
    "     perf: {events: [instructions, cycles], interval: 50000}}\n";

const RunReport::Task& task(const RunReport& r) {
    if (r.tasks.size() != 1) throw std::runtime_error("expected one host task");
    return r.tasks[0];
}

uint64_t count_of(const ContextSummary& c, const std::string& ev, bool truth) {
    for (auto& [name, v] : c.counts)
        if (name == ev) return truth ? v.second : v.first;
    throw std::runtime_error("no count " + ev);
}

std::string with(std::string y, const std::string& from, const std::string& to) {
    y.replace(y.find(from), from.size(), to);
    return y;
}

}  // namespace

TEST(HostTaskPerf, TaskEventsFollowTheThreadAcrossCpusAndEqualItsTruth) {
    // Given host_task_perf (3 CPUs, host perf per CPU with topdown, vm0's thread counted per task,
    // vm0 moved by the scheduler), when it runs with the built-in protocol, then it is clean, the
    // task ran on more than one CPU and every task count equals the task's events while it ran.
    const RunReport r = run_scenario(test::scenario("host_task_perf"));
    EXPECT_TRUE(r.clean()) << format_run(r);
    const RunReport::Task& t = task(r);
    EXPECT_EQ(t.vcpu, "vm0");
    EXPECT_GE(t.cpus.size(), 2u);
    EXPECT_GT(t.switches, t.cpus.size());
    for (auto& [ev, v] : t.sum.counts) {
        EXPECT_GT(v.second, 0u) << ev;
        EXPECT_EQ(v.first, v.second) << ev;
    }
    // cycles count every cycle its counters were enabled, and nothing else
    EXPECT_EQ(count_of(t.sum, "cycles", false), t.sum.counted_cycles);
}

TEST(HostTaskPerf, TaskEventsCountOnlyTheThreadsHostTimeNotTheGuests) {
    // Given one CPU, vm0's thread counted per task, when the run ends, then the task's cycles are
    // fewer than the CPU's cycles outside vm0's guest time (its load and exit paths and exit
    // handling only), and the CPU context's counts still equal the host's truth.
    const RunReport r = run_scenario(parse_scenario_yaml(kOneCpu, "t.yaml"));
    EXPECT_TRUE(r.clean()) << format_run(r);
    const RunReport::Task& t = task(r);
    const ContextSummary* vm0 = nullptr;
    for (auto& c : r.contexts)
        if (c.name == "vm0") vm0 = &c;
    ASSERT_NE(vm0, nullptr);
    EXPECT_GT(t.sum.counted_cycles, 0u);
    EXPECT_LT(t.sum.counted_cycles + vm0->cycles, r.cycles);
    EXPECT_LE(t.sum.counted_cycles, r.transition_cycles);
    EXPECT_EQ(t.cpus, std::vector<unsigned>{0});
}

TEST(HostTaskPerf, FixedEventsTheCpuContextHoldsGoOnGpCountersAboveItsOwn) {
    // Given a CPU context with instructions and cycles on fixed counters 0 and 1 and a branches
    // event on GP counter 0, when a task context asks for instructions and branches, then its
    // instructions go on a GP counter (architectural encoding) and both take GP counters from 1.
    const CpuConfig cpu = make_cpu_config("sapphirerapids", {});
    AgentConfig host;
    host.events = {"instructions", "cycles", "branches"};
    PerfSoftware cpu_ctx("host", cpu, host, true, true);
    EXPECT_EQ(cpu_ctx.gp_bits(), 1u);
    AgentConfig task;
    task.events = {"instructions", "branches"};
    PerfSoftware task_ctx("host.task", cpu, task, true, true, 1, uint32_t(cpu_ctx.counter_bits() >> 32) & 0xf);
    EXPECT_EQ(task_ctx.counter_slot(0), 1);
    EXPECT_EQ(task_ctx.counter_slot(1), 2);
    EXPECT_EQ(task_ctx.gp_bits() & cpu_ctx.gp_bits(), 0u);
}

TEST(HostTaskPerf, LoadPathThatSchedulesOutOnlyTheCpuContextIsCaught) {
    // Given host_task_perf, when perf_load_guest_context schedules out only the CPU context's
    // events (the task's stay scheduled in while vm0's guest runs and KVM loads its counters),
    // then task_counts reports the task's events scheduled in at the VM-entry and its readings
    // differing from its truth; the CPU context's readings stay right.
    const RunReport bad = test::run_with(test::scenario("host_task_perf"),
                                         {"replace:perf_load_guest_context=perf_load_guest_context_cpu_only"});
    const Violation* v = test::first_of(bad, ViolationKind::Clobber);
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->step, "vmentry");
    EXPECT_NE(v->reg.find("task vm0"), std::string::npos);
    bool count_differs = false;
    for (auto& x : bad.violations.recorded()) {
        EXPECT_EQ(x.reg.rfind("task vm0", 0), 0u) << x.reg << ": " << x.detail;
        count_differs |= x.detail.find("count differs") != std::string::npos;
    }
    EXPECT_TRUE(count_differs);
    EXPECT_NE(count_of(task(bad).sum, "cycles", false), count_of(task(bad).sum, "cycles", true));
}

TEST(HostTaskPerf, ScenarioErrorsNameTheKey) {
    // Given a task naming no guest, asking for topdown, or wanting more GP counters than the CPU
    // context leaves, when the scenario is read or run, then the error names the key.
    EXPECT_NE(test::run_error(with(kOneCpu, "vcpu: vm0", "vcpu: vm9")).find("host.task.vcpu: no guest named 'vm9'"), std::string::npos);
    EXPECT_NE(test::run_error(with(kOneCpu, "events: [instructions, cycles, branches]}}", "events: [branches], topdown: true}}"))
                  .find("host.task.perf: a task's events are counting events only"),
              std::string::npos);
    const std::string full = with(kOneCpu, "perf: {events: [instructions, cycles], topdown: true, interval: 100000}",
                                  "perf: {events: [branches, branch-misses, r01c2, r02c2, r04c2, r08c2, r10c2, r20c2]}");
    const std::string e = test::run_error(full);
    EXPECT_NE(e.find("host.task.perf.events"), std::string::npos) << e;
    EXPECT_NE(e.find("does not fit"), std::string::npos) << e;
    EXPECT_NE(e.find("host.perf holds GP counters 0-7"), std::string::npos) << e;
    const std::string legacy = with(with(kOneCpu, "cycles: 300000", "cycles: 300000\nprotocol: legacy"), "workload: interpreter,",
                                    "workload: interpreter, vpmu: {version: 2, gp: 4, fixed: 3, perf_metrics: false},");
    EXPECT_NE(test::run_error(legacy).find("host.task: per-task host events are modelled with the mediated vPMU only"), std::string::npos)
        << test::run_error(legacy);
}
