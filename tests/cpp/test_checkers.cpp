// The checkers one by one (sim/virt/checkers/): given this PMU state and provenance, when this
// event reaches the checker, then this report (or none). Flow, exposure, bleed, host counts,
// host scheduling and PMI routing here; the guest-side clobber checkers in
// test_checkers_guest.cpp. The bench is tests/cpp/checker_bench.h.
#include "checker_bench.h"

using namespace pmusim;
using namespace pmusim::test;
using K = ViolationKind;

// ---------------------------------------------------------------------------------------------
// flow

TEST(FlowChecker, GuestReadOfTheHostsCounterIsAFlow) {
    // Given host perf's value in PMC0,
    CheckerBench b("flow");
    b.write(0, msr::kPmc0, 5000);
    // when vm0 reads PMC0 with a pass-through RDPMC,
    b.c().on_access(b.read(1, AccessKind::Rdpmc, rdpmc_ecx::gp(0)));
    // then a flow host -> vm0 on PMC0.
    EXPECT_TRUE(b.reported(K::Flow, "PMC0 (RDPMC)", "vm0", "host"));
    EXPECT_EQ(b.first().actual, 5000u);
}

TEST(FlowChecker, HostReadOfTheGuestsCounterIsAFlow) {
    // Given vm0's value in PMC0, when host perf reads it by RDMSR, then a flow vm0 -> host.
    CheckerBench b("flow");
    b.write(1, msr::kPmc0, 5000);
    b.c().on_access(b.read(0, AccessKind::Rdmsr, msr::kPmc0));
    EXPECT_TRUE(b.reported(K::Flow, "IA32_PMC0", "host", "vm0"));
}

TEST(FlowChecker, OwnValuesKvmReadsAndWritesAreNotFlows) {
    // Given vm0's value in PMC0 and the host's in PMC1,
    CheckerBench b("flow");
    b.write(1, msr::kPmc0, 5000);
    b.write(0, msr::kPmc0 + 1, 7000);
    // when vm0 reads its own counter, KVM (trusted) reads the host's, and vm0 writes PMC1,
    b.c().on_access(b.read(1, AccessKind::Rdpmc, rdpmc_ecx::gp(0)));
    b.c().on_access(b.read(-1, AccessKind::Rdmsr, msr::kPmc0 + 1));
    b.c().on_access(b.write_access(1, msr::kPmc0 + 1, 0));
    // then nothing.
    EXPECT_TRUE(b.clean());
}

TEST(FlowChecker, EmulatedReadCarryingTheHostsStateIsAFlow) {
    // Given the host's value in PMC0, when KVM's emulation of vm0's RDPMC 0 answers it, then a
    // flow; the same read passed through is judged when it executes (on_access), not here.
    CheckerBench b("flow");
    b.write(0, msr::kPmc0, 5000);
    const Taint host = b.e.prov.counter(0);
    b.c().on_guest_access(b.emulated_read(AccessKind::Rdpmc, rdpmc_ecx::gp(0), true, 5000, host));
    EXPECT_TRUE(b.reported(K::Flow, "PMC0 (RDPMC)", "vm0", "host"));
    CheckerBench p("flow");
    p.write(0, msr::kPmc0, 5000);
    p.c().on_guest_access(p.passthrough_read(AccessKind::Rdpmc, rdpmc_ecx::gp(0)));
    EXPECT_TRUE(p.clean());
}

TEST(FlowChecker, EmulatedReadOfTheGuestsOwnValueIsNotAFlow) {
    // Given KVM's copy of vm0's PMC0, when its emulated RDPMC 0 answers it: nothing.
    CheckerBench b("flow");
    b.c().on_guest_access(b.emulated_read(AccessKind::Rdpmc, rdpmc_ecx::gp(0), true, 5000, taint_of(1)));
    EXPECT_TRUE(b.clean());
}

// ---------------------------------------------------------------------------------------------
// exposure

