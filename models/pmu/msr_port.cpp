#include "models/pmu/msr_port.h"

#include <cstdio>
#include <cstring>

#include "models/pmu/tlm_msr.h"

namespace pmusim {

namespace {
std::string describe(AccessKind k, uint32_t index, uint64_t value, const std::string& reason) {
    char buf[96];
    if (k == AccessKind::Wrmsr)
        std::snprintf(buf, sizeof buf, "#GP on WRMSR 0x%x <- 0x%llx: ", index, static_cast<unsigned long long>(value));
    else
        std::snprintf(buf, sizeof buf, "#GP on %s 0x%x: ", access_kind_name(k), index);
    return buf + reason;
}
}  // namespace

GeneralProtection::GeneralProtection(AccessKind kind, uint32_t index, uint64_t value, const std::string& reason)
    : std::runtime_error(describe(kind, index, value, reason)), kind_(kind), index_(index), value_(value),
      reason_(reason) {}

MsrPort::MsrPort(sc_core::sc_module_name name) : sc_module(name), msr_socket("msr_socket"), rdpmc_socket("rdpmc_socket") {}

MsrPort::Transaction::Transaction() : gp(new GpExtension), ctx(new AccessContext) {
    payload.set_data_ptr(data);
    payload.set_data_length(8);
    payload.set_streaming_width(8);
    payload.set_byte_enable_ptr(nullptr);
    payload.set_dmi_allowed(false);
    payload.set_extension(gp);   // owned by the payload from here on
    payload.set_extension(ctx);
}

AccessResult MsrPort::transport(tlm_utils::simple_initiator_socket<MsrPort>& s, tlm::tlm_command cmd, uint64_t addr,
                                uint64_t v, unsigned cpl, sc_core::sc_time delay) {
    tlm::tlm_generic_payload& t = tx_.payload;
    tx_.gp->reason.clear();
    tx_.ctx->cpl = cpl;
    std::memcpy(tx_.data, &v, 8);
    t.set_command(cmd);
    t.set_address(addr);
    t.set_data_ptr(tx_.data);  // a target may have redirected these; set them again
    t.set_data_length(8);
    t.set_streaming_width(8);
    t.set_byte_enable_ptr(nullptr);
    t.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    s->b_transport(t, delay);
    if (t.get_response_status() != tlm::TLM_OK_RESPONSE)
        return AccessResult::gp(tx_.gp->reason.empty() ? t.get_response_string() : tx_.gp->reason);
    uint64_t out;
    std::memcpy(&out, tx_.data, 8);
    return AccessResult::value_of(cmd == tlm::TLM_READ_COMMAND ? out : 0);
}

AccessResult MsrPort::try_rdmsr(uint32_t msr, sc_core::sc_time d) {
    return transport(msr_socket, tlm::TLM_READ_COMMAND, msr, 0, 0, d);
}
AccessResult MsrPort::try_wrmsr(uint32_t msr, uint64_t v, sc_core::sc_time d) {
    return transport(msr_socket, tlm::TLM_WRITE_COMMAND, msr, v, 0, d);
}
AccessResult MsrPort::try_rdpmc(uint32_t ecx, unsigned cpl, sc_core::sc_time d) {
    return transport(rdpmc_socket, tlm::TLM_READ_COMMAND, ecx, 0, cpl, d);
}
uint64_t MsrPort::rdmsr(uint32_t msr) {
    const AccessResult r = try_rdmsr(msr);
    if (!r.ok) throw GeneralProtection(AccessKind::Rdmsr, msr, 0, r.reason);
    return r.value;
}
void MsrPort::wrmsr(uint32_t msr, uint64_t v) {
    const AccessResult r = try_wrmsr(msr, v);
    if (!r.ok) throw GeneralProtection(AccessKind::Wrmsr, msr, v, r.reason);
}
uint64_t MsrPort::rdpmc(uint32_t ecx, unsigned cpl) {
    const AccessResult r = try_rdpmc(ecx, cpl);
    if (!r.ok) throw GeneralProtection(AccessKind::Rdpmc, ecx, 0, r.reason);
    return r.value;
}

}  // namespace pmusim
