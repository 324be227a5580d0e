"""Block-design ablations of the CPU GDN model (`cpu_gdn`), one setting changed per variant:

    gdn_both (= cpu_gdn) | gdn_analysis | gdn_synthesis | gdn_neither (= cpu_lstm)
    lstm (= cpu_gdn) | gru
    additive (= cpu_gdn) | one_shot | residual_scaling | iteration_scaling
    block_transform (ours: a linear 16x16 block code beside the networks)

Command (one variant):
    rnncomp train --config experiments/configs/ablation.py:gru --workdir workdirs/ablation/gru
All of them for the same budget, in one table:
    python experiments/ablate.py --workdir workdirs/ablate --steps 300 \\
        both=experiments/configs/ablation.py:gdn_both \\
        analysis=experiments/configs/ablation.py:gdn_analysis ...
Results: README, "Block ablations".
"""

from experiments.configs import cpu_gdn

VARIANTS = {
    "gdn_both": {},
    "gdn_analysis": {"synthesis_gdn": False},
    "gdn_synthesis": {"analysis_gdn": False},
    "gdn_neither": {"analysis_gdn": False, "synthesis_gdn": False},
    "lstm": {"cell": "lstm"},
    "gru": {"cell": "gru"},
    "additive": {"reconstruction": "additive"},
    "one_shot": {"reconstruction": "one_shot"},
    "residual_scaling": {"reconstruction": "residual_scaling"},
    "iteration_scaling": {"reconstruction": "iteration_scaling"},
    "block_transform": {"block_transform": True},
}


def get_config(variant: str = "gdn_both"):
    if variant not in VARIANTS:
        raise ValueError(f"unknown ablation {variant!r}: choose one of {sorted(VARIANTS)}")
    config = cpu_gdn.get_config()
    config.model.update(VARIANTS[variant])
    return config
