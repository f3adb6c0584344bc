"""Memory soak: does a long run with every callback leak, and what does IWAE cost?

Two measurements, each in its own fresh subprocess (so neither sees the other's peak):

(a) `soak`: a small `kg.VAE` (tiny conv networks, so that steps are fast) trains on
    MNIST from a repeated `tf.data` pipeline for `--steps` steps (default 10,000) in short
    epochs (`--steps-per-epoch`, default 50), with every callback at a high frequency:
    `SampleGrid`, `ReconstructionGrid`, `LatentTraversal` and `LatentInterpolation` every
    epoch, `EmbeddingProjector` every 10 epochs, and `kg.callbacks.TensorBoard`
    (`--tensorboard keras` for Keras' own, which grows ~0.75 KiB per batch and metric;
    `--callbacks none` drops the picture callbacks). After
    each epoch (after all the other callbacks) the resident set size (`VmRSS` from
    `/proc/self/status`) is recorded. Reported: RSS at step 1000 and at the end, the growth
    between them (criterion < 5%), and the slope of a least-squares line through the
    samples after step 1000 (MiB per 1000 steps). The trained model is saved as `.keras`.
(b) `iwae`: `kg.metrics.importance_weighted_nll(vae, x_test[:2000], num_samples=1000)` on
    that saved model (loaded with `keras.saving.load_model`; a fresh model of the same
    networks when (a) was skipped), reporting the process's peak RSS
    (`getrusage(RUSAGE_SELF).ru_maxrss`, criterion < 4 GB), the RSS before the call and
    the time.

Usage:

    python benchmarks/memory_soak.py        # on the mnist10k digits shipped in the package
    python benchmarks/memory_soak.py --steps 2000 --iwae-samples 100 \\
        --iwae-images 500 --json soak.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def rss_mb() -> float:
    """Current resident set size (VmRSS) in MiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def tiny_vae(data_shape, latent_dim: int, seed: int):
    """A `kg.VAE` with small conv networks (8/16 filters, 32 dense units)."""
    import keras

    import keras_genmodels as kg
    from keras_genmodels.networks import build_conv_decoder, build_conv_encoder

    keras.utils.set_random_seed(seed)
    return kg.VAE(
        latent_dim,
        encoder=build_conv_encoder(data_shape, 2 * latent_dim, filters=(8, 16), dense_units=32),
        decoder=build_conv_decoder(latent_dim, data_shape, filters=(16, 8), dense_units=32),
        likelihood="bernoulli",
        seed=seed,
        data_shape=data_shape,
    )


