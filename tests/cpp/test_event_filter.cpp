// KVM's PMU event filter (docs/virtualization.md "Event filter"), written like KVM's selftest
// tools/testing/selftests/kvm/x86/pmu_event_filter_test.c: given this filter from userspace,
// then this decision or this error from the ioctl; KVM's vPMU copies with it; the checker on a
// bare Engine (tests/cpp/checker_bench.h). Guests on the engine: test_event_filter_guest.cpp.
#include "event_filter_cases.h"

using namespace pmusim;
using namespace pmusim::test;

// ---------------------------------------------------------------------------------------------
// The filter on its own: the ioctl's validation and KVM's decisions.

TEST(EventFilter, InvalidActionFlagsAndTooManyEventsAreRefusedAsKvmRefusesThem) {
    // test_filter_ioctl: an invalid action or flags is EINVAL, more than 300 events E2BIG.
    EXPECT_EQ(filter(kDeny + 1, {kBranches}).check()->error, "EINVAL");
    EXPECT_EQ(filter(kDeny + 1, {kBranches}).check()->field, "action");
    EXPECT_EQ(filter(kAllow, {kBranches}, 0, kFlagMaskedEvents + 1).check()->field, "flags");
    const auto big = filter(kAllow, std::vector<uint64_t>(kMaxEvents + 1, kBranches)).check();
    ASSERT_TRUE(big);
    EXPECT_EQ(big->field, "nevents");
    EXPECT_EQ(big->error, "E2BIG");
    EXPECT_FALSE(filter(kAllow, std::vector<uint64_t>(kMaxEvents, kBranches)).check());
    // KVM's order: the action before the flags before the count.
    EXPECT_EQ(filter(7, std::vector<uint64_t>(kMaxEvents + 1, 0), 0, 4).check()->field, "action");
    EXPECT_THROW(filter(7, {}).validate(), EventFilterError);
}

TEST(EventFilter, MaskedEntriesWithInvalidBitsAreEinvalUnmaskedJunkIsDropped) {
    // Junk in an unmasked entry is accepted (backward compatibility) and matches nothing;
    // the same entry as a masked one is EINVAL; KVM_PMU_ENCODE_MASKED_ENTRY(0xff, 0xff, 0xff, 0xf)
    // is a valid masked entry.
    EXPECT_FALSE(filter(kAllow, {~0ull}).check());
    EXPECT_TRUE(filter(kAllow, {~0ull}).prepared().empty());
    const auto bad = masked(kAllow, {encode_masked(kBranches, 0xff, 0, false), ~0ull}).check();
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->field, "events[1]");
    EXPECT_EQ(bad->error, "EINVAL");
    EXPECT_FALSE(masked(kAllow, {encode_masked(0xff, 0xff, 0xff, 0xf)}).check());
    // Event select bits 35:32 are AMD's: on Intel an unmasked entry with them is dropped, a
    // masked one refused.
    const uint64_t high = encode_event(0x1c4, 0);
    EXPECT_FALSE(filter(kDeny, {high}).check());
    EXPECT_TRUE(filter(kDeny, {high}).allowed_gp(sel(kBranches)));
    EXPECT_TRUE(masked(kDeny, {encode_masked(0x1c4, 0xff, 0, false)}).check());
    // A bitmap naming fixed counters the CPU does not have is accepted.
    EXPECT_FALSE(filter(kAllow, {}, ~0u).check());
}

TEST(EventFilter, DenyAndAllowListsDecideByEventSelectAndUmask) {
    // test_member_deny_list / test_member_allow_list / test_not_member_*.
    const EventFilter deny = filter(kDeny, {kBranches, kInstructions});
    EXPECT_FALSE(deny.allowed_gp(sel(kBranches)));
    EXPECT_FALSE(deny.allowed_gp(sel(kInstructions)));
    EXPECT_TRUE(deny.allowed_gp(sel(0x3c)));
    const EventFilter allow = filter(kAllow, {kBranches, kInstructions});
    EXPECT_TRUE(allow.allowed_gp(sel(kBranches)));
    EXPECT_FALSE(allow.allowed_gp(sel(0x3c)));
    // An unmasked entry matches its umask exactly; the other selector bits (rings, EN, INV,
    // CMASK) play no part.
    EXPECT_FALSE(allow.allowed_gp(sel(kBranches, 0x01)));
    EXPECT_TRUE(allow.allowed_gp(kBranches | evtsel::kInv | (3ull << 24)));
    // An empty deny list allows everything, an empty allow list nothing.
    EXPECT_TRUE(filter(kDeny, {}).allowed_gp(sel(kBranches)));
    EXPECT_FALSE(filter(kAllow, {}).allowed_gp(sel(kBranches)));
}

