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


def vae(conditional=False):
    extra = 3 if conditional else 0
    encoder = build_conv_encoder((28, 28, 1 + extra), 4, filters=(4, 8), dense_units=16)
    decoder = build_conv_decoder(2 + extra, (28, 28, 1), filters=(8, 4), dense_units=16)
    if conditional:
        return kg.ConditionalVAE(2, num_classes=3, encoder=encoder, decoder=decoder, seed=1)
    return kg.VAE(2, encoder=encoder, decoder=decoder, seed=1)


def gan(kind, conditional=False):
    extra = 3 if conditional else 0
    generator = build_mlp_generator(4 + extra, 2, hidden_units=(16,))
    discriminator = build_mlp_discriminator(2 + extra, hidden_units=(16,))
    options = dict(generator=generator, discriminator=discriminator, seed=1,
                   num_classes=3 if conditional else None)
    return getattr(kg, kind)(4, **options)


def dcgan():
    generator = build_dcgan_generator(4, (28, 28, 1), filters=(8, 4))
    discriminator = build_dcgan_discriminator((28, 28, 1), filters=(4, 8))
    return kg.GAN(4, generator=generator, discriminator=discriminator, seed=1)


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
}


def train(name, strategy, initial):
    make, data = MODELS[name]
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
    keras.utils.set_random_seed(0)  # the same initial weights in every run of the test
    single = tf.distribute.OneDeviceStrategy("/cpu:0")
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    assert mirrored.num_replicas_in_sync == 2
    gaps = {}
    for name in sys.argv[1:] or MODELS:
        initial, one = train(name, single, None)
        _, two = train(name, mirrored, initial)
        moved = max(float(np.max(np.abs(a - b))) for a, b in zip(one, initial, strict=True))
        gap = max(float(np.max(np.abs(a - b))) for a, b in zip(one, two, strict=True))
        gaps[name] = {"gap": gap, "moved": moved}
    print("RESULT " + json.dumps(gaps))


if __name__ == "__main__":
    main()