# -------------------------------------------------------------------------- (a) soak
def soak(args) -> dict:
    import keras
    import numpy as np
    import tensorflow as tf

    import keras_genmodels as kg
    from keras_genmodels.datasets import load_image_dataset

    (x_train, _), (x_test, y_test) = load_image_dataset("mnist", path=args.data)
    vae = tiny_vae(x_train.shape[1:], args.latent_dim, args.seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    dataset = (
        tf.data.Dataset.from_tensor_slices(x_train)
        .shuffle(len(x_train), seed=args.seed)
        .repeat()
        .batch(args.batch_size, drop_remainder=True)
        .prefetch(2)
    )
    log_dir = args.log_dir
    samples = []  # (step, rss MiB, seconds since start)
    start = time.perf_counter()

    class RSSRecorder(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            samples.append(((epoch + 1) * args.steps_per_epoch, rss_mb(),
                            time.perf_counter() - start))

    ours = [
        kg.callbacks.SampleGrid(log_dir, num_samples=64),
        kg.callbacks.ReconstructionGrid(log_dir, x_test[:16]),
        kg.callbacks.LatentTraversal(log_dir, x_ref=x_test[:64]),
        kg.callbacks.LatentInterpolation(log_dir, (x_test[:8], x_test[8:16])),
        kg.callbacks.EmbeddingProjector(
            log_dir, x_test[:1000], labels=y_test[:1000], every_n_epochs=10
        ),
    ]
    tensorboard = {"kg": [kg.callbacks.TensorBoard(log_dir)],
                   "keras": [keras.callbacks.TensorBoard(log_dir)],
                   "none": []}[args.tensorboard]
    callbacks = (ours if args.callbacks == "all" else []) + tensorboard + [RSSRecorder()]
    epochs = max(1, args.steps // args.steps_per_epoch)
    rss_start = rss_mb()
    vae.fit(dataset, epochs=epochs, steps_per_epoch=args.steps_per_epoch, verbose=0,
            callbacks=callbacks)
    seconds = time.perf_counter() - start

    steps = np.array([s for s, _, _ in samples], dtype=float)
    rss = np.array([r for _, r, _ in samples])
    ref_index = int(np.argmin(np.abs(steps - args.reference_step)))
    after = steps >= steps[ref_index]
    slope = float(np.polyfit(steps[after], rss[after], 1)[0] * 1000) if after.sum() > 1 else 0.0
    # Single samples swing by +-10 MiB (the callbacks' buffers come and go), so also compare
    # the median RSS of the 1000 steps after the reference with that of the last 1000.
    first_window = rss[(steps >= steps[ref_index]) & (steps < steps[ref_index] + 1000)]
    last_window = rss[steps > steps[-1] - 1000]
    vae.save(args.model_path)
    log_bytes = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(log_dir)
                    for f in fs)
    return {
        "steps": int(steps[-1]),
        "epochs": epochs,
        "steps_per_epoch": args.steps_per_epoch,
        "seconds": seconds,
        "ms_per_step_incl_callbacks": 1000 * seconds / steps[-1],
        "rss_before_fit_mb": rss_start,
        "reference_step": int(steps[ref_index]),
        "rss_at_reference_mb": float(rss[ref_index]),
        "rss_end_mb": float(rss[-1]),
        "rss_max_after_reference_mb": float(rss[after].max()),
        "growth_percent": float(100 * (rss[-1] / rss[ref_index] - 1)),
        "window_median_first_mb": float(np.median(first_window)),
        "window_median_last_mb": float(np.median(last_window)),
        "window_growth_percent": float(
            100 * (np.median(last_window) / np.median(first_window) - 1)),
        "callbacks": args.callbacks,
        "tensorboard": args.tensorboard,
        "slope_mb_per_1000_steps": slope,
        "peak_rss_mb": peak_rss_mb(),
        "log_dir_bytes": log_bytes,
        "final_logs": {k: float(v[-1]) for k, v in vae.history.history.items()},
        "trace": [{"step": int(s), "rss_mb": float(r), "t": float(t)} for s, r, t in samples],
    }


# -------------------------------------------------------------------------- (b) IWAE
def iwae(args) -> dict:
    import keras

    import keras_genmodels as kg
    from keras_genmodels.datasets import load_image_dataset

    (x_train, _), (x_test, _) = load_image_dataset("mnist", path=args.data)
    x = x_test[: args.iwae_images]
    if os.path.exists(args.model_path):
        vae, source = keras.saving.load_model(args.model_path), "soak model (.keras)"
    else:
        vae, source = tiny_vae(x_train.shape[1:], args.latent_dim, args.seed), "untrained"
        vae.compile()
        vae.fit(x_train[:256], epochs=1, batch_size=64, verbose=0)  # builds it
    del x_train
    rss_before = rss_mb()
    peak_before = peak_rss_mb()
    start = time.perf_counter()
    result = kg.metrics.importance_weighted_nll(vae, x, num_samples=args.iwae_samples,
                                                seed=args.seed)
    seconds = time.perf_counter() - start
    return {
        "model": source,
        "images": len(x),
        "num_samples": args.iwae_samples,
        "nll": result["nll"],
        "bits_per_dim": result["bits_per_dim"],
        "seconds": seconds,
        "rss_before_mb": rss_before,
        "peak_rss_before_call_mb": peak_before,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_mb": rss_mb(),
    }


# -------------------------------------------------------------------------- parent
def run_child(mode: str, argv: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="kg_soak_") as tmp:
        out = os.path.join(tmp, "result.json")
        command = [sys.executable, os.path.abspath(__file__), *argv, "--child", mode,
                   "--child-out", out]
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(out):
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
            raise RuntimeError(f"{mode} subprocess failed ({proc.returncode})")
        with open(out) as f:
            return json.load(f)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=None,
        help="MNIST-layout .npz (x_train, y_train, x_test, y_test); default: the mnist10k "
        "digits shipped in the package.",
    )
    parser.add_argument("--steps", type=int, default=10_000, help="soak training steps (0 skips)")
    parser.add_argument("--steps-per-epoch", type=int, default=50)
    parser.add_argument("--reference-step", type=int, default=1000,
                        help="growth is measured from the RSS at this step")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--latent-dim", type=int, default=8)
    parser.add_argument("--iwae-samples", type=int, default=1000, help="K (0 skips the IWAE)")
    parser.add_argument("--iwae-images", type=int, default=2000)
    parser.add_argument("--log-dir", default=None, help="default: a temporary folder")
    parser.add_argument("--callbacks", choices=["all", "none"], default="all",
                        help="the package's five picture callbacks during the soak, or none")
    parser.add_argument("--tensorboard", choices=["kg", "keras", "none"], default="kg",
                        help="scalar logging during the soak: kg.callbacks.TensorBoard "
                        "(default), keras.callbacks.TensorBoard, or none")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--child", choices=["soak", "iwae"], default=None,
                        help=argparse.SUPPRESS)
    parser.add_argument("--child-out", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--model-path", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.data is None:
        from keras_genmodels.datasets import packaged_path

        args.data = str(packaged_path("mnist10k"))

    if args.child:
        result = soak(args) if args.child == "soak" else iwae(args)
        with open(args.child_out, "w") as f:
            json.dump(result, f)
        return result

    work = tempfile.mkdtemp(prefix="kg_memory_soak_")
    log_dir = args.log_dir or os.path.join(work, "logs")
    model_path = os.path.join(work, "soak_vae.keras")
    child_argv = [
        "--data", args.data, "--steps", str(args.steps),
        "--steps-per-epoch", str(args.steps_per_epoch),
        "--reference-step", str(args.reference_step), "--batch-size", str(args.batch_size),
        "--latent-dim", str(args.latent_dim), "--iwae-samples", str(args.iwae_samples),
        "--iwae-images", str(args.iwae_images), "--log-dir", log_dir,
        "--seed", str(args.seed), "--model-path", model_path,
        "--callbacks", args.callbacks, "--tensorboard", args.tensorboard,
    ]
    report = {
        "config": {k: v for k, v in vars(args).items()
                   if k not in ("json", "child", "child_out", "model_path")},
        "environment": {"python": sys.version.split()[0], "machine": platform.platform(),
                        "cpus": os.cpu_count()},
    }
    try:
        if args.steps:
            print(f"[memory_soak] soak: {args.steps} steps ...", flush=True)
            report["soak"] = s = run_child("soak", child_argv)
            print(
                f"soak (picture callbacks: {s['callbacks']}, TensorBoard: {s['tensorboard']}):"
                f" {s['steps']} steps ({s['epochs']} epochs "
                f"x {s['steps_per_epoch']}) in "
                f"{s['seconds']:.0f} s ({s['ms_per_step_incl_callbacks']:.1f} ms/step with "
                f"callbacks); RSS at step {s['reference_step']}: "
                f"{s['rss_at_reference_mb']:.0f} MiB, at the end: {s['rss_end_mb']:.0f} MiB "
                f"-> growth {s['growth_percent']:+.2f}% (criterion < 5%); median of the "
                f"1000 steps after it {s['window_median_first_mb']:.0f} MiB, of the last "
                f"1000 {s['window_median_last_mb']:.0f} MiB -> growth "
                f"{s['window_growth_percent']:+.2f}%; slope after step "
                f"{s['reference_step']}: {s['slope_mb_per_1000_steps']:+.2f} MiB / 1000 steps; "
                f"max after it {s['rss_max_after_reference_mb']:.0f} MiB; TensorBoard logs "
                f"{s['log_dir_bytes'] / 2**20:.1f} MiB"
            )
        if args.iwae_samples:
            print(f"[memory_soak] iwae: K={args.iwae_samples} on {args.iwae_images} images ...",
                  flush=True)
            report["iwae"] = r = run_child("iwae", child_argv)
            print(
                f"iwae: K={r['num_samples']} x {r['images']} images ({r['model']}) in "
                f"{r['seconds']:.0f} s; NLL {r['nll']:.2f} nats; peak RSS "
                f"{r['peak_rss_mb']:.0f} MiB (criterion < 4096 MiB; RSS before the call "
                f"{r['rss_before_mb']:.0f} MiB)"
            )
    finally:
        if args.log_dir is None:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