TEST(ExposureChecker, HostCounterLeftAtVmEntryIsAFlowToTheGuest) {
    // Given vm0 with the host's counter sets (PMCs pass through, no RDPMC exiting) and host
    // perf's value still in PMC0, when the PMU is handed to vm0, then a flow host -> vm0.
    CheckerBench b("exposure");
    b.write(0, msr::kPmc0, 5000);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    EXPECT_TRUE(b.reported(K::Flow, "PMC0", "vm0", "host"));
}

TEST(ExposureChecker, GuestValueLoadedAtVmEntryIsNotAFlow) {
    // Given KVM loaded vm0's own value over the host's, when the PMU is handed to vm0: nothing.
    CheckerBench b("exposure");
    b.write(0, msr::kPmc0, 5000);
    b.write(1, msr::kPmc0, 77);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    EXPECT_TRUE(b.clean());
}

TEST(ExposureChecker, InterceptedCounterBeyondTheGuestsIsNotExposed) {
    // Given vm0 with 4 GP counters (RDPMC exits, PMC4..7 intercepted) and the host's value in
    // PMC5, when the PMU is handed to vm0: nothing, the guest cannot read PMC5 without an exit.
    VpmuConfig four;
    four.num_gp = 4;
    CheckerBench b("exposure", four);
    b.write(0, msr::kPmc0 + 5, 5000);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    EXPECT_TRUE(b.clean());
}

TEST(ExposureChecker, HostPerfMetricsReadableByRdpmcWithoutRdpmcExiting) {
    // Given vm0 without PERF_METRICS but with the host's counter sets (RDPMC exiting off), and
    // host perf's fractions restored in PERF_METRICS, when the PMU is handed to vm0, then RDPMC
    // 0x20000000 hands them to vm0 without an exit.
    VpmuConfig no_pm;
    no_pm.perf_metrics = false;
    CheckerBench b("exposure", no_pm);
    b.write(0, msr::kPerfMetrics, metrics({100, 50, 60, 45}));
    b.c().on_handover(Handover::ToGuest, b.vm0());
    EXPECT_TRUE(b.reported(K::Flow, "PERF_METRICS (RDPMC)", "vm0", "host"));
}

TEST(ExposureChecker, HostPerfMetricsBehindRdpmcExitingIsNotExposed) {
    // Given the same, with kvm_need_perf_metrics_intercept (RDPMC exits): nothing.
    VpmuConfig no_pm;
    no_pm.perf_metrics = false;
    CheckerBench b("exposure", no_pm, true);
    b.write(0, msr::kPerfMetrics, metrics({100, 50, 60, 45}));
    b.c().on_handover(Handover::ToGuest, b.vm0());
    EXPECT_TRUE(b.clean());
}

TEST(ExposureChecker, GuestCounterLeftAtHandoverIsAFlowToTheHost) {
    // Given vm0's value left in PMC0 (its selector cleared), when the PMU is handed back to host
    // perf, then a flow vm0 -> host; once KVM zeroed PMC0, nothing.
    CheckerBench b("exposure");
    b.write(1, msr::kPmc0, 1234);
    b.c().on_handover(Handover::ToHost, b.vm0());
    EXPECT_TRUE(b.reported(K::Flow, "PMC0", "host", "vm0"));
    CheckerBench z("exposure");
    z.write(1, msr::kPmc0, 1234);
    z.write(-1, msr::kPmc0, 0);
    z.c().on_handover(Handover::ToHost, z.vm0());
    EXPECT_TRUE(z.clean());
}

// ---------------------------------------------------------------------------------------------
// bleed

TEST(BleedChecker, HostCounterCountingTheGuestsCyclesIsABleed) {
    // Given host perf counting cycles on PMC0, when a chunk owned by vm0 runs, then a bleed at
    // the chunk's first cycle: PMC0 programmed by the host counted vm0's cycles.
    CheckerBench b("bleed");
    b.write(0, msr::kPerfEvtSel0, kCount | kCycles);
    b.write(0, msr::kGlobalCtrl, 1);
    b.run(0, 100);
    b.run(1, 1000);
    ASSERT_TRUE(b.reported(K::Bleed, "PMC0", "host", "vm0"));
    EXPECT_EQ(b.first().cycle, 100u);
    EXPECT_EQ(b.first().actual - b.first().expected, 1000u);
}

