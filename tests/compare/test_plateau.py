"""The plateau rule and the "until plateau or a cap" budget: when a curve is called flat,
the reading schedule, parsing, training that stops at the plateau or the cap, and a run
continued from where it was cut."""

from __future__ import annotations

import math

import pytest

import keras_genmodels as kg
from keras_genmodels.compare import PlateauRule
from keras_genmodels.compare.runs import PLATEAU_CAP_SECONDS, Budget, train_run


def curve(*points):
    return [{"seconds": s, "fid": f} for s, f in points]


def test_a_falling_curve_is_not_flat_and_a_flat_one_is():
    rule = PlateauRule(min_seconds=300)
    # best before 400 s is 30, best now 20: 33% better over the last third
    assert not rule.holds(curve((0, 300), (60, 40), (240, 30), (480, 25), (600, 20)))
    # best before 400 s is 20, best now 19.4: 3% < 5%
    assert rule.holds(curve((0, 300), (60, 40), (240, 20), (480, 19.5), (600, 19.4)))
    # just over the threshold: 20 -> 18.9 is 5.5%
    assert not rule.holds(curve((0, 300), (240, 20), (600, 18.9)))
    # a relapse is flat too: nothing since the cutoff beats the best before it
    assert rule.holds(curve((0, 300), (240, 20), (480, 35), (600, 30)))


def test_the_rule_waits_for_min_seconds_and_ignores_nan_readings():
    rule = PlateauRule(min_seconds=300)
    assert not rule.holds(curve((0, 300), (60, 20), (240, 20)))  # 240 s < 300 s
    assert not rule.holds([])
    assert rule.holds(curve((0, 300), (60, 20), (300, 20)))
    nan_last = curve((0, 300), (60, 20), (300, 20)) + [{"seconds": 360, "fid": math.nan}]
    assert rule.holds(nan_last)
    assert not rule.holds([{"seconds": 600, "kid": 0.1}])  # no reading of its metric


def test_a_tighter_rule_and_another_metric():
    readings = [{"seconds": 0, "kid": 1.0}, {"seconds": 100, "kid": 0.100},
                {"seconds": 300, "kid": 0.097}]
    assert PlateauRule("kid", min_seconds=200).holds(readings)  # 3% < 5%
    assert not PlateauRule("kid", improvement=0.02, min_seconds=200).holds(readings)


def test_the_schedule_is_fixed_in_training_seconds():
    assert PlateauRule().schedule(300) == [15, 30, 60, 120, 180, 240, 300]
    assert PlateauRule().schedule(20) == [15, 20]
    assert PlateauRule(first=(), every=2.5).schedule(6) == [2.5, 5.0, 6.0]
    assert PlateauRule().schedule(PLATEAU_CAP_SECONDS)[-2:] == [3540, 3600]


