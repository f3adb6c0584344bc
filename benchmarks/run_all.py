"""Speed, peak memory and FLOP/s of our VAE, DCGAN and WGAN-GP against plain Keras twins.

One run times three pairs, each pair with identical networks, initial weights, data, batch
size, optimizers and `jit_compile` (the twins and builders of `vae_speed.py` and
`gan_speed.py`, whose docstrings list every difference from the keras.io code):

- `vae`: `kg.VAE(16, likelihood="bernoulli")` against the keras.io VAE;
- `dcgan`: `kg.GAN(128)` against the keras.io DCGAN (`dcgan_overriding_train_step.py`);
- `wgan_gp`: `kg.WGANGP(128, critic_steps=3)` against the keras.io WGAN-GP.

Every (model, implementation) runs in its own fresh Python subprocess, so that its peak
memory is its own: the process's peak resident set (`getrusage(RUSAGE_SELF).ru_maxrss`,
which includes TensorFlow itself; the RSS right after building is reported too) and, on
a GPU, the allocator's peak (`tf.config.experimental.get_memory_info("GPU:0")["peak"]`).
In the subprocess: one untimed `fit` epoch (tracing), then `--epochs - 1` timed epochs
(samples/second = real images consumed per second, `on_epoch_begin` to `on_epoch_end`).
The memory numbers are read before anything else is done; then the FLOPs of one train
step are counted by TensorFlow's profiler on the graph of `tf.function(model.train_step)`
traced for one full batch. The smaller count of a pair is taken as the work of both (a
traced graph may hold gradient ops nobody reads, which Grappler prunes before running
but the profiler counts: the plain WGAN-GP's graph counts ~45% more for that reason),
and achieved FLOP/s = work per image x images per second.
On a GPU this is compared with the device's peak from a small table (dense tensor-core
rates; fp16/bf16 under mixed precision, else TF32 when TensorFloat-32 is enabled, as it
is by default, else fp32), matched on `get_device_details(gpu)["device_name"]`.

The pairs run one after the other (ours first, then plain; with `--repeats 2` or more
the order alternates and the medians are reported), so on a shared machine a burst of
load can fall on one side only: repeat, or use more epochs, before trusting a ratio
within +-10%. Criterion for memory: ours / plain peak RSS <= 1.10.

Under mixed precision the plain twins do not scale their losses (keras.io's code does
not), so with `mixed_float16` their updates are numerically off; their cost is the same.

Usage:

    python benchmarks/run_all.py --train-limit 1024    # the mnist10k digits in the package
    python benchmarks/run_all.py --data path/to/mnist.npz --train-limit 0 --epochs 4 \\
        --mixed-precision mixed_bfloat16 --jit-compile --json run_all.json
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = ("vae", "dcgan", "wgan_gp")
IMPLEMENTATIONS = ("ours", "plain")

# Dense (no sparsity) peak rates in TFLOP/s: (fp16/bf16 tensor core, tf32, fp32).
# Matched in order on the device name, so the more specific names come first.
PEAK_TFLOPS = (
    ("H100 PCIe", (756.0, 378.0, 51.0)),
    ("H100 NVL", (835.0, 418.0, 60.0)),
    ("H100", (989.0, 495.0, 67.0)),  # SXM
    ("H200", (989.0, 495.0, 67.0)),
    ("GH200", (989.0, 495.0, 67.0)),
    ("A100", (312.0, 156.0, 19.5)),
    ("L40S", (362.0, 183.0, 91.6)),
    ("L4", (121.0, 60.0, 30.3)),
    ("A10", (125.0, 62.5, 31.2)),
    ("V100", (125.0, None, 15.7)),
    ("T4", (65.0, None, 8.1)),
)


def parse_jit(value: str):
    return {"auto": "auto", "true": True, "false": False}[value]


def peak_tflops(device_name: str, policy: str, tf32: bool):
    """(peak TFLOP/s, which rate) for the device, or (None, reason)."""
    for key, (half, tf32_rate, fp32) in PEAK_TFLOPS:
        if key.lower() in device_name.lower():
            if policy != "none":
                return half, "fp16/bf16 dense"
            if tf32 and tf32_rate is not None:
                return tf32_rate, "tf32 dense"
            return fp32, "fp32"
    return None, "unknown"


def rss_mb() -> float:
    """Current resident set size (VmRSS) in MiB; NaN where /proc is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_mb() -> float:
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


