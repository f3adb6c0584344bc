"""`kg.compare` on a tiny budget: every number present and finite (or missing with its
reason), every claim of the source tables judged, and the report files read back; the
FID schedule, models given as instances, and what a mixture run measures."""

from __future__ import annotations

import importlib
import json
import math

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels import cli
from keras_genmodels.compare import measurements
from keras_genmodels.compare.claims import VERDICTS
from keras_genmodels.compare.comparison import _model_specs
from keras_genmodels.compare.measurements import MEASURES
from keras_genmodels.compare.runs import (
    Budget,
    make_factory,
    progress_schedule,
    self_conditions_by_default,
    train_run,
)

SOURCE_TABLES = {"Table 1", "Table 4", "Table 5", "Table 6", "Table 7", "Table 9", "Table 10"}
#: measures a model of this test cannot have, and why.
MISSING = {("GAN", "iwae_nll"): "no likelihood",
           ("VAE", "iwae_nll"): "n/a (Bernoulli on grey levels is not a density"}
#: measures that need more seeds, mixtures or runs than this test has.
NOT_HERE = {"fid_spread", "time_to_threshold"} | {k for k in MEASURES if k.startswith("grid25")}


@pytest.fixture(scope="module")
def report(mnist):
    (x_train, _), (x_test, _) = mnist
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(measurements, "RECONSTRUCTION_SEARCH_STEPS", 3)  # the search's cost
        return kg.compare(["vae", "gan"], x_train[:128], x_test[:64], budget=1, seeds=(0, 1),
                          extractor="mnist10k", num_samples=64, mixtures=("ring8",),
                          mixture_budget="1 epochs", verbose=0)


def test_every_number_is_present_and_finite(report):
    assert list(report.summary) == ["VAE", "GAN"]
    for name, summary in report.summary.items():
        for key in MEASURES:
            if key in NOT_HERE or (name, key) in MISSING:
                continue
            if name == "VAE" and key.endswith("_self_conditioned"):
                assert summary[key]["median"] is None, key  # the VAE has no clusters
                continue
            values = summary[key]["values"]
            assert len(values) == 2, (name, key)
            assert all(v is not None and math.isfinite(v) for v in values), (name, key, values)
        # the summary is the median of the runs' own values, the modes a whole count
        for key in ("ring8_modes", "ring8_recall"):
            runs = [r["values"][key] for r in report.runs if r["name"] == name]
            assert summary[key]["values"] == runs, (name, key)
            assert summary[key]["median"] == pytest.approx(float(np.median(runs)))
        assert all(float(v).is_integer() for v in summary["ring8_modes"]["values"])
        assert summary["fid_spread"]["median"] >= 0
    for run in report.runs:
        for (name, key), reason in MISSING.items():
            if run["name"] == name:
                assert run["values"][key] is None and reason in run["unavailable"][key]
        assert run["values"]["epochs"] == 1 and run["values"]["steps"] == 2
        assert run["values"]["fid"] > 0 and 0 <= run["values"]["precision"] <= 1
        assert len(run["values"]["load_average"]) == 2  # the shared machine's, beside it
        # a missed threshold is the time inf (ranked last), not a run left out
        time = run["values"]["time_to_threshold"]
        assert time == math.inf or 0 <= time <= run["values"]["train_seconds"]


def test_a_gan_is_reconstructed_by_latent_search(report):
    # the old comparison gave the GAN no number at all: "cannot reconstruct"
    for run in report.runs:
        values = run["values"]
        method = "latent search" if run["name"] == "GAN" else "encoder"
        assert values["reconstruction_method"] == method
        assert 0 < values["reconstruction_error"] < 1
    table7 = next(c for c in report.claims if c["source"] == "Table 7")
    assert "GAN " in table7["evidence"] and "cannot reconstruct" not in table7["evidence"]


def test_fid_is_measured_before_training_and_on_the_schedule(report):
    for run in report.runs:
        steps = [p["step"] for p in run["progress"]]
        # 2 steps in all: the schedule's fractions round to steps 1 and 2
        assert steps == [0, 1, 2], steps
        assert run["progress"][0]["seconds"] < 1.0
        assert run["values"]["fid_evaluations"] == 3
        assert run["values"]["fid_relapse_rate"] == run["values"]["fid_relapses"] / 2
    basis = report.threshold_basis
    assert basis["fraction"] == 0.5 and basis["real_fid"] < basis["untrained_fid"]
    assert report.fid_threshold == pytest.approx(
        basis["untrained_fid"] - 0.5 * (basis["untrained_fid"] - basis["real_fid"]))


def test_mixtures_train_the_plain_gan_and_the_self_conditioned_one(report):
    gan = report.summary["GAN"]
    assert gan["ring8_recall"]["median"] is not None
    assert gan["ring8_recall_self_conditioned"]["median"] is not None
    assert set(report.mixture_samples()) == {"VAE", "GAN", "GAN (self-conditioned)"}
    reference = report.mixture_reference["ring8"]
    assert reference["modes"] == 8 and reference["recall"] > 0.9


def test_mixture_runs_score_recall_and_coverage_of_the_points():
    plain = measurements.measure_mixture("GAN", make_factory("gan", clusters=None), 0,
                                         "ring8", Budget(epochs=1), num_train=512,
                                         num_samples=256)
    conditioned = measurements.measure_mixture("GAN", make_factory("gan"), 0, "ring8",
                                               Budget(epochs=1), num_train=512,
                                               num_samples=256)
    assert plain["clusters"] is None and conditioned["clusters"] == 50
    (_, _), (x_test, _) = kg.datasets.load("ring8")
    for result in (plain, conditioned):
        assert result["samples"].shape == (256, 2)
        # the reported numbers are the metrics of these samples against the held-out points
        reference = x_test[:256]
        assert result["recall"] == pytest.approx(
            kg.metrics.precision_recall(reference, result["samples"])["recall"])
        assert result["coverage"] == pytest.approx(
            kg.metrics.density_coverage(reference, result["samples"])["coverage"])


def test_every_claim_of_the_source_tables_is_judged(report):
    assert {claim["source"] for claim in report.claims} >= SOURCE_TABLES
    for claim in report.claims:
        assert claim["verdict"] in VERDICTS and claim["evidence"], claim
    # two seeds a model: too few for any pair to separate
    measured = [c for c in report.claims if c["verdict"] not in ("definition", "not measured")]
    assert measured and all(c["verdict"] in ("inconclusive", "no difference") for c in measured)
    capability = [c for c in report.claims if c["aspect"] == "Reconstruction"]
    assert all(c["verdict"] == "definition" for c in capability)
    assert "GAN has none" in capability[0]["evidence"]


def test_the_report_files_read_back(report, tmp_path):
    paths = report.save(tmp_path)
    saved = json.loads(paths["json"].read_text())
    assert saved["summary"]["VAE"]["fid"]["median"] == pytest.approx(
        report.summary["VAE"]["fid"]["median"])
    assert len(saved["runs"]) == 4 and saved["setup"]["extractor"] == "mnist10k"
    markdown = paths["markdown"].read_text()
    for claim in report.claims:
        assert claim["statement"] in markdown
    for key in ("samples_VAE", "samples_GAN", "reconstructions_VAE", "fid_progress", "losses",
                "mixtures"):
        assert paths[key].is_file() and paths[key].read_bytes()[:4] == b"\x89PNG", key
        assert paths[key].name in markdown and paths[key].name in paths["html"].read_text()
    assert "reconstructions_GAN" not in paths
    html = paths["html"].read_text()
    assert html.startswith("<!DOCTYPE html>") and html.count("<tr>") > len(report.claims)
    assert "not reached" not in markdown or "ranks behind every run" in markdown
    for words in ("Machine: ", "logical cores", "Precision: float32", "1-minute load average",
                  "The defaults compared, and the tuning they got", "KL warm-up swept"):
        assert words in markdown, words
    assert saved["threshold_basis"]["fraction"] == 0.5
    # the precision each model trained in ("auto" resolves per family and machine)
    assert {r["values"]["training_precision"] for r in saved["runs"]} == {"float32"}


