"""Our JAX networks against a PyTorch reference of the same networks (issue #7), on this machine.

The reference below is eager PyTorch in the layout of the peers' code (1zb/pytorch-image-comp-rnn,
Islam et al.): strided ConvLSTM cells with separate input and hidden kernels, a stochastic
binarizer with a straight-through gradient, additive reconstruction, L1 residual loss averaged
over iterations, Adam. Both sides get the same weights: the run first checks that the parameter
counts are equal (both architectures, every width) and that the torch network, given our
parameters, reproduces our bits and reconstructions.

Rows: a training step (batch 32 of 32x32 crops, 16 iterations) per width; encode + decode of a
768x512 Kodak image at 8 and 16 iterations per width (networks only, no entropy coding); and our
whole codec (`codec.compress` + `codec.decompress`, shipped model with its entropy model), which has
no torch counterpart. Seconds are medians of --repeats runs after a warm-up; our compile time is
reported on its own. GFLOP/s come from the MACs per 32x32 patch per iteration
(`model_costs.macs`; forward = 2 FLOP per MAC, training step = 3x forward), beside a float32
2048^3 matmul measured in the same run in JAX and in torch (the better of the two is "peak").
torch runs on --threads threads, JAX on XLA's default pool (all cores). Quiet machine only:
torch's OpenMP threads slow down many times over when another job shares the cores, and the
paper-width rows take tens of minutes on 2 cores. `--malloc` sets the process's malloc settings,
for both frameworks (`rnncomp.allocator`): `train` (the default) the glibc tunables that
`rnncomp train` runs with, `retain` the one arena of the CLI's codec commands (it slows torch's
training step down), `glibc` glibc's defaults. `--cpu-devices cores` (the default) splits our
training step's batch over one CPU device per core, as `rnncomp train` does; the other rows run
on one device.

On a GPU (`--device cuda`), both frameworks run there and the timings synchronise with it;
`--precision float32` is true float32 on both sides (no TF32: JAX's matmul precision "float32",
torch's TF32 switches off), `bfloat16` rounds the convolutions' operands to bfloat16 with float32
results in ours (`rnncomp.layers.conv.operand_dtype`) and runs torch under
`torch.autocast(dtype=torch.bfloat16)`; the matmul peak is then measured in that precision too.

    pip install -e ".[bench]"
    python experiments/benchmarks/vs_pytorch.py [--widths 1.0 0.25] [--repeats 3] \
        [--paper-rows all|train|none] [--malloc train|retain|glibc] [--cpu-devices cores|one]
    python experiments/benchmarks/vs_pytorch.py --quick   # tiny shapes, a smoke test
    python experiments/benchmarks/vs_pytorch.py --device cuda --precision bfloat16 \
        --image-iterations 16
"""

import argparse
import contextlib
import dataclasses
import functools
import os
import statistics
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch
import torch.nn.functional as F
from model_costs import macs, matmul_gflops  # this folder's script, beside this one
from PIL import Image
from torch import nn

from rnncomp import allocator
from rnncomp.codec import codec
from rnncomp.layers import conv
from rnncomp.layers.conv import same_padding
from rnncomp.layers.gdn import BETA_MIN, GAMMA_INIT
from rnncomp.layers.parametrize import PEDESTAL
from rnncomp.models import ARCHITECTURES, STRIDE, count_params, zoo
from rnncomp.models.toderici2017 import (
    DECODER_HIDDEN_KERNELS,
    DECODER_WIDTHS,
    ENCODER_WIDTHS,
    scaled,
)
from rnncomp.training.losses import iteration_weights
from rnncomp.training.train import (
    TrainState,
    mesh_shardings,
    train_step,
    use_cpu_cores_as_devices,
)

BITS = 32
LEARNING_RATE = 5e-4
PAPER_WIDTH = 1.0
DEVICE = torch.device("cpu")  # --device
PRECISION = "float32"  # --precision


