"""`import pmusim` stays light: pandas and matplotlib load only when a frame or a plot is made, and
every public name still works after that."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_fresh(code):
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_import_loads_neither_pandas_nor_matplotlib():
    assert run_fresh("""
        import pmusim, sys
        print('pandas' in sys.modules, 'matplotlib' in sys.modules)
    """) == ["False", "False"]


def test_import_loads_neither_numpy_nor_yaml_until_used():
    # NumPy's PMI record type is registered on first use of Machine.pmis, YAML on the first scenario dict.
    assert run_fresh("""
        import pmusim, sys
        print('numpy' in sys.modules, 'yaml' in sys.modules)
        m = pmusim.Machine()
        print(m.pmis.dtype.names, 'numpy' in sys.modules)
        d = pmusim.scenario_dict("perf_metrics_patch")
        print('yaml' in sys.modules, pmusim.get_param(d, "cpu") is not None)
    """) == ["False", "False", "('cycle',", "'sources',", "'status')", "True", "True", "True"]


def test_every_public_name_resolves_without_pandas():
    # `from pmusim import *` and every name of __all__ still work, and still load neither.
    assert run_fresh("""
        import sys
        import pmusim
        from pmusim import *  # noqa: F403
        missing = [n for n in pmusim.__all__ if not hasattr(pmusim, n)]
        print(missing == [], 'pandas' in sys.modules, 'matplotlib' in sys.modules)
    """) == ["True", "False", "False"]


def test_a_frame_after_import_loads_pandas_and_works():
    assert run_fresh("""
        import sys
        import pmusim
        m = pmusim.Machine(cpu="sapphirerapids")
        f = pmusim.stat_frame(m.stat(["instructions"], 100_000))
        print(type(f).__module__.split('.')[0], len(f), 'pandas' in sys.modules, 'matplotlib' in sys.modules)
    """) == ["pandas", "1", "True", "False"]


def test_machines_work_without_pandas_and_matplotlib_installed():
    # They are optional (setup.py extras): importing the package and simulating must not need them.
    assert run_fresh("""
        import sys
        sys.modules['pandas'] = sys.modules['matplotlib'] = None   # any import of them now fails
        import pmusim
        m = pmusim.Machine()
        m.wrmsr(pmusim.msr.IA32_FIXED_CTR_CTRL, 0x30)
        m.wrmsr(pmusim.msr.IA32_PERF_GLOBAL_CTRL, 1 << 33)
        m.run(1000)
        results, gp = m.access_batch(["rdpmc"], [pmusim.RDPMC_FIXED | 1])
        print(int(results[0]), bool(gp[0]))
        try:
            pmusim.stat_frame([])
        except ImportError:
            print("frames need pandas")
    """) == ["1000", "False", "frames", "need", "pandas"]


def test_plots_load_on_first_attribute_access():
    # pmusim.plots without an explicit import: loaded on first use (PEP 562 module __getattr__).
    assert run_fresh("""
        import sys
        import pmusim
        before = 'matplotlib' in sys.modules
        fn = pmusim.plots.plot_heatmap
        print(before, 'matplotlib' in sys.modules, callable(fn))
    """) == ["False", "True", "True"]


def test_unknown_attribute_still_raises_attribute_error():
    assert run_fresh("""
        import pmusim
        try:
            pmusim.no_such_name
        except AttributeError as e:
            print('no_such_name' in str(e))
    """) == ["True"]
