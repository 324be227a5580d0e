"""Rate-distortion results files in CompressAI's schema, plus a `meta` record.

    {
      "name": "jpeg420",
      "description": "JPEG 4:2:0, Pillow quality, ...",
      "results": {"bpp": [...], "psnr-rgb": [...], "ms-ssim-rgb": [...], ...},
      "meta": {"versions": {...}, "command": "...", ...}
    }

As CompressAI's results/image/<dataset>/*.json (utils/eval_model, utils/bench): every list in
`results` holds one value per rate point, in the same order; "bpp" is required, other metrics
are optional. `meta` is ours: library versions, the command that produced the file, and any
convention worth recording (e.g. which MS-SSIM convention "ms-ssim-rgb" uses).
"""

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def make_results(
    name: str,
    description: str,
    metrics: Mapping[str, Sequence[float]],
    meta: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A validated results dict; `metrics` maps "bpp", "psnr-rgb", ... to equal-length lists."""
    results = {
        "name": name,
        "description": description,
        "results": {key: [float(v) for v in values] for key, values in metrics.items()},
        "meta": dict(meta or {}),
    }
    validate_results(results)
    return results


def validate_results(results: Mapping[str, Any]) -> None:
    """Raise ValueError unless `results` follows the schema above."""
    for key, kind in (("name", str), ("description", str), ("results", dict)):
        if not isinstance(results.get(key), kind):
            raise ValueError(f"results need a {kind.__name__} {key!r}")
    metrics = results["results"]
    if "bpp" not in metrics:
        raise ValueError("results['results'] needs a 'bpp' list")
    lengths = {key: len(values) for key, values in metrics.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"metric lists differ in length: {lengths}")
    if not isinstance(results.get("meta", {}), dict):
        raise ValueError("'meta' must be a dict")


def write_results(path: str | Path, results: Mapping[str, Any]) -> None:
    """Validate and write `results` as indented JSON (non-finite values as null)."""
    validate_results(results)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite_or_none(results), indent=2) + "\n")


def read_results(path: str | Path) -> dict[str, Any]:
    """Read and validate a results file; null metric values come back as NaN.

    Files without `meta` (e.g. CompressAI's own) get an empty one.
    """
    results = json.loads(Path(path).read_text())
    results.setdefault("meta", {})
    validate_results(results)
    results["results"] = {
        key: [math.nan if v is None else v for v in values]
        for key, values in results["results"].items()
    }
    return results


def interpolate_at_bpp(
    results: Mapping[str, Any], bpp: Sequence[float] | float, metric: str = "psnr-rgb"
) -> np.ndarray:
    """`metric` at the given bpp values, linear in bpp between measured points.

    NaN outside the measured bpp range (no extrapolation). Points are sorted by bpp first.
    """
    curve = results["results"]
    x = np.asarray(curve["bpp"], float)
    y = np.asarray(curve[metric], float)
    order = np.argsort(x)
    at = np.asarray(bpp, float)
    return np.interp(at, x[order], y[order], left=np.nan, right=np.nan)


def _finite_or_none(value: Any) -> Any:
    """JSON has no NaN or infinity: write them as null (e.g. PSNR of a lossless point)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {key: _finite_or_none(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(v) for v in value]
    return value
