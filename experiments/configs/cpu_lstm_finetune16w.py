"""Second continued-training phase of the CPU LSTM baseline, the recipe of `cpu_gdn_finetune16w`
(16 unrolled iterations, iterations 9-16 weighted a quarter, batch 8 of 64x64 crops, Adam 2.5e-4
after a 50-step warm-up, halved at step 1500, gradients clipped to norm 1), from the first
phase's weights (`cpu_lstm_finetune`), exported first.

Commands:
    rnncomp export workdirs/lstm_ft workdirs/lstm_ft.npz
    rnncomp train --config experiments/configs/cpu_lstm_finetune16w.py --workdir workdirs/lstm_ft16w

Result (zoo id toderici2017-lstm-w025-v2: stopped at step 1513, 0.68 h on 2 cores; validation at
step 1500, as above): 0.775 / 0.859 / 0.918 / 0.947 / 0.951, against the GDN model's 0.761 /
0.837 / 0.902 / 0.935 / 0.941 at the same step of `cpu_gdn_finetune16w`. Resumed to step 2500
(`--config.num_train_steps=2500`, 1.20 h in all): 0.781 / 0.864 / 0.919 / 0.949 / 0.953, the
GDN model 0.766 / 0.843 / 0.903 / 0.936 / 0.943; then `cpu_lstm_finetune16s`. Learning curve:
results/training/cpu_lstm_finetune16w.eval.jsonl.
"""

from experiments.configs import cpu_gdn_finetune16w, cpu_lstm


def get_config():
    config = cpu_gdn_finetune16w.get_config()
    config.model = cpu_lstm.get_config().model
    config.init_from = "workdirs/lstm_ft.npz"
    return config
