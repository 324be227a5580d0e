"""Shared fixtures; slow and gpu tests are skipped by default (see pyproject's addopts)."""

import subprocess
import sys
from pathlib import Path

import pytest

from rnncomp.models import zoo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # experiments.configs
SHARED = ROOT.parent / "shared"


@pytest.fixture
def shared_data():
    path = SHARED / "data"
    if not (path / "train").is_dir():
        pytest.skip("../shared/data is absent")
    return path


def git_blob(commit: str, path: str) -> bytes:
    """A file of this repository's history, or a skip where there is no such history (an
    installed copy, a shallow clone)."""
    try:
        result = subprocess.run(["git", "-C", str(ROOT), "show", f"{commit}:{path}"],
                                capture_output=True, check=False)
    except FileNotFoundError:
        pytest.skip("git is absent")
    if result.returncode != 0:
        pytest.skip(f"{commit[:7]}:{path} is not in this checkout's history")
    return result.stdout


@pytest.fixture
def restore_retired(tmp_path, monkeypatch):
    """restore(model_id): a retired zoo entry's files, from the commit its record names, into a
    folder that $RNNCOMP_WEIGHTS_DIR points to (as `rnncomp models --all` says to)."""
    monkeypatch.setenv(zoo.WEIGHTS_DIR_VARIABLE, str(tmp_path))

    def restore(model_id):
        entry = zoo.get_entry(model_id)
        for name in entry.files():
            (tmp_path / name).write_bytes(
                git_blob(entry.retired_at, f"rnncomp/models/weights/{name}"))

    return restore
