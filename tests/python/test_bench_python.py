"""bench/bench_python.py keeps working (tiny sizes); it prints figures and asserts no timing."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_quick_benchmark_prints_every_figure():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "bench_python.py"), "--quick"],
                         capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "import pmusim [this tree]" in text and "heavy modules loaded: none" in text
    for row in ("bare pybind11 call", "rdmsr", "wrmsr", "rdpmc", "access_batch, per access"):
        assert row in text
    assert "sweep point [this tree]" in text and "overhead per point" in text


def test_run_all_prints_every_figure_and_every_target():
    # The one-run benchmark (bench/run_all.py) at tiny sizes: every figure and target line is
    # printed; --quick judges none of them.
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "run_all.py"), "--quick",
                          "--build", os.path.join(ROOT, "build")], capture_output=True, text=True, env=env, timeout=600)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for row in ("bare SC_THREAD loop", "bare SC_METHOD loop", "per-cycle mode / bare SC_METHOD loop",
                "standard virtualization scenario", "byte-identical", "peak memory, standard scenario",
                "on 1 Dask worker(s)", "on 2 Dask worker(s)", "2 workers could give at best",
                "sweep point overhead, isolation='worker'",
                "sweep point overhead, isolation='process'", "rdpmc"):
        assert row in text, row
    targets = text.split("targets (--quick")[1].splitlines()[1:]
    assert len(targets) == 11 and all(line.rstrip().endswith(" -") for line in targets)
