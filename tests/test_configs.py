"""Every config in experiments/configs builds and sets only keys that `default` defines (a
misspelt key would otherwise be silently ignored by training; ml_collections checks the types)."""

import importlib
from pathlib import Path

import pytest

from experiments.configs import default

CONFIGS = sorted(p.stem for p in (Path(__file__).parents[1] / "experiments" / "configs").glob(
    "*.py") if p.stem not in ("__init__", "default"))


def _unknown_keys(config, reference, prefix=""):
    unknown = []
    for key, value in config.items():
        if key not in reference:
            unknown.append(prefix + key)
        elif hasattr(value, "items") and hasattr(reference[key], "items"):
            unknown += _unknown_keys(value, reference[key], prefix + key + ".")
    return unknown


@pytest.mark.parametrize("name", CONFIGS)
def test_config_sets_only_default_keys(name):
    config = importlib.import_module(f"experiments.configs.{name}").get_config()
    assert _unknown_keys(config, default.get_config()) == []


def test_the_check_catches_a_misspelt_key():
    config = default.get_config()
    config.learning_rte = 1e-3
    config.data.crop_sise = 64
    assert sorted(_unknown_keys(config, default.get_config())) == ["data.crop_sise", "learning_rte"]
