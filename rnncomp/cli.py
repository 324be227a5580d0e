"""The `rnncomp` command: compress, decompress, info, eval, models, train, export.

Every user error ends in one line on stderr and a nonzero exit status, never a traceback.
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

from rnncomp import allocator, errors


def _models(args):
    from rnncomp.models import zoo

    for entry in zoo.ZOO.values():
        if entry.retired_at is None or args.all:
            default = " (default)" if entry.id == zoo.DEFAULT_MODEL else ""
            note = (f"\n    retired: weights not packaged, restore with "
                    f"`{zoo.restore_command(entry)}`" if entry.retired_at else "")
            print(f"{entry.id}{default}\n    {entry.description}\n    trained: {entry.training}"
                  f"{note}")
    retired = len(zoo.ZOO) - len(zoo.shipped())
    if len(zoo.ZOO) == retired:
        print("no models shipped")
    elif retired and not args.all:
        print(f"({retired} retired models not listed: --all)")


def _refuse_existing(path, force: bool):
    """Checked before the work, so that nothing is computed for a write that would fail."""
    if Path(path).exists() and not force:
        raise FileExistsError(17, "output exists (use --force to overwrite)", str(path))


def _export(args):
    from rnncomp.training.export import export

    _refuse_existing(args.out, args.force)  # before the slow restore
    digest, size = export(args.workdir, args.out, force=args.force)
    print(f"wrote {args.out} ({size / 1e6:.2f} MB), sha256 {digest}")


QUALITY_MAX_PIXELS = 2**22  # MS-SSIM's float64 filter planes would outgrow the codec's memory


def _quality(original, decoded) -> tuple[float, float | None]:
    """PSNR and MS-SSIM (Google convention) on RGB; MS-SSIM is None under its 161-pixel minimum
    side and over QUALITY_MAX_PIXELS."""
    import numpy as np

    from rnncomp.evaluation.metrics import MS_SSIM_MIN_SIDE, ms_ssim, psnr

    decoded = np.repeat(decoded[..., None], 3, -1) if decoded.ndim == 2 else decoded[..., :3]
    h, w = original.shape[:2]
    q = None
    if min(h, w) >= MS_SSIM_MIN_SIDE and h * w <= QUALITY_MAX_PIXELS:
        q = ms_ssim(original, decoded, convention="google")
    return psnr(original, decoded), q


def _choose_iterations(args, data, outputs, original) -> tuple[int, str]:
    """The k that --bpp / --target-psnr / --target-msssim asks for, from a 16-iteration file."""
    from rnncomp.codec.codec import info

    bpps = info(data)["bpp_after_iteration"]
    if args.bpp is not None:
        fits = [k for k, b in enumerate(bpps, 1) if b <= args.bpp]
        if not fits:
            raise ValueError(f"{args.bpp} bpp is below the smallest file ({bpps[0]:.4f} bpp)")
        return fits[-1], f"largest k within {args.bpp} bpp"
    target, index = (args.target_psnr, 0) if args.target_psnr is not None else \
        (args.target_msssim, 1)
    for k, out in enumerate(outputs, 1):
        value = _quality(original, out)[index]
        if value is None:
            raise ValueError("--target-msssim needs an image of at least 161x161 pixels and "
                             f"at most {QUALITY_MAX_PIXELS} pixels")
        if value >= target:
            return k, f"smallest k reaching {target}"
    return len(outputs), f"target {target} not reached: all {len(outputs)} iterations"


def _compress(args):
    from rnncomp.codec import bitstream
    from rnncomp.codec.codec import MAX_ITERATIONS, compress, decompress, decompress_iterations
    from rnncomp.codec.images import from_pil, read_image
    from rnncomp.codec.io import write_atomic

    out = Path(args.output)
    _refuse_existing(out, args.force)
    with warnings.catch_warnings(record=True) as notices:
        warnings.simplefilter("always")
        image = from_pil(read_image(args.input))
    for notice in notices:
        print(f"rnncomp: notice: {notice.message}", file=sys.stderr)
    targeted = any(v is not None for v in (args.bpp, args.target_psnr, args.target_msssim))
    tic = time.perf_counter()
    data = compress(image, args.model, MAX_ITERATIONS if targeted else args.iterations,
                    search_steps=args.search, search_metric=args.search_metric)
    encode_s = time.perf_counter() - tic
    tic = time.perf_counter()
    # every iteration's image only when a target has to pick k: one image of memory otherwise
    outputs = decompress_iterations(data) if targeted else [decompress(data)]
    decode_s = time.perf_counter() - tic
    k, why = args.iterations, f"{args.iterations} iterations"
    if targeted:
        k, why = _choose_iterations(args, data, outputs, image.rgb)
        data = bitstream.truncate_iterations(data, k)
    write_atomic(out, data, overwrite=args.force)
    h, w = image.rgb.shape[:2]
    p, q = _quality(image.rgb, outputs[k - 1 if targeted else -1])
    q_text = f"{q:.4f}" if q is not None else "n/a (side under 161 px or over 4 MP)"
    print(f"{out}: {args.model}, {k} iterations ({why}), {len(data)} bytes, "
          f"{len(data) * 8 / (h * w):.4f} bpp, PSNR {p:.2f} dB, MS-SSIM {q_text}, "
          f"encode {encode_s:.2f} s, decode {decode_s:.2f} s")


def _decompress(args):
    from rnncomp.codec.codec import decompress
    from rnncomp.codec.images import save_image

    src, out = Path(args.input), Path(args.output)
    _refuse_existing(out, args.force)
    if src.is_dir():
        raise IsADirectoryError(21, "is a directory", str(src))
    data = src.read_bytes()
    tic = time.perf_counter()
    image = decompress(data, args.iterations, max_pixels=args.max_pixels)
    save_image(image, out, overwrite=args.force)
    print(f"{out}: {image.shape[1]}x{image.shape[0]}, decode {time.perf_counter() - tic:.2f} s")


def _info(args):
    from rnncomp.codec.codec import info

    src = Path(args.input)
    if src.is_dir():
        raise IsADirectoryError(21, "is a directory", str(src))
    print(json.dumps(info(src.read_bytes()), indent=2))


def build_parser():
    parser = argparse.ArgumentParser(prog="rnncomp", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    from rnncomp.codec.codec import MAX_PIXELS
    from rnncomp.codec.search import METRICS
    from rnncomp.models.zoo import DEFAULT_MODEL

    p = sub.add_parser("compress", help="compress an image")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--model", default=DEFAULT_MODEL, help=f"zoo id (default {DEFAULT_MODEL})")
    rate = p.add_mutually_exclusive_group()
    rate.add_argument("--iterations", type=int, default=8, help="k: k/8 bpp before coding")
    rate.add_argument("--bpp", type=float, help="largest k whose file fits this bpp")
    rate.add_argument("--target-psnr", type=float, help="smallest k reaching this PSNR (dB)")
    rate.add_argument("--target-msssim", type=float, help="smallest k reaching this MS-SSIM")
    p.add_argument("--search", type=int, default=0, metavar="STEPS",
                   help="search each iteration's bits with STEPS gradient steps: better quality "
                        "for the bits, an encoder STEPS times slower or more (default 0: off)")
    p.add_argument("--search-metric", choices=METRICS, default="ms-ssim",
                   help="what --search minimises (default ms-ssim)")
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT")
    p.set_defaults(func=_compress)

    p = sub.add_parser("decompress", help="decode a file (fewer iterations: a preview)")
    p.add_argument("input")
    p.add_argument("output", help="image path; format from the suffix (PNG by default)")
    p.add_argument("--iterations", type=int, help="decode only the first k iterations")
    p.add_argument("--max-pixels", type=int, default=MAX_PIXELS)
    p.add_argument("--force", action="store_true", help="overwrite OUTPUT")
    p.set_defaults(func=_decompress)

    p = sub.add_parser("info", help="header and per-iteration sizes of a file")
    p.add_argument("input")
    p.set_defaults(func=_info)

    from rnncomp.evaluation.eval_folder import add_eval_parser

    add_eval_parser(sub)

    p = sub.add_parser("models", help="list the model zoo")
    p.add_argument("--all", action="store_true",
                   help="also the retired models, whose weights are not packaged")
    p.set_defaults(func=_models)

    sub.add_parser("train", help="train a config: --config FILE --workdir DIR "
                                 "[--config.key=value ...] (absl flags)")

    p = sub.add_parser("export", help="write a training workdir's latest weights as a zoo file")
    p.add_argument("workdir")
    p.add_argument("out")
    p.add_argument("--force", action="store_true", help="overwrite OUT")
    p.set_defaults(func=_export)
    return parser


def main(argv=None):
    """The command line: `argv`, or the process's own (then `rnncomp train` first re-executes
    itself with glibc's malloc tunables, `rnncomp.allocator`)."""
    if argv is None and sys.argv[1:2] == ["train"]:
        allocator.exec_with_tunables()
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["train"]:  # absl parses the training flags (--config.key=value overrides)
        from rnncomp.training import main as train_main

        return train_main.run(["rnncomp train", *argv[1:]])
    args = build_parser().parse_args(argv)
    if args.command in ("compress", "decompress", "eval"):
        allocator.retain_freed_memory()  # before JAX's first computation starts its threads
    try:
        args.func(args)
    except errors.USER_ERRORS as e:
        print(f"rnncomp: error: {errors.describe(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rnncomp: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
