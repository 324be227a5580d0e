"""The encoder probes in experiments/ reproduce the codec when they change nothing."""

import numpy as np
from PIL import Image

import rnncomp
from experiments.flip_unsure_bits import FlippingEncoder
from rnncomp.codec import bitstream
from rnncomp.evaluation.metrics import ms_ssim
from rnncomp.models import zoo


def test_flip_probe_without_flips_is_the_codec():
    sample = Image.open(rnncomp.__path__[0] + "/data/sample.png").convert("RGB")
    image = np.asarray(sample)[:256, :256]  # a shape bucket: the codec pads nothing either
    curve = FlippingEncoder(zoo.DEFAULT_MODEL).curve(image, tau=0.0, p_min=1.0, iterations=2)
    data = rnncomp.compress(image, iterations=2)
    decoded = rnncomp.decompress(data)
    assert curve[-1, 1] == ms_ssim(image, decoded, convention="google")
    payload_bits = 8 * sum(len(chunk.payload) for chunk in bitstream.unpack(data).chunks)
    ideal_bits = curve[-1, 0] * image.shape[0] * image.shape[1]
    assert ideal_bits <= payload_bits <= ideal_bits + 2 * 64  # the coder's last words
