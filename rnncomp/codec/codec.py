"""compress(image) -> bytes and decompress(bytes) -> image: the whole codec.

    image ─ tiles ─► encoder + binarizer: b_1..b_k ─► per iteration t, per channel group g:
        p = context model(decoder state after t-1, b_{t-1}, groups < g of b_t)
        range-code the group's bits with p ─► chunk t
    chunks ─► container (bitstream.py) ─► bytes

The encoder runs the decoder's own procedure (`_code_tile`), so both sides compute every
probability with the same functions on the same inputs. Tiles of 1024x1024 (part of format
version 1, row-major, each coded independently) keep the memory bounded on large images; chunk t
holds iteration t of every tile, so any prefix of iterations decodes without the rest.
bpp is always the whole file: len(data) * 8 / pixels.
"""

import dataclasses
import functools
from collections.abc import Callable, Iterator

import jax
import jax.numpy as jnp
import numpy as np
from PIL import Image

from rnncomp.codec import bitstream
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
from rnncomp.entropy.context_model import ContextModel, group_channels, group_masks
from rnncomp.entropy.range_coder import BitDecoder, BitEncoder
from rnncomp.models import STRIDE, RecurrentCodec, zoo

TILE = 1024
MAX_PIXELS = 2**28
MAX_ITERATIONS = 16


@dataclasses.dataclass(frozen=True, eq=False)
class Runtime:
    """A model and its entropy model, ready to code (jitted functions are cached per shape)."""

    model_id: str
    weights_sha256: str
    model: RecurrentCodec
    params: dict
    context_model: ContextModel | None = None
    context_params: dict | None = None

    @property
    def groups(self) -> int:
        return self.context_model.groups if self.context_model else 1

    @functools.cached_property
    def encode(self) -> Callable:
        return jax.jit(lambda x, k: self.model.encode(self.params, x, k), static_argnums=1)

    @functools.cached_property
    def step(self) -> Callable:
        return jax.jit(lambda state, bits: self.model.decoder_step(self.params, state, bits))

    @functools.cached_property
    def probabilities(self) -> Callable:
        """P(b = +1) of group g's bits: (N, h, w, B/G)."""
        bits = self.model.bits

        def fn(state, previous, current, t, g):
            if self.context_model is None:
                return jnp.full(previous.shape, 0.5, jnp.float32)
            mask = group_masks(bits, self.groups)[g]
            logits = self.context_model.apply({"params": self.context_params},
                                              self.model.context_state(state), previous,
                                              current, mask, t)
            return jax.nn.sigmoid(logits[..., group_channels(bits, self.groups, g)])

        return jax.jit(fn, static_argnums=4)


def from_zoo(model_id: str) -> Runtime:
    entry = zoo.get_entry(model_id)
    model, params = zoo.load(model_id)
    context = zoo.load_context_model(model_id)
    if context is None:
        return Runtime(model_id, entry.sha256, model, params)
    settings, context_params = context
    return Runtime(model_id, entry.sha256, model, params, ContextModel(**settings),
                   context_params)


@functools.lru_cache(maxsize=4)
def _cached_runtime(model_id: str) -> Runtime:
    return from_zoo(model_id)


def _runtime(model) -> Runtime:
    return model if isinstance(model, Runtime) else _cached_runtime(model)


def _tiles(height: int, width: int) -> list[tuple[int, int, int, int]]:
    return [(y, min(y + TILE, height), x, min(x + TILE, width))
            for y in range(0, height, TILE) for x in range(0, width, TILE)]


