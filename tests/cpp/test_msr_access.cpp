// MSR access rules, SDM / kvm-unit-tests / KVM selftest style: given this programming, when
// these accesses happen, then these values or a #GP (pmu-architecture.md sections 1 and 5).
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

TEST(GlobalCtrl, ResetValueEnablesEveryGpCounter) {
    for (const char* cpu : {"skylake", "icelake", "sapphirerapids", "lunarlake"}) {
        auto m = make_machine(cpu);
        const uint64_t gp = (1ull << m->cpu().num_gp) - 1;
        EXPECT_EQ(m->rdmsr(msr::kGlobalCtrl), gp) << cpu;
    }
    auto m4 = make_machine("sapphirerapids", {{"num_gp", 4}});
    EXPECT_EQ(m4->rdmsr(msr::kGlobalCtrl), 0xfull);
}

TEST(GlobalCtrl, ReservedBitsGp) {
    auto m = make_machine("sapphirerapids", {{"num_gp", 4}});
    EXPECT_GP(m->try_wrmsr(msr::kGlobalCtrl, 1ull << 4));    // PMC4 does not exist (SDM 18.9.1)
    EXPECT_GP(m->try_wrmsr(msr::kGlobalCtrl, 1ull << 36));   // no FC4
    EXPECT_OK(m->try_wrmsr(msr::kGlobalCtrl, 0xfull | (0xfull << 32) | (1ull << 48)));
    auto skl = make_machine("skylake");
    EXPECT_GP(skl->try_wrmsr(msr::kGlobalCtrl, 1ull << 48));  // no PERF_METRICS on skylake
    EXPECT_GP(skl->try_wrmsr(msr::kGlobalCtrl, 1ull << 35));  // no FC3 on skylake
}

TEST(LegacyPmc, WritesSignExtendBit31) {
    // KUT check_rdpmc: writing 0xff0123456789 through 0xC1 gives the sign-extended low 32 bits
    // (bit 31 of 0x23456789 is clear, so nothing is extended).
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kPmc0, 0xff0123456789ull);
    const uint64_t mask48 = (1ull << 48) - 1;
    EXPECT_EQ(m->rdmsr(msr::kPmc0), 0x23456789ull);
    EXPECT_EQ(m->rdpmc(0), 0x23456789ull);
    m->wrmsr(msr::kPmc0 + 1, 0xff0189abcdefull);  // bit 31 set: extended to the 48-bit width
    EXPECT_EQ(m->rdpmc(1), 0xffff89abcdefull);
    m->wrmsr(msr::kPmc0 + 1, 0xdead0000ffffffffull);  // upper 32 bits ignored, not #GP
    EXPECT_EQ(m->rdpmc(1), mask48);
}

TEST(FullWidthPmc, KeepsWidthMaskedValueAndGpsBeyondWidth) {
    // KUT check_gp_counters_write_width.
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kAPmc0 + 2, 0xff0123456789ull);
    EXPECT_EQ(m->rdmsr(msr::kAPmc0 + 2), 0xff0123456789ull);
    EXPECT_EQ(m->rdmsr(msr::kPmc0 + 2), 0xff0123456789ull);  // both aliases read the same
    EXPECT_EQ(m->rdpmc(2), 0xff0123456789ull);
    EXPECT_GP(m->try_wrmsr(msr::kAPmc0 + 2, 1ull << 48));
    EXPECT_EQ(m->rdpmc(2), 0xff0123456789ull);  // a faulting write changes nothing
}

TEST(FullWidthPmc, AbsentWithoutFwWrite) {
    auto m = make_machine("sapphirerapids", {{"fw_write", 0}});
    EXPECT_GP(m->try_wrmsr(msr::kAPmc0, 1));
    EXPECT_GP(m->try_rdmsr(msr::kAPmc0));
    EXPECT_OK(m->try_wrmsr(msr::kPmc0, 1));
}

