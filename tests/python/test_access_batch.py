"""Machine.access_batch: many RDMSR/WRMSR/RDPMC in one call give exactly what the single calls give,
#GP included, in both time modes; malformed batches raise before any access runs."""
import random
import threading

import numpy as np
import pytest

import pmusim
from pmusim import msr

FIXED = pmusim.RDPMC_FIXED
METRICS = pmusim.RDPMC_METRICS
USR_OS_EN_INT = (1 << 16) | (1 << 17) | (1 << 20) | (1 << 22)


def single(m, op, index, value, cpl):
    """The same access through the single-call API: (result, gp)."""
    try:
        if op == pmusim.Machine.RDMSR:
            return m.rdmsr(index), False
        if op == pmusim.Machine.WRMSR:
            m.wrmsr(index, value)
            return 0, False
        return m.rdpmc(index, cpl), False
    except pmusim.GeneralProtection:
        return 0, True


def random_accesses(cpu, n, seed):
    """Reads and writes of every PMU MSR of `cpu` (values with and without reserved bits, so some
    #GP), RDPMC of valid and invalid ECX in rings 0 and 3, and a few unmodelled MSRs (#GP)."""
    rng = random.Random(seed)
    addresses = [r["address"] for r in pmusim.registers(cpu)] + [0x1234, 0xC0000080]
    ecxs = [0, 1, 3, 7, 8, FIXED | 0, FIXED | 1, FIXED | 3, FIXED | 4, METRICS, 0x20000]
    ops, idx, vals, cpl = [], [], [], []
    for _ in range(n):
        op = rng.choice([pmusim.Machine.RDMSR, pmusim.Machine.WRMSR, pmusim.Machine.RDPMC])
        ops.append(op)
        idx.append(rng.choice(ecxs) if op == pmusim.Machine.RDPMC else rng.choice(addresses))
        # mostly small enables and counts, sometimes any 64-bit value (reserved bits set)
        vals.append(rng.choice([0, 0x3, 0x00C0 | USR_OS_EN_INT, 0x3333, 0xFF, 1 << 32, (1 << 47) - 5,
                                rng.getrandbits(64)]))
        cpl.append(rng.choice([0, 0, 0, 3]))
    return np.array(ops, dtype=np.uint8), np.array(idx, dtype=np.uint32), np.array(vals, dtype=np.uint64), \
        np.array(cpl, dtype=np.uint8)


def programmed(cpu, mode, **overrides):
    m = pmusim.Machine(cpu=cpu, mode=mode, quantum=777, **overrides)
    m.workload = pmusim.workloads.steady(instructions=1.5, branches=0.25)
    m.wrmsr(msr.IA32_PERFEVTSEL0, 0x00C4 | USR_OS_EN_INT)  # branches, PMI on overflow
    m.wrmsr(msr.IA32_FIXED_CTR_CTRL, 0x0BBB)  # fixed 0-2 in both rings with PMI
    m.wrmsr(msr.IA32_PERF_GLOBAL_CTRL, 1 | (0x7 << 32))
    return m


@pytest.mark.parametrize("mode", ["fast", "per-cycle"])
@pytest.mark.parametrize("cpu, overrides", [("skylake", {}), ("sapphirerapids", {}),
                                            ("icelake", {"cr4_pce": False})])  # ring-3 RDPMC #GPs
def test_batch_equals_single_calls(cpu, overrides, mode):
    # Given two identically programmed Machines, when one makes 600 random accesses one call at a
    # time and the other the same accesses in batches between the same runs, then every result,
    # every #GP, the PMI log and the register state are the same.
    a, b = programmed(cpu, mode, **overrides), programmed(cpu, mode, **overrides)
    gps = 0
    for chunk in range(3):
        ops, idx, vals, cpl = random_accesses(cpu, 200, seed=chunk)
        expected = [single(a, *acc) for acc in zip(ops.tolist(), idx.tolist(), vals.tolist(), cpl.tolist())]
        results, gp = b.access_batch(ops, idx, vals, cpl)
        assert results.dtype == np.uint64 and gp.dtype == np.bool_
        assert results.tolist() == [r for r, _ in expected]
        assert gp.tolist() == [g for _, g in expected]
        gps += int(gp.sum())
        assert a.run(2_500).cycles == b.run(2_500).cycles
    assert 0 < gps < 600  # both paths were exercised
    assert a.state() == b.state()
    assert a.pmis.tolist() == b.pmis.tolist()


def test_names_and_scalar_cpl():
    # Given counting on fixed counter 1, when a batch written with op names sets it to 5 and reads
    # it back by RDMSR and by RDPMC in ring 3, then it reads 5 and RDPMC gives what the single call gives.
    m = programmed("sapphirerapids", "fast")
    m.run(1_000)
    results, gp = m.access_batch(["wrmsr", "RDMSR", "rdpmc"], [msr.IA32_FIXED_CTR0 + 1] * 2 + [FIXED | 1],
                                 [5, 0, 0], cpl=3)
    expect_pmc = single(m, pmusim.Machine.RDPMC, FIXED | 1, 0, 3)
    assert results.tolist()[:2] == [0, 5] and gp.tolist()[:2] == [False, False]
    assert (int(results[2]), bool(gp[2])) == expect_pmc


