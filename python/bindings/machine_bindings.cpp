// pmusim.Machine: one CPU with its PMU and workload on the process's SystemC platform.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cctype>
#include <cstring>
#include <mutex>
#include <vector>

#include "bindings.h"
#include "models/pmu/msr_port.h"
#include "sim/machine.h"
#include "sim/platform.h"

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

// Machine.access_batch: many accesses per Python call. The whole batch is validated before the
// first access runs, so malformed input changes nothing.
struct BatchAccess {
    AccessKind kind;
    uint32_t index;
    uint64_t value;
    unsigned cpl;
};

py::int_ as_index(py::handle h) {
    PyObject* v = PyNumber_Index(h.ptr());
    if (!v) throw py::error_already_set();
    return py::reinterpret_steal<py::int_>(v);
}

std::string element(const char* name, size_t i) { return std::string("access_batch: ") + name + "[" + std::to_string(i) + "]"; }

py::array one_dimensional(py::handle h, const char* name) {
    py::array a = py::reinterpret_borrow<py::array>(h);
    if (a.ndim() != 1) throw py::value_error(std::string("access_batch: ") + name + " must be one-dimensional");
    return a;
}

// A NumPy integer array's elements as uint64, without a Python object per element.
std::vector<uint64_t> array_elements(const py::array& a, const char* name) {
    std::vector<uint64_t> out(static_cast<size_t>(a.size()));
    const char kind = a.dtype().kind();
    if (out.empty()) return out;
    if (kind == 'u') {
        const auto u = py::array_t<uint64_t, py::array::forcecast>::ensure(a);
        std::memcpy(out.data(), u.data(), out.size() * sizeof(uint64_t));
    } else if (kind == 'i') {
        const auto s = py::array_t<int64_t, py::array::forcecast>::ensure(a);
        for (size_t i = 0; i < out.size(); ++i) {
            const int64_t v = s.data()[i];
            if (v < 0) throw py::value_error(element(name, i) + " = " + std::to_string(v) + " is negative");
            out[i] = static_cast<uint64_t>(v);
        }
    } else {
        throw py::type_error(std::string("access_batch: ") + name + " must be unsigned integers of at most 64 bits, got dtype " +
                             std::string(py::str(a.dtype())));
    }
    return out;
}

// A NumPy integer array or a sequence of ints, each in 0..max.
std::vector<uint64_t> unsigned_elements(py::handle h, const char* name, uint64_t max) {
    std::vector<uint64_t> out;
    if (py::isinstance<py::array>(h)) {
        out = array_elements(one_dimensional(h, name), name);
    } else {
        if (!py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h))
            throw py::type_error(std::string("access_batch: ") + name + " must be a NumPy array or a sequence of ints");
        for (py::handle e : h) {
            const size_t i = out.size();
            if (py::isinstance<py::bool_>(e) || !PyIndex_Check(e.ptr()))
                throw py::type_error(element(name, i) + " = " + std::string(py::repr(e)) + " is not an integer");
            const py::int_ v = as_index(e);
            if (v < py::int_(0)) throw py::value_error(element(name, i) + " = " + std::string(py::repr(v)) + " is negative");
            if (v > py::int_(max))
                throw py::value_error(element(name, i) + " = " + std::string(py::repr(v)) + " is out of range (at most " +
                                      std::to_string(max) + ")");
            out.push_back(v.cast<uint64_t>());
        }
    }
    for (size_t i = 0; i < out.size(); ++i)
        if (out[i] > max)
            throw py::value_error(element(name, i) + " = " + std::to_string(out[i]) + " is out of range (at most " +
                                  std::to_string(max) + ")");
    return out;
}

[[noreturn]] void not_an_access(size_t i, const std::string& shown) {
    throw py::value_error(element("ops", i) + " = " + shown + " is not an access ('rdmsr', 'wrmsr', 'rdpmc' or 0, 1, 2)");
}

AccessKind op_code(uint64_t code, size_t i) {
    if (code > 2) not_an_access(i, std::to_string(code));
    return static_cast<AccessKind>(code);
}

