// The guest-side clobber checkers one by one: guest_reference (each guest access against the
// guest's reference PMU) and guest_state (the guest-visible hardware state at VM-entry and
// VM-exit). Given this state, when this event, then this report (or none). The bench is
// tests/cpp/checker_bench.h.
#include "checker_bench.h"

using namespace pmusim;
using namespace pmusim::test;
using K = ViolationKind;

namespace {
VpmuConfig four_gp() {  // fewer counters than the host: RDPMC and GLOBAL_* exit
    VpmuConfig v;
    v.num_gp = 4;
    return v;
}
}  // namespace

// ---------------------------------------------------------------------------------------------
// guest_reference

TEST(GuestReferenceChecker, PassThroughReadDifferingFromTheReferenceIsAClobber) {
    // Given vm0's PMC0 at 1000 on its reference and the host's 5000 in hardware, when vm0 reads
    // PMC0 with a pass-through RDPMC, then a clobber carrying the host's value.
    CheckerBench b("guest_reference");
    b.vm0().ref->wrmsr(msr::kPmc0, 1000);
    b.write(0, msr::kPmc0, 5000);
    b.c().on_guest_access(b.passthrough_read(AccessKind::Rdpmc, rdpmc_ecx::gp(0)));
    ASSERT_TRUE(b.reported(K::Clobber, "PMC0 (RDPMC)", "vm0", "host"));
    EXPECT_EQ(b.first().expected, 1000u);
    EXPECT_EQ(b.first().actual, 5000u);
}

TEST(GuestReferenceChecker, PassThroughReadEqualToTheReferenceIsNotAClobber) {
    CheckerBench b("guest_reference");
    b.vm0().ref->wrmsr(msr::kPmc0, 1000);
    b.write(1, msr::kPmc0, 1000);
    b.c().on_guest_access(b.passthrough_read(AccessKind::Rdpmc, rdpmc_ecx::gp(0)));
    b.c().on_guest_access(b.passthrough_read(AccessKind::Rdmsr, msr::kPmc0));
    EXPECT_TRUE(b.clean());
}

TEST(GuestReferenceChecker, OnlyTheGuestsStatusBitsAreCompared) {
    // Given vm0 (4 GP counters) whose reference has PMC0's overflow bit set, when KVM's emulated
    // GLOBAL_STATUS read answers bits 0 and 7: nothing (bit 7 is no counter of vm0's); when it
    // answers bit 7 alone: the guest's overflow bit is lost.
    CheckerBench ok("guest_reference", four_gp());
    ok.vm0().ref->wrmsr(msr::kGlobalStatusSet, 1);
    ok.c().on_guest_access(ok.emulated_read(AccessKind::Rdmsr, msr::kGlobalStatus, true, 0x81, 0));
    EXPECT_TRUE(ok.clean());
    CheckerBench b("guest_reference", four_gp());
    b.vm0().ref->wrmsr(msr::kGlobalStatusSet, 1);
    b.c().on_guest_access(b.emulated_read(AccessKind::Rdmsr, msr::kGlobalStatus, true, 0x80, 0));
    ASSERT_TRUE(b.reported(K::Clobber, "IA32_PERF_GLOBAL_STATUS", "vm0", "-"));
    EXPECT_EQ(b.first().expected, 1u);
    EXPECT_EQ(b.first().actual, 0u);
    EXPECT_EQ(b.first().detail, "guest overflow bit lost (emulated read)");
}

TEST(GuestReferenceChecker, PassThroughWrmsrGpWhereTheReferenceAcceptsIsAClobber) {
    // Given vm0's reference accepting a PMC0 write, when the pass-through WRMSR #GPs: a clobber;
    // when it is accepted as on the reference: nothing.
    CheckerBench b("guest_reference");
    const AccessResult ref = b.vm0().ref->wrmsr(msr::kPmc0, 1);
    ASSERT_TRUE(ref.ok);
    b.c().on_guest_access(GuestAccess{b.vm0(), AccessKind::Wrmsr, msr::kPmc0, 1, false, false, 0, 0, ref});
    ASSERT_TRUE(b.reported(K::Clobber, "IA32_PMC0", "vm0", "-"));
    EXPECT_EQ(b.first().expected, 1u);
    EXPECT_EQ(b.first().actual, 0u);
    CheckerBench ok("guest_reference");
    ok.c().on_guest_access(GuestAccess{ok.vm0(), AccessKind::Wrmsr, msr::kPmc0, 1, false, true, 0, 0, ref});
    EXPECT_TRUE(ok.clean());
}

