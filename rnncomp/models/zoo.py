"""The model zoo: one record per shipped model, under an id that never changes meaning.

The id is written into every compressed file, so a record's architecture and weights are frozen:
a better model gets a new id. Weights are NumPy .npz archives (no pickle) of the parameter tree
flattened to "encoder/rnn1/input_conv/kernel"-style keys, stored as float16, whose SHA-256 is
checked on load.

The package ships only the current models' weights. A record whose `retired_at` is set keeps its
id and hash, but its files are not packaged: they are in the repository's tree at that commit,
and load from the folder named by $RNNCOMP_WEIGHTS_DIR once restored there.
"""

import dataclasses
import hashlib
import io
import os
from importlib import resources
from pathlib import Path

import numpy as np

from rnncomp.models.architectures import build_model
from rnncomp.models.iterative import RecurrentCodec

WEIGHTS_PACKAGE = "rnncomp.models.weights"
WEIGHTS_DIR_VARIABLE = "RNNCOMP_WEIGHTS_DIR"  # where retired models' restored files are read


@dataclasses.dataclass(frozen=True)
class ZooEntry:
    id: str
    model: dict  # settings for `build_model`
    weights: str  # file in rnncomp/models/weights/
    sha256: str
    description: str
    training: str  # compute and data that made the weights
    context_model: dict | None = None  # entropy model: {"settings", "weights", "sha256"}
    retired_at: str | None = None  # a commit whose rnncomp/models/weights/ holds the files
    post_filter: dict | None = None  # decoder-side post-filter: {"settings", "weights", "sha256"}

    def files(self) -> dict[str, str]:
        """The entry's weights files (the network's, the context model's, the post-filter's)
        and hashes; entries may share a file."""
        files = {self.weights: self.sha256}
        for part in (self.context_model, self.post_filter):
            if part:
                files[part["weights"]] = part["sha256"]
        return files


