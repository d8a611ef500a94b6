// The TLM-2.0 face of the PMU: raw generic payloads on the platform's sockets (address = MSR index
// or ECX, 8 data bytes, #GP = TLM_GENERIC_ERROR_RESPONSE), and accesses whose annotated delay puts
// them in the future see the PMU advanced to that cycle (loosely-timed, docs/architecture.md).
#include <cstring>

#include "models/pmu/tlm_msr.h"
#include "pmu_test_util.h"
#include "sim/platform.h"

using namespace pmusim;
using namespace pmusim::test;

namespace {
tlm::tlm_response_status raw(tlm_utils::simple_initiator_socket<MsrPort>& s, tlm::tlm_command cmd, uint64_t addr,
                             uint64_t& data, sc_core::sc_time delay = sc_core::SC_ZERO_TIME, GpExtension* gp = nullptr) {
    tlm::tlm_generic_payload t;
    unsigned char buf[8];
    std::memcpy(buf, &data, 8);
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(buf);
    t.set_data_length(8);
    t.set_streaming_width(8);
    if (gp) t.set_extension(gp);
    s->b_transport(t, delay);
    if (gp) t.clear_extension(gp);
    std::memcpy(&data, buf, 8);
    return t.get_response_status();
}
}  // namespace

TEST(Tlm, MsrTransactionsCarryValuesAndGpIsAnErrorResponse) {
    auto m = make_machine("sapphirerapids");
    m->rdmsr(msr::kGlobalCtrl);  // attach this machine to the platform
    Platform& p = Platform::get();
    uint64_t v = 0x1234;
    EXPECT_EQ(raw(p.cpu.msr_socket, tlm::TLM_WRITE_COMMAND, msr::kAPmc0 + 5, v), tlm::TLM_OK_RESPONSE);
    v = 0;
    EXPECT_EQ(raw(p.cpu.msr_socket, tlm::TLM_READ_COMMAND, msr::kPmc0 + 5, v), tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 0x1234u);
    GpExtension gp;
    v = 0;
    EXPECT_EQ(raw(p.cpu.msr_socket, tlm::TLM_WRITE_COMMAND, msr::kGlobalStatus, v, sc_core::SC_ZERO_TIME, &gp),
              tlm::TLM_GENERIC_ERROR_RESPONSE);
    EXPECT_NE(gp.reason.find("read-only"), std::string::npos);
    v = 0;
    EXPECT_EQ(raw(p.cpu.rdpmc_socket, tlm::TLM_READ_COMMAND, RDPMC_FIXED | 7, v), tlm::TLM_GENERIC_ERROR_RESPONSE);
}

TEST(Tlm, AnnotatedDelayAdvancesThePmuToTheAccessCycle) {
    auto m = make_machine("sapphirerapids");
    m->wrmsr(msr::kPerfEvtSel0, sel::CYCLES | sel::USR | sel::OS | sel::EN);
    EXPECT_EQ(m->cycle(), 0u);
    Platform& p = Platform::get();
    uint64_t v = 0;
    EXPECT_EQ(raw(p.cpu.rdpmc_socket, tlm::TLM_READ_COMMAND, 0, v, Platform::cycle_period() * 250.0),
              tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(v, 250u);
    EXPECT_EQ(m->cycle(), 250u);
}

TEST(Tlm, CoreEventSourceAnswersForTheAttachedWorkload) {
    SteadyParams wl;
    wl.instructions = 2.5;
    wl.kernel_share = 0.5;
    wl.period = 10;
    auto m = make_machine("sapphirerapids", {}, TimeMode::Fast, wl);
    m->rdmsr(msr::kGlobalCtrl);
    event_source_if& core = Platform::get().core;
    EXPECT_EQ(core.workload(), &m->pmu().workload());
    EXPECT_EQ(core.events(0)[idx(Event::Instructions)], 2u);
    EXPECT_EQ(core.events(1)[idx(Event::Instructions)], 3u);
    EXPECT_EQ(core.events(1)[idx(Event::Slots)], 6u);
    EXPECT_EQ(core.cpl(4), 0u);
    EXPECT_EQ(core.cpl(5), 3u);
    EXPECT_FALSE(core.halted(5));
}
