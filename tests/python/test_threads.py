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


GENERATOR_SCENARIO = """
cpu: sapphirerapids
cycles: 400000
seed: 3
guests:
  - name: vm0
    run: {dist: uniform, min: 2000, max: 20000}
"""


def generator_job():
    # A guest program written as a Python generator: the engine calls it between protocol steps
    # with the GIL taken, never inside a step's hold of the platform.
    from pmusim import guest

    seen = []

    def probe():
        yield guest.wrmsr("IA32_PERFEVTSEL0", 0x43003C)
        yield guest.wrmsr("IA32_PERF_GLOBAL_CTRL", 1)
        for _ in range(20):
            yield guest.run(5_000)
            got = yield guest.rdmsr("IA32_PMC0")
            seen.append(got["value"])

    r = pmusim.run_scenario(pmusim.parse_scenario(GENERATOR_SCENARIO, "gen.yaml"), programs={"vm0": probe})
    return r["violation_counts"], seen


def test_a_generator_program_in_one_thread_and_machines_in_others_take_turns():
    # Given a scenario whose guest program is a Python generator (it takes the GIL while the run has
    # released it) and Machines in two more threads, when all run at once, then none waits forever
    # and each gets its single-threaded result.
    jobs = [generator_job, lambda: machine_job("fast", "sapphirerapids", 5), lambda: machine_job("per_cycle", "icelake", 6)]
    alone = [j() for j in jobs]
    together = [None] * len(jobs)
    errors = []

    def worker(i):
        try:
            together[i] = jobs[i]()
        except Exception as e:  # reported below, with the job
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert not errors
    assert together == alone
