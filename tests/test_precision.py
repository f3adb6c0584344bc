"""`precision=`: what "auto" resolves to, per model, without touching Keras' global policy."""

from __future__ import annotations

import keras
import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels import precision as kgp
from keras_genmodels.models import defaults

NATIVE = kgp.ENVIRONMENT_VARIABLE


def _hidden_dtypes(network: keras.Model) -> set[str]:
    return {layer.compute_dtype for layer in network.layers[:-1] if layer.weights}


def test_detection_reads_gpu_capabilities_first_then_cpu_flags():
    assert kgp.detect_native_bfloat16([], {"avx2", "avx512_bf16"})
    assert kgp.detect_native_bfloat16([], {"amx_bf16", "amx_tile"})
    assert not kgp.detect_native_bfloat16([], {"avx2", "avx512f", "avx512_vnni"})
    # TensorFlow trains on the GPUs when there are any: their capability decides
    assert kgp.detect_native_bfloat16([(8, 0), (9, 0)], set())
    assert not kgp.detect_native_bfloat16([(7, 5)], {"amx_bf16"})
    assert not kgp.detect_native_bfloat16([(8, 6), (7, 0)], set())


def test_cpu_flags_parse_proc_cpuinfo(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\n"
                       "processor\t: 1\nflags\t\t: fpu avx2 avx512_bf16\n")
    assert kgp.cpu_flags(cpuinfo) == {"fpu", "avx2", "avx512_bf16"}
    assert kgp.cpu_flags(tmp_path / "missing") == set()
    cpuinfo.write_text("processor\t: 0\nmodel name\t: AMD EPYC 9B14\nflags\t\t: fpu\n")
    assert kgp.cpu_name(cpuinfo) == "AMD EPYC 9B14"
    assert kgp.cpu_name(tmp_path / "missing")  # platform's name where there is no file


def test_the_environment_variable_overrides_the_detection(monkeypatch):
    monkeypatch.setenv(NATIVE, "1")
    assert kgp.native_bfloat16()
    assert kgp.resolve_precision("auto") == "mixed_bfloat16"
    # a family whose bfloat16 quality is not measured stays float32
    assert kgp.resolve_precision("auto", bfloat16_measured=False) == "float32"
    monkeypatch.setenv(NATIVE, "0")
    assert not kgp.native_bfloat16()
    assert kgp.resolve_precision("auto") == "float32"
    monkeypatch.setenv(NATIVE, "yes")
    with pytest.raises(ValueError, match=f"{NATIVE} must be '0' or '1'; got 'yes'"):
        kgp.native_bfloat16()


def test_auto_follows_a_mixed_global_policy(monkeypatch):
    monkeypatch.setenv(NATIVE, "0")
    with kgp.policy_scope("mixed_float16"):
        assert kgp.resolve_precision("auto") == "mixed_float16"
        assert kg.VAE(2).precision == "mixed_float16"
        # an explicit precision wins over the global policy
        assert kgp.resolve_precision("float32") == "float32"
    assert keras.config.dtype_policy().name == "float32"


def test_policy_scope_restores_the_policy_even_after_an_error():
    with pytest.raises(RuntimeError), kgp.policy_scope("mixed_bfloat16"):
        assert keras.layers.Dense(2).compute_dtype == "bfloat16"
        raise RuntimeError
    assert keras.config.dtype_policy().name == "float32"


def test_bad_precision_is_refused_at_the_boundary():
    with pytest.raises(ValueError, match="`precision` must be one of 'auto', 'float32'.*"
                                         "got 'bfloat16'"):
        kg.GAN(4, precision="bfloat16")
    with pytest.raises(ValueError, match="`dtype` 'float64' does not fit `precision`"):
        kg.VAE(2, dtype="float64")
    with pytest.raises(ValueError, match="`dtype` 'mixed_float16' does not fit"):
        kg.VAE(2, dtype="mixed_float16", precision="float32")


def test_models_of_two_precisions_share_a_process(mnist):
    (x_train, _), _ = mnist
    x = x_train[:64]
    mixed = kg.VAE(4, precision="mixed_bfloat16", seed=0, data_shape=(28, 28, 1))
    plain = kg.VAE(4, precision="float32", seed=0, data_shape=(28, 28, 1))
    assert keras.config.dtype_policy().name == "float32"  # never changed
    assert _hidden_dtypes(mixed.encoder) == {"bfloat16"}
    assert _hidden_dtypes(plain.encoder) == {"float32"}
    for model in (mixed, plain):
        # the distribution parameters, the weights and what the user gets stay float32
        assert model.encoder.outputs[0].dtype == model.decoder.outputs[0].dtype == "float32"
        assert {w.dtype for w in model.weights} == {"float32"}
        model.compile()
        logs = model.fit(x, epochs=1, batch_size=32, verbose=0).history
        assert np.isfinite(logs["loss"]).all()
        assert model.sample(2, seed=0).dtype == np.float32
    # the same weights in both precisions give nearly, not exactly, the same output
    plain.set_weights(mixed.get_weights())
    a, b = mixed.reconstruct(x[:8]), plain.reconstruct(x[:8])
    assert 0 < np.max(np.abs(a - b)) < 0.1


