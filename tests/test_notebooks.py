"""The job notebooks run top to bottom on bundled data with no network, and the committed
files are what ``notebooks/build.py`` writes (no outputs)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def _builder():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_one_notebook_per_job():
    assert [p.name for p in PATHS] == sorted(_builder().NOTEBOOKS)
    assert len(PATHS) == len(_builder().NOTEBOOKS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_committed_notebook_is_built_and_clean(path, tmp_path):
    fresh = _builder().build(tmp_path)
    built = nbformat.read(str(tmp_path / path.name), as_version=4)
    committed = nbformat.read(str(path), as_version=4)
    assert [c.source for c in committed.cells] == [c.source for c in built.cells], \
        "run python notebooks/build.py"
    assert all(not c.get("outputs") for c in committed.cells if c.cell_type == "code")
    assert fresh


@pytest.mark.slow
@pytest.mark.parametrize("path", PATHS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path):
    nb = nbformat.read(str(path), as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors
