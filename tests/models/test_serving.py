"""`model.export(path)`: a SavedModel of every family that serves what the model's own
methods give, reloaded by a process that imports TensorFlow and numpy only."""

from __future__ import annotations

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_genmodels as kg
from keras_genmodels.models.serving import on_codes

N = 5
LABELS = np.array([0, 1, 2, 0, 1], np.int32)
IMAGE = (8, 8, 1)
VECTOR = (16,)

#: Run in a fresh interpreter: loads every artifact, calls the endpoints on the inputs
#: and writes what they return to an .npz.
RELOAD = """
import json, sys
import numpy as np
import tensorflow as tf

spec = json.load(open(sys.argv[1]))
inputs = np.load(spec["inputs"])
outputs = {}
for name, calls in spec["calls"].items():
    served = tf.saved_model.load(spec["paths"][name])
    outputs[name + "/signatures"] = np.array(sorted(served.signatures))
    for endpoint, args in calls.items():
        result = getattr(served, endpoint)(*[tf.constant(inputs[a]) for a in args])
        for key, value in (result.items() if isinstance(result, dict) else [("", result)]):
            outputs["/".join(filter(None, [name, endpoint, key]))] = value.numpy()
assert "keras_genmodels" not in sys.modules, "the artifact must load without the package"
np.savez(spec["outputs"], **outputs)
"""


def dense(inputs, outputs, activation: str | None = None) -> keras.Model:
    """One dense layer from `inputs` to `outputs`, each a number of features or an image
    shape (flattened on the way in, reshaped on the way out)."""
    x_in = keras.Input((inputs,) if isinstance(inputs, int) else inputs)
    shape = (outputs,) if isinstance(outputs, int) else outputs
    out = keras.layers.Dense(int(np.prod(shape)), activation=activation)(
        keras.layers.Flatten()(x_in))
    return keras.Model(x_in, keras.layers.Reshape(shape)(out))


def features_net(shape: tuple[int, ...]) -> keras.Model:
    """A VAE-GAN discriminator: one logit and the flat input as features."""
    x_in = keras.Input(shape)
    flat = keras.layers.Flatten()(x_in)
    return keras.Model(x_in, [keras.layers.Dense(1)(flat), flat])


def tiny_stylegan() -> kg.StyleGAN:
    return kg.StyleGAN(latent_dim=8, channels=8, mapping_layers=1, seed=0,
                       data_shape=(6, 6, 1))


def tiny_cyclegan() -> kg.CycleGAN:
    def generator():
        return keras.Sequential([keras.Input(IMAGE), keras.layers.Conv2D(
            1, 3, padding="same", activation="tanh")])

    def discriminator():
        return keras.Sequential([keras.Input(IMAGE), keras.layers.Conv2D(1, 4, strides=2)])

    return kg.CycleGAN(generator_ab=generator(), generator_ba=generator(),
                       discriminator_a=discriminator(), discriminator_b=discriminator(),
                       seed=0, data_shape=IMAGE)


