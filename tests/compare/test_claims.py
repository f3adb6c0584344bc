"""Verdicts: a claim is supported only when every GAN-side model beats every VAE-side one."""

from __future__ import annotations

import pytest

from keras_genmodels.compare.claims import CLAIMS, Evidence, compare_sides


def _evidence(fids: dict[str, float | None], sides: dict[str, str]) -> Evidence:
    summary = {name: {"fid": {"median": v, "min": v, "max": v, "values": [v]}}
               for name, v in fids.items()}
    return Evidence(summary, sides, {name: ["loss"] for name in fids},
                    {name: {} for name in fids})


SIDES = {"GAN": "gan", "WGANGP": "gan", "VAE": "vae", "VAEGAN": "hybrid"}


@pytest.mark.parametrize("fids, gans_better, verdict", [
    ({"GAN": 10.0, "WGANGP": 12.0, "VAE": 20.0, "VAEGAN": 1.0}, True, "supported"),
    ({"GAN": 10.0, "WGANGP": 12.0, "VAE": 20.0, "VAEGAN": 1.0}, False, "contradicted"),
    ({"GAN": 30.0, "WGANGP": 32.0, "VAE": 20.0, "VAEGAN": 99.0}, True, "contradicted"),
    ({"GAN": 10.0, "WGANGP": 32.0, "VAE": 20.0, "VAEGAN": 1.0}, True, "mixed"),
    ({"GAN": None, "WGANGP": None, "VAE": 20.0, "VAEGAN": 1.0}, True, "not measured"),
    ({"GAN": 20.0, "WGANGP": 20.0, "VAE": 20.0, "VAEGAN": 1.0}, True, "no difference"),
    ({"GAN": 20.0, "WGANGP": 10.0, "VAE": 20.0, "VAEGAN": 1.0}, True, "mixed"),
])
def test_sides_are_compared_pairwise_and_hybrids_do_not_count(fids, gans_better, verdict):
    text, result = compare_sides(_evidence(fids, SIDES), "fid", gans_better)
    assert result == verdict
    assert "VAEGAN (hybrid)" in text or fids["VAEGAN"] is None


def test_without_a_vae_nothing_is_measured():
    evidence = _evidence({"GAN": 10.0}, {"GAN": "gan"})
    assert compare_sides(evidence, "fid", True)[1] == "not measured"


def test_claims_cover_the_tables_and_have_distinct_statements():
    assert len({claim.statement for claim in CLAIMS}) == len(CLAIMS)
    assert {claim.source for claim in CLAIMS} >= {f"Table {n}" for n in (1, 4, 5, 6, 7, 9, 10)}
