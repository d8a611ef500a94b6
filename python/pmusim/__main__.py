"""`python3 -m pmusim plot ...`: the plots of pmusim.plots saved as PNG from the shell.

  python3 -m pmusim plot topdown --cpu icelake -w mixed_app --interval 5000000 -o topdown.png
  python3 -m pmusim plot topdown --cpu icelake -w pointer_chase -l 3 -o level3.png   # a panel per parent
  python3 -m pmusim plot run perf_metrics_patch [-E remove:put_perf_metrics] [--window FROM:TO] -o violations.png
  python3 -m pmusim plot sweep SWEEP_DIR --x interval --y cpu --value max_abs_error -o heat.png
"""
import argparse
import sys


def main(argv=None):
    from . import __version__  # the package is imported before its __main__ runs

    p = argparse.ArgumentParser(prog="python3 -m pmusim", description="pmusim plots as PNG files")
    p.add_argument("--version", action="version", version=f"pmusim {__version__}")
    sub = p.add_subparsers(dest="cmd", required=True)
    plot = sub.add_parser("plot", help="draw a plot into a PNG file")
    kinds = plot.add_subparsers(dest="kind", required=True)
    td = kinds.add_parser("topdown", help="topdown per interval, reported beside truth")
    td.add_argument("--cpu", default="sapphirerapids")
    td.add_argument("-w", "--workload", default="mixed_app")
    td.add_argument("-I", "--interval", type=int, default=5_000_000)
    td.add_argument("-n", "--cycles", type=int, default=None)
    td.add_argument("-l", "--level", type=int, default=1)
    td.add_argument("--set", action="append", default=[], help="override, e.g. --set slots_per_cycle=8")
    run = kinds.add_parser("run", help="a scenario's context timeline with its violations")
    run.add_argument("scenario")
    run.add_argument("-E", "--edit", action="append", default=[], help="protocol edit, e.g. remove:put_perf_metrics")
    run.add_argument("-n", "--cycles", type=int, default=None)
    run.add_argument("--window", default=None, help="FROM:TO cycles to show")
    sw = kinds.add_parser("sweep", help="a sweep directory as a heat map")
    sw.add_argument("dir")
    sw.add_argument("--x", required=True)
    sw.add_argument("--y", required=True)
    sw.add_argument("--value", required=True)
    for k in (td, run, sw):
        k.add_argument("-o", "--output", required=True, help="PNG file to write")
    a = p.parse_args(argv)

    import pmusim
    from pmusim import plots

    try:
        if a.kind == "topdown":
            overrides = {}
            for s in a.set:
                key, _, value = s.partition("=")
                if not value:
                    raise ValueError(f"--set {s}: expected name=value")
                overrides[key] = int(value, 0)
            m = pmusim.Machine(cpu=a.cpu, **overrides)
            m.workload = pmusim.load_workload(a.workload)
            fig = plots.plot_topdown(m.topdown(level=a.level, interval=a.interval, cycles=a.cycles), level=a.level)
        elif a.kind == "run":
            s = pmusim.load_scenario(a.scenario)
            if a.cycles:
                s.cycles = a.cycles
            proto = s.protocol()
            for e in a.edit:
                proto.apply(e)
            window = None
            if a.window:
                lo, sep, hi = a.window.partition(":")
                if not sep or not lo.isdigit() or not hi.isdigit():
                    raise ValueError(f"--window {a.window}: expected FROM:TO in cycles")
                window = (int(lo), int(hi))
            fig = plots.plot_violations(pmusim.run_scenario(s, protocol=proto), window=window)
        else:
            fig = plots.plot_heatmap(pmusim.load_results(a.dir), a.x, a.y, a.value)
        fig.savefig(a.output, dpi=120)
    except (ValueError, KeyError, OSError) as e:
        print(f"pmusim: {e}", file=sys.stderr)
        return 2
    print(a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
