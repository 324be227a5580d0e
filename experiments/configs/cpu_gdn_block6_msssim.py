"""`cpu_gdn_block6` trained for the quality the papers report: the same start (the default model
with block codes fitted for iterations 6-16) and the same 500 steps, with the loss
Σ_t w_t (1 - MS-SSIM(x, x̂_t)) instead of the papers' L1 (`loss_ms_ssim_weight = 1`,
rnncomp/training/losses.py; MS-SSIM per 64x64 crop in Google's convention, the window shrunk
at the two smallest scales as msssim.py does).

Commands:
    python experiments/init_block_transform.py islam2021-gdn-w025-v4 ../shared/data/train \
        workdirs/bt/first6.npz --first 6 --val-dir ../shared/data/val
    rnncomp train --config experiments/configs/cpu_gdn_block6_msssim.py \
        --workdir workdirs/gdn_block6_msssim

Result (zoo id islam2021-gdn-bt6-msssim-w025, continued by `cpu_gdn_block6_msssim_long`; 0.27 h
on 2 cores; validation as in `cpu_gdn_block6`): MS-SSIM 0.792 / 0.860 / 0.917 / 0.954 / 0.975
after 1 / 2 / 4 / 8 / 16 iterations, PSNR 20.71 / 22.18 / 23.72 / 25.66 / 27.83 dB. docs/studies.md,
"Training for MS-SSIM".
"""

from experiments.configs import cpu_gdn_block6


def get_config():
    config = cpu_gdn_block6.get_config()
    config.loss_ms_ssim_weight = 1.0
    return config
