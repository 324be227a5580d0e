"""`cpu_gdn_block6_msssim` trained on: 1500 steps instead of 500, the rate halved at step 1000.

Run it in the workdir of `cpu_gdn_block6_msssim`, which it continues from step 500 (same data
order, same optimiser state):

    rnncomp train --config experiments/configs/cpu_gdn_block6_msssim_long.py \
        --workdir workdirs/gdn_block6_msssim

Result (zoo id islam2021-gdn-bt6-msssim-w025-v2; 0.52 h more on 2 cores, shared with other
jobs; validation as in `cpu_gdn_block6`): MS-SSIM 0.800 / 0.868 / 0.923 / 0.959 / 0.977 after
1 / 2 / 4 / 8 / 16 iterations (0.792 / 0.860 / 0.917 / 0.954 / 0.975 at step 500), PSNR
20.81 / 22.33 / 23.90 / 25.80 / 27.85 dB. docs/studies.md, "Training for MS-SSIM".
"""

from experiments.configs import cpu_gdn_block6_msssim


def get_config():
    config = cpu_gdn_block6_msssim.get_config()
    config.num_train_steps = 1500
    config.lr_boundaries = (1000,)
    return config