@pytest.mark.parametrize("kwargs, message", [
    ({"improvement": 0}, "`improvement`"), ({"improvement": 1.5}, "`improvement`"),
    ({"window": 1}, "`window`"), ({"min_seconds": -1}, "`min_seconds`"),
    ({"every": 0}, "`every`"), ({"first": (30, 15)}, "`first`"), ({"metric": ""}, "`metric`"),
])
def test_bad_rules_are_refused(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        PlateauRule(**kwargs)


@pytest.mark.parametrize("value, cap", [
    ("plateau", 3600.0), ("plateau or 20min", 1200.0), ("until plateau, 90s", 90.0),
    ("plateau<=2min", 120.0), ({"plateau": "30s"}, 30.0), ({"plateau": None}, 3600.0),
])
def test_plateau_budgets_parse(value, cap):
    budget = Budget.parse(value)
    assert budget == Budget(seconds=cap, plateau=PlateauRule())
    assert budget.describe().startswith("until plateau (best fid improved < 5% over the "
                                        "last third, after 300 s) or ")


@pytest.mark.parametrize("value", ["plateau or 3 epochs", "plateau soon", "plateaus"])
def test_bad_plateau_budgets_are_refused(value):
    with pytest.raises(ValueError, match="`budget`"):
        Budget.parse(value)


def test_a_plateau_budget_needs_a_cap_in_seconds():
    with pytest.raises(ValueError, match="cap in `seconds`"):
        Budget(epochs=3, plateau=PlateauRule())
    with pytest.raises(TypeError, match="PlateauRule"):
        Budget(seconds=5, plateau="5%")


FAST = PlateauRule(min_seconds=1.0, first=(0.25,), every=0.25)


def tiny_vae(seed):
    return kg.VAE(latent_dim=2, seed=seed)


def test_training_stops_at_the_plateau(mnist):
    (x_train, _), _ = mnist
    run = train_run("tiny VAE", tiny_vae, 0, x_train[:512], Budget(seconds=60.0, plateau=FAST),
                    batch_size=16, progress_metrics=lambda model: {"fid": 10.0}, verbose=0)
    assert run.stopped_by == "plateau"
    # the first reading at or after 1 s: a flat curve is flat as soon as the rule may hold
    assert 1.0 <= run.progress[-1]["seconds"] < 1.25 + 5.0  # a loaded CPU's slow step
    assert run.train_seconds < 30.0


def test_an_improving_curve_trains_to_the_cap(mnist):
    (x_train, _), _ = mnist

    calls: list[int] = []

    def falling(model):  # halves at every reading: never flat
        calls.append(1)
        return {"fid": 100.0 * 0.5 ** len(calls)}

    run = train_run("tiny VAE", tiny_vae, 0, x_train[:512], Budget(seconds=2.0, plateau=FAST),
                    batch_size=16, progress_metrics=falling, verbose=0)
    assert run.stopped_by == "cap" and run.train_seconds >= 2.0
    assert run.progress[-1]["seconds"] >= 2.0


def test_a_plateau_budget_needs_its_metric(mnist):
    (x_train, _), _ = mnist
    with pytest.raises(ValueError, match="`progress_metrics`"):
        train_run("v", tiny_vae, 0, x_train[:64], Budget.parse("plateau"), verbose=0)
    with pytest.raises(ValueError, match="watches 'fid'"):
        train_run("v", tiny_vae, 0, x_train[:64], Budget(seconds=5.0, plateau=FAST),
                  progress_metrics=lambda model: {"kid": 0.1}, verbose=0)


def test_a_run_cut_short_continues_where_it_stopped(mnist):
    (x_train, _), _ = mnist
    fids = iter(range(1000, 0, -1))
    saved = []

    def progress(model):
        return {"fid": float(next(fids)), "iterations": float(model.optimizer.iterations)}

    budget = Budget(seconds=1.0)
    first = train_run("v", tiny_vae, 0, x_train[:512], budget, batch_size=16,
                      progress_metrics=progress, verbose=0,
                      on_reading=lambda model, readings: saved.append(len(readings)))
    assert saved == list(range(1, len(first.progress) + 1))
    done = len(first.progress)
    # on a loaded CPU the first step (tracing) alone may outlast the first budget
    total = first.train_seconds + 2.0
    more = train_run("v", None, 0, x_train[:512], Budget(seconds=total), batch_size=16,
                     progress_metrics=progress, verbose=0, continue_from=first)
    assert more.model is first.model and more.train_seconds >= total
    assert more.progress[:done] == first.progress[:done]
    assert len(more.progress) > done  # no second untrained reading, new ones after it
    assert all(p["seconds"] >= first.train_seconds and p["step"] > first.steps
               for p in more.progress[done:])
    assert more.steps > first.steps and len(more.losses["loss"]) == more.steps
    assert more.progress[-1]["iterations"] == more.steps  # the same optimizer went on


def test_compare_trains_until_the_plateau(mnist):
    (x_train, _), (x_test, _) = mnist
    budget = Budget(seconds=60.0, plateau=PlateauRule(min_seconds=2.0, first=(1.0,),
                                                      every=1.0, improvement=0.9))
    report = kg.compare({"small VAE": tiny_vae}, x_train[:1024], x_test[:64], budget=budget,
                        seeds=(0,), extractor="mnist10k", num_samples=32, mixtures=(),
                        verbose=0)
    values = report.runs[0]["values"]
    # improving by 90% within a third of the run: a small VAE's FID does not, so it
    # stops at its first chance (2-3 s), long before the minute's cap
    assert values["stopped_by"] == "plateau" and values["train_seconds"] < 30.0
    assert report.setup["budget"].startswith("until plateau")
    assert report.setup["progress_seconds"][:2] == [1.0, 2.0]
    # one run: equal compute is its own end, so both readings are its last FID reading
    assert report.setup["equal_compute_seconds"] == report.runs[0]["progress"][-1]["seconds"]
    assert values["fid_at_equal_compute"] == report.runs[0]["progress"][-1]["fid"]
    from keras_genmodels.compare.markup import render_markdown

    text = render_markdown(report.blocks({}))
    assert "FID at equal compute: each run's last such reading" in text
    assert "training seconds up to the cap" in text


def test_equal_compute_reads_every_run_at_the_shortest_runs_end():
    from keras_genmodels.compare.report import ComparisonReport

    report = ComparisonReport(setup={})
    report.runs = [
        {"name": "A", "values": {}, "unavailable": {},
         "progress": [{"seconds": 0, "fid": 300.0}, {"seconds": 60, "fid": 50.0},
                      {"seconds": 120, "fid": 40.0}]},
        {"name": "B", "values": {}, "unavailable": {},
         "progress": [{"seconds": 0, "fid": 300.0}, {"seconds": 50, "fid": 90.0},
                      {"seconds": 100, "fid": 80.0}, {"seconds": 400, "fid": 20.0}]},
    ]
    report._equal_compute()
    assert report.setup["equal_compute_seconds"] == 120
    assert [r["values"]["fid_at_equal_compute"] for r in report.runs] == [40.0, 80.0]
