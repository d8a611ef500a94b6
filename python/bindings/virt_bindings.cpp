// Virtualization from Python: scenarios, protocols and their variants, runs with the checkers,
// mutation analysis (docs/virtualization.md). Runs release the GIL.
#include <pybind11/stl.h>

#include <cmath>

#include "bindings.h"
#include "program_bindings.h"
#include "sim/virt/checker.h"
#include "sim/virt/mutate.h"
#include "sim/virt/run_format.h"
#include "sim/virt/host_reader.h"
#include "sim/virt/scenario.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

namespace {

Path path_of(const std::string& p) {
    if (p == "load") return Path::Load;
    if (p == "exit") return Path::Exit;
    throw std::invalid_argument("path: expected 'load' or 'exit', got '" + p + "'");
}

// The report as the CLI's JSON describes it (sim/virt/run_format.cpp): one structure for both.
py::object report_dict(const RunReport& r) { return py::module_::import("json").attr("loads")(run_json(r)); }

}  // namespace

void init_virt(py::module_& m) {
    py::class_<Protocol>(m, "Protocol",
                         "A guest/host PMU context-switch protocol: named steps on the load and exit paths.\n"
                         "Protocol('mediated') or Protocol('legacy'); edit it with remove/swap/move/replace/insert.")
        .def(py::init(&Protocol::builtin), py::arg("name") = "mediated")
        .def_property_readonly("name", &Protocol::name, "the base protocol: mediated or legacy")
        .def_property_readonly("mediated", &Protocol::mediated, "True for the mediated vPMU, False for the legacy one")
        .def("steps", [](const Protocol& p, const std::string& path) { return p.steps(path_of(path)); }, py::arg("path"),
             "The ordered step names of 'load' or 'exit'.")
        .def("apply", [](Protocol& p, const std::string& e) { p.apply(parse_protocol_edit(e)); return &p; },
             py::arg("edit"), py::return_value_policy::reference_internal,
             "Apply an edit written as on the command line ('remove:X', 'swap:X,Y', ...); returns self.")
        .def("remove", [](Protocol& p, const std::string& s) { p.apply(parse_protocol_edit("remove:" + s)); return &p; },
             py::arg("step"), py::return_value_policy::reference_internal, "Remove a step; returns self.")
        .def("swap", [](Protocol& p, const std::string& a, const std::string& b) {
                 p.apply(parse_protocol_edit("swap:" + a + "," + b));
                 return &p;
             }, py::arg("a"), py::arg("b"), py::return_value_policy::reference_internal, "Swap two steps of one path.")
        .def("move", [](Protocol& p, const std::string& s, std::optional<std::string> before, std::optional<std::string> after) {
                 if (bool(before) == bool(after)) throw std::invalid_argument("move: give exactly one of before= or after=");
                 p.apply(parse_protocol_edit("move:" + s + (before ? ",before=" + *before : ",after=" + *after)));
                 return &p;
             }, py::arg("step"), py::arg("before") = py::none(), py::arg("after") = py::none(),
             py::return_value_policy::reference_internal, "Move a step before or after another.")
        .def("replace", [](Protocol& p, const std::string& a, const std::string& b) {
                 p.apply(parse_protocol_edit("replace:" + a + "=" + b));
                 return &p;
             }, py::arg("step"), py::arg("with_step"), py::return_value_policy::reference_internal,
             "Replace a step with another from the step library.")
        .def("insert", [](Protocol& p, const std::string& a, const std::string& before) {
                 p.apply(parse_protocol_edit("insert:" + a + ",before=" + before));
                 return &p;
             }, py::arg("step"), py::arg("before"), py::return_value_policy::reference_internal,
             "Insert a library step before another.")
        .def("order_sensitive_pairs",
             [](const Protocol& p, const std::string& path) { return p.order_sensitive_pairs(path_of(path)); },
             py::arg("path"), "Pairs of steps whose footprints conflict.")
        .def("mutants", [](const Protocol& p) {
                 std::vector<std::string> out;
                 for (auto& mu : protocol_mutants(p)) out.push_back(mu.name);
                 return out;
             }, "The mutants `pmusim mutate` runs: each step removed, each order-sensitive pair swapped.")
        .def("describe", &Protocol::describe)
        .def("__repr__", [](const Protocol& p) { return "<pmusim.Protocol " + p.describe() + ">"; });

    m.def("violation_kinds", [] {
        py::list out;
        for (auto& k : violation_kinds()) {
            py::dict d;
            d["name"] = k.name;
            d["fires_when"] = k.fires_when;
            out.append(d);
        }
        return out;
    }, "Every violation kind the checkers report, in column order, with when it fires.");
    m.def("checkers", [] {
        py::list out;
        for (auto& c : checker_registry()) {
            py::dict d;
            d["name"] = c.name;
            py::list kinds;
            for (auto k : c.kinds) kinds.append(violation_kind_name(k));
            d["kinds"] = kinds;
            d["checks"] = c.checks;
            out.append(d);
        }
        return out;
    }, "Every checker of the virtualization engine, in the order it is called: name, kinds, what it checks.");
    m.def("protocol_steps", [] {
        py::list out;
        for (auto& s : step_library()) {
            py::dict d;
            d["name"] = s.name;
            d["path"] = path_name(s.path);
            d["mediated"] = s.mediated;
            d["reads"] = s.reads;
            d["writes"] = s.writes;
            d["what"] = s.what;
            d["source"] = s.source;
            out.append(d);
        }
        return out;
    }, "Every built-in protocol step: name, path, footprint, what it does and its source.");

    py::class_<Scenario>(m, "Scenario", "A virtualization scenario (docs/virtualization.md); see load_scenario().")
        .def_readonly("name", &Scenario::name, "the scenario's name")
        .def_readonly("description", &Scenario::description, "one line on what it exercises")
        .def_readonly("cpu", &Scenario::cpu, "CPU preset")
        .def_readwrite("cycles", &Scenario::cycles, "length of the run in cycles")
        .def_readwrite("seed", &Scenario::seed, "seed of every duration drawn in the timeline")
        .def_property("mode", [](const Scenario& s) { return s.mode == TimeMode::Fast ? "fast" : "per_cycle"; },
                      [](Scenario& s, const std::string& v) {
                          if (v == "fast") s.mode = TimeMode::Fast;
                          else if (v == "per_cycle") s.mode = TimeMode::PerCycle;
                          else throw std::invalid_argument("mode: expected 'fast' or 'per_cycle', got '" + v + "'");
                      }, "time mode: 'fast' or 'per_cycle' (identical results)")
        .def_property("host_cpus", [](const Scenario& s) { return s.host.cpus; },
                      [](Scenario& s, unsigned n) {
                          if (n < 1 || n > kMaxHostCpus)
                              throw std::invalid_argument("host_cpus: expected 1 to " + std::to_string(kMaxHostCpus) + ", got " + std::to_string(n));
                          s.host.cpus = n;
                      }, "logical processors of the host (host.cpus), each its own PMU; checked against affinities at run")
        .def_property("migrate", [](const Scenario& s) { return s.host.migrate; },
                      [](Scenario& s, double p) {
                          if (!(p >= 0 && p <= 1)) throw std::invalid_argument("migrate: expected a probability from 0 to 1, got " + std::to_string(p));
                          s.host.migrate = p;
                      }, "probability that a descheduled vCPU moves to another CPU of its affinity (host.migrate)")
        .def_property_readonly("affinities", [](const Scenario& s) {
            py::dict d;
            for (auto& g : s.guests) d[py::str(g.name)] = g.affinity;
            return d;
        }, "each guest's CPUs (an empty list: any)")
        .def_property_readonly("destination", [](const Scenario& s) -> py::object {
            if (!s.destination) return py::none();
            py::dict d;
            d["cpu"] = s.destination->cpu;
            d["overrides"] = s.destination->overrides;
            d["workload"] = s.destination->host.workload;
            d["cpus"] = s.destination->host.cpus;
            d["migrate"] = s.destination->host.migrate;
            return d;
        }, "the second host vCPUs migrate to (destination:): cpu, overrides, workload, cpus, migrate; None without one")
        .def_property_readonly("host_migrations", [](const Scenario& s) {
            py::list out;
            for (auto& a : s.vmm)
                if (a.to_destination) out.append(py::make_tuple(a.vcpu, a.at));
            return out;
        }, "the VMM's migrations to the destination host: (vCPU, cycle)")
        .def_property("host_task", [](const Scenario& s) -> py::object {
            if (s.host.task.vcpu.empty()) return py::none();
            py::dict d;
            d["vcpu"] = s.host.task.vcpu;
            d["events"] = s.host.task.perf.events;
            return d;
        }, [](Scenario& s, std::optional<py::dict> d) {
            if (!d) { s.host.task = HostTaskSpec{}; return; }
            HostTaskSpec t;
            t.vcpu = (*d)["vcpu"].cast<std::string>();
            if (std::none_of(s.guests.begin(), s.guests.end(), [&](const GuestSpec& g) { return g.name == t.vcpu; }))
                throw std::invalid_argument("host_task.vcpu: no guest named '" + t.vcpu + "' (the task is that vCPU's thread)");
            t.perf.events = (*d)["events"].cast<std::vector<std::string>>();
            s.host.task = t;
        }, "the vCPU thread counted per task (host.task): {'vcpu': NAME, 'events': [...]}, or None")
        .def_property_readonly("guests", [](const Scenario& s) {
            std::vector<std::string> n;
            for (auto& g : s.guests) n.push_back(g.name);
            return n;
        }, "names of the guests")
        .def("protocol", &Scenario::make_protocol, "The scenario's protocol with its edits.")
        .def("__repr__", [](const Scenario& s) { return "<pmusim.Scenario " + s.name + " on " + s.cpu + ">"; });

    m.def("load_scenario", &load_scenario, py::arg("spec"), py::arg("set") = std::vector<std::string>{},
          "A built-in scenario by name (see scenario_library()) or a scenario YAML file; `set`: 'path=value' overrides "
          "of its fields, as `pmusim run --set`. Errors raise ValueError naming the file, line and field.");
    m.def("parse_scenario", &parse_scenario_yaml, py::arg("text"), py::arg("origin") = "<string>",
          py::arg("set") = std::vector<std::string>{}, "A scenario from YAML text.");
    m.def("scenario_library", &scenario_library, "Names of the built-in scenarios.");
    m.def("scenario_library_dir", &scenario_library_dir, "Directory of the built-in scenarios (PMUSIM_SCENARIOS overrides).");
    m.def("run_scenario",
          [](const Scenario& s0, std::optional<Protocol> p, const std::string& vcd, uint64_t vcd_sample,
             std::optional<py::dict> programs) {
              const Protocol proto = p ? *p : s0.make_protocol();
              Scenario s = s0;
              ProgramSources src;
              if (programs) src.attach(s, *programs);
              RunReport r;
              try {
                  py::gil_scoped_release nogil;
                  r = run_scenario(s, proto, vcd, vcd_sample);
              } catch (const ProgramRaised&) {
                  src.raise_if_failed();
                  throw;
              }
              return report_dict(r);
          },
          py::arg("scenario"), py::arg("protocol") = py::none(), py::arg("vcd") = "", py::arg("vcd_sample") = 0,
          py::arg("programs") = py::none(),
          "Run a scenario (with its own protocol, or `protocol`). `programs`: {guest name: generator function or "
          "iterable of pmusim.guest actions}, replacing the scenario's program of that guest. Returns a dict: "
          "contexts (counts and topdown, reported and truth), violations (each with cycle, kind, register, reader, "
          "source, expected, actual, step, detail), violation_counts, step_cycles, clean, programs (every guest "
          "program access, column-wise; see pmusim.accesses_frame) and passed (clean and every expectation met).");
    m.def("mutate_scenario",
          [](const Scenario& s) {
              std::vector<MutantResult> rs;
              {
                  py::gil_scoped_release nogil;
                  rs = mutate_scenario(s);
              }
              py::list out;
              for (auto& r : rs) {
                  py::dict d;
                  d["mutant"] = r.name;
                  d["clean"] = r.clean();
                  d["kinds"] = r.kinds;
                  for (auto& k : violation_kinds()) d[k.name] = r.count[size_t(k.kind)];
                  d["first_cycle"] = r.first_cycle == ~0ull ? py::object(py::none()) : py::object(py::int_(r.first_cycle));
                  out.append(d);
              }
              return out;
          },
          py::arg("scenario"), "The baseline and every mutant of the scenario's protocol, with the checks each fires.");
}

}  // namespace pmusim::py_bindings