TEST(BleedChecker, CountersCountingTheirOwnersCyclesAreNotBleeds) {
    // Given host perf on PMC0 and vm0 on PMC1, when each counts in its own chunks: nothing;
    // a programmed but idle counter (GLOBAL_CTRL off) in another's chunk: nothing.
    CheckerBench b("bleed");
    b.write(0, msr::kPerfEvtSel0, kCount | kCycles);
    b.write(1, msr::kPerfEvtSel0 + 1, kCount | kCycles);
    b.write(0, msr::kGlobalCtrl, 1);
    b.run(0, 1000);
    b.write(1, msr::kGlobalCtrl, 2);
    b.run(1, 1000);
    b.write(-1, msr::kGlobalCtrl, 0);
    b.run(0, 1000);
    EXPECT_TRUE(b.clean());
}

TEST(BleedChecker, GuestFixedCounterCountingHostCyclesIsABleed) {
    // Given vm0's FIXED_CTR_CTRL field 1 (cycles) enabled, when a host chunk runs, then a bleed
    // on FIXED_CTR1 programmed by vm0 counting the host's cycles.
    CheckerBench b("bleed");
    b.write(1, msr::kFixedCtrCtrl, 0x3ull << 4);
    b.write(1, msr::kGlobalCtrl, 1ull << 33);
    b.run(0, 1000);
    EXPECT_TRUE(b.reported(K::Bleed, "FIXED_CTR1", "vm0", "host"));
}

// ---------------------------------------------------------------------------------------------
// host_counts

TEST(HostCountsChecker, HostPerfAccessGpIsAClobber) {
    // Given host perf writing a reserved GLOBAL_CTRL bit, when the access #GPs: a clobber.
    CheckerBench b("host_counts");
    const AccessEvent a = b.write_access(0, msr::kGlobalCtrl, 1ull << 63, "enable all");
    ASSERT_FALSE(a.ok);
    b.c().on_access(a);
    EXPECT_TRUE(b.reported(K::Clobber, "IA32_PERF_GLOBAL_CTRL", "host", "-"));
    EXPECT_NE(b.first().detail.find("(enable all)"), std::string::npos);
}

TEST(HostCountsChecker, GuestGpAndHostSuccessAreNotClobbers) {
    // When vm0's read of a counter the host lacks #GPs, and host perf's accesses succeed: nothing.
    CheckerBench b("host_counts");
    AccessEvent guest = b.read(1, AccessKind::Rdmsr, msr::kPmc0 + 8);  // no PMC8: #GP
    ASSERT_FALSE(guest.ok);
    b.c().on_access(guest);
    b.c().on_access(b.read(0, AccessKind::Rdmsr, msr::kGlobalCtrl));
    b.c().on_access(b.write_access(0, msr::kGlobalCtrl, 0, "disable all"));
    EXPECT_TRUE(b.clean());
}

namespace {
AgentConfig branches() {
    AgentConfig a;
    a.events = {"branches"};
    return a;
}
}  // namespace

TEST(HostCountsChecker, ReadingBeyondTheHostsEventsIsAClobber) {
    // Given host perf's branches on PMC0 counting through a vm0 chunk (the ledger: the host had
    // no branches while its counters were enabled), when host perf reads PMC0's count, then a
    // clobber on "branches" whose counted cycles came from vm0.
    CheckerBench b("host_counts");
    b.host_perf(branches());
    ASSERT_EQ(b.e.host_perf->gp_counter(0), 0);
    b.write(0, msr::kPerfEvtSel0, kCount | kBranches);
    b.write(0, msr::kGlobalCtrl, 1);
    b.run(1, 1000);
    AgentReading r;
    r.deltas = {b.m.pmu().counter(0)};
    ASSERT_GT(r.deltas[0], 0u);
    HostReadingTruth t;
    t.events = {0};
    b.c().on_host_reading(r, t);
    ASSERT_TRUE(b.reported(K::Clobber, "branches", "host", "vm0"));
    EXPECT_EQ(b.first().expected, 0u);
    EXPECT_EQ(b.first().actual, r.deltas[0]);
}

