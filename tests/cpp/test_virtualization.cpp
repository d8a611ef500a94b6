// The virtualization layer: host and guests on one PMU under the mediated-vPMU rules
// (reference §4), the checkers and the mutation analysis (docs/virtualization.md).
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

// ----------------------------------------------------------------------------------------------
// Building blocks.

TEST(ContextWorkload, EachSourceAdvancesOnlyInItsOwnCycles) {
    // Given a guest workload interleaved with host cycles, when the schedule is walked, then the
    // guest's events over its segments equal the guest workload run alone over its local time.
    ContextWorkload cw;
    SteadyParams hp;
    hp.instructions = 3.0;
    SteadyParams gp;
    gp.instructions = 0.7;
    gp.kernel_share = 0.3;
    const unsigned h = cw.add_source(std::make_unique<SteadyWorkload>(hp), "host");
    const unsigned g = cw.add_source(std::make_unique<SteadyWorkload>(gp), "guest");
    cw.bind(make_cpu_config("sapphirerapids"));
    cw.append(h, 1000, 0, 0);
    cw.append(g, 3333, 1, 1);
    cw.append(h, 500, 0, 0);
    cw.append(g, 6667, 1, 1);
    EXPECT_EQ(cw.local_time(g), 10000u);
    EXPECT_EQ(cw.end(), 11500u);
    uint64_t guest_instr = 0;
    for (auto& s : cw.segments())
        if (s.owner == 1) guest_instr += count_events(cw, bit(Event::Instructions), true, true, s.begin, s.end);
    EXPECT_EQ(guest_instr, count_events(cw.source(g), bit(Event::Instructions), true, true, 0, 10000));
    // A segment cut short gives its local time back.
    cw.truncate(11000);
    EXPECT_EQ(cw.local_time(g), 9500u);
    EXPECT_THROW(cw.truncate(100), std::out_of_range);
}

TEST(Protocol, MediatedStepsInTheReferenceOrder) {
    const Protocol p = Protocol::builtin("mediated");
    EXPECT_EQ(p.steps(Path::Load),
              (std::vector<std::string>{"perf_load_guest_context", "zero_global_ctrl", "load_guest_lvtpc", "load_guest_pmcs",
                                        "load_perf_metrics", "load_global_status", "load_fixed_ctr_ctrl", "vmentry"}));
    EXPECT_EQ(p.steps(Path::Exit),
              (std::vector<std::string>{"vmexit", "put_global_status", "put_fixed_ctr_ctrl", "put_perf_metrics",
                                        "put_guest_pmcs", "put_guest_lvtpc", "perf_put_guest_context"}));
    // FIXED_CTR3 before PERF_METRICS is an order-sensitive pair; the LVTPC and the status are not.
    const auto pairs = p.order_sensitive_pairs(Path::Load);
    auto has = [&](const char* a, const char* b) {
        return std::find(pairs.begin(), pairs.end(), std::make_pair(std::string(a), std::string(b))) != pairs.end();
    };
    EXPECT_TRUE(has("load_guest_pmcs", "load_perf_metrics"));
    EXPECT_TRUE(has("zero_global_ctrl", "load_guest_pmcs"));
    EXPECT_TRUE(has("load_guest_lvtpc", "load_guest_pmcs"));  // a PMI could fire between them
    EXPECT_FALSE(has("load_guest_lvtpc", "load_global_status"));
}

TEST(Protocol, EditsRemoveSwapMoveReplaceInsert) {
    Protocol p = Protocol::builtin("mediated");
    p.apply(parse_protocol_edit("swap:load_guest_pmcs,load_perf_metrics"));
    p.apply(parse_protocol_edit("remove:load_guest_lvtpc"));
    p.apply(parse_protocol_edit("replace:put_perf_metrics=put_perf_metrics_save_only"));
    p.apply(parse_protocol_edit("move:put_global_status,after=put_guest_pmcs"));
    EXPECT_EQ(p.steps(Path::Load)[2], "load_perf_metrics");
    EXPECT_EQ(p.steps(Path::Load)[3], "load_guest_pmcs");
    EXPECT_EQ(std::count(p.steps(Path::Load).begin(), p.steps(Path::Load).end(), "load_guest_lvtpc"), 0);
    EXPECT_EQ(p.steps(Path::Exit),
              (std::vector<std::string>{"vmexit", "put_fixed_ctr_ctrl", "put_perf_metrics_save_only", "put_guest_pmcs",
                                        "put_global_status", "put_guest_lvtpc", "perf_put_guest_context"}));
    EXPECT_NE(p.describe().find("swap:load_guest_pmcs,load_perf_metrics"), std::string::npos);
    // Bad edits name the edit and the step.
    try {
        p.apply(parse_protocol_edit("remove:no_such_step"));
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("'no_such_step' is not in the mediated protocol"), std::string::npos);
    }
    EXPECT_THROW(p.apply(parse_protocol_edit("swap:vmentry,vmexit")), std::invalid_argument);  // different paths
    EXPECT_THROW(parse_protocol_edit("delete:vmexit"), std::invalid_argument);
    EXPECT_THROW(Protocol::builtin("paravirt"), std::invalid_argument);
}