def models() -> dict[str, tuple[kg.GenerativeModel, np.ndarray]]:
    """Every family, tiny, with data like its own: name -> (model, data)."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(N, *IMAGE)).astype("float32")
    vectors = rng.uniform(size=(N, *VECTOR)).astype("float32")
    c = 3  # classes
    return {
        # images, Bernoulli decoder, after a step of fit (the failure)
        "vae": (kg.VAE(4, encoder=dense(IMAGE, 8), decoder=dense(4, IMAGE),
                       likelihood="bernoulli", seed=0, data_shape=IMAGE), images),
        "cvae": (kg.ConditionalVAE(4, num_classes=c, encoder=dense(16 + c, 8),
                                   decoder=dense(4 + c, 16), likelihood="gaussian", seed=0,
                                   data_shape=VECTOR), vectors),
        "vaegan": (kg.VAEGAN(2, encoder=dense(IMAGE, 4), decoder=dense(2, IMAGE, "tanh"),
                             discriminator=features_net(IMAGE), seed=0, data_shape=IMAGE),
                   images),
        "gan": (kg.GAN(4, generator=dense(4, IMAGE, "tanh"),
                       discriminator=dense(IMAGE, 1), seed=0, data_shape=IMAGE), images),
        "gan_ema": (kg.GAN(4, generator=dense(4, 16), discriminator=dense(16, 1),
                           ema_decay=0.9, seed=0, data_shape=VECTOR), vectors),
        "cgan": (kg.ConditionalGAN(4, num_classes=c, generator=dense(4 + c, 16),
                                   discriminator=dense(16 + c, 1), seed=0,
                                   data_shape=VECTOR), vectors),
        "wgangp": (kg.WGANGP(4, generator=dense(4, 16), discriminator=dense(16, 1), seed=0,
                             data_shape=VECTOR), vectors),
        "stylegan": (tiny_stylegan(), images[:, :6, :6]),
        "cyclegan": (tiny_cyclegan(), images),
    }


def calls(model: kg.GenerativeModel) -> dict[str, list[str]]:
    """The endpoints of a model and the inputs each takes."""
    labels = ["labels"] if model.conditional else []
    if isinstance(model, kg.CycleGAN):
        return {"serve": ["x"], "a_to_b": ["x"], "b_to_a": ["x"]}
    endpoints = {"serve": ["z", *labels]}
    if isinstance(model, kg.StyleGAN):
        endpoints["mapping"] = ["prior_z"]
    if hasattr(model, "encode"):
        endpoints.update(decode=["z", *labels], encode=["x", *labels],
                         reconstruct=["x", *labels])
    return endpoints


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Every model, exported after one step of `fit` (CycleGAN, StyleGAN: none), and
    what one subprocess that never imports keras_genmodels computes with the artifacts."""
    root = tmp_path_factory.mktemp("serving")
    built = models()
    inputs, spec = {}, {"inputs": str(root / "inputs.npz"),
                        "outputs": str(root / "outputs.npz"), "paths": {}, "calls": {}}
    for name, (model, x) in built.items():
        if name in ("vae", "gan", "cgan", "gan_ema"):
            model.compile()
            model.fit(x, LABELS if model.conditional else None, batch_size=N, epochs=1,
                      verbose=0)
        model.export(str(root / name), verbose=False)
        inputs[f"{name}/x"] = x
        inputs[f"{name}/labels"] = LABELS
        if not isinstance(model, kg.CycleGAN):
            inputs[f"{name}/z"] = np.asarray(model.sample_latent(N, seed=1))
        if isinstance(model, kg.StyleGAN):
            inputs[f"{name}/prior_z"] = np.asarray(model.sample_z(N, seed=1))
        spec["paths"][name] = str(root / name)
        spec["calls"][name] = {endpoint: [f"{name}/{a}" for a in args]
                               for endpoint, args in calls(model).items()}
    np.savez(spec["inputs"], **inputs)
    (root / "spec.json").write_text(json.dumps(spec))
    result = subprocess.run([sys.executable, "-c", RELOAD, str(root / "spec.json")],
                            capture_output=True, text=True, timeout=300, cwd=root)
    assert result.returncode == 0, result.stderr[-3000:]
    with np.load(spec["outputs"]) as outputs:
        return built, inputs, dict(outputs)


def close(a, b) -> None:
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["vae", "cvae", "vaegan", "gan", "gan_ema", "cgan",
                                  "wgangp", "stylegan"])
def test_serve_generates_what_the_model_generates(served, name):
    built, inputs, outputs = served
    model, _ = built[name]
    labels = LABELS if model.conditional else None
    expected = np.asarray(model.generate(tf.constant(inputs[f"{name}/z"]), labels))
    close(outputs[f"{name}/serve"], expected)
    assert outputs[f"{name}/serve"].shape == (N, *model.data_shape)
    if not isinstance(model, kg.StyleGAN):  # StyleGAN's `sample` draws noise per image
        close(outputs[f"{name}/serve"], model.sample(N, seed=1, labels=labels))
    signatures = set(outputs[f"{name}/signatures"])
    assert signatures == {"serving_default", *calls(model)}


@pytest.mark.parametrize("name", ["vae", "vaegan", "gan", "stylegan", "cyclegan"])
def test_served_images_are_in_the_unit_interval(served, name):
    _, _, outputs = served
    images = outputs[f"{name}/serve"]
    assert images.dtype == np.float32 and images.ndim == 4
    assert images.min() >= 0.0 and images.max() <= 1.0


