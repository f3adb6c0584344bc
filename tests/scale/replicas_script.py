"""Trains every model on 1 device and on 2 logical CPU replicas; prints weight gaps as JSON.

Run as a subprocess: the logical devices must be configured before TensorFlow starts.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0], [tf.config.LogicalDeviceConfiguration()] * 2
)

import keras  # noqa: E402
import numpy as np  # noqa: E402

import keras_genmodels as kg  # noqa: E402
from keras_genmodels.networks import (  # noqa: E402
    build_conv_decoder,
    build_conv_encoder,
    build_dcgan_discriminator,
    build_dcgan_generator,
    build_mlp,
    build_mlp_discriminator,
    build_mlp_generator,
)

RNG = np.random.default_rng(0)
IMAGES = RNG.uniform(size=(32, 28, 28, 1)).astype("float32")
POINTS = RNG.normal(size=(32, 2)).astype("float32")
LABELS = (np.arange(32) % 3).astype("int32")
#: 6x6 images, which StyleGAN pads to 8x8; a batch of 16 puts 8 examples on each replica,
#: a multiple of the minibatch-stddev group (4), so no group straddles two replicas
SMALL_IMAGES = RNG.uniform(size=(32, 6, 6, 1)).astype("float32")


def vae(conditional=False, **options):
    extra = 3 if conditional else 0
    encoder = build_conv_encoder((28, 28, 1 + extra), 4, filters=(4, 8), dense_units=16)
    decoder = build_conv_decoder(2 + extra, (28, 28, 1), filters=(8, 4), dense_units=16)
    if conditional:
        return kg.ConditionalVAE(2, num_classes=3, encoder=encoder, decoder=decoder, seed=1,
                                 **options)
    return kg.VAE(2, encoder=encoder, decoder=decoder, seed=1, **options)


def gan(kind, conditional=False, **options):
    # the one-hot labels, or the one-hot clusters of a self-conditioned GAN
    extra = 3 if conditional else options.get("clusters") or 0
    generator = build_mlp_generator(4 + extra, 2, hidden_units=(16,))
    # a projection discriminator takes no label channels and returns its features too
    projection = options.get("projection_discriminator", False)
    discriminator = build_mlp_discriminator(2 + (0 if projection else extra),
                                            hidden_units=(16,), return_features=projection)
    return getattr(kg, kind)(4, generator=generator, discriminator=discriminator, seed=1,
                             num_classes=3 if conditional else None, **options)


def dcgan():
    generator = build_dcgan_generator(4, (28, 28, 1), filters=(8, 4))
    discriminator = build_dcgan_discriminator((28, 28, 1), filters=(4, 8))
    return kg.GAN(4, generator=generator, discriminator=discriminator, seed=1)


def stylegan():
    # R1 and path length both fire on the first step (step 0 of every interval)
    return kg.StyleGAN(4, channels=4, mapping_layers=1, r1_weight=1.0, ema_decay=0.9,
                       seed=1)


def vaegan():
    return kg.VAEGAN(
        2,
        encoder=build_mlp(2, 4, hidden_units=(16,), name="encoder"),
        decoder=build_mlp_generator(2, 2, hidden_units=(16,), name="decoder"),
        discriminator=build_mlp_discriminator(2, hidden_units=(16,), return_features=True),
        seed=1,
    )


MODELS = {
    "VAE": (lambda: vae(), (IMAGES,)),
    "ConditionalVAE": (lambda: vae(True), (IMAGES, LABELS)),
    "GAN": (lambda: gan("GAN"), (POINTS,)),
    "DCGAN": (dcgan, (IMAGES,)),
    "ConditionalGAN": (lambda: gan("ConditionalGAN", True), (POINTS, LABELS)),
    "WGAN": (lambda: gan("WGAN"), (POINTS,)),
    "WGANGP": (lambda: gan("WGANGP"), (POINTS,)),
    "VAEGAN": (vaegan, (POINTS,)),
    "StyleGAN": (stylegan, (SMALL_IMAGES,)),
    # the options whose statistics or extra state could differ between 1 and N replicas
    "VAE free_bits": (lambda: free_bits_vae(), (IMAGES,)),
    # R1, instance noise, the generator's EMA and self-conditioning (the clusters are
    # seeded from the global batch, then updated with sums over replicas) together: one
    # run instead of four (each fit traces anew); a gap in any of them shows in the weights
    "GAN r1 instance_noise ema clusters": (
        lambda: gan("GAN", r1_weight=1.0, instance_noise=0.1, ema_decay=0.9, clusters=4),
        (POINTS,)),
    "ConditionalGAN projection": (
        lambda: gan("ConditionalGAN", True, projection_discriminator=True), (POINTS, LABELS)),
    # the default networks, built by the model in its own precision; bfloat16 rounds each
    # replica's partial gradient sums to 8 bits, so weights whose halves nearly cancel
    # differ by up to 18% of their update (measured); a gradient N = 2 times too large
    # would differ by 100%
    "VAE bf16": (lambda: kg.VAE(2, seed=1, precision="mixed_bfloat16"), (IMAGES,)),
}
#: a weight's gap may be this fraction of its own update (float32: summation order)
RELATIVE_TOLERANCE = {"VAE bf16": 0.5}


def straddling_free_bits():
    """A free-bits threshold (nats) that separates the two replicas of the first step.

    Free bits clamp each latent dimension's KL averaged over the (global) batch. At the
    initial weights the first batch's halves (one per replica) have different mean KLs;
    the threshold is put between the lower one and the whole batch's mean, so that one
    device penalises that dimension while a replica that clamped its own half would not.
    """
    keras.utils.set_random_seed(0)  # the initial weights of `train`'s first model
    probe = vae()  # free bits do not change the networks or their initial weights
    probe.build((None, *IMAGES.shape[1:]))
    posterior = probe.encode(IMAGES[:16])
    mean, stddev = np.asarray(posterior.mean()), np.asarray(posterior.stddev())
    kl = 0.5 * (mean**2 + stddev**2 - 1.0) - np.log(stddev)  # per example and dimension
    halves = np.stack([kl[:8].mean(axis=0), kl[8:].mean(axis=0)])
    dim = int(np.argmax(np.abs(halves[0] - halves[1])))
    low, batch = float(halves[:, dim].min()), float(kl[:, dim].mean())
    return low + 0.5 * (batch - low)


def free_bits_vae():
    """A VAE with free bits that bind on one replica and not on the other (see above)."""
    threshold = straddling_free_bits()
    keras.utils.set_random_seed(0)  # the probe's initial weights
    # beta=10: the KL's gradient then shows next to the reconstruction's (~500 nats)
    return vae(beta=10.0, free_bits=threshold)


def train(name, strategy, initial):
    make, data = MODELS[name]
    if initial is None:
        keras.utils.set_random_seed(0)  # the same initial weights in every run of the test
    with strategy.scope():
        model = make()
        model.build((None, *data[0].shape[1:]))
        if initial is not None:
            model.set_weights(initial)
        initial = model.get_weights()
        # plain SGD: Adam would hide gradients that are N times too large
        model.compile(**{slot: keras.optimizers.SGD(0.05) for slot in model.optimizer_slots})
    model.fit(*data, batch_size=16, epochs=1, shuffle=False, verbose=0)
    return initial, model.get_weights()


def main():
    single = tf.distribute.OneDeviceStrategy("/cpu:0")
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    gaps = {}
    for name in sys.argv[1:] or MODELS:
        initial, one = train(name, single, None)
        _, two = train(name, mirrored, initial)
        moved = [float(np.max(np.abs(a - b))) for a, b in zip(one, initial, strict=True)]
        gap = [float(np.max(np.abs(a - b))) for a, b in zip(one, two, strict=True)]
        # each weight against its own update (the clusters' counts move by whole examples)
        relative = RELATIVE_TOLERANCE.get(name, 1e-3)
        worst = max(g / (1e-5 + relative * m) for g, m in zip(gap, moved, strict=True))
        gaps[name] = {"gap": max(gap), "moved": max(moved), "worst": worst}
    print("RESULT " + json.dumps(gaps))


if __name__ == "__main__":
    main()
