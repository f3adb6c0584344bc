"""Every notebook runs top to bottom on a real kernel and shows what its text promises.

Each notebook is copied into a temporary folder (its `runs/` files land there) and
executed with nbclient on a `python3` kernel of this interpreter, with
`KG_NOTEBOOK_BUDGET=small` (seconds of training on slices of the data). The checks look
at the outputs a reader is told to look at: pictures, numbers, live widgets.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import signal
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
NAMES = ["01_vae_quickstart", "02_gans_and_wgans", "03_latent_spaces", "04_gan_vs_vae",
         "05_applications"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: Seconds per cell; a small-budget cell takes a few seconds on two busy CPU cores.
CELL_TIMEOUT = 300


def outputs(nb, kind: str | None = None) -> list[dict]:
    """Every output of every code cell, or those carrying the MIME type `kind`."""
    found = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    if kind is None:
        return found
    return [o for o in found if kind in o.get("data", {})]


def text(nb) -> str:
    """All printed text and plain-text results, in order."""
    parts = []
    for output in outputs(nb):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            parts.append(output.data["text/plain"])
    return "\n".join(parts)


def number(pattern: str, nb) -> float:
    """The number captured by `pattern` in the notebook's text output (must be there)."""
    match = re.search(pattern, text(nb))
    assert match, f"{pattern!r} not found in the output:\n{text(nb)[-3000:]}"
    return float(match.group(1))


def execute(name: str, folder: Path):
    """Runs notebook `name` in `folder` and returns it with its outputs."""
    path = shutil.copy(NOTEBOOKS / f"{name}.ipynb", folder)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT, startup_timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def check_vae_quickstart(nb, folder: Path) -> None:
    # data, the live view's final picture, samples, reconstructions
    assert len(outputs(nb, "image/png")) >= 4
    fit_cell = next(c for c in nb.cells if "LiveTraining(" in c.source)
    assert [o for o in fit_cell.outputs if "image/png" in o.get("data", {})], \
        "LiveTraining left no static picture when fit ended"
    assert not [o for o in fit_cell.outputs if WIDGET_VIEW in o.get("data", {})], \
        "LiveTraining's widget was not replaced by a picture"
    # The story: the VAE learns the digits. Its likelihood beats a model that ignores the
    # digit (every pixel at its mean) by 21-22 nats after the small budget's 128 steps
    # (notebook 181.3 against 202.7; seeds 1 and 2 of the same training 181.0, 184.5); an
    # untrained VAE is at ~540, one whose code carries nothing at best at the yardstick.
    nll = number(r"IWAE NLL: ([\d.]+) nats", nb)
    ignoring = number(r"ignoring the digit \(each pixel at its mean\): ([\d.]+) nats", nb)
    assert nll < ignoring - 8.0, (nll, ignoring)
    # and the encoder puts information into the code (4.3 nats over 8 dimensions measured)
    kl = re.search(r"KL per dimension \(nats\): \[([^\]]*)\]", text(nb))
    assert kl and sum(float(v) for v in kl.group(1).split()) > 1.5, kl
    assert len(outputs(nb, WIDGET_VIEW)) == 1  # the LatentExplorer
    assert "running" in text(nb) and "TensorBoardServer" in text(nb)
    frames = [o.data["text/html"] for o in outputs(nb, "text/html")]
    assert any("<iframe" in frame and "127.0.0.1" in frame for frame in frames)
    assert list((folder / "runs" / "01_vae" / "png").glob("*.png"))
    assert (folder / "runs" / "01_vae" / "projector" / "projector_config.pbtxt").exists()


def coverage_of(model: str, nb) -> tuple[int, int]:
    """(modes covered, % of samples within 3 std of a mode) that notebook 02 printed."""
    pattern = rf"{re.escape(model)}: (\d)/8 modes covered, (\d+)% of samples within"
    match = re.search(pattern, text(nb))
    assert match, f"{pattern!r} not found in the output:\n{text(nb)[-3000:]}"
    return int(match.group(1)), int(match.group(2))


