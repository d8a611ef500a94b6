// Typed C++ API over the TLM sockets: what a piece of software (perf, KVM, a test) uses to issue
// RDMSR/WRMSR/RDPMC. Accesses are plain b_transport calls and may be made from any SystemC
// process or between sc_start calls.
#pragma once
#include <stdexcept>
#include <string>
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/pmu/pmu.h"
#include "models/pmu/tlm_msr.h"

namespace pmusim {

// A modelled #GP, as the typed API reports it.
class GeneralProtection : public std::runtime_error {
public:
    GeneralProtection(AccessKind kind, uint32_t index, uint64_t value, const std::string& reason);
    AccessKind kind() const { return kind_; }
    uint32_t index() const { return index_; }  // MSR index or RDPMC ECX
    uint64_t value() const { return value_; }  // value written (WRMSR), else 0
    const std::string& reason() const { return reason_; }

private:
    AccessKind kind_;
    uint32_t index_;
    uint64_t value_;
    std::string reason_;
};

class MsrPort : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<MsrPort> msr_socket;
    tlm_utils::simple_initiator_socket<MsrPort> rdpmc_socket;

    explicit MsrPort(sc_core::sc_module_name name);

    // Non-throwing forms.
    AccessResult try_rdmsr(uint32_t msr, sc_core::sc_time delay = sc_core::SC_ZERO_TIME);
    AccessResult try_wrmsr(uint32_t msr, uint64_t v, sc_core::sc_time delay = sc_core::SC_ZERO_TIME);
    AccessResult try_rdpmc(uint32_t ecx, unsigned cpl = 0, sc_core::sc_time delay = sc_core::SC_ZERO_TIME);
    // Throwing forms: GeneralProtection on #GP.
    uint64_t rdmsr(uint32_t msr);
    void wrmsr(uint32_t msr, uint64_t v);
    uint64_t rdpmc(uint32_t ecx, unsigned cpl = 0);

private:
    // One transaction, reused by every access (no allocation per access); it owns its extensions.
    struct Transaction {
        Transaction();
        tlm::tlm_generic_payload payload;
        GpExtension* gp;
        AccessContext* ctx;
        unsigned char data[8] = {};
    };
    Transaction tx_;
    AccessResult transport(tlm_utils::simple_initiator_socket<MsrPort>& s, tlm::tlm_command cmd, uint64_t addr,
                           uint64_t v, unsigned cpl, sc_core::sc_time delay);
};

}  // namespace pmusim
