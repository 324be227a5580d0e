"""`rnncomp eval` on a tiny folder: two JPEG-family codecs, a random-weights model, a garbage
file and a too-small image; cached points are reused on the second run."""

import argparse
import csv
import hashlib
import shutil

import jax
import numpy as np
import pytest
from PIL import Image

from rnncomp.codec.codec import Runtime
from rnncomp.evaluation.eval_folder import POINT_COLUMNS, add_eval_parser, evaluate_folder
from rnncomp.evaluation.results import read_results
from rnncomp.models import islam2021, zoo

CODECS = ("jpeg420", "webp")
QUALITIES = {"jpeg420": (10, 50, 90), "webp": (20, 80)}
ITERATIONS = 2
POINTS_PER_IMAGE = 3 + 2 + ITERATIONS


def _runtime():
    """A width-1/16 model with random weights, built from shapes only (model.init is slow)."""
    model = islam2021(width=1 / 16)
    shapes = jax.eval_shape(model.init, jax.random.PRNGKey(0))
    rng = np.random.default_rng(0)

    def fill(path, leaf):
        name = path[-1].key
        if name == "beta":
            return np.ones(leaf.shape, np.float32)
        if name == "gamma":
            return np.sqrt(0.1, dtype=np.float32) * np.eye(leaf.shape[0], dtype=np.float32)
        fan_in = int(np.prod(leaf.shape[:-1]))
        return (rng.standard_normal(leaf.shape) / np.sqrt(fan_in)).astype(np.float32)

    params = jax.tree_util.tree_map_with_path(fill, shapes)
    sha = hashlib.sha256(zoo.weights_bytes(params)).hexdigest()
    return Runtime("test-model", sha, model, params)


