"""One step on 2 replicas equals one step on 1 device with the same global batch.

Gradients are summed across replicas, so every loss must be divided by the number of
replicas; the noise must be the same too, which `replica_noise` guarantees by giving each
replica its slice of one global draw; a statistic of the batch (free bits) must be one of
the global batch. Plain SGD is used because Adam normalises away a gradient that is N
times too large.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("replicas_script.py")


@pytest.fixture(scope="module")
def gaps(run_script):
    return run_script(SCRIPT)


@pytest.mark.parametrize(
    "model",
    ["VAE", "ConditionalVAE", "GAN", "DCGAN", "ConditionalGAN", "WGAN", "WGANGP", "VAEGAN",
     # style mixing, per-layer noise, minibatch stddev, lazy R1 and path length, EMA,
     # the running means w_avg and path_length_mean
     "StyleGAN",
     # with the options on: a batch statistic (free bits), a penalty with its own gradient
     # (R1), more noise streams (instance noise), extra state (EMA of the generator), an
     # extra trained layer (the projection discriminator's class embedding)
     "VAE free_bits", "GAN r1 instance_noise ema clusters", "ConditionalGAN projection",
     # precision="mixed_bfloat16": each replica's partial gradient sums round to 8 bits
     # (gaps up to 18% of a weight's update, measured), so there the bound is 50% of each
     # update; a gradient N = 2 times too large misses it by 2x
     "VAE bf16"],
)
def test_two_replicas_match_one_device(gaps, model):
    assert gaps[model]["moved"] > 1e-3  # the steps really changed the weights
    # Float tolerance, weight by weight: `worst` is the largest ratio of a weight's gap
    # between 1 and 2 replicas to 1e-5 + 1e-3 * that weight's own change. Summation order
    # differs across replicas (synchronized batch norm divides by a small variance, so
    # its gaps reach ~1e-5). Gradients off by a factor N would put a gap at the size of
    # the update itself, hundreds of times this bound.
    assert gaps[model]["worst"] < 1.0, gaps[model]
