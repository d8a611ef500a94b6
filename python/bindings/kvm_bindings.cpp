// KVM's userspace interface to a vCPU's PMU from Python (docs/virtualization.md "Userspace
// interface"): a vCPU on a host preset, configured and inspected the way a VMM does it through
// KVM_SET_CPUID2, KVM_GET_MSRS / KVM_SET_MSRS and vCPU RESET, plus the guest's own accesses as
// KVM emulates them, for tests in the style of KVM's selftests.
#include <pybind11/stl.h>

#include "bindings.h"
#include "program_bindings.h"
#include "models/pmu/msr_port.h"
#include "models/virt/emulated_instr.h"
#include "models/virt/kvm_uapi.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

namespace {

// A standalone vCPU: KVM's vPMU for one guest on a host preset (its state in KVM's software copy),
// created with the CPUID and PERF_CAPABILITIES KVM supports.
struct PyVcpu {
    PyVcpu(const std::string& cpu, bool mediated, const Overrides& ov)
        : host(make_cpu_config(cpu, ov)), v(1, host, host_vpmu(host, mediated), mediated), api(v, host) {}
    CpuConfig host;
    KvmVpmu v;
    KvmVcpuUapi api;
    NoKvmHw hw;
};

uint32_t msr_of(const py::handle& h) { return msr_index(h, "msr"); }

py::dict cpuid_dict(const PmuCpuid& c) {
    py::dict d;
    d["version"] = c.version;
    d["num_gp"] = c.num_gp;
    d["gp_width"] = c.gp_width;
    d["mask_length"] = c.mask_length;
    d["ebx"] = c.ebx;
    d["num_fixed"] = c.num_fixed;
    d["fixed_width"] = c.fixed_width;
    d["fixed_bitmap"] = c.fixed_bitmap;
    d["pdcm"] = c.pdcm;
    return d;
}

PmuCpuid cpuid_with(PmuCpuid c, const py::kwargs& kw) {
    for (auto kv : kw) {
        const std::string k = py::str(kv.first);
        auto u = [&] { return kv.second.cast<unsigned>(); };
        if (k == "version") c.version = u();
        else if (k == "num_gp") c.num_gp = u();
        else if (k == "gp_width") c.gp_width = u();
        else if (k == "mask_length") c.mask_length = u();
        else if (k == "ebx") c.ebx = kv.second.cast<uint32_t>();
        else if (k == "num_fixed") c.num_fixed = u();
        else if (k == "fixed_width") c.fixed_width = u();
        else if (k == "fixed_bitmap") c.fixed_bitmap = kv.second.cast<uint32_t>();
        else if (k == "pdcm") c.pdcm = kv.second.cast<bool>();
        else
            throw std::invalid_argument("set_cpuid: unknown field '" + k +
                                        "' (fields: version, num_gp, gp_width, mask_length, ebx, num_fixed, fixed_width, "
                                        "fixed_bitmap, pdcm)");
    }
    return c;
}

[[noreturn]] void raise_kvm(const UapiStatus& s) {
    PyErr_SetObject(PyExc_OSError, py::make_tuple(-s.err, s.why).ptr());
    throw py::error_already_set();
}

uint64_t guest_access(PyVcpu& p, AccessKind k, uint32_t index, uint64_t value) {
    const KvmVpmu::Emulated e = p.v.emulate(k, index, value, p.hw);
    if (e.gp) throw GeneralProtection(k, index, value, "KVM injects #GP");
    return e.value;
}

}  // namespace

