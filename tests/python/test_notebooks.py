"""The example notebooks (docs/examples/*.ipynb) run from top to bottom without an error: through
a Jupyter kernel when nbclient is installed (Debian python3-nbclient), else their code cells in
order as one script."""
import glob
import json
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "docs", "examples", "*.ipynb")))


def test_there_is_an_example_notebook():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=os.path.basename)
def test_notebook_runs(path, tmp_path, monkeypatch):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    assert nb["nbformat"] == 4 and nb["cells"]
    try:
        import nbformat
        from nbclient import NotebookClient
    except ImportError:
        nbformat = None
    if nbformat is None:
        # No Jupyter: the code cells, in order, in one namespace, as the kernel would run them.
        monkeypatch.chdir(tmp_path)
        scope = {"__name__": "__main__"}
        for i, cell in enumerate(c for c in nb["cells"] if c["cell_type"] == "code"):
            exec(compile("".join(cell["source"]), f"{os.path.basename(path)} cell {i}", "exec"), scope)
        return
    notebook = nbformat.reads(json.dumps(nb), as_version=4)
    nbformat.validate(notebook)
    env_path = os.path.join(ROOT, "python")
    monkeypatch.setenv("PYTHONPATH", env_path + os.pathsep + os.environ.get("PYTHONPATH", ""))
    NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # Each plot cell displayed its Figure (the notebook's inline backend, not one pmusim chose).
    assert sum("image/png" in o.get("data", {}) for o in outputs) >= 3
