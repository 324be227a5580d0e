"""`rnncomp eval`: rate-distortion evaluation of classical codecs and zoo models on a folder.

Every (codec or model, image, setting) gives one point, cached as a row of out_dir/points.csv,
so a second run computes only what is missing. The points are then averaged over the images
into one results file per codec or model (CompressAI's schema, results.py), a table at fixed
bpp, BD-rates against anchor codecs, RD plots and out_dir/summary.md.

Conventions:
- bpp is the real file size: len(file) * 8 / pixels, headers included. For our models, a point
  per iteration count k, its bpp that of the file cut after k iterations (`codec.info`).
- PSNR over all RGB samples of the uint8 reconstruction; MS-SSIM in Google's msssim.py
  convention ("ms-ssim-rgb", the convention of Islam et al. 2021) with the per-channel one of
  pytorch_msssim/CompressAI also kept ("ms-ssim-rgb-per-channel"). Means are over images.
- Images are read as 8-bit RGB (EXIF orientation applied, alpha dropped, gray repeated).
  Unreadable files and images under 161 px on a side (MS-SSIM's 5 scales need 161) are skipped
  and listed, so every mean is over the same images; an image on which a codec fails is
  dropped from all means for the same reason.
- Values at fixed bpp: linear in bpp between the mean points, n/a outside them.
- BD-rate: Bjøntegaard with PCHIP interpolation (as the JVET CTC spreadsheets), over the points
  of each curve that improve on every cheaper point; MS-SSIM as -10 log10(1 - MS-SSIM) dB.

Classical codecs run in a pool of worker processes (spawned, not forked: the parent may hold
JAX's threads); JAX models run in this process, one image after another.
"""

import argparse
import contextlib
import csv
import dataclasses
import io
import math
import multiprocessing
import os
import shlex
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

import jax
import numpy as np

import rnncomp
from rnncomp.codec.codec import MAX_ITERATIONS, Runtime, compress, decompress_iterations, info
from rnncomp.codec.codec import from_zoo as runtime_from_zoo
from rnncomp.codec.images import from_pil, read_image
from rnncomp.codec.search import METRICS as SEARCH_METRICS
from rnncomp.evaluation.bd_rate import bd_rate
from rnncomp.evaluation.classical import Codec, available_codecs
from rnncomp.evaluation.metrics import MS_SSIM_MIN_SIDE, ms_ssim, psnr
from rnncomp.evaluation.plot import plot_rd, read_reference_csv
from rnncomp.evaluation.results import interpolate_at_bpp, make_results, write_results
from rnncomp.models import zoo

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".pnm", ".tif", ".tiff",
                  ".webp")
BPP_TARGETS = (0.125, 0.25, 0.5, 1.0, 2.0)
DEFAULT_ANCHORS = ("jpeg420", "hevc420")
BD_METHOD = "pchip"
# Quality sweeps measured on Kodak to span about 0.1-2 bpp and beyond (JPEG, WebP and JPEG XL
# cannot go much under 0.15-0.2 bpp on average).
DEFAULT_QUALITIES = {
    "jpeg420": (1, 3, 5, 8, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95),
    "jpeg444": (1, 3, 5, 8, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95),
    "jpeg2000": (20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40, 42, 44, 46),
    "webp": (0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95),
    "avif": (0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90),
    "jpegxl": (5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95),
    "hevc420": (0, 5, 10, 15, 20, 25, 30, 35, 40, 50, 60, 70),
}
POINT_COLUMNS = ("codec", "image", "setting", "bytes", "pixels", "bpp", "psnr_rgb",
                 "ms_ssim_rgb_google", "ms_ssim_rgb_per_channel", "seconds_encode",
                 "seconds_decode")
MS_SSIM_GOOGLE = "Google msssim.py"
# Conventions of the reference curves, from their `source` text or, for the file without one,
# from the reference README.
REFERENCE_CONVENTIONS = {"pytorch_msssim": "per-channel (pytorch_msssim)",
                         "google msssim": MS_SSIM_GOOGLE,
                         "islam2021_kodak_mean.csv": f"{MS_SSIM_GOOGLE}; nominal bpp k/8"}

Key = tuple[str, str, int]  # (codec or model, image, setting)
SEARCH = "+search"  # a model curve "ID+search20[-mse]": ID's encoder with its bits searched


