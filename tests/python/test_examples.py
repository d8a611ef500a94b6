"""Every example under python/examples runs and prints what it promises."""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_example(name):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    return subprocess.run([sys.executable, os.path.join(ROOT, "python", "examples", name)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_quickstart():
    out = run_example("quickstart.py")
    assert out.returncode == 0, out.stderr
    assert "run stopped on PMI: True after 500,000 cycles" in out.stdout
    assert "PMC0 = 1," in out.stdout
    assert "#GP as expected" in out.stdout


def test_topdown_intervals():
    out = run_example("topdown_intervals.py")
    assert out.returncode == 0, out.stderr
    assert "17 intervals, 12 nodes" in out.stdout
    assert "bottleneck Fetch_Latency" in out.stdout
