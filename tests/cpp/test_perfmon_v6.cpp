// Architectural perfmon version 6 and ten GP counters, as the Lunar Lake preset enumerates them:
// CPUID leaf 0x23 (sub-leaf 0: valid sub-leaves, UMASK2 and EQ; sub-leaf 1: the counter bitmaps),
// IA32_PERFEVTSELx EQ (bit 36) and UMASK2 (bits 47:40), IA32_PMC8/9 and their selectors, and what
// KVM passes to a guest (no leaf 0x23, at most 8 GP counters). Sources: linux perf_event.h
// (cpuid35_eax/ebx, ARCH_PERFMON_EVENTSEL_EQ/_UMASK2), intel/perfmon LNL event list, KVM
// kvm_host.h (KVM_MAX_NR_INTEL_GP_COUNTERS) and pmu.h (kvm_init_pmu_capability).
#include "models/virt/kvm_uapi.h"
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
constexpr uint64_t kUserOs = sel::USR | sel::OS | sel::EN;
constexpr uint64_t kEq = 1ull << 36;
constexpr uint64_t umask2(uint64_t u) { return u << 40; }
}  // namespace

TEST(PerfmonV6, LunarLakeEnumeratesVersion6TenGpCountersAndLeaf23) {
    const CpuConfig c = make_cpu_config("lunarlake");
    EXPECT_EQ(c.cpuid_eax() & 0xffu, 6u);
    EXPECT_EQ((c.cpuid_eax() >> 8) & 0xffu, 10u);
    const auto l0 = c.cpuid_leaf23(0), l1 = c.cpuid_leaf23(1);
    EXPECT_EQ(l0.eax, 0b11u);  // sub-leaf 0 and the counters sub-leaf
    EXPECT_EQ(l0.ebx, 0b11u);  // UMASK2 and EQ
    EXPECT_EQ(l1.eax, 0x3ffu);  // PMC0..9
    EXPECT_EQ(l1.ebx, 0xfu);    // FIXED_CTR0..3
    const auto l2 = c.cpuid_leaf23(2);
    EXPECT_EQ(l2.eax | l2.ebx | l2.ecx | l2.edx, 0u);  // auto counter reload: not enumerated
}

TEST(PerfmonV6, BelowVersion6Leaf23IsZeroAndTheFlagsAreRefused) {
    for (const char* cpu : {"skylake", "icelake", "sapphirerapids"}) {
        const CpuConfig c = make_cpu_config(cpu);
        EXPECT_EQ(c.cpuid_leaf23(0).eax | c.cpuid_leaf23(1).eax, 0u) << cpu;
    }
    const CpuConfig v5 = make_cpu_config("lunarlake", {{"version", 5}});
    EXPECT_FALSE(v5.has_umask2());
    EXPECT_EQ(v5.cpuid_leaf23(1).eax, 0u);
    try {
        make_cpu_config("sapphirerapids", {{"umask2", 1}});
        FAIL() << "umask2 on a v5 preset was accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "umask2");
    }
    try {
        make_cpu_config("lunarlake", {{"num_gp", 11}});
        FAIL() << "11 GP counters were accepted";
    } catch (const ConfigError& e) {
        EXPECT_EQ(e.field(), "num_gp");
    }
}

TEST(PerfmonV6, Pmc8And9CountAndOverflowIntoGlobalStatusBits8And9) {
    // Given PMC9 preset 100 below overflow counting instructions (2 per cycle), when 60 cycles
    // run, then GLOBAL_STATUS bit 9 is set and PMC8, counting cycles, reads 60.
    SteadyParams wl;
    wl.instructions = 2.0;
    auto m = make_machine("lunarlake", {}, TimeMode::PerCycle, wl);
    EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), 0x3ffull);
    m->wrmsr(msr::kGlobalCtrl, 0);
    m->wrmsr(msr::kPerfEvtSel0 + 8, sel::CYCLES | kUserOs);
    m->wrmsr(msr::kPerfEvtSel0 + 9, sel::INSTRUCTIONS | kUserOs);
    m->wrmsr(msr::kAPmc0 + 9, (1ull << 48) - 100);
    m->wrmsr(msr::kGlobalCtrl, 0x300);
    m->run(60);
    EXPECT_EQ(m->rdpmc(8), 60u);
    EXPECT_EQ(m->rdmsr(msr::kPmc0 + 9), 20u);
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 1ull << 9);
    EXPECT_OK(m->try_wrmsr(msr::kGlobalStatusReset, 1ull << 9));
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0u);
}

