// The engine's direct access paths (Machine::access, and the PMU itself under a PlatformHold:
// Machine::direct_pmu with Pmu::access_quiet) beside the TLM socket path (try_rdmsr, try_wrmsr,
// try_rdpmc): given the same accesses, including #GPs, metrics-clearing RDPMCs and accesses made
// while the machine stands ahead of SystemC time (Machine::advance) or after runs that stop on a
// PMI, when each path runs them on its own machine, then every result, #GP reason (the quiet
// path has none), PMU state and PMI is the same.
#include <cstdio>
#include <optional>
#include <random>

#include "models/pmu/pmu_quiet_access.h"
#include "pmu_test_util.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {

class DirectAccess : public ::testing::TestWithParam<TimeMode> {};
INSTANTIATE_TEST_SUITE_P(BothModes, DirectAccess, ::testing::Values(TimeMode::PerCycle, TimeMode::Fast), mode_name);

AccessResult through_socket(Machine& m, AccessKind k, uint32_t idx, uint64_t v, unsigned cpl) {
    switch (k) {
        case AccessKind::Rdmsr: return m.try_rdmsr(idx);
        case AccessKind::Wrmsr: return m.try_wrmsr(idx, v);
        case AccessKind::Rdpmc: return m.try_rdpmc(idx, cpl);
    }
    return {};
}

// One machine per path, each running the whole sequence alone (so each stands ahead of SystemC
// time between its accesses, as the engine's machine does).
enum class Path { Socket, Machine, HeldPmu };

std::vector<AccessResult> play(Machine& m, Path path, uint64_t seed) {
    std::optional<PlatformHold> hold;
    Pmu* pmu = nullptr;
    if (path == Path::HeldPmu) {
        hold.emplace();
        pmu = m.direct_pmu();
        EXPECT_NE(pmu, nullptr);
    }
    const uint32_t msrs[] = {msr::kPmc0, msr::kPmc0 + 1, msr::kAPmc0, msr::kPerfEvtSel0, msr::kPerfEvtSel0 + 1,
                             msr::kFixedCtr0, msr::kFixedCtr0 + 3, msr::kFixedCtrCtrl, msr::kGlobalCtrl,
                             msr::kGlobalStatus, msr::kGlobalStatusReset, msr::kPerfMetrics, 0x12345};
    const uint64_t values[] = {0, 1, 0xffff'fff0, sel::CYCLES | sel::USR | sel::OS | sel::INT | sel::EN,
                               sel::INSTRUCTIONS | sel::USR | sel::EN, 0x7777, (1ull << 48) | 0xf | (0xfull << 32),
                               1ull << 63, ~0ull};
    const uint32_t ecxs[] = {0, 1, 7, 12, RDPMC_FIXED | 1, RDPMC_FIXED | 3, RDPMC_FIXED | 9, RDPMC_METRICS, 1u << 31};
    std::mt19937_64 rng(seed);
    std::vector<AccessResult> out;
    for (int i = 0; i < 3000; ++i) {
        const AccessKind k = AccessKind(rng() % 3);
        const uint32_t idx = k == AccessKind::Rdpmc ? ecxs[rng() % std::size(ecxs)] : msrs[rng() % std::size(msrs)];
        const uint64_t v = values[rng() % std::size(values)];
        const unsigned cpl = rng() % 4 == 0 ? 3 : 0;
        if (path == Path::HeldPmu) {
            const Pmu::QuietResult q = pmu->access_quiet(k, idx, k == AccessKind::Wrmsr ? v : 0, cpl);
            out.push_back({q.ok, q.value, {}});
        } else {
            out.push_back(path == Path::Machine ? m.access(k, idx, v, cpl) : through_socket(m, k, idx, v, cpl));
        }
        // Time between accesses: a run through SystemC or local time ahead of it, either stopping on a PMI.
        const uint64_t n = rng() % 300;
        const bool stop = rng() % 2;
        if (rng() % 2) m.run(n, stop);
        else m.advance(n, stop);
    }
    return out;
}

// The socket path and `path` on their own machines (same preset and skid), then the same results
// (and #GP reasons when the path gives them), cycle, state and PMI cycles.
void expect_equal_to_the_socket(const std::string& cpu, uint64_t skid, TimeMode mode, Path path, uint64_t seed) {
    auto socket = make_machine(cpu, {{"pmi_skid", skid}}, mode);
    const std::vector<AccessResult> a = play(*socket, Path::Socket, seed);
    auto other = make_machine(cpu, {{"pmi_skid", skid}}, mode);
    const std::vector<AccessResult> b = play(*other, path, seed);
    int gps = 0;
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i].ok, b[i].ok) << i;
        ASSERT_EQ(a[i].value, b[i].value) << i;
        if (path == Path::Machine) ASSERT_EQ(a[i].reason, b[i].reason) << i;  // the quiet path builds no text
        gps += !a[i].ok;
    }
    EXPECT_GT(gps, 100);
    EXPECT_EQ(socket->cycle(), other->cycle());
    EXPECT_EQ(socket->pmu().state().counter, other->pmu().state().counter);
    EXPECT_EQ(socket->pmu().state().evtsel, other->pmu().state().evtsel);
    EXPECT_EQ(socket->pmu().state().global_ctrl, other->pmu().state().global_ctrl);
    EXPECT_EQ(socket->pmu().state().global_status, other->pmu().state().global_status);
    ASSERT_EQ(socket->pmis().size(), other->pmis().size());
    EXPECT_GT(socket->pmis().size(), 0u);
    for (size_t i = 0; i < socket->pmis().size(); ++i) EXPECT_EQ(socket->pmis()[i].cycle, other->pmis()[i].cycle);
}

}  // namespace

TEST_P(DirectAccess, EqualsTheSocketPath) { expect_equal_to_the_socket("lunarlake", 3, GetParam(), Path::Machine, 5); }

TEST_P(DirectAccess, ThePmuUnderAHoldEqualsTheSocketPath) {
    expect_equal_to_the_socket("sapphirerapids", 2, GetParam(), Path::HeldPmu, 9);
}

// The PMU is handed out only to a thread holding the platform, and not while a waveform of the
// machine is written (each access must then be sampled: Machine::access does it).
TEST(DirectPmu, OnlyUnderAHoldAndWithoutAWaveform) {
    auto m = make_machine("sapphirerapids");
    EXPECT_EQ(m->direct_pmu(), nullptr);
    {
        const PlatformHold hold;
        EXPECT_EQ(m->direct_pmu(), &m->pmu());
    }
    const std::string vcd = ::testing::TempDir() + "direct_pmu.vcd";
    m->trace(vcd);
    {
        const PlatformHold hold;
        EXPECT_EQ(m->direct_pmu(), nullptr);
    }
    m->end_trace();
    std::remove(vcd.c_str());
}