def model_curve(name: str) -> tuple[str, int, str]:
    """A model curve's name → (zoo id, search steps, search metric): "ID" (no search),
    "ID+searchN" (N steps for MS-SSIM) or "ID+searchN-mse" (`codec.compress`'s search)."""
    model_id, separator, search = name.partition(SEARCH)
    if not separator:
        return name, 0, "ms-ssim"
    steps, _, metric = search.partition("-")
    metric = metric or "ms-ssim"
    if not steps.isdigit() or int(steps) < 1 or metric not in SEARCH_METRICS:
        raise ValueError(f"bad model {name!r}: give ID, ID{SEARCH}STEPS or "
                         f"ID{SEARCH}STEPS-mse")
    return model_id, int(steps), metric


@dataclasses.dataclass(frozen=True)
class EvalSummary:
    """What `evaluate_folder` did and wrote."""

    images: list[str]  # the images every mean is over
    skipped: list[tuple[str, str]]  # (file, or codec failing on all, reason)
    computed: int  # points computed in this run
    reused: int  # points read from points.csv
    results: dict[str, dict[str, Any]]  # name -> results dict (as written to results/)
    table: dict[str, dict[str, list[float]]]  # metric -> curve -> values at BPP_TARGETS
    bd_rates: dict[str, dict[str, dict[str, float]]]  # anchor -> curve -> metric -> %
    files: list[Path]  # everything written besides points.csv