TEST(PerfmonV6, CountersBeyondTheEnumeratedOnesGp) {
    auto spr = make_machine("sapphirerapids");
    EXPECT_GP(spr->try_rdmsr(msr::kPmc0 + 8));
    EXPECT_GP(spr->try_wrmsr(msr::kPerfEvtSel0 + 8, 0));
    EXPECT_GP(spr->try_wrmsr(msr::kGlobalCtrl, 1ull << 8));
    EXPECT_FALSE(spr->try_rdpmc(8).ok);
    auto lnl = make_machine("lunarlake");
    EXPECT_OK(lnl->try_rdmsr(msr::kPmc0 + 9));
    EXPECT_OK(lnl->try_wrmsr(msr::kGlobalStatusSet, 1ull << 9));
    EXPECT_GP(lnl->try_rdmsr(msr::kPmc0 + 10));  // 0xCB: no PMC10
    EXPECT_GP(lnl->try_wrmsr(msr::kGlobalCtrl, 1ull << 10));
    EXPECT_FALSE(lnl->try_rdpmc(10).ok);
}

TEST(PerfmonV6, EqAndUmask2AreWritableOnlyWhereLeaf23EnumeratesThem) {
    auto spr = make_machine("sapphirerapids");
    EXPECT_GP(spr->try_wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | kEq));
    EXPECT_GP(spr->try_wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | umask2(1)));
    auto lnl = make_machine("lunarlake");
    EXPECT_OK(lnl->try_wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | kEq | umask2(0xff)));
    EXPECT_EQ(lnl->rdmsr(msr::kPerfEvtSel0), sel::INSTRUCTIONS | kEq | umask2(0xff));
    EXPECT_GP(lnl->try_wrmsr(msr::kPerfEvtSel0, 1ull << 37));  // still reserved
    auto no_eq = make_machine("lunarlake", {{"evtsel_eq", 0}});
    EXPECT_GP(no_eq->try_wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | kEq));
    EXPECT_OK(no_eq->try_wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | umask2(1)));
}

class PerfmonV6Counting : public ::testing::TestWithParam<TimeMode> {};
INSTANTIATE_TEST_SUITE_P(BothModes, PerfmonV6Counting, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);

TEST_P(PerfmonV6Counting, EqCountsCyclesWithExactlyCmaskEvents) {
    // Given 2.5 instructions per cycle (2, 3, 2, 3, ...): CMASK=3 with EQ counts the 3-cycles,
    // CMASK=2 with EQ the 2-cycles (where >= 2 would count every cycle), EQ|INV the others.
    SteadyParams wl;
    wl.instructions = 2.5;
    auto m = make_machine("lunarlake", {}, GetParam(), wl);
    m->wrmsr(msr::kPerfEvtSel0 + 0, sel::INSTRUCTIONS | kUserOs | sel::cmask(3) | kEq);
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::INSTRUCTIONS | kUserOs | sel::cmask(2) | kEq);
    m->wrmsr(msr::kPerfEvtSel0 + 2, sel::INSTRUCTIONS | kUserOs | sel::cmask(2));
    m->wrmsr(msr::kPerfEvtSel0 + 3, sel::INSTRUCTIONS | kUserOs | sel::cmask(1) | kEq | sel::INV);
    m->wrmsr(msr::kPerfEvtSel0 + 9, sel::INSTRUCTIONS | kUserOs | kEq);  // EQ ignored without CMASK
    m->run(1000);
    EXPECT_EQ(m->rdpmc(0), 500u);
    EXPECT_EQ(m->rdpmc(1), 500u);
    EXPECT_EQ(m->rdpmc(2), 1000u);
    EXPECT_EQ(m->rdpmc(3), 1000u);  // never exactly 1
    EXPECT_EQ(m->rdpmc(9), 2500u);
}

