"""One version everywhere: `pmusim --version`, pmusim.__version__, `python3 -m pmusim --version`."""
import os
import subprocess
import sys

import pmusim

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_package_and_the_cli_report_the_same_version():
    cli = subprocess.run([os.path.join(ROOT, "build", "pmusim"), "--version"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.strip() == f"pmusim {pmusim.__version__}"
    parts = pmusim.__version__.split(".")
    assert len(parts) == 3 and all(p.isdigit() for p in parts), pmusim.__version__


def test_python_m_pmusim_version():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    out = subprocess.run([sys.executable, "-m", "pmusim", "--version"], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"pmusim {pmusim.__version__}"