def test_the_config_keeps_auto_and_a_loaded_model_resolves_it_again(tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "NATIVE_BFLOAT16_FAMILIES", frozenset({"VAE"}))
    monkeypatch.setenv(NATIVE, "1")
    vae = kg.VAE(2, seed=0, data_shape=(28, 28, 1))
    assert vae.precision == "mixed_bfloat16"
    # a family is measured on its own: ConditionalVAE is not VAE, a user's subclass is
    assert kg.ConditionalVAE(2, num_classes=3).precision == "float32"
    assert kg.GAN(2).precision == "float32"  # not measured: "auto" stays float32

    class MyVAE(kg.VAE):
        pass

    assert MyVAE(2).precision == "mixed_bfloat16"
    config = vae.get_config()
    assert config["precision"] == "auto" and "dtype" not in config
    vae.compile()
    vae.fit(np.random.default_rng(0).uniform(size=(32, 28, 28, 1)).astype("float32"),
            epochs=1, verbose=0)
    vae.save(tmp_path / "vae.keras")
    monkeypatch.setenv(NATIVE, "0")  # loaded on a machine without bfloat16 units
    restored = keras.models.load_model(tmp_path / "vae.keras")
    # its own networks are made again in float32, with the saved weights
    assert restored.precision == "float32" and restored.get_config()["precision"] == "auto"
    assert _hidden_dtypes(vae.encoder) == {"bfloat16"}
    assert _hidden_dtypes(restored.encoder) == {"float32"}
    for a, b in zip(vae.get_weights(), restored.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    monkeypatch.setenv(NATIVE, "1")  # and back where bfloat16 is native
    again = keras.models.load_model(tmp_path / "vae.keras")
    assert again.precision == "mixed_bfloat16"
    np.testing.assert_array_equal(again.sample(4, seed=0), vae.sample(4, seed=0))
    pinned = kg.VAE(2, precision="mixed_bfloat16", data_shape=(4,))
    assert kg.VAE.from_config(pinned.get_config()).precision == "mixed_bfloat16"


def test_auto_keeps_vectors_in_float32(monkeypatch):
    # bfloat16 was measured on images; on the 2-D mixtures its resolution near the ring's
    # radius (~0.008) is close to the modes' spread (0.02)
    monkeypatch.setenv(NATIVE, "1")
    assert kg.VAE(2, data_shape=(2,)).precision == "float32"
    assert kg.GAN(2, data_shape=(28, 28, 1)).precision == "mixed_bfloat16"
    # not known at construction: "auto" settles when the data is seen
    gan = kg.GAN(2, seed=0)
    assert gan.precision == "mixed_bfloat16"
    gan.compile()
    gan.fit(np.random.default_rng(0).normal(size=(64, 2)).astype("float32"), epochs=1,
            verbose=0)
    assert gan.precision == "float32" and _hidden_dtypes(gan.generator) == {"float32"}
    assert kg.GAN(2, precision="mixed_bfloat16", data_shape=(2,)).precision == "mixed_bfloat16"


def test_networks_the_user_passed_keep_their_policy_and_so_does_the_model(
        tmp_path, monkeypatch):
    monkeypatch.setattr(defaults, "NATIVE_BFLOAT16_FAMILIES", frozenset({"VAE"}))
    monkeypatch.setenv(NATIVE, "1")
    with kgp.policy_scope("mixed_bfloat16"):
        encoder = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                                    keras.layers.Dense(8), keras.layers.Dense(4, dtype="float32")])
        decoder = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8),
                                    keras.layers.Dense(784, dtype="float32"),
                                    keras.layers.Reshape((28, 28, 1), dtype="float32")])
    vae = kg.VAE(2, encoder=encoder, decoder=decoder, data_shape=(28, 28, 1))
    assert vae.precision == "mixed_bfloat16" and vae.get_config()["built_networks"] == []
    vae.save(tmp_path / "given.keras")
    monkeypatch.setenv(NATIVE, "0")
    restored = keras.models.load_model(tmp_path / "given.keras")
    assert restored.precision == "mixed_bfloat16"
    assert _hidden_dtypes(restored.encoder) == {"bfloat16"}


def test_a_keras_dtype_argument_and_0_2_configs_are_understood():
    assert kg.VAE(2, dtype="mixed_bfloat16").precision == "mixed_bfloat16"
    assert kg.VAE(2, dtype="float32").precision == "float32"
    # configs written by 0.2 have no `precision`, and the policy they were saved under
    config = kg.VAE(2, data_shape=(4,)).get_config()
    for key in ("precision", "resolved_precision", "built_networks"):
        del config[key]
    for policy in ("float32", "mixed_bfloat16"):
        config["dtype"] = {"module": "keras", "class_name": "DTypePolicy",
                           "config": {"name": policy}, "registered_name": None}
        restored = kg.VAE.from_config(config)
        assert restored.precision == policy and restored.get_config()["precision"] == policy


def test_auto_takes_bfloat16_for_the_measured_families_only(monkeypatch):
    # models.defaults.NATIVE_BFLOAT16_FAMILIES, from benchmarks/precision_quality.py
    monkeypatch.setenv(NATIVE, "1")
    assert kg.VAE(2).precision == kg.GAN(2).precision == "mixed_bfloat16"
    assert kg.ConditionalVAE(2, num_classes=3).precision == "mixed_bfloat16"
    for model in (kg.WGAN(2), kg.WGANGP(2), kg.ConditionalGAN(2, num_classes=3),
                  kg.VAEGAN(2)):
        assert model.precision == "mixed_bfloat16", type(model).__name__
    for model in (kg.StyleGAN(8),):
        assert model.precision == "float32", type(model).__name__
    monkeypatch.setenv(NATIVE, "0")
    assert kg.VAE(2).precision == kg.GAN(2).precision == "float32"