def torch_precision():
    """The --precision context of a torch computation."""
    if PRECISION == "bfloat16":
        return torch.autocast(DEVICE.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


def jax_precision():
    """The --precision context in which our functions are traced."""
    return conv.operand_dtype(jnp.bfloat16 if PRECISION == "bfloat16" else None)


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


@dataclasses.dataclass(frozen=True)
class Sizes:
    widths: tuple[float, ...]
    batch: int = 32
    train_iterations: int = 16
    image_size: tuple[int, int] = (512, 768)  # height, width: a landscape Kodak image
    image_iterations: tuple[int, ...] = (8, 16)
    repeats: int = 3


QUICK = Sizes(widths=(0.125,), batch=2, train_iterations=2, image_size=(64, 64),
              image_iterations=(1, 2), repeats=1)


# ---- The PyTorch reference (NCHW, channels-last memory) -------------------------------------

class Conv(nn.Conv2d):
    """Bias-free convolution with TensorFlow's 'SAME' padding, as ours: a strided conv pads the
    extra row and column at the end, where torch's symmetric padding would shift the grid."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1):
        super().__init__(cin, cout, kernel, stride, padding=kernel // 2 if stride == 1 else 0,
                         bias=False)

    def forward(self, x):
        if self.stride[0] > 1:
            k, s = self.kernel_size[0], self.stride[0]
            (top, bottom), (left, right) = (same_padding(n, k, s) for n in x.shape[2:])
            x = F.pad(x, (left, right, top, bottom))
        return super().forward(x)


class LowerBound(torch.autograd.Function):
    """max(x, bound) whose gradient passes where x >= bound or where it would raise x (Ballé)."""

    @staticmethod
    def forward(ctx, x, bound: float):
        ctx.save_for_backward(x)
        ctx.bound = bound
        return x.clamp_min(bound)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * ((x >= ctx.bound) | (g < 0)), None


class GDN(nn.Module):
    """Classic GDN / IGDN, beta and gamma stored as ours: value = max(v, bound)^2 - pedestal."""

    def __init__(self, channels: int, inverse: bool = False):
        super().__init__()
        self.inverse = inverse
        self.beta = nn.Parameter(torch.sqrt(torch.ones(channels) + PEDESTAL))
        self.gamma = nn.Parameter(torch.sqrt(GAMMA_INIT * torch.eye(channels) + PEDESTAL))

    def forward(self, x):
        beta = LowerBound.apply(self.beta, (BETA_MIN + PEDESTAL) ** 0.5) ** 2 - PEDESTAL
        gamma = LowerBound.apply(self.gamma, PEDESTAL**0.5) ** 2 - PEDESTAL
        norm = F.conv2d(x * x, gamma[:, :, None, None], beta)  # beta_i + sum_j gamma_ij x_j^2
        return x * norm.sqrt() if self.inverse else x * norm.rsqrt()


class ConvLSTM(nn.Module):
    """[i, f, g, o] = W * x + U * h (W strided, U stride 1); no peepholes, no biases."""

    def __init__(self, cin: int, features: int, input_kernel: int, input_stride: int,
                 hidden_kernel: int):
        super().__init__()
        self.features = features
        self.input_conv = Conv(cin, 4 * features, input_kernel, input_stride)
        self.hidden_conv = Conv(features, 4 * features, hidden_kernel)

    def forward(self, carry, x):
        c, h = carry
        i, f, g, o = (self.input_conv(x) + self.hidden_conv(h)).chunk(4, dim=1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return (c, h), h


def zeros(n: int, channels: int, height: int, width: int):
    return torch.zeros(n, channels, height, width).contiguous(memory_format=torch.channels_last)


class Binarizer(nn.Module):
    def __init__(self, cin: int):
        super().__init__()
        self.conv = Conv(cin, BITS, 1)

    def forward(self, h, stochastic: bool):
        x = torch.tanh(self.conv(h))
        if not stochastic:
            return torch.where(x >= 0, 1.0, -1.0)
        b = torch.where(torch.rand_like(x) < (1 + x) / 2, 1.0, -1.0)
        return x + (b - x).detach()  # ±1 forward, identity backward


class Encoder(nn.Module):
    def __init__(self, width: float, gdn: bool):
        super().__init__()
        c0, c1, c2, c3 = (scaled(c, width) for c in ENCODER_WIDTHS)
        self.conv = Conv(3, c0, 3, 2)
        self.gdn = GDN(c0) if gdn else nn.Identity()
        self.rnn1 = ConvLSTM(c0, c1, 3, 2, 1)
        self.rnn2 = ConvLSTM(c1, c2, 3, 2, 1)
        self.rnn3 = ConvLSTM(c2, c3, 3, 2, 1)
        self.binarizer = Binarizer(c3)

    def zero_carry(self, n: int, height: int, width: int):
        return [(zeros(n, r.features, height // s, width // s),) * 2
                for r, s in zip((self.rnn1, self.rnn2, self.rnn3), (4, 8, 16), strict=True)]

    def forward(self, carry, residual, stochastic: bool):
        x = self.gdn(self.conv(residual))
        new_carry = []
        for rnn, c in zip((self.rnn1, self.rnn2, self.rnn3), carry, strict=True):
            c, x = rnn(c, x)
            new_carry.append(c)
        return new_carry, self.binarizer(x, stochastic)


def depth_to_space(x, block: int = 2):
    """TensorFlow's channel order, as ours (torch's pixel_shuffle orders channels differently)."""
    n, c, h, w = x.shape
    x = x.view(n, block, block, c // block**2, h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, c // block**2, h * block, w * block).contiguous(
        memory_format=torch.channels_last)


class Decoder(nn.Module):
    def __init__(self, width: float, igdn: bool):
        super().__init__()
        widths = [scaled(c, width) for c in DECODER_WIDTHS]
        self.conv_in = Conv(BITS, widths[0], 1)
        self.igdn = GDN(widths[0], inverse=True) if igdn else nn.Identity()
        inputs = [widths[0]] + [c // 4 for c in widths[:-1]]
        self.rnns = nn.ModuleList(
            ConvLSTM(cin, c, 3, 1, k)
            for cin, c, k in zip(inputs, widths, DECODER_HIDDEN_KERNELS, strict=True))
        self.conv_out = Conv(widths[-1] // 4, 3, 1)

    def zero_carry(self, n: int, height: int, width: int):
        return [(zeros(n, r.features, height // s, width // s),) * 2
                for r, s in zip(self.rnns, (16, 8, 4, 2), strict=True)]

    def forward(self, carry, bits):
        x = self.igdn(self.conv_in(bits))
        new_carry = []
        for rnn, c in zip(self.rnns, carry, strict=True):
            c, x = rnn(c, x)
            new_carry.append(c)
            x = depth_to_space(x)
        return new_carry, torch.tanh(self.conv_out(x)) / 2


class TorchCodec(nn.Module):
    """Additive reconstruction: x̂_0 = 0.5, b_t = B(E(x - x̂_{t-1})), x̂_t = x̂_{t-1} + D(b_t)."""

    def __init__(self, width: float, gdn: bool):
        super().__init__()
        self.encoder, self.decoder = Encoder(width, gdn), Decoder(width, gdn)

    def forward(self, x, iterations: int, stochastic: bool):
        """(x̂_1..x̂_k, b_1..b_k) of x: (N, 3, H, W) in [0, 1], H and W multiples of 16."""
        n, _, h, w = x.shape
        enc, dec = self.encoder.zero_carry(n, h, w), self.decoder.zero_carry(n, h, w)
        reconstruction = torch.full_like(x, 0.5)
        reconstructions, bits = [], []
        for _ in range(iterations):
            enc, b = self.encoder(enc, x - reconstruction, stochastic)
            dec, out = self.decoder(dec, b)
            reconstruction = reconstruction + out
            reconstructions.append(reconstruction)
            bits.append(b)
        return reconstructions, bits

    def loss(self, x, iterations: int):
        reconstructions, _ = self(x, iterations, stochastic=True)
        return torch.stack([(x - r).abs().mean() for r in reconstructions]).mean()

    def encode(self, x, iterations: int):
        return self(x, iterations, stochastic=False)[1]

    def decode(self, bits):
        n, _, h, w = bits[0].shape
        dec = self.decoder.zero_carry(n, h * STRIDE, w * STRIDE)
        reconstruction = 0.5
        for b in bits:
            dec, out = self.decoder(dec, b)
            reconstruction = reconstruction + out
        return reconstruction.clamp(0, 1)


def torch_codec(name: str, width: float, params=None) -> TorchCodec:
    """The torch twin of ARCHITECTURES[name](width), with our `params` copied in when given."""
    net = TorchCodec(width, gdn=name == "islam2021")
    if params is not None:
        state = {}
        for key, value in zoo.flatten(params).items():
            key = key.replace("rnns_", "rnns/").replace("/kernel", "/weight").replace("/", ".")
            value = torch.from_numpy(np.array(value))
            state[key] = value.permute(3, 2, 0, 1) if value.ndim == 4 else value  # HWIO → OIHW
        net.load_state_dict(state)
    return net.to(DEVICE, memory_format=torch.channels_last)


def to_torch(x) -> torch.Tensor:
    """NHWC array → NCHW tensor in channels-last memory (the same bytes), on --device."""
    return torch.from_numpy(np.array(x)).permute(0, 3, 1, 2).to(DEVICE)


# ---- Checks that the two are the same network ----------------------------------------------

def check_param_counts(widths) -> list[str]:
    lines = ["| model | width | params, ours | params, torch |", "|---|---|---|---|"]
    for name, build in ARCHITECTURES.items():
        for width in widths:
            ours = count_params(jax.eval_shape(build(width=width).init, jax.random.PRNGKey(0)))
            theirs = sum(p.numel() for p in torch_codec(name, width).parameters())
            assert ours == theirs, f"{name} width {width}: {ours} params here, {theirs} in torch"
            lines.append(f"| {name} | {width:g} | {ours:,} | {theirs:,} |")
    return lines


def check_outputs(model, name: str, width: float, params) -> str:
    """Inference on 2 random 32x32 crops, 2 iterations: same bits, same reconstruction."""
    x = jax.random.uniform(jax.random.PRNGKey(3), (2, 32, 32, 3))
    bits = model.encode(params, x, 2)
    ours = model.decode(params, bits, 32, 32)
    net = torch_codec(name, width, params)
    with torch.inference_mode():
        torch_bits = net.encode(to_torch(x), 2)
        theirs = net.decode(torch_bits).permute(0, 2, 3, 1).cpu().numpy()
    flips = sum(int((to_torch(b) != t).sum()) for b, t in zip(bits, torch_bits, strict=True))
    diff = float(np.abs(np.asarray(ours) - theirs).max())
    assert flips == 0 and diff < 1e-4, f"width {width}: {flips} bits differ, max |Δx̂| = {diff}"
    return f"width {width:g}: torch with our weights gives the same bits, max |Δx̂| = {diff:.1e}"


# ---- Timing --------------------------------------------------------------------------------

def seconds(run, repeats: int) -> tuple[float, float]:
    """(first call, median of `repeats` calls after it); `run` returns when its work is done."""
    tic = time.perf_counter()
    run()
    first = time.perf_counter() - tic
    times = []
    for _ in range(repeats):
        tic = time.perf_counter()
        run()
        times.append(time.perf_counter() - tic)
    return first, statistics.median(times)


def compiled(fn, *args):
    """(XLA executable traced in the --precision, compile seconds)."""
    tic = time.perf_counter()
    with jax_precision():
        executable = jax.jit(fn).lower(*args).compile()
    return executable, time.perf_counter() - tic


def matmul_size() -> int:
    return 8192 if DEVICE.type == "cuda" else 2048


def torch_matmul_gflops(repeats: int = 5) -> float:
    n = matmul_size()
    a = torch.randn(n, n, device=DEVICE)
    if PRECISION == "bfloat16":
        a = a.to(torch.bfloat16)

    def run():
        a @ a
        sync()

    return 2 * n**3 / seconds(run, repeats)[1] / 1e9


def gmac_per_patch(model, params) -> tuple[float, float]:
    """GMAC per 32x32 patch per iteration of the encoder (binarizer included) and the decoder,
    read off one step's jaxpr (`model_costs.macs`)."""
    enc = macs(model.encoder.apply, {"params": params["encoder"]},
               model.encoder.zero_carry(1, 32, 32), jnp.zeros((1, 32, 32, 3)))
    dec = macs(model.decoder.apply, {"params": params["decoder"]},
               model.decoder.zero_carry(1, 32, 32), jnp.zeros((1, 2, 2, BITS)))
    return enc / 1e9, dec / 1e9


