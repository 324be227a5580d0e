"""The shipped CPU GDN model (zoo id islam2021-gdn-w025): Islam et al.'s network at 1/4 widths
(2.2 M parameters), with a recipe for a short CPU budget: 8 unrolled iterations instead of 16
(half the cost per step), Adam 2e-3 after a 100-step warm-up with gradients clipped to norm 1,
halved at steps 1000 and 1400; 1600 steps of batch 32 (~40 minutes on 2 cores).

Command:
    rnncomp train --config experiments/configs/cpu_gdn.py --workdir workdirs/cpu_gdn

Result (stopped at 1200 steps, 0.80 h on 2 cores; validation, 16 central 192x192 crops of
../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 iterations): 0.684 / 0.777 / 0.846 / 0.876;
Kodak in the README. 1.50 s per step on the quiet CPU (experiments/benchmarks/train_throughput.py).
"""

from experiments.configs import default


def get_config():
    config = default.get_config()
    config.model.width = 0.25
    config.iterations = 8
    config.eval_iterations = 16
    config.learning_rate = 2e-3
    config.warmup_steps = 100
    config.grad_clip = 1.0
    config.lr_boundaries = (1_000, 1_400)
    config.num_train_steps = 1_600
    config.eval_every_steps = 400
    config.checkpoint_every_steps = 100
    config.cpu_data_parallel = True  # batch 32 of 32x32: faster split over the cores
    return config