def evaluate_folder(
    folder: str | Path,
    out_dir: str | Path,
    models: Sequence[str] | None = None,
    codecs: Sequence[str] | None = None,
    qualities: Mapping[str, Sequence[int]] | None = None,
    references: Iterable[str | Path] = (),
    anchors: Sequence[str] = DEFAULT_ANCHORS,
    workers: int | None = os.cpu_count(),
    runtime_overrides: Mapping[str, Runtime] | None = None,
    iterations: int = MAX_ITERATIONS,
    limit: int | None = None,
    command: str | None = None,
) -> EvalSummary:
    """Evaluate `codecs` (default: every available classical codec) and `models` (default: the
    zoo's packaged models, and the retired ones that out_dir's points.csv holds) on the images of
    `folder`; write points.csv, results/*.json, plots/rd*.{png,svg} and summary.md under
    `out_dir`.

    `qualities` overrides DEFAULT_QUALITIES per codec; models are coded once with `iterations`
    iterations, one point per prefix. `runtime_overrides` maps model ids to Runtimes used instead
    of the zoo's (tests, unshipped weights). `limit` keeps the first N images by name. Anchors
    not evaluated are left out of the BD-rate tables. With workers > 1 the classical codecs run
    in spawned processes, which import the caller's main module: call this from behind an
    `if __name__ == "__main__":` guard.
    """
    out_dir = Path(out_dir)
    runtime_overrides = dict(runtime_overrides or {})
    default_models = models is None
    models = zoo.shipped() if default_models else list(models)
    for name in models:
        model_id = model_curve(name)[0]
        if model_id not in runtime_overrides and model_id not in zoo.ZOO:
            raise ValueError(f"unknown model {model_id!r} (zoo: {', '.join(zoo.ZOO) or 'none'})")
    codec_objects, unavailable = _codecs()
    codecs = list(codec_objects if codecs is None else codecs)
    for name in codecs:
        if name not in codec_objects:
            raise ValueError(f"unknown or unavailable codec {name!r} (available: "
                             f"{', '.join(codec_objects)}; unavailable: {unavailable or 'none'})")
    settings = {name: tuple((qualities or {}).get(name, DEFAULT_QUALITIES.get(name, ())))
                for name in codecs}
    for name, values in settings.items():
        if not values:
            raise ValueError(f"no qualities given for codec {name!r}")
    if models and not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be 1..{MAX_ITERATIONS}, got {iterations}")
    if not settings and not models:
        raise ValueError("nothing to evaluate: no codecs and no models")

    images, skipped = _read_folder(Path(folder), limit)
    cache = PointCache(out_dir / "points.csv")
    iterations_of = dict.fromkeys(models, iterations)
    if default_models:  # retired models and searched curves are tabulated from cached points
        cached = {}
        for curve, _, k in cache.keys():
            cached[curve] = max(k, cached.get(curve, 0))
        models += [m for m in zoo.ZOO if m not in models and m in cached]
        searched = [c for c in cached if SEARCH in c and model_curve(c)[0] in zoo.ZOO]
        for curve in sorted(searched, key=lambda c: (list(zoo.ZOO).index(model_curve(c)[0]), c)):
            models.append(curve)
            iterations_of[curve] = cached[curve]
    settings.update({name: tuple(range(1, iterations_of.get(name, iterations) + 1))
                     for name in models})
    needed = {(curve, name, s) for curve, values in settings.items() for name in images
              for s in values}
    reused = len(needed & cache.keys())
    failures = _compute_classical(cache, codecs, settings, images, workers)
    for name in models:
        model_id, steps, metric = model_curve(name)
        runtime = runtime_overrides.get(model_id) or partial(runtime_from_zoo, model_id)
        try:
            failures += _compute_model(cache, name, runtime, images,
                                       iterations_of.get(name, iterations), (steps, metric))
        except zoo.RetiredModelError as err:  # points missing for a model nobody asked for
            if not default_models:
                raise
            failures += [(name, image, str(err)) for image in images]
    computed = len(needed & cache.keys()) - reused

    failed: dict[str, dict[str, str]] = {}  # curve -> image -> reason
    for curve, image, reason in failures:
        failed.setdefault(curve, {})[image] = reason
    for curve, reasons in failed.items():
        if len(reasons) == len(images):
            del settings[curve]
            skipped.append((curve, f"failed on every image, e.g. {next(iter(reasons.values()))}"))
        else:
            skipped += [(image, f"{curve}: {reason}") for image, reason in reasons.items()]
    common = [name for name in images
              if not any(name in failed.get(curve, {}) for curve in settings)]
    if not settings or not common:
        raise ValueError(f"nothing could be evaluated: {_skip_list(skipped)}")
    meta = {"command": command or shlex.join(sys.argv), "folder": str(folder),
            "date": datetime.now(UTC).isoformat(timespec="seconds"), "images": len(common),
            "ms-ssim-rgb": f"{MS_SSIM_GOOGLE} convention (RGB jointly, 5 scales)",
            "ms-ssim-rgb-per-channel": "pytorch_msssim convention (CompressAI)",
            "bpp": "real file size x 8 / pixels, headers included"}
    results = {}
    for curve, values in settings.items():
        if curve in codec_objects:
            codec = codec_objects[curve]
            description = f"{codec.description}; qualities {list(values)}"
            versions, setting_key = codec.versions(), "quality"
        else:
            model_id, steps, metric = model_curve(curve)
            entry = zoo.ZOO.get(model_id)
            runtime = runtime_overrides.get(model_id)
            description = (entry.description if entry
                           else f"model {model_id} (given by the caller)")
            if steps:
                description += f"; each iteration's bits searched, {steps} steps for {metric}"
            versions = {"jax": jax.__version__, "weights_sha256":
                        runtime.weights_sha256 if runtime else entry.sha256}
            setting_key = "iterations"
        versions["rnncomp"] = rnncomp.__version__
        metrics = _mean_curve(cache, curve, values, common, setting_key)
        results[curve] = make_results(curve, description, metrics, {**meta, "versions": versions})

    references = [Path(p) for p in references]
    reference_curves = [c for path in references for c in read_reference_csv(path)]
    table = {metric: {name: _at_targets(curve, metric).tolist()
                      for name, curve in [*results.items(),
                                          *((c["name"], c) for c in reference_curves)]}
             for metric in ("psnr-rgb", "ms-ssim-rgb")}
    bd_rates = {anchor: {name: {metric: _bd_rate(results[anchor], curve, metric)
                                for metric in ("psnr-rgb", "ms-ssim-rgb")}
                         for name, curve in results.items() if name != anchor}
                for anchor in anchors if anchor in results}

    files = []
    for name, result in results.items():
        path = out_dir / "results" / f"{name}.json"
        write_results(path, result)
        files.append(path)
    title = f"{Path(folder).name}: {len(common)} images"
    curves = list(results.values())
    files += plot_rd(curves, out_dir / "plots" / "rd", references, title)
    files += plot_rd(curves, out_dir / "plots" / "rd_msssim_db", references, title,
                     ms_ssim_db=True)
    summary = EvalSummary(common, skipped, computed, reused, results, table, bd_rates, files)
    summary_path = out_dir / "summary.md"
    summary_path.write_text(_markdown(summary, meta, reference_curves, anchors, unavailable))
    files.append(summary_path)
    print(f"{computed} points computed, {reused} reused; wrote {summary_path}", file=sys.stderr)
    if skipped:
        print(f"skipped: {_skip_list(skipped)}", file=sys.stderr)
    return summary


