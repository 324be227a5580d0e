"""Toderici et al. 2017's LSTM network with additive reconstruction (Islam et al.'s baseline):
paper widths, 16 iterations, batch 32, Adam 5e-4 halving, L1. For accelerators.

Command:
    rnncomp train --config experiments/configs/toderici2017_lstm.py --workdir workdirs/lstm

Result: not trained here (no accelerator was lent); 28.2 s per step on the 2-core CPU
(experiments/benchmarks/train_throughput.py).
"""

from experiments.configs import default


def get_config():
    config = default.get_config()
    config.model.name = "toderici2017"
    config.model.analysis_gdn = False
    config.model.synthesis_gdn = False
    return config