# -------------------------------------------------------------------- worker process
def count_train_step_flops(model, batch_shape) -> int | None:
    """Float operations of one `train_step` on a batch of `batch_shape` (TF profiler)."""
    import tensorflow as tf

    concrete = tf.function(model.train_step).get_concrete_function(
        tf.TensorSpec(batch_shape, tf.float32)
    )
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(
        graph=concrete.graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op", options=options
    )
    return int(profile.total_float_ops) if profile is not None else None


def worker(args) -> dict:
    """Trains one (family, implementation) and returns its speed, memory and FLOPs."""
    import keras
    import numpy as np
    import tensorflow as tf

    sys.path.insert(0, HERE)
    import gan_speed
    import vae_speed

    from keras_genmodels.datasets import load_image_dataset

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:  # so that the allocator's peak, not a pre-grabbed pool, is what we see
        tf.config.experimental.set_memory_growth(gpu, True)
    if args.mixed_precision != "none":
        keras.mixed_precision.set_global_policy(args.mixed_precision)
    family, implementation = args.worker.split(":")
    (x_train, _), _ = load_image_dataset("mnist", path=args.data)
    if args.train_limit:
        x_train = x_train[: args.train_limit]
    x_train = np.ascontiguousarray(x_train, dtype="float32")
    data_shape = x_train.shape[1:]
    jit = parse_jit(args.jit_compile)
    rss_after_import = rss_mb()

    if family == "vae":
        model = vae_speed.build_vae(implementation, data_shape, args.vae_latent_dim, args.seed)
        model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit)
        data = x_train
    else:
        generator, discriminator = gan_speed.dcgan_networks(
            data_shape, args.gan_latent_dim, args.seed
        )
        model = gan_speed.build_gan(
            "gan" if family == "dcgan" else "wgan_gp",
            implementation,
            generator,
            discriminator,
            latent_dim=args.gan_latent_dim,
            seed=args.seed,
            jit=jit,
            critic_steps=args.critic_steps,
        )
        data = x_train if implementation == "ours" else x_train * 2.0 - 1.0  # plain: tanh range
    rss_after_build = rss_mb()

    timer = vae_speed.EpochTimer()
    fit_kwargs = dict(batch_size=args.batch_size, verbose=0, shuffle=True, callbacks=[timer])
    start = time.perf_counter()
    model.fit(data, epochs=1, **fit_kwargs)
    first_fit_s = time.perf_counter() - start
    model.fit(data, initial_epoch=1, epochs=args.epochs, **fit_kwargs)
    timed = timer.times[1:]
    samples_per_s = len(data) * len(timed) / sum(timed)

    result = {
        "family": family,
        "implementation": implementation,
        "samples_per_s": samples_per_s,
        "epoch_s": timer.times,
        "first_fit_s": first_fit_s,
        "jit_compile_resolved": bool(model.jit_compile),
        "rss_after_import_mb": rss_after_import,
        "rss_after_build_mb": rss_after_build,
        "peak_rss_mb": peak_rss_mb(),  # read before the FLOP count traces another graph
        "gpu_peak_mb": None,
        "final_logs": {k: float(v) for k, v in (timer.last_logs or {}).items()},
    }
    if gpus:
        result["gpu_peak_mb"] = tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
    try:
        flops = count_train_step_flops(model, (args.batch_size, *data_shape))
    except Exception as error:  # the count is a bonus; never lose the timings over it
        flops, result["flops_error"] = None, f"{type(error).__name__}: {error}"
    result["train_step_flops"] = flops
    result["achieved_tflops"] = (
        flops / args.batch_size * samples_per_s / 1e12 if flops else None
    )
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        name = details.get("device_name", "unknown")
        tf32 = tf.config.experimental.is_tensor_float_32_execution_enabled()
        peak, rate = peak_tflops(name, args.mixed_precision, tf32)
        result.update(device_name=name, peak_tflops=peak, peak_rate=rate)
        if peak and result["achieved_tflops"]:
            result["utilization"] = result["achieved_tflops"] / peak
    return result


# -------------------------------------------------------------------- parent process
def run_worker(args, family: str, implementation: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="kg_run_all_") as tmp:
        out = os.path.join(tmp, "result.json")
        command = [
            sys.executable,
            os.path.abspath(__file__),
            "--worker",
            f"{family}:{implementation}",
            "--worker-out",
            out,
            "--data",
            args.data,
            "--batch-size",
            str(args.batch_size),
            "--epochs",
            str(args.epochs),
            "--train-limit",
            str(args.train_limit),
            "--mixed-precision",
            args.mixed_precision,
            "--jit-compile",
            args.jit_compile,
            "--vae-latent-dim",
            str(args.vae_latent_dim),
            "--gan-latent-dim",
            str(args.gan_latent_dim),
            "--critic-steps",
            str(args.critic_steps),
            "--seed",
            str(args.seed),
        ]
        start = time.perf_counter()
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(out):
            sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-8000:])
            raise RuntimeError(f"worker {family}:{implementation} failed ({proc.returncode})")
        with open(out) as f:
            result = json.load(f)
    result["process_s"] = time.perf_counter() - start
    return result


def summarize(runs: list[dict]) -> dict:
    """Medians over repeats of the numbers compared."""
    keys = ("samples_per_s", "peak_rss_mb", "rss_after_build_mb", "rss_after_import_mb",
            "gpu_peak_mb", "achieved_tflops", "utilization")
    summary = dict(runs[-1])
    for key in keys:
        values = [r[key] for r in runs if r.get(key) is not None]
        summary[key] = statistics.median(values) if values else None
    summary["repeats"] = [{k: r.get(k) for k in keys} for r in runs]
    return summary


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(value, spec: str, width: int) -> str:
    return f"{value:{width}{spec}}" if value is not None else f"{'-':>{width}}"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        default=None,
        help="MNIST-layout .npz (x_train, y_train, x_test, y_test); default: the mnist10k "
        "digits shipped in the package.",
    )
    parser.add_argument("--families", nargs="+", choices=FAMILIES, default=list(FAMILIES))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3, help="including the untimed first")
    parser.add_argument("--train-limit", type=int, default=2048, help="images used (0: all)")
    parser.add_argument(
        "--mixed-precision",
        choices=["none", "mixed_float16", "mixed_bfloat16"],
        default="none",
    )
    parser.add_argument(
        "--jit-compile",
        nargs="?",
        const="true",
        choices=["auto", "true", "false"],
        default="auto",
        help="XLA; a bare --jit-compile means true (auto: Keras' default, False on CPU)",
    )
    parser.add_argument("--repeats", type=int, default=1, help="subprocesses per model")
    parser.add_argument("--vae-latent-dim", type=int, default=16)
    parser.add_argument("--gan-latent-dim", type=int, default=128)
    parser.add_argument("--critic-steps", type=int, default=3, help="WGAN-GP critic steps")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", default=None, help="also write the results here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--worker-out", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.data is None:
        from keras_genmodels.datasets import packaged_path

        args.data = str(packaged_path("mnist10k"))
    if args.epochs < 2:
        parser.error("--epochs must be >= 2 (the first epoch is not timed)")

    if args.worker:
        result = worker(args)
        with open(args.worker_out, "w") as f:
            json.dump(result, f)
        return result

    start = time.perf_counter()
    report = {
        "config": {k: v for k, v in vars(args).items() if k not in ("json", "worker",
                                                                      "worker_out")},
        "environment": {"python": sys.version.split()[0], "machine": platform.platform(),
                        "cpus": os.cpu_count()},
        "families": {},
    }
    for family in args.families:
        runs = {name: [] for name in IMPLEMENTATIONS}
        for repeat in range(args.repeats):
            order = IMPLEMENTATIONS if repeat % 2 == 0 else IMPLEMENTATIONS[::-1]
            for implementation in order:
                print(f"[run_all] {family}:{implementation} (repeat {repeat + 1})", flush=True)
                runs[implementation].append(run_worker(args, family, implementation))
        ours, plain = summarize(runs["ours"]), summarize(runs["plain"])
        # Both twins do the same useful work. A traced graph can hold gradient ops whose
        # results nobody reads (the plain WGAN-GP generates its fakes inside the critic's
        # tape), which Grappler prunes before running; the profiler counts them. So the
        # smaller of the two counts is the work, and FLOP/s are computed from it.
        counts = [r["train_step_flops"] for r in (ours, plain) if r.get("train_step_flops")]
        work = min(counts) if counts else None
        for r in (ours, plain):
            r["work_flops"] = work
            r["achieved_tflops"] = (
                work / args.batch_size * r["samples_per_s"] / 1e12 if work else None
            )
            if r.get("peak_tflops") and r["achieved_tflops"]:
                r["utilization"] = r["achieved_tflops"] / r["peak_tflops"]
        report["families"][family] = {
            "ours": ours,
            "plain": plain,
            "speed_ratio": ratio(ours["samples_per_s"], plain["samples_per_s"]),
            "peak_rss_ratio": ratio(ours["peak_rss_mb"], plain["peak_rss_mb"]),
            "rss_above_import_ratio": ratio(
                ours["peak_rss_mb"] - ours["rss_after_import_mb"],
                plain["peak_rss_mb"] - plain["rss_after_import_mb"],
            ),
            "gpu_peak_ratio": ratio(ours["gpu_peak_mb"], plain["gpu_peak_mb"]),
            "memory_criterion_met": ratio(ours["peak_rss_mb"], plain["peak_rss_mb"]) <= 1.10
            and (ours["gpu_peak_mb"] is None
                 or ratio(ours["gpu_peak_mb"], plain["gpu_peak_mb"]) <= 1.10),
        }
    report["wall_s"] = time.perf_counter() - start
    first = next(iter(report["families"].values()))["ours"]
    report["environment"]["device_name"] = first.get("device_name", "CPU")

    print(
        f"\nrun_all: batch={args.batch_size} n_train={args.train_limit or 'all'} "
        f"epochs={args.epochs} (timed {args.epochs - 1}) precision={args.mixed_precision} "
        f"jit_compile={args.jit_compile!r} repeats={args.repeats} "
        f"device={report['environment']['device_name']}"
    )
    header = (
        f"{'family':<8} {'impl':<5} {'jit':>5} {'samples/s':>10} {'peak RSS MB':>11} "
        f"{'RSS-import':>10} {'GPU peak MB':>11} {'GFLOP/step':>10} {'work GF':>8} {'TFLOP/s':>8} "
        f"{'% peak':>7}"
    )
    print(header)
    print("-" * len(header))
    for family, f in report["families"].items():
        for name in IMPLEMENTATIONS:
            r = f[name]
            flops = r["train_step_flops"] / 1e9 if r.get("train_step_flops") else None
            work = r["work_flops"] / 1e9 if r.get("work_flops") else None
            util = 100 * r["utilization"] if r.get("utilization") else None
            print(
                f"{family:<8} {name:<5} {str(r['jit_compile_resolved']):>5} "
                f"{r['samples_per_s']:>10.1f} {r['peak_rss_mb']:>11.0f} "
                f"{r['peak_rss_mb'] - r['rss_after_import_mb']:>10.0f} "
                f"{fmt(r['gpu_peak_mb'], '.0f', 11)} {fmt(flops, '.2f', 10)} {fmt(work, '.2f', 8)} "
                f"{fmt(r.get('achieved_tflops'), '.3f', 8)} {fmt(util, '.1f', 7)}"
            )
    print()
    header = (
        f"{'family':<8} {'speed ours/plain':>16} {'peak RSS ours/plain':>19} "
        f"{'RSS-import ours/plain':>21} {'GPU peak ours/plain':>19} {'mem <= 1.10':>11}"
    )
    print(header)
    print("-" * len(header))
    for family, f in report["families"].items():
        print(
            f"{family:<8} {f['speed_ratio']:>16.3f} {f['peak_rss_ratio']:>19.3f} "
            f"{fmt(f['rss_above_import_ratio'], '.3f', 21)} "
            f"{fmt(f['gpu_peak_ratio'], '.3f', 19)} "
            f"{'yes' if f['memory_criterion_met'] else 'NO':>11}"
        )
    peak = first.get("peak_tflops")
    if first.get("device_name"):
        print(f"device peak: {peak or 'unknown'} TFLOP/s ({first.get('peak_rate')})")
    print(f"wall time: {report['wall_s']:.0f} s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return report


if __name__ == "__main__":
    main()