// ops: integer codes (Machine.RDMSR, WRMSR, RDPMC) or the names 'rdmsr', 'wrmsr', 'rdpmc'.
std::vector<AccessKind> op_elements(py::handle h) {
    std::vector<AccessKind> out;
    if (py::isinstance<py::array>(h)) {
        const py::array a = one_dimensional(h, "ops");
        const char kind = a.dtype().kind();
        if (a.size() == 0 || kind == 'u' || kind == 'i') {
            for (uint64_t code : array_elements(a, "ops")) out.push_back(op_code(code, out.size()));
            return out;
        }
        return op_elements(a.attr("tolist")());  // names: one Python object each anyway
    }
    if (!py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h))
        throw py::type_error("access_batch: ops must be a NumPy array or a sequence of op codes or names");
    for (py::handle e : h) {
        if (!py::isinstance<py::bool_>(e) && PyIndex_Check(e.ptr())) {
            const py::int_ v = as_index(e);
            if (v < py::int_(0) || v > py::int_(2)) not_an_access(out.size(), py::repr(v));
            out.push_back(static_cast<AccessKind>(v.cast<int>()));
            continue;
        }
        std::string name = py::isinstance<py::str>(e) || py::isinstance<py::bytes>(e) ? e.cast<std::string>() : "";
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (name == "rdmsr") out.push_back(AccessKind::Rdmsr);
        else if (name == "wrmsr") out.push_back(AccessKind::Wrmsr);
        else if (name == "rdpmc") out.push_back(AccessKind::Rdpmc);
        else not_an_access(out.size(), py::repr(e));
    }
    return out;
}

std::vector<BatchAccess> parse_batch(py::handle ops, py::handle indices, py::handle values, py::handle cpl) {
    const std::vector<AccessKind> kinds = op_elements(ops);
    const size_t n = kinds.size();
    auto same_length = [n](std::vector<uint64_t> v, const char* name) {
        if (v.size() != n)
            throw py::value_error(std::string("access_batch: ") + name + " has " + std::to_string(v.size()) +
                                  " elements, ops has " + std::to_string(n));
        return v;
    };
    const auto index = same_length(unsigned_elements(indices, "indices", 0xffffffffu), "indices");
    const auto value = values.is_none() ? std::vector<uint64_t>(n) : same_length(unsigned_elements(values, "values", ~uint64_t{0}), "values");
    std::vector<uint64_t> ring;
    if (PyIndex_Check(cpl.ptr()) && !py::isinstance<py::array>(cpl)) {
        const py::int_ v = as_index(cpl);
        if (v < py::int_(0) || v > py::int_(3))
            throw py::value_error("access_batch: cpl = " + std::string(py::repr(v)) + " is out of range (0..3)");
        ring.assign(n, v.cast<uint64_t>());
    } else {
        ring = same_length(unsigned_elements(cpl, "cpl", 3), "cpl");
    }
    std::vector<BatchAccess> out(n);
    for (size_t i = 0; i < n; ++i)
        out[i] = {kinds[i], static_cast<uint32_t>(index[i]), value[i], static_cast<unsigned>(ring[i])};
    return out;
}

py::tuple access_batch(Machine& m, py::handle ops, py::handle indices, py::handle values, py::handle cpl) {
    const std::vector<BatchAccess> batch = parse_batch(ops, indices, values, cpl);
    const auto n = static_cast<py::ssize_t>(batch.size());
    py::array_t<uint64_t> result(n);
    py::array_t<bool> gp(n);
    uint64_t* r = result.mutable_data();
    bool* g = gp.mutable_data();
    {
        // Like run: no Python object is touched inside, so other threads may run Python meanwhile;
        // the platform lock is held for the whole batch (docs/python.md "Threads").
        const py::gil_scoped_release nogil;
        const std::lock_guard<std::recursive_mutex> lock(Platform::mutex());
        for (py::ssize_t i = 0; i < n; ++i) {
            const BatchAccess& a = batch[static_cast<size_t>(i)];
            const AccessResult res = a.kind == AccessKind::Rdmsr   ? m.try_rdmsr(a.index)
                                     : a.kind == AccessKind::Wrmsr ? m.try_wrmsr(a.index, a.value)
                                                                   : m.try_rdpmc(a.index, a.cpl);
            r[i] = res.ok ? res.value : 0;
            g[i] = !res.ok;
        }
    }
    return py::make_tuple(result, gp);
}
}  // namespace