def _photo(seed, size=176):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    gray = 90 + 80 * xx + 40 * np.sin(6 * yy) + 12 * np.sin(40 * xx) * np.cos(35 * yy)
    gray = gray + 4 * rng.standard_normal(xx.shape)
    rgb = np.stack([gray, 0.8 * gray + 30 * yy, 1.1 * gray - 40 * xx], axis=-1)
    return np.clip(rgb, 0, 255).round().astype(np.uint8)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Evaluate once; returns a function that evaluates the same folder again."""
    folder = tmp_path_factory.mktemp("images")
    for i in range(2):
        Image.fromarray(_photo(i)).save(folder / f"img{i}.png")
    Image.fromarray(_photo(2, size=64)).save(folder / "small.png")
    (folder / "x.png").write_bytes(b"not an image at all")
    (folder / "notes.txt").write_text("not an image, ignored")
    reference = folder / "published.csv"
    reference.write_text("codec,bpp,psnr_rgb,ms_ssim_rgb,source\n"
                         "other,0.2,25.0,0.90,paper (Google msssim)\n"
                         "other,1.5,33.0,0.99,paper (Google msssim)\n")
    out = tmp_path_factory.mktemp("out")
    runtime = _runtime()

    def evaluate():
        return evaluate_folder(folder, out, models=("test-model",), codecs=CODECS,
                               qualities=QUALITIES, references=[reference],
                               anchors=("jpeg420", "hevc420"), workers=2,
                               runtime_overrides={"test-model": runtime},
                               iterations=ITERATIONS, command="test")

    return evaluate, evaluate(), out, folder


def _rows(out):
    with (out / "points.csv").open(newline="") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == POINT_COLUMNS
        return list(reader)


def test_points_results_and_files(run):
    _, summary, out, _ = run
    assert summary.images == ["img0.png", "img1.png"]
    assert summary.computed == 2 * POINTS_PER_IMAGE and summary.reused == 0
    skipped = dict(summary.skipped)
    assert set(skipped) == {"small.png", "x.png"}
    assert "unreadable" in skipped["x.png"] and "161" in skipped["small.png"]

    rows = _rows(out)
    assert len(rows) == 2 * POINTS_PER_IMAGE
    model_bpp = sorted(float(r["bpp"]) for r in rows
                       if r["codec"] == "test-model" and r["image"] == "img0.png")
    assert len(model_bpp) == ITERATIONS and model_bpp[0] < model_bpp[1]
    for row in rows:
        assert float(row["bpp"]) == pytest.approx(int(row["bytes"]) * 8 / int(row["pixels"]))
        assert 0 < float(row["ms_ssim_rgb_google"]) <= 1

    for name, points in (("jpeg420", 3), ("webp", 2), ("test-model", ITERATIONS)):
        results = read_results(out / "results" / f"{name}.json")
        assert results["name"] == name and results["description"]
        for key in ("bpp", "psnr-rgb", "ms-ssim-rgb"):
            assert len(results["results"][key]) == points
        assert results["meta"]["images"] == 2 and results["meta"]["command"] == "test"
        assert "Google" in results["meta"]["ms-ssim-rgb"] and results["meta"]["versions"]

    for stem in ("rd", "rd_msssim_db"):
        for suffix in (".png", ".svg"):
            assert (out / "plots" / f"{stem}{suffix}").stat().st_size > 0
    assert set(summary.bd_rates) == {"jpeg420"}  # hevc420 was not evaluated
    assert set(summary.bd_rates["jpeg420"]) == {"webp", "test-model"}
    assert len(summary.table["psnr-rgb"]["other (published)"]) == 5
    text = (out / "summary.md").read_text()
    for snippet in ("Google msssim.py", "PCHIP", "Against jpeg420", "hevc420", "x.png",
                    "other (published)", "n/a"):
        assert snippet in text


def test_rerun_reuses_points_and_recovers_a_partial_row(run):
    evaluate, _, out, _ = run
    again = evaluate()
    assert again.computed == 0 and again.reused == 2 * POINTS_PER_IMAGE
    assert len(_rows(out)) == 2 * POINTS_PER_IMAGE

    # A run killed while writing leaves a partial last line: that point alone is recomputed.
    path = out / "points.csv"
    path.write_text(path.read_text()[:-10])
    recovered = evaluate()
    assert recovered.computed == 1 and recovered.reused == 2 * POINTS_PER_IMAGE - 1
    assert len(_rows(out)) == 2 * POINTS_PER_IMAGE


def test_retired_models_are_tabulated_from_the_cache_without_their_weights(run, monkeypatch,
                                                                          tmp_path):
    _, first, out, folder = run
    retired = zoo.ZooEntry(id="test-model", model={"name": "islam2021", "width": 1 / 16},
                           weights="test-model.npz", sha256="0" * 64, description="retired",
                           training="none", retired_at="0" * 40)
    monkeypatch.setattr(zoo, "ZOO", {"test-model": retired})
    monkeypatch.delenv(zoo.WEIGHTS_DIR_VARIABLE, raising=False)
    again = evaluate_folder(folder, out, codecs=CODECS, qualities=QUALITIES,
                            iterations=ITERATIONS, workers=1, command="test")
    assert again.computed == 0
    np.testing.assert_array_equal(again.table["ms-ssim-rgb"]["test-model"],
                                  first.table["ms-ssim-rgb"]["test-model"])

    fresh = evaluate_folder(folder, tmp_path, codecs=("jpeg420",), qualities=QUALITIES,
                            workers=1)  # not cached here: the default leaves it out
    assert set(fresh.table["ms-ssim-rgb"]) == {"jpeg420"}
    partial = tmp_path / "partial"
    partial.mkdir()
    lines = (out / "points.csv").read_text().splitlines(keepends=True)
    (partial / "points.csv").write_text("".join(
        line for line in lines if not line.startswith("test-model,img1.png,")))
    summary = evaluate_folder(folder, partial, codecs=("jpeg420",), qualities=QUALITIES,
                              iterations=ITERATIONS, workers=1)  # cached for one image only
    assert set(summary.table["ms-ssim-rgb"]) == {"jpeg420"}
    assert "retired" in dict(summary.skipped)["test-model"]
    with pytest.raises(zoo.RetiredModelError, match="retired"):  # asked for: it must load
        evaluate_folder(folder, tmp_path, models=("test-model",), codecs=(),
                        iterations=ITERATIONS)


def test_empty_folder_and_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="no images"):
        evaluate_folder(tmp_path, tmp_path / "out", models=(), codecs=("jpeg420",))
    Image.fromarray(_photo(0)).save(tmp_path / "a.png")
    with pytest.raises(ValueError, match="unknown or unavailable codec"):
        evaluate_folder(tmp_path, tmp_path / "out", models=(), codecs=("nope",))
    with pytest.raises(ValueError, match="unknown model"):
        evaluate_folder(tmp_path, tmp_path / "out", models=("nope",), codecs=())


def test_cli_arguments():
    parser = argparse.ArgumentParser()
    add_eval_parser(parser.add_subparsers())
    args = parser.parse_args(["eval", "dir", "--codecs", "jpeg420,webp", "--models", "",
                              "--reference", "a.csv", "--reference", "b.csv", "--limit", "3"])
    assert args.codecs == ["jpeg420", "webp"] and args.models == []
    assert args.reference == ["a.csv", "b.csv"] and args.limit == 3 and args.out == "eval_out"
    assert args.anchors == ["jpeg420", "hevc420"] and callable(args.func)


def test_searched_curves_are_named_computed_and_tabulated_again(run, monkeypatch, tmp_path):
    _, first, out, folder = run
    shutil.copy(out / "points.csv", tmp_path / "points.csv")
    name = "test-model+search3-mse"
    searched = evaluate_folder(folder, tmp_path, models=(name,), codecs=(), iterations=1,
                               runtime_overrides={"test-model": _runtime()}, workers=1)
    assert searched.computed == 2
    assert "3 steps for mse" in searched.results[name]["description"]
    rows = {r["image"]: r for r in _rows(tmp_path) if r["codec"] == name}
    plain = {r["image"]: r for r in _rows(tmp_path)
             if r["codec"] == "test-model" and r["setting"] == "1"}
    assert set(rows) == {"img0.png", "img1.png"}
    for image, row in rows.items():  # searched for the squared error: iteration 1 can only gain
        assert float(row["psnr_rgb"]) >= float(plain[image]["psnr_rgb"]) - 0.01

    retired = zoo.ZooEntry(id="test-model", model={"name": "islam2021", "width": 1 / 16},
                           weights="test-model.npz", sha256="0" * 64, description="retired",
                           training="none", retired_at="0" * 40)
    monkeypatch.setattr(zoo, "ZOO", {"test-model": retired})
    again = evaluate_folder(folder, tmp_path, codecs=CODECS, qualities=QUALITIES,
                            iterations=ITERATIONS, workers=1)  # the default: what is cached
    assert again.computed == 0
    assert list(again.results)[-2:] == ["test-model", name]
    assert len(again.results[name]["results"]["bpp"]) == 1
    np.testing.assert_array_equal(again.table["ms-ssim-rgb"]["test-model"],
                                  first.table["ms-ssim-rgb"]["test-model"])
    with pytest.raises(ValueError, match="bad model"):
        evaluate_folder(folder, tmp_path, models=("test-model+search0",), codecs=())
