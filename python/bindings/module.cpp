// The pmusim._pmusim extension module.
#include <pybind11/pybind11.h>

#include <systemc>

#include "bindings.h"
#include "models/pmu/msr_port.h"
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
    pmusim::py_bindings::init_cpu(m);
    pmusim::py_bindings::init_workloads(m);
    pmusim::py_bindings::init_machine(m);
    pmusim::py_bindings::init_topdown(m);
    pmusim::py_bindings::init_virt(m);
    pmusim::py_bindings::init_kvm(m);
    pmusim::py_bindings::init_event_filter(m);
    pmusim::py_bindings::init_waves(m);
}