TEST(EventFilter, FixedCountersAreDecidedByTheBitmapAlone) {
    // test_fixed_counter_bitmap: allow with the bit / deny without it counts, the others do not;
    // the bitmap takes precedence over events[] (test_set_gp_and_fixed_event_filter).
    for (unsigned i = 0; i < 4; ++i) {
        EXPECT_TRUE(filter(kAllow, {}, 1u << i).allowed_fixed(i));
        EXPECT_FALSE(filter(kAllow, {}, 0).allowed_fixed(i));
        EXPECT_FALSE(filter(kDeny, {}, 1u << i).allowed_fixed(i));
        EXPECT_TRUE(filter(kDeny, {}, 0).allowed_fixed(i));
    }
    EXPECT_FALSE(filter(kAllow, {kInstructions, 0x3c}, 0).allowed_fixed(0));  // INST_RETIRED listed, bit clear
    EXPECT_TRUE(filter(kDeny, {kInstructions}, 0).allowed_fixed(0));
    EXPECT_TRUE(filter(kAllow, {}, 0x2).allowed_fixed(1));
}


TEST(EventFilter, MaskedEventsIncludeAndExcludeSelectExactlyASubsetOfUmasks) {
    // test_masked_events: sparse and dense (the selftest's dummy entries of other event selects).
    for (const auto& c : masked_cases()) {
        std::vector<uint64_t> dense = c.entries;
        for (uint64_t i = 0; dense.size() < kMaxEvents; ++i)
            if (i % 0xff != kTopdown) dense.push_back(encode_masked(i % 0xff, 0, 0, i % 4 == 0));
        for (const auto& entries : {c.entries, dense}) {
            const EventFilter allow = masked(kAllow, entries), deny = masked(kDeny, entries);
            ASSERT_FALSE(allow.check()) << c.what;
            for (int u = 0; u < 3; ++u) {
                EXPECT_EQ(allow.allowed_gp(sel(kTopdown, kUmasks[u])), c.counts[u]) << c.what << " umask " << kUmasks[u];
                EXPECT_EQ(deny.allowed_gp(sel(kTopdown, kUmasks[u])), !c.counts[u]) << c.what << " deny";
            }
        }
    }
}


// ---------------------------------------------------------------------------------------------
// KVM's vPMU with the filter: the hardware copies at reprogram.

using NoHw = NoKvmHw;

TEST(EventFilterVpmu, ReprogramClearsTheEnableOfADeniedSelectorAndTheGuestReadsWhatItWrote) {
    const CpuConfig host = make_cpu_config("sapphirerapids");
    KvmVpmu v(1, host, VpmuConfig{}, true);
    NoHw hw;
    v.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {kBranches}, 0x1)));
    v.handle_pmu_event();
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, sel(kBranches), hw);
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0 + 1, sel(0x3c), hw);
    v.emulate(AccessKind::Wrmsr, msr::kFixedCtrCtrl, 0x33, hw);
    // Until the reprogram before the next VM-entry the copies are what the guest wrote,
    EXPECT_EQ(v.st.eventsel_hw[0], sel(kBranches));
    v.handle_pmu_event();
    // then a denied event loses its enable bit and a denied fixed counter its field.
    EXPECT_EQ(v.st.eventsel_hw[0], sel(kBranches) & ~evtsel::kEn);
    EXPECT_EQ(v.st.eventsel_hw[1], sel(0x3c));
    EXPECT_EQ(v.st.fixed_ctr_ctrl_hw, 0x30u);
    EXPECT_EQ(v.emulate(AccessKind::Rdmsr, msr::kPerfEvtSel0, 0, hw).value, sel(kBranches));
    EXPECT_EQ(v.emulate(AccessKind::Rdmsr, msr::kFixedCtrCtrl, 0, hw).value, 0x33u);
}

TEST(EventFilterVpmu, ANewFilterMarksEveryCounterForReprogram) {
    // kvm_vm_ioctl_set_pmu_event_filter: __reprogram_pmi = -1 and KVM_REQ_PMU; nothing changes in
    // the copies until kvm_pmu_handle_event.
    const CpuConfig host = make_cpu_config("sapphirerapids");
    VpmuConfig four;
    four.num_gp = 4;
    four.num_fixed = 3;
    four.perf_metrics = false;
    KvmVpmu v(1, host, four, true);
    NoHw hw;
    v.emulate(AccessKind::Wrmsr, msr::kPerfEvtSel0, sel(kBranches), hw);
    v.handle_pmu_event();
    v.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {kBranches})));
    EXPECT_EQ(v.reprogram, 0xfull | (0x7ull << kMaxGpCounters));
    EXPECT_EQ(v.st.eventsel_hw[0], sel(kBranches));
    v.handle_pmu_event();
    EXPECT_EQ(v.reprogram, 0u);
    EXPECT_EQ(v.st.eventsel_hw[0], sel(kBranches) & ~evtsel::kEn);
    // An allow list with it gives the enable bit back at the next reprogram.
    v.set_filter(std::make_shared<const EventFilter>(filter(kAllow, {kBranches})));
    v.handle_pmu_event();
    EXPECT_EQ(v.st.eventsel_hw[0], sel(kBranches));
}