TEST(MsrIntercepts, MediatedRulesOfReference47) {
    const CpuConfig host = make_cpu_config("sapphirerapids");
    VpmuConfig full;  // 8 GP, 4 fixed, FW_WRITE, PERF_METRICS: identical counter sets
    const auto a = MsrIntercepts::compute(host, full, true);
    EXPECT_FALSE(a.intercepted(msr::kPmc0 + 7));
    EXPECT_FALSE(a.intercepted(msr::kAPmc0));
    EXPECT_FALSE(a.intercepted(msr::kFixedCtr0 + 3));
    EXPECT_FALSE(a.intercepted(msr::kGlobalCtrl));
    EXPECT_FALSE(a.intercepted(msr::kGlobalStatus));
    EXPECT_FALSE(a.intercepted(msr::kPerfMetrics));
    EXPECT_TRUE(a.intercepted(msr::kPerfEvtSel0));   // event filter
    EXPECT_TRUE(a.intercepted(msr::kFixedCtrCtrl));  // event filter
    EXPECT_TRUE(a.intercepted(msr::kGlobalStatusSet));
    EXPECT_FALSE(a.rdpmc_exiting);
    VpmuConfig small;
    small.num_gp = 4;
    small.num_fixed = 3;
    small.perf_metrics = false;
    small.fw_write = false;
    const auto b = MsrIntercepts::compute(host, small, true);
    EXPECT_TRUE(b.intercepted(msr::kPmc0 + 4));       // beyond the guest's counters
    EXPECT_TRUE(b.intercepted(msr::kAPmc0));          // no FW_WRITE
    EXPECT_TRUE(b.intercepted(msr::kGlobalCtrl));     // counter sets differ
    EXPECT_TRUE(b.intercepted(msr::kPerfMetrics));    // no capability
    EXPECT_TRUE(b.rdpmc_exiting);
    EXPECT_TRUE(MsrIntercepts::compute(host, full, false).intercepted(msr::kPmc0));  // legacy: everything
}

TEST(VpmuConfig, GuestCannotExceedTheHost) {
    const CpuConfig skl = make_cpu_config("skylake");
    VpmuConfig v;
    v.version = 4;
    v.num_gp = 4;
    v.num_fixed = 3;
    v.perf_metrics = true;
    EXPECT_THROW(guest_cpu_config(skl, v), ConfigError);
    v.perf_metrics = false;
    v.num_gp = 9;
    EXPECT_THROW(guest_cpu_config(skl, v), ConfigError);
    v.num_gp = 2;
    const CpuConfig g = guest_cpu_config(skl, v);
    EXPECT_EQ(g.num_gp, 2u);
    EXPECT_FALSE(g.perf_metrics());
}

