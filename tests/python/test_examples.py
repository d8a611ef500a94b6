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


def test_perf_metrics_quantization(tmp_path):
    out = run_example("perf_metrics_quantization.py")
    assert out.returncode == 0, out.stderr
    assert "8-bit fields: worst 0.4" in out.stdout       # at most half an LSB: round to nearest
    assert "16-bit fields: worst 0.00" in out.stdout


def test_protocol_mutations():
    out = run_example("protocol_mutations.py")
    assert out.returncode == 0, out.stderr
    assert "55 mutants: 41 caught, 14 clean" in out.stdout
    assert "PERF_METRICS of vm0 reaches the host at perf_put_guest_context" in out.stdout


def test_multiplexing_error():
    out = run_example("multiplexing_error.py")
    assert out.returncode == 0, out.stderr
    assert "errors are exactly 0 up to 4 events: True" in out.stdout
    assert "      5         True" in out.stdout


def test_vmexit_accuracy():
    out = run_example("vmexit_accuracy.py")
    assert out.returncode == 0, out.stderr
    assert "every run clean: True" in out.stdout
