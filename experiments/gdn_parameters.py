"""The learned GDN / IGDN parameters of zoo entries: beta, and gamma's diagonal and off-diagonal
means (their initial values are beta = 1, gamma = 0.1 I):

    python experiments/gdn_parameters.py islam2021-gdn-w025 islam2021-gdn-w025-v3
"""

import sys

import jax
import numpy as np

from rnncomp.layers.gdn import BETA_MIN
from rnncomp.layers.parametrize import nonnegative_value
from rnncomp.models import zoo


def main(ids):
    print("| model | block | beta mean (min-max) | gamma diagonal mean | gamma off-diagonal mean |")
    print("|---|---|---|---|---|")
    for model_id in ids:
        _, params = zoo.load(model_id)
        for path, block in jax.tree_util.tree_flatten_with_path(
                params, is_leaf=lambda d: isinstance(d, dict) and "gamma" in d)[0]:
            if not isinstance(block, dict):
                continue
            beta = np.asarray(nonnegative_value(block["beta"], BETA_MIN))
            gamma = np.asarray(nonnegative_value(block["gamma"]))
            diagonal = np.diag(gamma)
            off = (gamma.sum() - diagonal.sum()) / (gamma.size - diagonal.size)
            name = "/".join(str(k.key) for k in path)
            print(f"| {model_id} | {name} | {beta.mean():.3f} ({beta.min():.3f}-{beta.max():.3f}) "
                  f"| {diagonal.mean():.4f} | {off:.1e} |")


if __name__ == "__main__":
    main(sys.argv[1:])