def test_the_report_names_each_models_precision_when_they_differ():
    from types import SimpleNamespace

    from keras_genmodels.compare.markup import _precision_text

    def runs(*precisions):
        return [{"name": name, "values": {"training_precision": p, "precision": 0.5}}
                for name, p in precisions]

    mixed = SimpleNamespace(setup={}, runs=runs(("VAE", "mixed_bfloat16"), ("GAN", "float32")))
    assert _precision_text(mixed) == "VAE mixed_bfloat16, GAN float32"
    same = SimpleNamespace(setup={}, runs=runs(("VAE", "float32"), ("GAN", "float32")))
    assert _precision_text(same) == "float32"
    older = SimpleNamespace(setup={"precision": "mixed_float16"},
                            runs=[{"name": "VAE", "values": {"precision": 0.5}}])
    assert _precision_text(older) == "mixed_float16"  # reports saved before the per-run key


def test_a_seconds_budget_stops_on_time(mnist):
    (x_train, _), (x_test, _) = mnist
    report = kg.compare({"small VAE": lambda seed: kg.VAE(latent_dim=2, seed=seed)},
                        x_train[:2048], x_test[:64], budget="2s", seeds=(0,),
                        extractor="mnist10k", num_samples=32, mixtures=(), verbose=0)
    values = report.runs[0]["values"]
    # an epoch is 32 steps: it stopped within the first epoch, whatever the machine's load
    # (the upper bound on the time only catches a budget that is not checked at all)
    assert 2.0 <= values["train_seconds"] < 30.0
    assert values["steps"] < 32


def test_a_seconds_budget_prints_its_seconds_not_a_million_epochs(mnist, capfd):
    (x_train, _), _ = mnist
    run = train_run("tiny VAE", lambda seed: kg.VAE(latent_dim=2, seed=seed), 0,
                    x_train[:128], Budget(seconds=1.0), verbose=1)
    out = capfd.readouterr().out
    assert "1000000" not in out
    lines = [line for line in out.splitlines() if line.startswith("tiny VAE: epoch ")]
    assert len(lines) == run.epochs >= 1
    assert "s of 1s - " in lines[-1] and " loss: " in lines[-1]


def test_fid_is_measured_within_an_epoch_on_a_seconds_budget(mnist):
    (x_train, _), _ = mnist
    measured = []

    def progress(model):
        measured.append(model.optimizer.iterations.numpy())
        return {"fid": 1.0}

    # one epoch is 500 steps, far longer than the budget: the old rule measured FID only at
    # the end of the first epoch, so its "time to threshold" was that epoch's length
    run = train_run("tiny VAE", lambda seed: kg.VAE(latent_dim=2, seed=seed), 0,
                    x_train, Budget(seconds=5.0), batch_size=16, progress_metrics=progress,
                    verbose=0)
    assert run.epochs == 1 and run.steps < 500
    assert len(run.progress) >= 3 and measured[0] == 0
    seconds = [p["seconds"] for p in run.progress]
    assert seconds == sorted(seconds) and seconds[-1] >= 5.0 - 1e-6
    # the points after the first step (which traces the step, seconds on a loaded CPU)
    # are those of the schedule, inside the epoch
    assert len({p["step"] for p in run.progress}) == len(run.progress)


def test_progress_schedule_is_the_same_fractions_of_any_budget():
    assert progress_schedule(Budget(seconds=64.0), 10) == [2, 4, 8, 16, 24, 32, 40, 48, 56,
                                                           64]
    assert progress_schedule(Budget(seconds=64.0), 1000) == progress_schedule(
        Budget(seconds=64.0), 10)
    assert progress_schedule(Budget(epochs=2), 16) == [1, 2, 4, 8, 12, 16, 20, 24, 28, 32]


def test_models_may_be_given_as_instances(mnist):
    (x_train, _), (x_test, _) = mnist
    template = kg.VAE(latent_dim=2, seed=123)
    # before: TypeError "missing a required argument: 'inputs'" (called as a factory)
    report = kg.compare({"VAE": template}, x_train[:64], x_test[:32], budget=1, seeds=(0, 1),
                        extractor="mnist10k", num_samples=16, mixtures=(), verbose=0)
    assert [r["seed"] for r in report.runs] == [0, 1] and not template.built
    first, second = make_factory(template)(0), make_factory(template)(1)
    assert (first.seed, second.seed) == (0, 1) and first.latent_dim == 2
    assert report.summary["VAE"]["fid"]["values"][0] != report.summary["VAE"]["fid"]["values"][1]
    assert list(_model_specs([kg.VAE(latent_dim=2), "gan"])) == ["VAE", "GAN"]