TEST(PerfEvtSel, ReservedBitsGp) {
    auto m = make_machine("sapphirerapids");
    EXPECT_OK(m->try_wrmsr(msr::kPerfEvtSel0, sel::INSTRUCTIONS | sel::USR | sel::OS | sel::EN | sel::INT |
                                                   sel::INV | sel::E | sel::cmask(3) | (1ull << 19)));
    EXPECT_GP(m->try_wrmsr(msr::kPerfEvtSel0, 1ull << 32));
    EXPECT_GP(m->try_wrmsr(msr::kPerfEvtSel0, 1ull << 63));
    auto v2 = make_machine("sapphirerapids", {{"version", 2}});
    EXPECT_GP(v2->try_wrmsr(msr::kPerfEvtSel0, 1ull << 21));  // AnyThread needs v3
}

TEST(Counters, UnsupportedCountersGp) {
    // ST-CNT guest_rd_wr_counters / guest_test_fixed_counters on bare metal.
    auto m = make_machine("sapphirerapids", {{"num_gp", 2}, {"num_fixed", 2}, {"fixed_bitmap", 0b1001}});
    EXPECT_OK(m->try_wrmsr(msr::kPmc0 + 1, 0xffff));
    EXPECT_GP(m->try_wrmsr(msr::kPmc0 + 2, 0xffff));
    EXPECT_GP(m->try_rdmsr(msr::kPmc0 + 2));
    EXPECT_GP(m->try_rdmsr(msr::kPerfEvtSel0 + 2));
    EXPECT_GP(m->try_rdpmc(2));
    EXPECT_OK(m->try_rdpmc(RDPMC_FIXED | 3));  // present through the ECX bitmap
    EXPECT_GP(m->try_rdpmc(RDPMC_FIXED | 2));
    EXPECT_GP(m->try_wrmsr(msr::kFixedCtr0 + 2, 1));
    EXPECT_GP(m->try_wrmsr(msr::kFixedCtrCtrl, 0x1ull << 8));  // FC2's OS bit
    EXPECT_OK(m->try_wrmsr(msr::kFixedCtrCtrl, 0x1ull << 12));
    EXPECT_GP(m->try_wrmsr(msr::kGlobalCtrl, 1ull << 34));
}

TEST(Msr, UnknownMsrGp) {
    auto m = make_machine("skylake");
    EXPECT_GP(m->try_rdmsr(0x12345678));
    EXPECT_GP(m->try_rdmsr(msr::kPerfMetrics));   // skylake: no PERF_METRICS
    EXPECT_GP(m->try_rdmsr(msr::kFixedCtr0 + 3)); // skylake: no FC3
    auto v3 = make_machine("skylake", {{"version", 3}});
    EXPECT_GP(v3->try_wrmsr(msr::kGlobalStatusSet, 1));  // STATUS_SET is v4+
    EXPECT_GP(v3->try_rdmsr(msr::kGlobalInuse));
    auto v0 = make_machine("skylake", {{"version", 0}});
    EXPECT_GP(v0->try_rdmsr(msr::kPmc0));
    EXPECT_GP(v0->try_rdmsr(msr::kGlobalCtrl));
    EXPECT_GP(v0->try_rdpmc(0));
}

TEST(Msr, ReadOnlyRegistersGpOnWrite) {
    auto m = make_machine("sapphirerapids");
    EXPECT_GP(m->try_wrmsr(msr::kGlobalStatus, 0));
    EXPECT_GP(m->try_wrmsr(msr::kPerfCapabilities, m->rdmsr(msr::kPerfCapabilities)));  // ST-CAPS 1
    EXPECT_GP(m->try_wrmsr(msr::kGlobalInuse, 0));
    EXPECT_EQ(m->rdmsr(msr::kPerfCapabilities), m->cpu().perf_capabilities);
    auto nopdcm = make_machine("sapphirerapids", {{"pdcm", 0}});
    EXPECT_GP(nopdcm->try_rdmsr(msr::kPerfCapabilities));
}