TEST(GuestReferenceChecker, AGpIsAClobberOnlyWhereBareMetalDoesNotGp) {
    // Given vm0 with every counter passed through, when a fast RDPMC #GPs as it does on the
    // reference: nothing. When KVM injects #GP for an RDMSR of PMC0, which the reference reads:
    // a clobber.
    CheckerBench b("guest_reference");
    const AccessResult fast = b.vm0().ref->rdpmc(rdpmc_ecx::kFast, 0);
    ASSERT_FALSE(fast.ok);
    b.c().on_guest_access(GuestAccess{b.vm0(), AccessKind::Rdpmc, rdpmc_ecx::kFast, 0, false, false, 0, 0, fast});
    EXPECT_TRUE(b.clean());
    const AccessResult pmc0 = b.vm0().ref->rdmsr(msr::kPmc0);
    ASSERT_TRUE(pmc0.ok);
    b.c().on_guest_access(GuestAccess{b.vm0(), AccessKind::Rdmsr, msr::kPmc0, 0, true, false, 0, 0, pmc0});
    ASSERT_TRUE(b.reported(K::Clobber, "IA32_PMC0", "vm0", "-"));
    EXPECT_EQ(b.first().detail, "emulated RDMSR #GP where the guest's PMU would not");
}

TEST(GuestReferenceChecker, EmulatedRdpmcGpOfACounterTheGuestHasIsAClobber) {
    // Given vm0 with 4 GP counters (RDPMC exits), when KVM injects #GP for RDPMC 2: a clobber;
    // for RDPMC 6, which #GPs on the reference too: nothing.
    CheckerBench b("guest_reference", four_gp());
    b.c().on_guest_access(b.emulated_read(AccessKind::Rdpmc, rdpmc_ecx::gp(2), false, 0, 0));
    ASSERT_TRUE(b.reported(K::Clobber, "PMC2 (RDPMC)", "vm0", "-"));
    EXPECT_EQ(b.first().detail, "emulated RDPMC #GP where the guest's PMU would not");
    CheckerBench ok("guest_reference", four_gp());
    ok.c().on_guest_access(ok.emulated_read(AccessKind::Rdpmc, rdpmc_ecx::gp(6), false, 0, 0));
    EXPECT_TRUE(ok.clean());
}

TEST(GuestReferenceChecker, ReadOfPerfMetricsTheGuestLacksIsAClobber) {
    // Given vm0 without PERF_METRICS, RDPMC exiting off and the host's fractions in hardware,
    // when vm0's pass-through RDPMC 0x20000000 succeeds where its reference #GPs: a clobber.
    VpmuConfig no_pm;
    no_pm.perf_metrics = false;
    CheckerBench b("guest_reference", no_pm);
    b.write(0, msr::kPerfMetrics, metrics({100, 50, 60, 45}));
    b.c().on_guest_access(b.passthrough_read(AccessKind::Rdpmc, rdpmc_ecx::metrics()));
    ASSERT_TRUE(b.reported(K::Clobber, "PERF_METRICS (RDPMC)", "vm0", "-"));
    EXPECT_EQ(b.first().detail, "the guest read a register its PMU does not have");
}

TEST(GuestReferenceChecker, PerfMetricsBeyondTheToleranceIsAClobber) {
    // Given vm0's reference PERF_METRICS (FIXED_CTR3 at 1000), when its read returns retiring 3
    // LSB off (tolerance 1 LSB): a clobber; 1 LSB off, or 3 LSB after KVM restored PERF_METRICS
    // over 4 x FIXED_CTR3 slots (0.5 LSB each), is within it.
    const uint64_t want = metrics({100, 50, 60, 45});
    auto access = [&](CheckerBench& b, uint64_t got) {
        b.vm0().ref->wrmsr(msr::kFixedCtr0 + 3, 1000);
        return GuestAccess{b.vm0(), AccessKind::Rdmsr, msr::kPerfMetrics, 0, false, true, got, taint_of(1),
                           AccessResult::value_of(want)};
    };
    CheckerBench b("guest_reference");
    b.c().on_guest_access(access(b, want + 3));
    ASSERT_TRUE(b.reported(K::Clobber, "IA32_PERF_METRICS", "vm0", "-"));
    EXPECT_EQ(b.first().detail, "retiring off by 3 LSB");
    CheckerBench ok("guest_reference");
    ok.c().on_guest_access(access(ok, want + 1));
    ok.vm0().kvm.pm_restored = 4000;
    ok.c().on_guest_access(access(ok, want + 3));
    EXPECT_TRUE(ok.clean());
}

// ---------------------------------------------------------------------------------------------
// guest_state

TEST(GuestStateChecker, FreshGuestMatchesTheFreshPmuAtEntryAndExit) {
    // Given a reset PMU and a reset reference (GLOBAL_CTRL compared on vm0's bits only): nothing.
    CheckerBench b("guest_state", four_gp());
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.c().on_exit(b.vm0());
    EXPECT_TRUE(b.clean());
}

TEST(GuestStateChecker, CounterNotLoadedIsAClobberAtVmEntry) {
    // Given vm0's PMC0 at 1000 on its reference and 0 in hardware (never loaded), when the PMU is
    // handed to vm0: a clobber on PMC0; once loaded: nothing.
    CheckerBench b("guest_state");
    b.vm0().ref->wrmsr(msr::kPmc0, 1000);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    ASSERT_TRUE(b.reported(K::Clobber, "PMC0", "vm0", "-"));
    EXPECT_EQ(b.first().expected, 1000u);
    EXPECT_EQ(b.first().actual, 0u);
    CheckerBench ok("guest_state");
    ok.vm0().ref->wrmsr(msr::kPmc0, 1000);
    ok.write(1, msr::kPmc0, 1000);
    ok.c().on_handover(Handover::ToGuest, ok.vm0());
    EXPECT_TRUE(ok.clean());
}

