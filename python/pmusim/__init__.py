"""pmusim: a cycle-approximate simulator of the Intel architectural PMU.

    import pmusim
    m = pmusim.Machine(cpu="sapphirerapids")
    m.workload = pmusim.workloads.steady(instructions=2.0)
    m.wrmsr(pmusim.msr.IA32_FIXED_CTR_CTRL, 0x3 << 4)   # FC1 counts in both rings
    m.wrmsr(pmusim.msr.IA32_PERF_GLOBAL_CTRL, 1 << 33)  # and is globally enabled
    m.run(cycles=10_000)
    m.rdpmc((1 << 30) | 1)        # fixed counter 1: unhalted core cycles

A #GP raises pmusim.GeneralProtection; invalid presets and overrides raise ValueError.

Also here: topdown (Machine.topdown), perf-stat counting (Machine.stat), virtualization scenarios
(load_scenario, Protocol, run_scenario, mutate_scenario, EventFilter), pandas frames (topdown_frame, ...),
what-if scenario dicts (scenario_dict, set_param, scenario_from_dict), sweeps on a local pool or
Dask (sweep), and plots (pmusim.plots). pandas, matplotlib, NumPy and YAML are imported only when
first used (a frame, a plot, an array, a scenario dict). Machine.access_batch makes many accesses
in one call. See docs/python.md.
"""
from ._pmusim import (  # noqa: F401
    EventFilter,
    GeneralProtection,
    KvmVcpu,
    Machine,
    PhasedWorkload,
    Protocol,
    Scenario,
    RunResult,
    Workload,
    checkers,
    cpu_config,
    cpu_info,
    load_scenario,
    load_workload,
    msr,
    mutate_scenario,
    parse_scenario,
    protocol_steps,
    override_fields,
    presets,
    registers,
    run_scenario,
    scenario_library,
    tma_descriptors,
    violation_kinds,
    wave_diff,
    workload_library,
    workload_library_dir,
    write_gtkw,
)
from ._pmusim import __version__, limits, scenario_library_dir  # noqa: F401
from . import guest, workloads  # noqa: F401
from .frames import (  # noqa: F401
    accesses_frame, contexts_frame, counts_frame, cpus_frame, host_tasks_frame, metrics_frame, mutations_frame, read_toplev_csv, scenario_topdown_frame, stat_frame, topdown_frame,
    violations_frame,
)
from .scenarios import event_filter, get_param, scenario_dict, scenario_from_dict, set_param  # noqa: F401
from .sweep import PointWorker, load_results, point_key, sweep  # noqa: F401
from .waves import check_waveform  # noqa: F401


def __getattr__(name):
    # pmusim.plots loads matplotlib, so it is imported on first use, not with the package (PEP 562).
    if name == "plots":
        import importlib

        return importlib.import_module(".plots", __name__)
    raise AttributeError(f"module 'pmusim' has no attribute '{name}'")


RDPMC_FIXED = 1 << 30
RDPMC_METRICS = 1 << 29

__all__ = [
    "GeneralProtection", "KvmVcpu", "Machine", "RunResult", "Workload", "cpu_config", "cpu_info", "msr",
    "override_fields", "presets", "registers", "workloads", "RDPMC_FIXED", "RDPMC_METRICS",
    "PhasedWorkload", "load_workload", "workload_library", "workload_library_dir", "tma_descriptors",
    "Protocol", "Scenario", "load_scenario", "parse_scenario", "scenario_library", "run_scenario",
    "mutate_scenario", "protocol_steps", "scenario_library_dir", "violation_kinds", "checkers", "limits",
    "topdown_frame", "metrics_frame", "counts_frame", "stat_frame", "contexts_frame", "scenario_topdown_frame", "violations_frame", "cpus_frame", "host_tasks_frame",
    "mutations_frame", "accesses_frame", "read_toplev_csv", "guest", "scenario_dict", "scenario_from_dict", "set_param", "get_param", "sweep",
    "load_results", "point_key", "PointWorker", "EventFilter", "event_filter",
]


# Reprs for terminals and notebooks (display.py): a Machine shows its CPU, mode, cycle and
# programmed registers; topdown results and scenario reports (still dicts) their summaries.
def _show_results():
    from . import _pmusim, display

    Machine.__repr__ = display.machine_repr
    Machine._repr_html_ = display.machine_html
    run_topdown = Machine.topdown

    def topdown(self, *args, **kwargs):
        return display.TopdownResult(run_topdown(self, *args, **kwargs))

    topdown.__doc__ = run_topdown.__doc__
    Machine.topdown = topdown

    def run(*args, **kwargs):
        return display.ScenarioReport(_pmusim.run_scenario(*args, **kwargs))

    run.__doc__ = _pmusim.run_scenario.__doc__
    run.__name__ = run.__qualname__ = "run_scenario"
    return run


run_scenario = _show_results()  # noqa: F811