TEST(FixedCtrCtrl, AnyThreadReservedWhenDeprecatedAndMetricsClearOnlyOnLunarLake) {
    auto spr = make_machine("sapphirerapids");
    EXPECT_GP(spr->try_wrmsr(msr::kFixedCtrCtrl, 0x4));         // FC0 AnyThread, deprecated on v5
    EXPECT_GP(spr->try_wrmsr(msr::kFixedCtrCtrl, 1ull << 14));  // METRICS_CLEAR_EN needs PERF_CAP[19]
    EXPECT_GP(spr->try_wrmsr(msr::kFixedCtrCtrl, 1ull << 32));  // adaptive PEBS not modelled
    auto lnl = make_machine("lunarlake");
    EXPECT_OK(lnl->try_wrmsr(msr::kFixedCtrCtrl, 1ull << 14));
    auto skl = make_machine("skylake");
    EXPECT_OK(skl->try_wrmsr(msr::kFixedCtrCtrl, 0x4));  // v4: AnyThread exists
}

TEST(GlobalStatus, StatusSetAndResetAreWriteOneAndReadZero) {
    // SDM 18.2.4.2; KVM kvm_pmu_set_msr. STATUS_SET sets, STATUS_RESET clears, both read 0.
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kGlobalStatusSet, 0b101 | (1ull << 33) | (1ull << 48) | (1ull << 62));
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0b101 | (1ull << 33) | (1ull << 48) | (1ull << 62));
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatusSet), 0u);
    m->wrmsr(msr::kGlobalStatusReset, 0b001 | (1ull << 48));
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatus), 0b100 | (1ull << 33) | (1ull << 62));
    EXPECT_EQ(m->rdmsr(msr::kGlobalStatusReset), 0u);
    EXPECT_GP(m->try_wrmsr(msr::kGlobalStatusSet, 1ull << 63));  // CondChgd reserved in SET
    EXPECT_OK(m->try_wrmsr(msr::kGlobalStatusReset, 1ull << 63));
    EXPECT_GP(m->try_wrmsr(msr::kGlobalStatusReset, 1ull << 40));
    EXPECT_GP(m->try_wrmsr(msr::kGlobalStatusSet, 1ull << 8));  // no PMC8
}

TEST(GlobalInuse, DerivedFromSelectors) {
    auto m = make_machine("sapphirerapids");
    EXPECT_EQ(m->rdmsr(msr::kGlobalInuse), 0u);
    m->wrmsr(msr::kPerfEvtSel0 + 3, sel::INSTRUCTIONS);  // event code != 0, not even enabled
    m->wrmsr(msr::kFixedCtrCtrl, 0x2ull << 4);            // FC1 USR
    EXPECT_EQ(m->rdmsr(msr::kGlobalInuse), (1ull << 3) | (1ull << 33));
    m->wrmsr(msr::kFixedCtrCtrl, 0x8ull);                // FC0 PMI only: not in use, PMI in use
    EXPECT_EQ(m->rdmsr(msr::kGlobalInuse), (1ull << 3) | (1ull << 63));
}

TEST(Rdpmc, Encodings) {
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kFixedCtr0 + 1, 0x1234);
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED | 1), 0x1234u);
    EXPECT_GP(m->try_rdpmc(64));                      // KUT check_invalid_rdpmc_gp
    EXPECT_GP(m->try_rdpmc(8));
    EXPECT_GP(m->try_rdpmc(0x80000000u));             // fast read
    EXPECT_GP(m->try_rdpmc(RDPMC_FIXED | 4));
    EXPECT_GP(m->try_rdpmc(RDPMC_METRICS | 1));       // metrics index must be 0
    EXPECT_GP(m->try_rdpmc(RDPMC_FIXED | RDPMC_METRICS));
    EXPECT_GP(m->try_rdpmc(1u << 16));                // unknown type
    EXPECT_OK(m->try_rdpmc(RDPMC_METRICS));
    auto skl = make_machine("skylake");
    EXPECT_GP(skl->try_rdpmc(RDPMC_METRICS));
}

