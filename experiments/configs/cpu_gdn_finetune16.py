"""Second continued-training phase of the shipped CPU GDN model: islam2021-gdn-w025-v2 (trained
with 8 unrolled iterations, so its iterations 9-16 add almost nothing) trained with all 16
iterations unrolled, batch 8 of 64x64 crops, Adam 5e-4 after a 50-step warm-up (fresh optimiser
state), halved at steps 1500 and 2500 of this run, gradients clipped to norm 1.

Command:
    rnncomp train --config experiments/configs/cpu_gdn_finetune16.py --workdir workdirs/gdn_ft16

Result (stopped at 1500 steps, 0.88 h on 2 cores; validation, 16 central 192x192 crops of
../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 / 12 / 16 iterations): 0.731 / 0.812 / 0.883 /
0.928 / 0.939 / 0.941, against the starting model's 0.754 / 0.834 / 0.898 / 0.928 / 0.930 /
0.930: the later iterations learn, at the cost of the earlier ones (uniform weights give them
half the share of the loss they had). Learning curve:
results/training/cpu_gdn_finetune16.eval.jsonl. Not shipped; `cpu_gdn_finetune16w` weights them.
"""

from experiments.configs import cpu_gdn_finetune


def get_config():
    config = cpu_gdn_finetune.get_config()
    config.init_from = "islam2021-gdn-w025-v2"
    config.iterations = 16
    config.learning_rate = 5e-4
    config.lr_boundaries = (1_500, 2_500)
    config.num_train_steps = 3_500
    return config
