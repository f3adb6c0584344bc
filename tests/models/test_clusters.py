"""Self-conditioning: a GAN conditioned on online k-means clusters of its data.

The coverage it buys (every adversarial family on grid25) is tested in
test_default_coverage.py; here: the clusters themselves, what `clusters="auto"` resolves
to, the inputs the networks take, sampling, saving and bad arguments.
"""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
import tensorflow_probability as tfp
from scipy import stats

import keras_genmodels as kg
from keras_genmodels.models import DataClusters
from keras_genmodels.models.clusters import code_hash
from keras_genmodels.networks import build_mlp_discriminator, build_mlp_generator


def test_online_kmeans_finds_the_modes_of_grid25():
    (x, _), _ = kg.datasets.load("grid25")
    centers, _ = kg.datasets.mode_centers("grid25")
    clusters = DataClusters(50)
    clusters.build((None, 2))
    for start in range(0, 2560, 256):
        clusters.update(x[start : start + 256], seed=tf.constant([0, 0]))
    learned = np.asarray(clusters.centers)
    counts = np.asarray(clusters.counts)
    assert counts.sum() == 2560  # every example counted once
    # every mode holds a centre, and every centre that took data sits on a mode
    to_modes = np.linalg.norm(learned[:, None] - centers[None], axis=-1)
    assert np.all(to_modes.min(axis=0) < 0.1)
    assert np.all(to_modes.min(axis=1)[counts > 0] < 0.1)
    # the assignment is the nearest centre
    labels = np.asarray(clusters.nearest(x[:100]))
    nearest = np.argmin(np.linalg.norm(x[:100, None] - learned[None], axis=-1), axis=1)
    np.testing.assert_array_equal(labels, nearest)


def test_draw_follows_the_shares_of_the_clusters():
    clusters = DataClusters(3)
    clusters.build((None, 2))
    clusters.counts.assign([1.0, 0.0, 3.0])
    u = (np.arange(4000) + 0.5) / 4000
    shares = np.bincount(np.asarray(clusters.draw(u)), minlength=3) / 4000
    np.testing.assert_allclose(shares, [0.25, 0.0, 0.75], atol=1e-3)


def test_auto_self_conditions_vector_gans_only():
    for family in (kg.GAN, kg.WGAN, kg.WGANGP):
        vector = family(8, seed=0, data_shape=(2,))
        assert vector.clusters == 50 and vector.condition_dim == 50
        assert vector.generator.inputs[0].shape[-1] == 8 + 50
        assert vector.discriminator.inputs[0].shape[-1] == 2 + 50
    vaegan = kg.VAEGAN(8, seed=0, data_shape=(2,))
    assert vaegan.clusters == 50
    assert vaegan.decoder.inputs[0].shape[-1] == 8 + 50
    assert vaegan.discriminator.inputs[0].shape[-1] == 2 + 50
    assert vaegan.encoder.inputs[0].shape[-1] == 2  # the encoder sees the data alone
    image = kg.GAN(8, seed=0, data_shape=(28, 28, 1))
    assert image.clusters is None and image.data_clusters is None  # the papers' GAN
    # a model with its own networks, a conditional model or a custom prior: none
    own = kg.GAN(8, generator=build_mlp_generator(8, 2), discriminator=None, data_shape=(2,))
    conditional = kg.ConditionalGAN(8, num_classes=3, data_shape=(2,))
    prior = tfp.distributions.MultivariateNormalDiag(tf.zeros(8), 2.0 * tf.ones(8))
    custom_prior = kg.GAN(8, prior=prior, data_shape=(2,))
    assert own.clusters is conditional.clusters is custom_prior.clusters is None
    assert conditional.condition_dim == 3


def test_a_self_conditioned_gan_trains_and_samples_by_its_codes():
    (x, _), _ = kg.datasets.load("grid25")
    gan = kg.GAN(8, seed=0, clusters=10)
    gan.compile()
    gan.fit(x[:1024], epochs=1, batch_size=256, verbose=0)
    counts = np.asarray(gan.data_clusters.counts)
    assert counts.sum() == 1024
    z = gan.sample_latent(500, seed=1)
    np.testing.assert_array_equal(gan.generate(z), gan.generate(z))  # a function of z
    assert gan.sample(7, seed=2).shape == (7, 2)
    # a hash of the code picks the cluster, in proportion to the data
    drawn = np.asarray(gan.data_clusters.draw(code_hash(z)))
    inputs = np.asarray(gan.generator_inputs(z, None))
    np.testing.assert_array_equal(inputs[:, 8:].argmax(axis=1), drawn)
    shares = np.bincount(drawn, minlength=10) / 500
    assert np.abs(shares - counts / counts.sum()).max() < 0.08
    # the discriminator sees each example's own cluster
    d_inputs = np.asarray(gan.discriminator_inputs(tf.constant(x[:64]), None))
    np.testing.assert_array_equal(d_inputs[:, 2:].argmax(axis=1),
                                  np.asarray(gan.data_clusters.nearest(x[:64])))
    logs = gan.evaluate(x[:256], batch_size=128, verbose=0, return_dict=True)
    assert np.isfinite(logs["d_loss"]) and np.asarray(gan.data_clusters.counts).sum() == 1024


