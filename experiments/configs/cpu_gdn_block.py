"""The default GDN model extended with the block transform (our per-iteration linear 16x16 block
code beside the networks, `rnncomp/models/iterative.py`), then trained: `islam2021-gdn-w025-v4`
with A_t, S_t fitted to its own residuals for iterations 3-16 (sequential PCA of the blocks of
64 central crops of ../shared/data/train; `experiments/init_block_transform.py`), then 500 steps
of its last recipe (`cpu_gdn_finetune16s`: batch 8 of 64x64 crops, 16 iterations, 9-16 weighted
1/4, sign binarizer, Adam 1.25e-4).

Commands:
    python experiments/init_block_transform.py islam2021-gdn-w025-v4 ../shared/data/train \
        workdirs/bt/first3.npz --first 3 --val-dir ../shared/data/val
    rnncomp train --config experiments/configs/cpu_gdn_block.py --workdir workdirs/gdn_block

Result: docs/studies.md, "Why the late iterations stall, and the block transform".
"""

from experiments.configs import cpu_gdn_finetune16s


def get_config():
    config = cpu_gdn_finetune16s.get_config()
    config.model.block_transform = True
    config.init_from = "workdirs/bt/first3.npz"
    config.num_train_steps = 500
    config.eval_every_steps = 250
    return config
