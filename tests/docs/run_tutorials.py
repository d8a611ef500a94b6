#!/usr/bin/env python3
"""Runs every ```sh and ```python block of the tutorials in docs/tutorials, in order, as a reader
would: one fresh directory per tutorial, `pmusim` and `python3` on PATH (the build's binary and
Debian's interpreter), the package importable. A block that fails fails the test, naming the
tutorial, the block's first line number and its output.

usage: run_tutorials.py [--pythonpath DIR] BIN_DIR [TUTORIAL.md ...]

BIN_DIR holds the `pmusim` binary (the build directory, or an installed prefix's bin). The package
is imported from the checkout's python/ unless --pythonpath names another directory (an installed
prefix's site directory: tests/install runs the tutorials there with the checkout hidden).
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)\s*$")


def blocks(path):
    """(language, first line number, text) of each fenced block."""
    lang, start, lines = None, 0, []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        m = FENCE.match(line)
        if lang is None and m:
            lang, start, lines = m.group(1), n + 1, []
        elif lang is not None and line.strip() == "```":
            yield lang, start, "\n".join(lines) + "\n"
            lang = None
        elif lang is not None:
            lines.append(line)
    if lang is not None:
        raise SystemExit(f"{path}:{start - 1}: unterminated code block")


def environment(build, bindir, pythonpath):
    (bindir / "pmusim").symlink_to(build / "pmusim")
    (bindir / "python3").symlink_to("/usr/bin/python3")
    env = dict(os.environ)
    env["PATH"] = f"{bindir}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = str(pythonpath)
    env["MPLBACKEND"] = "Agg"
    env.pop("PMUSIM_BLESS", None)
    return env


def shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def run_tutorial(path, build, pythonpath):
    ran = 0
    with tempfile.TemporaryDirectory(prefix="pmusim-tutorial-") as tmp:
        work, bindir = pathlib.Path(tmp) / "work", pathlib.Path(tmp) / "bin"
        work.mkdir()
        bindir.mkdir()
        env = environment(build, bindir, pythonpath)
        for lang, line, text in blocks(path):
            if lang == "sh":
                cmd = ["bash", "-e", "-o", "pipefail", "-c", text]
            elif lang == "python":
                cmd = ["/usr/bin/python3", "-c", text]
            else:
                continue  # yaml and plain blocks are shown, not run
            p = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=600)
            ran += 1
            if p.returncode != 0:
                print(f"FAIL {shown(path)}:{line}: {lang} block exited {p.returncode}\n"
                      f"--- stdout\n{p.stdout[-3000:]}--- stderr\n{p.stderr[-3000:]}")
                return False
    print(f"ok   {shown(path)}: {ran} blocks")
    return ran > 0


def main(argv):
    pythonpath = ROOT / "python"
    if len(argv) > 2 and argv[1] == "--pythonpath":
        pythonpath, argv = pathlib.Path(argv[2]).resolve(), argv[:1] + argv[3:]
    if len(argv) < 2:
        raise SystemExit(__doc__)
    build = pathlib.Path(argv[1]).resolve()
    if not (build / "pmusim").exists():
        raise SystemExit(f"{build}/pmusim: no such binary (build first)")
    paths = [pathlib.Path(a).resolve() for a in argv[2:]] or sorted((ROOT / "docs/tutorials").glob("*.md"))
    results = [run_tutorial(p, build, pythonpath) for p in paths]
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