TEST(EventFilterVpmu, AnUnchangedFixedFieldIsReloadedUnfilteredWhenAnotherFieldChanges) {
    // Mediated vPMU series v6: reprogram_fixed_counters sets fixed_ctr_ctrl_hw to the whole new
    // value but marks only the fields that changed for reprogram. A denied fixed counter whose
    // field the guest leaves as it was is loaded enabled (docs: "Event filter", the finding).
    const CpuConfig host = make_cpu_config("sapphirerapids");
    KvmVpmu v(1, host, VpmuConfig{}, true);
    NoHw hw;
    v.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {}, 0x1)));
    v.emulate(AccessKind::Wrmsr, msr::kFixedCtrCtrl, 0x3, hw);
    v.handle_pmu_event();
    EXPECT_EQ(v.st.fixed_ctr_ctrl_hw, 0u);
    v.emulate(AccessKind::Wrmsr, msr::kFixedCtrCtrl, 0x33, hw);
    v.handle_pmu_event();
    EXPECT_EQ(v.st.fixed_ctr_ctrl_hw, 0x33u);
}

// ---------------------------------------------------------------------------------------------
// The checker on a bare Engine (tests/cpp/checker_bench.h).

TEST(EventFilterChecker, DeniedEventCountingInTheGuestsCyclesIsReported) {
    // Given a deny filter on branches in force at vm0's VM-entry and vm0's PMC0 counting
    // branches, when vm0 runs, then filtered on PMC0.
    CheckerBench b("event_filter");
    b.vm0().kvm.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {kBranches})));
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.write(1, msr::kPerfEvtSel0, sel(kBranches));
    b.write(1, msr::kGlobalCtrl, 1);
    b.run(1, 1000);
    EXPECT_TRUE(b.reported(ViolationKind::Filtered, "PMC0", "vm0", "vm0"));
}

TEST(EventFilterChecker, DeniedFixedCounterCountingIsReported) {
    CheckerBench b("event_filter");
    b.vm0().kvm.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {}, 0x1)));
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.write(1, msr::kFixedCtrCtrl, 0x3);
    b.write(1, msr::kGlobalCtrl, 1ull << 32);
    b.run(1, 1000);
    EXPECT_TRUE(b.reported(ViolationKind::Filtered, "FIXED_CTR0", "vm0", "vm0"));
}

TEST(EventFilterChecker, AllowedEventsTheHostsCountersAndNoFilterAreNotReported) {
    // Given the filter, vm0 counting cycles and the host counting branches: nothing, in the
    // host's cycles or in vm0's (a host counter counting there is the bleed checker's).
    CheckerBench b("event_filter");
    b.vm0().kvm.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {kBranches})));
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.write(1, msr::kPerfEvtSel0, sel(0x3c));
    b.write(0, msr::kPerfEvtSel0 + 1, sel(kBranches));
    b.write(0, msr::kGlobalCtrl, 3);
    b.run(1, 1000);
    b.run(0, 1000);
    EXPECT_TRUE(b.clean());
    // Without a filter nothing is denied.
    CheckerBench n("event_filter");
    n.c().on_handover(Handover::ToGuest, n.vm0());
    n.write(1, msr::kPerfEvtSel0, sel(kBranches));
    n.write(1, msr::kGlobalCtrl, 1);
    n.run(1, 1000);
    EXPECT_TRUE(n.clean());
}

TEST(EventFilterChecker, JudgesByTheFilterInForceAtTheLastVmEntry) {
    // A filter installed while vm0 runs applies from its next VM-entry (KVM reprograms then).
    CheckerBench b("event_filter");
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.write(1, msr::kPerfEvtSel0, sel(kBranches));
    b.write(1, msr::kGlobalCtrl, 1);
    b.vm0().kvm.set_filter(std::make_shared<const EventFilter>(filter(kDeny, {kBranches})));
    b.run(1, 1000);
    EXPECT_TRUE(b.clean());
    b.c().on_handover(Handover::ToGuest, b.vm0());
    b.run(1, 1000);
    EXPECT_TRUE(b.reported(ViolationKind::Filtered, "PMC0", "vm0", "vm0"));
}
