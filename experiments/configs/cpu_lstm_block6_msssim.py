"""The LSTM baseline through the same steps as `cpu_gdn_block6_msssim`: `toderici2017-lstm-w025-v3`
with block codes fitted for iterations 6-16, then 500 steps of its last recipe
(`cpu_lstm_finetune16s`) with the loss Σ_t w_t (1 - MS-SSIM(x, x̂_t)).

Commands:
    python experiments/init_block_transform.py toderici2017-lstm-w025-v3 ../shared/data/train \
        workdirs/bt/lstm_first6.npz --first 6 --val-dir ../shared/data/val
    rnncomp train --config experiments/configs/cpu_lstm_block6_msssim.py \
        --workdir workdirs/lstm_block6_msssim

Result (zoo id toderici2017-lstm-bt6-msssim-w025; 0.41 h on 2 cores shared with other jobs;
validation as in `cpu_gdn_block6`): MS-SSIM 0.804 / 0.876 / 0.928 / 0.959 / 0.976 after 1 / 2 /
4 / 8 / 16 iterations, PSNR 20.63 / 22.46 / 24.16 / 26.06 / 28.13 dB. docs/studies.md, "Training for
MS-SSIM".
"""

from experiments.configs import cpu_lstm_block


def get_config():
    config = cpu_lstm_block.get_config()
    config.init_from = "workdirs/bt/lstm_first6.npz"
    config.loss_ms_ssim_weight = 1.0
    return config