TEST(HostCountsChecker, AnEventOnAFixedCounterNamesWhoseCountsItCarries) {
    // Given host perf's instructions on FIXED_CTR0 counting through a vm0 chunk, when host perf
    // reads more than the host's instructions, then the clobber's source is vm0 (from FIXED_CTR0,
    // not PMC0).
    CheckerBench b("host_counts");
    AgentConfig a;
    a.events = {"instructions"};
    b.host_perf(a);
    ASSERT_EQ(b.e.host_perf->counter_slot(0), int(fixed_slot(0)));
    b.write(0, msr::kFixedCtrCtrl, 0x3);
    b.write(0, msr::kGlobalCtrl, 1ull << 32);
    b.run(1, 1000);
    AgentReading r;
    r.deltas = {b.m.pmu().counter(fixed_slot(0))};
    ASSERT_GT(r.deltas[0], 0u);
    HostReadingTruth t;
    t.events = {0};
    b.c().on_host_reading(r, t);
    EXPECT_TRUE(b.reported(K::Clobber, "instructions", "host", "vm0"));
}

TEST(HostCountsChecker, ReadingEqualToTheHostsEventsIsNotAClobber) {
    // Given the ledger's 4321 host branches, when host perf reads 4321: nothing.
    CheckerBench b("host_counts");
    b.host_perf(branches());
    AgentReading r;
    r.deltas = {4321};
    HostReadingTruth t;
    t.events = {4321};
    b.c().on_host_reading(r, t);
    EXPECT_TRUE(b.clean());
}

namespace {
// A topdown reading of 1020 slots whose true categories are 4 x {100, 50, 60, 45} slots.
struct HostTopdownReading {
    AgentReading r;
    HostReadingTruth t;
    HostTopdownReading() {
        r.topdown = true;
        r.slots = t.slots = 1020;
        r.metrics = metrics({100, 50, 60, 45});
        t.parts = {400, 200, 240, 180};
    }
};
CheckerBench& topdown_bench(CheckerBench& b) {
    AgentConfig a;
    a.topdown = true;
    b.host_perf(a);
    b.write(1, msr::kPerfMetrics, metrics({100, 50, 60, 45}));  // vm0's fractions were in PERF_METRICS
    return b;
}
}  // namespace

TEST(HostCountsChecker, TopdownSlotsDifferingFromTheHostsIsAClobber) {
    // Given the host's 1020 slots, when host perf's topdown reading has 1000: a clobber on slots.
    CheckerBench b("host_counts");
    HostTopdownReading x;
    x.r.slots = 1000;
    topdown_bench(b).c().on_host_reading(x.r, x.t);
    EXPECT_TRUE(b.reported(K::Clobber, "FIXED_CTR3 (slots)", "host", "-"));
}

TEST(HostCountsChecker, TopdownFieldBeyondTheToleranceIsAClobber) {
    // Given vm0's fractions in PERF_METRICS, when the host's retiring reads 3 LSB off its truth
    // (tolerance 1 LSB), then a clobber on that field; 1 LSB off, or 2 LSB after host perf's own
    // restores of twice the slots (0.5 LSB each), is within the tolerance.
    CheckerBench b("host_counts");
    HostTopdownReading x;
    x.r.metrics = metrics({103, 50, 60, 45});
    topdown_bench(b).c().on_host_reading(x.r, x.t);
    ASSERT_TRUE(b.reported(K::Clobber, "PERF_METRICS.retiring", "host", "vm0"));
    EXPECT_EQ(b.first().expected, 100u);
    EXPECT_EQ(b.first().actual, 103u);
    CheckerBench ok("host_counts");
    HostTopdownReading one, restored;
    one.r.metrics = metrics({101, 50, 60, 45});
    restored.r.metrics = metrics({102, 50, 60, 45});
    restored.r.td_restored_slots = 2 * 1020;
    topdown_bench(ok).c().on_host_reading(one.r, one.t);
    ok.c().on_host_reading(restored.r, restored.t);
    ok.c().on_host_reading(HostTopdownReading().r, HostTopdownReading().t);
    EXPECT_TRUE(ok.clean());
}

