// The pmusim._pmusim extension module.
#include <pybind11/pybind11.h>

#include <cstring>
#include <stdexcept>
#include <systemc>

#include "bindings.h"
#include "models/core/phased_workload.h"
#include "models/pmu/msr_port.h"
#include "sim/input_limits.h"
#include "sim/virt/host_reader.h"
#include "sim/version.h"

namespace py = pybind11;

// libsystemc.so refers to sc_main; the extension never starts SystemC through it.
// Exported: pybind11 builds with hidden visibility, and libsystemc resolves sc_main against us.
__attribute__((visibility("default"))) int sc_main(int, char**) { return 1; }

PYBIND11_MODULE(_pmusim, m) {
    m.doc() = "pmusim: cycle-approximate Intel architectural PMU simulator (C++ core)";
    m.attr("__version__") = pmusim::version();  // the same as `pmusim --version`
    // pmusim.GeneralProtection carries the access kind, the MSR index or RDPMC ECX, the value
    // written and the reason, as attributes.
    static py::exception<pmusim::GeneralProtection> gp(m, "GeneralProtection", PyExc_Exception);
    gp.doc() = "A modelled #GP: attributes kind ('RDMSR'/'WRMSR'/'RDPMC'), index (MSR or ECX), value, reason.";
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const pmusim::GeneralProtection& e) {
            py::object inst = py::handle(gp.ptr())(e.what());
            inst.attr("kind") = pmusim::access_kind_name(e.kind());
            inst.attr("index") = e.index();
            inst.attr("value") = e.value();
            inst.attr("reason") = e.reason();
            PyErr_SetObject(gp.ptr(), inst.ptr());
        }
    });
    // Registered last, so tried first: a message is decoded with bad bytes shown as \xNN, so a
    // stray byte from a file never empties a ValueError (PyErr_SetString would lose the text).
    py::register_exception_translator([](std::exception_ptr p) {
        auto set = [](PyObject* type, const char* what) {
            PyObject* msg = PyUnicode_DecodeUTF8(what, Py_ssize_t(std::strlen(what)), "backslashreplace");
            if (!msg) return false;
            PyErr_SetObject(type, msg);
            Py_DECREF(msg);
            return true;
        };
        try {
            if (p) std::rethrow_exception(p);
        } catch (const pmusim::GeneralProtection&) {
            throw;
        } catch (const std::invalid_argument& e) {
            if (!set(PyExc_ValueError, e.what())) throw;
        } catch (const std::out_of_range& e) {
            if (!set(PyExc_IndexError, e.what())) throw;
        }
    });
    // The input limits (docs/user-guide.md "Limits"), and the check every file read goes through.
    py::dict limits;
    limits["input_file_bytes"] = pmusim::kMaxInputFileBytes;
    limits["vcd_file_bytes"] = pmusim::kMaxVcdFileBytes;
    limits["schedule_steps"] = pmusim::kMaxScheduleSteps;
    limits["segments"] = pmusim::kMaxSegments;
    limits["varied_chunks"] = pmusim::kMaxVariedChunks;
    limits["run_cycles"] = pmusim::kMaxRunCycles;
    limits["cost_cycles"] = pmusim::kMaxCostCycles;
    limits["intervals_kept"] = pmusim::kMaxKeptIntervals;
    limits["intervals_streamed"] = pmusim::kMaxIntervals;
    limits["host_cpus"] = pmusim::kMaxHostCpus;
    limits["guests_one_cpu"] = 30;
    limits["guests_several_cpus"] = pmusim::kMaxHostGuests;
    m.attr("limits") = limits;
    m.def("check_input_file", &pmusim::check_input_file, py::arg("path"), py::arg("what"),
          py::arg("max_bytes") = pmusim::kMaxInputFileBytes,
          "Raises ValueError unless `path` is a regular file of at most max_bytes.");
    pmusim::py_bindings::init_cpu(m);
    pmusim::py_bindings::init_workloads(m);
    pmusim::py_bindings::init_machine(m);
    pmusim::py_bindings::init_topdown(m);
    pmusim::py_bindings::init_virt(m);
    pmusim::py_bindings::init_kvm(m);
    pmusim::py_bindings::init_event_filter(m);
    pmusim::py_bindings::init_waves(m);
}
