"""`cpu_lstm_block6_msssim` trained on like `cpu_gdn_block6_msssim_long`: 1500 steps instead of
500, the rate halved at step 1000.

Run it in the workdir of `cpu_lstm_block6_msssim`, which it continues from step 500 (same data
order, same optimiser state):

    rnncomp train --config experiments/configs/cpu_lstm_block6_msssim_long.py \
        --workdir workdirs/lstm_block6_msssim

Result (zoo id toderici2017-lstm-bt6-msssim-w025-v2; 0.51 h more on 2 cores, shared with other
jobs; validation as in `cpu_gdn_block6`): MS-SSIM 0.812 / 0.883 / 0.933 / 0.963 / 0.979 after
1 / 2 / 4 / 8 / 16 iterations (0.804 / 0.876 / 0.928 / 0.959 / 0.976 at step 500), PSNR
20.79 / 22.59 / 24.28 / 26.12 / 28.10 dB. docs/studies.md, "Training for MS-SSIM".
"""

from experiments.configs import cpu_lstm_block6_msssim


def get_config():
    config = cpu_lstm_block6_msssim.get_config()
    config.num_train_steps = 1500
    config.lr_boundaries = (1000,)
    return config
