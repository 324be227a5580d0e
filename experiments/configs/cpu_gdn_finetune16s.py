"""Third continued-training phase of the default GDN model: the weights of `cpu_gdn_finetune16w`
at step 2500 trained 400 more steps with the sign binarizer (`binarizer = "sign"`: the bits of
inference, gradient straight through) instead of stochastic bits, same crops, batch and loss
weights, Adam 1.25e-4 (the rate that phase ended with) after a 50-step warm-up.

Commands:
    rnncomp export workdirs/gdn_ft16w workdirs/gdn_ft16w.npz
    rnncomp train --config experiments/configs/cpu_gdn_finetune16s.py --workdir workdirs/gdn_ft16s

Result (zoo id islam2021-gdn-w025-v4, 0.20 h on 2 cores; validation, 16 central 192x192 crops
of ../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 / 16 iterations): 0.773 / 0.847 / 0.909 /
0.940 / 0.946, against 0.766 / 0.843 / 0.903 / 0.936 / 0.943 at the start. Learning curve:
results/training/cpu_gdn_finetune16s.eval.jsonl.
"""

from experiments.configs import cpu_gdn_finetune16w


def get_config():
    config = cpu_gdn_finetune16w.get_config()
    config.init_from = "workdirs/gdn_ft16w.npz"
    config.binarizer = "sign"
    config.learning_rate = 1.25e-4
    config.lr_boundaries = ()
    config.num_train_steps = 400
    config.eval_every_steps = 200
    return config