def test_gp_does_not_stop_the_batch():
    # Given a batch whose first write sets a reserved bit of GLOBAL_CTRL, then the write #GPs and the
    # next write and read still happen.
    m = pmusim.Machine()
    results, gp = m.access_batch([pmusim.Machine.WRMSR] * 2 + [pmusim.Machine.RDMSR],
                                 [msr.IA32_PERF_GLOBAL_CTRL] * 3, [1 << 63, 0x3, 0])
    assert gp.tolist() == [True, False, False]
    assert results.tolist() == [0, 0, 0x3]


def test_empty_batch():
    results, gp = pmusim.Machine().access_batch([], [])
    assert results.shape == (0,) and gp.shape == (0,)


@pytest.mark.parametrize("args, error, text", [
    (([0, 0], [0x38F]), ValueError, "indices has 1 elements, ops has 2"),
    (([1], [0x38F], [1, 2]), ValueError, "values has 2 elements, ops has 1"),
    (([0, 3], [0x38F, 0x38F]), ValueError, "ops[1] = 3 is not an access"),
    ((["rdmsr", "cpuid"], [0x38F, 0]), ValueError, "ops[1] = 'cpuid' is not an access"),
    (([0, 0], [0x38F, 1 << 32]), ValueError, "indices[1] = 4294967296 is out of range"),
    (([1], [0x38F], [-1]), ValueError, "values[0] = -1 is negative"),
    (([2], [0], None, 4), ValueError, "cpl = 4 is out of range (0..3)"),
    (([2, 2], [0, 0], None, [0, 9]), ValueError, "cpl[1] = 9 is out of range"),
    (([0], [0.5]), TypeError, "indices[0] = 0.5 is not an integer"),
    (([0], np.array([0.5])), TypeError, "indices must be unsigned integers of at most 64 bits, got dtype float64"),
    (([1], [0x38F], np.array([-1])), ValueError, "values[0] = -1 is negative"),
    (([0, 0], [0x38F, 1 << 64]), ValueError, "indices[1] = 18446744073709551616 is out of range"),
    ((np.zeros((1, 1), dtype=np.uint8), [0x38F]), ValueError, "ops must be one-dimensional"),
    ((np.array(["rdmsr", "rdtsc"]), [0x38F, 0]), ValueError, "ops[1] = 'rdtsc' is not an access"),
    (("rdmsr", [0x38F]), TypeError, "ops must be a NumPy array or a sequence"),
    (([np.uint8(0), -1], [0x38F, 0x38F]), ValueError, "ops[1] = -1 is not an access"),
    (([True], [0x38F]), ValueError, "ops[0] = True is not an access"),
])
def test_malformed_batches_raise_and_change_nothing(args, error, text):
    m = pmusim.Machine()
    before = m.state()
    # the first access of every case is valid: it must not have run either
    with pytest.raises(error) as e:
        m.access_batch(*args)
    assert text in str(e.value)
    assert m.state() == before


def test_noop_access_returns_its_argument():
    # The benchmark's reference call: same arguments as wrmsr, no effect.
    m = pmusim.Machine()
    before = m.state()
    assert m._noop_access(msr.IA32_PERF_GLOBAL_CTRL, 1 << 40) == 1 << 40
    assert m.state() == before


def test_batch_writes_the_same_waveform(tmp_path):
    # Given two traced Machines, when one makes the accesses (one of them a #GP write) one call at a
    # time and the other as a batch, then the two VCD files are identical.
    ops, idx, vals, cpl = random_accesses("icelake", 150, seed=7)
    files = []
    for batched in (False, True):
        m = programmed("icelake", "fast")
        path = tmp_path / f"batched_{batched}.vcd"
        m.trace(str(path))
        m.run(1_000)
        if batched:
            _, gp = m.access_batch(ops, idx, vals, cpl)
            assert gp.any()
        else:
            for acc in zip(ops.tolist(), idx.tolist(), vals.tolist(), cpl.tolist()):
                single(m, *acc)
        m.run(1_000)
        m.end_trace()
        files.append(path.read_bytes())
    assert files[0] == files[1]


def test_batches_from_threads_give_the_single_threaded_results():
    # Given four Machines each alternating runs and batches, when they run in four threads at once,
    # then each gets what it gets alone (the batch holds the platform lock and releases the GIL).
    def job(cpu, mode, seed):
        m = programmed(cpu, mode)
        out = []
        for chunk in range(4):
            m.run(3_000 + 100 * seed)
            results, gp = m.access_batch(*random_accesses(cpu, 100, seed=seed * 10 + chunk))
            out.append((results.tolist(), gp.tolist(), m.cycle))
        return out

    jobs = [("skylake", "fast", 1), ("icelake", "per-cycle", 2), ("sapphirerapids", "fast", 3),
            ("lunarlake", "per-cycle", 4)]
    alone = [job(*j) for j in jobs]
    together = [None] * len(jobs)

    def worker(i):
        together[i] = job(*jobs[i])

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert together == alone
