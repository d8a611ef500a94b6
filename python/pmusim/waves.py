"""Golden waveforms in pytest (docs/waveforms.md): compare a run's VCD with a kept one by signal
and time (pmusim.wave_diff, the CLI's `wave diff`), or bless it after an intended change."""
import os
import shutil

from ._pmusim import wave_diff


def check_waveform(actual, golden, bless=False, signals=()):
    """Raise AssertionError with `wave diff`'s report when the VCD `actual` differs from `golden`.

    bless=True, or PMUSIM_BLESS=1 in the environment, copies `actual` over `golden` instead (a
    missing golden file is written too). Returns wave_diff's dict, or None when blessed.
    """
    actual, golden = os.fspath(actual), os.fspath(golden)
    if bless or os.environ.get("PMUSIM_BLESS") == "1":
        shutil.copyfile(actual, golden)
        return None
    if not os.path.exists(golden):
        raise AssertionError(f"{golden}: no golden waveform; bless it (bless=True or PMUSIM_BLESS=1) after checking {actual}")
    d = wave_diff(golden, actual, list(signals))
    if not d["identical"]:
        raise AssertionError(f"waveform {actual} differs from {golden}; if intended, bless it\n{d['report']}")
    return d
