// TLM-2.0 conventions for MSR and RDPMC accesses: one 8-byte transaction per access, address =
// MSR index (msr socket) or ECX (rdpmc socket). A #GP is a TLM_GENERIC_ERROR_RESPONSE; the
// initiator may attach a GpExtension to learn why, and an AccessContext to give the CPL.
#pragma once
#include <string>
#include <tlm>

namespace pmusim {

struct GpExtension : tlm::tlm_extension<GpExtension> {
    std::string reason;
    tlm::tlm_extension_base* clone() const override { return new GpExtension(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override { reason = static_cast<const GpExtension&>(o).reason; }
};

struct AccessContext : tlm::tlm_extension<AccessContext> {
    unsigned cpl = 0;
    tlm::tlm_extension_base* clone() const override { return new AccessContext(*this); }
    void copy_from(const tlm::tlm_extension_base& o) override { cpl = static_cast<const AccessContext&>(o).cpl; }
};

}  // namespace pmusim
