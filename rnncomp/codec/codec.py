"""compress(image) -> bytes and decompress(bytes) -> image: the whole codec.

    image ─ tiles ─► encoder + binarizer: b_1..b_k ─► per iteration t, per coding pass π:
        p = context model(decoder state after t-1, b_{t-1}, bits of b_t from passes < π),
            or 1/2 in a single pass for iterations it does not model
        range-code pass π's bits with p ─► chunk t
    chunks ─► container (bitstream.py) ─► bytes

The encoder runs the decoder's own procedure (`_code_tile`) and computes b_t from its x̂_{t-1},
so both sides compute every probability with the same functions on the same inputs. Tiles of
1024x1024 (part of the format, row-major, each coded independently) keep the memory bounded on
large images; chunk t holds iteration t of every tile, so any prefix of iterations decodes
without the rest. Each tile is padded by edge replication to the size `padded_size` derives from
its size and the format version (from version 2: one of a few shape buckets, so that new image
sizes reuse compiled shapes, which `compile_cache` keeps across processes); only the 16x16
blocks that cover the tile are coded, and the output is cropped back to it.
bpp is always the whole file: len(data) * 8 / pixels.
"""

import dataclasses
import functools
from collections.abc import Callable, Iterator

import jax
import numpy as np
from PIL import Image

from rnncomp.codec import bitstream, compile_cache
from rnncomp.codec.bitstream import Chunk, Container, Header
from rnncomp.codec.errors import ModelMismatchError
from rnncomp.codec.images import (
    CodecImage,
    decode_alpha,
    encode_alpha,
    from_array,
    from_pil,
    to_output,
)
from rnncomp.codec.search import METRICS, search_bits
from rnncomp.entropy.context_model import ContextModel, coding_passes
from rnncomp.entropy.range_coder import BitDecoder, BitEncoder
from rnncomp.layers import conv
from rnncomp.models import STRIDE, RecurrentCodec, zoo
from rnncomp.models.post_filter import PostFilter

TILE = 1024
MAX_PIXELS = 2**28
MAX_ITERATIONS = 16


@dataclasses.dataclass(frozen=True, eq=False)
class Runtime:
    """A model and its entropy model, ready to code (`functions(version)`: jitted per shape).

    `weights_sha256`, `context_sha256` and `post_filter_sha256` are the hex SHA-256 digests of
    the weight files; the context model's and the post-filter's are given exactly when there is
    one. The post-filter (version 3 files only) is applied to every decoded image.
    """

    model_id: str
    weights_sha256: str
    model: RecurrentCodec
    params: dict
    context_model: ContextModel | None = None
    context_params: dict | None = None
    context_sha256: str | None = None
    post_filter: PostFilter | None = None
    post_filter_params: dict | None = None
    post_filter_sha256: str | None = None

    def __post_init__(self):
        if (self.context_model is None) != (self.context_sha256 is None):
            raise ValueError("context_sha256 is given with a context model and only with it")
        if (self.post_filter is None) != (self.post_filter_sha256 is None):
            raise ValueError("post_filter_sha256 is given with a post-filter and only with it")

    def models(self, iteration: int) -> bool:
        """Whether iteration t's bits (1-based) are coded with the context model's
        probabilities, or else with p = 1/2 in one pass."""
        return self.context_model is not None and self.context_model.models(iteration)

    def coding_passes(self, height: int, width: int, iteration: int):
        """Iteration t's (known, target) masks over height x width blocks: the context model's
        passes, or one pass coding every bit where it does not model t."""
        cm = self.context_model
        if not self.models(iteration):
            return coding_passes(self.model.bits, 1, False, height, width)
        return coding_passes(self.model.bits, cm.groups, cm.checkerboard, height, width)

    def model_hash(self, version: int) -> str:
        """The header's model hash for this model in a file of the given format version."""
        if version < 3 and self.post_filter is not None:
            raise ValueError(f"{self.model_id} has a post-filter: it writes and reads version 3 "
                             f"files only")
        if version == 1:
            return bitstream.weights_hash_prefix(self.weights_sha256)
        return bitstream.codec_hash(self.weights_sha256, self.context_sha256,
                                    self.post_filter_sha256)

    def filtered(self, image: np.ndarray, iterations: int) -> np.ndarray:
        """A decoded uint8 (H, W, 3) image after k iterations through the post-filter, if any."""
        if self.post_filter is None:
            return image
        return self.post_filter.filter_in_bands(self.post_filter_params, image, iterations)

    def functions(self, version: int) -> "CodingFunctions":
        """The jitted coding functions with the numerics of a file format version."""
        form = evaluation_form(version)
        if form not in self._functions:
            self._functions[form] = CodingFunctions(self, form)
        return self._functions[form]

    @functools.cached_property
    def _functions(self) -> dict:
        return {}


