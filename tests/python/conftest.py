import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "python"))


def pytest_addoption(parser):
    # Golden waveforms (docs/waveforms.md): rewrite tests/golden after an intended change.
    parser.addoption("--bless-waveforms", action="store_true", help="rewrite the golden waveforms in tests/golden")
