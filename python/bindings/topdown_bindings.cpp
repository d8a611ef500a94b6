// Topdown from Python: pmusim.load_workload(...) and Machine.topdown(...), results as NumPy
// arrays (intervals x nodes) that the caller owns; the GIL is released while the run goes on.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <cmath>
#include <limits>

#include "bindings.h"
#include "models/core/phased_workload.h"
#include "sim/machine.h"
#include "sim/perf_stat.h"
#include "sim/topdown.h"
#include "sim/workload_file.h"
#include "sim/workload_spec.h"
#include "tma/tma_tables.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

namespace {

// A selection given as None, a string or a list of strings: the comma-separated spec.
std::string selection_spec(const py::object& o, const char* what) {
    if (o.is_none()) return "";
    if (py::isinstance<py::str>(o)) return o.cast<std::string>();
    std::string s;
    try {
        for (auto& x : o.cast<std::vector<std::string>>()) s += (s.empty() ? "" : ",") + x;
    } catch (const py::cast_error&) {
        throw std::invalid_argument(std::string(what) + ": expected a string or a list of strings");
    }
    return s;
}

tma::Family parse_family(const std::string& f) {
    for (auto x : {tma::Family::Skylake, tma::Family::IceLake, tma::Family::SapphireRapids, tma::Family::LunarLake})
        if (f == tma::family_name(x)) return x;
    throw std::invalid_argument("family: expected skylake, icelake or sapphirerapids, got '" + f + "'");
}

tma::Method parse_method(const std::string& m) {
    if (m == "perf_metrics") return tma::Method::PerfMetrics;
    if (m == "gp_events") return tma::Method::GpEvents;
    throw std::invalid_argument("method: expected perf_metrics or gp_events, got '" + m + "'");
}

// A (rows x nodes) float64 array owned by a capsule: no copy on the way to Python.
py::array_t<double> matrix(std::vector<double>&& data, size_t rows, size_t cols) {
    auto* heap = new std::vector<double>(std::move(data));
    py::capsule owner(heap, [](void* p) { delete static_cast<std::vector<double>*>(p); });
    return py::array_t<double>({rows, cols}, {cols * sizeof(double), sizeof(double)}, heap->data(), owner);
}

py::dict report_dict(const TopdownReport& r) {
    const auto nodes = tma::selected_nodes(r.model);
    const size_t n = r.intervals.size(), k = nodes.size();
    std::vector<double> rep(n * k), tru(n * k);
    std::vector<uint64_t> begin(n), end(n);
    py::list bn, tbn;
    for (size_t i = 0; i < n; ++i) {
        const auto& iv = r.intervals[i];
        for (size_t j = 0; j < k; ++j) {
            rep[i * k + j] = iv.reported[tma::ni(nodes[j])];
            tru[i * k + j] = iv.truth[tma::ni(nodes[j])];
        }
        begin[i] = iv.begin;
        end[i] = iv.end;
        bn.append(tma::node_name(iv.bottleneck));
        tbn.append(tma::node_name(iv.truth_bottleneck));
    }
    py::list names;
    for (auto nd : nodes) names.append(tma::node_name(nd));
    py::dict d;
    d["cpu"] = r.cpu;
    d["workload"] = r.workload;
    d["family"] = tma::family_name(r.model.family);
    d["method"] = tma::method_name(r.model.method);
    d["level"] = r.model.level;
    d["multiplexed"] = r.multiplexed;
    d["events"] = r.events;
    d["nodes"] = names;
    d["begin"] = py::array_t<uint64_t>(n, begin.data());
    d["end"] = py::array_t<uint64_t>(n, end.data());
    d["reported"] = matrix(std::move(rep), n, k);
    d["truth"] = matrix(std::move(tru), n, k);
    // Per-interval counters: every counted event (perf's scaled estimate, and the exact truth),
    // with the slots of the topdown group first when there is one.
    std::vector<std::string> cnames;
    if (n && r.intervals[0].reading.topdown) cnames.push_back("slots (topdown group)");
    if (n)
        for (auto& c : r.intervals[0].reading.counts) cnames.push_back(c.name);
    const size_t e = cnames.size();
    std::vector<double> cval(n * e, 0.0), ctru(n * e, std::numeric_limits<double>::quiet_NaN());
    for (size_t i = 0; i < n; ++i) {
        const auto& rd = r.intervals[i].reading;
        size_t j = 0;
        if (rd.topdown) {
            cval[i * e] = double(rd.topdown->slots);
            ++j;
        }
        for (auto& c : rd.counts) {
            if (j >= e) break;
            cval[i * e + j] = c.scaled;
            if (c.truth_known) ctru[i * e + j] = double(c.truth);
            ++j;
        }
    }
    d["counters"] = cnames;
    d["counts"] = matrix(std::move(cval), n, e);
    d["counts_truth"] = matrix(std::move(ctru), n, e);
    d["bottleneck"] = bn;
    d["truth_bottleneck"] = tbn;
    py::dict s;
    for (size_t j = 0; j < k; ++j) {
        const double a = r.summary.reported[tma::ni(nodes[j])], b = r.summary.truth[tma::ni(nodes[j])];
        s[tma::node_name(nodes[j])] = py::make_tuple(a, b, a - b);
    }
    d["summary"] = s;
    // Info metrics: (intervals x metrics) arrays, reported and truth (the formula on exact counts).
    const size_t q = r.model.metrics.size();
    std::vector<double> mrep(n * q), mtru(n * q);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < q; ++j) {
            mrep[i * q + j] = r.intervals[i].metrics[j];
            mtru[i * q + j] = r.intervals[i].metrics_truth[j];
        }
    d["metrics"] = r.model.metrics;
    d["metric_reported"] = matrix(std::move(mrep), n, q);
    d["metric_truth"] = matrix(std::move(mtru), n, q);
    py::dict sm;
    for (size_t j = 0; j < q; ++j) {
        const double a = r.summary.metrics[j], b = r.summary.metrics_truth[j];
        sm[py::str(r.model.metrics[j])] = py::make_tuple(a, b, a - b);
    }
    d["summary_metrics"] = sm;
    d["summary_bottleneck"] = tma::node_name(r.summary.bottleneck);
    d["summary_truth_bottleneck"] = tma::node_name(r.summary.truth_bottleneck);
    return d;
}

}  // namespace

