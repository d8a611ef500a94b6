// An access's MSR is decoded once (decode_msr) and the decoded register handed to provenance and
// the last-write table: each must answer as when given the address.
#include <gtest/gtest.h>

#include "models/pmu/pmu.h"
#include "models/pmu/register_table.h"
#include "sim/virt/engine.h"
#include "sim/virt/provenance.h"

using namespace pmusim;

namespace {
// Every taint a provenance holds.
std::vector<Taint> all_taints(const Provenance& p) {
    std::vector<Taint> v;
    for (unsigned s = 0; s < kNumCounterSlots; ++s) v.push_back(p.counter(s)), v.push_back(p.control(s));
    for (unsigned b = 0; b < 64; ++b) v.push_back(p.pmi_controller(b));
    for (unsigned k = 0; k < kNumMetricFields; ++k) v.push_back(p.metrics_field(k));
    v.push_back(p.global_ctrl());
    return v;
}
}  // namespace

// Given a sequence of writes by different contexts to every PMU MSR (and reads of each after),
// when one provenance is given the addresses and the other the decoded registers, then they hold
// the same taints after every write and give the same taint for every read.
TEST(DecodedRegister, ProvenanceAnswersAsForTheAddress) {
    Pmu pmu(make_cpu_config("sapphirerapids"), Semantics{}, nullptr);
    Provenance by_address(pmu), by_register(pmu);
    std::vector<uint32_t> msrs;
    for (uint32_t a = 0; a < 0x1000; ++a) {
        MsrRef m{RegKind::Pmc, 0};
        if (decode_msr(a, m)) msrs.push_back(a);
    }
    ASSERT_GT(msrs.size(), 40u);
    const uint64_t values[] = {0, 1, 0xff00ff00ff, ~uint64_t(0), (1ull << 48) | 0x7, 0xb0};
    int n = 0;
    for (uint64_t v : values)
        for (uint32_t a : msrs) {
            MsrRef m{RegKind::Pmc, 0};
            ASSERT_TRUE(decode_msr(a, m));
            const Taint t = taint_of(++n % 5);
            const uint64_t old = v >> 4, keep = (n % 3) ? 0xf0 : 0;
            by_address.on_write(a, old, v, t, keep);
            by_register.on_write(m, old, v, t, keep);
            ASSERT_EQ(all_taints(by_address), all_taints(by_register)) << std::hex << a << " " << v;
            for (uint32_t r : msrs) {
                MsrRef rm{RegKind::Pmc, 0};
                decode_msr(r, rm);
                ASSERT_EQ(by_address.of_read(AccessKind::Rdmsr, r, v), by_register.of_read(rm, v)) << std::hex << r;
            }
        }
}

// The last-write key of a decoded MSR is its address's: counters by slot (both PMC aliases and
// the fixed counters), STATUS_RESET and STATUS_SET as GLOBAL_STATUS, any other as its address.
TEST(DecodedRegister, LastWriteKeyAsForTheAddress) {
    int counters = 0;
    for (uint32_t a = 0; a < 0x2000; ++a) {
        MsrRef m{RegKind::Pmc, 0};
        const bool decoded = decode_msr(a, m);
        EXPECT_EQ(Engine::register_key(a, decoded, m), Engine::register_key(a)) << std::hex << a;
        counters += decoded && m.is_counter();
    }
    EXPECT_EQ(Engine::register_key(msr::kPmc0 + 3), Engine::counter_key(3));
    EXPECT_EQ(Engine::register_key(msr::kAPmc0 + 3), Engine::counter_key(3));
    EXPECT_EQ(Engine::register_key(msr::kFixedCtr0 + 2), Engine::counter_key(fixed_slot(2)));
    EXPECT_EQ(Engine::register_key(msr::kGlobalStatusSet), msr::kGlobalStatus);
    EXPECT_EQ(counters, int(2 * kMaxGpCounters + kMaxFixedCounters));
}
