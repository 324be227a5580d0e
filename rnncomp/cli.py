"""The `rnncomp` command: compress, decompress, info, eval, models, train, export.

Every user error ends in one line on stderr and a nonzero exit status, never a traceback.
"""

import argparse
import sys

from rnncomp import errors


def _models(args):
    from rnncomp.models import zoo

    for entry in zoo.ZOO.values():
        default = " (default)" if entry.id == zoo.DEFAULT_MODEL else ""
        print(f"{entry.id}{default}\n    {entry.description}\n    trained: {entry.training}")
    if not zoo.ZOO:
        print("no models shipped")


def _train(args):
    from rnncomp.training import main as train_main

    train_main.run(["rnncomp train", *args.rest])


def _export(args):
    from rnncomp.training.export import export

    digest, size = export(args.workdir, args.out, force=args.force)
    print(f"wrote {args.out} ({size / 1e6:.2f} MB), sha256 {digest}")


def build_parser():
    parser = argparse.ArgumentParser(prog="rnncomp", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("models", help="list the model zoo")
    p.set_defaults(func=_models)

    p = sub.add_parser("train", help="train a config (flags: --config FILE --workdir DIR "
                                     "[--config.key=value ...])", add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=_train)

    p = sub.add_parser("export", help="write a training workdir's latest weights as a zoo file")
    p.add_argument("workdir")
    p.add_argument("out")
    p.add_argument("--force", action="store_true", help="overwrite OUT")
    p.set_defaults(func=_export)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
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
