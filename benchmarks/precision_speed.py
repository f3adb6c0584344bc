"""Training speed by precision: the package's models against the keras.io twins.

Five contenders per family, every one on the same networks' architecture (the package's
default DCGAN / conv VAE builders, built inside `kg.precision.policy_scope(p)`), the same
initial weights, batch and optimizer:

- `ours default`: the package's model with `precision="auto"` (what a user gets);
- `ours float32`, `ours bf16`: the same with `precision="float32"` / `"mixed_bfloat16"`;
- `plain float32`: the keras.io twin (`vae_speed.PlainVAE`, `gan_speed.PlainGAN`,
  `gan_speed.PlainWGAN`) at its defaults;
- `plain bf16`: the twin with its networks built under `mixed_bfloat16`, what a user gets
  from `keras.mixed_precision.set_global_policy("mixed_bfloat16")`.

Timing: single `train_step`s on one fixed batch, each compiled with `tf.function`, the
contenders called round-robin with the order rotated every round (so the machine's load
falls on all alike), `--reps` rounds after two warm-up calls each. Reported: the median
milliseconds per step of each, and ratios to `plain float32` and of `ours bf16` to
`plain bf16` as medians over rounds of the per-round ratio (> 1: faster than it).

Usage:

    python benchmarks/precision_speed.py --families vae,gan,wgan_gp --reps 30 --json out.json
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

import keras_genmodels as kg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gan_speed  # noqa: E402
import vae_speed  # noqa: E402

from keras_genmodels.networks import build_conv_decoder, build_conv_encoder  # noqa: E402

CONTENDERS = ("ours default", "ours float32", "ours bf16", "plain float32", "plain bf16")
POLICY = {"ours default": "auto", "ours float32": "float32", "ours bf16": "mixed_bfloat16",
          "plain float32": "float32", "plain bf16": "mixed_bfloat16"}


def resolved(family_class, precision: str) -> str:
    """The policy a contender's networks are built in ("auto" as the model resolves it)."""
    return kg.precision.resolve_precision(precision, family_class.bfloat16_measured())


def vae_contender(name: str, shape, latent_dim: int, seed: int) -> keras.Model:
    policy = resolved(kg.VAE, POLICY[name])
    keras.utils.set_random_seed(seed)
    with kg.precision.policy_scope(policy):
        encoder = build_conv_encoder(shape, 2 * latent_dim)
        decoder = build_conv_decoder(latent_dim, shape)
    if name.startswith("ours"):
        model = kg.VAE(latent_dim, encoder=encoder, decoder=decoder, likelihood="bernoulli",
                       seed=seed, precision=POLICY[name])
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        return model
    with kg.precision.policy_scope(policy):
        plain = vae_speed.PlainVAE(vae_speed.build_plain_encoder(encoder, latent_dim, seed),
                                   decoder)
    plain.compile(optimizer=keras.optimizers.Adam(1e-3))
    return plain


def gan_contender(family: str, name: str, shape, latent_dim: int, seed: int) -> keras.Model:
    family_class = kg.GAN if family == "gan" else kg.WGANGP
    policy = resolved(family_class, POLICY[name])
    with kg.precision.policy_scope(policy):
        generator, discriminator = gan_speed.dcgan_networks(shape, latent_dim, seed)
    if not name.startswith("ours"):
        return gan_speed.build_gan(family, "plain", generator, discriminator, latent_dim,
                                   seed, jit=False)
    if family == "gan":
        model = kg.GAN(latent_dim, generator=generator, discriminator=discriminator,
                       seed=seed, precision=POLICY[name])
        model.compile(jit_compile=False)  # its defaults: Adam(2e-4, beta_1=0.5), as the twin
        return model
    model = kg.WGANGP(latent_dim, critic_steps=3, gradient_penalty_weight=10.0,
                      generator=generator, discriminator=discriminator, seed=seed,
                      precision=POLICY[name])
    model.compile(g_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
                  d_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5, beta_2=0.9),
                  jit_compile=False)  # the twin's optimizers
    return model


def paired_rounds(models: dict, batches: dict, reps: int) -> dict[str, list[float]]:
    steps = {name: tf.function(m.train_step) for name, m in models.items()}
    for name, step in steps.items():
        for _ in range(2):
            tf.nest.map_structure(lambda t: t.numpy(), step(batches[name]))
    times = {name: [] for name in steps}
    names = list(steps)
    for i in range(reps):
        for name in names[i % len(names):] + names[:i % len(names)]:
            start = time.perf_counter()
            tf.nest.map_structure(lambda t: t.numpy(), steps[name](batches[name]))
            times[name].append(1000 * (time.perf_counter() - start))
    return times


def summarise(times: dict[str, list[float]]) -> dict:
    def ratio(slow: str, fast: str) -> float:
        return float(np.median(np.array(times[slow]) / np.array(times[fast])))

    return {
        "ms_per_step": {name: float(np.median(t)) for name, t in times.items()},
        "speedup_vs_plain_float32": {name: ratio("plain float32", name) for name in times},
        "ours_bf16_vs_plain_bf16": ratio("plain bf16", "ours bf16"),
        "default_precision": None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", default="vae,gan,wgan_gp")
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    (x_train, _), _ = kg.datasets.load("mnist10k")
    shape = x_train.shape[1:]
    results = {"machine": f"{kg.precision.cpu_name()}, {platform.system()}, bf16 native: "
                          f"{kg.precision.native_bfloat16()}", "reps": args.reps,
               "families": {}}
    for family in args.families.split(","):
        if family == "vae":
            batch = x_train[:128]
            models = {n: vae_contender(n, shape, 16, args.seed) for n in CONTENDERS}
            batches = {n: tf.constant(batch) for n in CONTENDERS}
            default = resolved(kg.VAE, "auto")
        else:
            batch = x_train[:64]
            models = {n: gan_contender(family, n, shape, 128, args.seed) for n in CONTENDERS}
            # the twins take the tanh range up front
            batches = {n: tf.constant(batch if n.startswith("ours") else batch * 2.0 - 1.0)
                       for n in CONTENDERS}
            default = resolved(kg.GAN if family == "gan" else kg.WGANGP, "auto")
        summary = summarise(paired_rounds(models, batches, args.reps))
        summary["default_precision"] = default
        results["families"][family] = summary
        print(family, json.dumps(summary, indent=1), flush=True)
        keras.backend.clear_session(free_memory=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