ZOO = {
    entry.id: entry
    for entry in (
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-pf-w025",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v11.npz",
            sha256="300ecb6b7cbfdd8b48690933df2f7fd07cd9109013b5c54c1db1f025fa33879b",
            description="islam2021-gdn-bt6-msssim-w025-v11 (same network and context model) "
                        "with a post-filter after the decoder (rnncomp/models/post_filter.py, "
                        "width 48, depth 3, 73 k parameters) trained for MS-SSIM on its "
                        "reconstructions",
            training="islam2021-gdn-bt6-msssim-w025-v11 (16.76 h), then the post-filter: "
                     "its reconstructions of 800 random 192x192 crops of ../shared/data/train "
                     "after 1-16 iterations, 3000 Adam steps of batch 8 (python -m "
                     "rnncomp.training.train_post_filter); + 0.94 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "islam2021-gdn-bt6-msssim-w025-v11.context.npz",
                "sha256": "cba5cdd7013071d872a445ac6ff58a5722a4debc16fee9a740ff77a3bd155fca",
            },
            post_filter={
                "settings": {"width": 48, "depth": 3},
                "weights": "islam2021-gdn-bt6-msssim-pf-w025.post_filter.npz",
                "sha256": "584abac8a55ede7a80be3c5683b1ec29f2acd6b37ae5c3a79dde19c28e888061",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v11",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v11.npz",
            sha256="300ecb6b7cbfdd8b48690933df2f7fd07cd9109013b5c54c1db1f025fa33879b",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v10 trained 2544 steps further on "
                        "192x192 crops, the rate halved after 1100 of them; context model on "
                        "iterations 1-5, the rest coded at p = 1/2",
            training="islam2021-gdn-bt6-msssim-w025-v10 (15.18 h), then 1100 steps of its "
                     "recipe at rate 6.25e-5 and 1444 at 3.125e-5, batch 1 of 192x192 crops of "
                     "../shared/data/train, uniform iteration weights "
                     "(cpu_gdn_block6_msssim.py with loss_weights=[1]*16 via "
                     "experiments/ablate.py, docs/studies.md 'Training for MS-SSIM'); "
                     "+ 1.58 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "islam2021-gdn-bt6-msssim-w025-v11.context.npz",
                "sha256": "cba5cdd7013071d872a445ac6ff58a5722a4debc16fee9a740ff77a3bd155fca",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v10",
            retired_at="c947b5dd7150af7bec3a11d4671a4a440a1524ec",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v10.npz",
            sha256="53348a92db8fd9a584dff8399a7acb3966838d7953b287bf841ba8cad9c45d41",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v9 trained 2613 steps further on "
                        "192x192 crops with all 16 iterations weighted equally; context model on "
                        "iterations 1-5, the rest coded at p = 1/2",
            training="islam2021-gdn-bt6-msssim-w025-v9 (13.60 h), then 2613 steps of its "
                     "recipe at rate 6.25e-5 with batch 1 of 192x192 crops of "
                     "../shared/data/train and uniform iteration weights "
                     "(cpu_gdn_block6_msssim.py with loss_weights=[1]*16 via "
                     "experiments/ablate.py, docs/studies.md 'Training for MS-SSIM'); "
                     "+ 1.58 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "islam2021-gdn-bt6-msssim-w025-v10.context.npz",
                "sha256": "167372110964b843d0e8fbf8e9941bf1f424ead1d6893a928d2780199e3dcd8c",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v9",
            retired_at="fb3057af3b5b951365d7d07f07f9838495396c4c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v9.npz",
            sha256="14b9ea3506a7d63520a61a8db4cda12e915a5b5f883b8b489a539fe5b049d4c6",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v8 trained 2803 steps further on "
                        "128x128 crops with all 16 iterations weighted equally; context model on "
                        "iterations 1-5, the rest coded at p = 1/2",
            training="islam2021-gdn-bt6-msssim-w025-v8 (11.93 h), then 2803 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train and uniform iteration weights "
                     "(cpu_gdn_block6_msssim.py with loss_weights=[1]*16 via "
                     "experiments/ablate.py, docs/studies.md 'Training for MS-SSIM'); "
                     "+ 1.67 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "islam2021-gdn-bt6-msssim-w025-v9.context.npz",
                "sha256": "84e866ec9baff7e24b453f8256270e6b8ef2846bea9c809f29815d372d0ac3af",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v8",
            retired_at="e760f58d759e24924c66292ed50c343e09a387a7",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v8.npz",
            sha256="72ffec4818cb2fd052c9011ffc5b148651c7e6408acc7a7ba04be843499d8498",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v7 trained 2610 steps further on "
                        "128x128 crops; context model on iterations 1-5, the rest coded at "
                        "p = 1/2",
            training="islam2021-gdn-bt6-msssim-w025-v7 (10.26 h), then 2610 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_gdn_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 1.67 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "islam2021-gdn-bt6-msssim-w025-v8.context.npz",
                "sha256": "4d05f83be40ba99342ed5306e81c24a5a15d066448a620cec1634ddddeede442",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v7",
            retired_at="b863211b4e8a4c9229d340f63cd4ef65cbe24de7",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v7.npz",
            sha256="7bc097c6e501768e061c18f20a1cd497f7b7ec2940a4349bed47bad8cc9c2d21",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v6 trained 2331 steps further on "
                        "128x128 crops; context model on iterations 1-5, the rest coded at "
                        "p = 1/2",
            training="islam2021-gdn-bt6-msssim-w025-v6 (8.59 h), then 2331 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_gdn_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 1.67 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "islam2021-gdn-bt6-msssim-w025-v7.context.npz",
                "sha256": "296dbfb48d92be63878957c7eac68bf39f9ad8fff6cb18f62c2ed98bbaaba40f",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v6",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v6.npz",
            sha256="78c510283cf02eb3f979136ee7dae8a18a2a0f4ff6f78c7012903552a649aa2e",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v5 trained 2635 steps further on "
                        "128x128 crops",
            training="islam2021-gdn-bt6-msssim-w025-v5 (6.92 h), then 2635 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_gdn_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 1.67 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt6-msssim-w025-v6.context.npz",
                "sha256": "a5f3fca9fdd191990b8f4a238a6e3301e89604a9d570185e9b6f5e857361ad6b",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v5",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v5.npz",
            sha256="73942343ea0a986e5472c9876d24d4450b88d8993e68e52625d018922464f3a5",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v4 trained 894 steps further on "
                        "128x128 crops",
            training="islam2021-gdn-bt6-msssim-w025-v4 (5.89 h), then 894 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_gdn_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 1.03 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt6-msssim-w025-v5.context.npz",
                "sha256": "668e3b4999308e25999647958e51f9983477e7706ec7fdfdf6f30a1f68a16a47",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v4",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v4.npz",
            sha256="81014cb0dbe7d39e7b32443bdfa81497d020e6e7880bb24ddab772b0eb601b7c",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v3 trained 900 steps further on "
                        "128x128 crops",
            training="islam2021-gdn-bt6-msssim-w025-v3 (4.99 h), then 900 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_gdn_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 0.90 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt6-msssim-w025-v4.context.npz",
                "sha256": "0fa41e32842cda2e87042e162f6426d4ca28fd9a16c931083801e237202c161f",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v3",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v3.npz",
            sha256="45ad05c889e683313888f1a58a564ef23c6d2651f76a09918547ade82d72a5b4",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025-v2 trained 1500 steps further on "
                        "128x128 crops",
            training="islam2021-gdn-bt6-msssim-w025-v2 (4.40 h), then 1500 steps of its "
                     "recipe at its final rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_gdn_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 0.59 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt6-msssim-w025-v3.context.npz",
                "sha256": "bf990e96d6516635b6d0d88f9ca24435644a43a32a577e226e125a511a69083b",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025-v2",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025-v2.npz",
            sha256="dd40bf56442fc6fbe60a5708cd5826ddaf532caca14e9435e9ff632cf85c49e5",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-bt6-msssim-w025 trained 1000 steps further",
            training="islam2021-gdn-bt6-msssim-w025 (3.88 h), then 1000 more steps of its "
                     "recipe, the rate halved at step 1000 (cpu_gdn_block6_msssim_long.py); "
                     "+ 0.52 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt6-msssim-w025-v2.context.npz",
                "sha256": "4e064bc0aba38eaed61904e6b38507627699e762cb256acc16723e34ee159127",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt6-msssim-w025",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt6-msssim-w025.npz",
            sha256="edc24e2eafe61a0870c060a37978191780f8a27ea04654ee82e14c045d179f0d",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform from "
                        "iteration 6 (3.03 M parameters in all), trained for MS-SSIM; "
                        "islam2021-gdn-w025-v4 extended and trained further",
            training="islam2021-gdn-w025-v4 (3.58 h), block codes fitted to its residuals "
                     "for iterations 6-16 (experiments/init_block_transform.py, 64 crops of "
                     "../shared/data/train), then 500 steps of batch 8 of 64x64 crops of "
                     "../shared/data/train with the loss sum_t w_t (1 - MS-SSIM_t) "
                     "(cpu_gdn_block6_msssim.py); + 0.03 h + 0.27 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt6-msssim-w025.context.npz",
                "sha256": "546bebe96a5561208e430d5a0afc3a888e925802c8ea9179675d4594447f0674",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-bt-w025",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25, "block_transform": True},
            weights="islam2021-gdn-bt-w025.npz",
            sha256="19ccd1bc992784bc4b3c05ea197c5c644032f1307e5cdc7a2918f14bc207ca77",
            description="Islam et al. 2021 GDN model at 1/4 widths, LSTM cells, additive "
                        "reconstruction, 32 bits per 16x16 block, with our block transform "
                        "(a linear 16x16 block code per iteration beside the networks; 3.03 M "
                        "parameters in all); islam2021-gdn-w025-v4 extended and trained further",
            training="islam2021-gdn-w025-v4 (3.58 h), block codes fitted to its residuals "
                     "for iterations 3-16 (experiments/init_block_transform.py, 64 crops of "
                     "../shared/data/train), then 500 steps of batch 8 of 64x64 crops of "
                     "../shared/data/train (cpu_gdn_block.py); + 0.06 h + 0.32 h on 2 CPU "
                     "cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-bt-w025.context.npz",
                "sha256": "0597d6f80e9bc3a4214f6da71201407659241ff436b0315f4ba91e0a4650e722",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-w025-v4",
            model={"name": "islam2021", "width": 0.25},
            weights="islam2021-gdn-w025-v4.npz",
            sha256="b78ee4af3ba60a5c229e0ca7c240cc94cf6204931a5dc4cbc46dd0b836391924",
            description="Islam et al. 2021 GDN model at 1/4 widths (2.24 M parameters), "
                        "LSTM cells, additive reconstruction, 32 bits per 16x16 block; "
                        "islam2021-gdn-w025-v3 trained further, last with the sign binarizer",
            training="islam2021-gdn-w025-v3's 1200 + 3500 steps, then its 16-iteration phase "
                     "(cpu_gdn_finetune16w.py) continued to 2500 steps, then 400 steps with "
                     "the sign binarizer (cpu_gdn_finetune16s.py); batch 8 of 64x64 crops of "
                     "../shared/data/train (BSDS500, 400 images); 0.80 h + 1.30 h + 1.28 h + "
                     "0.20 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-w025-v4.context.npz",
                "sha256": "fc2e2547e0c559cfeb210afff83489dd114ff10a6bed015812959a5b409bfbd0",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-w025-v3",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25},
            weights="islam2021-gdn-w025-v3.npz",
            sha256="4198fa11e0d12d1746b9a4266c26f9520e635dc0ac41bc7f5dce85c68251d736",
            description="Islam et al. 2021 GDN model at 1/4 widths (2.24 M parameters), "
                        "LSTM cells, additive reconstruction, 32 bits per 16x16 block; "
                        "islam2021-gdn-w025-v2 trained further with 16 iterations",
            training="islam2021-gdn-w025-v2's 1200 + 3500 steps, then 1867 steps of batch 8 "
                     "(64x64 crops of ../shared/data/train, BSDS500, 400 images), 16 unrolled "
                     "iterations, iterations 9-16 weighted 1/4, config experiments/configs/"
                     "cpu_gdn_finetune16w.py; 0.80 h + 1.30 h + 0.78 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "islam2021-gdn-w025-v3.context.npz",
                "sha256": "ee29e77ba129598d1aa52e993fcd3fcc9e759fded21e4cedba4b4cb1e9e77d99",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-w025-v2",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25},
            weights="islam2021-gdn-w025-v2.npz",
            sha256="818d5d9dd2f85298ff5c250abdd467c87f0f7fbc4ee3c24cb7577e8ec1f1d673",
            description="Islam et al. 2021 GDN model at 1/4 widths (2.24 M parameters), "
                        "LSTM cells, additive reconstruction, 32 bits per 16x16 block; "
                        "islam2021-gdn-w025 trained further",
            training="islam2021-gdn-w025's 1200 steps, then 3500 steps of batch 8 (64x64 crops "
                     "of ../shared/data/train, BSDS500, 400 images), 8 unrolled iterations, "
                     "config experiments/configs/cpu_gdn_finetune.py; 0.80 h + 1.30 h on 2 "
                     "CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16},
                "weights": "islam2021-gdn-w025-v2.context.npz",
                "sha256": "7d45d1a0775cbd469d5bc7ad3c81434d028cba703c919e1a8f9d64d1e97431a2",
            },
        ),
        ZooEntry(
            id="islam2021-gdn-w025",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "islam2021", "width": 0.25},
            weights="islam2021-gdn-w025.npz",
            sha256="609332a700c7b10d5c1e4d20bdbd9df3485f88b2187c3589d86822106b87b3e4",
            description="Islam et al. 2021 GDN model at 1/4 widths (2.24 M parameters), "
                        "LSTM cells, additive reconstruction, 32 bits per 16x16 block",
            training="1200 steps of batch 32 (32x32 crops of ../shared/data/train, BSDS500, "
                     "400 images), 8 unrolled iterations, config experiments/configs/"
                     "cpu_gdn.py; 0.80 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16},
                "weights": "islam2021-gdn-w025.context.npz",
                "sha256": "1ceaac615d434c115827e75db5ef1f434fcce5e694c695e8d0d0d3f4dc535a90",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt6-msssim-pf-w025",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt6-msssim-w025-v4.npz",
            sha256="04926df6f7d5a29d97752a00ec14fc9d5a11bcb950e87d01ceece0daa7c07e8d",
            description="toderici2017-lstm-bt6-msssim-w025-v4 (same network and context model) "
                        "with a post-filter after the decoder, trained like the default's",
            training="toderici2017-lstm-bt6-msssim-w025-v4 (6.43 h), then the post-filter "
                     "as for islam2021-gdn-bt6-msssim-pf-w025 (python -m "
                     "rnncomp.training.train_post_filter); + 0.94 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "toderici2017-lstm-bt6-msssim-w025-v4.context.npz",
                "sha256": "2892e5247dc798f60e5867bf47d3ea26bc4704cf413a23d83a1ac89221cdd474",
            },
            post_filter={
                "settings": {"width": 48, "depth": 3},
                "weights": "toderici2017-lstm-bt6-msssim-pf-w025.post_filter.npz",
                "sha256": "72b0c2d7405ab213cdd83428c464a3d9a537f067e5d45370896a02fcb70214f5",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt6-msssim-w025-v4",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt6-msssim-w025-v4.npz",
            sha256="04926df6f7d5a29d97752a00ec14fc9d5a11bcb950e87d01ceece0daa7c07e8d",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths, "
                        "additive reconstruction, 32 bits per 16x16 block, with our block "
                        "transform from iteration 6 (3.01 M parameters in all), trained for "
                        "MS-SSIM; toderici2017-lstm-bt6-msssim-w025-v3 trained 2670 steps "
                        "further like the GDN models; context model like the default's",
            training="toderici2017-lstm-bt6-msssim-w025-v3 (4.76 h), then 2670 steps of its "
                     "recipe at rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_lstm_block6_msssim.py via experiments/ablate.py); "
                     "+ 1.67 h on 1 CPU core",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False, "modeled_iterations": 5},
                "weights": "toderici2017-lstm-bt6-msssim-w025-v4.context.npz",
                "sha256": "2892e5247dc798f60e5867bf47d3ea26bc4704cf413a23d83a1ac89221cdd474",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt6-msssim-w025-v3-ctx6k",
            retired_at="b863211b4e8a4c9229d340f63cd4ef65cbe24de7",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt6-msssim-w025-v3.npz",
            sha256="e3d5d94bd728b3b34afdba492e6d10cad6758ec372224ef0b00edd0783bba431",
            description="the toderici2017-lstm-bt6-msssim-w025-v3 network with a context "
                        "model fitted like islam2021-gdn-bt6-msssim-w025-v6's (2048 crops x "
                        "6000 steps instead of 512 x 1500), for comparing the two at equal "
                        "entropy-model budgets",
            training="toderici2017-lstm-bt6-msssim-w025-v3's network (4.76 h); its context "
                     "model: python -m rnncomp.entropy.train_context --crops 2048 --val-crops "
                     "128 --steps 6000 on ../shared/data/train (587 s collecting codes, 992 s "
                     "fitting)",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-bt6-msssim-w025-v3-ctx6k.context.npz",
                "sha256": "ad991be7f4054b6f7e0ef5ad86ed821cb09e20bea052ce2606431334942b8042",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt6-msssim-w025-v3",
            retired_at="b863211b4e8a4c9229d340f63cd4ef65cbe24de7",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt6-msssim-w025-v3.npz",
            sha256="e3d5d94bd728b3b34afdba492e6d10cad6758ec372224ef0b00edd0783bba431",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths, "
                        "additive reconstruction, 32 bits per 16x16 block, with our block "
                        "transform from iteration 6 (3.01 M parameters in all), trained for "
                        "MS-SSIM; toderici2017-lstm-bt6-msssim-w025-v2 trained 1500 steps "
                        "further like islam2021-gdn-bt6-msssim-w025-v3",
            training="toderici2017-lstm-bt6-msssim-w025-v2 (3.85 h), then 1500 steps of its "
                     "recipe at its final rate 6.25e-5 with batch 2 of 128x128 crops of "
                     "../shared/data/train (cpu_lstm_block6_msssim.py via experiments/ablate.py, "
                     "docs/studies.md 'Training for MS-SSIM'); + 0.91 h on 2 CPU cores, shared "
                     "with other jobs",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-bt6-msssim-w025-v3.context.npz",
                "sha256": "74afac397b750ae4f956eabd127c9914a7531ab2760bfdfb979a8ab5306796b1",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt6-msssim-w025-v2",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt6-msssim-w025-v2.npz",
            sha256="396d655a18b154a4a22fa425f55230e80708dc78d68465b6ab9ab57cf553cb0f",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths, "
                        "additive reconstruction, 32 bits per 16x16 block, with our block "
                        "transform from iteration 6 (3.01 M parameters in all), trained for "
                        "MS-SSIM; toderici2017-lstm-bt6-msssim-w025 trained 1000 steps further "
                        "like islam2021-gdn-bt6-msssim-w025-v2",
            training="toderici2017-lstm-bt6-msssim-w025 (3.34 h), then 1000 more steps of its "
                     "recipe, the rate halved at step 1000 (cpu_lstm_block6_msssim_long.py); "
                     "+ 0.51 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-bt6-msssim-w025-v2.context.npz",
                "sha256": "c716431f1bc6360d5b852a85e7392d45eaeee318f2b2a6da9aadf21ab44d1202",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt6-msssim-w025",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt6-msssim-w025.npz",
            sha256="1864ef87d41094e7716e8e763b7ccf0bdd44158357dad96c5f7d2df622049eb8",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths, "
                        "additive reconstruction, 32 bits per 16x16 block, with our block "
                        "transform from iteration 6 (3.01 M parameters in all), trained for "
                        "MS-SSIM; toderici2017-lstm-w025-v3 extended and trained further like "
                        "islam2021-gdn-bt6-msssim-w025",
            training="toderici2017-lstm-w025-v3 (2.90 h), block codes fitted to its residuals "
                     "for iterations 6-16 (experiments/init_block_transform.py, 64 crops of "
                     "../shared/data/train), then 500 steps of batch 8 of 64x64 crops of "
                     "../shared/data/train with the loss sum_t w_t (1 - MS-SSIM_t) "
                     "(cpu_lstm_block6_msssim.py); + 0.03 h + 0.41 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-bt6-msssim-w025.context.npz",
                "sha256": "03bf303e8c2ebfa505655a5717dba927cd56a555393bde31035e5e37e45ccb94",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-bt-w025",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "toderici2017", "width": 0.25, "block_transform": True},
            weights="toderici2017-lstm-bt-w025.npz",
            sha256="e586f4c0df9792ca8d6b1f69cec9331c84ad57a3bb5cdbd77eb5e3c8400565bc",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths, "
                        "additive reconstruction, 32 bits per 16x16 block, with our block "
                        "transform (3.01 M parameters in all); toderici2017-lstm-w025-v3 "
                        "extended and trained further like islam2021-gdn-bt-w025",
            training="toderici2017-lstm-w025-v3 (2.90 h), block codes fitted to its residuals "
                     "for iterations 3-16 (experiments/init_block_transform.py, 64 crops of "
                     "../shared/data/train), then 500 steps of batch 8 of 64x64 crops of "
                     "../shared/data/train (cpu_lstm_block.py); + 0.06 h + 0.28 h on 2 CPU "
                     "cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-bt-w025.context.npz",
                "sha256": "6cab67528a4f7d45701b4a4cd70c1db16ce4b1551080428ac3789a89b7543193",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-w025-v3",
            model={"name": "toderici2017", "width": 0.25},
            weights="toderici2017-lstm-w025-v3.npz",
            sha256="5839ddf03b29bba900872c43c2cba0c2248b83038b41cf106b3327e9c7afa671",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths "
                        "(2.22 M parameters), additive reconstruction, 32 bits per 16x16 block; "
                        "toderici2017-lstm-w025-v2 trained further, last with the sign binarizer",
            training="toderici2017-lstm-w025-v2's 800 + 3500 steps, then its 16-iteration "
                     "phase (cpu_lstm_finetune16w.py) continued to 2500 steps, then 400 steps "
                     "with the sign binarizer (cpu_lstm_finetune16s.py); batch 8 of 64x64 crops "
                     "of ../shared/data/train (BSDS500, 400 images); 0.56 h + 0.81 h + 1.20 h "
                     "+ 0.33 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-w025-v3.context.npz",
                "sha256": "22e2fb2dc23d24a5a07d841b8f0109456b4894ee988f6e106be522a467fb25c7",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-w025-v2",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "toderici2017", "width": 0.25},
            weights="toderici2017-lstm-w025-v2.npz",
            sha256="b7805d9539d6d73a9d4b16bf9ec24c2253af3164ce5d0311d02e6658eeaff514",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths "
                        "(2.22 M parameters), additive reconstruction, 32 bits per 16x16 block; "
                        "toderici2017-lstm-w025 trained further like islam2021-gdn-w025-v3",
            training="toderici2017-lstm-w025's 800 steps, then 3500 steps of batch 8 (64x64 "
                     "crops of ../shared/data/train, BSDS500, 400 images), 8 unrolled "
                     "iterations (experiments/configs/cpu_lstm_finetune.py), then 1513 steps "
                     "with 16 unrolled iterations, iterations 9-16 weighted 1/4 "
                     "(cpu_lstm_finetune16w.py); 0.56 h + 0.81 h + 0.68 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16,
                             "checkerboard": False},
                "weights": "toderici2017-lstm-w025-v2.context.npz",
                "sha256": "8e05821a8d60a957814380fcb07210524673948658b88765d272348dbf3e1b14",
            },
        ),
        ZooEntry(
            id="toderici2017-lstm-w025",
            retired_at="9760ff30352cd10c71ba32cea56920acc88eae7c",
            model={"name": "toderici2017", "width": 0.25},
            weights="toderici2017-lstm-w025.npz",
            sha256="661cc250a42d1a0a90b3654c7c669fd397f3f2d04810042b3d972d7cae5d08d2",
            description="Toderici et al. 2017 LSTM baseline (Islam et al.'s) at 1/4 widths "
                        "(2.22 M parameters), additive reconstruction, 32 bits per 16x16 block",
            training="800 steps of batch 32 (32x32 crops of ../shared/data/train, BSDS500, "
                     "400 images), 8 unrolled iterations, config experiments/configs/"
                     "cpu_lstm.py; 0.56 h on 2 CPU cores",
            context_model={
                "settings": {"features": 64, "groups": 4, "max_iterations": 16},
                "weights": "toderici2017-lstm-w025.context.npz",
                "sha256": "a0429422d09888c82ae3b4823f657fb53d3a10933741c70aaff91f2de292d5e2",
            },
        ),
    )
}
DEFAULT_MODEL = "islam2021-gdn-bt6-msssim-pf-w025"