def width_label(width: float) -> str:
    return f"width {width:g}" + (" (paper)" if width == PAPER_WIDTH else "")


@dataclasses.dataclass
class Row:
    label: str
    ours_s: float
    compile_s: float
    torch_s: float | None = None
    gflop: float | None = None


def train_row(model, name, width, params, gmac, sizes: Sizes) -> Row:
    k, n = sizes.train_iterations, sizes.batch
    batch = jnp.asarray(np.random.default_rng(0).integers(0, 256, (n, 32, 32, 3), np.uint8))
    rng = jax.random.PRNGKey(0)
    tx = optax.adam(LEARNING_RATE)
    own_params = jax.tree_util.tree_map(jnp.copy, params)  # the step donates its state
    state = TrainState(step=jnp.zeros((), jnp.int32), params=own_params,
                       opt_state=tx.init(own_params), train_seconds=jnp.zeros((), jnp.float32),
                       tx=tx)
    data, replicated = mesh_shardings(n)  # split and placed as `rnncomp train` does
    step = functools.partial(train_step, model=model, iterations=k,
                             weights=iteration_weights(k), norm=1, mesh=data.mesh)
    state, batch = jax.device_put(state, replicated), jax.device_put(batch, data)
    tic = time.perf_counter()
    with jax_precision():
        step = jax.jit(step, donate_argnums=0).lower(state, batch, rng).compile()
    compile_s = time.perf_counter() - tic

    def ours():
        nonlocal state
        state, metrics = step(state, batch, rng)
        jax.block_until_ready((state, metrics))

    net = torch_codec(name, width, params)
    x = to_torch(np.asarray(batch, np.float32) / 255)
    optimizer = torch.optim.Adam(net.parameters(), lr=LEARNING_RATE)

    def theirs():
        optimizer.zero_grad(set_to_none=True)
        with torch_precision():
            loss = net.loss(x, k)
        loss.backward()
        optimizer.step()
        sync()

    return Row(f"train step, {width_label(width)}, batch {n} of 32x32, {k} its",
               seconds(ours, sizes.repeats)[1], compile_s, seconds(theirs, sizes.repeats)[1],
               3 * 2 * sum(gmac) * n * k)


