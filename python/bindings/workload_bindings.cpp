// Workloads: pmusim.workloads.steady(...).
#include <pybind11/stl.h>

#include <memory>

#include "bindings.h"
#include "models/core/workload.h"

namespace py = pybind11;

namespace pmusim::py_bindings {

void init_workloads(py::module_& m) {
    py::class_<Workload, std::shared_ptr<Workload>>(m, "Workload", "A workload: what the core does, cycle by cycle.")
        .def("describe", &Workload::describe)
        .def("__repr__", &Workload::describe);
    py::class_<SteadyWorkload, Workload, std::shared_ptr<SteadyWorkload>>(m, "SteadyWorkload")
        .def_property_readonly("params", [](const SteadyWorkload& w) {
            py::dict d;
            const SteadyParams& p = w.params();
            for (auto& n : phase_param_names())
                if (n == "period") d["period"] = p.period;
                else d[py::str(n)] = get_phase_param(p, n);
            d["slot_mix"] = p.slot_mix;
            return d;
        });
    m.def(
        "steady",
        [](const py::kwargs& kw) {
            SteadyParams p;
            for (auto& [k, v] : kw) {
                const std::string key = py::str(k);
                if (key == "slot_mix") {
                    py::dict mix = v.cast<py::dict>();
                    p.slot_mix.fill(0.0);
                    for (auto& [mk, mv] : mix) {
                        double x;
                        try { x = mv.cast<double>(); } catch (const py::cast_error&) {
                            throw std::invalid_argument("slot_mix." + std::string(py::str(mk)) + ": not a number");
                        }
                        set_steady_param(p, py::str(mk), x);
                    }
                    continue;
                }
                double x;
                try {
                    x = v.cast<double>();
                } catch (const py::cast_error&) {
                    throw std::invalid_argument(key + ": not a number: " + std::string(py::repr(v)));
                }
                set_steady_param(p, key, x);
            }
            return std::make_shared<SteadyWorkload>(p);
        },
        "steady(**rates): deterministic workload with constant per-cycle rates. After n active cycles the "
        "count of every event is exactly floor(n * rate), except the slot events, which share out each cycle's "
        "slots so that they add up to TOPDOWN.SLOTS exactly. Parameters: instructions, branches, branch_misses, "
        "llc_references, llc_misses, ref_cycles (per cycle), kernel_share, halted_share, period, and either the "
        "slot-mix leaves (light_ops, heavy_ops, br_mispredict, machine_clears, fetch_latency, fetch_bandwidth, "
        "memory_bound, core_bound) or slot_mix={leaf: fraction}, and the derived-event shape (uop_dropping, "
        "recovery_share, ms_share, store_share, mem_l1..mem_dram, other_mispredicts, memory_ordering_share) and the Level-3 shares (fb_full_share, "
        "divider_share, serializing_share, amx_share, mem_ops_share, fl_icache, fl_itlb, fl_resteers, fl_ms_switches, fl_lcp, "
        "fl_dsb_switches, fb_mite, fb_dsb, fb_ms, fb_lsd, x87_share, fp_scalar, fp_vector, fp16_share, int_vec_128, int_vec_256, "
        "shuffles_256, fused_share, nop_share, misp_cond_nt.. misp_ret and misp_cost_*; docs/workloads.md). Unknown or invalid "
        "parameters raise ValueError.");
}

}  // namespace pmusim::py_bindings
