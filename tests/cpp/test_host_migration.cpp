// Live migration of a vCPU's PMU state to another host (docs/virtualization.md "Migration to
// another host"), written like KVM's selftests: given this VMM and these hosts, when the VMM
// migrates, then these values, this refusal or these violations.
#include <gtest/gtest.h>

#include "sim/virt/host.h"
#include "sim/virt/run_format.h"
#include "virt_test_util.h"

using namespace pmusim;

namespace {

const ContextSummary& context(const RunReport& r, const std::string& name) {
    for (auto& c : r.contexts)
        if (c.name == name) return c;
    throw std::logic_error("no context " + name);
}

// The VMM accesses recorded on one CPU for a vCPU.
std::vector<const ProgramRecord*> vmm_records(const RunReport& cpu, const std::string& label_prefix) {
    std::vector<const ProgramRecord*> out;
    for (auto& x : cpu.programs.records)
        if (x.label.rfind(label_prefix, 0) == 0) out.push_back(&x);
    return out;
}

}  // namespace

TEST(HostMigration, TopdownGoesOnOnASecondSapphireRapidsHost) {
    // Given vm0 counting with topdown (PERF_METRICS) and a destination host with its own topdown
    // and sampling, when the VMM migrates vm0 at cycle 600000, then KVM takes every saved MSR,
    // vm0 runs on the destination's CPU, its counts and fractions equal its truth and no check fires.
    const RunReport r = run_scenario(test::scenario("migrate_host_topdown"));
    ASSERT_EQ(r.host_migrations.size(), 1u);
    const HostMigration& m = r.host_migrations[0];
    EXPECT_TRUE(m.moved);
    EXPECT_EQ(m.restored, m.saved + 1);  // with PERF_CAPABILITIES
    EXPECT_TRUE(m.lost.empty());
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
    ASSERT_EQ(r.per_cpu.size(), 2u);
    EXPECT_TRUE(r.per_cpu[1].destination_host);
    EXPECT_FALSE(r.per_cpu[0].destination_host);
    EXPECT_EQ(context(r, "vm0").migrations, 1u);
    EXPECT_EQ(context(r, "vm1").migrations, 0u);
    // The restore ran on the destination: PERF_CAPABILITIES first, FIXED_CTR3 before PERF_METRICS.
    const auto restore = vmm_records(r.per_cpu[1], "vmm: migrate restore on");
    ASSERT_EQ(restore.size(), m.restored);
    EXPECT_EQ(restore[0]->reg, "IA32_PERF_CAPABILITIES");
    size_t slots = 0, metrics = 0;
    for (size_t i = 0; i < restore.size(); ++i) {
        if (restore[i]->reg == "IA32_FIXED_CTR3") slots = i;
        if (restore[i]->reg == "IA32_PERF_METRICS") metrics = i;
    }
    EXPECT_LT(slots, metrics);
    EXPECT_TRUE(vmm_records(r.per_cpu[0], "vmm: migrate restore").empty());
    EXPECT_EQ(vmm_records(r.per_cpu[0], "vmm: migrate save").size(), m.saved);
    const ContextSummary& g = context(r, "vm0");
    for (auto& [ev, v] : g.counts) EXPECT_EQ(v.first, v.second) << ev;
    ASSERT_TRUE(g.has_topdown);
    EXPECT_EQ(g.topdown_method, "perf_metrics");
    for (auto n : {tma::Node::FrontendBound, tma::Node::BackendBound, tma::Node::Retiring})
        EXPECT_NEAR(g.reported[tma::ni(n)], g.truth_breakdown[tma::ni(n)], 0.02) << tma::node_name(n);
}

TEST(HostMigration, AVmmThatDropsPerfMetricsIsCaughtOnTheDestination) {
    // Given the same migration, when the VMM's list omits PERF_METRICS, then the guest's fractions
    // on the destination are not its own: the checkers see a clobber.
    Scenario s = test::scenario("migrate_host_topdown");
    s.vmm.at(0).omit = {msr::kPerfMetrics};
    const RunReport r = run_scenario(s);
    ASSERT_TRUE(r.host_migrations.at(0).moved);
    EXPECT_GT(r.violations.count(ViolationKind::Clobber), 0u);
}

