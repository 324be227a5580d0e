"""The LSTM baseline through the same extension as `cpu_gdn_block`: `toderici2017-lstm-w025-v3`
with block codes fitted for iterations 3-16, then 500 steps of its last recipe
(`cpu_lstm_finetune16s`).

Commands:
    python experiments/init_block_transform.py toderici2017-lstm-w025-v3 ../shared/data/train \
        workdirs/bt/lstm_first3.npz --first 3 --val-dir ../shared/data/val
    rnncomp train --config experiments/configs/cpu_lstm_block.py --workdir workdirs/lstm_block

Result: docs/studies.md, "Why the late iterations stall, and the block transform".
"""

from experiments.configs import cpu_lstm_finetune16s


def get_config():
    config = cpu_lstm_finetune16s.get_config()
    config.model.block_transform = True
    config.init_from = "workdirs/bt/lstm_first3.npz"
    config.num_train_steps = 500
    config.eval_every_steps = 250
    return config