TEST(ScenarioFile, ErrorsNameTheLineAndField) {
    try {
        parse_scenario_yaml("name: x\nguests:\n  - name: vm0\n    vpmu: {gp: 8, fixd: 4}\n", "bad.yaml");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bad.yaml:4: guests.vm0.vpmu.fixd: unknown key"), std::string::npos) << e.what();
    }
    try {
        parse_scenario_yaml("protocol:\n  base: mediated\n  edits: [remove:nope]\n", "p.yaml");
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("p.yaml:2: protocol:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("nope"), std::string::npos);
    }
    EXPECT_THROW(parse_scenario_yaml("host:\n  slice: {dist: uniform, min: 10, max: 5}\n", "d.yaml"), std::invalid_argument);
    EXPECT_THROW(load_scenario("no_such_scenario"), std::invalid_argument);
}

// ----------------------------------------------------------------------------------------------
// Given the built-in scenarios under the mediated protocol, then no check fires.

TEST(MediatedProtocol, EveryBuiltInScenarioRunsCleanOrWithItsFinding) {
    for (auto& name : scenario_library()) {
        const RunReport r = run_scenario(scenario(name));
        if (name == "guest_without_perf_metrics") {
            // The finding (docs/virtualization.md): without RDPMC exiting, the guest can RDPMC the
            // host's PERF_METRICS at VM-entry. Nothing else fires.
            EXPECT_EQ(r.violations.total(), r.violations.count(ViolationKind::Flow)) << name;
            ASSERT_FALSE(r.violations.recorded().empty());
            for (auto& v : r.violations.recorded()) {
                EXPECT_EQ(v.reg, "PERF_METRICS (RDPMC)");
                EXPECT_EQ(v.reader, "vm0");
                EXPECT_EQ(v.source, "host");
                EXPECT_EQ(v.step, "vmentry");
            }
        } else if (name == "perf_metrics_yaml_patch_wrong_order") {
            // Its custom load step writes PERF_METRICS before FIXED_CTR3: the guest's fractions
            // are re-seeded against the host's slots, reported at that step.
            EXPECT_GT(r.violations.count(ViolationKind::Clobber), 0u);
            for (auto& v : r.violations.recorded()) EXPECT_EQ(v.reg.rfind("PERF_METRICS", 0), 0u) << v.reg;
        } else if (name == "migrate_host_wrong_order") {
            // Its VMM restores PERF_METRICS before FIXED_CTR3 on the destination: KVM takes both,
            // the guest runs clean, and the restore breaks the VMM's order rule once.
            EXPECT_TRUE(r.clean()) << name;
            EXPECT_EQ(r.programs.failed, 1u) << name;
        } else if (name == "host_cpus_elide_same_cpu") {
            // Its load path elides the counter restore by "last loaded on this CPU": the counters
            // hold what host perf left, clobbering the guest and exposing the host to it.
            EXPECT_EQ(r.violations.total(), r.violations.count(ViolationKind::Clobber) + r.violations.count(ViolationKind::Flow));
            EXPECT_GT(r.violations.count(ViolationKind::Clobber), 0u);
            continue;  // its counts are off: that is the clobber
        } else {
            EXPECT_TRUE(r.clean()) << name << ": " << r.violations.total() << " violations, first: "
                                   << (r.violations.recorded().empty() ? "" : r.violations.recorded()[0].detail);
            EXPECT_TRUE(r.passed()) << name << ": " << r.programs.failed << " guest program expectations failed";
        }
        EXPECT_GT(r.cycles, 1'000'000u) << name;
        ASSERT_GE(r.contexts.size(), 2u);
        // Guest counts equal the guest's own events exactly, or read 0 where the VM's event filter
        // denies them (scenario event_filter). On several CPUs the contexts are the vCPUs alone.
        for (size_t i = r.per_cpu.empty() ? 1 : 0; i < r.contexts.size(); ++i) {
            const auto& denied = r.contexts[i].denied;
            for (auto& [ev, v] : r.contexts[i].counts)
                EXPECT_EQ(v.first, std::count(denied.begin(), denied.end(), ev) ? 0 : v.second)
                    << name << " " << r.contexts[i].name << " " << ev;
        }
    }
}

TEST(MediatedProtocol, EveryExitReasonOccurs) {
    // Timer, external interrupt, HLT and intercepted MSR exits in two_guests (vm1's counter set
    // differs from the host's, so its RDPMC and GLOBAL_* accesses exit); PMI exits in pmi_sampling,
    // where host perf samples too.
    const RunReport two = run_scenario(scenario("two_guests"));
    for (const char* why : {"timer", "external", "hlt", "msr"}) EXPECT_GT(two.contexts.at(2).exits.count(why), 0u) << why;
    const RunReport pmi = run_scenario(scenario("pmi_sampling"));
    EXPECT_GT(pmi.contexts.at(1).exits.at("pmi"), 10u);
    EXPECT_GT(pmi.contexts.at(0).samples, 0u);  // host perf's own sampling PMIs reach host perf
}

TEST(MediatedProtocol, TopdownInsideTheGuestMatchesItsTruth) {
    const RunReport r = run_scenario(scenario("perf_metrics_patch"));
    const ContextSummary& g = r.contexts.at(1);
    ASSERT_TRUE(g.has_topdown);
    EXPECT_EQ(g.topdown_method, "perf_metrics");
    for (auto n : {tma::Node::FrontendBound, tma::Node::BackendBound, tma::Node::Retiring, tma::Node::MemoryBound})
        EXPECT_NEAR(g.reported[tma::ni(n)], g.truth_breakdown[tma::ni(n)], 0.01) << tma::node_name(n);
    EXPECT_GT(g.exits.at("external") + g.exits.at("timer"), 20u);  // exits every 10k-100k cycles
}

TEST(MediatedProtocol, SameSeedSameRunInBothTimeModes) {
    Scenario s = scenario("pmi_sampling", 600'000);
    const RunReport a = run_scenario(s);
    const RunReport b = run_scenario(s);
    s.mode = TimeMode::PerCycle;
    const RunReport c = run_scenario(s);
    for (const RunReport* x : {&b, &c}) {
        EXPECT_EQ(x->cycles, a.cycles);
        ASSERT_EQ(x->contexts.size(), a.contexts.size());
        for (size_t i = 0; i < a.contexts.size(); ++i) {
            EXPECT_EQ(x->contexts[i].counts, a.contexts[i].counts);
            EXPECT_EQ(x->contexts[i].samples, a.contexts[i].samples);
        }
    }
    EXPECT_GT(a.contexts[1].samples, 10u);
}

// ----------------------------------------------------------------------------------------------
// Given a mutant of the mediated protocol, then the checker of the right kind fires.

TEST(Mutants, NoPutPerfMetricsLeaksGuestMetricsToHost) {
    // Without zeroing at put, the guest's PERF_METRICS accumulators are in hardware when perf
    // gets the PMU back (the PM-3 invariant "guest state is not leaked into the host").
    const RunReport r = run_with(scenario("perf_metrics_patch", 400'000), {"remove:put_perf_metrics"});
    const Violation* f = first_of(r, ViolationKind::Flow);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->reg, "PERF_METRICS");
    EXPECT_EQ(f->reader, "host");
    EXPECT_EQ(f->source, "vm0");
    EXPECT_EQ(f->step, "perf_put_guest_context");
    // Saving without zeroing is the same leak and nothing else.
    const RunReport s = run_with(scenario("perf_metrics_patch", 400'000), {"replace:put_perf_metrics=put_perf_metrics_save_only"});
    EXPECT_GT(s.violations.count(ViolationKind::Flow), 0u);
    EXPECT_EQ(s.violations.count(ViolationKind::Clobber), 0u);
}

const Violation* first_where(const RunReport& r, ViolationKind k, const std::string& detail_part) {
    for (auto& v : r.violations.recorded())
        if (v.kind == k && v.detail.find(detail_part) != std::string::npos) return &v;
    return nullptr;
}

const Violation* first_on(const RunReport& r, ViolationKind k, const std::string& reg) {
    for (auto& v : r.violations.recorded())
        if (v.kind == k && v.reg == reg) return &v;
    return nullptr;
}

TEST(Mutants, NoLoadPerfMetricsClobbersTheGuest) {
    const RunReport r = run_with(scenario("perf_metrics_patch", 1'200'000), {"remove:load_perf_metrics"});
    // At the first VM-entry after the guest had fractions: the register is not what the guest left.
    const Violation* c = first_of(r, ViolationKind::Clobber);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->reg, "PERF_METRICS");
    EXPECT_EQ(c->reader, "vm0");
    EXPECT_EQ(c->step, "vmentry");
    EXPECT_NE(c->detail.find("at VM-entry"), std::string::npos);
    // And when the guest reads it, later.
    const Violation* read = first_where(r, ViolationKind::Clobber, "LSB");
    ASSERT_NE(read, nullptr);
    const Violation* at_read = first_on(r, ViolationKind::Clobber, "PERF_METRICS (RDPMC)");
    ASSERT_NE(at_read, nullptr);
    EXPECT_LT(c->cycle, at_read->cycle);
}

TEST(Mutants, PerfMetricsBeforeFixedCtr3IsReportedAtTheStepThatWroteIt) {
    // Host perf leaves its slots in FIXED_CTR3 (saved without reset), so PERF_METRICS written
    // before the guest's FIXED_CTR3 is re-seeded against the host's count. The earliest-cycle
    // check names the load step that wrote it, at that write's cycle.
    const RunReport r = run_with(scenario("perf_metrics_patch", 1'200'000), {"swap:load_guest_pmcs,load_perf_metrics"});
    const Violation* c = first_of(r, ViolationKind::Clobber);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->reg, "PERF_METRICS");
    EXPECT_EQ(c->step, "load_perf_metrics");
    EXPECT_NE(c->detail.find("LSB"), std::string::npos);
    const Violation* at_read = first_on(r, ViolationKind::Clobber, "PERF_METRICS (RDPMC)");
    ASSERT_NE(at_read, nullptr);  // the read-time record stays
    EXPECT_LT(c->cycle, at_read->cycle);
}

TEST(Mutants, HostGlobalCtrlNotZeroedAtVmExitBleeds) {
    const RunReport r = run_with(scenario("perf_metrics_patch", 400'000), {"replace:vmexit=vmexit_no_host_load"});
    const Violation* b = first_of(r, ViolationKind::Bleed);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->reader, "vm0");
    EXPECT_EQ(b->source, "host");
    EXPECT_EQ(b->step, "vmexit_no_host_load");
    // The same through the VMCS control.
    Scenario s = scenario("perf_metrics_patch", 400'000);
    s.vmcs.exit_load_global_ctrl = false;
    EXPECT_GT(run_scenario(s).violations.count(ViolationKind::Bleed), 0u);
}

TEST(Mutants, FixedCtrCtrlNotClearedAtPutBleeds) {
    // The guest's ref-cycles field (FIXED_CTR2) stays armed; host perf enables every counter in
    // GLOBAL_CTRL (x86_pmu.intel_ctrl), so FIXED_CTR2 counts host cycles under guest control.
    const RunReport r = run_with(scenario("perf_metrics_patch", 400'000), {"remove:put_fixed_ctr_ctrl"});
    const Violation* b = first_of(r, ViolationKind::Bleed);
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->reg, "FIXED_CTR2");
    EXPECT_EQ(b->reader, "vm0");
    EXPECT_EQ(b->source, "host");
}

TEST(Mutants, GuestStatusNotRestoredLosesTheOverflowBit) {
    const RunReport r = run_with(scenario("pmi_sampling", 600'000), {"remove:load_global_status"});
    const Violation* e = first_of(r, ViolationKind::Clobber);
    ASSERT_NE(e, nullptr);  // at the VM-entry that did not restore it
    EXPECT_EQ(e->reg, "GLOBAL_STATUS");
    EXPECT_NE(e->expected & ~e->actual, 0u);
    const Violation* c = first_where(r, ViolationKind::Clobber, "guest overflow bit lost");
    ASSERT_NE(c, nullptr);  // and when the guest's PMI handler reads it
    EXPECT_EQ(c->reg, "IA32_PERF_GLOBAL_STATUS");
    EXPECT_LE(e->cycle, c->cycle);
}

TEST(Mutants, LvtpcNotSwitchedMisroutesPmis) {
    // The guest's sampling PMI goes to host perf by NMI: misrouted; the guest never gets it (lost);
    // host perf is handed a PMI it was never owed (spurious).
    const RunReport a = run_with(scenario("pmi_sampling", 600'000), {"remove:load_guest_lvtpc"});
    const Violation* p = first_of(a, ViolationKind::PmiMisroute);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->reader, "host");
    EXPECT_EQ(p->source, "vm0");
    const Violation* lost = first_of(a, ViolationKind::PmiLost);
    ASSERT_NE(lost, nullptr);
    EXPECT_EQ(lost->reader, "vm0");
    EXPECT_EQ(lost->reg, "PMC0 overflow");
    const Violation* spurious = first_of(a, ViolationKind::PmiSpurious);
    ASSERT_NE(spurious, nullptr);
    EXPECT_EQ(spurious->reader, "host");
    // The host's sampling PMI goes to the guest's vector: misrouted; host perf loses it; the guest,
    // whose own PMIs were all delivered, gets one again (duplicated).
    const RunReport b = run_with(scenario("pmi_sampling", 1'000'000), {"remove:put_guest_lvtpc"});
    const Violation* q = first_of(b, ViolationKind::PmiMisroute);
    ASSERT_NE(q, nullptr);
    EXPECT_EQ(q->reader, "vm0");
    EXPECT_EQ(q->source, "host");
    ASSERT_NE(first_of(b, ViolationKind::PmiLost), nullptr);
    EXPECT_EQ(first_of(b, ViolationKind::PmiLost)->reader, "host");
    ASSERT_NE(first_of(b, ViolationKind::PmiDuplicated), nullptr);
    EXPECT_EQ(first_of(b, ViolationKind::PmiDuplicated)->reader, "vm0");
}
