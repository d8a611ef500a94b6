"""Machines and scenario runs from several Python threads take turns on the one platform and
give exactly the single-threaded results (docs/python.md "Threads")."""
import threading

import pmusim
from pmusim import msr


def machine_job(mode, cpu, seed):
    m = pmusim.Machine(cpu=cpu, mode=mode)
    m.workload = pmusim.workloads.steady(instructions=1.0 + seed / 10)
    m.wrmsr(msr.IA32_PERFEVTSEL0, 0x4300C0)                      # instructions, both rings, EN
    m.wrmsr(msr.IA32_FIXED_CTR_CTRL, 0x3 << 4)                    # FC1: cycles
    m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 1 | (1 << 33))
    out = []
    for _ in range(20):
        m.run(cycles=5_000 + 100 * seed)
        out.append((m.rdpmc(0), m.rdpmc((1 << 30) | 1), m.cycle))
    return out


def scenario_job(name):
    s = pmusim.load_scenario(name)
    s.cycles = 300_000
    r = pmusim.run_scenario(s)
    return r["violation_counts"], [c["counts"] for c in r["contexts"]]


def test_threads_give_the_single_threaded_results():
    jobs = [("machine", ("per_cycle", "sapphirerapids", 1)), ("machine", ("fast", "icelake", 2)),
            ("machine", ("per_cycle", "skylake", 3)), ("machine", ("fast", "lunarlake", 4)),
            ("scenario", ("two_guests",)), ("scenario", ("pmi_sampling",))]

    def run(kind, args):
        return machine_job(*args) if kind == "machine" else scenario_job(*args)

    alone = [run(k, a) for k, a in jobs]
    together = [None] * len(jobs)
    errors = []

    def worker(i):
        try:
            together[i] = run(*jobs[i])
        except Exception as e:  # reported below, with the job
            errors.append((jobs[i], repr(e)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert together == alone