def test_the_clusters_are_saved_and_restored(tmp_path):
    (x, _), _ = kg.datasets.load("ring8")
    gan = kg.WGANGP(4, seed=0, critic_steps=1)
    gan.compile()
    gan.fit(x[:512], epochs=1, batch_size=128, verbose=0)
    path = tmp_path / "gan.keras"
    gan.save(path)
    restored = keras.saving.load_model(path)
    config = restored.get_config()
    assert restored.clusters == 50 and config["data_defaults"]["clusters"] == 50
    assert config["clusters"] == "auto"  # as given
    np.testing.assert_array_equal(restored.data_clusters.counts, gan.data_clusters.counts)
    np.testing.assert_array_equal(restored.sample(64, seed=3), gan.sample(64, seed=3))


def test_bad_clusters_are_refused():
    with pytest.raises(TypeError, match="clusters"):
        kg.GAN(8, clusters="many")
    with pytest.raises(TypeError, match="clusters"):
        kg.GAN(8, clusters=2.5)
    with pytest.raises(ValueError, match="clusters"):
        kg.GAN(8, clusters=1)
    with pytest.raises(ValueError, match="num_classes"):
        kg.ConditionalGAN(8, num_classes=3, clusters=10)
    prior = tfp.distributions.MultivariateNormalDiag(tf.zeros(8), tf.ones(8))
    assert kg.GAN(8, clusters=10, prior=prior, data_shape=(2,)).clusters == 10  # any prior
    with pytest.raises(ValueError, match="vector data"):
        kg.GAN(8, clusters=10, data_shape=(28, 28, 1))


def test_explicit_clusters_with_own_networks():
    generator = build_mlp_generator(4 + 5, 2, hidden_units=(16,))
    discriminator = build_mlp_discriminator(2 + 5, hidden_units=(16,))
    gan = kg.GAN(4, generator=generator, discriminator=discriminator, clusters=5, seed=0)
    gan.compile()
    gan.fit(np.random.default_rng(0).normal(size=(64, 2)).astype("float32"), epochs=1,
            batch_size=32, verbose=0)
    assert gan.data_clusters.num_clusters == 5 and gan.sample(3, seed=0).shape == (3, 2)


def test_a_self_conditioned_vaegan_reconstructs_at_the_cluster_of_each_example(tmp_path):
    (x, _), _ = kg.datasets.load("grid25")
    vaegan = kg.VAEGAN(4, seed=0, clusters=10)
    vaegan.compile()
    vaegan.fit(x[:512], epochs=1, batch_size=128, verbose=0)
    assert np.asarray(vaegan.data_clusters.counts).sum() == 512
    batch = x[:40]
    clusters = vaegan.data_clusters.nearest(batch)
    z = vaegan.encode(batch).mean()
    expected = np.asarray(vaegan.decoder(vaegan.decoder_inputs(z, clusters)))
    np.testing.assert_allclose(vaegan.reconstruct(batch, batch_size=16), expected,
                               rtol=1e-5, atol=1e-6)
    # samples draw their cluster from their codes; the model round-trips
    codes = vaegan.sample_latent(8, seed=0)
    drawn = vaegan.clusters_of_codes(codes)
    np.testing.assert_allclose(vaegan.generate(codes),
                               vaegan.decoder(vaegan.decoder_inputs(codes, drawn)), rtol=1e-6)
    vaegan.save(tmp_path / "vaegan.keras")
    restored = keras.saving.load_model(tmp_path / "vaegan.keras")
    np.testing.assert_array_equal(restored.reconstruct(batch), vaegan.reconstruct(batch))


def test_sampled_clusters_are_independent_of_the_code_as_in_training():
    # training pairs each code with the cluster of a data example, whatever the code; so
    # does sampling: the clusters' shares hold in every region of the code space (tying
    # the cluster to the first coordinate, as 0.2 did, fails this: cluster 0 then takes
    # only codes with z[0] below a quantile)
    z = np.random.default_rng(0).normal(size=(40000, 8)).astype("float32")
    u = np.asarray(code_hash(z))
    assert 0.0 <= u.min() and u.max() < 1.0
    assert stats.kstest(u, "uniform").statistic < 0.01
    for coordinate in (0, 3, 7):
        for region in (z[:, coordinate] < -1.0, z[:, coordinate] > 1.0):
            assert abs(u[region].mean() - 0.5) < 0.02
    np.testing.assert_array_equal(u, np.asarray(code_hash(z)))  # a function of the code