def _code_tile(rt: Runtime, height: int, width: int, iterations: int,
               code_group: Callable) -> Iterator[tuple[int, np.ndarray, tuple]]:
    """The decoder's procedure on one tile: yields (t, b_t, decoder state after t).

    `code_group(t, g, p)` returns group g's bits of iteration t as ±1 after range-coding them
    (encoder) or decoding them (decoder) with probabilities p.
    """
    ph, pw = -(-height // STRIDE) * STRIDE, -(-width // STRIDE) * STRIDE
    state = rt.model.decoder_init(1, ph, pw)
    previous = np.zeros((1, ph // STRIDE, pw // STRIDE, rt.model.bits), np.float32)
    for t in range(iterations):
        current = np.zeros_like(previous)
        for g in range(rt.groups):
            p = np.asarray(rt.probabilities(state, previous, current, t + 1, g))
            current[..., group_channels(rt.model.bits, rt.groups, g)] = code_group(t, g, p)
        state = rt.step(state, current)
        previous = current
        yield t, current, state


def _as_codec_image(image) -> CodecImage:
    if isinstance(image, CodecImage):
        return image
    if isinstance(image, Image.Image):
        return from_pil(image)
    return from_array(np.asarray(image))


def compress(image, model: str | Runtime = zoo.DEFAULT_MODEL, iterations: int = 8) -> bytes:
    """Code an image (PIL image or uint8 HxW / HxWx3 / HxWx4 array) with k iterations."""
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be 1..{MAX_ITERATIONS}, got {iterations}")
    img = _as_codec_image(image)
    rt = _runtime(model)
    height, width = img.rgb.shape[:2]
    if height * width > MAX_PIXELS:
        raise ValueError(f"image of {width}x{height} pixels is over the limit of {MAX_PIXELS}")
    header = Header(rt.model_id, bitstream.weights_hash_prefix(rt.weights_sha256), width,
                    height, img.mode)
    encoders = [BitEncoder() for _ in range(iterations)]
    coded = [[] for _ in range(iterations)]
    for y0, y1, x0, x1 in _tiles(height, width):
        x = jnp.asarray(img.rgb[None, y0:y1, x0:x1], jnp.float32) / 255.0
        bits = np.asarray(rt.encode(x, iterations))[:, 0:1]

        def code_group(t, g, p, bits=bits):
            group = bits[t][..., group_channels(rt.model.bits, rt.groups, g)]
            encoders[t].encode(group, p)
            return group

        for t, b, _ in _code_tile(rt, y1 - y0, x1 - x0, iterations, code_group):
            coded[t].append(b.ravel())
    chunks = [Chunk(enc.finish(), bitstream.bits_check(np.concatenate(c)))
              for enc, c in zip(encoders, coded, strict=True)]
    alpha = encode_alpha(img.alpha) if img.alpha is not None else None
    return bitstream.pack(Container(header, chunks, alpha))


def check_model(header: Header, rt: Runtime) -> None:
    if header.weights_hash != bitstream.weights_hash_prefix(rt.weights_sha256):
        raise ModelMismatchError(f"file was made with other weights for {header.model_id} "
                                 f"({header.weights_hash}) than this build has")


def decompress_iterations(data: bytes, iterations: int | None = None,
                          max_pixels: int = MAX_PIXELS,
                          runtime: Runtime | None = None) -> list[np.ndarray]:
    """The decoded image after each of the first k iterations (k = all stored by default)."""
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
    k = container.iterations
    alpha = (decode_alpha(container.alpha, header.width, header.height)
             if container.alpha is not None else None)
    decoders = [BitDecoder(chunk.payload) for chunk in container.chunks]
    decoded = [[] for _ in range(k)]
    outputs = np.empty((k, header.height, header.width, 3), np.uint8)
    for y0, y1, x0, x1 in _tiles(header.height, header.width):

        def code_group(t, g, p):
            return decoders[t].decode(p).astype(np.float32) * 2 - 1

        for t, b, state in _code_tile(rt, y1 - y0, x1 - x0, k, code_group):
            decoded[t].append(b.ravel())
            tile = np.asarray(state[1][0, : y1 - y0, : x1 - x0])
            outputs[t, y0:y1, x0:x1] = np.round(np.clip(tile, 0, 1) * 255).astype(np.uint8)
    for t, (decoder, chunk) in enumerate(zip(decoders, container.chunks, strict=True)):
        bitstream.verify_bits(np.concatenate(decoded[t]), chunk, t + 1)
        decoder.finish()
    return [to_output(o, header.mode, alpha) for o in outputs]


def decompress(data: bytes, iterations: int | None = None, max_pixels: int = MAX_PIXELS,
               runtime: Runtime | None = None) -> np.ndarray:
    """The decoded image (uint8 HxW, HxWx3, or with alpha) from all or the first k iterations."""
    return decompress_iterations(data, iterations, max_pixels, runtime)[-1]


def info(data: bytes) -> dict:
    """Header facts and per-iteration sizes of a file, without decoding it."""
    container = bitstream.unpack(data)
    h = container.header
    pixels = h.width * h.height
    prefix = [len(bitstream.truncate_iterations(data, k)) for k in
              range(1, container.iterations + 1)]
    return {"model": h.model_id, "weights": h.weights_hash, "width": h.width,
            "height": h.height, "mode": h.mode.name.lower(), "alpha": container.alpha is not None,
            "iterations": container.iterations, "bytes": len(data),
            "bpp": len(data) * 8 / pixels, "bpp_after_iteration": [8 * n / pixels for n in prefix]}

