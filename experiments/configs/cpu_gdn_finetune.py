"""Continued training of the shipped CPU GDN model (islam2021-gdn-w025, 1200 steps) with the
recipe study's winner: batch 8 of 64x64 crops (the same pixels per step as batch 32 of 32x32),
8 unrolled iterations, Adam 1e-3 after a 50-step warm-up (fresh optimiser state), halved at
steps 1500 and 2500 of this run, gradients clipped to norm 1.

Command:
    rnncomp train --config experiments/configs/cpu_gdn_finetune.py --workdir workdirs/gdn_ft

Result (zoo id islam2021-gdn-w025-v2; 3500 steps, 1.30 h recorded on 2 cores, pauses for
benchmarks included; validation, 16 central 192x192 crops of ../shared/data/val, MS-SSIM after
1 / 2 / 4 / 8 / 16 iterations): 0.754 / 0.834 / 0.898 / 0.928 / 0.930, against the starting
model's 0.684 / 0.777 / 0.846 / 0.876 / 0.879. Learning curve:
results/training/cpu_gdn_finetune.eval.jsonl.
"""

from experiments.configs import cpu_gdn


def get_config():
    config = cpu_gdn.get_config()
    config.init_from = "islam2021-gdn-w025"
    config.data.crop_size = 64
    config.batch_size = 8
    config.cpu_data_parallel = False  # batch 8 of 64x64: faster on one CPU device
    config.learning_rate = 1e-3
    config.warmup_steps = 50
    config.lr_boundaries = (1_500, 2_500)
    config.num_train_steps = 3_500
    config.eval_every_steps = 250
    config.checkpoint_every_steps = 100
    return config
