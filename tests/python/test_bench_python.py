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
