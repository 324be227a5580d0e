"""Shared fixtures; slow and gpu tests are skipped by default (see pyproject's addopts)."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # experiments.configs
SHARED = ROOT.parent / "shared"


@pytest.fixture
def shared_data():
    path = SHARED / "data"
    if not (path / "train").is_dir():
        pytest.skip("../shared/data is absent")
    return path