TEST(HostMigration, AnOverflowBitPendingSurvivesTheMigration) {
    // Given vm0's PMC0 overflowing on the source with a PMI and GLOBAL_STATUS never cleared, when
    // the VMM migrates it, then KVM_GET_MSRS on the destination reads GLOBAL_STATUS 0x1 and PMC0
    // counting on, and no check fires.
    const RunReport r = run_scenario(test::scenario("migrate_host_overflow"));
    ASSERT_TRUE(r.host_migrations.at(0).moved);
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
    bool status_read = false;
    for (auto* x : vmm_records(r.per_cpu.at(1), "vmm: get_msrs"))
        if (x->reg == "IA32_PERF_GLOBAL_STATUS") {
            status_read = true;
            EXPECT_EQ(x->seen.value, 1u);
            EXPECT_EQ(x->ref_value, 1u);  // as on bare metal
        }
    EXPECT_TRUE(status_read);
    // Without GLOBAL_STATUS in the VMM's list the bit is lost, and the checkers say so.
    Scenario s = test::scenario("migrate_host_overflow");
    for (auto& a : s.vmm)
        if (a.to_destination) a.omit = {msr::kGlobalStatus};
    const RunReport lost = run_scenario(s);
    EXPECT_GT(lost.violations.count(ViolationKind::Clobber), 0u);
}

TEST(HostMigration, KvmRefusesPerfMetricsOnAHostWithout) {
    // Given vm0 with PERF_METRICS and a destination whose PERF_CAPABILITIES[15] is off, when the
    // VMM restores, then KVM_SET_MSRS stops at PERF_CAPABILITIES (bit 15 unsupported there), the
    // destination's msrs_to_save lacks PERF_METRICS, and vm0 runs on at the source, clean.
    const RunReport r = run_scenario(test::scenario("migrate_host_no_perf_metrics"));
    ASSERT_EQ(r.host_migrations.size(), 1u);
    const HostMigration& m = r.host_migrations[0];
    EXPECT_FALSE(m.moved);
    EXPECT_EQ(m.refused, "IA32_PERF_CAPABILITIES");
    EXPECT_EQ(m.to, "sapphirerapids perf_metrics=0");
    EXPECT_NE(m.why.find("0x8000"), std::string::npos) << m.why;
    EXPECT_EQ(m.restored, 0u);
    EXPECT_EQ(m.lost, std::vector<std::string>{"IA32_PERF_METRICS"});
    EXPECT_EQ(context(r, "vm0").migrations, 0u);
    EXPECT_TRUE(vmm_records(r.per_cpu.at(1), "vmm:").empty());
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
    EXPECT_NE(format_run(r).find("refused at IA32_PERF_CAPABILITIES"), std::string::npos);
}

TEST(HostMigration, AGuestWithoutPerfMetricsMovesOnlyWithoutItInTheList) {
    // Given the same hosts and a vm0 whose vPMU has no PERF_METRICS (and no topdown), when the VMM
    // restores the source's msrs_to_save verbatim, then KVM refuses PERF_METRICS <- 0: the
    // destination does not advertise it, so the "host write of 0 to an advertised MSR" exception
    // does not apply (kvm_do_msr_access). When the VMM leaves it out, vm0 moves and runs clean.
    Scenario s = test::scenario("migrate_host_no_perf_metrics");
    s.guests[0].vpmu.perf_metrics = false;
    s.guests[0].perf.topdown = false;
    s.vmm.pop_back();  // its expectations are about PERF_METRICS
    s.intercepts.need_perf_metrics_intercept = true;  // RDPMC exits: the host's PERF_METRICS stays its own
    const RunReport verbatim = run_scenario(s);
    EXPECT_FALSE(verbatim.host_migrations.at(0).moved);
    EXPECT_EQ(verbatim.host_migrations[0].refused, "IA32_PERF_METRICS");
    for (auto& a : s.vmm) a.omit = {msr::kPerfMetrics};
    const RunReport r = run_scenario(s);
    ASSERT_TRUE(r.host_migrations.at(0).moved) << r.host_migrations[0].why;
    EXPECT_TRUE(r.host_migrations[0].lost.empty());
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
    EXPECT_EQ(context(r, "vm0").migrations, 1u);
    for (auto& [ev, v] : context(r, "vm0").counts) EXPECT_EQ(v.first, v.second) << ev;
}

