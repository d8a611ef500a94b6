#!/usr/bin/python3
"""Evaluates Intel's own TMA metric files (intel/perfmon <CPU>/metrics/*_metrics.json) on the raw
counts of `pmusim topdown` and compares each node and Info metric with what pmusim reports; and
checks every preset's event encodings and GP/fixed counter counts against Intel's event list for
that platform (<CPU>/events/*_core.json).

    scripts/check-perfmon.py PERFMON_DIR [--pmusim build/pmusim] [--cpu skylake ...] [-w WORKLOAD ...]
                                         [--events-only | --metrics-only]

PERFMON_DIR is a checkout of https://github.com/intel/perfmon (not shipped with pmusim). A metric
is compared when every event its formula reads was counted; the others are listed with the
events pmusim does not model. perf's arithmetic: x / 0 is NaN. SMT is off (pmusim models one
thread per core), so the *_ANY and DISTRIBUTED forms read the thread's own count. Exit status 1
when a compared value differs by more than 1e-9. docs/tma.md "Intel's formulas exactly".
"""
import argparse
import ast
import json
import math
import os
import re
import subprocess
import sys

FILES = {"skylake": "SKX/metrics/skylakex_metrics.json", "icelake": "ICX/metrics/icelakex_metrics.json",
         "sapphirerapids": "SPR/metrics/sapphirerapids_metrics.json",
         "lunarlake": "LNL/metrics/lunarlake_metrics_lioncove_core.json"}  # the P-core (Lion Cove)
EVENT_FILES = {"skylake": "SKX/events/skylakex_core.json", "icelake": "ICX/events/icelakex_core.json",
               "sapphirerapids": "SPR/events/sapphirerapids_core.json",
               "lunarlake": "LNL/events/lunarlake_lioncove_core.json"}
PM = ["RETIRING", "BAD_SPECULATION", "FRONTEND_BOUND", "BACKEND_BOUND", "HEAVY_OPERATIONS", "BRANCH_MISPREDICTS",
      "FETCH_LATENCY", "MEMORY_BOUND"]
NAMES = {"DRAM_Bound": ("DRAM_Bound", "L3_Miss_Bound")}  # perfmon's name on ICX and SPR
AREAS = ("Thread", "Core", "Inst_Mix", "Bad_Spec")


def evaluate(formula, env):
    """A perfmon formula on `env` (alias -> value): + - * /, unary -, max, min, `x if c else y`, < >."""
    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, (int, float)):
            return float(n.value)
        if isinstance(n, ast.Name):
            if n.id not in env:
                raise KeyError(n.id)
            return float(env[n.id])
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.BinOp) and isinstance(n.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = ev(n.left), ev(n.right)
            if isinstance(n.op, ast.Add):
                return a + b
            if isinstance(n.op, ast.Sub):
                return a - b
            if isinstance(n.op, ast.Mult):
                return a * b
            return math.nan if b == 0 else a / b  # tools/perf/util/expr.y
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("max", "min") and len(n.args) == 2:
            a, b = ev(n.args[0]), ev(n.args[1])
            return (a if a > b else b) if n.func.id == "max" else (a if a < b else b)
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], (ast.Lt, ast.Gt)):
            a, b = ev(n.left), ev(n.comparators[0])  # a comparison with NaN is false
            return float(a < b if isinstance(n.ops[0], ast.Lt) else a > b)
        if isinstance(n, ast.IfExp):
            return ev(n.body) if ev(n.test) != 0 else ev(n.orelse)
        raise ValueError(f"unsupported expression {ast.dump(n)[:60]} in '{formula}'")
    return ev(ast.parse(formula, mode="eval"))


