"""`kg.compare` on a tiny budget: every number present and finite (or missing with its
reason), every claim of the source tables judged, and the report files read back."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import keras_genmodels as kg
from keras_genmodels import cli
from keras_genmodels.compare.claims import VERDICTS
from keras_genmodels.compare.measurements import MEASURES
from keras_genmodels.compare.runs import Budget, train_run

SOURCE_TABLES = {"Table 1", "Table 4", "Table 5", "Table 6", "Table 7", "Table 9", "Table 10"}
#: measures a GAN cannot have, and why.
GAN_MISSING = {"reconstruction_mse": "cannot reconstruct", "iwae_nll": "cannot reconstruct"}


@pytest.fixture(scope="module")
def report(mnist):
    (x_train, _), (x_test, _) = mnist
    return kg.compare(["vae", "gan"], x_train[:128], x_test[:64], budget=1, seeds=(0, 1),
                      extractor="mnist10k", num_samples=64, mixtures=("ring8",),
                      mixture_budget="1 epochs", verbose=0)


def test_every_number_is_present_and_finite(report):
    assert list(report.summary) == ["VAE", "GAN"]
    for name, summary in report.summary.items():
        for key in MEASURES:
            if key in ("grid25_modes", "fid_spread") or (name == "GAN" and key in GAN_MISSING):
                continue
            values = summary[key]["values"]
            assert len(values) == (1 if key == "fid_spread" else 2), (name, key)
            if key == "time_to_threshold":
                values = [v for v in values if v is not None]
                assert values, name  # each model reaches the worst of the models' best FIDs
            assert all(v is not None and math.isfinite(v) for v in values), (name, key, values)
        assert 0 <= summary["ring8_modes"]["median"] <= 8
        assert summary["fid_spread"]["median"] >= 0
    for run in report.runs:
        if run["name"] == "GAN":
            for key, reason in GAN_MISSING.items():
                assert run["values"][key] is None and reason in run["unavailable"][key]
        assert run["values"]["epochs"] == 1 and run["values"]["steps"] == 2
        assert run["values"]["fid"] > 0 and 0 <= run["values"]["precision"] <= 1


def test_every_claim_of_the_source_tables_is_judged(report):
    assert {claim["source"] for claim in report.claims} >= SOURCE_TABLES
    for claim in report.claims:
        assert claim["verdict"] in VERDICTS and claim["evidence"], claim
    reconstruction = [c for c in report.claims if c["aspect"] == "Reconstruction"]
    # the GAN has no encoder and the VAE reconstructs: the articles' claim holds by measurement
    assert all(c["verdict"] == "supported" for c in reconstruction)
    assert "GAN: cannot reconstruct" in reconstruction[0]["evidence"]


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
