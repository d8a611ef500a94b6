// pmusim.Machine: one CPU with its PMU and workload on the process's SystemC platform.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cstring>

#include "bindings.h"
#include "models/pmu/msr_port.h"
#include "sim/machine.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

py::dict cpu_dict(const CpuConfig& c);

Overrides overrides_from_kwargs(const py::kwargs& kw) {
    Overrides ov;
    for (auto& [k, v] : kw) {
        const std::string key = py::str(k);
        if (py::isinstance<py::bool_>(v)) {
            ov[key] = v.cast<bool>() ? 1 : 0;
        } else if (py::isinstance<py::int_>(v)) {
            if (v.cast<py::int_>() < py::int_(0)) throw ConfigError(key, "must not be negative");
            try {
                ov[key] = v.cast<uint64_t>();
            } catch (const py::cast_error&) {
                throw ConfigError(key, "does not fit in 64 bits");
            }
        } else {
            throw ConfigError(key, "must be an int or bool, got " + std::string(py::str(py::type::of(v).attr("__name__"))));
        }
    }
    return ov;
}

namespace {
TimeMode parse_mode(const std::string& s) {
    if (s == "fast") return TimeMode::Fast;
    if (s == "per-cycle" || s == "per_cycle") return TimeMode::PerCycle;
    throw ConfigError("mode", "must be 'fast' or 'per-cycle', got '" + s + "'");
}
}  // namespace

void init_machine(py::module_& m) {
    PYBIND11_NUMPY_DTYPE(PmiRecord, cycle, sources, status);
    py::class_<RunResult>(m, "RunResult", "What Machine.run did.")
        .def_readonly("cycles", &RunResult::cycles, "cycles actually run")
        .def_readonly("stopped_on_pmi", &RunResult::stopped_on_pmi, "the run ended early on a PMI")
        .def("__repr__", [](const RunResult& r) {
            return "RunResult(cycles=" + std::to_string(r.cycles) + ", stopped_on_pmi=" + (r.stopped_on_pmi ? "True" : "False") + ")";
        });

    py::class_<Machine>(m, "Machine", py::dynamic_attr(),
                        "Machine(cpu='sapphirerapids', mode='fast', quantum=1000000, **overrides)\n\n"
                        "One logical processor of a CPU preset with its PMU. Overrides are CPUID/capability fields "
                        "(num_gp=4, gp_width=32, fw_write=False, ...) and semantics switches (pmi_skid=..., ...); "
                        "see pmusim.override_fields(). Invalid values raise ValueError naming the field. All "
                        "Machines of a process share one elaborated SystemC platform.")
        .def(py::init([](const std::string& cpu, const std::string& mode, uint64_t quantum, const py::kwargs& kw) {
                 MachineOptions o;
                 o.cpu = cpu;
                 o.mode = parse_mode(mode);
                 o.quantum = quantum;
                 o.overrides = overrides_from_kwargs(kw);
                 return std::make_unique<Machine>(o);
             }),
             py::arg("cpu") = "sapphirerapids", py::arg("mode") = "fast", py::arg("quantum") = 1'000'000)
        .def("rdmsr", &Machine::rdmsr, py::arg("msr"), "RDMSR; raises pmusim.GeneralProtection on #GP.")
        .def("wrmsr", &Machine::wrmsr, py::arg("msr"), py::arg("value"), "WRMSR; raises pmusim.GeneralProtection on #GP.")
        .def("rdpmc", &Machine::rdpmc, py::arg("ecx"), py::arg("cpl") = 0,
             "RDPMC with ECX (type in bits 31:16: 0 GP, 1<<30 fixed, 1<<29 metrics); #GP raises GeneralProtection.")
        .def("run", &Machine::run, py::arg("cycles"), py::arg("stop_on_pmi") = false,
             py::call_guard<py::gil_scoped_release>(),
             "Run `cycles` core cycles (the GIL is released). With stop_on_pmi the run ends at the cycle after "
             "the first PMI. Returns a RunResult.")
        .def_property_readonly("cycle", &Machine::cycle, "cycles run so far")
        .def_property(
            "mode", [](const Machine& self) { return self.mode() == TimeMode::Fast ? "fast" : "per-cycle"; },
            [](Machine& self, const std::string& s) { self.set_mode(parse_mode(s)); },
            "'fast' (quanta, arithmetic overflow) or 'per-cycle' (one SystemC step per cycle); results are identical")
        .def_property("quantum", &Machine::quantum, &Machine::set_quantum, "cycles per SystemC wake-up in fast mode")
        .def_property(
            "workload",
            [](py::object self) -> py::object {
                return py::hasattr(self, "_workload") ? self.attr("_workload") : py::none().cast<py::object>();
            },
            [](py::object self, std::shared_ptr<Workload> w) {
                if (!w) throw std::invalid_argument("workload: must be a pmusim workload, not None");
                self.cast<Machine&>().set_workload(w->clone());
                self.attr("_workload") = w;
            },
            "the running workload (default: pmusim.workloads.steady())")
        .def_property_readonly("cpu", [](const Machine& self) { return cpu_dict(self.cpu()); }, "CPU configuration as a dict")
        .def_property_readonly(
            "pmis",
            [](const Machine& self) {
                const auto& v = self.pmis();
                py::array_t<PmiRecord> a(static_cast<py::ssize_t>(v.size()));
                if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(PmiRecord));
                return a;
            },
            "every PMI raised so far, as a NumPy structured array (cycle, sources, status); a snapshot")
        .def_property_readonly("pmi_count", [](const Machine& self) { return self.pmis().size(); }, "number of PMIs raised so far")
        .def("state",
             [](const Machine& self) {
                 const PmuState& s = self.pmu().state();
                 py::dict d;
                 d["counters"] = std::vector<uint64_t>(s.counter.begin(), s.counter.end());
                 d["evtsel"] = std::vector<uint64_t>(s.evtsel.begin(), s.evtsel.end());
                 d["fixed_ctr_ctrl"] = s.fixed_ctr_ctrl;
                 d["global_ctrl"] = s.global_ctrl;
                 d["global_status"] = s.global_status;
                 d["debugctl"] = s.debugctl;
                 d["perf_metrics"] = self.pmu().perf_metrics_value();
                 d["cycle"] = s.cycle;
                 return d;
             },
             "architectural register state without going through MSR accesses (counters: 8 GP then 4 fixed)")
        .def("trace", &Machine::trace, py::arg("path"), py::arg("signals") = std::vector<std::string>{},
             py::arg("sample") = 0,
             "Write a waveform (VCD, 1 ns = 1 cycle) of this PMU to `path`: written after every access and run, and "
             "every `sample` cycles inside runs. `signals`: names or prefixes ending in '*' (default: all). "
             "end_trace() closes the file. See docs/waveforms.md.")
        .def("end_trace", &Machine::end_trace, "Close the waveform file.")
        .def("reset", &Machine::reset, "power-on reset of every PMU register (the cycle count and PMI log stay)");
}

}  // namespace pmusim::py_bindings
