"""`Serving`: `model.export(path)`, a SavedModel of what a deployment runs.

Keras' own `Model.export` writes the model's `call` and needs a model that has been
called; a generative model's `call` is not what one deploys (a GAN's scores data with the
discriminator), and `fit` may never call it. `export` writes instead the family's public
graph, as `tf.function`s of fixed signatures:

| family                          | endpoints (`serve` first, also `serving_default`)   |
|---------------------------------|-----------------------------------------------------|
| VAE, ConditionalVAE             | `serve` = `decode`, `encode`, `reconstruct`         |
| VAEGAN                          | `serve` = `decode`, `encode`, `reconstruct`         |
| GAN, ConditionalGAN, WGAN(-GP)  | `serve`                                             |
| StyleGAN                        | `serve`, `mapping`                                  |
| CycleGAN                        | `serve` = `a_to_b`, `b_to_a`                        |

- `serve(z)` / `serve(z, labels)`: `generate` - codes `z` `(n, code_dim)` float32 (for
  StyleGAN in its `latent_space`; labels `(n,)` int32 for conditional models) to data
  `(n, *data_shape)` float32, images in [0, 1];
- `decode(z[, labels])`: the decoder's mean, the same as `serve`;
- `encode(x[, labels])`: the posterior of data `x` `(n, *data_shape)` as a dict of its
  `mean` and `stddev`, each `(n, latent_dim)`;
- `reconstruct(x[, labels])`: what `model.reconstruct` returns;
- `mapping(z)` (StyleGAN): `w` of codes `z` `(n, latent_dim)` (`model.mapping`, no
  truncation), the codes `serve` takes when `latent_space == "w"`;
- `a_to_b(x)`, `b_to_a(x)` (CycleGAN): `model.translate(x, direction)`.

The artifact holds only the variables these use (not a GAN's discriminator, nor the
optimizers) and reloads with `tf.saved_model.load` where keras_genmodels is not
installed.

Example:

```python
vae.export("exported/vae")
served = tf.saved_model.load("exported/vae")     # in any process, TensorFlow only
images = served.serve(tf.random.normal([16, vae.latent_dim]))
posterior = served.encode(x_test[:8])           # {"mean": ..., "stddev": ...}
```
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import keras
import tensorflow as tf

#: The formats `export` writes.
FORMATS = ("tf_saved_model",)

#: An endpoint: the function and the specs of its positional arguments.
Endpoint = tuple[Callable[..., Any], list[tf.TensorSpec]]


class Serving:
    """Mixin of `GenerativeModel`: `export` for serving (see the module docstring)."""

    def export(
        self,
        filepath: Any,
        format: str = "tf_saved_model",
        verbose: bool = True,
        input_signature: Any = None,
        **kwargs: Any,
    ) -> None:
        """Writes a SavedModel whose default endpoint `serve` generates data from codes.

        The endpoints (`encode`, `decode`, `reconstruct`, ... where the family has them)
        are listed in `keras_genmodels.models.serving`; each gives what the model's
        method of that name gives, and the artifact reloads with `tf.saved_model.load`
        in a process that never imports keras_genmodels.

        Example:

        ```python
        gan.export("exported/gan")
        served = tf.saved_model.load("exported/gan")
        images = served.serve(tf.random.normal([16, gan.latent_dim]))   # in [0, 1]
        ```

        Args:
            filepath: `str` or `pathlib.Path`, the folder to write.
            format: `"tf_saved_model"`, the only format written.
            verbose: whether to print the endpoints written.
            input_signature: must be `None`: the signatures follow from the model (codes
                `(None, code_dim)` float32, labels `(None,)` int32, data
                `(None, *data_shape)` float32).
            **kwargs: passed to `keras.export.ExportArchive.add_endpoint`, as
                `keras.Model.export` passes them.
        """
        if format not in FORMATS:
            raise ValueError(
                f"`format={format!r}` is not supported: {type(self).__name__}.export writes "
                f"{', '.join(repr(f) for f in FORMATS)} only.")
        if input_signature is not None:
            raise ValueError(
                f"`input_signature` must be None, got {input_signature!r}: the signatures "
                "of the endpoints follow from the model (codes (None, code_dim) float32, "
                "labels (None,) int32, data (None, *data_shape) float32).")
        self.require_built("export")
        archive = keras.export.ExportArchive()
        for name, (function, signature) in self.serving_endpoints().items():
            archive.add_endpoint(name, function, signature, **kwargs)
        archive.write_out(filepath, verbose=verbose)

    def serving_endpoints(self) -> dict[str, Endpoint]:
        """The endpoints `export` writes, the default one (`serve`) first.

        The package's families take theirs from this module's table (a subclass of one
        inherits them); a family of your own overrides this method.

        Example:

        ```python
        class MyModel(kg.GenerativeModel):
            def serving_endpoints(self):
                return {"serve": on_codes(self, lambda z, labels: self.generate(z),
                                          self.latent_dim)}
        ```

        Returns:
            `{name: (function, input_signature)}`, as `on_codes` and `on_data` make them.
        """
        for cls in type(self).__mro__:
            if cls.__module__.startswith("keras_genmodels.models.") and \
                    cls.__name__ in _FAMILY_ENDPOINTS:
                return _FAMILY_ENDPOINTS[cls.__name__](self)
        raise NotImplementedError(
            f"{type(self).__name__} does not say what to export: override "
            "`serving_endpoints()` to return {name: (function, input_signature)}.")


# ------------------------------------------------------------------- the signatures
def _code_spec(size: int) -> tf.TensorSpec:
    return tf.TensorSpec((None, size), tf.float32, name="z")


def _label_spec() -> tf.TensorSpec:
    return tf.TensorSpec((None,), tf.int32, name="labels")


def _data_spec(model) -> tf.TensorSpec:
    return tf.TensorSpec((None, *model.data_shape), tf.float32, name="x")


def _float32(outputs: Any) -> Any:
    return tf.nest.map_structure(lambda t: tf.cast(t, tf.float32), outputs)


def on_codes(model, function: Callable[..., Any], size: int) -> Endpoint:
    """`function(z, labels)` as an endpoint of codes `z` `(None, size)` float32: taking
    `(z, labels)` (labels `(None,)` int32) for a conditional model, `(z)` for the others
    (`function` then gets `labels=None`); its outputs are cast to float32.

    Example:

    ```python
    def serving_endpoints(self):        # a family of your own
        return {"serve": on_codes(self, lambda z, labels: self.decoder(z), self.latent_dim)}
    ```

    Args:
        model: the `GenerativeModel` (its `conditional` says whether labels are taken).
        function: `(z, labels) -> tensor or dict of tensors`, TensorFlow ops only.
        size: the codes' size.

    Returns:
        `(endpoint, input_signature)`, for `serving_endpoints`.
    """
    if model.conditional:
        def conditional_endpoint(z, labels):
            return _float32(function(z, labels))

        return conditional_endpoint, [_code_spec(size), _label_spec()]

    def endpoint(z):
        return _float32(function(z, None))

    return endpoint, [_code_spec(size)]


def on_data(model, function: Callable[..., Any]) -> Endpoint:
    """`function(x, labels)` as an endpoint of data `x` `(None, *data_shape)` float32, as
    `on_codes` makes one of codes.

    Example:

    ```python
    encode = on_data(model, lambda x, labels: model.encoder(x))
    ```

    Args:
        model: the `GenerativeModel`, built.
        function: `(x, labels) -> tensor or dict of tensors`, TensorFlow ops only.

    Returns:
        `(endpoint, input_signature)`, for `serving_endpoints`.
    """
    if model.conditional:
        def conditional_endpoint(x, labels):
            return _float32(function(x, labels))

        return conditional_endpoint, [_data_spec(model), _label_spec()]

    def endpoint(x):
        return _float32(function(x, None))

    return endpoint, [_data_spec(model)]


def _posterior_moments(posterior) -> dict[str, tf.Tensor]:
    return {"mean": posterior.mean(), "stddev": posterior.stddev()}


# ---------------------------------------------------------------------- the families
def _vae_endpoints(model) -> dict[str, Endpoint]:
    def decode(z, labels):
        return model.likelihood.mean(model.decoder_params(z, labels))

    def encode(x, labels):
        return _posterior_moments(model.posterior(x, labels))

    def reconstruct(x, labels):
        return decode(model.posterior(x, labels).mean(), labels)

    return {"serve": on_codes(model, decode, model.latent_dim),
            "decode": on_codes(model, decode, model.latent_dim),
            "encode": on_data(model, encode), "reconstruct": on_data(model, reconstruct)}


def _vaegan_endpoints(model) -> dict[str, Endpoint]:
    def decode(z, labels):
        return model.to_public(model.decoder_output(z))

    def encode(x, labels):
        return _posterior_moments(model.posterior(model.to_internal(x)))

    def reconstruct(x, labels):
        # `VAEGAN.call`: at each example's cluster when self-conditioned
        return model.call(x, training=False)

    return {"serve": on_codes(model, decode, model.latent_dim),
            "decode": on_codes(model, decode, model.latent_dim),
            "encode": on_data(model, encode), "reconstruct": on_data(model, reconstruct)}


def _gan_endpoints(model) -> dict[str, Endpoint]:
    generator = model.ema_generator if model.ema_generator is not None else model.generator

    def generate(z, labels):
        return model.to_public(generator(model.generator_inputs(z, labels), training=False))

    return {"serve": on_codes(model, generate, model.latent_dim)}


def _style_endpoints(model) -> dict[str, Endpoint]:
    def generate(codes, labels):
        w = codes if model.latent_space == "w" else model.map_latent(codes, ema=True)
        images = model.synthesize_internal(w, model.constant_noise(tf.shape(w)[0]), ema=True)
        return model.to_public(model.crop(images))

    def mapping(z, labels):
        return model.map_latent(z, ema=True)

    return {"serve": on_codes(model, generate, model.code_dim),
            "mapping": on_codes(model, mapping, model.latent_dim)}


def _translation_endpoints(model) -> dict[str, Endpoint]:
    def translation(generator):
        def translate(x, labels):
            return model.to_public(generator(model.to_internal(x), training=False))

        return on_data(model, translate)

    return {"serve": translation(model.generator_ab), "a_to_b": translation(model.generator_ab),
            "b_to_a": translation(model.generator_ba)}


#: The package's families, by class name (the modules of the families import this one).
_FAMILY_ENDPOINTS: dict[str, Callable[[Any], dict[str, Endpoint]]] = {
    "VAE": _vae_endpoints,
    "VAEGAN": _vaegan_endpoints,
    "GAN": _gan_endpoints,
    "StyleGAN": _style_endpoints,
    "CycleGAN": _translation_endpoints,
}