def counts_of(interval):
    """pmusim's JSON interval -> perfmon event name -> count."""
    v = {c["event"]: c["scaled"] for c in interval["counts"]}
    v.update({n.replace(":R", ":retire_latency"): x for n, x in interval.get("retire_latencies", {}).items()})
    v["CPU_CLK_UNHALTED.THREAD"] = v.pop("cycles")
    v["INST_RETIRED.ANY"] = v.pop("instructions")
    if "slots" in v:
        v["TOPDOWN.SLOTS"] = v.pop("slots")
    if "slots" in interval:
        v["TOPDOWN.SLOTS:perf_metrics"] = interval["slots"]
    for k, f in enumerate(interval.get("fields", [])):
        v["PERF_METRICS." + PM[k]] = f
    v["CPU_CLK_UNHALTED.THREAD_ANY"] = v["CPU_CLK_UNHALTED.DISTRIBUTED"] = v["CPU_CLK_UNHALTED.THREAD"]
    if "INT_MISC.RECOVERY_CYCLES" in v:
        v["INT_MISC.RECOVERY_CYCLES_ANY"] = v["INT_MISC.RECOVERY_CYCLES"]
    return v


def compare(metrics, interval):
    """-> (compared, worst |difference|, [(name, why not compared)], [(name, pmusim, perfmon)] over 1e-9)."""
    counts = counts_of(interval)
    reported = {n: o["reported"] for n, o in interval["nodes"].items()}
    reported.update({n: o["reported"] for n, o in interval["metrics"].items()})
    compared, worst, skipped, bad = 0, 0.0, [], []
    for name, value in reported.items():
        wanted = set(NAMES.get(name, (name,))) | {f"Info_{a}_{name}" for a in AREAS}
        spec = next((m for m in metrics if m["MetricName"] in wanted), None)
        if spec is None:
            skipped.append((name, "not in the file"))
            continue
        missing = [e["Name"] for e in spec["Events"] if e["Name"] not in counts]
        if missing:
            skipped.append((name, "needs " + ", ".join(missing)))
            continue
        env = {e["Alias"]: counts[e["Name"]] for e in spec["Events"]}
        env.update({c["Alias"]: 0.0 for c in spec["Constants"]})
        env["smt_on"] = 0.0
        x = evaluate(spec["Formula"], env)
        if not spec["MetricName"].startswith("Info"):
            x /= 100  # perfmon's nodes are in percent
        got = math.nan if value is None else value
        diff = 0.0 if math.isnan(x) and math.isnan(got) else abs(x - got)
        compared += 1
        worst = max(worst, diff)
        if not diff <= 1e-9:
            bad.append((name, got, x))
    return compared, worst, skipped, bad


def pmusim_events(pmusim, cpu):
    """`pmusim list events`: [(Intel name, (event, umask, cmask, edge, umask2, inv, eq), architectural)]."""
    out = subprocess.run([pmusim, "list", "events", "--cpu", cpu], capture_output=True, text=True, check=True).stdout
    rows = []
    for m in re.finditer(r"(\S+): event=0x(\w+),umask=0x(\w+)(?:,umask2=0x(\w+))?(?:,cmask=(\d+))?(,edge)?(,inv)?(,eq)?, "
                         r"(architectural|model)", out):
        enc = (int(m[2], 16), int(m[3], 16), int(m[5] or 0), bool(m[6]), int(m[4] or "0", 16), bool(m[7]), bool(m[8]))
        rows.append((m[1], enc, m[9] == "architectural"))
    return rows


def intel_events(path):
    """Intel's list: name -> set of encodings, and the GP / fixed counters its events name."""
    with open(path) as f:
        events = json.load(f)["Events"]
    enc, gp, fixed = {}, set(), set()
    for e in events:
        counters = e.get("Counter", "")
        if counters.startswith("Fixed counter"):
            fixed.add(int(counters.split()[-1]))
            continue
        gp.update(int(c) for c in counters.split(",") if c.strip().isdigit())
        code = int(e["EventCode"].split(",")[0], 16)
        x = (code, int(e["UMask"], 16), int(e.get("CounterMask") or 0), e.get("EdgeDetect") == "1",
             int(e.get("UMaskExt") or "0", 16), e.get("Invert") == "1", e.get("Equal") == "1")
        enc.setdefault(e["EventName"], set()).add(x)
    return enc, len(gp), len(fixed)


