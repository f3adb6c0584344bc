"""The check to run first on a GPU machine: every family trains there, the guarantees hold,
and how fast ours is against the keras.io twins.

One command, written to finish in under 8 minutes on one GPU; prints a table and writes
JSON (`--json`, default `gpu_check.json`). Without a GPU it says so and exits 0
(`--allow-cpu` runs it on the CPU anyway, with `--quick` as a smoke test).

1. Families: each of VAE, ConditionalVAE, GAN, ConditionalGAN, WGAN, WGANGP, VAEGAN,
   StyleGAN and CycleGAN with its defaults trains `--steps` steps on mnist10k (CycleGAN on
   `shapes_filled_outlined`) under each precision (`float32`, `mixed_bfloat16`,
   `mixed_float16`), with `jit_compile` off and on for VAE, GAN and WGANGP; reported:
   steps/s after the first (traced) call, finite losses, or the error.
2. Guarantees: in a subprocess whose GPU is split into two logical GPUs, one step of a VAE
   and a GAN on `MirroredStrategy` over both against one device (largest weight gap over
   the weight's own update); and a VAE killed with SIGKILL mid-epoch and restarted with
   `keras.callbacks.BackupAndRestore` against an uninterrupted run
   (`tests/scale/resume_worker.py`, exact equality expected).
3. Speed: `benchmarks/precision_speed.py`'s paired steps (ours in each precision against
   the keras.io twins in float32 and bfloat16) for VAE, DCGAN and WGAN-GP, with the
   FLOPs of one step (TensorFlow's profiler on the step's graph) over its time, against
   the device's peak (a table of known GPUs; `--peak-tflops` to give it).

Usage:

    python benchmarks/gpu_check.py                     # on the GPU machine
    python benchmarks/gpu_check.py --allow-cpu --quick # smoke test anywhere
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PRECISIONS = ("float32", "mixed_bfloat16", "mixed_float16")
FAMILIES = ("VAE", "ConditionalVAE", "GAN", "ConditionalGAN", "WGAN", "WGANGP", "VAEGAN",
            "StyleGAN", "CycleGAN")
JIT_FAMILIES = ("VAE", "GAN", "WGANGP")
#: dense peak TFLOP/s by (name fragment, compute dtype); tensor cores for 16-bit types
PEAK_TFLOPS = {
    ("H200", "bfloat16"): 989.0, ("H200", "float16"): 989.0, ("H200", "float32"): 67.0,
    ("H100", "bfloat16"): 989.0, ("H100", "float16"): 989.0, ("H100", "float32"): 67.0,
    ("A100", "bfloat16"): 312.0, ("A100", "float16"): 312.0, ("A100", "float32"): 19.5,
    ("L4", "bfloat16"): 121.0, ("L4", "float16"): 121.0, ("L4", "float32"): 30.3,
}


def gpu_description() -> dict | None:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return None
    details = tf.config.experimental.get_device_details(gpus[0])
    return {"count": len(gpus), "name": details.get("device_name", "GPU"),
            "compute_capability": list(details.get("compute_capability") or ())}


def train_family(family: str, precision: str, jit: bool, steps: int) -> dict:
    """One short run of `family`'s defaults; steps/s after the first call."""
    import keras
    import numpy as np

    import keras_genmodels as kg

    keras.utils.set_random_seed(0)
    result = {"family": family, "precision": precision, "jit_compile": jit}
    try:
        if family == "CycleGAN":
            (a, b), _ = kg.datasets.load("shapes_filled_outlined")
            model = kg.CycleGAN(seed=0, precision=precision)
            data, batch = (a[:steps * 4], b[:steps * 4]), 4
        else:
            (x, y), _ = kg.datasets.load("mnist10k")
            options = {"num_classes": 10} if family.startswith("Conditional") else {}
            model = getattr(kg, family)(latent_dim=32, seed=0, precision=precision, **options)
            batch = 32
            data = (x[:steps * batch], y[:steps * batch]) if options else (x[:steps * batch],)
        model.compile(jit_compile=jit)
        model.fit(*data, epochs=1, batch_size=batch, verbose=0)  # traces
        started = time.perf_counter()
        history = model.fit(*data, epochs=1, batch_size=batch, verbose=0).history
        seconds = time.perf_counter() - started
        result.update(steps_per_second=steps / seconds, trained_in=model.precision,
                      finite=bool(all(np.isfinite(v).all() for v in history.values())))
    except Exception as error:  # a failure is a result of this check, not its end
        result["error"] = f"{type(error).__name__}: {str(error)[:300]}"
    keras.backend.clear_session(free_memory=True)
    return result


REPLICA_SCRIPT = r'''
import json, sys
import numpy as np, tensorflow as tf
gpus = tf.config.list_physical_devices("GPU")
device = "GPU" if gpus else "CPU"
physical = gpus[0] if gpus else tf.config.list_physical_devices("CPU")[0]
config = [tf.config.LogicalDeviceConfiguration(memory_limit=4096)] * 2 if gpus else \
    [tf.config.LogicalDeviceConfiguration()] * 2
tf.config.set_logical_device_configuration(physical, config)
import keras, keras_genmodels as kg
names = [d.name for d in tf.config.list_logical_devices(device)][:2]
x = np.random.default_rng(0).uniform(size=(32, 28, 28, 1)).astype("float32")
gaps = {}
for family, precision in (("VAE", "float32"), ("GAN", "float32"), ("VAE", "mixed_bfloat16")):
    weights = []
    for strategy in (tf.distribute.OneDeviceStrategy(names[0]),
                     tf.distribute.MirroredStrategy(names)):
        keras.utils.set_random_seed(0)
        with strategy.scope():
            model = getattr(kg, family)(8, seed=1, data_shape=(28, 28, 1), precision=precision)
            if weights:
                model.set_weights(weights[0][0])
            start = model.get_weights()
            model.compile(**{s: keras.optimizers.SGD(0.05) for s in model.optimizer_slots})
        model.fit(x, batch_size=16, epochs=1, shuffle=False, verbose=0)
        weights.append((start, model.get_weights()))
    (start, one), (_, two) = weights
    ratios = [float(np.max(np.abs(a - b)) / (1e-5 + np.max(np.abs(a - s))))
              for a, b, s in zip(one, two, start)]
    gaps[f"{family} {precision}"] = max(ratios)
print("RESULT " + json.dumps(gaps))
'''


def replica_check(timeout: int) -> dict:
    """Worst weight gap between 2 replicas and 1 device, over each weight's own update
    (float32 summation order: ~1e-3; bfloat16: up to ~0.2; a wrong loss scale: >= 1)."""
    out = subprocess.run([sys.executable, "-c", REPLICA_SCRIPT], capture_output=True,
                         text=True, timeout=timeout)
    line = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
    if not line:
        return {"error": (out.stderr or out.stdout)[-1500:]}
    return json.loads(line[0][len("RESULT "):])


def resume_check(timeout: int) -> dict:
    """A VAE killed mid-epoch and restarted equals an uninterrupted run (max |gap|)."""
    import numpy as np

    worker = ROOT / "tests" / "scale" / "resume_worker.py"
    folder = Path(tempfile.mkdtemp())
    results = {}
    for precision_name, model in (("float32", "vae"), ("mixed_bfloat16", "vae_bf16")):
        def job(name: str, kill: bool, model=model) -> str:
            return json.dumps([{"model_name": model, "out": str(folder / f"{name}.npz"),
                                "backup_dir": str(folder / f"{name}_backup"),
                                "kill_at": [1, 4] if kill else None}])

        fresh, resumed = f"{model}_fresh", f"{model}_resumed"
        runs = [(fresh, False), (resumed, True), (resumed, False)]
        codes = [subprocess.run([sys.executable, str(worker), job(name, kill)],
                                capture_output=True, timeout=timeout).returncode
                 for name, kill in runs]
        if codes != [0, -signal.SIGKILL, 0]:
            results[precision_name] = {"error": f"exit codes {codes}"}
            continue
        with np.load(folder / f"{fresh}.npz") as a, np.load(folder / f"{resumed}.npz") as b:
            gap = max(float(np.max(np.abs(a[k] - b[k]))) for k in a.files
                      if k != "initial_epoch")
            results[precision_name] = {"max_abs_gap": gap,
                                       "resumed_from_epoch": int(b["initial_epoch"])}
    return results


def step_flops(model, batch) -> float | None:
    """FLOPs of one train step, counted by TensorFlow's profiler on its graph."""
    import tensorflow as tf

    try:
        function = tf.function(model.train_step).get_concrete_function(batch)
        options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
        options["output"] = "none"
        info = tf.compat.v1.profiler.profile(function.graph, options=options)
        return float(info.total_float_ops) or None
    except Exception:
        return None


def speed_check(reps: int, peak_override: float | None, gpu: dict | None) -> dict:
    import tensorflow as tf

    sys.path.insert(0, str(HERE))
    import precision_speed as ps

    import keras_genmodels as kg

    (x_train, _), _ = kg.datasets.load("mnist10k")
    shape, out = x_train.shape[1:], {}
    for family in ("vae", "gan", "wgan_gp"):
        if family == "vae":
            models = {n: ps.vae_contender(n, shape, 16, 0) for n in ps.CONTENDERS}
            batches = {n: tf.constant(x_train[:128]) for n in ps.CONTENDERS}
        else:
            models = {n: ps.gan_contender(family, n, shape, 128, 0) for n in ps.CONTENDERS}
            batches = {n: tf.constant(x_train[:64] if n.startswith("ours")
                                      else x_train[:64] * 2.0 - 1.0) for n in ps.CONTENDERS}
        summary = ps.summarise(ps.paired_rounds(models, batches, reps))
        summary["flops_per_step"] = {n: step_flops(m, batches[n]) for n, m in models.items()}
        summary["fraction_of_peak"] = {}
        for name, flops in summary["flops_per_step"].items():
            dtype = "float32" if ps.POLICY[name] in ("float32", "auto") else "bfloat16"
            peak = peak_override or next((v for (fragment, d), v in PEAK_TFLOPS.items()
                                          if gpu and fragment in gpu["name"] and d == dtype),
                                         None)
            seconds = summary["ms_per_step"][name] / 1000
            summary["fraction_of_peak"][name] = (
                flops / seconds / (peak * 1e12) if flops and peak else None)
        out[family] = summary
    return out


def table(results: dict) -> str:
    lines = ["| family | precision | jit | steps/s | finite | error |",
             "|---|---|---|---|---|---|"]
    for r in results["families"]:
        rate = f"{r['steps_per_second']:.2f}" if "steps_per_second" in r else "-"
        lines.append(f"| {r['family']} | {r.get('trained_in', r['precision'])} | "
                     f"{r['jit_compile']} | {rate} | {r.get('finite', '-')} | "
                     f"{r.get('error', '')[:80]} |")
    lines += ["", "| family | contender | ms/step | speed-up vs plain float32 | "
              "fraction of peak |", "|---|---|---|---|---|"]
    for family, s in results.get("speed", {}).items():
        for name, ms in s["ms_per_step"].items():
            fraction = s["fraction_of_peak"].get(name)
            lines.append(f"| {family} | {name} | {ms:.1f} | "
                         f"{s['speedup_vs_plain_float32'][name]:.2f} | "
                         f"{'-' if fraction is None else f'{fraction:.1%}'} |")
    lines += ["", f"replicas (worst gap / update): {results.get('replicas')}",
              f"resume: {results.get('resume')}"]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU too")
    parser.add_argument("--quick", action="store_true", help="few steps: a smoke test")
    parser.add_argument("--steps", type=int, default=None, help="steps per family run")
    parser.add_argument("--reps", type=int, default=None, help="paired speed rounds")
    parser.add_argument("--peak-tflops", type=float, default=None)
    parser.add_argument("--json", default="gpu_check.json")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    gpu = gpu_description()
    if gpu is None and not args.allow_cpu:
        print("gpu_check: no GPU on this machine (TensorFlow sees none); nothing to check. "
              "Run it where a GPU is lent, or with --allow-cpu for a smoke test.")
        Path(args.json).write_text(json.dumps({"gpu": None}))
        return 0
    steps = args.steps or (2 if args.quick else 40)
    reps = args.reps or (2 if args.quick else 20)
    families = ("VAE", "GAN") if args.quick else FAMILIES
    precisions = ("float32", "mixed_bfloat16") if args.quick else PRECISIONS
    started = time.perf_counter()
    results = {"gpu": gpu, "steps": steps, "families": []}
    for family in families:
        for precision in precisions:
            for jit in (False, True) if family in JIT_FAMILIES and not args.quick else (False,):
                results["families"].append(train_family(family, precision, jit, steps))
                print(json.dumps(results["families"][-1]), flush=True)
    results["replicas"] = replica_check(timeout=600)
    results["resume"] = resume_check(timeout=600)
    results["speed"] = {} if args.quick else speed_check(reps, args.peak_tflops, gpu)
    results["seconds"] = time.perf_counter() - started
    Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    print(table(results))
    print(f"\n{results['seconds']:.0f} s; JSON in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