class PointCache:
    """points.csv: one row per point, appended and flushed one whole line at a time.

    A run killed mid-write can leave at most a partial last line; it is dropped when the file is
    opened again (as is any row that does not parse), so that point is computed again.
    """

    def __init__(self, path: Path):
        self.path = path
        self.rows: dict[Key, dict[str, Any]] = {}
        text = path.read_text() if path.exists() else ""
        complete, _, partial = text.rpartition("\n")
        reader = csv.DictReader(io.StringIO(complete))
        if text and tuple(reader.fieldnames or ()) != POINT_COLUMNS:
            raise ValueError(f"{path} has columns {reader.fieldnames}, expected "
                             f"{list(POINT_COLUMNS)}: move it away to start afresh")
        bad = 1 if partial else 0
        for raw in reader:
            try:
                row = _parse_row(raw)
            except (TypeError, ValueError):
                bad += 1
                continue
            self.rows[(row["codec"], row["image"], row["setting"])] = row
        if bad or not text:
            if bad:
                print(f"{path}: dropped {bad} incomplete row(s)", file=sys.stderr)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".csv.tmp")
            tmp.write_text(_csv_line(POINT_COLUMNS)
                           + "".join(_csv_line(_row_values(r)) for r in self.rows.values()))
            os.replace(tmp, path)

    def keys(self) -> set[Key]:
        return set(self.rows)

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        with self.path.open("a") as f:
            for row in rows:
                f.write(_csv_line(_row_values(row)))
                f.flush()
                self.rows[(row["codec"], row["image"], row["setting"])] = row


def _parse_row(raw: Mapping[str, str]) -> dict[str, Any]:
    if any(raw.get(c) in (None, "") for c in POINT_COLUMNS):
        raise ValueError("missing field")
    row: dict[str, Any] = {c: float(raw[c]) for c in POINT_COLUMNS[5:]}
    row.update(codec=raw["codec"], image=raw["image"], setting=int(raw["setting"]),
               bytes=int(raw["bytes"]), pixels=int(raw["pixels"]))
    return row


def _row_values(row: Mapping[str, Any]) -> list[Any]:
    return [row[c] for c in POINT_COLUMNS]


