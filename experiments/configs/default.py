"""Every training knob, with the papers' recipe as defaults: Islam et al. 2021's GDN model at
paper widths (~35.7 M parameters), 16 iterations, batch 32 of 32x32 crops, Adam 5e-4 halved
at the boundaries, L1 residual loss. Paper-width steps cost ~2.3 TFLOP: for accelerators.

Command:
    rnncomp train --config experiments/configs/default.py --workdir workdirs/default
"""

import ml_collections


def get_config():
    config = ml_collections.ConfigDict()

    config.model = ml_collections.ConfigDict()
    config.model.name = "islam2021"  # "islam2021" | "toderici2017"
    config.model.width = 1.0  # multiplier of every hidden width (not of the 32 bits)
    config.model.cell = "lstm"  # "lstm" | "gru"
    # "additive" | "one_shot" | "residual_scaling" | "iteration_scaling"
    config.model.reconstruction = "additive"
    config.model.analysis_gdn = True  # GDN after the first encoder conv
    config.model.synthesis_gdn = True  # IGDN after the first decoder conv
    config.model.bits = 32  # bits per 16x16 block per iteration
    config.model.block_transform = False  # our per-iteration linear block code (iterative.py)

    config.data = ml_collections.ConfigDict()
    config.data.source = "folder"  # "folder" | "tfds"
    config.data.train_dir = "../shared/data/train"
    config.data.tfds_name = ""
    config.data.tfds_split = "train"
    config.data.tfds_data_dir = ""
    config.data.crop_size = 32
    config.data.val_dir = "../shared/data/val"  # "" disables validation
    config.data.val_images = 16  # first N validation images ...
    config.data.val_crop = 192  # ... centre-cropped (MS-SSIM's 5 scales need >= 161)

    config.iterations = 16  # unrolled in training
    config.eval_iterations = 16
    config.batch_size = 32
    # Without accelerators: split the batch over the CPU cores, one JAX device each
    # (train.use_cpu_cores_as_devices); faster for batch 32 of 32x32, slower for batch 8 of 64x64
    # on the 2-core machine (README, "Performance against a PyTorch reference").
    config.cpu_data_parallel = False
    # "bfloat16": the training step's convolutions round their operands to bfloat16 and return
    # float32 (torch.autocast's mixed precision; for accelerators: CPUs without bf16 units slow
    # down); evaluation and the codec stay float32.
    config.conv_operand_dtype = "float32"
    # What the backward pass keeps of the iterations' forward (rnncomp.models.iterative):
    # "conv_outputs" (fastest here) | "all" (plain autodiff) | "none" (keeps the least)
    config.saved_residuals = "conv_outputs"
    config.binarizer = "stochastic"  # in training: "stochastic" (the papers) | "sign"
    config.loss_norm = 1  # 1: L1 residual loss (the papers); 2: squared error
    config.loss_log = False  # True: Σ_t w_t log mean|r_t|^p (equal weight per relative gain)
    config.loss_ms_ssim_weight = 0.0  # α: (1-α)·L1 + α·(1 - MS-SSIM) per iteration (ours)
    config.loss_weights = ()  # per-iteration weights; empty = uniform (mean over iterations)
    config.learning_rate = 5e-4
    config.lr_boundaries = (100_000, 300_000, 600_000)  # steps at which the rate is halved
    config.lr_decay = 0.5
    config.warmup_steps = 0
    config.grad_clip = 0.0  # global-norm clipping; 0 disables
    config.gdn_lr_scale = 1.0  # the GDN/IGDN parameters' learning rate, relative
    config.gain_lr_scale = 1.0  # the gain's (residual / iteration scaling), relative
    config.num_train_steps = 1_000_000
    config.max_train_minutes = 0.0  # stop after this much training time; 0 = no limit
    config.seed = 0
    config.init_from = ""  # zoo id or .npz weights to start from (fine-tuning); "" = random

    config.log_every_steps = 50
    config.eval_every_steps = 5_000
    config.checkpoint_every_steps = 500
    config.max_checkpoints_to_keep = 3
    return config
