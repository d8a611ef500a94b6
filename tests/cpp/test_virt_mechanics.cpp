// The virtualization layer, continued: PMI accounting and checker cases, the mutation table, the
// legacy vPMU, waveforms and the VMX mechanics (docs/virtualization.md).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "models/pmu/register_table.h"
#include "models/virt/context_workload.h"
#include "models/virt/protocol.h"
#include "models/virt/vpmu.h"
#include "sim/virt/checker.h"
#include "sim/virt/hypervisor.h"
#include "sim/virt/mutate.h"
#include "sim/virt/scenario.h"
#include "virt_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {


// The PMI accounting checker on its own: an Engine with one guest whose reference PMU is
// programmed directly, and deliveries announced by hand.
struct PmiBench {
    Scenario sc = scenario("pmi_sampling");
    Machine m{MachineOptions{}};
    Engine e{sc, m};
    ContextWorkload cw;
    unsigned src = 0;
    explicit PmiBench(uint64_t delay) {
        sc.checks.guest_pmi_delay = delay;
        cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "host");
        src = cw.add_source(std::make_unique<SteadyWorkload>(SteadyParams{}), "vm0");
        cw.bind(m.cpu());
        e.cw = &cw;
        e.tags = {"test"};
        auto v = std::make_unique<Vcpu>(1, sc.guests[0], m.cpu(), true, false);
        v->source = src;
        v->ref = std::make_unique<Pmu>(v->kvm.cpu, Semantics{}, std::make_unique<SteadyWorkload>(SteadyParams{}));
        // Given FIXED_CTR1 (cycles) with its PMI enabled, 10 cycles from overflow.
        v->ref->wrmsr(msr::kFixedCtrCtrl, 0xbull << 4);
        v->ref->wrmsr(msr::kFixedCtr0 + 1, v->ref->cpu().fixed_mask() - 9);
        v->ref->wrmsr(msr::kGlobalCtrl, 1ull << 33);
        e.vcpus.push_back(std::move(v));
    }
    void guest_runs(uint64_t n) { cw.append(src, n, 1, 0); }
};

}  // namespace

// Defined in test_virtualization.cpp.
const Violation* first_where(const RunReport& r, ViolationKind k, const std::string& detail_part);

