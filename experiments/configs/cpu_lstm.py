"""The shipped CPU LSTM baseline (zoo id toderici2017-lstm-w025): `cpu_gdn` without the GDN/IGDN
blocks, same recipe and compute.

Command:
    rnncomp train --config experiments/configs/cpu_lstm.py --workdir workdirs/cpu_lstm

Result (stopped at 800 steps, 0.56 h on 2 cores; validation, 16 central 192x192 crops of
../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 iterations): 0.682 / 0.774 / 0.838 / 0.862.
1.31 s per step on the quiet CPU (experiments/benchmarks/train_throughput.py).
"""

from experiments.configs import cpu_gdn


def get_config():
    config = cpu_gdn.get_config()
    config.model.name = "toderici2017"
    config.model.analysis_gdn = False
    config.model.synthesis_gdn = False
    return config
