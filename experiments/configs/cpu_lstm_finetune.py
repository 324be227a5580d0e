"""Continued training of the shipped CPU LSTM baseline (toderici2017-lstm-w025, 800 steps) with
exactly the recipe of `cpu_gdn_finetune` (batch 8 of 64x64 crops, 8 unrolled iterations, Adam
1e-3 after a 50-step warm-up, halved at steps 1500 and 2500, gradients clipped to norm 1), so
that the two models' learning curves can be compared at equal training hours.

Command:
    rnncomp train --config experiments/configs/cpu_lstm_finetune.py --workdir workdirs/lstm_ft
"""

from experiments.configs import cpu_gdn_finetune, cpu_lstm


def get_config():
    config = cpu_gdn_finetune.get_config()
    config.model = cpu_lstm.get_config().model
    config.init_from = "toderici2017-lstm-w025"
    return config
