"""Third continued-training phase of the CPU LSTM baseline: the weights of `cpu_lstm_finetune16w`
at step 2500 trained 400 more steps with the sign binarizer (`binarizer = "sign"`: the bits of
inference, gradient straight through) instead of stochastic bits, same crops, batch and loss
weights, Adam 1.25e-4 (the rate that phase ended with) after a 50-step warm-up.

Commands:
    rnncomp export workdirs/lstm_ft16w workdirs/lstm_ft16w.npz
    rnncomp train --config experiments/configs/cpu_lstm_finetune16s.py --workdir workdirs/lstm_ft16s

Result: see the README (Training: the sign binarizer).
"""

from experiments.configs import cpu_lstm_finetune16w


def get_config():
    config = cpu_lstm_finetune16w.get_config()
    config.init_from = "workdirs/lstm_ft16w.npz"
    config.binarizer = "sign"
    config.learning_rate = 1.25e-4
    config.lr_boundaries = ()
    config.num_train_steps = 400
    config.eval_every_steps = 200
    return config