class WeightsError(ValueError):
    pass


class RetiredModelError(WeightsError):
    pass


def get_entry(model_id: str) -> ZooEntry:
    if model_id not in ZOO:
        known = ", ".join(sorted(ZOO)) or "none"
        raise KeyError(f"unknown model id {model_id!r} (known: {known})")
    return ZOO[model_id]


def flatten(params, prefix="") -> dict[str, np.ndarray]:
    out = {}
    for key, value in params.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}/"))
        else:
            out[f"{prefix}{key}"] = np.asarray(value)
    return out


def unflatten(flat: dict[str, np.ndarray]):
    params = {}
    for key, value in flat.items():
        node = params
        *parents, leaf = key.split("/")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return params


def weights_bytes(params) -> bytes:
    """The .npz archive of `params` as float16 (deterministic bytes for equal params)."""
    buffer = io.BytesIO()
    flat = {k: v.astype(np.float16) for k, v in sorted(flatten(params).items())}
    np.savez(buffer, **flat)
    return buffer.getvalue()


def read_weights(data: bytes, sha256: str | None = None):
    """Parameter tree (float32) from .npz bytes, checking the hash first when given."""
    if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
        raise WeightsError("weights file does not match its zoo hash (corrupted or replaced)")
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return unflatten({k: archive[k].astype(np.float32) for k in archive.files})


