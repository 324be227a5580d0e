"""Second continued-training phase of the shipped CPU GDN model, with per-iteration loss
weights: islam2021-gdn-w025-v2 (trained with 8 unrolled iterations) trained with 16 unrolled
iterations, the loss weighting iterations 9-16 a quarter of iterations 1-8, so that learning
the later iterations does not cost the earlier ones (as uniform weights did: `cpu_gdn_finetune16`).
Batch 8 of 64x64 crops, Adam 2.5e-4 (the rate the first phase ended with) after a 50-step
warm-up (fresh optimiser state), halved at step 1500, gradients clipped to norm 1.

Command:
    rnncomp train --config experiments/configs/cpu_gdn_finetune16w.py --workdir workdirs/gdn_ft16w

Result (zoo id islam2021-gdn-w025-v3: stopped at step 1867, 0.78 h on 2 cores; validation at
step 1750, 16 central 192x192 crops of ../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 / 16
iterations): 0.761 / 0.837 / 0.902 / 0.936 / 0.942, against the starting model's 0.754 / 0.834 /
0.898 / 0.928 / 0.930. Resumed to step 2500 (1.28 h in all): 0.766 / 0.843 / 0.903 / 0.936 /
0.943; then `cpu_gdn_finetune16s`. Learning curve: results/training/cpu_gdn_finetune16w.eval.jsonl.
"""

from experiments.configs import cpu_gdn_finetune16


def get_config():
    config = cpu_gdn_finetune16.get_config()
    config.loss_weights = (1.0,) * 8 + (0.25,) * 8
    config.learning_rate = 2.5e-4
    config.lr_boundaries = (1_500,)
    config.num_train_steps = 2_500
    return config
