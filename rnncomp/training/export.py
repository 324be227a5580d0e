"""Write a training workdir's latest parameters as a zoo weights file (.npz, float16)."""

import hashlib

from rnncomp.codec.io import write_atomic
from rnncomp.models import zoo
from rnncomp.training.train import restore_params


def export(workdir, out, force: bool = False) -> tuple[str, int]:
    """Returns (sha256 hex, size in bytes) for the zoo record."""
    _, state = restore_params(workdir)
    data = zoo.weights_bytes(state.params)
    write_atomic(out, data, overwrite=force)
    return hashlib.sha256(data).hexdigest(), len(data)
