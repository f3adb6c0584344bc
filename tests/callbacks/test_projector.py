"""EmbeddingProjector: the files TensorBoard's projector reads, checked with its parsers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import tensorflow as tf
from google.protobuf import text_format
from PIL import Image
from tensorboard.plugins.projector import projector_config_pb2

import keras_genmodels as kg
from keras_genmodels.callbacks.projector import TENSOR_NAME


def load_config(log_dir) -> projector_config_pb2.ProjectorConfig:
    config = projector_config_pb2.ProjectorConfig()
    text_format.Parse((log_dir / "projector_config.pbtxt").read_text(), config)
    return config


def test_projector_files_load_with_tensorboards_parsers(vae_run):
    log_dir = vae_run.log_dir / "projector"
    config = load_config(log_dir)
    (embedding,) = config.embeddings
    assert embedding.tensor_name == TENSOR_NAME
    assert embedding.metadata_path == "metadata.tsv"
    assert embedding.sprite.image_path == "sprite.png"
    assert list(embedding.sprite.single_image_dim) == [28, 28]

    checkpoint = tf.train.latest_checkpoint(str(log_dir))
    values = tf.train.load_checkpoint(checkpoint).get_tensor(TENSOR_NAME)
    assert values.shape == (50, vae_run.model.latent_dim)
    np.testing.assert_allclose(values, vae_run.model.encode(vae_run.x[:50]).mean().numpy(),
                               atol=1e-5)

    lines = (log_dir / "metadata.tsv").read_text().splitlines()
    assert lines == [str(i % 10) for i in range(50)]  # one column: no header

    cells = math.ceil(math.sqrt(50))
    with Image.open(log_dir / "sprite.png") as sprite:
        assert sprite.size == (cells * 28, cells * 28)
        pixels = np.asarray(sprite)
    np.testing.assert_allclose(pixels[28:56, 0:28] / 255.0, vae_run.x[cells, ..., 0],
                               atol=1 / 255)


def test_projector_writes_only_at_the_end_by_default(vae_run):
    log_dir = vae_run.log_dir / "projector"
    assert [p.name for p in log_dir.glob("*.index")] == ["embedding.ckpt-2.index"]
    assert vae_run.callbacks.projector._last_written == 2


def test_projector_conditional_encodes_with_the_labels(cvae_run):
    config = load_config(cvae_run.log_dir)
    assert config.embeddings[0].tensor_name == TENSOR_NAME
    values = tf.train.load_checkpoint(str(cvae_run.log_dir)).get_tensor(TENSOR_NAME)
    expected = cvae_run.model.encode(cvae_run.x[:20], cvae_run.y[:20]).mean().numpy()
    np.testing.assert_allclose(values, expected, atol=1e-5)
    assert len((cvae_run.log_dir / "metadata.tsv").read_text().splitlines()) == 20


def test_projector_every_n_epochs_keeps_one_checkpoint(tmp_path, vae_run):
    x = vae_run.x[:10]
    labels = {"digit": np.arange(10), "name": [f"img\t{i}" for i in range(10)]}
    callback = kg.callbacks.EmbeddingProjector(tmp_path, x, labels=labels, every_n_epochs=1,
                                               sprite=False)
    callback.set_model(vae_run.model)
    callback.on_train_begin()
    for epoch in range(3):
        callback.on_epoch_end(epoch)
    callback.on_train_end()
    assert [p.name for p in tmp_path.glob("*.index")] == ["embedding.ckpt-3.index"]
    lines = (tmp_path / "metadata.tsv").read_text().splitlines()
    assert lines[0] == "digit\tname"
    assert lines[1:] == [f"{i}\timg {i}" for i in range(10)]
    config = load_config(tmp_path)
    assert not config.embeddings[0].sprite.image_path
    assert not (tmp_path / "sprite.png").exists()


def test_projector_without_labels_writes_no_metadata(tmp_path, vae_run):
    callback = kg.callbacks.EmbeddingProjector(tmp_path, vae_run.x[:5])
    callback.set_model(vae_run.model)
    callback.on_train_begin()
    callback.on_train_end()
    assert not (tmp_path / "metadata.tsv").exists()
    assert load_config(tmp_path).embeddings[0].metadata_path == ""
    with Image.open(tmp_path / "sprite.png") as sprite:
        assert sprite.size == (3 * 28, 3 * 28)


def test_projector_needs_an_encoder(tmp_path, callback_helpers):
    gan = callback_helpers.tiny_gan()
    x = callback_helpers.images(8)
    callback = kg.callbacks.EmbeddingProjector(tmp_path / "logs", x)
    with pytest.raises(TypeError, match="EmbeddingProjector needs a model with `encode`"):
        gan.fit(x, epochs=1, batch_size=8, verbose=0, callbacks=[callback])
    assert list((tmp_path / "logs").iterdir()) == []  # created when built, nothing written


def test_projector_conditional_needs_labels(tmp_path, cvae_run):
    callback = kg.callbacks.EmbeddingProjector(tmp_path, cvae_run.x[:4])
    with pytest.raises(ValueError, match="`labels`"):
        callback.set_model(cvae_run.model)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(x=np.zeros((4, 28, 28), "float32")), ValueError, "x.*rank"),
        (dict(x=np.full((4, 28, 28, 1), 3.0, "float32")), ValueError, r"x.*\[0, 1\]"),
        (dict(labels=np.arange(3)), ValueError, "labels.*4 values"),
        (dict(labels={}), ValueError, "labels"),
        (dict(every_n_epochs=0), ValueError, "every_n_epochs"),
        (dict(batch_size=0), ValueError, "batch_size"),
        (dict(sprite="yes"), TypeError, "sprite"),
        (dict(x=np.zeros((2, 4100, 1, 1), "float32")), ValueError, "sprite"),  # 8200 px
    ],
)
def test_projector_argument_errors(tmp_path, kwargs, error, match):
    kwargs = {"x": np.zeros((4, 28, 28, 1), "float32"), **kwargs}
    with pytest.raises(error, match=match):
        kg.callbacks.EmbeddingProjector(tmp_path, **kwargs)