def check_gans(nb, folder: Path) -> None:
    assert re.search(r"real test points: 8/8 modes covered", text(nb))
    # The story on the small budget (12 epochs of 40 steps): the Adam(2e-4) GAN collapses,
    # with (almost) no sample near a mode at any snapshot (measured at most 1%, seeds 0-2);
    # the self-conditioned defaults and the conditional GAN cover every mode with most of
    # their samples on one (measured 68-75% and 88-91%, seeds 0-2). An untrained or
    # collapsed remedy fails; so does the defaults' fix switched off (clusters=None: 0%
    # near a mode at this budget).
    snapshots = re.findall(r"Adam\(2e-4\) GAN, epoch \d+: \d/8 modes covered, (\d+)% of",
                           text(nb))
    assert snapshots and all(int(near) <= 5 for near in snapshots), snapshots
    assert coverage_of("GAN, Adam(2e-4)", nb)[1] <= 5
    covered, near = coverage_of("GAN, defaults (self-conditioned)", nb)
    assert covered >= 7 and near >= 40, (covered, near)
    covered, near = coverage_of("ConditionalGAN", nb)
    assert covered >= 7 and near >= 60, (covered, near)
    for model in ("GAN, larger steps, no EMA", "GAN, larger steps + EMA", "WGAN-GP"):
        coverage_of(model, nb)  # printed; at this budget they have not spread yet
    assert len(outputs(nb, "text/markdown")) == 1  # the coverage table
    # ring scatter plots (snapshots, remedies), the live view's picture, the digit samples
    assert len(outputs(nb, "image/png")) >= 4
    # the digit GAN's 16 steps: the discriminator tells real digits from generated ones
    # (mean logits over the epoch, d_real - d_fake measured 0.53 here, 0.45, 0.35, 0.24 on
    # seeds 1-3; a discriminator that has not learned is at 0)
    d_real = number(r"last epoch: d_real (-?[\d.]+)", nb)
    d_fake = number(r"d_fake (-?[\d.]+) \(mean logits", nb)
    assert d_real > d_fake + 0.1, (d_real, d_fake)
    gan_fid = number(r"FID of the GAN's samples: ([\d.]+)", nb)
    floor = number(r"\(real training digits: ([\d.]+)\)", nb)
    assert floor < gan_fid, (floor, gan_fid)


def check_latent_spaces(nb, folder: Path) -> None:
    # Traversal, two Interpolators, ConditionalSampler
    assert len(outputs(nb, WIDGET_VIEW)) == 4
    assert len(outputs(nb, "image/png")) == 1  # the class-by-style grid
    for name in ("projector_config.pbtxt", "metadata.tsv", "sprite.png"):
        assert name in text(nb)
        assert (folder / "runs" / "03_latent" / "projector" / name).exists()
    # The story on the small budget (252 steps each): the VAE's code keeps the digit's
    # identity and the conditional VAE draws the digit asked for, as the shipped digit
    # classifier reads them (chance 10%; an untrained VAE's reconstructions 10-15%).
    # Measured: reconstructions 70% (notebook), 66%, 59%, 62% (seeds 0-2 of the same
    # training); cells 76% (notebook), 80%, 69%, 72% (seeds 0-2).
    read = number(r"reconstructions read as the digit they came from: (\d+)%", nb)
    asked = number(r"cells read as the digit asked for: (\d+)%", nb)
    assert read >= 30 and asked >= 30, (read, asked)


