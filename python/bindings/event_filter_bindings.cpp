// KVM's PMU event filter from Python (docs/virtualization.md "Event filter"): the ioctl's struct,
// its validation with KVM's errno, and the decisions KVM takes with it.
#include <pybind11/stl.h>

#include "bindings.h"
#include "models/virt/event_filter.h"
#include "sim/virt/event_filter_reader.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

namespace {

uint32_t action_of(const py::object& a) {
    if (py::isinstance<py::str>(a)) {
        const std::string s = a.cast<std::string>();
        if (s == "allow") return kvm_filter::kAllow;
        if (s == "deny") return kvm_filter::kDeny;
        throw std::invalid_argument("action: expected 'allow', 'deny' or the number KVM gets, got '" + s + "'");
    }
    return a.cast<uint32_t>();
}

py::object error_dict(const std::optional<FilterError>& e) {
    if (!e) return py::none();
    py::dict d;
    d["field"] = e->field;
    d["error"] = e->error;
    d["reason"] = e->reason;
    return d;
}

}  // namespace

void init_event_filter(py::module_& m) {
    py::class_<EventFilter>(m, "EventFilter",
                            "KVM's PMU event filter as userspace passes it to KVM_SET_PMU_EVENT_FILTER (struct "
                            "kvm_pmu_event_filter): action, flags, fixed_counter_bitmap and the raw 64-bit entries. "
                            "Built as given (check() says whether KVM takes it); pmusim.event_filter(dict) reads the "
                            "scenario-file form and validates it.")
        .def(py::init([](const py::object& action, std::vector<uint64_t> events, uint32_t bitmap, uint32_t flags) {
                 EventFilter f;
                 f.action = action_of(action);
                 f.events = std::move(events);
                 f.fixed_counter_bitmap = bitmap;
                 f.flags = flags;
                 return f;
             }),
             py::arg("action") = "allow", py::arg("events") = std::vector<uint64_t>{}, py::arg("fixed_counter_bitmap") = 0,
             py::arg("flags") = 0)
        .def_readonly("action", &EventFilter::action, "0 (KVM_PMU_EVENT_ALLOW) or 1 (KVM_PMU_EVENT_DENY)")
        .def_readonly("flags", &EventFilter::flags, "1: KVM_PMU_EVENT_FLAG_MASKED_EVENTS")
        .def_readonly("fixed_counter_bitmap", &EventFilter::fixed_counter_bitmap, "fixed counters the action names")
        .def_readonly("events", &EventFilter::events, "the raw entries as userspace passes them")
        .def("check", [](const EventFilter& f) { return error_dict(f.check()); },
             "None if KVM takes the filter, else {'field', 'error' (EINVAL or E2BIG), 'reason'}: the first rule of "
             "kvm_vm_ioctl_set_pmu_event_filter it breaks.")
        .def("validate", &EventFilter::validate, "Raise ValueError ('field: ERRNO: reason') unless KVM takes the filter.")
        .def("allowed", &EventFilter::allowed_gp, py::arg("eventsel"),
             "Whether a GP counter with this PERFEVTSEL may count (is_gp_event_allowed: event select 7:0 and umask).")
        .def("allowed_fixed", &EventFilter::allowed_fixed, py::arg("index"),
             "Whether fixed counter `index` may count (is_fixed_event_allowed: fixed_counter_bitmap alone).")
        .def("prepared", &EventFilter::prepared,
             "The entries KVM keeps, in its in-kernel masked form (unmasked entries with bits KVM cannot match dropped).")
        .def_static("encode_event", [](uint64_t sel, uint64_t umask) { return kvm_filter::encode_event(sel, umask); },
                    py::arg("event_select"), py::arg("umask") = 0,
                    "An unmasked entry: event select 7:0 (11:8 to 35:32) and umask 15:8.")
        .def_static("encode_masked_entry", &kvm_filter::encode_masked, py::arg("event_select"), py::arg("mask"),
                    py::arg("match"), py::arg("exclude") = false, "KVM_PMU_ENCODE_MASKED_ENTRY.")
        .def("__repr__", [](const EventFilter& f) { return "<pmusim.EventFilter " + f.describe() + ">"; });
    m.def("parse_event_filter", &parse_event_filter_yaml, py::arg("text"), py::arg("origin") = "<string>",
          "An EventFilter from the YAML of a scenario's `event_filter` key, validated as KVM does; ValueError names "
          "the field (and KVM's errno).");
}

}  // namespace pmusim::py_bindings
