"""`rnncomp train --config experiments/configs/NAME.py --workdir DIR [--config.key=value ...]`.

A run restarted with the same workdir resumes from its last checkpoint. Multi-host: start the
same command on every host with RNNCOMP_DISTRIBUTED=1 (jax.distributed.initialize then reads the
coordinator address, process count and id from the cluster environment); the batch is split
over all devices of all hosts.
"""

import os
import sys
from pathlib import Path

from absl import app, flags
from ml_collections import config_flags

from rnncomp import errors

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Training configuration file.",
                                lock_config=True)
flags.DEFINE_string("workdir", None, "Directory for checkpoints, logs and metrics.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    from rnncomp.training.train import train_and_evaluate, use_cpu_cores_as_devices

    if FLAGS.config.cpu_data_parallel:
        use_cpu_cores_as_devices()
    if os.environ.get("RNNCOMP_DISTRIBUTED"):
        import jax

        jax.distributed.initialize()
    try:
        train_and_evaluate(FLAGS.config, FLAGS.workdir)
    except errors.USER_ERRORS as e:
        print(f"rnncomp train: error: {errors.describe(e)}", file=sys.stderr)
        sys.exit(2)


def _add_config_root(argv):
    """Configs import their base as `experiments.configs.default`: put the folder holding
    `experiments/` on sys.path, wherever the command runs from."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--config=") else (
            argv[i + 1] if arg == "--config" and i + 1 < len(argv) else None)
        if value:
            for parent in Path(value.split(":")[0]).resolve().parents:
                if (parent / "experiments" / "configs").is_dir():
                    sys.path.insert(0, str(parent))
                    return


def run(argv=None):
    argv = argv or sys.argv
    _add_config_root(argv)
    app.run(main, argv=argv, flags_parser=_parse_flags)


def _parse_flags(argv):
    try:
        argv = FLAGS(argv)
        FLAGS.config.get("workdir")  # config_flags reports an unreadable file on first use
        return argv
    except (flags.Error, ValueError, KeyError, AttributeError, OSError, SyntaxError) as e:
        print(f"rnncomp train: error: {_describe(e)}", file=sys.stderr)
        sys.exit(2)


def _describe(e: Exception) -> str:
    """One line for a flag or config file error."""
    lines = str(e).strip().splitlines() or [type(e).__name__]
    if isinstance(e, SyntaxError):
        return f"cannot load the config: {e.msg} ({e.filename}, line {e.lineno})"
    if isinstance(e, OSError):  # config_flags' message ends with the cause: "[Errno 2] ..."
        return f"cannot load the config: {lines[-1].strip()}"
    if isinstance(e, AttributeError) and "get_config" in lines[0]:
        return "cannot load the config: the file defines no get_config()"
    if isinstance(e, KeyError | AttributeError):
        return f"unknown config key {' '.join(lines)}"
    return " ".join(" ".join(lines).split())