TEST(HostMigration, ASapphireRapidsGuestIsRefusedOnAnIcelakeHostForItsLbrFormat) {
    // Given vm0 on sapphirerapids (LBR format 0x3f, architectural LBRs) and an icelake destination
    // (format 0x5), when the VMM restores PERF_CAPABILITIES, then KVM refuses the LBR-format
    // bits the destination does not support (0x3a), even though both hosts have PERF_METRICS.
    Scenario s = test::scenario("migrate_host_topdown");
    s.destination->cpu = "icelake";
    const RunReport r = run_scenario(s);
    const HostMigration& m = r.host_migrations.at(0);
    EXPECT_FALSE(m.moved);
    EXPECT_EQ(m.refused, "IA32_PERF_CAPABILITIES");
    EXPECT_NE(m.why.find("0x3a"), std::string::npos) << m.why;
    EXPECT_TRUE(m.lost.empty());
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
}

TEST(HostMigration, AVmmRestoringPerfMetricsBeforeFixedCtr3IsCaught) {
    // Given migrate_host_wrong_order, whose VMM restores PERF_METRICS first, then that restore
    // fails its rule (the run fails) and the record names the order.
    const RunReport r = run_scenario(test::scenario("migrate_host_wrong_order"));
    EXPECT_FALSE(r.passed());
    EXPECT_EQ(r.programs.failed, 1u);
    bool named = false;
    for (auto& x : r.programs.records)
        named |= x.reg == "IA32_PERF_METRICS" && x.failure.find("before IA32_FIXED_CTR3") != std::string::npos;
    EXPECT_TRUE(named);
}

TEST(HostMigration, ScenarioErrorsNameTheInput) {
    const std::string head = "cpu: sapphirerapids\ncycles: 300000\nguests:\n  - name: vm0\n";
    EXPECT_NE(test::run_error(head + "destination: {cpu: sapphirerapids}\nvmm:\n  - {at: 1000, vcpu: vm0, migrate: {to: mars}}\n")
                  .find("t.yaml:7: vmm[0].migrate.to: expected destination"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "destination: {cpu: sapphirerapids, cpus: 300}\n").find("destination.cpus: expected a whole number from 1 to 256"),
              std::string::npos) << test::run_error(head + "destination: {cpu: sapphirerapids, cpus: 300}\n");
    EXPECT_NE(test::run_error(head + "destination: {cpu: nosuchcpu}\n").find("destination.cpu: unknown CPU preset 'nosuchcpu'"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "vmm:\n  - {at: 1000, vcpu: vm0, migrate: {to: destination}}\n")
                  .find("t.yaml:6: vmm[0].migrate.to: the scenario has no destination host"),
              std::string::npos);
    EXPECT_NE(test::run_error(head + "destination: {overrides: {perf_metrics: x}}\n").find("destination.overrides.perf_metrics"),
              std::string::npos);
}

TEST(HostMigration, AnOverflowPendingUnderAMaskedLvtpcIsHandledOnceAtTheDestination) {
    // Given vm0 sampling with a period shorter than its late-ack handler, when the VMM migrates
    // it inside the handler, with an overflow in GLOBAL_STATUS that its masked LVTPC did not
    // take, then the migration moves it in that state (status bit 0, LVTPC masked, no KVM_REQ_PMI
    // outstanding), the handler's re-read samples the overflow at the destination, and every PMI
    // its bare-metal reference raises reaches it exactly once: no check fires.
    const RunReport r = run_scenario(test::scenario("migrate_host_pmi_pending"));
    const HostMigration& m = r.host_migrations.at(0);
    ASSERT_TRUE(m.moved);
    EXPECT_EQ(m.status, 1u);
    EXPECT_TRUE(m.lvtpc_masked);
    EXPECT_FALSE(m.pmi_requested);
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
    const ContextSummary& vm0 = context(r, "vm0");
    EXPECT_GT(vm0.samples, vm0.pmis);  // overflows inside a handler were sampled without a PMI
    EXPECT_EQ(vm0.pmis_inhibited, vm0.pmis);
    // The VMM's list without GLOBAL_STATUS loses the pending overflow: caught on the destination.
    Scenario s = test::scenario("migrate_host_pmi_pending");
    for (auto& a : s.vmm)
        if (a.to_destination) a.omit = {msr::kGlobalStatus};
    const RunReport lost = run_scenario(s);
    const Violation* v = test::first_of(lost, ViolationKind::Clobber);
    ASSERT_NE(v, nullptr);
    EXPECT_NE(v->detail.find("cpu 1:"), std::string::npos);
    EXPECT_EQ(v->reg, "GLOBAL_STATUS");
}