def shipped() -> list[str]:
    """Ids whose weights are in the package."""
    return [model_id for model_id, entry in ZOO.items() if entry.retired_at is None]


def restore_command(entry: ZooEntry) -> str:
    """The shell line that restores a retired entry's files from a clone of the repository."""
    return " && ".join(f"git show {entry.retired_at}:rnncomp/models/weights/{name} > "
                       f"${WEIGHTS_DIR_VARIABLE}/{name}" for name in entry.files())


def _weights_file(entry: ZooEntry, name: str) -> bytes:
    if entry.retired_at is None:
        return resources.files(WEIGHTS_PACKAGE).joinpath(name).read_bytes()
    folder = os.environ.get(WEIGHTS_DIR_VARIABLE)
    if folder and (Path(folder) / name).is_file():
        return (Path(folder) / name).read_bytes()
    raise RetiredModelError(
        f"model {entry.id!r} is retired and its weights are not packaged; in a clone of "
        f"rnncomp run `{restore_command(entry)}` with {WEIGHTS_DIR_VARIABLE} set to a "
        f"folder (`rnncomp models` lists the packaged models)")


def load(model_id: str) -> tuple[RecurrentCodec, dict]:
    """(model, params) of a zoo entry, its weights' hash checked."""
    entry = get_entry(model_id)
    data = _weights_file(entry, entry.weights)
    return build_model(entry.model), read_weights(data, entry.sha256)


def load_context_model(model_id: str):
    """(settings, params) of the entry's entropy model, or None when it has none."""
    return _load_part(get_entry(model_id), "context_model")


def load_post_filter(model_id: str):
    """(settings, params) of the entry's post-filter, or None when it has none."""
    return _load_part(get_entry(model_id), "post_filter")


def _load_part(entry: ZooEntry, part: str):
    spec = getattr(entry, part)
    if spec is None:
        return None
    return spec["settings"], read_weights(_weights_file(entry, spec["weights"]), spec["sha256"])
