// One binding file per area; each registers its names on the module (pybind11 FAQ layout).
#pragma once
#include <pybind11/pybind11.h>

namespace pmusim::py_bindings {
void init_cpu(pybind11::module_& m);
void init_workloads(pybind11::module_& m);
void init_machine(pybind11::module_& m);
void init_topdown(pybind11::module_& m);  // after init_machine and init_workloads
void init_virt(pybind11::module_& m);
void init_kvm(pybind11::module_& m);
void init_event_filter(pybind11::module_& m);
void init_waves(pybind11::module_& m);
}  // namespace pmusim::py_bindings