def _csv_line(values: Iterable[Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def _read_folder(folder: Path, limit: int | None) -> tuple[dict[str, Path], list[tuple[str, str]]]:
    """The usable images of `folder` by file name, and the skipped ones with the reason."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not paths:
        raise ValueError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
    images, skipped = {}, []
    for path in paths[:limit]:
        try:
            height, width = _load_rgb(path).shape[:2]
        except (ValueError, OSError) as err:
            skipped.append((path.name, f"unreadable: {err}"))
            continue
        if min(height, width) < MS_SSIM_MIN_SIDE:
            skipped.append((path.name, f"{width}x{height} is under {MS_SSIM_MIN_SIDE} px on a "
                                       "side, where MS-SSIM is undefined"))
        else:
            images[path.name] = path
    if not images:
        raise ValueError(f"no usable image in {folder}: {_skip_list(skipped)}")
    return images, skipped


def _load_rgb(path: Path) -> np.ndarray:
    return from_pil(read_image(path)).rgb


@cache
def _codecs() -> tuple[dict[str, Codec], dict[str, str]]:
    """Available classical codecs by name, and the reasons for the unavailable ones."""
    codecs, unavailable = available_codecs()
    return {codec.name: codec for codec in codecs}, unavailable


def _measure(rgb: np.ndarray, decoded: np.ndarray) -> dict[str, float]:
    return {"psnr_rgb": psnr(rgb, decoded),
            "ms_ssim_rgb_google": ms_ssim(rgb, decoded, convention="google"),
            "ms_ssim_rgb_per_channel": ms_ssim(rgb, decoded, convention="per_channel")}


def _classical_task(task: tuple[str, str, Path, tuple[int, ...]]):
    """Worker: the points of one codec on one image -> (codec, image, rows, error or None)."""
    name, image, path, qualities = task
    codec = _codecs()[0][name]
    rows = []
    try:
        rgb = _load_rgb(path)
        pixels = rgb.shape[0] * rgb.shape[1]
        for quality in qualities:
            start = time.perf_counter()
            data = codec.encode(rgb, quality)
            encoded = time.perf_counter()
            decoded = codec.decode(data)
            seconds_decode = time.perf_counter() - encoded
            if decoded.shape != rgb.shape:
                raise ValueError(f"decoded shape {decoded.shape}, expected {rgb.shape}")
            rows.append({"codec": name, "image": image, "setting": quality, "bytes": len(data),
                         "pixels": pixels, "bpp": len(data) * 8 / pixels,
                         **_measure(rgb, decoded), "seconds_encode": encoded - start,
                         "seconds_decode": seconds_decode})
    except Exception as err:  # any codec library failure: report it, keep the other points
        return name, image, rows, f"{type(err).__name__}: {err}"
    return name, image, rows, None


def _compute_classical(cache: PointCache, codecs: Sequence[str],
                       settings: Mapping[str, tuple[int, ...]], images: Mapping[str, Path],
                       workers: int | None) -> list[tuple[str, str, str]]:
    """Compute the missing classical points in a process pool.

    Returns the failures as (codec, image, reason).
    """
    done = cache.keys()
    tasks = []
    for name in codecs:
        for image, path in images.items():
            missing = tuple(q for q in settings[name] if (name, image, q) not in done)
            if missing:
                tasks.append((name, image, path, missing))
    if not tasks:
        return []
    workers = max(1, min(workers or 1, len(tasks)))
    print(f"{sum(len(t[3]) for t in tasks)} classical points to compute ({len(tasks)} "
          f"codec/image pairs, {workers} worker(s))", file=sys.stderr)
    failures = []
    with contextlib.ExitStack() as stack:
        results = map(_classical_task, tasks)
        if workers > 1:
            pool = stack.enter_context(multiprocessing.get_context("spawn").Pool(workers))
            results = pool.imap_unordered(_classical_task, tasks)
        for i, (name, image, rows, error) in enumerate(results, 1):
            cache.add(rows)
            status = f"failed: {error}" if error else f"{len(rows)} points"
            print(f"[{i}/{len(tasks)}] {name} {image}: {status}", file=sys.stderr)
            if error:
                failures.append((name, image, error))
    return failures


def _compute_model(cache: PointCache, model_id: str, runtime: Runtime | Callable[[], Runtime],
                   images: Mapping[str, Path], iterations: int,
                   search: tuple[int, str] = (0, "ms-ssim")) -> list[tuple[str, str, str]]:
    """Code each image once with all iterations (`search` = (steps, metric): `compress`'s);
    one point per prefix, under the curve name `model_id`. A callable `runtime` is called
    (loading the weights) only when some point is not cached.

    Returns the failures as (model, image, reason).
    """
    done = cache.keys()
    todo = [(image, path) for image, path in images.items()
            if any((model_id, image, k) not in done for k in range(1, iterations + 1))]
    if todo and callable(runtime):
        runtime = runtime()
    failures = []
    for i, (image, path) in enumerate(todo, 1):
        start = time.perf_counter()
        try:
            rgb = _load_rgb(path)
            data = compress(rgb, runtime, iterations, search_steps=search[0],
                            search_metric=search[1])
            encoded = time.perf_counter()
            outputs = decompress_iterations(data, runtime=runtime)
            seconds_decode = time.perf_counter() - encoded
            pixels = rgb.shape[0] * rgb.shape[1]
            rows = [{"codec": model_id, "image": image, "setting": k,
                     "bytes": round(bpp * pixels / 8), "pixels": pixels, "bpp": bpp,
                     **_measure(rgb, decoded), "seconds_encode": encoded - start,
                     "seconds_decode": seconds_decode}
                    for k, (bpp, decoded) in enumerate(
                        zip(info(data)["bpp_after_iteration"], outputs, strict=True), 1)
                    if (model_id, image, k) not in done]
        except Exception as err:  # report it, keep the other images
            failures.append((model_id, image, f"{type(err).__name__}: {err}"))
            print(f"[{i}/{len(todo)}] {model_id} {image}: failed: {err}", file=sys.stderr)
            continue
        cache.add(rows)
        print(f"[{i}/{len(todo)}] {model_id} {image}: {len(rows)} points "
              f"({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return failures


def _mean_curve(cache: PointCache, curve: str, settings: Sequence[int], images: Sequence[str],
                setting_key: str) -> dict[str, list[float]]:
    """Means over `images` per setting, under results-schema keys (CompressAI's time keys)."""
    columns = {"bpp": "bpp", "psnr-rgb": "psnr_rgb", "ms-ssim-rgb": "ms_ssim_rgb_google",
               "ms-ssim-rgb-per-channel": "ms_ssim_rgb_per_channel",
               "encoding_time": "seconds_encode", "decoding_time": "seconds_decode"}
    metrics: dict[str, list[float]] = {key: [] for key in (setting_key, *columns)}
    for setting in sorted(settings):
        rows = [cache.rows[(curve, image, setting)] for image in images]
        metrics[setting_key].append(setting)
        for key, column in columns.items():
            metrics[key].append(float(np.mean([row[column] for row in rows])))
    return metrics


def _finite_points(curve: Mapping[str, Any], metric: str) -> tuple[np.ndarray, np.ndarray]:
    bpp = np.asarray(curve["results"]["bpp"], float)
    values = np.asarray(curve["results"].get(metric, [math.nan] * bpp.size), float)
    keep = np.isfinite(bpp) & np.isfinite(values)
    return bpp[keep], values[keep]


def _at_targets(curve: Mapping[str, Any], metric: str) -> np.ndarray:
    """`metric` at BPP_TARGETS (NaN outside the curve's measured range)."""
    bpp, values = _finite_points(curve, metric)
    if bpp.size == 0:
        return np.full(len(BPP_TARGETS), math.nan)
    return interpolate_at_bpp({"results": {"bpp": bpp, metric: values}}, BPP_TARGETS, metric)


def _bd_rate(anchor: Mapping[str, Any], test: Mapping[str, Any], metric: str) -> float:
    """BD-rate in % of `test` against `anchor` (NaN when the curves do not overlap)."""
    curves = []
    for curve in (anchor, test):
        bpp, quality = _finite_points(curve, metric)
        if metric == "ms-ssim-rgb":
            with np.errstate(divide="ignore"):
                quality = -10.0 * np.log10(1.0 - quality)
        order = np.argsort(bpp, kind="stable")
        kept_bpp, kept_quality = [], []
        for b, q in zip(bpp[order], quality[order], strict=True):
            # Only points better than every cheaper one: the RD curve must be a function of
            # quality for the rate integral.
            if np.isfinite(q) and b > 0 and (not kept_quality or q > kept_quality[-1]):
                kept_bpp.append(b)
                kept_quality.append(q)
        curves += [kept_bpp, kept_quality]
    try:
        return bd_rate(*curves, method=BD_METHOD)
    except ValueError:
        return math.nan


def _format(value: float, digits: int, suffix: str = "") -> str:
    return f"{value:.{digits}f}{suffix}" if math.isfinite(value) else "n/a"


def _reference_convention(curve: Mapping[str, Any]) -> str:
    description = curve.get("description", "").lower()
    return next((v for k, v in REFERENCE_CONVENTIONS.items() if k in description), "not stated")


def _skip_list(skipped: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{name} ({reason})" for name, reason in skipped)


def _markdown(summary: EvalSummary, meta: Mapping[str, Any],
              reference_curves: Sequence[Mapping[str, Any]], anchors: Sequence[str],
              unavailable: Mapping[str, str]) -> str:
    targets = " | ".join(f"{b:g} bpp" for b in BPP_TARGETS)
    lines = [
        f"# Rate-distortion evaluation of {meta['folder']}",
        "",
        f"{len(summary.images)} images, {meta['date']}, `{meta['command']}`.",
        "",
        "bpp: real file size x 8 / pixels, headers included (ours: the file cut after k "
        "iterations). PSNR: over all RGB samples of the uint8 reconstruction, mean over images. "
        f"MS-SSIM: {MS_SSIM_GOOGLE} convention (RGB jointly) for our rows; reference rows name "
        "theirs. Values at fixed bpp are linear in bpp between mean points; n/a outside the "
        "measured range (no extrapolation). Published rows are from other code and machines.",
    ]
    ours = {name: "ours" for name in summary.results}
    sources = {**ours, **{c["name"]: f"{c['description']}" for c in reference_curves}}
    conventions = {**{name: MS_SSIM_GOOGLE for name in ours},
                   **{c["name"]: _reference_convention(c) for c in reference_curves}}
    for metric, title, digits in (("psnr-rgb", "PSNR RGB [dB]", 2),
                                  ("ms-ssim-rgb", "MS-SSIM RGB", 4)):
        lines += ["", f"## {title} at fixed bpp", "",
                  f"| curve | source | MS-SSIM convention | {targets} |",
                  "|---|---|---|" + "---:|" * len(BPP_TARGETS)]
        for name, values in summary.table[metric].items():
            cells = " | ".join(_format(v, digits) for v in values)
            lines.append(f"| {name} | {sources[name]} | {conventions[name]} | {cells} |")
    lines += ["", f"## BD-rate (Bjøntegaard, {BD_METHOD.upper()}, log rate)", "",
              "Average bit-rate difference at equal quality against the anchor; negative = "
              "fewer bits. MS-SSIM BD-rates use -10 log10(1 - MS-SSIM) in dB, "
              f"{MS_SSIM_GOOGLE} convention."]
    for anchor, rows in summary.bd_rates.items():
        lines += ["", f"### Against {anchor}", "", "| curve | BD-rate PSNR | BD-rate MS-SSIM |",
                  "|---|---:|---:|"]
        lines += [f"| {name} | {_format(v['psnr-rgb'], 1, ' %')} | "
                  f"{_format(v['ms-ssim-rgb'], 1, ' %')} |" for name, v in rows.items()]
    missing = [a for a in anchors if a not in summary.bd_rates]
    if missing:
        lines += ["", f"Anchors not evaluated in this run: {', '.join(missing)}."]
    lines += ["", "## Plots", "", "![RD curves](plots/rd.png)", "",
              "![RD curves, MS-SSIM in dB](plots/rd_msssim_db.png)"]
    if summary.skipped or unavailable:
        lines += ["", "## Skipped", ""]
        lines += [f"- {name}: {reason}" for name, reason in summary.skipped]
        lines += [f"- codec {name} unavailable: {reason}" for name, reason in unavailable.items()]
    return "\n".join(lines) + "\n"


def _names(text: str) -> list[str]:
    return [name for name in text.split(",") if name.strip()]


def add_eval_parser(subparsers) -> argparse.ArgumentParser:
    """Register `rnncomp eval FOLDER ...` on the CLI's subparsers."""
    p = subparsers.add_parser(
        "eval", help="rate-distortion evaluation of codecs and models on a folder of images")
    p.add_argument("folder", help="folder of images (not searched recursively)")
    p.add_argument("--models", type=_names, default=None, metavar="ID,...",
                   help="zoo model ids, comma-separated ('' for none; default: all shipped); "
                        f"ID{SEARCH}N codes with N steps of search for MS-SSIM, "
                        f"ID{SEARCH}N-mse for the squared error")
    p.add_argument("--iterations", type=int, default=MAX_ITERATIONS,
                   help=f"iterations per model file, one point each (default {MAX_ITERATIONS})")
    p.add_argument("--codecs", type=_names, default=None, metavar="NAME,...",
                   help=f"classical codecs, comma-separated ('' for none; default: all "
                        f"available of {', '.join(DEFAULT_QUALITIES)})")
    p.add_argument("--out", default="eval_out", help="output folder (default: eval_out)")
    p.add_argument("--reference", action="append", default=[], metavar="CSV",
                   help="published curves to overlay and tabulate (repeatable)")
    p.add_argument("--anchors", type=_names, default=list(DEFAULT_ANCHORS), metavar="NAME,...",
                   help=f"BD-rate anchors (default: {','.join(DEFAULT_ANCHORS)})")
    p.add_argument("--workers", type=int, default=os.cpu_count(),
                   help="processes for the classical codecs (default: all cores)")
    p.add_argument("--limit", type=int, default=None, metavar="N",
                   help="only the first N images by name, for quick runs")
    p.set_defaults(func=_run)
    return p


def _run(args: argparse.Namespace) -> None:
    evaluate_folder(args.folder, args.out, models=args.models, codecs=args.codecs,
                    references=args.reference, anchors=args.anchors, workers=args.workers,
                    iterations=args.iterations, limit=args.limit)