void init_topdown(py::module_& m) {
    py::class_<PhasedWorkload, Workload, std::shared_ptr<PhasedWorkload>>(
        m, "PhasedWorkload", "A workload file's phases on a timeline (docs/workloads.md).")
        .def_property_readonly("length", &PhasedWorkload::length, "cycles of one pass over the schedule")
        .def_property_readonly("name", &PhasedWorkload::name, "the workload's name (from its file)")
        .def_property_readonly("seed", &PhasedWorkload::seed, "seed of its variation and Markov schedules")
        .def_property_readonly("loops", &PhasedWorkload::loops, "whether the timeline repeats after its end (else the core idles)")
        .def_property_readonly("phases", [](const PhasedWorkload& w) {
            std::vector<std::string> v;
            for (auto& p : w.phases()) v.push_back(p.name);
            return v;
        }, "names of its phases");
    m.def(
        "load_workload",
        [](const std::string& spec) -> std::shared_ptr<Workload> {
            std::unique_ptr<Workload> w = parse_workload_spec(spec);
            if (auto* p = dynamic_cast<PhasedWorkload*>(w.get())) {
                w.release();
                return std::shared_ptr<PhasedWorkload>(p);
            }
            return std::shared_ptr<Workload>(std::move(w));
        },
        py::arg("spec"),
        "load_workload(spec): a YAML workload file, a library name (pmusim.workload_library()) or "
        "'steady:k=v,...'. A malformed file raises ValueError naming the file, line and field.");
    m.def("workload_library", &workload_library, "Names of the built-in workload archetypes (workloads/*.yaml).");
    m.def("workload_library_dir", &workload_library_dir, "Directory of the built-in workloads.");

    auto machine = py::reinterpret_borrow<py::object>(m.attr("Machine"));
    py::cast<py::class_<Machine>>(machine).def(
        "topdown",
        [](Machine& self, unsigned level, uint64_t interval, std::optional<uint64_t> cycles, const std::string& method,
           uint64_t mux_interval, const py::object& nodes, const py::object& metrics) {
            TopdownOptions o;
            o.nodes = selection_spec(nodes, "nodes");
            o.groups = selection_spec(metrics, "metrics");
            o.level = level;
            o.interval = interval;
            o.method = method;
            o.mux_interval = mux_interval;
            if (cycles) o.cycles = *cycles;
            else if (auto* p = dynamic_cast<const PhasedWorkload*>(&self.pmu().workload())) o.cycles = p->length();
            else o.cycles = 100'000'000;
            TopdownReport r;
            {
                py::gil_scoped_release unlocked;
                r = run_topdown(self, o);
            }
            return report_dict(r);
        },
        py::arg("level") = 2, py::arg("interval") = 0, py::arg("cycles") = py::none(), py::arg("method") = "auto",
        py::arg("mux_interval") = 0, py::arg("nodes") = py::none(), py::arg("metrics") = py::none(),
        "topdown(level=2, interval=0, cycles=None, method='auto', mux_interval=0, nodes=None, metrics=None) -> dict\n\n"
        "Programs the PMU the way perf does (the slots group with PERF_METRICS where the CPU has it, GP "
        "events otherwise, multiplexed when they outnumber the counters), reads and resets it every "
        "`interval` cycles (0: once), and applies the TMA formulas of the CPU's family. Returns the "
        "node names, `reported` and `truth` as (intervals x nodes) float arrays, the interval bounds, "
        "each interval's bottleneck and the summary {node: (reported, truth, error)}. cycles defaults to "
        "one pass of a phased workload. nodes: node names (a list or a comma-separated string; 'NAME*' "
        "adds the subtree) to measure only those and their parents; metrics: metric groups or names as "
        "`pmusim topdown -M` takes them (e.g. ['Summary'], 'IPC,IpBranch', 'Info'), returned as `metrics`, "
        "`metric_reported`, `metric_truth` and `summary_metrics`. A division by zero in a formula gives NaN. "
        "Bad arguments raise ValueError.");
    m.def(
        "tma_descriptors",
        [](const std::string& family, const std::string& method, unsigned pm_fields) {
            py::list out;
            for (const auto& d : tma::describe(parse_family(family), parse_method(method), pm_fields)) {
                py::dict x;
                x["name"] = d.name;
                x["kind"] = d.kind;
                x["level"] = d.level;
                x["parent"] = d.parent;
                x["groups"] = d.groups;
                x["threshold"] = d.threshold;
                x["description"] = d.description;
                x["formula"] = d.formula;
                x["source"] = d.source;
                x["note"] = d.note;
                out.append(x);
            }
            return out;
        },
        py::arg("family") = "sapphirerapids", py::arg("method") = "perf_metrics", py::arg("pm_fields") = 8,
        "tma_descriptors(family='sapphirerapids', method='perf_metrics', pm_fields=8) -> list of dict\n\n"
        "Every TMA node, Info metric and helper term of a family's formula table (skylake, icelake, "
        "sapphirerapids; method perf_metrics or gp_events): name, kind, level, parent, groups, threshold, "
        "description, the formula that applies, its source and any note. Unknown names raise ValueError.");
    py::cast<py::class_<Machine>>(machine).def(
        "stat",
        [](Machine& self, const std::vector<std::string>& events, uint64_t cycles, uint64_t mux_interval) {
            if (cycles == 0) throw std::invalid_argument("cycles: must be at least 1");
            AgentOptions o;
            o.mux_interval = mux_interval;
            std::vector<CountReading> rs;
            bool mux = false;
            {
                py::gil_scoped_release unlocked;
                PerfStat st(self, events, o);
                mux = st.multiplexed();
                st.start();
                st.run(cycles);
                rs = st.read();
            }
            py::list out;
            for (auto& c : rs) {
                py::dict d;
                d["event"] = c.name;
                d["counter"] = c.counter;
                d["raw"] = c.raw;
                d["enabled"] = c.enabled;
                d["running"] = c.running;
                d["scaled"] = c.scaled;
                d["truth"] = c.truth_known ? py::object(py::int_(c.truth)) : py::object(py::none());
                d["multiplexed"] = mux;
                out.append(d);
            }
            return out;
        },
        py::arg("events"), py::arg("cycles"), py::arg("mux_interval") = 4'000'000,
        "stat(events, cycles, mux_interval=4_000_000) -> list of dict\n\n"
        "Counts `events` (perf or Intel names, :u/:k, raw rCCUUEE) the way `perf stat` programs the PMU, "
        "multiplexing GP events by rotation when they outnumber the counters. Each entry: event, counter, raw, "
        "enabled, running, scaled (raw x enabled / running) and the exact truth. The GIL is released.");
}

}  // namespace pmusim::py_bindings
