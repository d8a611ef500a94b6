"""The README's examples run as written, from a clone with a build in build/.

Every line of the README's command block runs from a directory that holds `build`, `python` and
`tests` of this checkout (so the files they write land there, not in the checkout) and exits 0,
except the lines the README itself says fail. Each Python block runs as a script; a line
`EXPR  # -> VALUE` is checked as `EXPR == VALUE`.
"""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
README = os.path.join(ROOT, "README.md")
# Commands the README presents as failing on purpose, with the exit status it implies.
EXPECTED_FAILURES = {"--kvm-variant reset_keeps_perf_metrics": 1}  # "a KVM defect, caught"


def blocks(lang):
    """The README's fenced blocks of a language ('' for a plain block), each as a list of lines."""
    out, cur, inside = [], None, False
    with open(README) as f:
        for line in f.read().splitlines():
            fence = re.match(r"^```(\w*)$", line)
            if fence and not inside:
                inside, cur = True, ([] if fence.group(1) == lang else None)
            elif line == "```" and inside:
                inside = False
                if cur is not None:
                    out.append(cur)
            elif inside and cur is not None:
                cur.append(line)
    return out


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    for name in ("build", "python", "tests"):
        os.symlink(os.path.join(ROOT, name), d / name)
    return d


def commands():
    (block,) = blocks("")
    return [line for line in block if line.strip()]


def test_the_readme_has_its_examples():
    assert len(commands()) >= 10
    assert len(blocks("python")) == 2


@pytest.mark.parametrize("line", commands())
def test_command(clone, line):
    want = next((code for key, code in EXPECTED_FAILURES.items() if key in line), 0)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # as a user's shell has it
    r = subprocess.run(["bash", "-c", line], cwd=clone, capture_output=True, text=True, timeout=300, env=env,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == want, f"{line}\nexit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}"
    if " wave diff " in line:
        assert r.stdout.startswith("identical"), r.stdout
    if "plot " in line and " -o " in line:
        assert (clone / line.split(" -o ")[1].split()[0]).stat().st_size > 0


def as_checks(lines):
    """`EXPR  # -> VALUE` becomes an assertion; everything else runs as written."""
    out = []
    for line in lines:
        m = re.match(r"^(\S.*?)\s*#\s*->\s*(.+)$", line)
        out.append(f"assert ({m.group(1)}) == ({m.group(2)}), {m.group(1)!r}" if m else line)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("index", range(len(blocks("python"))))
def test_python_block(clone, index):
    code = as_checks(blocks("python")[index])
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    r = subprocess.run([sys.executable, "-c", code], cwd=clone, capture_output=True, text=True, env=env, timeout=300,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"{code}\n{r.stderr[-3000:]}"


def test_a_wrong_value_comment_fails(clone):
    """The `# -> VALUE` check can fail: the README's last line with a wrong value."""
    code = as_checks(blocks("python")[1][:-1] + ["m.rdpmc((1 << 30) | 1)   # -> 9999"])
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    r = subprocess.run([sys.executable, "-c", code], cwd=clone, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode != 0 and "AssertionError" in r.stderr