def check_gan_vs_vae(nb, folder: Path) -> None:
    tables = [o.data["text/html"] for o in outputs(nb, "text/html")]
    assert len(tables) == 2 and all("<table>" in t for t in tables)
    assert "verdict" in tables[0] and tables[0].count("<tr>") > 10
    # one seed decides no claim (a verdict needs 3 seeds a model whose ranges separate)
    counts = text(nb)
    for verdict in ("supported", "contradicted", "mixed"):
        assert f"'{verdict}'" not in counts, counts[-2000:]
    assert "'inconclusive'" in counts
    # The story the full run's verdicts rest on, on the small budget (32 steps each, batch
    # 64): the VAE trains on more digits per second on a CPU and reaches a far lower FID.
    # Measured (seeds 0, 1): FID 189 against 541 and 442; 558 against 69, 211 against 61
    # and (the notebook) 321 against 82 digits/s (the machine's load moves these).
    vae_fid, gan_fid = (number(rf"{model}: FID ([\d.]+)", nb) for model in ("VAE", "GAN"))
    assert vae_fid < 0.7 * gan_fid, (vae_fid, gan_fid)
    vae_rate, gan_rate = (number(rf"{model}: FID [\d.]+, trained on ([\d.]+) digits/s", nb)
                          for model in ("VAE", "GAN"))
    assert vae_rate > 1.5 * gan_rate, (vae_rate, gan_rate)
    # both reconstruct: the VAE with its encoder, the GAN by latent search
    for model in ("VAE", "GAN"):
        assert math.isfinite(number(rf"{model}: .*reconstruction error ([\d.]+)", nb))
    # samples of both, the VAE's reconstructions, FID progress, losses
    assert len(outputs(nb, "image/png")) >= 5
    assert (folder / "runs" / "04_compare" / "report.md").exists()


def check_applications(nb, folder: Path) -> None:
    # Measured on the small budget (2048 digits): AUROC 0.994 (reconstruction) and 0.979
    # (ELBO) for zeros against the other digits; importance imputation MSE 0.057 against
    # the mean image's 0.074, classifier accuracy 0.84 against 0.47; the conditional VAE's
    # draws read as their label 72% of the time (chance 10%), all 10 classes filled.
    for score in ("reconstruction", "elbo"):
        assert number(rf"AUROC \({score}\): ([\d.]+)", nb) > 0.9, score
    assert "reloaded detector gives the same decisions: True" in text(nb)
    vae_mse, mean_mse = (number(rf"hidden-pixel MSE, {name}: ([\d.]+)", nb)
                         for name in ("VAE importance", "mean image"))
    assert vae_mse < 0.9 * mean_mse, (vae_mse, mean_mse)
    vae_accuracy, mean_accuracy = (
        number(rf"hidden-pixel MSE, {name}: [\d.]+; classifier accuracy ([\d.]+)", nb)
        for name in ("VAE importance", "mean image"))
    assert vae_accuracy > mean_accuracy + 0.2, (vae_accuracy, mean_accuracy)
    assert "observed pixels kept exactly: True" in text(nb)
    assert number(r"agrees with the requested label on (\d+)%", nb) >= 40
    assert "kept 100 synthetic digits, [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]" in text(nb)
    # normal vs anomalous digits, imputations, synthetic digits, interpolation strips
    assert len(outputs(nb, "image/png")) == 4
    assert len(outputs(nb, WIDGET_VIEW)) == 1  # the Interpolator


CHECKS = {
    "01_vae_quickstart": check_vae_quickstart,
    "02_gans_and_wgans": check_gans,
    "03_latent_spaces": check_latent_spaces,
    "04_gan_vs_vae": check_gan_vs_vae,
    "05_applications": check_applications,
}


def test_every_notebook_is_tested():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.execution_count is None and cell.outputs == [], cell.source[:80]
    assert "KG_NOTEBOOK_BUDGET" in "".join(c.source for c in nb.cells)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name, tmp_path, jupyter_env, stray_tensorboards):
    started = time.monotonic()
    nb = execute(name, tmp_path)
    errors = [o for o in outputs(nb) if o.output_type == "error"]
    assert not errors, errors
    CHECKS[name](nb, tmp_path)
    # A TensorBoard a notebook started ends with its kernel.
    deadline = time.monotonic() + 10
    while stray_tensorboards(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    left = stray_tensorboards(tmp_path)
    for pid in left:
        os.kill(pid, signal.SIGTERM)
    assert not left, "a TensorBoard outlived the notebook's kernel"
    print(f"{name}: {time.monotonic() - started:.1f} s")
