"""`cpu_gdn_block` with block codes only from iteration 6: iterations 1-5 keep the networks'
(compressible) bits, 6-16 get fitted block codes, then the same 500 steps.

Commands:
    python experiments/init_block_transform.py islam2021-gdn-w025-v4 ../shared/data/train \
        workdirs/bt/first6.npz --first 6 --val-dir ../shared/data/val
    rnncomp train --config experiments/configs/cpu_gdn_block6.py --workdir workdirs/gdn_block6

Result (not shipped: the MS-SSIM-trained `cpu_gdn_block6_msssim` is; 0.23 h on 2 cores;
validation, 16 central 192x192 crops of ../shared/data/val, MS-SSIM after 1 / 2 / 4 / 8 / 16
iterations): 0.779 / 0.854 / 0.914 / 0.955 / 0.977, against 0.773 / 0.847 / 0.909 / 0.940 /
0.946 for islam2021-gdn-w025-v4. Learning curve: results/training/cpu_gdn_block6.eval.jsonl.
"""

from experiments.configs import cpu_gdn_block


def get_config():
    config = cpu_gdn_block.get_config()
    config.init_from = "workdirs/bt/first6.npz"
    return config
