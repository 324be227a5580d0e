"""Build a model from its settings (a config's `model` section or a zoo record's `model` dict)."""

from collections.abc import Mapping

from rnncomp.models.islam2021 import islam2021
from rnncomp.models.iterative import RecurrentCodec
from rnncomp.models.toderici2017 import toderici2017

ARCHITECTURES = {"toderici2017": toderici2017, "islam2021": islam2021}
SETTINGS = ("width", "cell", "reconstruction", "analysis_gdn", "synthesis_gdn", "bits",
            "block_transform")


def build_model(settings: Mapping) -> RecurrentCodec:
    """settings = {"name": "islam2021" | "toderici2017", width, cell, reconstruction, ...}."""
    settings = dict(settings)
    name = settings.pop("name", None)
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown model {name!r}: choose one of {sorted(ARCHITECTURES)}")
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown model settings {sorted(unknown)}: known are {list(SETTINGS)}")
    return ARCHITECTURES[name](**settings)
