"""`rnncomp train --config experiments/configs/NAME.py --workdir DIR [--config.key=value ...]`.

Multi-host: call with RNNCOMP_DISTRIBUTED=1 on every host (jax.distributed.initialize reads the
coordinator address, process count and id from the cluster environment); the batch is then split
over all devices of all hosts.
"""

import os
import sys

from absl import app, flags
from ml_collections import config_flags

from rnncomp.training.train import train_and_evaluate

FLAGS = flags.FLAGS
config_flags.DEFINE_config_file("config", None, "Training configuration file.",
                                lock_config=True)
flags.DEFINE_string("workdir", None, "Directory for checkpoints, logs and metrics.")
flags.mark_flags_as_required(["config", "workdir"])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"unexpected arguments: {' '.join(argv[1:])}")
    if os.environ.get("RNNCOMP_DISTRIBUTED"):
        import jax

        jax.distributed.initialize()
    train_and_evaluate(FLAGS.config, FLAGS.workdir)


def run(argv=None):
    app.run(main, argv=argv or sys.argv)