TEST(PmiAccounting, LostSpuriousDuplicatedOnTime) {
    {
        // When the guest is owed nothing and gets a PMI: spurious.
        PmiBench b(0);
        auto c = make_pmi_accounting_checker(b.e);
        c->on_pmi_delivered(1);
        EXPECT_EQ(b.e.log.count(ViolationKind::PmiSpurious), 1u);
    }
    {
        // When its reference overflows and the injection comes 10,000 guest cycles later with no
        // slack allowed: lost. With the delay allowed it is on time, and a second one duplicated.
        PmiBench strict(0);
        auto c = make_pmi_accounting_checker(strict.e);
        strict.guest_runs(10'000);
        c->on_pmi_delivered(1);
        EXPECT_EQ(strict.e.log.count(ViolationKind::PmiLost), 1u);
        PmiBench loose(1'000'000);
        auto d = make_pmi_accounting_checker(loose.e);
        loose.guest_runs(10'000);
        d->on_pmi_delivered(1);
        EXPECT_EQ(loose.e.log.total(), 0u);
        d->on_pmi_delivered(1);
        EXPECT_EQ(loose.e.log.count(ViolationKind::PmiDuplicated), 1u);
    }
    {
        // When the run ends with the PMI never delivered: lost.
        PmiBench b(1'000'000);
        auto c = make_pmi_accounting_checker(b.e);
        b.guest_runs(100);
        c->on_end();
        EXPECT_EQ(b.e.log.count(ViolationKind::PmiLost), 1u);
    }
}

TEST(Checkers, HostPerfNotScheduledBackInIsReportedAtTheEndOfExitHandling) {
    // Given a guest that never exits except for its own sampling PMIs and its perf's accesses, the
    // host gets no slice after the first; without perf_put_guest_context host perf would stay
    // scheduled out for the whole run. The check fires at the end of every exit-handling window,
    // and a final host reading is still taken.
    Scenario s = scenario("pmi_sampling", 1'000'000);
    s.guests[0].run = Dist::fixed(1'000'000'000);
    const RunReport r = run_with(s, {"remove:perf_put_guest_context"});
    const Violation* c = first_where(r, ViolationKind::Clobber, "at the end of exit handling");
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->reg, "host perf events");
    EXPECT_EQ(c->step, "exit handling");
    EXPECT_NE(first_where(r, ViolationKind::Clobber, "at the end of the run"), nullptr);
    EXPECT_GT(r.contexts[0].counts.at(0).second.second, 0u);  // the final reading was compared with the truth
    EXPECT_TRUE(run_scenario(s).clean());               // the unmutated protocol under the same timeline
}

TEST(Checkers, ExposureSeesRdpmcOfPerfMetricsWithoutRdpmcExiting) {
    // Given a guest without PERF_METRICS whose counter sets equal the host's (RDPMC exiting off),
    // the host's PERF_METRICS is readable by RDPMC 0x20000000 at VM-entry: a flow host -> guest.
    const RunReport seed = run_scenario(scenario("guest_without_perf_metrics", 600'000));
    const Violation* f = first_of(seed, ViolationKind::Flow);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->reg, "PERF_METRICS (RDPMC)");
    EXPECT_EQ(f->reader, "vm0");
    EXPECT_EQ(f->source, "host");
    EXPECT_EQ(f->step, "vmentry");
    // With kvm_need_perf_metrics_intercept, RDPMC exits (and KVM injects #GP): clean.
    Scenario s = scenario("guest_without_perf_metrics", 600'000);
    s.intercepts.need_perf_metrics_intercept = true;
    EXPECT_TRUE(run_scenario(s).clean());
    const auto icpt = MsrIntercepts::compute(make_cpu_config("sapphirerapids"), s.guests[0].vpmu, true, true);
    EXPECT_TRUE(icpt.rdpmc_exiting);
    EXPECT_TRUE(icpt.intercepted(msr::kGlobalCtrl));
    EXPECT_TRUE(icpt.intercepted(msr::kGlobalStatus));
    EXPECT_TRUE(icpt.intercepted(msr::kGlobalStatusReset));
}

TEST(Mutation, TableHasBaselineRemovalsAndSwaps) {
    Scenario s = scenario("perf_metrics_patch", 300'000);
    const auto rs = mutate_scenario(s);
    const Protocol p = s.make_protocol();
    ASSERT_EQ(rs.size(), protocol_mutants(p).size() + 1);
    EXPECT_EQ(rs[0].name, "baseline");
    EXPECT_TRUE(rs[0].clean());
    auto find = [&](const std::string& n) -> const MutantResult& {
        for (auto& r : rs)
            if (r.name == n) return r;
        throw std::runtime_error("no mutant " + n);
    };
    EXPECT_FALSE(find("remove:zero_global_ctrl").clean());
    EXPECT_FALSE(find("swap:load_guest_pmcs,load_perf_metrics").clean());
    // Saving PERF_METRICS after FIXED_CTR3 was zeroed reads the last written value, not the
    // guest's fractions: the put order matters for the save, not only for the zeroing.
    EXPECT_GT(find("swap:put_perf_metrics,put_guest_pmcs").count[0], 0u);
    // Clearing FIXED_CTR_CTRL before or after saving PERF_METRICS makes no difference.
    EXPECT_TRUE(find("swap:put_fixed_ctr_ctrl,put_perf_metrics").clean());
    const std::string md = mutation_table(rs, true);
    EXPECT_NE(md.find("| `remove:put_perf_metrics` |"), std::string::npos);
}

TEST(LegacyVpmu, RunsCleanAndExposesNoPerfMetrics) {
    const RunReport r = run_scenario(scenario("legacy_vpmu", 1'000'000));
    EXPECT_TRUE(r.clean());
    EXPECT_FALSE(r.contexts[1].has_topdown);
    EXPECT_GT(r.contexts[1].exits.at("msr"), 10u);  // every guest PMU access exits
    Scenario bad = scenario("legacy_vpmu");
    bad.guests[0].vpmu.perf_metrics = true;
    bad.guests[0].vpmu.num_fixed = 4;
    EXPECT_THROW(run_scenario(bad), ConfigError);
}

TEST(Waveform, VcdHasTheSignalsAndChanges) {
    const std::string path = ::testing::TempDir() + "pmusim_virt.vcd";
    (void)run_scenario(scenario("perf_metrics_patch", 200'000), path, 10'000);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string v = ss.str();
    for (const char* sig : {" ctx $end", " GLOBAL_CTRL $end", " GLOBAL_STATUS $end", " FIXED_CTR3 $end", " PMC7 $end",
                            " PERF_METRICS.retiring $end", " pmi $end", "$timescale 1ns $end"})
        EXPECT_NE(v.find(sig), std::string::npos) << sig;
    EXPECT_NE(v.find("\n#"), std::string::npos);
    EXPECT_GT(std::count(v.begin(), v.end(), '#'), 50);
}

TEST(VmxMechanics, IcelakeSavesGlobalCtrlThroughTheMsrStoreList) {
    // Given an Ice Lake host (no VM-exit "save GLOBAL_CTRL" control), the MSR-store list keeps the
    // guest's GLOBAL_CTRL: the run is clean and each VM-exit costs the store-list cycles more.
    Scenario s = scenario("perf_metrics_patch", 600'000);
    s.cpu = "icelake";
    const RunReport r = run_scenario(s);
    EXPECT_TRUE(r.clean());
    uint64_t exits = 0;
    for (auto& [k, n] : r.contexts[1].exits) exits += n;
    EXPECT_EQ(r.step_cycles.at("vmexit"), exits * (s.costs.vmexit + s.costs.msr_store_list));
    // Without any save, the guest's own GLOBAL_CTRL writes are lost at the next entry.
    s.vmcs.save = "none";
    const RunReport bad = run_scenario(s);
    ASSERT_NE(first_of(bad, ViolationKind::Clobber), nullptr);
    EXPECT_EQ(first_of(bad, ViolationKind::Clobber)->reader, "vm0");
    // And the VMCS control cannot be asked of a CPU that lacks it.
    s.vmcs.save = "vmcs";
    EXPECT_THROW(run_scenario(s), ConfigError);
}

// The engine calls a checker's on_access / on_chunk until the checker shows, by the base class's
// default body, that it does not observe them. Given a checker that overrides on_chunk only,
// when both are called, then it ignores accesses and still observes chunks; the registry's
// checkers that act on accesses (flow, host_counts) and chunks (bleed, event_filter) never
// ignore them.
TEST(CheckerSeam, ACheckerIgnoresOnlyTheEventsItDoesNotOverride) {
    struct ChunksOnly : Checker {
        using Checker::Checker;
        int chunks = 0;
        void on_chunk(const ChunkEvent&) override { ++chunks; }
    };
    Scenario s = load_scenario("perf_metrics_patch");
    Machine m;
    Engine e(s, m);
    const PmuState st = m.pmu().state();
    const ChunkEvent chunk{0, 0, 0, st, st};
    ChunksOnly c(e);
    EXPECT_FALSE(c.ignores_accesses() || c.ignores_chunks());
    c.on_access(AccessEvent{});
    c.on_chunk(chunk);
    EXPECT_TRUE(c.ignores_accesses());
    EXPECT_FALSE(c.ignores_chunks());
    EXPECT_EQ(c.chunks, 1);
    for (auto& def : checker_registry()) {
        const std::string n = def.name;
        auto k = def.make(e);
        k->on_access(AccessEvent{});
        k->on_chunk(chunk);
        EXPECT_EQ(!k->ignores_accesses(), n == "flow" || n == "host_counts") << n;
        EXPECT_EQ(!k->ignores_chunks(), n == "bleed" || n == "event_filter") << n;
    }
}