def test_a_stopped_comparison_resumes_from_its_folder(mnist, tmp_path, monkeypatch):
    (x_train, _), (x_test, _) = mnist
    arguments = dict(x_train=x_train[:64], x_test=x_test[:32], budget=1, seeds=(0,),
                     extractor="mnist10k", num_samples=16, mixtures=(), verbose=0,
                     resume=tmp_path / "state")
    first = kg.compare(["vae"], **arguments)
    assert (tmp_path / "state" / "VAE_seed0.pkl").is_file()

    def no_training(*args, **kwargs):
        raise AssertionError("a saved run was trained again")

    # `kg.compare` (the function) hides the subpackage's attribute path: patch the module
    monkeypatch.setattr(importlib.import_module("keras_genmodels.compare.comparison"),
                        "train_run", no_training)
    again = kg.compare(["vae"], **arguments)
    assert again.summary["VAE"]["fid"] == first.summary["VAE"]["fid"]
    assert again.pictures("VAE")["samples"].shape == first.pictures("VAE")["samples"].shape
    with pytest.raises(ValueError, match="another comparison .*budget"):
        kg.compare(["vae"], **{**arguments, "budget": 2})


@pytest.mark.parametrize("family, expected", [
    ("gan", True), ("wgan", True), ("wgangp", True), ("vaegan", True), ("vae", False),
    ("cgan", False),
])
def test_the_self_conditioned_families_are_read_from_their_defaults(family, expected):
    # WGAN and WGAN-GP take `clusters` through **kwargs: a signature check missed them and
    # trained their self-conditioned default as the plain GAN
    assert self_conditions_by_default(family) is expected


def test_a_compiled_instance_passes_its_optimizer_on():
    import keras

    template = kg.VAE(latent_dim=2, data_shape=(2,))
    template.compile(optimizer=keras.optimizers.SGD(0.01))
    clone = make_factory(template)(5)
    assert clone.compiled and type(clone.optimizer).__name__ == "SGD"
    assert clone.seed == 5 and clone is not template


@pytest.mark.parametrize("value, expected", [
    (3, Budget(epochs=3)), ("3 epochs", Budget(epochs=3)), ("90s", Budget(seconds=90.0)),
    ("2min", Budget(seconds=120.0)), ({"seconds": 5}, Budget(seconds=5.0)),
])
def test_budgets_parse(value, expected):
    assert Budget.parse(value) == expected


@pytest.mark.parametrize("kwargs, error, message", [
    ({"budget": "soon"}, ValueError, "`budget`"),
    ({"budget": 0}, ValueError, "`budget`"),
    ({"models": ["vae", "diffusion"]}, ValueError, "unknown family 'diffusion'"),
    ({"models": [kg.VAE]}, TypeError, "`models`"),
    ({"models": {"VAE": kg.VAE}}, TypeError, "got the class VAE"),
    ({"models": [kg.VAE(2), kg.VAE(2)]}, ValueError, "two models named 'VAE'"),
    ({"threshold_fraction": 0}, ValueError, "`threshold_fraction`"),
    ({"seeds": ()}, ValueError, "`seeds`"),
    ({"mixtures": ("ring9",)}, ValueError, "`mixtures`"),
    ({"x_test": np.zeros((4, 14, 14, 1), np.float32)}, ValueError, "`x_test`"),
])
def test_bad_arguments_fail_before_training(kwargs, error, message):
    arguments = {"models": ["vae"], "x_train": np.zeros((8, 28, 28, 1), np.float32),
                 "x_test": np.zeros((8, 28, 28, 1), np.float32), "extractor": "mnist10k"}
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        kg.compare(**arguments)


def test_the_command_writes_a_report(tmp_path, capsys):
    code = cli.main(["compare", "--models", "vae", "--dataset", "mnist10k", "--limit", "64",
                     "--budget", "1", "--seeds", "0", "--no-mixtures", "--num-samples", "32",
                     "--out", str(tmp_path)])
    assert code == 0
    assert (tmp_path / "report.md").is_file() and (tmp_path / "report.json").is_file()
    assert "report.md" in capsys.readouterr().out
    assert cli.main(["compare", "--budget", "soon", "--out", str(tmp_path)]) == 2
    assert "`budget`" in capsys.readouterr().err
