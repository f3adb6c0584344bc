"""The README's findings say what the committed reports measured, number for number."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERDICT_OF_BULLET = {"Supported": "supported", "Contradicted": "contradicted",
                     "Mixed": "mixed", "Inconclusive": "inconclusive"}


def _section(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end, text.index(start))]


def _numbers(text: str) -> set[str]:
    """Decimal numbers and numbers of two or more digits, as written."""
    return set(re.findall(r"(?<![\w.])\d+\.\d+|(?<![\w.])\d{2,}(?![\w])", text))


def test_the_readme_findings_are_the_committed_comparison():
    readme = (ROOT / "README.md").read_text()
    findings = _section(readme, "The committed example, [docs/gan-vs-vae", "### Applications")
    report = (ROOT / "docs" / "gan-vs-vae" / "report.md").read_text()
    claims = json.loads((ROOT / "docs" / "gan-vs-vae" / "report.json").read_text())["claims"]
    # every number the README quotes is in the report (dates, durations and the command
    # line's own numbers aside)
    own = _numbers("90s 0,1,2 40 epochs 42 minutes 1.0-9.4 7 December 2026 12-14 3-4 "
                   "Table 10 Tables 1, 6, 10 Tables 1, 9 25 4-7 14-25")
    missing = sorted(n for n in _numbers(findings) - own if n not in report)
    assert not missing, f"README numbers not in docs/gan-vs-vae/report.md: {missing}"
    # each verdict bullet names tables whose claims got that verdict in the report
    for bullet in re.findall(r"^- (\w+)[ :(].*?(?=^- |\Z)", findings, re.S | re.M):
        verdict = VERDICT_OF_BULLET.get(bullet)
        if verdict is None:
            continue
        text = re.search(rf"^- {bullet}.*?(?=^- |\Z)", findings, re.S | re.M).group(0)
        tables = {t for group in re.findall(r"Tables? ([\d, ]+)", text)
                  for t in re.findall(r"\d+", group)}
        assert tables, bullet
        for table in tables:
            found = {c["verdict"] for c in claims if c["source"] == f"Table {table}"}
            assert verdict in found, (bullet, table, found)


def test_the_readme_anomaly_table_is_the_committed_benchmark():
    readme = (ROOT / "README.md").read_text()
    table = "\n".join(line for line in _section(
        readme, "| anomaly detection, AUROC (3 seeds)", "| imputation,").splitlines()
        if line.startswith("|"))
    report = (ROOT / "docs" / "applications-anomaly" / "report.md").read_text()
    missing = sorted(n for n in _numbers(table) if n not in report)
    assert not missing, f"README AUROCs not in docs/applications-anomaly/report.md: {missing}"