def check_events(perfmon, pmusim, cpu):
    """Every encoding pmusim programs for `cpu` against Intel's list; the counter counts. -> errors."""
    path = os.path.join(perfmon, EVENT_FILES[cpu])
    try:
        intel, n_gp, n_fixed = intel_events(path)
    except (OSError, ValueError, KeyError) as e:
        sys.exit(f"{path}: not a perfmon event file ({e})")
    info = subprocess.run([pmusim, "info", "--cpu", cpu], capture_output=True, text=True, check=True).stdout
    gp = re.search(r"(\d+) GP counters", info)
    fixed = re.search(r"fixed counters present:(.*)", info)
    if not gp or not fixed:
        sys.exit(f"pmusim info --cpu {cpu}: no 'N GP counters' or 'fixed counters present:' in its output")
    have_gp, have_fixed = int(gp[1]), len(re.findall(r"FC\d", fixed[1]))
    errors = []
    if (have_gp, have_fixed) != (n_gp, n_fixed):
        errors.append(f"counters: pmusim {have_gp} GP + {have_fixed} fixed, Intel's list {n_gp} GP + {n_fixed} fixed")
    checked, arch_only = 0, []
    for name, enc, arch in pmusim_events(pmusim, cpu):
        base, *mods = name.split(":")  # "UOPS_DECODED.DEC0:c1": CMASK 1; "...:c1:e1": and edge; ":i1:eq1": INV, EQ
        cmask = next((int(m[1:]) for m in mods if m.startswith("c")), None)
        edge, inv, eq = "e1" in mods, "i1" in mods, "eq1" in mods
        umask = next((int(m[1:], 16) for m in mods if m.startswith("u0x")), None)  # ":u0x80": that umask
        want = {(c, u if umask is None else umask, k if cmask is None else cmask, e or edge, u2, i or inv, q or eq)
                for c, u, k, e, u2, i, q in intel.get(base, ())}
        if enc in want:
            checked += 1
        elif arch:
            arch_only.append(name)  # the SDM's architectural encoding (Table 18-1), which the list may spell otherwise
        else:
            why = f"Intel {sorted(want)} (event, umask, cmask, edge, umask2, inv, eq)" if want else "not in Intel's list"
            errors.append(f"{name}: pmusim {enc}, {why}")
    print(f"{cpu:15s} events: {checked} encodings match Intel's list, counters {n_gp} GP + {n_fixed} fixed"
          + (f"; architectural only (SDM): {', '.join(arch_only)}" if arch_only else ""))
    return errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("perfmon", help="a checkout of intel/perfmon")
    ap.add_argument("--pmusim", default="build/pmusim")
    ap.add_argument("--cpu", nargs="+", default=list(FILES))
    ap.add_argument("-w", "--workload", nargs="+", default=["mixed_app", "pointer_chase", "interpreter"])
    ap.add_argument("-n", "--cycles", default="20000000")
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--events-only", action="store_true", help="check the encodings and counters only")
    only.add_argument("--metrics-only", action="store_true", help="check the metric formulas only")
    a = ap.parse_args(argv)
    status = 0
    for cpu in [] if a.metrics_only else a.cpu:
        for err in check_events(a.perfmon, a.pmusim, cpu):
            print("  " + err)
            status = 1
    for cpu in [] if a.events_only else a.cpu:
        path = os.path.join(a.perfmon, FILES[cpu])
        try:
            with open(path) as f:
                metrics = json.load(f)["Metrics"]
        except (OSError, ValueError, KeyError) as e:
            sys.exit(f"{path}: not a perfmon metrics file ({e})")
        for method in (["gp_events"] if cpu == "skylake" else ["perf_metrics", "gp_events"]):
            for w in a.workload:
                out = subprocess.run([a.pmusim, "topdown", "--cpu", cpu, "-w", w, "-l", "4", "--method", method, "-M",
                                      "Info", "--format", "json", "-n", a.cycles], capture_output=True, text=True)
                if out.returncode:
                    sys.exit(f"pmusim topdown --cpu {cpu} -w {w}: {out.stderr.strip()}")
                n, worst, skipped, bad = compare(metrics, json.loads(out.stdout)["intervals"][0])
                print(f"{cpu:15s} {method:13s} {w:14s} compared {n:2d}, max |difference| {worst:.1e}; not compared: "
                      + (", ".join(s for s, _ in skipped) or "-"))
                for name, got, want in bad:
                    print(f"  {name}: pmusim {got!r}, perfmon {want!r}")
                    status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