// ---------------------------------------------------------------------------------------------
// host_scheduled

namespace {
// Host perf counting instructions, taken through these perf operations on the machine.
void host_perf_after(CheckerBench& b, std::initializer_list<void (PerfModel::*)(OpQueue&)> steps) {
    AgentConfig a;
    a.events = {"instructions"};
    b.host_perf(a);
    OpQueue q;
    for (auto step : steps) {
        (b.e.host_perf.get()->*step)(q);
        b.drain_host(q);
    }
}
}  // namespace

TEST(HostScheduledChecker, HostPerfScheduledOutAtTheEndOfExitHandlingIsAClobber) {
    // Given host perf started, then scheduled out (perf_load_guest_context) and never back in,
    // when an exit-handling window ends, then a clobber; at the end of the run, another.
    CheckerBench b("host_scheduled");
    host_perf_after(b, {&PerfModel::start, &PerfModel::sched_out});
    ASSERT_FALSE(b.e.host_perf->scheduled_in());
    b.c().on_exit_handled();
    ASSERT_TRUE(b.reported(K::Clobber, "host perf events", "host", "-"));
    EXPECT_NE(b.first().detail.find("at the end of exit handling"), std::string::npos);
    b.c().on_end();
    ASSERT_EQ(b.e.log.total(), 2u);
    EXPECT_NE(b.e.log.recorded()[1].detail.find("at the end of the run"), std::string::npos);
}

TEST(HostScheduledChecker, HostPerfScheduledBackInIsNotAClobber) {
    // Given host perf scheduled out and back in (perf_put_guest_context), when an exit-handling
    // window and the run end: nothing.
    CheckerBench b("host_scheduled");
    host_perf_after(b, {&PerfModel::start, &PerfModel::sched_out, &PerfModel::sched_in});
    ASSERT_TRUE(b.e.host_perf->scheduled_in());
    b.c().on_exit_handled();
    b.c().on_end();
    EXPECT_TRUE(b.clean());
}

TEST(HostScheduledChecker, HostWithoutEventsIsNeverReported) {
    // Given host perf with no events (never started), at the end of exit handling and of the run:
    // nothing, there is nothing to count.
    CheckerBench b("host_scheduled");
    ASSERT_FALSE(b.e.host_perf->scheduled_in());
    b.c().on_exit_handled();
    b.c().on_end();
    EXPECT_TRUE(b.clean());
}

// ---------------------------------------------------------------------------------------------
// pmi_accounting: routing (lost, spurious and duplicated: test_virtualization.cpp PmiAccounting)

TEST(PmiAccountingChecker, HostCounterPmiRoutedToTheGuestIsMisrouted) {
    // Given host perf sampling on PMC0 (its interrupt programmed by the host), when the LVTPC
    // sends PMC0's PMI to vm0's vector, then pmi_misrouted; sent to host perf's NMI: nothing.
    for (int target : {1, 0}) {
        CheckerBench b("pmi_accounting");
        b.write(0, msr::kPerfEvtSel0, kCount | evtsel::kInt | kCycles);
        const PmiRecord pmi{100, 1, 1};
        b.c().on_pmi(PmiRoute{pmi, 0, b.e.prov.pmi_controller(0), target, target == 1});
        if (target == 1) EXPECT_TRUE(b.reported(K::PmiMisroute, "PMC0 overflow", "vm0", "host"));
        else EXPECT_TRUE(b.clean());
    }
}
