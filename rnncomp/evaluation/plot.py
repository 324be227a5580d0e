"""Rate-distortion plots (PSNR and MS-SSIM against bpp) from results dicts, as PNG and SVG.

Figures are built with matplotlib's object API (`Figure`, rendered by the Agg and SVG canvases),
so importing this module neither needs a display nor changes pyplot's global backend.

Published curves can be overlaid from reference CSV files (dashed, marked "published"); they are
read for display only and never enter a results file. Two CSV layouts are understood:

- long, one row per point (published_kodak.csv):
      codec,bpp,psnr_rgb,ms_ssim_rgb,source
- wide, one row per rate and one column pair per curve (islam2021_kodak_mean.csv):
      iterations,bpp_uncoded,gdn_msssim_rgb,gdn_psnr_rgb,lstm_msssim_rgb,lstm_psnr_rgb
  where the first column starting with "bpp" is the rate and every "<curve>_psnr_rgb" /
  "<curve>_msssim_rgb" pair is one curve.
"""

import csv
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes

METRICS = (("psnr-rgb", "PSNR RGB [dB]"), ("ms-ssim-rgb", "MS-SSIM RGB"))


def read_reference_csv(path: str | Path) -> list[dict[str, Any]]:
    """The curves of a reference CSV as results-shaped dicts (missing values as NaN)."""
    path = Path(path)
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path} has no rows")
    columns = list(rows[0])
    if {"codec", "bpp", "psnr_rgb", "ms_ssim_rgb"} <= set(columns):
        return _long_curves(rows, path.name)
    return _wide_curves(rows, columns, path.name)


def plot_rd(
    curves: Sequence[Mapping[str, Any]],
    out_stem: str | Path,
    references: Iterable[str | Path] = (),
    title: str = "",
    ms_ssim_db: bool = False,
) -> list[Path]:
    """Draw PSNR-bpp and MS-SSIM-bpp side by side; write `<out_stem>.png` and `.svg`.

    `curves` are results dicts (see results.py). `references` are CSV paths to overlay.
    With `ms_ssim_db`, MS-SSIM is shown as -10 log10(1 - MS-SSIM), which spreads out the
    high-quality end. Returns the written paths.
    """
    # imported here: matplotlib takes longer to import than the codec commands take to start
    from matplotlib import colormaps
    from matplotlib.figure import Figure

    overlays = [curve for path in references for curve in read_reference_csv(path)]
    fig = Figure(figsize=(12, 4.8))
    axes = fig.subplots(1, 2)
    for ax, (metric, label) in zip(axes, METRICS, strict=True):
        for curve in curves:
            _draw(ax, curve, metric, ms_ssim_db, marker="o", linestyle="-")
        # A palette apart from the default cycle keeps our curves distinguishable from them.
        palette = colormaps["tab20b"]
        for i, curve in enumerate(overlays):
            style = {"marker": ".", "linestyle": "--", "color": palette(i % palette.N)}
            _draw(ax, curve, metric, ms_ssim_db, **style)
        ax.set_xlabel("bits per pixel")
        ax.set_ylabel("MS-SSIM RGB [dB]" if metric == "ms-ssim-rgb" and ms_ssim_db else label)
        ax.grid(True, alpha=0.3)
        if ax.has_data():
            ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    out_stem = Path(out_stem)
    out_stem.parent.mkdir(parents=True, exist_ok=True)
    paths = [out_stem.with_suffix(".png"), out_stem.with_suffix(".svg")]
    for path in paths:
        fig.savefig(path, dpi=150)
    return paths


def _draw(ax: "Axes", curve: Mapping[str, Any], metric: str, ms_ssim_db: bool,
          **style: Any) -> None:
    values = curve["results"]
    if metric not in values:
        return
    points = sorted(
        (x, y)
        for x, y in zip(values["bpp"], values[metric], strict=True)
        if x is not None and y is not None and math.isfinite(x) and math.isfinite(y)
    )
    if not points:
        return
    xs, ys = zip(*points, strict=True)
    if metric == "ms-ssim-rgb" and ms_ssim_db:
        ys = [-10.0 * math.log10(1.0 - y) if y < 1.0 else math.nan for y in ys]
    ax.plot(xs, ys, label=curve["name"], markersize=4, **style)


def _number(text: str | None) -> float:
    return float(text) if text not in (None, "") else math.nan


def _long_curves(rows: list[dict[str, str]], source: str) -> list[dict[str, Any]]:
    curves: dict[str, dict[str, Any]] = {}
    for row in rows:
        curve = curves.setdefault(
            row["codec"],
            {
                "name": f"{row['codec']} (published)",
                "description": row.get("source") or source,
                "results": {"bpp": [], "psnr-rgb": [], "ms-ssim-rgb": []},
            },
        )
        curve["results"]["bpp"].append(_number(row["bpp"]))
        curve["results"]["psnr-rgb"].append(_number(row["psnr_rgb"]))
        curve["results"]["ms-ssim-rgb"].append(_number(row["ms_ssim_rgb"]))
    return list(curves.values())


def _wide_curves(
    rows: list[dict[str, str]], columns: list[str], source: str
) -> list[dict[str, Any]]:
    bpp_column = next((c for c in columns if c.startswith("bpp")), None)
    names = [c.removesuffix("_psnr_rgb") for c in columns if c.endswith("_psnr_rgb")]
    if bpp_column is None or not names:
        raise ValueError(f"{source}: no bpp column or no <curve>_psnr_rgb columns in {columns}")
    stem = Path(source).stem
    return [
        {
            "name": f"{stem} {name} (published)",
            "description": source,
            "results": {
                "bpp": [_number(row[bpp_column]) for row in rows],
                "psnr-rgb": [_number(row[f"{name}_psnr_rgb"]) for row in rows],
                "ms-ssim-rgb": [_number(row.get(f"{name}_msssim_rgb")) for row in rows],
            },
        }
        for name in names
    ]