def image_row(model, name, width, params, gmac, image, k, repeats) -> Row:
    h, w = image.shape[:2]
    x = jnp.asarray(image[None], jnp.float32) / 255
    encode, encode_s = compiled(functools.partial(model.encode, iterations=k), params, x)
    code = jax.ShapeDtypeStruct((k, 1, h // STRIDE, w // STRIDE, BITS), jnp.float32)
    decode, decode_s = compiled(functools.partial(model.decode, height=h, width=w), params, code)
    net = torch_codec(name, width, params)
    xt = to_torch(x)

    def theirs():
        with torch.inference_mode(), torch_precision():
            net.decode(net.encode(xt, k))
        sync()

    enc, dec = gmac
    return Row(f"encode+decode {w}x{h}, {width_label(width)}, {k} its",
               seconds(lambda: decode(params, encode(params, x)).block_until_ready(), repeats)[1],
               encode_s + decode_s, seconds(theirs, repeats)[1],
               2 * (enc + 2 * dec) * h * w / 32**2 * k)  # encode runs D too, for the residual


def codec_row(image, k, repeats) -> Row:
    h, w = image.shape[:2]
    os.environ["RNNCOMP_CACHE_DIR"] = "off"  # no persistent compile cache: the first call compiles
    runtime = codec.from_zoo(zoo.DEFAULT_MODEL)
    first, median = seconds(lambda: codec.decompress(codec.compress(image, runtime, k),
                                                     runtime=runtime), repeats)
    return Row(f"our codec compress+decompress {w}x{h}, {zoo.DEFAULT_MODEL} with its entropy "
               f"model, {k} its", median, first - median)


# ---- The run ---------------------------------------------------------------------------------

def log(message: str):
    print(message, file=sys.stderr, flush=True)


def table(rows: list[Row], peak: float) -> list[str]:
    lines = ["| what | GFLOP | ours s | ours compile s | torch s | torch s / ours s | "
             "ours GFLOP/s | torch GFLOP/s | ours % peak | torch % peak |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.torch_s is None:  # the codec: no counterpart, FLOPs not counted
            lines.append(f"| {r.label} | | {r.ours_s:.3f} | {r.compile_s:.1f} | | | | | | |")
            continue
        ours, theirs = r.gflop / r.ours_s, r.gflop / r.torch_s
        lines.append(f"| {r.label} | {r.gflop:.1f} | {r.ours_s:.3f} | {r.compile_s:.1f} | "
                     f"{r.torch_s:.3f} | {r.torch_s / r.ours_s:.2f} | {ours:.1f} | "
                     f"{theirs:.1f} | {100 * ours / peak:.0f} % | {100 * theirs / peak:.0f} % |")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(ARCHITECTURES), default="islam2021")
    parser.add_argument("--widths", type=float, nargs="+", default=[PAPER_WIDTH, 0.25])
    parser.add_argument("--paper-rows", choices=("all", "train", "none"), default="all",
                        help="rows measured at width 1 (its image rows take most of the run)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--image", default="../shared/data/kodak/kodim01.png",
                        help="a landscape image of at least 768x512")
    parser.add_argument("--malloc", choices=("train", "retain", "glibc"), default="train")
    parser.add_argument("--cpu-devices", choices=("cores", "one"), default="cores",
                        help="our training step's batch split over one CPU device per core, "
                             "as `rnncomp train` does, or on one device")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="where torch runs; JAX runs on its default backend")
    parser.add_argument("--precision", choices=("float32", "bfloat16"), default="float32")
    parser.add_argument("--image-iterations", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--quick", action="store_true",
                        help="smoke test: width 0.125, batch 2, 2 iterations, a 64x64 crop, "
                             "1 repeat (ignores --widths and --repeats)")
    args = parser.parse_args()
    global DEVICE, PRECISION
    DEVICE, PRECISION = torch.device(args.device), args.precision
    if DEVICE.type == "cuda":  # float32 means float32: no TF32 on either side
        jax.config.update("jax_default_matmul_precision", "float32")
        torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    if args.malloc == "train":
        allocator.exec_with_tunables()
    if args.malloc == "retain":
        allocator.retain_freed_memory()
    if args.cpu_devices == "cores" and DEVICE.type == "cpu":
        use_cpu_cores_as_devices()
    else:
        jax.config.update("jax_num_cpu_devices", 1)
    sizes = QUICK if args.quick else Sizes(
        widths=tuple(w for w in args.widths
                     if not (args.paper_rows == "none" and w == PAPER_WIDTH)),
        image_iterations=tuple(args.image_iterations), repeats=args.repeats)
    if not sizes.widths:
        parser.error("no width left to measure")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    h, w = sizes.image_size
    image = np.asarray(Image.open(args.image).convert("RGB"))[:h, :w]
    if image.shape[:2] != (h, w):
        parser.error(f"{args.image} is smaller than {w}x{h}")

    peaks = {"jax": [matmul_gflops(matmul_size(), dtype=jnp.dtype(PRECISION))],
             "torch": [torch_matmul_gflops()]}
    peak = max(max(p) for p in peaks.values())
    checks = check_param_counts(sizes.widths)
    rows = []
    for width in sizes.widths:
        model = ARCHITECTURES[args.model](width=width)
        params = model.init(jax.random.PRNGKey(0))
        try:
            checks.append(check_outputs(model, args.model, width, params))
        except AssertionError as e:
            if DEVICE.type == "cpu":
                raise
            checks.append(f"CHECK FAILED on {DEVICE}: {e}")
        gmac = gmac_per_patch(model, params)
        log(f"width {width:g}: {sum(gmac):.3f} GMAC per patch per iteration; training step")
        rows.append(train_row(model, args.model, width, params, gmac, sizes))
        log(table(rows[-1:], peak)[-1])
        for k in sizes.image_iterations:
            if width == PAPER_WIDTH and args.paper_rows == "train":
                break
            log(f"width {width:g}: encode+decode, {k} iterations")
            rows.append(image_row(model, args.model, width, params, gmac, image, k,
                                  sizes.repeats))
            log(table(rows[-1:], peak)[-1])
    if PRECISION == "float32":  # the codec's numerics are float32 by its format
        log("our codec")
        rows.append(codec_row(image, max(sizes.image_iterations), sizes.repeats))
    # The machine's speed drifts over a run (shared host): the peak is the best of the two
    # frameworks' matmuls measured before and after the rows.
    peaks["jax"].append(matmul_gflops(matmul_size(), dtype=jnp.dtype(PRECISION)))
    peaks["torch"].append(torch_matmul_gflops())
    peak = max(max(p) for p in peaks.values())
    torch_on = (torch.cuda.get_device_name() if DEVICE.type == "cuda"
                else f"{torch.get_num_threads()} threads")
    measured = ", ".join(f"{name} {' / '.join(f'{g:.0f}' for g in p)}"
                         for name, p in peaks.items())
    out = [f"jax {jax.__version__} ({jax.devices()[0].device_kind}, XLA's default threads), "
           f"torch {torch.__version__} ({torch_on}), {os.cpu_count()} cores; precision "
           f"{PRECISION}. {PRECISION} matmul {matmul_size()}^3 before / after the rows: "
           f"{measured} GFLOP/s; peak = {peak:.0f} GFLOP/s. "
           f"Model {args.model}; malloc {args.malloc}; our training step on "
           f"{len(mesh_shardings(sizes.batch)[0].mesh.devices)} CPU device(s); "
           f"medians of {sizes.repeats}.", "", *checks, "", *table(rows, peak), "",
            "torch s / ours s > 1: ours is faster. Training-step FLOPs = 3 x forward. Encode runs "
            "the decoder too (the residual needs it): FLOPs = 2 x (E + 2 D) MACs. The codec's "
            "compile column is its first call minus the median."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
