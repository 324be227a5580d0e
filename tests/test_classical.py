"""Classical codecs: round trips, real-file bpp, JPEG monotonicity, equal-bpp search, and the
results/plot path a codec benchmark takes. Codecs whose library is missing are skipped with the
reason; Kodak-based checks are skipped when the images are absent."""

from pathlib import Path

import numpy as np
import pytest

from rnncomp.evaluation import classical
from rnncomp.evaluation.metrics import psnr
from rnncomp.evaluation.plot import plot_rd
from rnncomp.evaluation.results import (
    interpolate_at_bpp,
    make_results,
    read_results,
    write_results,
)

SHARED = Path(__file__).parents[2] / "shared"
KODAK = SHARED / "data" / "kodak"
REFERENCE_CSV = SHARED / "reference" / "islam2021_kodak_mean.csv"

# (factory, mid quality, minimum PSNR there on the synthetic image)
CODECS = {
    "jpeg420": (lambda: classical.JPEG("4:2:0"), 75, 28.0),
    "jpeg444": (lambda: classical.JPEG("4:4:4"), 75, 28.0),
    "jpeg2000": (classical.JPEG2000, 35, 30.0),
    "webp": (classical.WebP, 75, 28.0),
    "avif": (classical.AVIF, 60, 28.0),
    "jpegxl": (classical.JPEGXL, 75, 28.0),
    "hevc420": (lambda: classical.HEVC(420), 60, 28.0),
}


def _codec(key):
    try:
        return CODECS[key][0]()
    except classical.CodecUnavailable as err:
        pytest.skip(f"{key} unavailable: {err}")


@pytest.fixture(scope="module")
def image():
    """A 176x184 synthetic photo-like image: smooth shading, edges, texture and colour."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:176, 0:184] / 176.0
    shading = 90 + 80 * xx + 40 * np.sin(6 * yy)
    disc = ((xx - 0.6) ** 2 + (yy - 0.4) ** 2 < 0.05) * 60.0
    texture = 12 * np.sin(40 * xx) * np.cos(35 * yy) + 4 * rng.standard_normal(xx.shape)
    gray = shading + disc + texture
    rgb = np.stack([gray, 0.8 * gray + 30 * yy, 1.1 * gray - 40 * xx], axis=-1)
    return np.clip(rgb, 0, 255).round().astype(np.uint8)


@pytest.fixture(scope="module")
def kodak_crop():
    if not KODAK.is_dir():
        pytest.skip(f"Kodak images not found at {KODAK}")
    from PIL import Image

    with Image.open(KODAK / "kodim23.png") as im:
        return np.asarray(im.convert("RGB"))[160:352, 256:448].copy()


@pytest.mark.parametrize("key", list(CODECS))
def test_round_trip(key, image):
    codec = _codec(key)
    _, quality, min_psnr = CODECS[key]
    data = codec.encode(image, quality)
    decoded = codec.decode(data)
    assert isinstance(data, bytes) and len(data) > 0
    assert decoded.shape == image.shape and decoded.dtype == np.uint8
    assert min_psnr < psnr(image, decoded)
    assert codec.name == key
    assert codec.description
    versions = codec.versions()
    assert versions and all(isinstance(v, str) and v for v in versions.values())


@pytest.mark.parametrize("key", ["jpeg420", "webp", "jpegxl"])
def test_rd_point_bpp_is_the_file_size(key, image):
    codec = _codec(key)
    point = classical.rd_point(codec, image, 50)
    data = codec.encode(image, 50)
    assert point["bpp"] == len(data) * 8 / (image.shape[0] * image.shape[1])
    assert point["psnr-rgb"] == pytest.approx(psnr(image, codec.decode(data)))
    assert 0.5 < point["ms-ssim-rgb"] <= 1.0
    assert point["quality"] == 50


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:4:4"])
def test_jpeg_rate_and_quality_grow_with_quality(subsampling, image):
    codec = classical.JPEG(subsampling)
    points = [classical.rd_point(codec, image, q) for q in (10, 30, 50, 70, 90)]
    bpps = [p["bpp"] for p in points]
    psnrs = [p["psnr-rgb"] for p in points]
    assert bpps == sorted(bpps) and len(set(bpps)) == len(bpps)
    assert psnrs == sorted(psnrs)


def test_jpeg444_spends_more_bits_than_420(image):
    q = 75
    bpp = [classical.rd_point(classical.JPEG(s), image, q)["bpp"] for s in ("4:2:0", "4:4:4")]
    assert bpp[0] < bpp[1]


def test_find_quality_for_bpp_is_the_highest_quality_within_target(image):
    codec = classical.JPEG("4:2:0")
    target = 1.0
    quality = classical.find_quality_for_bpp(codec, image, target)

    def bpp(q):
        return classical.bits_per_pixel(codec.encode(image, q), image)

    assert bpp(quality) <= target < bpp(quality + 1)
    assert classical.find_quality_for_bpp(codec, image, 1e3) == codec.quality_range[1]
    with pytest.raises(ValueError, match="lowest quality"):
        classical.find_quality_for_bpp(codec, image, 1e-3)


def test_encode_rejects_non_uint8_rgb(image):
    with pytest.raises(ValueError, match="uint8"):
        classical.JPEG().encode(image.astype(np.float32), 50)
    with pytest.raises(ValueError, match="uint8"):
        classical.WebP().encode(image[..., :2], 50)


def test_available_codecs_lists_each_codec_once():
    codecs, unavailable = classical.available_codecs()
    names = [c.name for c in codecs]
    assert len(names) == len(set(names))
    assert len(codecs) + len(unavailable) == len(CODECS)
    assert all(isinstance(reason, str) for reason in unavailable.values())


@pytest.mark.parametrize("key", list(CODECS))
def test_equal_bpp_on_kodak_crop(key, kodak_crop):
    codec = _codec(key)
    quality = classical.find_quality_for_bpp(codec, kodak_crop, 1.0)
    point = classical.rd_point(codec, kodak_crop, quality)
    assert 0.5 < point["bpp"] <= 1.0
    assert 26.0 < point["psnr-rgb"] < 45.0
    assert 0.9 < point["ms-ssim-rgb"] < 1.0


def test_results_file_and_plot_from_codec_points(image, tmp_path):
    codec = classical.JPEG("4:2:0")
    points = [classical.rd_point(codec, image, q) for q in (20, 50, 80)]
    results = make_results(
        codec.name,
        codec.description,
        {key: [p[key] for p in points] for key in ("bpp", "psnr-rgb", "ms-ssim-rgb")},
        meta={"versions": codec.versions(), "command": "pytest", "ms_ssim": "google"},
    )
    path = tmp_path / "jpeg420.json"
    write_results(path, results)
    assert read_results(path) == results

    middle = np.mean([points[0]["bpp"], points[1]["bpp"]])
    expected = np.mean([points[0]["psnr-rgb"], points[1]["psnr-rgb"]])
    assert interpolate_at_bpp(results, [middle])[0] == pytest.approx(expected)
    assert np.isnan(interpolate_at_bpp(results, [points[2]["bpp"] + 1])[0])

    references = [REFERENCE_CSV] if REFERENCE_CSV.is_file() else []
    written = plot_rd([results], tmp_path / "rd", references=references)
    assert [p.suffix for p in written] == [".png", ".svg"]
    assert all(p.stat().st_size > 0 for p in written)