TEST(GuestStateChecker, HostCounterValueLeftIsAClobberCarryingTheHost) {
    // Given the host's value written to PMC0 and vm0's reference at 1000, when the PMU is handed
    // to vm0: a clobber on PMC0 whose source is the host (counters are keyed by slot).
    CheckerBench b("guest_state");
    b.vm0().ref->wrmsr(msr::kPmc0, 1000);
    b.write(0, msr::kPmc0, 77);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    ASSERT_TRUE(b.reported(K::Clobber, "PMC0", "vm0", "host"));
    EXPECT_EQ(b.first().actual, 77u);
}

TEST(GuestStateChecker, HostSelectorLeftIsAClobberAtVmExitNamingItsWriter) {
    // Given host perf's PERFEVTSEL0 left in hardware (written in step "host"), when vm0 exits:
    // a clobber carrying the host, at the exit, naming the last write.
    CheckerBench b("guest_state");
    b.e.tag = b.e.tag_of("host");
    b.write(0, msr::kPerfEvtSel0, kCount | kCycles);
    b.e.tag = b.e.tag_of("vmexit");
    b.c().on_exit(b.vm0());
    ASSERT_TRUE(b.reported(K::Clobber, "PERFEVTSEL0", "vm0", "host"));
    EXPECT_EQ(b.first().step, "vmexit");
    EXPECT_EQ(b.first().detail, "guest-visible state at VM-exit differs from the guest running alone; "
                                "last written by host at cycle 0");
}

namespace {
// vm0's GLOBAL_CTRL (reset: its GP counters enabled) zeroed at cycle 100 by zero_global_ctrl and
// never restored; the load path began at `load_started`; VM-entry 50 cycles later.
void zeroed_global_ctrl(CheckerBench& b, uint64_t load_started) {
    b.m.run(100);  // nothing counts: no selector enabled
    b.vm0().load_started = load_started;
    b.e.tag = b.e.tag_of("zero_global_ctrl");
    b.write(-1, msr::kGlobalCtrl, 0);
    b.e.tag = b.e.tag_of("vmentry");
    b.m.run(50);
    b.c().on_handover(Handover::ToGuest, b.vm0());
}
}  // namespace

TEST(GuestStateChecker, EntryDifferenceIsDatedAtTheLoadStepThatWroteIt) {
    // Given the zeroing on this load path, when the PMU is handed to vm0: a clobber at the write's
    // cycle and step.
    CheckerBench b("guest_state");
    zeroed_global_ctrl(b, 100);
    ASSERT_TRUE(b.reported(K::Clobber, "GLOBAL_CTRL", "vm0", "-"));
    EXPECT_EQ(b.first().expected, 0xffu);
    EXPECT_EQ(b.first().actual, 0u);
    EXPECT_EQ(b.first().cycle, 100u);
    EXPECT_EQ(b.first().step, "zero_global_ctrl");
}

TEST(GuestStateChecker, EntryDifferenceWrittenBeforeThisLoadPathIsDatedAtTheEntry) {
    // Given the same write before this load path began: at the entry, naming the write.
    CheckerBench b("guest_state");
    zeroed_global_ctrl(b, 120);
    ASSERT_TRUE(b.reported(K::Clobber, "GLOBAL_CTRL", "vm0", "-"));
    EXPECT_EQ(b.first().cycle, 150u);
    EXPECT_EQ(b.first().step, "vmentry");
    EXPECT_NE(b.first().detail.find("last written by zero_global_ctrl at cycle 100"), std::string::npos);
}

TEST(GuestStateChecker, OnlyTheGuestsStatusBitsAreCompared) {
    // Given vm0 with 4 GP counters and the host's PMC7 overflow bit in hardware, at VM-entry:
    // nothing; with the host's PMC0 overflow bit: a clobber on vm0's GLOBAL_STATUS.
    CheckerBench ok("guest_state", four_gp());
    ok.write(0, msr::kGlobalStatusSet, 1ull << 7);
    ok.c().on_handover(Handover::ToGuest, ok.vm0());
    EXPECT_TRUE(ok.clean());
    CheckerBench b("guest_state", four_gp());
    b.write(0, msr::kGlobalStatusSet, 1);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    ASSERT_TRUE(b.reported(K::Clobber, "GLOBAL_STATUS", "vm0", "host"));
    EXPECT_EQ(b.first().expected, 0u);
    EXPECT_EQ(b.first().actual, 1u);
}

TEST(GuestStateChecker, LegacyVpmuIsNotCompared) {
    // Given the legacy vPMU (the guest's state lives in host perf events), the same difference:
    // nothing at entry or exit.
    CheckerBench b("guest_state");
    b.e.mediated = false;
    b.vm0().ref->wrmsr(msr::kPmc0, 1000);
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.c().on_exit(b.vm0());
    EXPECT_TRUE(b.clean());
}