TEST(Rdpmc, ValuesMaskedToWidthAndCplChecked) {
    auto m = make_machine("sapphirerapids", {{"gp_width", 40}, {"fixed_width", 36}, {"cr4_pce", 0}});
    m->wrmsr(msr::kPmc0, 0xffffffff);  // sign-extends to 40 bits
    EXPECT_EQ(m->rdpmc(0), (1ull << 40) - 1);
    m->wrmsr(msr::kFixedCtr0, ~0ull);  // masked to 36 bits (KVM rule)
    EXPECT_EQ(m->rdpmc(RDPMC_FIXED), (1ull << 36) - 1);
    EXPECT_GP(m->try_rdpmc(0, 3));  // CR4.PCE = 0 at CPL 3
    EXPECT_OK(m->try_rdpmc(0, 0));
}

TEST(GeneralProtection, ThrowingApiCarriesMsrValueAndReason) {
    auto m = make_machine("sapphirerapids");
    try {
        m->wrmsr(msr::kAPmc0, 1ull << 50);
        FAIL() << "expected #GP";
    } catch (const GeneralProtection& gp) {
        EXPECT_EQ(gp.kind(), AccessKind::Wrmsr);
        EXPECT_EQ(gp.index(), msr::kAPmc0);
        EXPECT_EQ(gp.value(), 1ull << 50);
        EXPECT_NE(gp.reason().find("reserved"), std::string::npos);
        EXPECT_NE(std::string(gp.what()).find("IA32_A_PMC0"), std::string::npos);
    }
}

TEST(DebugCtl, FreezeBitsWritableReservedBitsGp) {
    auto m = make_machine("sapphirerapids");
    EXPECT_OK(m->try_wrmsr(msr::kDebugCtl, 1ull << 12 | 1ull << 11 | 1ull << 14));
    EXPECT_EQ(m->rdmsr(msr::kDebugCtl), 1ull << 12 | 1ull << 11 | 1ull << 14);
    EXPECT_GP(m->try_wrmsr(msr::kDebugCtl, 1ull << 20));
    auto nosmm = make_machine("sapphirerapids", {{"freeze_while_smm", 0}});
    EXPECT_GP(nosmm->try_wrmsr(msr::kDebugCtl, 1ull << 14));  // needs PERF_CAPABILITIES[12]
}

TEST(RegisterTable, EveryRegisterDeclaredOnceWithUniqueAddress) {
    for (auto& preset : preset_names()) {
        RegisterTable t(make_cpu_config(preset));
        std::set<uint32_t> seen;
        for (auto& r : t.all()) {
            EXPECT_TRUE(seen.insert(r.address).second) << r.name;
            EXPECT_EQ(t.find(r.address), &r);
            EXPECT_EQ(r.reset & r.reserved, 0u) << r.name << ": reset value sets reserved bits";
        }
    }
}

TEST(RegisterTable, FindsExactlyTheEnumeratedAddresses) {
    // Given each preset's table, when every address up to 0x2000 (past the dense index) and a few
    // far ones are looked up, then exactly the enumerated registers are found, each at its address.
    for (auto& preset : preset_names()) {
        RegisterTable t(make_cpu_config(preset));
        std::set<uint32_t> enumerated;
        for (auto& r : t.all()) enumerated.insert(r.address);
        for (uint32_t a = 0; a < 0x2000; ++a) {
            const RegisterDesc* r = t.find(a);
            EXPECT_EQ(r != nullptr, enumerated.count(a) == 1) << preset << " MSR " << hex_string(a);
            if (r) EXPECT_EQ(r->address, a);
        }
        for (uint32_t a : {0xc0010000u, 0xffffffffu, 0x10000u}) EXPECT_EQ(t.find(a), nullptr);
    }
}
