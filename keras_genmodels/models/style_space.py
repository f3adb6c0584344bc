"""W space and sampling of `StyleGAN`: padding and cropping to the networks' size, the
mapping and synthesis passes, style mixing, truncation and the public sampling methods.

A mixin of `keras_genmodels.models.stylegan.StyleGAN` (one concern per module); see that
module for the mathematics.

Example:

```python
w = stylegan.sample_w(4, seed=0, truncation=0.7)    # (4, w_dim) latents w = f(z)
images = stylegan.synthesize(w)                      # (4, H, W, C) in [0, 1]
```
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from keras_genmodels.models.random_streams import Stream
from keras_genmodels.networks import stylegan as sgn
from keras_genmodels.validation import as_numpy


class StyleSpace:
    """Mixin of `StyleGAN`: its generator's passes and the public W-space methods."""

    @property
    def num_ws(self) -> int:
        """How many per-layer styles the synthesis network takes."""
        self.require_built("num_ws")
        return sgn.num_styles(self.resolution)

    @property
    def code_dim(self) -> int:
        """Size of the codes of `sample_latent`/`generate`: `w_dim` in W, else
        `latent_dim`."""
        return self.w_dim if self.latent_space == "w" else self.latent_dim

    # ----------------------------------------------------------------- image sizes
    def pad(self, x: tf.Tensor) -> tf.Tensor:
        """Pads internal-range images to `resolution` with -1 (black) in the middle."""
        before, after = self._margins()
        if before == after == 0:
            return x
        return tf.pad(x, [[0, 0], [before, after], [before, after], [0, 0]],
                      constant_values=-1.0)

    def crop(self, x: tf.Tensor) -> tf.Tensor:
        """Crops `resolution`-sized images to the data's size (the middle)."""
        before, _ = self._margins()
        size = self.data_shape[0]
        return x if size == self.resolution else x[:, before : before + size,
                                                   before : before + size]

    def _margins(self) -> tuple[int, int]:
        total = self.resolution - self.data_shape[0]
        return total // 2, total - total // 2

    # ------------------------------------------------------------- the generator
    def map_latent(self, z: tf.Tensor, training: bool = False, ema: bool = False) -> tf.Tensor:
        network = self.ema_mapping_network if ema and self.ema_mapping_network is not None \
            else self.mapping_network
        return tf.cast(network(z, training=training), tf.float32)

    def broadcast_styles(self, w: tf.Tensor) -> tf.Tensor:
        """`(n, w_dim)` to `(n, num_ws, w_dim)`; per-layer styles pass unchanged."""
        if len(w.shape) == 3:
            return w
        return tf.tile(w[:, None, :], [1, self.num_ws, 1])

    def synthesis_noise(self, batch_size: Any, stream: Stream, index: int = 0) -> tf.Tensor:
        size = sgn.noise_size(self.resolution)
        return self.replica_noise(lambda n, seed: tf.random.stateless_normal([n, size], seed),
                                  batch_size, stream, index)

    def constant_noise(self, batch_size: Any) -> tf.Tensor:
        """The fixed noise of `generate`: the same maps for every example and call."""
        seed = tf.constant([self.seed, int(Stream.CONSTANT_SYNTHESIS_NOISE)], tf.int32)
        noise = tf.random.stateless_normal([1, sgn.noise_size(self.resolution)], seed)
        return tf.tile(noise, [batch_size, 1])

    def synthesize_internal(self, ws: tf.Tensor, noise: tf.Tensor, training: bool = False,
                            ema: bool = False) -> tf.Tensor:
        network = self.ema_synthesis_network if ema and self.ema_synthesis_network \
            is not None else self.synthesis_network
        return tf.cast(network([self.broadcast_styles(ws), noise], training=training),
                       tf.float32)

    def graph_function(self, name: str, function: Any) -> Any:
        """`function` compiled once per model with `tf.function` (shapes may vary): the
        public sampling paths run as graphs, not op by op."""
        cache = self.__dict__.get("_graph_functions")
        if cache is None:
            cache = {}
            object.__setattr__(self, "_graph_functions", cache)  # not a tracked attribute
        if name not in cache:
            cache[name] = tf.function(function, reduce_retracing=True)
        return cache[name]

    def mixed_styles(self, batch_size: Any, stream: Stream, index: int) -> tf.Tensor:
        """Styles `(n, num_ws, w_dim)` of new codes, style-mixed with probability
        `style_mixing_prob` (one crossover per batch, as the official code)."""
        z = self.prior_sample(batch_size, stream)
        if self.style_mixing_prob == 0.0:
            return self.broadcast_styles(self.map_latent(z, training=True))
        z_2 = self.prior_sample(batch_size, Stream.STYLE_MIXING_LATENT, index)
        w_1, w_2 = tf.split(self.map_latent(tf.concat([z, z_2], 0), training=True), 2)
        u = tf.random.stateless_uniform([2], self.noise_seed(Stream.STYLE_MIXING_CUTOFF, index))
        crossover = 1 + tf.cast(u[1] * (self.num_ws - 1), tf.int32)
        crossover = tf.where(u[0] < self.style_mixing_prob, crossover, self.num_ws)
        first = (tf.range(self.num_ws) < crossover)[None, :, None]
        return tf.where(first, w_1[:, None, :], w_2[:, None, :])

    # ------------------------------------------------------------ public sampling
    def truncate(self, w: Any, psi: float) -> tf.Tensor:
        """`w_avg + psi * (w - w_avg)`: psi 1 leaves `w`, 0 gives `w_avg`."""
        w = tf.convert_to_tensor(as_numpy(w), tf.float32)
        if psi == 1.0:
            return w
        w_avg = tf.convert_to_tensor(self.w_avg)
        return w_avg + float(psi) * (w - w_avg)

    def mapping(self, z: Any, truncation: float | None = None,
                batch_size: int = 256) -> np.ndarray:
        """Maps codes `z` `(n, latent_dim)` to `w` `(n, w_dim)` with the (EMA) mapping
        network, truncated towards `w_avg` by `truncation` (psi; `None` or 1: none).

        Example:

        ```python
        w = stylegan.mapping(np.random.normal(size=(4, stylegan.latent_dim)), 0.7)
        images = stylegan.synthesize(w)
        ```
        """
        self.require_built("mapping")
        z = tf.convert_to_tensor(as_numpy(z), tf.float32)
        map_latent = self.graph_function("mapping", lambda z: self.map_latent(z, ema=True))
        out = [self.truncate(map_latent(z[i : i + batch_size]),
                             1.0 if truncation is None else truncation)
               for i in range(0, int(z.shape[0]), batch_size)]
        return np.concatenate([o.numpy() for o in out]) if out else np.zeros(
            (0, self.w_dim), np.float32)

    def synthesize(self, w: Any, batch_size: int = 256,
                   noise_seed: int | None = None) -> np.ndarray:
        """Images in [0, 1] `(n, H, W, C)` from `w`: one style `(n, w_dim)` for every layer,
        or per-layer styles `(n, num_ws, w_dim)` (style mixing).

        Args:
            w: the styles.
            batch_size: images per batch.
            noise_seed: `None` (the default) for the fixed noise maps, the same for every
                image and call (the latent tools compare images of one noise); an int for
                noise maps drawn per image from that seed, as the official metrics and
                `sample` do.
        """
        self.require_built("synthesize")
        w = tf.convert_to_tensor(as_numpy(w), tf.float32)
        n = int(w.shape[0])
        if noise_seed is None:
            noise = self.constant_noise(n)
        else:
            seed = tf.constant([int(noise_seed), int(Stream.SAMPLE_SYNTHESIS_NOISE)], tf.int32)
            noise = tf.random.stateless_normal([n, sgn.noise_size(self.resolution)], seed)
        # one function per rank of `w` (one style, or one per layer): retracing for a new
        # batch size keeps the rank known
        synthesize = self.graph_function(
            f"synthesis_{w.shape.rank}",
            lambda ws, noise: self.to_public(self.crop(self.synthesize_internal(ws, noise,
                                                                                ema=True))))
        outputs = []
        for start in range(0, n, batch_size):
            images = synthesize(w[start : start + batch_size], noise[start : start + batch_size])
            outputs.append(np.asarray(images))
        return np.concatenate(outputs)

    def sample_w(self, n: int, seed: int | None = None, truncation: float | None = None
                 ) -> np.ndarray:
        """`n` latents `w = f(z)` of prior codes (`seed` as `sample_latent`), truncated
        by `truncation` (default: none)."""
        z = self.sample_z(n, seed)
        return self.mapping(z, truncation)

    def sample_latent(self, n: int, seed: int | None = None) -> tf.Tensor:
        """Codes for `generate`: `w` (untruncated) when `latent_space == "w"`, else `z`."""
        if self.latent_space == "z":
            return super().sample_latent(n, seed)
        return tf.constant(self.sample_w(n, seed))

    def generate(self, z: tf.Tensor, labels: Any = None) -> tf.Tensor:
        codes = tf.convert_to_tensor(z, tf.float32)
        w = codes if self.latent_space == "w" else self.graph_function(
            "mapping", lambda z: self.map_latent(z, ema=True))(codes)
        return tf.constant(self.synthesize(w))

    def sample(self, n: int, seed: int | None = None, labels: Any = None,
               batch_size: int = 256, truncation: float | None = None) -> np.ndarray:
        """Generates `n` images in [0, 1] with the EMA generator, each with its own codes
        and noise maps (as the official metrics draw them; `generate(sample_latent(n,
        seed))` gives the same codes with the fixed noise of the latent tools).

        Args:
            n: number of images.
            seed: integer seed of the codes and the noise; the same seed gives the same
                images.
            labels: ignored (StyleGAN is unconditional).
            batch_size: images per batch.
            truncation: psi in the truncation trick; `None` for `truncation_psi`.
        """
        self.require_built("sample")
        if seed is None:
            seed = int(np.random.randint(0, 2**31 - 1))
        psi = self.truncation_psi if truncation is None else float(truncation)
        w = self.mapping(self.sample_z(n, seed), psi, batch_size)
        return self.synthesize(w, batch_size, noise_seed=seed)

    def latent_origin(self) -> np.ndarray:
        """Where the latent tools start (`LatentTraversal`, `LatentExplorer`'s reset):
        the average `w` in W space, the prior's mode (zeros) in Z."""
        if self.latent_space == "w":
            return self.w_avg.numpy()
        return np.zeros(self.latent_dim, np.float32)

    def sample_z(self, n: int, seed: int | None = None) -> tf.Tensor:
        """`n` codes `z` from the prior (the same `seed` gives the same codes)."""
        return super().sample_latent(n, seed)
