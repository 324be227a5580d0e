"""Evaluation: quality metrics, BD-rate, classical codecs, results files and RD plots."""

from rnncomp.evaluation.bd_rate import bd_psnr, bd_rate
from rnncomp.evaluation.classical import (
    AVIF,
    HEVC,
    JPEG,
    JPEG2000,
    JPEGXL,
    Codec,
    CodecUnavailable,
    WebP,
    available_codecs,
    bits_per_pixel,
    find_quality_for_bpp,
    rd_point,
)
from rnncomp.evaluation.metrics import mean_psnr, ms_ssim, psnr, ssim
from rnncomp.evaluation.plot import plot_rd, read_reference_csv
from rnncomp.evaluation.results import (
    interpolate_at_bpp,
    make_results,
    read_results,
    validate_results,
    write_results,
)

__all__ = [
    "AVIF",
    "HEVC",
    "JPEG",
    "JPEG2000",
    "JPEGXL",
    "Codec",
    "CodecUnavailable",
    "WebP",
    "available_codecs",
    "bd_psnr",
    "bd_rate",
    "bits_per_pixel",
    "find_quality_for_bpp",
    "interpolate_at_bpp",
    "make_results",
    "mean_psnr",
    "ms_ssim",
    "plot_rd",
    "psnr",
    "rd_point",
    "read_reference_csv",
    "read_results",
    "ssim",
    "validate_results",
    "write_results",
]