void init_kvm(py::module_& m) {
    py::class_<PyVcpu>(m, "KvmVcpu",
                       "One vCPU's PMU as KVM keeps it, driven through KVM's userspace interface.\n"
                       "KvmVcpu(cpu='sapphirerapids', mediated=True, overrides=None). KVM errors raise OSError\n"
                       "(errno, KVM's reason); guest accesses KVM refuses raise pmusim.GeneralProtection.")
        .def(py::init([](const std::string& cpu, bool mediated, std::optional<Overrides> ov) {
                 return std::make_unique<PyVcpu>(cpu, mediated, ov ? *ov : Overrides{});
             }),
             py::arg("cpu") = "sapphirerapids", py::arg("mediated") = true, py::arg("overrides") = py::none())
        .def_property_readonly("supported_cpuid", [](const PyVcpu& p) { return cpuid_dict(supported_pmu_cpuid(p.host)); },
                               "KVM_GET_SUPPORTED_CPUID leaf 0xA for this host")
        .def_property_readonly("supported_perf_capabilities",
                               [](const PyVcpu& p) { return supported_perf_capabilities(p.host, p.v.mediated); },
                               "the PERF_CAPABILITIES bits KVM lets userspace set for this vCPU")
        .def_property_readonly("cpuid", [](const PyVcpu& p) { return cpuid_dict(p.api.cpuid()); }, "CPUID as userspace set it")
        .def("set_cpuid", [](PyVcpu& p, const py::kwargs& kw) {
                 const UapiStatus s = p.api.set_cpuid(cpuid_with(p.api.cpuid(), kw));
                 if (!s.ok()) raise_kvm(s);
             }, "KVM_SET_CPUID2 on the PMU leaves: set_cpuid(num_gp=4, fixed_bitmap=0b101, pdcm=False, ...)")
        .def_property_readonly("vpmu", [](const PyVcpu& p) {
                 const VpmuConfig& c = p.v.config;
                 py::dict d;
                 d["version"] = c.version;
                 d["num_gp"] = c.num_gp;
                 py::list fixed;
                 for (unsigned i = 0; i < kMaxFixedCounters; ++i)
                     if (c.has_fixed(i)) fixed.append(i);
                 d["fixed"] = fixed;
                 d["fw_write"] = c.fw_write;
                 d["perf_metrics"] = c.perf_metrics;
                 d["perf_capabilities"] = p.v.cpu.perf_capabilities;
                 d["rdpmc_exiting"] = p.v.icpt.rdpmc_exiting;
                 d["global_regs_passthrough"] = p.v.icpt.global_regs_passthrough;
                 return d;
             }, "the vPMU KVM derived (intel_pmu_refresh) and its intercepts")
        .def("set_msrs", [](PyVcpu& p, const py::dict& entries) {
                 std::vector<std::pair<uint32_t, uint64_t>> e;
                 for (auto kv : entries) e.push_back({msr_of(kv.first), kv.second.cast<uint64_t>()});
                 return p.api.set_msrs(e, p.hw);
             }, py::arg("entries"), "KVM_SET_MSRS: {msr: value} in order; returns how many were set (it stops at a failure)")
        .def("get_msrs", [](PyVcpu& p, const std::vector<py::object>& msrs) {
                 std::vector<uint32_t> idx;
                 for (auto& x : msrs) idx.push_back(msr_of(x));
                 std::vector<uint64_t> out;
                 const size_t n = p.api.get_msrs(idx, out, p.hw);
                 py::dict d;
                 for (size_t i = 0; i < n; ++i) d[msrs[i]] = out[i];
                 return d;
             }, py::arg("msrs"), "KVM_GET_MSRS: {msr: value} for the entries read (it stops at a failure)")
        .def("msrs_to_save", [](const PyVcpu& p) { return msrs_to_save(p.host, p.v.mediated); },
             "the PMU MSRs a VMM saves and restores, as KVM probes them for this host")
        .def("reset", [](PyVcpu& p) { p.api.reset(); }, "vCPU RESET (kvm_pmu_reset)")
        .def("run", [](PyVcpu& p) { p.api.run(); }, "mark KVM_RUN as done: CPUID and PERF_CAPABILITIES become immutable")
        .def("guest_rdmsr", [](PyVcpu& p, py::object msr) { return guest_access(p, AccessKind::Rdmsr, msr_of(msr), 0); },
             py::arg("msr"), "the guest's RDMSR as KVM emulates it")
        .def("guest_wrmsr", [](PyVcpu& p, py::object msr, uint64_t v) { guest_access(p, AccessKind::Wrmsr, msr_of(msr), v); },
             py::arg("msr"), py::arg("value"), "the guest's WRMSR as KVM emulates it")
        .def("guest_rdpmc", [](PyVcpu& p, uint32_t ecx) { return guest_access(p, AccessKind::Rdpmc, ecx, 0); },
             py::arg("ecx"), "the guest's RDPMC as KVM emulates it")
        .def("intercepted", [](const PyVcpu& p, py::object msr) { return p.v.icpt.intercepted(msr_of(msr)); },
             py::arg("msr"), "whether the guest's RDMSR/WRMSR of this MSR exits to KVM")
        .def("emulate_instruction",
             [](PyVcpu& p, const std::string& name, unsigned cpl) {
                 const EmulatedInstr& in = emulated_instructions().at(emulated_instruction_index(name));
                 return p.v.retire_emulated(in.branch, cpl, p.hw);
             },
             py::arg("name"), py::arg("cpl") = 0,
             "KVM counts an instruction it emulated (kvm_pmu_instruction_retired, and kvm_pmu_branch_retired for "
             "a branch) on the vCPU's counters; returns whether an overflow requests a PMI (KVM_REQ_PMI)")
        .def_property_readonly("fastpath_allowed", [](const PyVcpu& p) { return p.v.fastpath_emulation_allowed(); },
                               "kvm_pmu_is_fastpath_emulation_allowed: False while the mediated vPMU counts "
                               "instructions on a counter enabled in GLOBAL_CTRL");
}

}  // namespace pmusim::py_bindings