// Registered on first use, not at import: registering imports NumPy, which `import pmusim` avoids
// (docs/performance.md "Python"). Called with the GIL held; registering twice is harmless.
static void register_pmi_dtype() {
    static bool registered = false;
    if (registered) return;
    PYBIND11_NUMPY_DTYPE(PmiRecord, cycle, sources, status);
    registered = true;
}

void init_machine(py::module_& m) {
    py::class_<RunResult>(m, "RunResult", "What Machine.run did.")
        .def_readonly("cycles", &RunResult::cycles, "cycles actually run")
        .def_readonly("stopped_on_pmi", &RunResult::stopped_on_pmi, "the run ended early on a PMI")
        .def("__repr__", [](const RunResult& r) {
            return "RunResult(cycles=" + std::to_string(r.cycles) + ", stopped_on_pmi=" + (r.stopped_on_pmi ? "True" : "False") + ")";
        });

    py::class_<Machine> machine(m, "Machine", py::dynamic_attr(),
                        "Machine(cpu='sapphirerapids', mode='fast', quantum=1000000, **overrides)\n\n"
                        "One logical processor of a CPU preset with its PMU. Overrides are CPUID/capability fields "
                        "(num_gp=4, gp_width=32, fw_write=False, ...) and semantics switches (pmi_skid=..., ...); "
                        "see pmusim.override_fields(). Invalid values raise ValueError naming the field. All "
                        "Machines of a process share one elaborated SystemC platform.");
    machine.def(py::init([](const std::string& cpu, const std::string& mode, uint64_t quantum, const py::kwargs& kw) {
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
        .def("access_batch", &access_batch, py::arg("ops"), py::arg("indices"), py::arg("values") = py::none(),
             py::arg("cpl") = 0,
             "access_batch(ops, indices, values=None, cpl=0) -> (results, gp)\n\n"
             "Many RDMSR/WRMSR/RDPMC in one call, in order. ops: Machine.RDMSR/WRMSR/RDPMC codes or the names "
             "'rdmsr'/'wrmsr'/'rdpmc'; indices: MSR or RDPMC ECX; values: what WRMSR writes (default 0); cpl: "
             "RDPMC's privilege level, one for all or one per access. Returns two NumPy arrays: results "
             "(uint64: the value read, 0 for writes and #GPs) and gp (bool: the access #GPs; the batch goes on). "
             "Each access does exactly what the single call does. Malformed input raises ValueError/TypeError "
             "before any access runs. The GIL is released.")
        .def("_noop_access", [](Machine&, uint32_t, uint64_t value) { return value; }, py::arg("msr"), py::arg("value"),
             "Returns `value` and does nothing: the cost of a bare pybind11 method call, for the benchmark.")
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
                register_pmi_dtype();
                const auto& v = self.pmis();
                py::array_t<PmiRecord> a(static_cast<py::ssize_t>(v.size()));
                if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(PmiRecord));
                return a;
            },
            "every PMI raised so far, as a NumPy structured array (cycle, sources, status); a snapshot")
        .def_property_readonly("pmi_count", [](const Machine& self) { return self.pmis().size(); }, "number of PMIs raised so far")
        .def("state",
             [](const Machine& self) {
                 // A copy under the platform lock (reading settles a per-cycle block: a write),
                 // taken without the GIL like every other turn (docs/python.md "Threads").
                 PmuState s;
                 uint64_t perf_metrics = 0;
                 {
                     const py::gil_scoped_release nogil;
                     const std::lock_guard<std::recursive_mutex> lock(Platform::mutex());
                     s = self.pmu().state();
                     perf_metrics = self.pmu().perf_metrics_value();
                 }
                 py::dict d;
                 d["counters"] = std::vector<uint64_t>(s.counter.begin(), s.counter.end());
                 d["evtsel"] = std::vector<uint64_t>(s.evtsel.begin(), s.evtsel.end());
                 d["fixed_ctr_ctrl"] = s.fixed_ctr_ctrl;
                 d["global_ctrl"] = s.global_ctrl;
                 d["global_status"] = s.global_status;
                 d["debugctl"] = s.debugctl;
                 d["perf_metrics"] = perf_metrics;
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
    // access_batch op codes
    machine.attr("RDMSR") = static_cast<int>(AccessKind::Rdmsr);
    machine.attr("WRMSR") = static_cast<int>(AccessKind::Wrmsr);
    machine.attr("RDPMC") = static_cast<int>(AccessKind::Rdpmc);
}

}  // namespace pmusim::py_bindings
