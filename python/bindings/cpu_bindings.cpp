// CPU presets, CPUID images and the register table.
#include <pybind11/stl.h>

#include "bindings.h"
#include "models/cpu/cpu_config.h"
#include "models/pmu/pmu.h"
#include "models/pmu/register_table.h"
#include "sim/info.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

Overrides overrides_from_kwargs(const py::kwargs& kw);

py::dict cpu_dict(const CpuConfig& c) {
    py::dict d;
    d["preset"] = c.preset;
    d["version"] = c.version;
    d["num_gp"] = c.num_gp;
    d["gp_width"] = c.gp_width;
    d["ebx_length"] = c.ebx_length;
    d["num_fixed"] = c.num_fixed;
    d["fixed_bitmap"] = c.fixed_bitmap;
    d["fixed_width"] = c.fixed_width;
    d["anythread_deprecated"] = c.anythread_deprecated;
    d["pdcm"] = c.pdcm;
    d["perf_capabilities"] = c.perf_capabilities;
    d["fw_write"] = c.fw_write();
    d["perf_metrics"] = c.perf_metrics();
    d["metrics_clear"] = c.metrics_clear();
    d["l2_metrics"] = c.l2_metrics;
    d["slots_per_cycle"] = c.slots_per_cycle;
    d["topdown_events"] = c.topdown_events;
    d["fixed_counters"] = [&] {
        py::list l;
        for (unsigned i = 0; i < kMaxFixedCounters; ++i)
            if (c.has_fixed(i)) l.append(i);
        return l;
    }();
    d["cpuid_0a"] = py::make_tuple(c.cpuid_eax(), c.cpuid_ebx(), c.cpuid_ecx(), c.cpuid_edx());
    d["umask2"] = c.has_umask2();
    d["evtsel_eq"] = c.has_evtsel_eq();
    py::list leaf23;  // CPUID.23H sub-leaves 0 and 1 as (EAX, EBX, ECX, EDX); zeros below v6
    for (unsigned s = 0; s < 2; ++s) {
        const auto r = c.cpuid_leaf23(s);
        leaf23.append(py::make_tuple(r.eax, r.ebx, r.ecx, r.edx));
    }
    d["cpuid_23"] = leaf23;
    return d;
}

void init_cpu(py::module_& m) {
    m.def("presets", &preset_names, "Names of the built-in CPU presets.");
    m.def(
        "cpu_config", [](const std::string& cpu, const py::kwargs& kw) { return cpu_dict(make_cpu_config(cpu, overrides_from_kwargs(kw))); },
        py::arg("cpu") = "sapphirerapids",
        "The CPUID leaf 0xA / PERF_CAPABILITIES view of a preset with overrides, as a dict. "
        "Invalid presets or overrides raise ValueError naming the field.");
    m.def(
        "cpu_info", [](const std::string& cpu, const py::kwargs& kw) { return cpu_info_text(make_cpu_config(cpu, overrides_from_kwargs(kw))); },
        py::arg("cpu") = "sapphirerapids", "Human-readable CPUID, PERF_CAPABILITIES and register map (as `pmusim info`).");
    m.def(
        "registers",
        [](const std::string& cpu, const py::kwargs& kw) {
            py::list out;
            const RegisterTable table(make_cpu_config(cpu, overrides_from_kwargs(kw)));
            for (auto& r : table.all()) {
                py::dict d;
                d["name"] = r.name;
                d["address"] = r.address;
                d["reset"] = r.reset;
                d["reserved"] = r.reserved;
                d["access"] = access_name(r.access);
                d["source"] = r.source;
                out.append(d);
            }
            return out;
        },
        py::arg("cpu") = "sapphirerapids", "The register table of a preset: name, address, reset, reserved mask, access.");
    m.def("override_fields", [] {
        py::dict d;
        for (auto& [k, v] : cpu_override_fields()) d[py::str(k)] = v;
        for (auto& [k, v] : semantics_fields()) d[py::str(k)] = v;
        return d;
    }, "Every keyword Machine() accepts as an override, with its meaning.");

    py::module_ msr = m.def_submodule("msr", "MSR addresses (SDM Vol.4 Table 2-2).");
    msr.attr("IA32_PMC0") = msr::kPmc0;
    msr.attr("IA32_PERFEVTSEL0") = msr::kPerfEvtSel0;
    msr.attr("IA32_DEBUGCTL") = msr::kDebugCtl;
    msr.attr("IA32_FIXED_CTR0") = msr::kFixedCtr0;
    msr.attr("IA32_FIXED_CTR1") = msr::kFixedCtr0 + 1;
    msr.attr("IA32_FIXED_CTR2") = msr::kFixedCtr0 + 2;
    msr.attr("IA32_FIXED_CTR3") = msr::kFixedCtr0 + 3;
    msr.attr("IA32_PERF_METRICS") = msr::kPerfMetrics;
    msr.attr("IA32_PERF_CAPABILITIES") = msr::kPerfCapabilities;
    msr.attr("IA32_FIXED_CTR_CTRL") = msr::kFixedCtrCtrl;
    msr.attr("IA32_PERF_GLOBAL_STATUS") = msr::kGlobalStatus;
    msr.attr("IA32_PERF_GLOBAL_CTRL") = msr::kGlobalCtrl;
    msr.attr("IA32_PERF_GLOBAL_STATUS_RESET") = msr::kGlobalStatusReset;
    msr.attr("IA32_PERF_GLOBAL_STATUS_SET") = msr::kGlobalStatusSet;
    msr.attr("IA32_PERF_GLOBAL_INUSE") = msr::kGlobalInuse;
    msr.attr("IA32_A_PMC0") = msr::kAPmc0;
}

}  // namespace pmusim::py_bindings
