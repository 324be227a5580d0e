"""Islam et al. 2021 as published: GDN analysis and IGDN synthesis blocks, paper widths, 16
iterations, batch 32, Adam 5e-4 halving, L1. For accelerators (~2.3 TFLOP per step).

Command:
    rnncomp train --config experiments/configs/islam2021_gdn.py --workdir workdirs/islam2021_gdn

Result: not trained here (no accelerator was lent); 27.9 s per step on the 2-core CPU
(experiments/benchmarks/train_throughput.py).
"""

from experiments.configs import default


def get_config():
    return default.get_config()
