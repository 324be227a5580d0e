"""Continued training of the shipped CPU LSTM baseline (toderici2017-lstm-w025, 800 steps) with
exactly the recipe of `cpu_gdn_finetune` (batch 8 of 64x64 crops, 8 unrolled iterations, Adam
1e-3 after a 50-step warm-up, halved at steps 1500 and 2500, gradients clipped to norm 1), so
that the two models' learning curves can be compared at equal training hours.

Command:
    rnncomp train --config experiments/configs/cpu_lstm_finetune.py --workdir workdirs/lstm_ft

Result (3500 steps, 0.81 h on 2 cores; validation, 16 central 192x192 crops of
../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 / 16 iterations): 0.772 / 0.856 / 0.916 / 0.940 /
0.935, against the starting model's 0.682 / 0.774 / 0.838 / 0.862 / 0.862 and the GDN model's
0.754 / 0.834 / 0.898 / 0.928 / 0.930 after the same 3500 steps of this recipe. Learning curve:
results/training/cpu_lstm_finetune.eval.jsonl.
"""

from experiments.configs import cpu_gdn_finetune, cpu_lstm


def get_config():
    config = cpu_gdn_finetune.get_config()
    config.model = cpu_lstm.get_config().model
    config.init_from = "toderici2017-lstm-w025"
    return config