def evaluation_form(version: int) -> str:
    """How a file version's networks are evaluated (`rnncomp.layers.conv.evaluation_form`):
    versions 1 and 2 with patch matmuls, as they were written, version 3 with XLA's
    convolutions."""
    return "patches" if version < 3 else "xla"


class CodingFunctions:
    """A runtime's networks, jitted (once per shape) with one evaluation form of convolutions:

        encoder_step(carry, x, x̂_{t-1}, t - 1) → (carry, b_t), given the decoder's x̂_{t-1}
        step((carry, x̂_{t-1}), b_t, t - 1) → (carry, x̂_t)
        probabilities(state, b_{t-1}, b_t's bits so far, known mask, t) → P(b = +1) of all bits
        search(state, x, b_t, t - 1, P(b_t = +1), (height, width), steps, metric) → b_t
            searched for the decoder and the entropy coder (search.py)
    """

    def __init__(self, rt: Runtime, form: str):
        self.rt, self.form = rt, form
        self.encoder_step = self._jit(lambda carry, x, reconstruction, t: rt.model.encoder_step(
            rt.params, carry, x, reconstruction, t))
        self.step = self._jit(lambda state, bits, t: rt.model.decoder_step(rt.params, state, bits,
                                                                           t))
        self.probabilities = self._jit(self._probabilities)
        self.search = self._jit(
            lambda state, x, bits, t, p, size, steps, metric: search_bits(
                rt.model, rt.params, state, x, bits, t, p, size, steps, metric),
            static_argnums=(5, 6, 7))

    def _jit(self, fn, **kwargs):
        def traced(*args):
            with conv.evaluation_form(self.form):
                return fn(*args)
        return jax.jit(traced, **kwargs)

    def _probabilities(self, state, previous, current, known, t):
        """P(b = +1) of every bit (N, h, w, B) of an iteration the context model models; a pass
        reads its targets'."""
        rt = self.rt
        logits = rt.context_model.apply({"params": rt.context_params},
                                        rt.model.context_state(state), previous, current, known,
                                        t)
        return jax.nn.sigmoid(logits)


def from_zoo(model_id: str) -> Runtime:
    entry = zoo.get_entry(model_id)
    model, params = zoo.load(model_id)
    parts = {}
    if (context := zoo.load_context_model(model_id)) is not None:
        parts.update(context_model=ContextModel(**context[0]), context_params=context[1],
                     context_sha256=entry.context_model["sha256"])
    if (post_filter := zoo.load_post_filter(model_id)) is not None:
        parts.update(post_filter=PostFilter(**post_filter[0]), post_filter_params=post_filter[1],
                     post_filter_sha256=entry.post_filter["sha256"])
    return Runtime(model_id, entry.sha256, model, params, **parts)


@functools.lru_cache(maxsize=4)
def _cached_runtime(model_id: str) -> Runtime:
    return from_zoo(model_id)


def _runtime(model) -> Runtime:
    return model if isinstance(model, Runtime) else _cached_runtime(model)


def _tiles(height: int, width: int) -> list[tuple[int, int, int, int]]:
    return [(y, min(y + TILE, height), x, min(x + TILE, width))
            for y in range(0, height, TILE) for x in range(0, width, TILE)]