@pytest.mark.parametrize("name", ["vae", "cvae", "vaegan"])
def test_encode_decode_and_reconstruct_match_the_model(served, name):
    built, inputs, outputs = served
    model, x = built[name]
    labels = LABELS if model.conditional else None
    posterior = model.encode(x, labels)
    close(outputs[f"{name}/encode/mean"], posterior.mean())
    close(outputs[f"{name}/encode/stddev"], posterior.stddev())
    close(outputs[f"{name}/decode"], outputs[f"{name}/serve"])
    close(outputs[f"{name}/reconstruct"], model.reconstruct(x, labels))


def test_stylegan_maps_prior_codes_to_the_codes_serve_takes(served):
    built, inputs, outputs = served
    model, _ = built["stylegan"]
    assert model.latent_space == "w"
    close(outputs["stylegan/mapping"], model.mapping(inputs["stylegan/prior_z"]))
    # sample_latent's codes in W are the mapping of sample_z's codes
    close(outputs["stylegan/mapping"], inputs["stylegan/z"])


def test_cyclegan_translates_both_ways(served):
    built, _, outputs = served
    model, x = built["cyclegan"]
    close(outputs["cyclegan/a_to_b"], model.translate(x, "a_to_b"))
    close(outputs["cyclegan/b_to_a"], model.translate(x, "b_to_a"))
    close(outputs["cyclegan/serve"], outputs["cyclegan/a_to_b"])


def test_export_of_an_unbuilt_model_says_to_build_it(tmp_path):
    with pytest.raises(ValueError, match=r"`export\(\)` needs a built model"):
        kg.VAE(2).export(str(tmp_path / "vae"))


def test_export_names_the_one_format_it_writes(tmp_path):
    model = kg.GAN(2, generator=dense(2, 2), discriminator=dense(2, 1), data_shape=(2,))
    with pytest.raises(ValueError, match="'tf_saved_model'") as error:
        model.export(str(tmp_path / "gan.onnx"), format="onnx")
    assert "onnx" in str(error.value)
    with pytest.raises(ValueError, match="input_signature"):
        model.export(str(tmp_path / "gan"), input_signature=[tf.TensorSpec((None, 2))])


def test_export_prints_the_endpoints_when_verbose(tmp_path, capsys):
    model = kg.GAN(2, generator=dense(2, 2), discriminator=dense(2, 1), data_shape=(2,))
    model.export(str(tmp_path / "gan"))
    assert "Endpoint 'serve'" in capsys.readouterr().out


class _Affine(kg.GenerativeModel):
    """A family of one's own: `generate(z)` is one dense layer."""

    def __init__(self, latent_dim, **kwargs):
        super().__init__(latent_dim, **kwargs)
        self.finish_init()

    def build_networks(self, data_shape):
        self.decoder = dense(self.latent_dim, data_shape[0])

    def generate(self, z, labels=None):
        return self.decoder(z)


def test_a_family_of_ones_own_says_what_to_export(tmp_path):
    model = _Affine(2, data_shape=(3,))
    with pytest.raises(NotImplementedError, match="serving_endpoints"):
        model.export(str(tmp_path / "affine"), verbose=False)

    class Served(_Affine):
        def serving_endpoints(self):
            return {"serve": on_codes(self, lambda z, labels: self.generate(z), 2)}

    model = Served(2, data_shape=(3,))
    model.export(str(tmp_path / "served"), verbose=False)
    z = np.ones((4, 2), np.float32)
    served = tf.saved_model.load(str(tmp_path / "served"))  # kept: it owns the variables
    close(served.serve(z), model.generate(z))


@pytest.mark.parametrize("family", ["GAN", "VAEGAN"])
def test_self_conditioned_models_serve_their_clusters(tmp_path, family):
    # the default vector networks: self-conditioned on 50 clusters (and the GAN's EMA)
    keras.utils.set_random_seed(0)
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")
    model = getattr(kg, family)(2, seed=0, data_shape=(2,))
    assert model.clusters == 50
    model.compile()
    model.fit(points, batch_size=32, epochs=1, verbose=0)
    model.export(str(tmp_path / family), verbose=False)
    served = tf.saved_model.load(str(tmp_path / family))
    z = np.asarray(model.sample_latent(N, seed=1))
    close(served.serve(z), model.sample(N, seed=1))
    if family == "VAEGAN":
        close(served.reconstruct(points[:N]), model.reconstruct(points[:N]))