TEST_P(PerfmonV6Counting, TheSuppliersFewerThan8UopsCyclesAreAnEventOfTheirOwn) {
    // Given fetch bandwidth at 20 % of slots, half of it limited by the legacy decoders (MITE):
    // IDQ.MITE_UOPS with CMASK 8, INV and EQ (perfmon LNL's IDQ.MITE_UOPS:c8:i1:eq1) counts the
    // cycles MITE delivered some but fewer than 8 uops, twice the lost cycles (docs/workloads.md);
    // without EQ the generic compare on the uop count applies: every cycle has fewer than 8.
    SteadyParams wl;
    wl.slot_mix = {0.4, 0.05, 0.1, 0.05, 0.1, 0.2, 0.05, 0.05};
    wl.fb_causes = {0.5, 0.2, 0.1, 0.2};
    auto m = make_machine("lunarlake", {}, GetParam(), wl);
    const uint64_t mite = 0x04 << 8 | 0x79, c8i = sel::cmask(8) | sel::INV;
    m->wrmsr(msr::kPerfEvtSel0 + 0, mite | kUserOs | c8i | kEq);
    m->wrmsr(msr::kPerfEvtSel0 + 1, mite | kUserOs | c8i);
    m->wrmsr(msr::kPerfEvtSel0 + 2, (0x01 << 8 | 0xa8) | kUserOs | c8i | kEq);  // LSD.UOPS:c8:i1:eq1
    m->run(100000);
    const EventVector sums = count_all_events(m->pmu().workload(), 0, 100000);
    EXPECT_EQ(m->rdpmc(0), sums[idx(Event::MitePartialCycles)]);
    EXPECT_NEAR(double(m->rdpmc(0)), 2 * 0.5 * 0.2 * 100000, 2);
    EXPECT_EQ(m->rdpmc(1), 100000u);
    EXPECT_NEAR(double(m->rdpmc(2)), 2 * 0.2 * 0.2 * 100000, 2);
    // The same view on Sapphire Rapids (no EQ) is not programmable: the bit is reserved.
    EXPECT_GP(make_machine("sapphirerapids")->try_wrmsr(msr::kPerfEvtSel0, mite | kUserOs | c8i | kEq));
}

TEST_P(PerfmonV6Counting, ANonZeroUmask2SelectsASubEventTheModelDoesNotHave) {
    // INST_RETIRED.ANY_P with UMASK2 = 1 is another event: it counts nothing here, and the same
    // selector with UMASK2 = 0 counts instructions.
    SteadyParams wl;
    wl.instructions = 2.0;
    auto m = make_machine("lunarlake", {}, GetParam(), wl);
    m->wrmsr(msr::kPerfEvtSel0 + 0, sel::INSTRUCTIONS | kUserOs | umask2(1));
    m->wrmsr(msr::kPerfEvtSel0 + 1, sel::INSTRUCTIONS | kUserOs);
    m->run(1000);
    EXPECT_EQ(m->rdpmc(0), 0u);
    EXPECT_EQ(m->rdpmc(1), 2000u);
}

TEST(PerfmonV6, KvmGivesGuestsAtMost8GpCountersAndNoVersion6) {
    // KVM_MAX_NR_INTEL_GP_COUNTERS = 8; kvm_init_pmu_capability: v2 legacy, v5 at most mediated;
    // no CPUID leaf 0x23 in KVM_GET_SUPPORTED_CPUID, so UMASK2/EQ stay reserved in the guest.
    const CpuConfig host = make_cpu_config("lunarlake");
    const PmuCpuid sup = supported_pmu_cpuid(host);
    EXPECT_EQ(sup.num_gp, 8u);
    EXPECT_EQ(sup.version, 5u);
    for (bool mediated : {false, true}) {
        const VpmuConfig v = host_vpmu(host, mediated);
        EXPECT_EQ(v.num_gp, 8u) << mediated;
        EXPECT_EQ(v.version, mediated ? 5u : 2u);
        const CpuConfig g = guest_cpu_config(host, v);
        EXPECT_FALSE(g.has_leaf_23());
        EXPECT_EQ(g.cpuid_leaf23(1).eax, 0u);
        const RegisterTable t(g);
        EXPECT_EQ(t.find(msr::kPmc0 + 8), nullptr);
        EXPECT_NE(t.find(msr::kPerfEvtSel0 + 7), nullptr);
        EXPECT_EQ(t.find(msr::kPerfEvtSel0)->reserved & (kEq | umask2(0xff)), kEq | umask2(0xff));
    }
    const auto save = msrs_to_save(host, true);
    EXPECT_EQ(std::count(save.begin(), save.end(), msr::kPmc0 + 7), 1);
    EXPECT_EQ(std::count(save.begin(), save.end(), msr::kPmc0 + 8), 0);
    PmuCpuid ten = sup;
    ten.num_gp = 10;
    EXPECT_EQ(refresh_from_cpuid(host, true, ten, supported_perf_capabilities(host, true)).num_gp, 8u);
}