def padded_size(n: int, version: int = bitstream.FORMAT_VERSION) -> int:
    """The length a tile side of n pixels (1..TILE) is padded to, by edge replication.

    Version 1: the next multiple of 16 (the code's block size). Versions 2 and 3: a shape
    bucket, the next of 16, 32, 64, 128, 256, 384, ..., 1024 (powers of two up to 128, then
    multiples of 128), so that all images share 11 sizes per side and so few compiled shapes.
    """
    if version == 1:
        return -(-n // STRIDE) * STRIDE
    if n <= 128:
        return max(STRIDE, 1 << (n - 1).bit_length())
    return -(-n // 128) * 128


def _code_tile(rt: Runtime, height: int, width: int, version: int, iterations: int,
               code_pass: Callable) -> Iterator[tuple[int, np.ndarray, tuple]]:
    """The decoder's procedure on a tile of height x width pixels: yields (t, b_t, state after t).

    It runs at the tile's padded size, but only the ceil(height/16) x ceil(width/16) blocks that
    cover the tile are coded (b_t is their bits); the other blocks of a bucket (from version 2)
    take the bits (and known masks) of the nearest coded block (edge replication), so they cost
    nothing. `code_pass(t, i, target, p, state, probabilities_of)` returns the bits of iteration
    t that pass i targets (bool mask `target` over the coded blocks), flat and ±1, after
    range-coding them (encoder) or decoding them (decoder) with probabilities p of the same
    shape; state is the decoder's after t-1 iterations; `probabilities_of(b)` gives every pass's
    p for candidate bits b (hb, wb, B) of iteration t at once, as if b were coded.
    """
    fns = rt.functions(version)
    ph, pw = padded_size(height, version), padded_size(width, version)
    hb, wb = -(-height // STRIDE), -(-width // STRIDE)
    fill = ((0, 0), (0, ph // STRIDE - hb), (0, pw // STRIDE - wb), (0, 0))
    state = rt.model.decoder_init(1, ph, pw)
    previous = np.zeros((1, ph // STRIDE, pw // STRIDE, rt.model.bits), np.float32)
    passes = {}  # modeled or not: (known padded to the bucket, target)
    for t in range(iterations):
        modeled = rt.models(t + 1)
        if modeled not in passes:
            known, target = rt.coding_passes(hb, wb, t + 1)
            passes[modeled] = np.pad(known, fill, mode="edge"), target
        known, target = passes[modeled]
        coded = np.zeros((hb, wb, rt.model.bits), np.float32)

        def probabilities_of(bits, t=t, modeled=modeled, known=known, target=target,
                             state=state, previous=previous):
            p = np.full(bits.shape, 0.5, np.float32)
            if modeled:
                current = np.pad(bits, fill[1:], mode="edge")[None]
                for i in range(len(target)):
                    p_i = fns.probabilities(state, previous, current, known[i], t + 1)
                    p[target[i]] = np.asarray(p_i)[0, :hb, :wb][target[i]]
            return p

        for i in range(len(target)):
            if modeled:
                current = np.pad(coded, fill[1:], mode="edge")[None]
                p = np.asarray(fns.probabilities(state, previous, current, known[i], t + 1))
                p = p[0, :hb, :wb][target[i]]
            else:
                p = np.full(np.count_nonzero(target[i]), 0.5, np.float32)
            coded[target[i]] = code_pass(t, i, target[i], p, state, probabilities_of)
        current = np.pad(coded, fill[1:], mode="edge")[None]
        state = fns.step(state, current, np.int32(t))
        previous = current
        yield t, current[:, :hb, :wb], state


def _encode_tile(rt: Runtime, tile: np.ndarray, version: int, encoders: list[BitEncoder],
                 search: tuple[int, str] = (0, "ms-ssim")) -> Iterator[np.ndarray]:
    """Range-code a uint8 h x w x 3 tile into the iteration encoders; yields b_1..b_k. With
    `search` = (steps, metric), steps > 0, each b_t is searched (search.py) before coding."""
    h, w = tile.shape[:2]
    ph, pw = padded_size(h, version), padded_size(w, version)
    x = np.pad(tile, ((0, ph - h), (0, pw - w), (0, 0)), mode="edge")[None] / np.float32(255)
    carry = rt.model.encoder.zero_carry(1, ph, pw)
    fns = rt.functions(version)
    steps, metric = search
    bits = None

    def code_pass(t, i, target, p, state, probabilities_of):
        nonlocal carry, bits
        if i == 0:  # b_t from the residual to the decoder's own x̂_{t-1}, on the coded blocks
            carry, bits = fns.encoder_step(carry, x, state[1], np.int32(t))
            bits = np.asarray(bits)[0, : target.shape[0], : target.shape[1]]
            if steps:
                bits = fns.search(state, x, bits[None], np.int32(t),
                                  probabilities_of(bits)[None], (h, w), steps, metric)
                bits = np.asarray(bits)[0]
        targets = bits[target]
        encoders[t].encode(targets, p)
        return targets

    for _, b, _ in _code_tile(rt, h, w, version, len(encoders), code_pass):
        yield b


def _as_codec_image(image) -> CodecImage:
    if isinstance(image, CodecImage):
        return image
    if isinstance(image, Image.Image):
        return from_pil(image)
    return from_array(np.asarray(image))


def compress(image, model: str | Runtime = zoo.DEFAULT_MODEL, iterations: int = 8, *,
             version: int = bitstream.FORMAT_VERSION, search_steps: int = 0,
             search_metric: str = "ms-ssim") -> bytes:
    """Code an image (PIL image or uint8 HxW / HxWx3 / HxWx4 array) with k iterations.

    `version` 1 writes the format that rnncomp 0.1 reads, 2 the one before XLA's convolutions.
    `search_steps` > 0 searches each iteration's bits for `search_metric` ("ms-ssim" or "mse")
    with that many gradient steps (search.py): slower encoding, the same decoder.
    """
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be 1..{MAX_ITERATIONS}, got {iterations}")
    if search_steps < 0 or search_metric not in METRICS:
        raise ValueError(f"search needs steps >= 0 (got {search_steps}) and a metric of "
                         f"{METRICS} (got {search_metric!r})")
    img = _as_codec_image(image)
    rt = _runtime(model)
    height, width = img.rgb.shape[:2]
    if height * width > MAX_PIXELS:
        raise ValueError(f"image of {width}x{height} pixels is over the limit of {MAX_PIXELS}")
    header = Header(rt.model_id, rt.model_hash(version), width, height, img.mode, version)
    compile_cache.enable()
    encoders = [BitEncoder() for _ in range(iterations)]
    coded = [[] for _ in range(iterations)]
    for y0, y1, x0, x1 in _tiles(height, width):
        for t, b in enumerate(_encode_tile(rt, img.rgb[y0:y1, x0:x1], version, encoders,
                                           (search_steps, search_metric))):
            coded[t].append(b.ravel())
    chunks = [Chunk(enc.finish(), bitstream.bits_check(np.concatenate(c)))
              for enc, c in zip(encoders, coded, strict=True)]
    alpha = encode_alpha(img.alpha) if img.alpha is not None else None
    return bitstream.pack(Container(header, chunks, alpha))


def check_model(header: Header, rt: Runtime) -> None:
    if ((rt.post_filter is not None and header.version < 3)
            or header.model_hash != rt.model_hash(header.version)):
        raise ModelMismatchError(f"file was made with other weights or another entropy model for "
                                 f"{header.model_id} ({header.model_hash}) than this build has")


def decompress_iterations(data: bytes, iterations: int | None = None,
                          max_pixels: int = MAX_PIXELS,
                          runtime: Runtime | None = None) -> list[np.ndarray]:
    """The decoded image after each of the first k iterations (k = all stored by default)."""
    return _decode(data, iterations, max_pixels, runtime, every_iteration=True)


def decompress(data: bytes, iterations: int | None = None, max_pixels: int = MAX_PIXELS,
               runtime: Runtime | None = None) -> np.ndarray:
    """The decoded image (uint8 HxW, HxWx3, or with alpha) from all or the first k iterations."""
    return _decode(data, iterations, max_pixels, runtime, every_iteration=False)[-1]


def _decode(data: bytes, iterations: int | None, max_pixels: int, runtime: Runtime | None,
            every_iteration: bool) -> list[np.ndarray]:
    """Decoded images after every iteration, or after the last only (the memory of one image)."""
    container = bitstream.unpack(data, max_pixels=max_pixels, max_iterations=iterations)
    header = container.header
    if iterations is not None and iterations > container.iterations:
        raise ValueError(f"file holds {container.iterations} iterations, {iterations} asked")
    try:
        rt = runtime or _cached_runtime(header.model_id)
    except KeyError:
        raise ModelMismatchError(f"file needs model {header.model_id!r}, which this build of "
                                 f"rnncomp does not have (see `rnncomp models`)") from None
    check_model(header, rt)
    compile_cache.enable()
    k = container.iterations
    alpha = (decode_alpha(container.alpha, header.width, header.height)
             if container.alpha is not None else None)
    decoders = [BitDecoder(chunk.payload) for chunk in container.chunks]
    decoded = [[] for _ in range(k)]
    outputs = np.empty((k if every_iteration else 1, header.height, header.width, 3), np.uint8)
    for y0, y1, x0, x1 in _tiles(header.height, header.width):

        def code_pass(t, i, target, p, state, probabilities_of):
            return decoders[t].decode(p).astype(np.float32) * 2 - 1

        for t, b, state in _code_tile(rt, y1 - y0, x1 - x0, header.version, k, code_pass):
            decoded[t].append(b.ravel())
            if every_iteration or t == k - 1:
                tile = np.asarray(state[1][0, : y1 - y0, : x1 - x0])
                outputs[t if every_iteration else 0, y0:y1, x0:x1] = np.round(
                    np.clip(tile, 0, 1) * 255).astype(np.uint8)
    for t, (decoder, chunk) in enumerate(zip(decoders, container.chunks, strict=True)):
        bitstream.verify_bits(np.concatenate(decoded[t]), chunk, t + 1)
        decoder.finish()
    counts = range(1, k + 1) if every_iteration else [k]
    return [to_output(rt.filtered(o, count), header.mode, alpha)
            for o, count in zip(outputs, counts, strict=True)]


def info(data: bytes) -> dict:
    """Header facts and per-iteration sizes of a file, without decoding it."""
    container = bitstream.unpack(data)
    h = container.header
    pixels = h.width * h.height
    prefix = [len(bitstream.truncate_iterations(data, k)) for k in
              range(1, container.iterations + 1)]
    return {"version": h.version, "model": h.model_id, "model_hash": h.model_hash,
            "width": h.width, "height": h.height, "mode": h.mode.name.lower(),
            "alpha": container.alpha is not None,
            "iterations": container.iterations, "bytes": len(data),
            "bpp": len(data) * 8 / pixels, "bpp_after_iteration": [8 * n / pixels for n in prefix]}