TEST(HostMigration, ADestinationWithSeveralCpusTakesTheVcpusAndMovesThemAmongItsCpus) {
    // Given a destination host of 2 CPUs (destination.cpus) whose vCPUs move when they yield
    // (destination.migrate 1), when the VMM migrates vm0 and then vm1 there, then each arrives on
    // the destination CPU with the fewest vCPUs, both run on both destination CPUs and never
    // again on the source, every count equals its truth and no check fires.
    const RunReport r = run_scenario(parse_scenario_yaml(
    "cpu: sapphirerapids\n"
    "cycles: 600000\n"
    "seed: 4\n"
    "protocol: mediated\n"
    "host:\n"
    "  workload: mixed_app\n"
    "  slice: {dist: uniform, min: 5000, max: 20000}\n"
    "  perf: {events: [instructions, cycles], topdown: true, interval: 100000}\n"
    "destination:\n"
    "  cpu: sapphirerapids\n"
    "  cpus: 2\n"
    "  migrate: 1\n"
    "  perf: {events: [instructions, cycles, branches], interval: 100000}\n"
    "guests:\n"
    "  - {name: vm0, workload: interpreter, run: {dist: uniform, min: 5000, max: 20000}, perf: {events: [instructions, cycles], topdown: true, interval: 50000}}\n"
    "  - {name: vm1, workload: pointer_chase, run: {dist: uniform, min: 5000, max: 20000}, perf: {events: [instructions, branches], interval: 50000}}\n"
    "vmm:\n"
    "  - {at: 200000, vcpu: vm0, migrate: {to: destination}}\n"
    "  - {at: 250000, vcpu: vm1, migrate: {to: destination}}\n", "t.yaml"));
    EXPECT_TRUE(r.passed()) << format_run(r, 3);
    ASSERT_EQ(r.per_cpu.size(), 3u);
    EXPECT_FALSE(r.per_cpu[0].destination_host);
    EXPECT_TRUE(r.per_cpu[1].destination_host && r.per_cpu[2].destination_host);
    ASSERT_EQ(r.host_migrations.size(), 2u);
    for (auto& m : r.host_migrations) {
        EXPECT_TRUE(m.moved);
        EXPECT_GE(m.to_cpu, 1u);
    }
    EXPECT_GT(r.migrations, 2u);  // moves among the destination's CPUs beyond the two migrations
    for (const char* vm : {"vm0", "vm1"}) {
        uint64_t last_on_source = 0, first_on_destination = UINT64_MAX;
        for (auto& c : r.per_cpu)
            for (auto& sp : c.timeline)
                if (size_t(sp.ctx) < c.ctx_names.size() && c.ctx_names[size_t(sp.ctx)] == vm) {
                    if (c.destination_host) first_on_destination = std::min(first_on_destination, sp.begin);
                    else last_on_source = std::max(last_on_source, sp.end);
                }
        EXPECT_LT(last_on_source, first_on_destination) << vm;
        for (auto& [ev, v] : context(r, vm).counts) EXPECT_EQ(v.first, v.second) << vm << " " << ev;
    }
    bool cpu2_ran_a_vcpu = false;
    for (auto& sp : r.per_cpu[2].timeline) cpu2_ran_a_vcpu |= sp.ctx != 0;
    EXPECT_TRUE(cpu2_ran_a_vcpu);
    // Errors name the key.
    const std::string base = "cpu: sapphirerapids\nprotocol: mediated\nguests: [{name: vm0}]\ndestination:\n  cpu: sapphirerapids\n";
    EXPECT_NE(test::run_error(base + "  cpus: 0\n").find("destination.cpus"), std::string::npos);
    EXPECT_NE(test::run_error(base + "  migrate: 2\n").find("destination.migrate: expected a probability"), std::string::npos);
}
