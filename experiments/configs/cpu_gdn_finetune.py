"""Continued training of the shipped CPU GDN model (islam2021-gdn-w025, 1200 steps) with the
recipe study's winner: batch 8 of 64x64 crops (the same pixels per step as batch 32 of 32x32),
8 unrolled iterations, Adam 1e-3 after a 50-step warm-up (fresh optimiser state), halved at
steps 1500 and 2500 of this run, gradients clipped to norm 1.

Command:
    rnncomp train --config experiments/configs/cpu_gdn_finetune.py --workdir workdirs/gdn_ft
"""

from experiments.configs import cpu_gdn


def get_config():
    config = cpu_gdn.get_config()
    config.init_from = "islam2021-gdn-w025"
    config.data.crop_size = 64
    config.batch_size = 8
    config.learning_rate = 1e-3
    config.warmup_steps = 50
    config.lr_boundaries = (1_500, 2_500)
    config.num_train_steps = 3_500
    config.eval_every_steps = 250
    config.checkpoint_every_steps = 100
    return config
