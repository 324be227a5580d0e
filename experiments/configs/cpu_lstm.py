"""The shipped CPU LSTM baseline (zoo id toderici2017-lstm-w025): `cpu_gdn` without the GDN/IGDN
blocks, same recipe and compute.

Command:
    rnncomp train --config experiments/configs/cpu_lstm.py --workdir workdirs/cpu_lstm
"""

from experiments.configs import cpu_gdn


def get_config():
    config = cpu_gdn.get_config()
    config.model.name = "toderici2017"
    config.model.analysis_gdn = False
    config.model.synthesis_gdn = False
    return config
