"""Third continued-training phase of the CPU LSTM baseline, the recipe of `cpu_gdn_finetune16s`:
the weights of `cpu_lstm_finetune16w` at step 2500 trained 400 more steps with the sign
binarizer (`binarizer = "sign"`: the bits of inference, gradient straight through) instead of
stochastic bits, same crops, batch and loss weights, Adam 1.25e-4 (the rate that phase ended
with) after a 50-step warm-up.

Commands:
    rnncomp export workdirs/lstm_ft16w workdirs/lstm_ft16w.npz
    rnncomp train --config experiments/configs/cpu_lstm_finetune16s.py --workdir workdirs/lstm_ft16s

Result (zoo id toderici2017-lstm-w025-v3, 0.33 h on 2 cores shared with another run;
validation, 16 central 192x192 crops of ../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 / 16
iterations): 0.790 / 0.868 / 0.923 / 0.951 / 0.954, against 0.777 / 0.863 / 0.920 / 0.950 /
0.954 for the same 400 steps with stochastic bits and 0.781 / 0.864 / 0.919 / 0.949 / 0.953 at
the start. Learning curve: results/training/cpu_lstm_finetune16s.eval.jsonl.
"""

from experiments.configs import cpu_gdn_finetune16s, cpu_lstm


def get_config():
    config = cpu_gdn_finetune16s.get_config()
    config.model = cpu_lstm.get_config().model
    config.init_from = "workdirs/lstm_ft16w.npz"
    return config
